"""Issue 21 item 7: every time setting of an audio node is in seconds, with a samples spelling:
unit="samples" on Delay, Comb and Allpass, lookahead_samples= on Limiter. The two spellings give
the same output; buffers follow the rate the graph compiles at; bad values are refused naming the
unit and the range."""
import inspect
import math

import numpy as np
import pytest

import resin_jit as rj
from resin_jit import audio
from resin_jit.audio.delays import MAX_SAMPLES

from support.audio import signal

x = rj.input("x")


def impulse(n, dtype="float32"):
    out = np.zeros(n, dtype)
    out[0] = 1.0
    return out


# -- the same output in seconds and in samples ---------------------------------------------------------

@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("seconds, samples", [
    (lambda: audio.Delay(0.01), lambda: audio.Delay(480, unit="samples")),
    (lambda: audio.Comb(0.01, 0.7, 0.3), lambda: audio.Comb(480, 0.7, 0.3, unit="samples")),
    (lambda: audio.Allpass(0.0025, 0.5), lambda: audio.Allpass(120, 0.5, unit="samples")),
    (lambda: audio.Limiter(0.5, lookahead=0.001), lambda: audio.Limiter(0.5, lookahead_samples=48)),
], ids=["Delay", "Comb", "Allpass", "Limiter"])
def test_seconds_and_samples_give_the_same_output(any_jit, seconds, samples, dtype):
    """0.01 s at 48 kHz is 480 samples to the bit, though a float32 parameter holds 0.01 as
    0.0099999998 (the delay reads the whole sample its time rounds to)."""
    sig = (signal(3000) * 3).astype(dtype)
    a = any_jit.compile(seconds()(x), sample_rate=48000, dtype=dtype)(sig)
    b = any_jit.compile(samples()(x), sample_rate=48000, dtype=dtype)(sig)
    np.testing.assert_array_equal(a, b)


def test_a_delay_in_seconds_reads_whole_samples_under_parameter_changes(any_jit):
    k = any_jit.compile(audio.Delay(0.01, maximum=0.02)(x), sample_rate=48000)
    sig = signal(2000)
    for seconds, samples in ((0.01, 480), (0.0123, 590.4), (0.02, 960), (0.007, 336)):
        k.reset()
        k.params["delay.time"] = seconds
        y = k(sig)
        if samples == int(samples):
            np.testing.assert_array_equal(y[int(samples):], sig[:-int(samples)])
        else:   # between two samples: interpolated, not snapped
            assert not np.array_equal(y[590:], sig[:-590]) and not np.array_equal(y[591:], sig[:-591])


# -- the graph's rate sizes the buffers ----------------------------------------------------------------

@pytest.mark.parametrize("rate, shift", [(44100, 441), (48000, 480), (8000, 80)])
def test_one_delay_node_follows_the_rate_its_graph_compiles_at(any_jit, rate, shift):
    node = audio.Delay(0.01)
    y = any_jit.compile(node(x), sample_rate=rate)(impulse(1000))
    assert int(np.argmax(y)) == shift and y[shift] == 1.0


@pytest.mark.parametrize("rate, ahead", [(44100, 44), (48000, 48), (96000, 96), (22050, 22)])
def test_one_limiter_node_looks_ahead_whole_samples_at_the_graph_rate(any_jit, rate, ahead):
    node = audio.Limiter(threshold=10.0, lookahead=0.001)   # never limits: the output is the input, late
    sig = signal(500)
    y = any_jit.compile(node(x), sample_rate=rate)(sig)
    np.testing.assert_array_equal(y[ahead:], sig[:-ahead])
    assert node.at_sample_rate(float(rate)).ahead == ahead


def test_the_lookahead_rounds_to_the_nearest_sample_halves_up():
    assert audio.Limiter(lookahead=0.0625, sample_rate=8008).ahead == 501       # 500.5 (round() would give 500)
    assert audio.Limiter(lookahead=0.0625, sample_rate=8007.9).ahead == 500     # 500.49
    assert audio.Limiter(lookahead=0.0625, sample_rate=8008.1).ahead == 501
    assert audio.Limiter(lookahead=1e-6, sample_rate=48000).ahead == 0          # 0.048: none
    assert "nearest" in audio.Limiter.__doc__ and "halves up" in audio.Limiter.__doc__


def test_a_tiny_lookahead_that_rounds_to_none_runs_channels_in_lanes(any_jit):
    none, some = audio.Limiter(lookahead=1e-6), audio.Limiter(lookahead=0.001)
    assert none.at_sample_rate(48000.0).channel_simd and not some.at_sample_rate(48000.0).channel_simd
    sig = np.stack([signal(300), signal(300, seed=1) * 4])
    k = any_jit.compile(none(x), sample_rate=48000)
    np.testing.assert_array_equal(k(sig), any_jit.compile(audio.Limiter()(x), sample_rate=48000)(sig))


def test_a_bare_number_is_seconds():
    """The API change: Delay(441) was 441 samples, now 441 s (beyond the buffer: refused, saying
    times are in seconds); Delay(10) is ten seconds."""
    with pytest.raises(ValueError, match=r"441 seconds at 44100/s\); times are in seconds \(unit=\"samples\""):
        audio.Delay(441)
    assert audio.Delay(10).at_sample_rate(48000.0).longest == 480000
    assert audio.Delay(441, unit="samples").longest == 441
    for cls in (audio.Delay, audio.Comb, audio.Allpass):
        assert inspect.signature(cls).parameters["unit"].default == "seconds"


def test_a_delay_too_long_for_the_graph_rate_is_refused_at_compile(any_jit):
    node = audio.Delay(60.0)   # 2.6M samples at 44.1 kHz, 5.8M at 96 kHz: over 2**22
    with pytest.raises(ValueError, match=r"maximum must be from 0 to 4194304 samples, not 5\.76e\+06 \(60 seconds"):
        any_jit.compile(node(x), sample_rate=96000)


def test_a_lookahead_too_long_for_the_graph_rate_is_refused_at_compile(any_jit):
    node = audio.Limiter(lookahead=1.0)
    with pytest.raises(ValueError, match=r"lookahead must be at most 4194304 samples, not 5e\+06 "
                                         r"\(1 seconds at 5e\+06/s\)"):
        any_jit.compile(node(x), sample_rate=5e6)


# -- bad values --------------------------------------------------------------------------------------

@pytest.mark.parametrize("kwargs, message", [
    ({"lookahead": -0.001}, "lookahead is in seconds, from 0 to 1, not -0.001 (a count of samples is "),
    ({"lookahead": math.nan}, "lookahead is in seconds, from 0 to 1, not nan"),
    ({"lookahead": math.inf}, "not inf (a count of samples is lookahead_samples=inf)"),
    ({"lookahead": 48}, "lookahead is in seconds, from 0 to 1, not 48 (a count of samples is lookahead_samples=48)"),
    ({"lookahead": 0.001, "lookahead_samples": 48},
     "give lookahead (seconds) or lookahead_samples (samples), not both: lookahead=0.001, lookahead_samples=48"),
    ({"lookahead": 0.0, "lookahead_samples": 0}, "not both"),
    ({"lookahead_samples": 4.0},
     "lookahead_samples must be an int from 0 to 4194304 samples, not 4.0 (for seconds: lookahead=)"),
    ({"lookahead_samples": -1}, "lookahead_samples must be an int from 0 to 4194304 samples, not -1"),
    ({"lookahead_samples": MAX_SAMPLES + 1}, "not 4194305"),
    ({"lookahead_samples": True}, "not True"),
])
def test_a_bad_lookahead_is_a_value_error_naming_the_unit_and_range(kwargs, message):
    with pytest.raises(ValueError) as caught:
        audio.Limiter(**kwargs)
    assert message in str(caught.value)


def test_the_lookahead_bounds_are_accepted():
    assert audio.Limiter(lookahead_samples=MAX_SAMPLES).ahead == MAX_SAMPLES
    assert audio.Limiter(lookahead=0.0).ahead == audio.Limiter(lookahead_samples=0).ahead == 0
    assert audio.Limiter(lookahead=1.0, sample_rate=48000).ahead == 48000   # at most a second
    assert audio.Limiter(lookahead=1.0, sample_rate=MAX_SAMPLES).ahead == MAX_SAMPLES
    with pytest.raises(TypeError, match="lookahead must be a real number, not str"):
        audio.Limiter(lookahead="5ms")


@pytest.mark.parametrize("make, message", [
    (lambda: audio.Delay(0.01, unit="ms"), "unit must be 'samples' or 'seconds', not 'ms'"),
    (lambda: audio.Delay(0.02, maximum=0.01), "time must be from 0.0 to maximum=0.01 seconds, not 0.02"),
    (lambda: audio.Delay(-0.01), "maximum must be at least 0.0 seconds, not -0.01"),
    (lambda: audio.Comb(0.5, unit="samples"), "maximum must be at least 1 samples, not 0.5"),
    (lambda: audio.Allpass(1e-6, sample_rate=48000), "the Allpass's maximum must be from 1 to 4194304 samples, "
                                                      "not 0.048 (1e-06 seconds at 48000/s)"),
    (lambda: audio.PeakMeter(release=-1.0), "release must be at least 0 seconds, not -1.0"),
    (lambda: audio.RMSMeter(time=-0.5), "time must be at least 0 seconds, not -0.5"),
])
def test_a_bad_time_is_a_value_error_naming_the_unit_and_range(make, message):
    with pytest.raises(ValueError) as caught:
        make()
    assert message in str(caught.value)


# -- every time is in seconds ------------------------------------------------------------------------

TIMES = {"Delay": ("time", "maximum"), "Comb": ("time", "maximum"), "Allpass": ("time", "maximum"),
         "Envelope": ("attack", "decay", "release"), "EnvelopeFollower": ("attack", "release"),
         "Limiter": ("release", "lookahead"), "PeakMeter": ("release",), "RMSMeter": ("time",), "Smooth": ("time",)}


@pytest.mark.parametrize("name", TIMES)
def test_every_node_with_a_time_says_seconds(name):
    doc = audio.NODES[name].__doc__
    assert "seconds" in doc, doc
    assert all(t in doc or t == "time" for t in TIMES[name]), doc


def test_the_nodes_without_times_take_none():
    """Hz, cycles, linear factors and dB: no setting of the other nodes is a time."""
    for name, node in audio.NODES.items():
        if name in TIMES or not inspect.isclass(node) and not inspect.ismethod(node):
            continue
        settings = set(inspect.signature(node).parameters)
        assert not settings & {"time", "attack", "decay", "release", "lookahead", "delay", "length"}, name
