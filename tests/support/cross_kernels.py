"""The kernels run on emulated platforms (support.crossrun), and their calls made natively here
through resin_jit at one ISA tier: what the emulated runs must give bit for bit.

- math: sin, exp, log, pow, tanh, sqrt and a multiply-add by a runtime parameter, float32 and
  float64, on edge values (±0, ±inf, NaNs with a sign and a payload, denormals, the ends of each
  function's range) at lengths 0, 1, tails and more, misaligned, and with an input broadcast;
- reductions: sum, min and argmax over rows (ties, NaN, ±inf), float32 and float64;
- the demo's audio patch (sample by sample, with state) streamed in blocks, then on two channels;
- a filter with one channel per SIMD lane, over channel counts that fill a vector or not;
- compile_affine's scalar function, its argument and result passed as numbers;
- VSA operations: reductions returning an int or a float, and operations writing a vector.
"""
import numpy as np

import resin_jit as rj
from resin_jit import audio, demo
from resin_jit.vsa import JitVSAEngine, TritVector, kernels as vsa_kernels
from resin_jit.vsa.vectors import popcount_rows, words_for

from . import compiler_for
from .crossrun import STATE, Buffer, Call, KernelCase

_BITS = {np.float32: (np.uint32, 0x7FC00000, 0xFFC00000, 0x7FC12345, 0x7FA00000),
         np.float64: (np.uint64, 0x7FF8000000000000, 0xFFF8000000000000, 0x7FF8000000012345, 0x7FF4000000000000)}
_ENDS = {np.float32: [88.72, 88.73, -103.9, -87.3, 1e-30, 3.4e38, 1.1754942e-38, 1e-40, 1e-45, 1e4, 1e7, 1e30],
         np.float64: [709.78, 709.79, -745.2, -708.4, 1e-300, 1.7e308, 2.2250738585072014e-308, 1e-310, 5e-324,
                      1e6, 1e15, 1e300]}


def edge_values(dtype):
    """±0, ±1, halves, the ends of exp's and log's ranges, denormals, huge values, ±inf, and NaNs:
    quiet, negative (x86's default NaN), with a payload, signalling; each with both signs."""
    uint, *nans = _BITS[dtype]
    plain = np.array([0.0, 1.0, 0.5, 2.0, 7.25, np.pi, 1e-7, 123456.789, np.inf, *_ENDS[dtype]], dtype)
    return np.concatenate([plain, -plain, np.array(nans, uint).view(dtype)])


def _aligned(n, dtype, misalign=0):
    """An n-element array `misalign` elements past a 64-byte boundary (a view of a larger one)."""
    item = np.dtype(dtype).itemsize
    raw = np.empty(n * item + 128 + misalign * item, np.uint8)
    start = (-raw.ctypes.data) % 64 + misalign * item
    return raw[start:start + n * item].view(dtype)


def _buffer(arr, rows=None):
    return Buffer(np.array(arr, copy=True), arr.ctypes.data % 64, arr.shape[0] if arr.ndim == 2 else 1)


def graph_call(kernel, inputs, outputs, afresh=False):
    """Call `kernel` natively on `inputs` into `outputs` (kernel.process); the Call, with its bound
    parameters and its state as they were before and after."""
    runner = kernel._runner
    buffers = [_buffer(a) for a in (*inputs, *outputs)]
    if kernel.plan.has_params:
        buffers.append(_buffer(runner.params))
    kernel.process(*inputs, *outputs)
    after = [np.ascontiguousarray(a).tobytes() for a in (*inputs, *outputs)]
    if kernel.plan.has_params:
        after.append(runner.params.tobytes())
    if kernel.plan.stateful:
        channels = outputs[0].shape[0] if outputs[0].ndim == 2 else 1
        buffers.append(Buffer(STATE, int(afresh), channels))
        after.append(runner.state.tobytes())
    return Call(buffers, after, (0, 0.0))


def _filled(shape, dtype):
    return np.full(shape, 7, dtype)   # what an output held before: a kernel that skips one shows


def math_case(tier, dtype):
    x, y = rj.input("x"), rj.input("y")
    outputs = [rj.sin(x), rj.exp(x), rj.log(x), rj.pow(x, y), rj.tanh(x), rj.sqrt(x), x * rj.param("gain", 0.75) + y]
    kernel = compiler_for(tier).compile(outputs, inputs=[x, y], dtype=np.dtype(dtype).name)
    edges = edge_values(dtype)
    rng = np.random.default_rng(19)
    xs = np.concatenate([edges, np.repeat(edges, edges.size), (rng.standard_normal(700) * 30).astype(dtype)])
    ys = np.concatenate([edges, np.tile(edges, edges.size), rng.choice(edges, 700)]).astype(dtype)
    case = KernelCase(f"math {np.dtype(dtype).name}", tier, kernel.source, False)
    for n, start, misalign, broadcast in ((0, 0, 0, False), (1, 8, 0, False), (3, 20, 1, False), (17, 0, 0, True),
                                          (edges.size, 0, 0, False), (xs.size, 0, 0, False), (xs.size - 5, 5, 1, False),
                                          (301, xs.size - 301, 0, True)):
        xa, ya = _aligned(n, dtype, misalign), _aligned(1 if broadcast else n, dtype, misalign)
        xa[:], ya[:] = xs[start:start + n], 2.5 if broadcast else ys[start:start + n]
        case.calls.append(graph_call(kernel, [xa, ya], [_filled(n, dtype) for _ in outputs]))
    return case


def reductions_case(tier, dtype):
    x = rj.input("x")
    kernel = compiler_for(tier).compile([rj.sum(x), rj.min(x), rj.argmax(x)], inputs=[x], dtype=np.dtype(dtype).name)
    edges = edge_values(dtype)
    rng = np.random.default_rng(23)
    case = KernelCase(f"reductions {np.dtype(dtype).name}", tier, kernel.source, False, sums=(1,))
    for rows, n in ((1, 1), (3, 1), (3, 5), (3, 17), (2, 300), (4, 1003)):
        xs = (rng.standard_normal((rows, n)) * 1e3).astype(dtype)
        xs[rows - 1, :min(n, 8)] = rng.choice(edges[:-4], min(n, 8))   # ±inf, ±0, denormals; no NaN
        if rows > 2:
            xs[1, n // 2] = edges[-3 if n % 2 else -1]                    # a NaN mid-row
        xs[0, n - 1] = xs[0].max() if n > 1 else xs[0, 0]                # a tie for argmax
        outs = [_filled(rows, dtype), _filled(rows, dtype), _filled(rows, np.int64)]
        if rows == 1:   # a 1-D call: one row
            xs = xs[0]
            outs = [_filled((), o.dtype) for o in outs]
        case.calls.append(graph_call(kernel, [np.ascontiguousarray(xs)], outs))
    return case


def _stream(case, kernel, shapes, inputs_for=None, afresh_first=True):
    kernel.reset()
    for i, shape in enumerate(shapes):
        inputs = inputs_for(shape) if inputs_for else []
        outs = [_filled(shape, kernel.dtype) for _ in range(kernel.n_outputs)]
        case.calls.append(graph_call(kernel, inputs, outs, afresh=afresh_first and i == 0))


def patch_case(tier):
    kernel = compiler_for(tier).compile(demo.patch(), sample_rate=48000)
    case = KernelCase("audio patch", tier, kernel.source, True)
    _stream(case, kernel, [(1,), (0,), (255,), (256,), (1000,), (2, 300), (2, 77)])
    return case


def channels_case(tier):
    x = rj.input("x")
    low = audio.Biquad.lowpass(1200.0, q=0.9)(x)
    kernel = compiler_for(tier).compile([low, rj.tanh(low * 3.0)], inputs=[x], sample_rate=48000)
    case = KernelCase("channel filter", tier, kernel.source, True)
    rng = np.random.default_rng(29)
    edges = edge_values(np.float32)

    special = np.array([0, -0.0, 1e-40, -1e-45, 1e30, -1e30, 1, -1, 0.5, 3, 1e-38, 0], np.float32)

    def signal(shape):
        out = rng.standard_normal(shape).astype(np.float32)
        out.reshape(-1)[:special.size] = special[:out.size]
        return out
    _stream(case, kernel, [(3, 1), (3, 40), (3, 17), (8, 33), (5, 64), (1, 9), (9,)], lambda shape: [signal(shape)])
    kernel.reset()   # a second run that meets an infinity and NaNs: they stay in the state
    inputs = signal((2, 20))
    inputs[1, 5:8] = edges[8], edges[-1], edges[-3]
    case.calls.append(graph_call(kernel, [inputs], [_filled((2, 20), np.float32) for _ in range(2)], afresh=True))
    return case


def scalar_case(tier):
    """compile_affine's scalar function, whose argument comes in rj_call.num and result goes out in ret_float."""
    kernel = compiler_for(tier).compile_affine(-3.25, 1e-40)
    case = KernelCase("scalar affine", tier, kernel.source, False)
    for x in edge_values(np.float32):
        case.calls.append(Call([], [], (0, kernel.call_f32(float(x))), (float(x),)))
    return case


# (operation, layout, dimension, count or shift): a reduction to an int and one to a float in each
# layout, dimensions below one vector, with a tail, and of more than one int8 flush block
VSA_CASES = (("dot", "packed", 1023, None), ("hamming", "dense", 33, None), ("cosine", "dense", 4097, None),
             ("bind", "packed", 1023, None), ("bundle", "dense", 4097, 3), ("permute", "packed", 1023, 5),
             ("similarity_cosine", "packed", 65, None), ("top_k_cosine", "packed", 65, None),
             ("top_k_hamming", "packed", 1023, None))


def _vsa_arguments(op, layout, dim, k, seed):
    vecs = [TritVector.random(dim, seed=seed + s, sparsity=0.25 if s == 2 else None) for s in range(8)]
    data = (lambda v: v.pack()._buf) if layout == "packed" else (lambda v: v.data)
    out = np.zeros(2 * words_for(dim) + 1, np.uint64) if layout == "packed" else np.zeros(dim, np.int8)
    if op in ("dot", "hamming", "cosine"):
        return [data(vecs[0]), data(vecs[1])]
    if op == "bind":
        return [data(vecs[0]), data(vecs[2]), out]
    if op == "bundle":
        return [*map(data, vecs[:k]), out]
    if op == "permute":
        return [data(vecs[0]), out]
    queries, memory = np.stack([data(v) for v in vecs[:2]]), np.stack([data(v) for v in vecs[2:7]])
    words = 2 * words_for(dim)
    if op == "top_k_hamming":   # the 3 best of 5 rows per query: keys and row numbers
        return [queries, memory, np.zeros((2, 3)), np.zeros((2, 3), np.int64)]
    norms = [popcount_rows(queries[:, :words]), popcount_rows(memory[:, :words])]
    if op == "top_k_cosine":
        return [queries, norms[0], memory, norms[1], np.zeros((2, 3)), np.zeros((2, 3), np.int64)]
    return [queries, norms[0], memory, norms[1], np.zeros(10)]


def vsa_case(tier, op, layout, dim, k):
    caller = JitVSAEngine(compiler_for(tier))._kernel(op, layout, dim, k)
    ret = vsa_kernels.rule(op, layout, k).ret
    case = KernelCase(f"vsa {op} {layout} {dim}", tier, vsa_kernels.source(op, layout, dim, k), False)
    for seed in (1, 100):
        args = _vsa_arguments(op, layout, dim, k, seed)
        buffers = [_buffer(a) for a in args]
        value = caller(*args)
        returned = (int(value), 0.0) if ret == "i" else (0, float(value)) if ret == "f" else (0, 0.0)
        case.calls.append(Call(buffers, [a.tobytes() for a in args], returned))
    return case


def cases(tier):
    """Every kernel of the set at `tier`, with its native calls."""
    return [math_case(tier, np.float32), math_case(tier, np.float64), reductions_case(tier, np.float32),
            reductions_case(tier, np.float64), patch_case(tier), channels_case(tier), scalar_case(tier),
            *(vsa_case(tier, *spec) for spec in VSA_CASES)]
