"""Issue 20, item 5: the generated loops (templates/block.c, templates/reduce.c).

A light graph's vector loop is unrolled (assemble.py's UNROLL vectors deep), and block.c first runs
one by one the samples before its first output's next vector-aligned element, when the buffer is
long enough (csrc/rj_samples.h's rj_head_to_align: at least RJ_ALIGN_MIN_VECTORS vectors); a graph of
vector-math calls runs its last, partial vector as a vector on every tier (rj_samples.h's _upto:
masked on AVX-512, through a copy on the stack elsewhere) and has no scalar loop. None
may change a value: each sample, wherever it falls (aligning head, unrolled vectors, a vector left
over, the tail), must give the bits the same kernel gives it called on that sample alone; an output
that is its input must give the same; a reduction must fold as the loop that goes sample by sample.
Sizes: every one up to four unrolled vectors of the widest tier and three more, and the same around
each length where the aligning head starts; starts: every element offset within the widest vector.
"""
import numpy as np
import pytest

import resin_jit as rj
from resin_jit.codegen.assemble import UNROLL

from support import EDGE_VALUES, TIERS, compiler_for, needs_native

WIDEST = 16                  # values in the widest vector of any tier: AVX-512's float32
ALIGN_MIN_VECTORS = 256      # csrc/rj_samples.h's RJ_ALIGN_MIN_VECTORS
SMALL = range(4 * WIDEST * UNROLL + 4)
STARTS = range(WIDEST)
# where the head starts, for each lane count a tier has, and the sizes just past it
AROUND_HEAD = sorted({ALIGN_MIN_VECTORS * lanes + k for lanes in (1, 2, 4, 8, 16)
                      for k in range(-1, 2 * lanes * UNROLL + 2)})

x, y = rj.input("x"), rj.input("y")


def ten_node():
    t = rj.clip(x * 0.5 + 0.25, -1.0, 1.0)
    z = abs(t) * 2.0 - t
    return rj.where(z > 0.5, z * z, t)


# name -> outputs: light graphs (unrolled, aligned) and one of vector-math calls (neither)
GRAPHS = {
    "10-node": lambda: [ten_node()],
    "two inputs, a mask first, then values": lambda: [x < y, x * y - 1.0, rj.sqrt(abs(x)) / (y + 3.0)],
    "sin and exp, a mask": lambda: [rj.sin(x) + rj.exp(-abs(y)), rj.sin(x) < y],
}


def pool(dtype, n):
    """n seeded values, the edge values (NaN, infinities, signed zeros, denormals) among them."""
    values = np.random.default_rng(n).standard_normal(n).astype(dtype) * 3
    values[5:5 + EDGE_VALUES.size] = EDGE_VALUES
    return values


def at_offset(values, start):
    """A copy of `values` starting `start` elements past a 64-byte-aligned address."""
    size = values.dtype.itemsize
    raw = np.empty(values.size + start + 64 // size + 1, values.dtype)
    first = (-raw.ctypes.data % 64) // size + start
    view = raw[first:first + values.size]
    view[:] = values
    return view


def one_by_one(kernel, inputs):
    """Each output's values, the kernel called on each sample alone (the scalar loop's values)."""
    per_sample = [kernel(*[a[i:i + 1] for a in inputs]) for i in range(inputs[0].size)]
    per_sample = [r if isinstance(r, tuple) else (r,) for r in per_sample]
    return [np.concatenate([r[j] for r in per_sample]) for j in range(len(per_sample[0]))]


def same_bits(got, want):
    got = got if isinstance(got, tuple) else (got,)
    for g, w in zip(got, want, strict=True):
        assert g.dtype == w.dtype and g.shape == w.shape
        assert g.tobytes() == w.tobytes()


def check_sizes(kernel, inputs, reference, sizes, starts):
    for n in sizes:
        for start in starts:
            views = [at_offset(a[:n], start) for a in inputs]
            same_bits(kernel(*views), [r[:n] for r in reference])
            # in place: the first numeric output is the first input
            j = next(k for k, r in enumerate(reference) if r.dtype != bool)
            outs = [views[0] if k == j else np.empty(n, r.dtype) for k, r in enumerate(reference)]
            kernel.process(*views, out=outs)
            same_bits(tuple(outs), [r[:n] for r in reference])


@needs_native
@pytest.mark.parametrize("tier", TIERS)
@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("graph", GRAPHS)
def test_every_sample_gives_its_own_bits_wherever_it_falls(tier, dtype, graph):
    kernel = compiler_for(tier).compile(GRAPHS[graph](), inputs=["x", "y"], dtype=dtype)
    longest = max(AROUND_HEAD) + WIDEST
    inputs = [pool(dtype, longest), pool(dtype, longest + 1)[1:]]
    with np.errstate(all="ignore"):
        reference = one_by_one(kernel, inputs)
        check_sizes(kernel, inputs, reference, SMALL, STARTS)
        check_sizes(kernel, inputs, reference, AROUND_HEAD, (0, 1, 3, WIDEST - 1))


@needs_native
def test_light_loops_are_unrolled_and_aligned_and_others_not():
    """What the tests above rely on: which loops are unrolled and aligned."""
    jit = rj.JitCompiler()
    light = jit.source_of(ten_node(), inputs=["x"])
    assert f"#pragma GCC unroll {UNROLL}" in light and "rj_head_to_align(out0," in light
    heavy = jit.source_of([rj.sin(x) < y, rj.exp(x)], inputs=["x", "y"])
    assert "#pragma GCC unroll" not in heavy and "rj_head_to_align(" not in heavy
    assert "i < RJ_LONG_BODY_END(n, RJ_VF_WIDTH)" in heavy and "rj_vf_load_upto(in1 + i, n - i)" in heavy
    assert "rj_mf_store_bool_upto(out0 + i, " in heavy and "rj_vf_store_upto(out1 + i, " in heavy
    mask_first = jit.source_of([x < y, x * y], inputs=["x", "y"])
    assert "rj_head_to_align(out1," in mask_first
    reduction = jit.source_of([x * 2, rj.sum(x)], inputs=["x"])
    assert f"#pragma GCC unroll {UNROLL}" in reduction and "rj_head_to_align(" not in reduction


@needs_native
@pytest.mark.parametrize("tier", TIERS)
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_an_unrolled_reduction_folds_as_the_loop_sample_by_sample(tier, dtype):
    """sum, mean, prod, min, max and a per-sample output in the unrolled vector loop, against the same
    graph beside a node that does not vectorise (so every sample runs in the scalar loop)."""
    jit = compiler_for(tier)
    ident = rj.extern("ident_l", "double(double)", c_source="static double ident_l(double v) { return v; }",
                      reference=lambda v: v)
    values = [x * 0.5 + 0.25, rj.sum(x * x), rj.mean(x), rj.prod(x * 0.125 + 1.0), rj.min(x), rj.max(x)]
    unrolled = jit.compile(values, dtype=dtype)
    one_by_one_loop = jit.compile(values + [ident(x)], dtype=dtype)
    assert f"#pragma GCC unroll {UNROLL}" in unrolled.source
    assert "rj_sum_add_v" not in one_by_one_loop.source
    # no NaN: where two NaN bit patterns meet (a product of inf and 0), which one comes out is the compiler's
    data = np.random.default_rng(3).standard_normal(64 * WIDEST * 3 + 40).astype(dtype)
    for n in [*range(1, len(SMALL)), 64 * 8 - 1, 64 * 16 + 5, 64 * WIDEST * 3 + 40]:
        for start in (0, 1, WIDEST - 1):
            xs = at_offset(data[:n], start)
            with np.errstate(all="ignore"):
                same_bits(unrolled(xs), one_by_one_loop(xs)[:len(values)])


def fenced(dtype, n, fence=32):
    """An n-element output inside a buffer whose other bytes are 0xa5: (the buffer, the output)."""
    raw = np.full((n + 2 * fence) * np.dtype(dtype).itemsize, 0xA5, np.uint8).view(dtype)
    return raw, raw[fence:fence + n]


def untouched(raw, n, fence=32):
    return (raw[:fence].view(np.uint8) == 0xA5).all() and (raw[fence + n:].view(np.uint8) == 0xA5).all()


@needs_native
@pytest.mark.parametrize("tier", TIERS)
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_a_partial_last_vector_writes_only_its_samples(tier, dtype):
    """A graph of vector math's last, partial vector (masked, or through a copy on the stack) stores
    no byte past n, a mask output's neither; nor does each thread's chunk of a split call, whose
    chunks end mid-vector; one-element inputs (expanded chunk by chunk) give what the full ones do."""
    kernel = compiler_for(tier).compile(GRAPHS["sin and exp, a mask"](), inputs=["x", "y"], dtype=dtype)
    kinds = [np.dtype(dtype), np.dtype(bool)]
    inputs = [pool(dtype, 70), pool(dtype, 71)[1:]]
    with np.errstate(all="ignore"):
        for n in range(71):
            outs = [fenced(kind, n) for kind in kinds]
            kernel.process(*[a[:n].copy() for a in inputs], out=[o for _, o in outs])
            assert all(untouched(raw, n) for raw, _ in outs), n
            same_bits(tuple(o for _, o in outs), kernel(*[a[:n] for a in inputs]))
            if n:
                same_bits(kernel(inputs[0][:n], inputs[1][:1]), kernel(inputs[0][:n], np.repeat(inputs[1][:1], n)))
        n = 100_003
        big = [pool(dtype, n), pool(dtype, n + 1)[1:]]
        outs = [fenced(kind, n) for kind in kinds]
        kernel.process(*big, out=[o for _, o in outs], threads=2)
        assert all(untouched(raw, n) for raw, _ in outs)
        same_bits(tuple(o for _, o in outs), kernel(*big))
