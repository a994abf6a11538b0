"""Issue 17, item 5: the sum bound README states, against inputs built to break it, and a reduction's
value the same bits whatever loop runs it (the vector loop, the loop that goes sample by sample in a
graph with a node that does not vectorise, or a graph with state), on every tier; argmin and argmax,
which run in every loop too (issue 21), numpy's index in each.

csrc/rj_reduce.h says the order: sample i of a row's whole vectors goes into lane i % lanes, each
lane adds RJ_SUM_BLOCK = 64 values a block, blocks are folded pairwise; the samples after the last
whole vector go into a tail."""
import itertools
import math
import struct
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

import resin_jit as rj
from resin_jit import audio

from support import TIERS, compiler_for, needs_native, needs_neon
from support.neon import build_for_qemu, run_under_qemu

SUM_BLOCK = 64
VECTOR_BYTES = {"scalar": 0, "sse2": 16, "sse4.1": 16, "avx2": 32, "avx512": 64, "neon": 16}   # simd.h
STRIDES = (1, 2, 4, 8, 16)   # every lane count a tier has: one of them is the tier's


def lanes(tier, dtype):
    """Values per vector: a sum's lanes."""
    return max(1, VECTOR_BYTES[tier] // np.dtype(dtype).itemsize)


def final_rounding(exact, dtype):
    """Half the dtype's spacing at the exact sum."""
    return Fraction(float(np.spacing(np.abs(np.asarray(float(exact), dtype))))) / 2


def stated_depth(n, lane_count):
    """README: within (64 + log2(lanes) + log2(blocks) + 2) 2^-53 of the sum of the magnitudes, plus
    the final rounding to the dtype."""
    blocks = -(-(n - n % lane_count) // (SUM_BLOCK * lane_count))
    return SUM_BLOCK + math.log2(lane_count) + (math.log2(blocks) if blocks else 0) + 2


def lost_in_one_lane(n, stride, dtype, run=SUM_BLOCK):
    """1.0 every run * stride samples and 2^-53 (half an ulp of 1.0: each add rounds it away) at every
    other multiple of `stride`: in a sum of `stride` lanes whose lanes take `run` values a block,
    every add in lane 0 loses its value. Plus, in another lane, half a float32 ulp of the result, so
    that the double sum of what survives is a tie that float32 rounds down while the exact sum is
    above it. (The issue's input is n 512, stride 4, run 128: a double lane of the old AVX2 float32
    sum, which took two values of every vector.)"""
    x = np.zeros(n, dtype)
    x[::stride] = 2.0 ** -53
    x[::run * stride] = 1.0
    if n > 1:
        x[1] = np.spacing(np.float32(len(x[::run * stride]))) / 2
    return x


@needs_native
@pytest.mark.parametrize("tier", TIERS)
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_the_stated_sum_bound_holds_where_each_lane_loses_every_add(tier, dtype):
    """The issue's input, generalised to every lane count, several blocks and a tail: none exceeds
    the bound, for sum and for mean, and on each tier the worst of them loses 60 units of 2^-53 or
    more (so it does reach a whole block's adds in one lane, the bound's first term)."""
    x = rj.input("x")
    kernel = compiler_for(tier).compile([rj.sum(x), rj.mean(x)], dtype=dtype)
    worst = 0.0
    lengths, runs = (4 * 1024 + 5, 3 * 1024, 700, 512, 63), (SUM_BLOCK, 2 * SUM_BLOCK)
    for n, stride, run in itertools.product(lengths, STRIDES, runs):
        xs = lost_in_one_lane(n, stride, dtype, run)
        exact = sum(map(Fraction, xs.tolist()), Fraction(0))
        unit = Fraction(2) ** -53 * sum(map(abs, map(Fraction, xs.tolist())), Fraction(0))
        total, mean = kernel(xs)
        error = abs(Fraction(float(total)) - exact)
        bound = Fraction(stated_depth(n, lanes(tier, dtype))) * unit + final_rounding(exact, dtype)
        assert error <= bound, (n, stride, run, float(error / bound))
        mean_rounding = Fraction(float(np.spacing(np.abs(mean)))) + Fraction(2) ** -53 * abs(exact / n)
        assert abs(Fraction(float(mean)) - exact / n) <= bound / n + mean_rounding, (n, stride)
        worst = max(worst, float((error - final_rounding(exact, dtype)) / unit))
    assert worst >= SUM_BLOCK - 1 - 3, f"no input came near the bound: {worst} units of 2^-53"


def values_to_reduce(tier, dtype, n, rows=None):
    """Inputs of every kind: random, near 1 (for products), the adversarial sums above, and edge values
    (one NaN bit pattern only: where two different NaNs meet, the compiler may pick either)."""
    shape = (rows, n) if rows else (n,)
    rng = np.random.default_rng(n * 7 + (rows or 0))
    info = np.finfo(dtype)
    specials = np.array([np.inf, -np.inf, 0.0, -0.0, info.smallest_subnormal, -info.smallest_normal / 3, 1.0, -1.0,
                         info.max, info.max / 3], dtype)
    yield rng.standard_normal(shape).astype(dtype)
    yield (1 + 1e-3 * rng.standard_normal(shape)).astype(dtype)
    yield np.broadcast_to(lost_in_one_lane(n, lanes(tier, dtype), dtype), shape).copy()
    yield rng.choice(specials, shape)
    zeros = rng.choice(np.array([0.0, -0.0, 2.0, -2.0], dtype), shape)
    zeros.reshape(-1)[rng.integers(0, zeros.size, 3)] = np.nan
    yield zeros


def bits(value):
    value = np.atleast_1d(np.asarray(value))
    return value.view({4: np.uint32, 8: np.uint64}[value.dtype.itemsize]).tolist()


def loops(tier, dtype, with_index):
    """One graph per loop a reduction can run in: the vector loop, the per-sample loop (a node that
    does not vectorise beside), the stateful one (a filter beside); argmin and argmax last in each."""
    x = rj.input("x")
    jit = compiler_for(tier)
    ident = rj.extern("ident_v", "double(double)", c_source="static double ident_v(double v) { return v; }",
                      reference=lambda v: v)
    values = [rj.sum(x), rj.mean(x), rj.prod(x)] + ([rj.min(x), rj.max(x)] if with_index else [])
    index = [rj.argmin(x), rj.argmax(x)] if with_index else []
    graphs = {"vector": values + index, "beside a scalar-only node": [ident(x)] + values + index,
              "stateful": [audio.OnePole.lowpass(900.0)(x)] + values + index}
    kernels = {name: jit.compile(graph, dtype=dtype) for name, graph in graphs.items()}
    assert "rj_sum_add_v" in kernels["vector"].source, "the first graph's sum must run in the vector loop"
    for name in kernels.keys() - {"vector"}:
        assert "rj_sum_add_v" not in kernels[name].source, f"the graph {name} must run sample by sample"
    return kernels, len(values)


@needs_native
@pytest.mark.parametrize("tier", TIERS)
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_a_reduction_gives_the_same_bits_in_every_loop(tier, dtype):
    """sum, mean, prod, min, max of an input, in the vector loop, beside a scalar-only node or a filter:
    the same bits, 1-D and 2-D, for lengths from 1 through tails and several blocks; argmin and argmax
    numpy's in every loop."""
    kernels, n_values = loops(tier, dtype, with_index=True)
    width = lanes(tier, dtype)
    for n in sorted({1, 2, width - 1, width + 1, SUM_BLOCK * width, SUM_BLOCK * width + width - 1, 3001} - {0}):
        for rows in (None, 3):
            for xs in values_to_reduce(tier, dtype, n, rows):
                with np.errstate(all="ignore"):
                    results = {name: kernel(xs) for name, kernel in kernels.items()}
                alone = results["vector"]
                for name, got in results.items():
                    got = got[1:] if name in ("beside a scalar-only node", "stateful") else got
                    for k in range(n_values):
                        assert bits(got[k]) == bits(alone[k]), (name, k, n, rows, xs.ravel()[:8])
                with np.errstate(all="ignore"):
                    np.testing.assert_array_equal(alone[3], np.min(xs, axis=-1))
                    np.testing.assert_array_equal(alone[4], np.max(xs, axis=-1))
                for name in results:
                    got = results[name][-2:]
                    np.testing.assert_array_equal(got[0], np.argmin(xs, axis=-1))
                    np.testing.assert_array_equal(got[1], np.argmax(xs, axis=-1))


@needs_native
@pytest.mark.parametrize("tier", TIERS)
def test_sums_of_no_samples_and_of_no_whole_vector_agree_in_every_loop(tier):
    """Length 0 (sum 0, product 1, mean NaN) and lengths below one vector (all in the tail)."""
    for dtype in ("float32", "float64"):
        kernels, n_values = loops(tier, dtype, with_index=False)
        for n in range(lanes(tier, dtype) + 1):
            xs = np.random.default_rng(n).standard_normal((2, n)).astype(dtype)
            with np.errstate(all="ignore"):
                want = kernels["vector"](xs)
                for name in ("beside a scalar-only node", "stateful"):
                    got = kernels[name](xs)[1:]
                    assert [bits(v) for v in got] == [bits(v) for v in want], (name, n)


@needs_native
@settings(max_examples=30, deadline=None)
@given(n=st.integers(1, 3000), seed=st.integers(0, 2 ** 32), tier=st.sampled_from(TIERS),
       dtype=st.sampled_from(["float32", "float64"]), rows=st.integers(1, 3))
def test_any_values_give_the_same_bits_in_the_vector_loop_and_sample_by_sample(n, seed, tier, dtype, rows):
    """Random lengths and values over many magnitudes: the vector loop and the loop that goes sample
    by sample agree on every reduction of every row, argmin and argmax numpy's in both."""
    rng = np.random.default_rng(seed)
    xs = (rng.standard_normal((rows, n)) * 2.0 ** rng.integers(-30, 30, (rows, n))).astype(dtype)
    kernels, n_values = loops(tier, dtype, with_index=True)
    with np.errstate(all="ignore"):
        alone, beside = kernels["vector"](xs), kernels["beside a scalar-only node"](xs)[1:]
    assert [bits(v) for v in alone] == [bits(v) for v in beside]
    for got in (alone, beside):
        np.testing.assert_array_equal(got[-2], np.argmin(xs, axis=-1))
        np.testing.assert_array_equal(got[-1], np.argmax(xs, axis=-1))


def neon_kernel(graph, dtype, values, indexes, workdir):
    """The graph's reduction kernel built for AArch64 (tests/c/neon_reduce_harness.c), as a function
    of a (rows, n) array run under qemu: its value outputs, then its index outputs, per row."""
    source = compiler_for("scalar").compile(graph, dtype=dtype).source   # the tier is a -D flag
    ctype = "float" if dtype == "float32" else "double"
    exe = build_for_qemu(source, "neon_reduce_harness.c", workdir, name=f"kernel_{indexes}",
                         defines=[f"-DRJ_T={ctype}", f"-DRJ_VALUES={values}", f"-DRJ_INDEXES={indexes}"])

    def run(xs):
        rows, n = xs.shape
        payload = struct.pack("<qq", rows, n) + xs.astype(xs.dtype.newbyteorder("<")).tobytes()
        out = run_under_qemu(exe, payload)
        split = rows * values * xs.dtype.itemsize
        return (np.frombuffer(out[:split], xs.dtype).reshape(values, rows),
                np.frombuffer(out[split:], "<i8").reshape(indexes, rows))
    return run


@needs_neon
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_neon_sums_keep_the_bound_and_give_the_same_bits_in_both_loops(tmp_path, dtype):
    """The NEON tier (4 floats, 2 doubles a vector), cross-compiled and run under qemu: the vector
    loop and the per-sample loop (an argmin beside) give the same bits, and the adversarial sums stay
    within the bound."""
    x = rj.input("x")
    values = [rj.sum(x), rj.mean(x), rj.prod(x), rj.min(x), rj.max(x)]
    vector = neon_kernel(values, dtype, len(values), 0, tmp_path)
    per_sample = neon_kernel(values + [rj.argmin(x), rj.argmax(x)], dtype, len(values), 2, tmp_path)
    width = lanes("neon", dtype)
    for n in (1, width + 1, SUM_BLOCK * width, 3001):
        for xs in values_to_reduce("neon", dtype, n, 2):
            alone, (together, where) = vector(xs)[0], per_sample(xs)
            assert bits(alone) == bits(together), (n, xs[0, :8])
            np.testing.assert_array_equal(where, [np.argmin(xs, axis=-1), np.argmax(xs, axis=-1)])
    for n, stride, run in itertools.product((3 * 1024, 700, 512), STRIDES, (SUM_BLOCK, 2 * SUM_BLOCK)):
        xs = lost_in_one_lane(n, stride, dtype, run)
        exact = sum(map(Fraction, xs.tolist()), Fraction(0))
        unit = Fraction(2) ** -53 * sum(map(abs, map(Fraction, xs.tolist())), Fraction(0))
        total = vector(xs[None])[0][0, 0]
        assert abs(Fraction(float(total)) - exact) <= Fraction(stated_depth(n, width)) * unit + \
            final_rounding(exact, dtype), (n, stride, run)


def at_offset(values, elements):
    """A copy of `values` starting `elements` elements past a 64-byte boundary (a view of a bigger buffer)."""
    size = values.dtype.itemsize
    raw = np.empty(values.nbytes + 128, np.uint8)
    start = (-raw.ctypes.data) % 64 + elements * size
    view = raw[start:start + values.nbytes].view(values.dtype)
    view[:] = values
    return view


def index_cases(dtype, n, lane_count):
    """Values where the head run one by one before an aligned vector loop decides the answer: the
    best or a NaN among the first lanes, ties between the head and the blocks, infinities only."""
    rng = np.random.default_rng(n)
    base = rng.standard_normal(n).astype(dtype)
    for at in (0, 1, lane_count - 1, lane_count, 1023, 1024, 2048, n - 1):
        for special in (np.nan, np.inf, -np.inf, 50.0, -50.0):
            xs = base.copy()
            xs[at] = special
            yield xs
    ties = rng.choice(np.array([0.0, -0.0, 1.0, -1.0], dtype), n)
    yield ties
    yield np.full(n, np.inf, dtype)
    yield np.full(n, -np.inf, dtype)


@needs_native
@pytest.mark.parametrize("tier", TIERS)
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_argmin_argmax_alone_align_their_loads_and_keep_numpys_index(tier, dtype):
    """A graph of argmin/argmax only runs the samples before its input's next aligned vector one by
    one (rj_head_to_align, rows long enough): numpy's index at every offset from a 64-byte boundary;
    a graph with a sum never aligns (its bits must not depend on where the array lies)."""
    x = rj.input("x")
    jit = compiler_for(tier)
    index = jit.compile([rj.argmin(x), rj.argmax(x)], dtype=dtype)
    summed = jit.compile([rj.sum(x), rj.argmax(x)], dtype=dtype)
    assert "rj_head_to_align(in0" in index.source and "rj_head_to_align(in0" not in summed.source
    lane_count = max(lanes(tier, dtype), 1)
    n = max(300 * lane_count, 2100) + 5   # past rj_samples.h's RJ_ALIGN_MIN_VECTORS, and 2 blocks
    for xs in index_cases(dtype, n, lane_count):
        expected = [np.argmin(xs), np.argmax(xs)]
        sums = set()
        for offset in range(0, 64 // xs.dtype.itemsize, 3):
            view = at_offset(xs, offset)
            assert [int(v) for v in index(view)] == expected, (offset, xs[:4])
            total, where = summed(view)
            sums.add(bits(total)[0])
            assert int(where) == expected[1]
        assert len(sums) == 1, "a sum's bits changed with the array's address"


@needs_native
@pytest.mark.parametrize("tier", TIERS)
def test_argmax_of_an_input_searches_it_only_where_nothing_writes_over_it(tier):
    """argmax of an input searches its blocks in the input (rj_*_add_read), but not in a graph
    with a per-sample output, which may be that very buffer (in place): numpy's index of the
    values given, the second input too."""
    x, y = rj.input("x"), rj.input("y")
    jit = compiler_for(tier)
    read = jit.compile([rj.argmax(y), rj.argmin(x)], inputs=[x, y], dtype="float64")
    in_place = jit.compile([x * -2.0, rj.argmax(x)], dtype="float64")
    assert "_add_read(" in read.source and "_add_read(" not in in_place.source
    rng = np.random.default_rng(7)
    for n in (1, 17, 1000, 5003, 20000):
        xs, ys = rng.standard_normal(n), rng.standard_normal(n)
        assert [int(v) for v in read(xs, ys)] == [np.argmax(ys), np.argmin(xs)]
        expected = int(np.argmax(xs))
        original = xs.copy()
        doubled, where = in_place(xs, out=(xs, None))
        assert doubled is xs and int(where) == expected   # the values before they were overwritten
        np.testing.assert_array_equal(xs, original * -2.0)
