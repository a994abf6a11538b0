"""Issue 21 item 3: audio in soundfile's layout. A call names its channel axis (channel_axis=-1:
(n, channels)) and gets results in that layout; a stateful kernel given an array that looks
transposed says so, once."""
import warnings

import numpy as np
import pytest

import resin_jit as rj
from resin_jit import audio

from support import needs_native, normal


@pytest.fixture(params=["native", "numpy"])
def backend_jit(request):
    """The host's best tier, and the numpy backend."""
    return rj.JitCompiler() if request.param == "native" else request.getfixturevalue("numpy_jit")


def lowpass(jit, frequency=100.0):
    return jit.compile(audio.Biquad.lowpass(frequency)(rj.input("x")))


def test_soundfile_layout_filters_each_column_as_a_channel(any_jit):
    """The issue's case: a 100 Hz lowpass of a constant 1.0 in (48000, 2) settles at 1.0 in both
    channels, as the same kernel given the (2, 48000) transpose does."""
    frames = np.ones((48000, 2), np.float32)
    frames[:, 1] = normal(48000, seed=3)
    y = lowpass(any_jit)(frames, channel_axis=-1)
    expected = lowpass(any_jit)(np.ascontiguousarray(frames.T))
    assert y.shape == (48000, 2) and y.dtype == np.float32
    np.testing.assert_array_equal(y, expected.T)
    assert y[-1, 0] == pytest.approx(1.0, abs=1e-4)
    assert y.T.flags.c_contiguous and y.base is not None   # the kernel's (2, n) result, handed back as its .T


def test_a_transposed_view_is_taken_as_it_is_and_calls_chain(backend_jit):
    kernel, reference = lowpass(backend_jit), lowpass(backend_jit)
    channels_first = normal((3, 4000), seed=1)
    first = kernel(channels_first.T, channel_axis=-1)     # (n, 3), whose transpose is C-contiguous
    second = kernel(first, channel_axis=-1)               # the state carries on, channel by channel
    np.testing.assert_array_equal(first, reference(channels_first).T)
    np.testing.assert_array_equal(second, reference(np.ascontiguousarray(first.T)).T)


@pytest.mark.parametrize("order", ["C", "F"])
def test_process_writes_into_an_output_in_the_same_layout(backend_jit, order):
    frames = normal((3000, 2), seed=2)
    out = np.zeros((3000, 2), np.float32, order=order)   # "C": through a scratch copy; "F": in place
    lowpass(backend_jit).process(frames, out, channel_axis=-1)
    np.testing.assert_array_equal(out, lowpass(backend_jit)(np.ascontiguousarray(frames.T)).T)
    in_place = frames.copy()
    lowpass(backend_jit).process(in_place, out=in_place, channel_axis=-1)
    np.testing.assert_array_equal(in_place, out)


def test_process_refuses_a_read_only_output_before_the_state_moves(backend_jit):
    kernel, reference = lowpass(backend_jit), lowpass(backend_jit)
    frames, out = normal((100, 2), seed=4), np.zeros((100, 2), np.float32)
    out.flags.writeable = False
    with pytest.raises(ValueError, match="read-only"):
        kernel.process(frames, out, channel_axis=-1)
    np.testing.assert_array_equal(kernel(frames, channel_axis=-1), reference(frames, channel_axis=-1))


def test_reductions_and_broadcasting_follow_the_named_layout(backend_jit):
    x, g = rj.input("x"), rj.input("g")
    kernel = backend_jit.compile([audio.OnePole(200.0)(x) * g, rj.sum(x)], inputs=[x, g])
    frames, gains = normal((500, 3), seed=5), np.array([0.5, 1.0, 2.0], np.float32)
    y, sums = kernel(frames, gains, channel_axis=-1)   # one gain per column, as numpy broadcasts (n, 3) with (3,)
    y0, sums0 = backend_jit.compile([audio.OnePole(200.0)(x) * g, rj.sum(x)], inputs=[x, g])(
        np.ascontiguousarray(frames.T), gains[:, None])
    assert y.shape == (500, 3) and sums.shape == (3,)
    np.testing.assert_array_equal(y, y0.T)
    np.testing.assert_array_equal(sums, sums0)
    np.testing.assert_allclose(sums, frames.sum(axis=0), rtol=1e-5)


def test_an_elementwise_kernel_runs_the_array_as_it_is(backend_jit):
    x = rj.input("x")
    kernel = backend_jit.compile(x * 2 + 1)
    frames = normal((1000, 2), seed=6)
    y = kernel(frames, channel_axis=-1)
    assert y.shape == (1000, 2) and y.flags.c_contiguous   # no transpose, no copy
    np.testing.assert_array_equal(y, frames * np.float32(2) + np.float32(1))


def test_channel_axis_zero_and_one_dimensional_arrays_are_as_before(backend_jit):
    kernel, reference = lowpass(backend_jit), lowpass(backend_jit)
    block = normal((2, 300), seed=7)
    np.testing.assert_array_equal(kernel(block, channel_axis=0), reference(block))
    mono, ref_mono = lowpass(backend_jit), lowpass(backend_jit)
    np.testing.assert_array_equal(mono(block[0], channel_axis=-1), ref_mono(block[0]))


@pytest.mark.parametrize("axis, error, words", [(2, ValueError, "-1 for \\(n, channels\\)"),
                                                (True, TypeError, "must be an int"),
                                                ("last", TypeError, "must be an int")])
def test_a_bad_channel_axis_is_named(backend_jit, axis, error, words):
    kernel = lowpass(backend_jit)
    with pytest.raises(error, match=words):
        kernel(np.zeros((2, 8), np.float32), channel_axis=axis)
    with pytest.raises(error, match=words):
        kernel.process(np.zeros((2, 8), np.float32), np.zeros((2, 8), np.float32), channel_axis=axis)


def caught(call):
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        call()
    return [w for w in seen if issubclass(w.category, UserWarning)]


def test_a_stateful_kernel_warns_once_of_an_array_that_looks_transposed(backend_jit):
    kernel = lowpass(backend_jit)
    frames = np.ones((48000, 2), np.float32)
    first = caught(lambda: kernel(frames))
    assert len(first) == 1 and first[0].filename == __file__   # pointing at the caller's line
    message = str(first[0].message)
    assert "(48000, 2)" in message and "channel_axis=-1" in message and ".T" in message
    assert caught(lambda: kernel(frames)) == [] and caught(lambda: kernel(np.ones((4800, 1), np.float32))) == []


@pytest.mark.parametrize("shape, call", [((48000, 2), lambda k, a: k(a, channel_axis=0)),
                                         ((48000, 2), lambda k, a: k(a, channel_axis=-1)),
                                         ((2, 48000), lambda k, a: k(a)), ((64, 1), lambda k, a: k(a)),
                                         ((256, 64), lambda k, a: k(a))])
def test_no_warning_for_a_layout_named_or_plausible(backend_jit, shape, call):
    kernel = lowpass(backend_jit)
    assert caught(lambda: call(kernel, np.ones(shape, np.float32))) == []


def test_a_stateless_kernel_does_not_warn(backend_jit):
    x = rj.input("x")
    kernel = backend_jit.compile(x * 2)
    assert caught(lambda: kernel(np.ones((48000, 2), np.float32))) == []


@needs_native
def test_the_keyword_takes_the_slow_path_and_the_fast_path_stays_as_it_was():
    kernel = lowpass(rj.JitCompiler())
    block = np.zeros((2, 64), np.float32)
    kernel(block)
    before = kernel._slow_calls
    kernel(block.T, channel_axis=-1)
    kernel(block)
    assert kernel._slow_calls == before + 1
