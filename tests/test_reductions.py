"""Issue 14: reductions over the samples axis, fused with the elementwise graph, on every tier and
the numpy backend: numpy's answers (NaN, first index on ties), the stated sum bound, one value
per channel for 2-D inputs, and the call forms."""
import math

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

import resin_jit as rj
from resin_jit import audio

from support import NATIVE, TIERS, compiler_for, normal

SIZES = [1, 2, 7, 64, 513, 5000]   # 5000 float32: several RJ_SUM_BLOCK blocks of vectors and a tail


def exact_sum(values):
    return math.fsum(float(v) for v in values)


def sum_bound(values, dtype, n):
    """The stated bound: (RJ_SUM_BLOCK + log2(lanes) + log2(blocks) + 2) 2^-53 of the sum of magnitudes
    (taken generously: 64 + 4 + log2(n) + 2), plus the final rounding to the dtype."""
    magnitudes = math.fsum(abs(float(v)) for v in values)
    rounding = float(np.spacing(np.abs(np.asarray(exact_sum(values), dtype)))) / 2
    return (64 + 4 + math.log2(max(n, 2)) + 2) * 2.0 ** -53 * magnitudes + rounding


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_every_reduction_equals_numpy(any_jit, dtype):
    x = rj.input("x")
    kernel = any_jit.compile([x * 2.0, rj.sum(x), rj.mean(x), rj.min(x), rj.max(x), rj.argmin(x), rj.argmax(x),
                              rj.prod(x * 0.001 + 1.0)], dtype=dtype)
    for n in SIZES:
        xs = normal(n, n, dtype)
        doubled, total, mean, low, high, arg_low, arg_high, product = kernel(xs)
        assert total.shape == () and arg_low.dtype == np.int64 and total.dtype == np.dtype(dtype)
        np.testing.assert_array_equal(doubled, xs * xs.dtype.type(2))
        assert abs(float(total) - exact_sum(xs)) <= sum_bound(xs, dtype, n)
        assert abs(float(mean) - exact_sum(xs) / n) <= sum_bound(xs, dtype, n) / n + abs(float(np.spacing(mean)))
        assert low == xs.min() and high == xs.max()
        assert arg_low == xs.argmin() and arg_high == xs.argmax()
        reference = np.prod((xs * xs.dtype.type(0.001) + xs.dtype.type(1.0)).astype(np.float64))
        assert float(product) == pytest.approx(reference, rel=1e-6 if dtype == "float32" else 1e-12)


def test_nan_infinities_and_ties_as_numpy(any_jit):
    x = rj.input("x")
    kernel = any_jit.compile([rj.min(x), rj.max(x), rj.argmin(x), rj.argmax(x), rj.sum(x)])
    for values in ([1.0, np.nan, -5.0, np.nan], [np.inf, 3.0, np.inf], [-np.inf, -np.inf, 0.0], [2.0, 2.0, 1.0, 1.0],
                   [np.nan] * 3, [0.0] * 40 + [np.nan] + [1.0] * 40, list(np.arange(100.0)) + [np.nan]):
        xs = np.array(values, np.float32)
        low, high, arg_low, arg_high, total = kernel(xs)
        np.testing.assert_array_equal([low, high], [xs.min(), xs.max()])
        assert (arg_low, arg_high) == (xs.argmin(), xs.argmax()), values
        with np.errstate(invalid="ignore"):
            np.testing.assert_array_equal(total, np.float32(xs.astype(np.float64).sum()))


def test_one_value_per_channel_and_threads(any_jit):
    x, y = rj.input("x"), rj.input("y")
    kernel = any_jit.compile([x + y, rj.sum(x * y), rj.max(abs(x)), rj.argmax(y)], inputs=[x, y])
    a, b = normal((5, 700), 1), normal((5, 700), 2)
    added, dots, peaks, where = kernel(a, b)
    assert added.shape == (5, 700) and dots.shape == peaks.shape == where.shape == (5,)
    for ch in range(5):
        assert abs(float(dots[ch]) - exact_sum(a[ch] * b[ch].astype(np.float64))) <= 1e-4
    np.testing.assert_array_equal(peaks, np.abs(a).max(axis=1))
    np.testing.assert_array_equal(where, b.argmax(axis=1))
    again = kernel(a, b, threads=2)   # rows split across threads
    for got, want in zip(again, (added, dots, peaks, where)):
        np.testing.assert_array_equal(got, want)


def test_expressions_of_reduced_values_run_once_per_channel(any_jit):
    x = rj.input("x")
    kernel = any_jit.compile([rj.sqrt(rj.mean(x * x)), rj.max(x) - rj.min(x), rj.sum(x > 0.5) / 2.0])
    xs = normal((3, 1000), 4)
    rms, spread, half_count = kernel(xs)
    np.testing.assert_allclose(rms, np.sqrt(np.mean(xs.astype(np.float64) ** 2, axis=1)), rtol=1e-6)
    np.testing.assert_array_equal(spread, xs.max(axis=1) - xs.min(axis=1))
    np.testing.assert_array_equal(half_count, (xs > 0.5).sum(axis=1) / np.float32(2))


def test_empty_inputs(any_jit):
    x = rj.input("x")
    sums = any_jit.compile([rj.sum(x), rj.prod(x), rj.mean(x)])(np.zeros(0, np.float32))
    assert [float(s) for s in sums[:2]] == [0.0, 1.0] and math.isnan(sums[2])
    for reduce in (rj.min, rj.max, rj.argmin, rj.argmax):
        with pytest.raises(ValueError, match="of no samples has no value"):
            any_jit.compile(reduce(x))(np.zeros(0, np.float32))
    assert any_jit.compile(rj.max(x))(np.zeros((0, 5), np.float32)).shape == (0,)


def test_what_one_pass_cannot_compute_is_an_error(any_jit):
    x = rj.input("x")
    with pytest.raises(rj.JitError, match="x - mean\\(x\\) needs the mean before the first sample"):
        any_jit.compile(x - rj.mean(x))
    with pytest.raises(rj.JitError, match="of a reduced value: a reduction takes per-sample values"):
        any_jit.compile(rj.sum(rj.mean(x)))
    with pytest.raises(rj.JitError, match="of a constant: a reduction takes per-sample values"):
        any_jit.compile(rj.sum(rj.param("p", 1.0)))


def test_numpy_names_on_expressions():
    x = rj.input("x")
    for numpy_function, mine in ((np.sum, "sum"), (np.mean, "mean"), (np.min, "min"), (np.max, "max"),
                                 (np.amax, "max"), (np.prod, "prod"), (np.argmax, "argmax"), (np.argmin, "argmin")):
        assert repr(numpy_function(x).node) == mine
    with pytest.raises(TypeError, match="reduces over the samples"):
        np.sum(x, axis=0)
    with pytest.raises(TypeError, match="takes no keepdims="):
        np.sum(x, keepdims=True)


@pytest.mark.skipif(not NATIVE, reason="no C compiler on this machine: native path untestable")
def test_reductions_go_straight_into_c_and_into_arrays_you_own():
    x = rj.input("x")
    kernel = rj.JitCompiler().compile([x * 3.0, rj.sum(x), rj.argmax(x)])
    xs = normal(1000, 5)
    tripled, total, where = np.empty(1000, np.float32), np.empty((), np.float32), np.empty((), np.int64)
    before = kernel._slow_calls
    kernel.process(xs, out=[tripled, total, where])
    kernel(xs)
    assert kernel._slow_calls == before
    assert where == xs.argmax() and abs(float(total) - exact_sum(xs)) <= sum_bound(xs, "float32", 1000)
    with pytest.raises(ValueError, match=r"output 'out1' has shape \(3,\)"):
        kernel.process(xs, out=[tripled, np.empty(3, np.float32), where])
    np.testing.assert_array_equal(kernel(xs, threads=2)[2], where)   # 1-D: one thread, same answer


@settings(max_examples=30, deadline=None)
@given(values=st.lists(st.floats(-1e30, 1e30).map(np.float32), min_size=1, max_size=3000),
       tier=st.sampled_from(TIERS))
def test_the_sum_bound_holds_for_any_values(values, tier):
    """Cancellation included: the bound is relative to the sum of the magnitudes."""
    if not NATIVE:
        pytest.skip("no C compiler on this machine: native path untestable")
    xs = np.array(values, np.float32)
    total = compiler_for(tier).compile(rj.sum(rj.input("x")))(xs)
    assert abs(float(total) - exact_sum(xs)) <= sum_bound(xs, "float32", len(xs))


def test_a_loop_that_runs_sample_by_sample_keeps_the_sum_bound(any_jit):
    """A graph with state, or one that does not vectorise, adds each sample on its own, into the lanes
    and blocks of the cascade the vector loop uses, not into one running total (which here loses
    every small value)."""
    x = rj.input("x")
    ident = rj.extern("ident", "double(double)", c_source="static double ident(double v) { return v; }",
                      reference=lambda v: v)
    xs = np.array([2.0 ** 50] + [2.0 ** -5] * 100_000)   # each small value is 1/8 ulp of the running total
    for graph in (rj.sum(audio.Delay(0)(x)), rj.sum(ident(x))):
        total = any_jit.compile(graph, dtype="float64")(xs)
        assert abs(float(total) - exact_sum(xs)) <= sum_bound(xs, "float64", len(xs))


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_reductions_of_a_stateful_graph_meter_each_block(jit, numpy_jit, dtype):
    """A patch's meters as outputs beside its signal: one value per channel per block, of that
    block, while the state carries on; every tier and the numpy backend give the same values."""
    x = rj.input("x")
    y = audio.Biquad.lowpass(800.0)(audio.Delay(3, unit="samples")(x))
    graph = [y, rj.max(abs(y)), rj.sqrt(rj.mean(y * y)), rj.argmax(y), rj.sum(y) * rj.param("g", 2.0)]
    kernels = [jit.compile(graph, dtype=dtype), numpy_jit.compile(graph, dtype=dtype)]
    for shape in [(1,), (7,), (3, 1), (2, 1000), (9, 130)]:
        signal = normal(shape, 7, dtype)
        for kernel in kernels:
            kernel.reset()
        for block in (signal[..., : shape[-1] // 2], signal[..., shape[-1] // 2:]):
            if block.shape[-1] == 0:
                continue
            results = [kernel(block) for kernel in kernels]
            for (filtered, peak, rms, where, scaled), want in zip(results, results[1:] + results[:1]):
                # float32 rounds the filter's double state alike; float64 shows its FMAs (an ulp or so)
                np.testing.assert_allclose(filtered, want[0], rtol=0, atol=0 if dtype == "float32" else 1e-14)
                np.testing.assert_array_equal(peak, np.abs(filtered).max(axis=-1))
                np.testing.assert_array_equal(where, filtered.argmax(axis=-1))
                sums = np.atleast_1d(scaled / filtered.dtype.type(2))
                for total, row in zip(sums, filtered.reshape(-1, filtered.shape[-1])):
                    assert abs(float(total) - exact_sum(row)) <= sum_bound(row, dtype, len(row))
                np.testing.assert_allclose(rms, np.sqrt(np.mean(filtered.astype(np.float64) ** 2, axis=-1)),
                                           rtol=1e-6 if dtype == "float32" else 1e-14)


@pytest.mark.skipif(not NATIVE, reason="no C compiler on this machine: native path untestable")
def test_a_stateful_graph_with_reductions_splits_channels_across_threads_and_keeps_one_channel_whole():
    x = rj.input("x")
    y = audio.OnePole.lowpass(500.0)(x)
    kernel = rj.JitCompiler().compile([y, rj.max(y), rj.mean(y)])
    bank, mono = normal((8, 3000), 8), normal(1_200_000, 9)
    for signal in (bank, mono):
        kernel.reset()
        alone = kernel(signal, threads=1)
        kernel.reset()
        for got, want in zip(kernel(signal, threads=2), alone):
            np.testing.assert_array_equal(got, want)


@pytest.mark.skipif(not NATIVE, reason="no C compiler on this machine: native path untestable")
def test_a_mono_stateful_kernel_runs_its_samples_in_order_whatever_the_threads():
    """One channel cannot split across threads: its samples depend on each other (a million samples
    or more asked for every core by default)."""
    kernel = rj.JitCompiler().compile(audio.Biquad.lowpass(800.0)(rj.input("x")))
    signal = normal(1_100_000, 10)
    alone = kernel(signal, threads=1)
    for threads in (None, 2):
        kernel.reset()
        np.testing.assert_array_equal(kernel(signal, threads=threads), alone)


def test_every_output_a_reduction_needs_an_input(any_jit):
    with pytest.raises(rj.JitError, match="every output is a reduction takes its samples from an input"):
        any_jit.compile(rj.max(audio.SineOsc(440.0)()))
