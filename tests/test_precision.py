"""Issue 9: every node computes in its own precision, whatever the nodes beside it.

A stateful node computes internally in double; the pure-math nodes of a float32 graph round
exactly as in a kernel without state (and as numpy float32 for the exact ops), whether their
channel ran in a SIMD lane beside others or alone, on every tier.
"""
import struct
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

import resin_jit as rj
from resin_jit import audio
from resin_jit.front.canonical import canonicalize
from resin_jit.front.fusion import fused_ops
from resin_jit.front.nodes import Const, Input
from resin_jit.toolchain import isa

from support import EDGE_VALUES, TIERS, compiler_for, needs_neon
from support.neon import build_for_qemu, run_under_qemu

N = 203  # odd: nothing lines up with a vector width
CHANNELS = [None, 1, 2, 3, 5, 8, 9]  # None: a mono (1-D) signal; odd counts end in a lone channel
FMA_TIERS = tuple(t for t in TIERS if isa.TIERS[t].fma)   # the tiers with FMA instructions here


def exact_ops(x, y):
    """Expressions of ops numpy rounds exactly as IEEE, with their numpy float32/64 twins."""
    t = lambda v: x.dtype.type(v) if isinstance(x, np.ndarray) else v  # noqa: E731 - constants in the dtype
    where, sqrt, floor = ((np.where, np.sqrt, np.floor) if isinstance(x, np.ndarray)
                          else (rj.where, rj.sqrt, rj.floor))
    minimum, maximum = (np.minimum, np.maximum) if isinstance(x, np.ndarray) else (rj.minimum, rj.maximum)
    return [x * y + t(0.1),
            (x - y) / (abs(y) + t(0.5)),
            sqrt(abs(x)) * floor(y * t(3.0)),
            minimum(x, y) - maximum(x * t(0.7), y),
            where(x < y, x * y, x + y)]


def inexact_ops(x, y):
    """Ops whose compiled rounding is their own (vmath.h, a fused multiply-add), and a parameter."""
    return [rj.sin(x) * y, audio.Affine(0.3, 0.7)(x) + y, rj.exp(y * 0.25) - x * rj.param("g", 0.3)]


STATEFUL = [lambda x: audio.Biquad.lowpass(1000.0)(x), lambda x: audio.OnePole.highpass(300.0)(x),
            lambda x: audio.SineOsc(x * 2.0 + 440.0)()]


def inputs(channels, dtype, seed=0):
    """x: a plain signal (it feeds the filters); y: the edge values of the float32 range, then noise."""
    rng = np.random.default_rng(seed)
    shape = (N,) if channels is None else (channels, N)
    x = rng.standard_normal(shape).astype(dtype)
    y = rng.standard_normal(shape).astype(dtype)
    y.reshape(-1)[:EDGE_VALUES.size] = EDGE_VALUES
    return x, y


def assert_bits_equal(got, expected):
    """Equal bit for bit, except that any NaN equals any NaN (simd.h's one freedom)."""
    got, expected = np.asarray(got), np.asarray(expected)
    assert got.dtype == expected.dtype and got.shape == expected.shape
    both_nan = np.isnan(got) & np.isnan(expected)
    np.testing.assert_array_equal(np.where(both_nan, 0, got).view(np.uint8),
                                  np.where(both_nan, 0, expected).view(np.uint8))


@pytest.mark.parametrize("channels", CHANNELS, ids=lambda c: "mono" if c is None else f"{c}ch")
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_pure_math_beside_stateful_nodes_rounds_as_without_them(jit, numpy_jit, dtype, channels):
    x, y = rj.input("x"), rj.input("y")
    exact, inexact = exact_ops(x, y), inexact_ops(x, y)
    stateful = [make(x) for make in STATEFUL]
    graph = jit.compile(exact + inexact + stateful, inputs=["x", "y"], dtype=dtype)
    alone = jit.compile(exact + inexact, inputs=["x", "y"], dtype=dtype)
    reference = numpy_jit.compile(exact + inexact + stateful, inputs=["x", "y"], dtype=dtype)
    a, b = inputs(channels, dtype)
    with np.errstate(all="ignore"):
        expected = exact_ops(a, b)
    got, by_numpy_backend = graph(a, b), reference(a, b)
    for k, out in enumerate(expected):
        assert_bits_equal(got[k], out)
        assert_bits_equal(by_numpy_backend[k], out)
    flat = alone(a.reshape(-1), b.reshape(-1))
    for k in range(len(exact) + len(inexact)):
        assert_bits_equal(got[k], flat[k].reshape(a.shape))
    for k in range(len(exact) + len(inexact), len(got)):  # the stateful outputs, as before
        np.testing.assert_allclose(got[k], by_numpy_backend[k], rtol=0, atol=2e-6)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_a_channel_computes_the_same_alone_as_beside_others(jit, dtype):
    """Every output, stateful ones included: lanes (vector state) and the lone-channel path agree."""
    x, y = rj.input("x"), rj.input("y")
    graph = jit.compile(exact_ops(x, y) + inexact_ops(x, y) + [make(x) for make in STATEFUL], inputs=["x", "y"],
                        dtype=dtype)
    a, b = inputs(9, dtype, seed=1)
    together = graph(a, b)
    for c in range(9):
        graph.reset()
        for out, whole in zip(graph(a[c], b[c]), together):
            assert_bits_equal(out, whole[c])


# ---- issue 12: channel kernels move blocks of samples as whole vectors (csrc/rj_transpose.h) ------

# 0, 1, W - 1, W, W + 1 and 3W + 5 for the lane counts W = 2, 4, 8 of the vector tiers, and a long signal
LENGTHS = (0, 1, 2, 3, 4, 5, 7, 8, 9, 11, 17, 29, 1000)
CHANNEL_GRAPHS = {  # name: (inputs, outputs)
    "biquad": (["x"], lambda x, y: [audio.Biquad.lowpass(1000.0)(x)]),
    "delay": (["x"], lambda x, y: [audio.Delay(3, unit="samples")(x)]),   # a ring buffer: one channel at a time
    "oscillator": (["x"], lambda x, y: [audio.SineOsc(x * 200.0 + 440.0)()]),
    "two_in_three_out": (["x", "y"], lambda x, y: [audio.Biquad.lowpass(2000.0)(x) * y + 0.1,
                                                   audio.OnePole.highpass(300.0)(x + y),
                                                   audio.OnePole.lowpass(300.0)(x) > y]),
}


def channel_kernel(jit, dtype, graph):
    """The graph compiled, and a (17, 1000) signal per input: different noise on every channel."""
    names, outputs = CHANNEL_GRAPHS[graph]
    kernel = jit.compile(outputs(rj.input("x"), rj.input("y")), inputs=names, dtype=dtype)
    rng = np.random.default_rng(12)
    return kernel, [rng.standard_normal((17, 1000)).astype(dtype) for _ in names]


def as_tuple(outputs):
    return outputs if isinstance(outputs, tuple) else (outputs,)


def each_alone(kernel, signals):
    """Every output of every channel run alone (a 1-D signal: the one-channel path)."""
    alone = []
    for c in range(len(signals[0])):
        kernel.reset()
        alone.append(as_tuple(kernel(*(s[c] for s in signals))))
    return alone


def assert_channels_alone(got, alone):
    """Each output's rows (channels, n): the first n samples of each channel run alone."""
    for k, out in enumerate(as_tuple(got)):
        assert_bits_equal(out, np.stack([channel[k][:out.shape[1]] for channel in alone[:len(out)]]))


@pytest.mark.parametrize("graph", CHANNEL_GRAPHS)
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_any_channel_count_and_length_gives_each_channel_as_alone(jit, dtype, graph):
    """Full groups of lanes and partial ones, whole blocks of samples and the samples after the last
    whole block: every output of every channel, bit for bit as when the channel runs alone."""
    kernel, signals = channel_kernel(jit, dtype, graph)
    alone = each_alone(kernel, signals)
    for channels in range(2, 18):
        for n in LENGTHS:
            kernel.reset()
            assert_channels_alone(kernel(*(np.ascontiguousarray(s[:channels, :n]) for s in signals)), alone)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_channel_state_carries_across_calls_that_end_inside_a_block(jit, dtype):
    """A signal in pieces of any length, each ending anywhere in a block: as in one call."""
    kernel, signals = channel_kernel(jit, dtype, "two_in_three_out")
    alone = each_alone(kernel, signals)
    for channels in (9, 16):
        kernel.reset()
        pieces = [as_tuple(kernel(*(np.ascontiguousarray(s[:channels, a:b]) for s in signals)))
                  for a, b in [(0, 1), (1, 10), (10, 13), (13, 1000)]]
        assert_channels_alone(tuple(np.concatenate(outs, axis=1) for outs in zip(*pieces)), alone)


def offset_copy(values):
    """A C-contiguous copy whose first element is one element past a 64-byte boundary."""
    buffer = np.zeros(values.size + 64 // values.itemsize + 1, values.dtype)
    skip = (-buffer.ctypes.data % 64) // values.itemsize + 1
    view = buffer[skip:skip + values.size].reshape(values.shape)
    view[...] = values
    assert view.ctypes.data % 64 == values.itemsize and view.flags.c_contiguous
    return view


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_channel_rows_at_any_offset_in_place_or_strided(jit, dtype):
    """Rows that start off any vector boundary, an output that is its input, and an input whose
    rows are not contiguous (copied) give the same channels; a strided output is refused."""
    kernel, (signal,) = channel_kernel(jit, dtype, "biquad")
    alone = each_alone(kernel, [signal])
    for channels, n in ((8, 29), (11, 1000), (16, 17), (3, 5)):
        values = np.ascontiguousarray(signal[:channels, :n])
        source, out = offset_copy(values), offset_copy(np.zeros_like(values))
        kernel.reset()
        kernel.process(source, out=out)
        assert_channels_alone(out, alone)
        kernel.reset()
        kernel.process(source, out=source)
        assert_channels_alone(source, alone)
        wide = np.zeros((channels, n + 3), dtype)
        wide[:, 1:n + 1] = values
        kernel.reset()
        assert_channels_alone(kernel(wide[:, 1:n + 1]), alone)
        with pytest.raises(ValueError, match="C-contiguous"):
            kernel.process(values, out=np.zeros((channels, n + 3), dtype)[:, 1:n + 1])


@pytest.mark.parametrize("channels", [None, 3, 8, 9], ids=lambda c: "mono" if c is None else f"{c}ch")
def test_pure_math_after_a_stateful_node_takes_its_output_in_float32(jit, channels):
    """A filter's output enters the graph's float32 arithmetic as a float32 value."""
    x, y, z = rj.input("x"), rj.input("y"), rj.input("z")
    filtered = audio.Biquad.lowpass(2000.0, freeze=True)(x)  # the harness binds no parameters
    graph = jit.compile([filtered, filtered * y + 0.1, rj.sin(filtered) * y], inputs=["x", "y"])
    after = jit.compile([z * y + 0.1, rj.sin(z) * y], inputs=["z", "y"])
    a, b = inputs(channels, "float32", seed=2)
    out, fed, sine = graph(a, b)
    with np.errstate(all="ignore"):
        assert_bits_equal(fed, out * b + np.float32(0.1))
    expected_fed, expected_sine = after(out.reshape(-1), b.reshape(-1))
    assert_bits_equal(fed, expected_fed.reshape(a.shape))
    assert_bits_equal(sine, expected_sine.reshape(a.shape))


@pytest.mark.parametrize("channels", [None, 3])
def test_pure_math_in_a_sample_by_sample_stateful_graph_rounds_as_numpy(jit, channels):
    """Noise and Delay keep integer state: such graphs run one channel at a time (stateful.c)."""
    x, y = rj.input("x"), rj.input("y")
    graph = jit.compile(exact_ops(x, y) + [audio.Noise()() + audio.Delay(2, unit="samples")(x)], inputs=["x", "y"])
    a, b = inputs(channels, "float32", seed=3)
    with np.errstate(all="ignore"):
        expected = exact_ops(a, b)
    for out, ref in zip(graph(a, b), expected):
        assert_bits_equal(out, ref)


def run_neon_channels(exe, x, y):
    """The three outputs of tests/c/neon_channels_harness.c's kernel on (x, y), each (channels, n)."""
    payload = struct.pack("<qq", *x.shape) + x.astype("<f4").tobytes() + y.astype("<f4").tobytes()
    return np.frombuffer(run_under_qemu(exe, payload), "<f4").astype(np.float32).reshape(3, *x.shape)


@needs_neon
def test_neon_channel_kernels_round_as_the_other_fma_tiers(tmp_path):
    """Cross-compiled for AArch64 and run under qemu: the float lanes beside the double state give
    numpy's rounding, and (the tiers with FMA computing alike) the host's FMA tiers' bits."""
    x, y = rj.input("x"), rj.input("y")
    filtered = audio.Biquad.lowpass(2000.0, freeze=True)(x)  # the harness binds no parameters
    graph = [x * y + 0.1, rj.sin(x) * y, filtered * y + 0.1]
    source = rj.JitCompiler(rj.JitConfig(isa="scalar")).source_of(graph, inputs=["x", "y"])
    fma_tiers = [t for t in TIERS if t in FMA_TIERS]
    exe = build_for_qemu(source, "neon_channels_harness.c", tmp_path)
    for channels in (1, 2, 3):  # NEON has two double lanes: a pair, and a lone channel
        a, b = inputs(channels, "float32", seed=4)
        out = run_neon_channels(exe, a, b)
        with np.errstate(all="ignore"):
            assert_bits_equal(out[0], a * b + np.float32(0.1))
        for tier in fma_tiers:
            for got, expected in zip(out, compiler_for(tier).compile(graph, inputs=["x", "y"])(a, b)):
                assert_bits_equal(got, expected)


@needs_neon
def test_neon_channel_kernels_give_each_channel_as_alone(tmp_path):
    """Cross-compiled for AArch64 and run under qemu: pairs of channels in the two double lanes,
    a lone last channel, any length, bit for bit as each channel alone."""
    x, y = rj.input("x"), rj.input("y")
    graph = [audio.Biquad.lowpass(2000.0, freeze=True)(x) * y + 0.1,   # the harness binds no parameters
             audio.OnePole.highpass(300.0, freeze=True)(x + y), audio.OnePole.lowpass(300.0, freeze=True)(x) - y]
    source = rj.JitCompiler(rj.JitConfig(isa="scalar")).source_of(graph, inputs=["x", "y"])
    exe = build_for_qemu(source, "neon_channels_harness.c", tmp_path)
    rng = np.random.default_rng(12)
    a, b = (rng.standard_normal((5, N)).astype(np.float32) for _ in range(2))
    alone = [run_neon_channels(exe, a[c:c + 1], b[c:c + 1])[:, 0] for c in range(5)]
    for channels in (2, 3, 5):
        for n in (0, 1, 2, 3, 11, N):
            out = run_neon_channels(exe, np.ascontiguousarray(a[:channels, :n]), np.ascontiguousarray(b[:channels, :n]))
            for k in range(3):
                assert_bits_equal(out[k], np.stack([alone[c][k, :n] for c in range(channels)]))


# ---- JitConfig(fastmath=True): what a fused multiply-add does, as the README states it ----------

_fast = {}


def fastmath_kernel(tier):
    """x*y + z and x*y - z, compiled once per tier with fastmath."""
    if tier not in _fast:
        x, y, z = rj.input("x"), rj.input("y"), rj.input("z")
        jit = rj.JitCompiler(rj.JitConfig(isa=tier, fastmath=True))
        _fast[tier] = jit.compile([x * y + z, x * y - z], inputs=["x", "y", "z"])
    return _fast[tier]


def numpy_twice_rounded(a, b, c):
    with np.errstate(all="ignore"):
        return a * b + c, a * b - c


def test_fastmath_examples_behave_as_documented(jit):
    """a*b - c rounded once where the tier has FMA: a product that overflows alone gives a finite
    value or the other infinity, a cancelling result is far from numpy's; NaN stays NaN."""
    cases = np.array([(2.5e19, 2e19, 3e38, 2e38, np.inf), (1e20, 1e20, np.inf, -np.inf, np.nan),
                      (1.0000001, 1.0000001, 1.0000002, 1.4210855e-14, 0.0), (np.nan, 1.0, 2.0, np.nan, np.nan),
                      (1.0, 2.0, np.nan, np.nan, np.nan)]).T
    a, b, c, fused, numpy_result = (np.tile(v.astype(np.float32), 7) for v in cases)  # 35: body and tail
    _, minus = fastmath_kernel(jit.isa)(a, b, c)
    np.testing.assert_array_equal(numpy_twice_rounded(a, b, c)[1], numpy_result)
    if jit.isa in FMA_TIERS:
        np.testing.assert_allclose(minus, fused, rtol=1e-6)  # 2e38 as the README rounds it
        np.testing.assert_array_equal(minus[2], np.float32(2.0 ** -46))  # a*b - c exactly
    else:
        np.testing.assert_array_equal(minus, numpy_result)


def _ulp(v):
    """The gap from |v| to the next float32 away from zero (for the largest float, the one below)."""
    v = np.abs(np.float32(v))
    with np.errstate(over="ignore"):
        gap = np.spacing(v)
    return Fraction(float(gap if np.isfinite(gap) else v - np.nextafter(v, np.float32(0))))


@st.composite
def fma_operands(draw):
    """Finite float32 (a, b, c); c often a few steps from -a*b, where the sum cancels."""
    f32 = st.floats(width=32, allow_nan=False, allow_infinity=False)
    a, b, c = draw(f32), draw(f32), draw(f32)
    if draw(st.booleans()):
        with np.errstate(all="ignore"):
            near = -(np.float32(a) * np.float32(b))
        toward = np.float32(draw(st.sampled_from([-np.inf, np.inf])))
        for _ in range(draw(st.integers(0, 3))):
            near = np.nextafter(near, toward)
        c = float(near) if np.isfinite(near) else c
    return a, b, c


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(operands=st.lists(fma_operands(), min_size=1, max_size=40))
def test_fastmath_stays_within_the_documented_bound(jit, operands):
    """Fused: within half an ULP of the exact a*b + c. Against numpy's twice-rounded result, when
    nothing overflows: at most half an ULP of fl(a*b) plus an ULP of the larger result."""
    a, b, c = (np.array(v, np.float32) for v in zip(*operands))
    tier = jit.isa
    for sign, got, numpy_result in zip((1, -1), fastmath_kernel(tier)(a, b, c), numpy_twice_rounded(a, b, c)):
        with np.errstate(all="ignore"):
            product = a * b
        for k in range(a.size):
            if not (np.isfinite(product[k]) and np.isfinite(got[k]) and np.isfinite(numpy_result[k])):
                continue
            exact = Fraction(float(a[k])) * Fraction(float(b[k])) + sign * Fraction(float(c[k]))
            if tier in FMA_TIERS:
                assert abs(Fraction(float(got[k])) - exact) <= _ulp(got[k]) / 2
            bound = _ulp(product[k]) / 2 + max(_ulp(got[k]), _ulp(numpy_result[k]))
            assert abs(Fraction(float(got[k])) - Fraction(float(numpy_result[k]))) <= bound


# ---- which multiply-adds fastmath fuses: front/fusion.py's rule, not the compiler's -----------

def fma32(a, b, c):
    """float32 a*b + c rounded once, exactly: a*b is exact in double, the sum is rounded to odd
    there (53 bits: enough that rounding it again to float32's 24 is as rounding once)."""
    a, b, c = (np.asarray(v, np.float32).astype(np.float64) for v in (a, b, c))
    with np.errstate(all="ignore"):
        p = a * b
        s = p + c
        back = s - p
        error = (p - (s - back)) + (c - back)        # TwoSum: s + error == p + c exactly
        even = (s.view(np.int64) & 1) == 0
        odd = np.where(np.isfinite(error) & (error != 0) & even, np.nextafter(s, np.copysign(np.inf, error)), s)
        return odd.astype(np.float32)


def fused_reference(outputs, inputs, values, tier):
    """The graph's float32 values in numpy, with the multiply-adds front/fusion.py fuses on `tier`
    rounded once (fma32) where the tier has FMA, and everything else as numpy rounds it."""
    cg = canonicalize(outputs, inputs, "float32")
    fused = {f.node: f for f in fused_ops(cg)} if isa.TIERS[tier].fma else {}
    got = []
    with np.errstate(all="ignore"):
        for i, (node, args) in enumerate(cg.nodes):
            if isinstance(node, Input):
                got.append(values[inputs.index(node.name)])
            elif isinstance(node, Const):
                got.append(np.float32(node.value))
            elif i in fused:
                a, b, c = (got[k] for k in fused[i].operands)
                sign = {"fma": (1, 1), "fms": (1, -1), "fnma": (-1, 1)}[fused[i].op]
                got.append(fma32(sign[0] * a, b, sign[1] * c))
            else:
                got.append(np.asarray(node.evaluate(None, *(got[k] for k in args)), np.float32))
    return [got[o] for o in cg.outputs]


def test_fastmath_fuses_by_gcc_s_rule():
    """A product is fused into every add and subtract that uses it, when nothing else uses it and
    it is no output; of a*b + c*d the product computed first."""
    x, y, z, w = (rj.input(n) for n in "xyzw")

    def fused(*outputs):
        cg = canonicalize(list(outputs), ["x", "y", "z", "w"], "float32")
        named = [node.name if isinstance(node, Input) else repr(node) for node, _ in cg.nodes]
        return sorted((f.op, tuple(named[k] for k in f.operands)) for f in fused_ops(cg))
    assert fused(x * y + z, x * y - z) == [("fma", ("x", "y", "z")), ("fms", ("x", "y", "z"))]  # clang: neither
    assert fused(z - x * y) == [("fnma", ("x", "y", "z"))]
    assert fused(x * y + z, x * y) == []               # the product is an output
    assert fused(x * y + z, (x * y) * z) == []         # and a factor of another product
    assert fused(x * y + z * w) == [("fma", ("x", "y", "mul"))]   # the left product; z*w rounds alone
    assert fused(x * x + x * x) == []
    assert fused(rj.param("g", 2.0) * rj.param("h", 3.0) + x) == []   # computed once, before the loop


FUSION_GRAPHS = [lambda x, y, z: [x * y + z, x * y - z, z - x * y],
                 lambda x, y, z: [(x * y + z) * x - y, x * x + y * y, x * y + z * 3.0],
                 lambda x, y, z: [rj.sqrt(abs(x)) * y - z, x * y + z, x * y]]


@pytest.mark.parametrize("graph", range(len(FUSION_GRAPHS)))
def test_fastmath_kernels_give_the_fused_reference_bit_for_bit(jit, graph):
    """Every tier gives what front/fusion.py's rule gives in numpy (fused ops rounded once where
    the tier has FMA, twice elsewhere), on edge values, cancelling operands, the tail."""
    rng = np.random.default_rng(graph)
    a = np.concatenate([EDGE_VALUES, rng.standard_normal(N).astype(np.float32)])
    b = np.concatenate([np.roll(EDGE_VALUES, 3), rng.standard_normal(N).astype(np.float32)])
    with np.errstate(all="ignore"):
        c = np.concatenate([np.roll(EDGE_VALUES, 7), -(a[len(EDGE_VALUES):] * b[len(EDGE_VALUES):])])
    names = ["x", "y", "z"]
    outputs = FUSION_GRAPHS[graph](*(rj.input(n) for n in names))
    fast = rj.JitCompiler(rj.JitConfig(isa=jit.isa, fastmath=True)).compile(outputs, inputs=names)
    for got, expected in zip(fast(a, b, c), fused_reference(outputs, names, [a, b, c], jit.isa)):
        np.testing.assert_array_equal(got, expected)
        np.testing.assert_array_equal(np.signbit(got[~np.isnan(got)]), np.signbit(expected[~np.isnan(got)]))
