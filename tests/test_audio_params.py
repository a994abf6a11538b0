"""Issue 12: settings are parameters named after their nodes, one compile per structure, one sample
rate per graph, frozen settings, smoothing, band-limited oscillators."""
import math

import numpy as np
import pytest

import resin_jit as rj
from resin_jit import audio

from support.audio import SR, rbj, ref_biquad_per_sample, signal


def test_settings_are_parameters_named_after_their_nodes(jit):
    x = rj.input("x")
    k = jit.compile([audio.Biquad.lowpass(1000.0)(x), audio.Biquad.lowpass(500.0, q=2.0)(x),
                     audio.Biquad.peak(900.0, gain_db=3.0, name="presence")(x), audio.Gain(0.5)(x)])
    assert dict(k.params.items()) == {
        "lowpass.frequency": 1000.0, "lowpass.q": 0.7071, "lowpass2.frequency": 500.0, "lowpass2.q": 2.0,
        "presence.frequency": 900.0, "presence.q": 0.7071, "presence.gain_db": 3.0, "gain.gain": 0.5}


def test_automatic_names_step_around_the_names_users_gave(jit):
    x = rj.input("x")
    k = jit.compile(audio.Gain(0.5)(x) * rj.param("gain.gain", 2.0) + audio.Gain(0.25, name="gain3")(x))
    assert dict(k.params.items()) == {"gain2.gain": 0.5, "gain.gain": 2.0, "gain3.gain": 0.25}


def test_a_node_used_twice_has_one_set_of_controls(jit):
    x = rj.input("x")
    lowpass = audio.Biquad.lowpass(800.0)
    k = jit.compile([lowpass(x), lowpass(x * 2.0)])
    assert list(k.params) == ["lowpass.frequency", "lowpass.q"]


def test_setting_a_parameter_never_compiles_and_the_key_is_structure_only(jit):
    x = rj.input("x")
    a = jit.compile(audio.Biquad.lowpass(1000.0)(x))
    compiles = jit.stats["compiles"]
    b = jit.compile(audio.Biquad.lowpass(1200.0, q=3.0)(x))
    assert a.key == b.key and jit.stats["compiles"] == compiles
    sig = signal()
    a.params["lowpass.frequency"], a.params["lowpass.q"] = 1200.0, 3.0
    np.testing.assert_array_equal(a(sig), b(sig))
    assert jit.stats["compiles"] == compiles


def eq(frequencies):
    y = rj.input("x")
    for f in frequencies:
        y = audio.Biquad.peak(f, q=1.4, gain_db=-3.0)(y)
    return y


def test_a_ten_band_eq_compiles_once_whatever_its_frequencies(jit):
    bands = [31.0 * 2 ** k for k in range(10)]
    first = jit.compile(eq(bands))
    compiles = jit.stats["compiles"]
    other = jit.compile(eq([f * 1.1 for f in bands]))
    assert jit.stats["compiles"] == compiles
    assert len(other.params) == 30 and other.params["peak10.frequency"] == pytest.approx(bands[-1] * 1.1)
    for k, f in enumerate(bands, 1):
        first.params[f"peak{k if k > 1 else ''}.frequency"] = f * 1.1
    sig = signal()
    np.testing.assert_array_equal(first(sig), other(sig))


def test_frozen_settings_are_constants(jit):
    x = rj.input("x")
    frozen = jit.compile(audio.Biquad.lowpass(1000.0, freeze=True)(audio.Gain(0.5, freeze=True)(x)))
    by_option = jit.compile(audio.Biquad.lowpass(1000.0)(audio.Gain(0.5)(x)), freeze=True)
    live = jit.compile(audio.Biquad.lowpass(1000.0)(audio.Gain(0.5)(x)))
    assert len(frozen.params) == 0 and len(by_option.params) == 0 and len(live.params) == 3
    assert frozen.key == by_option.key != live.key
    assert "P[" not in frozen.source and "P[" in live.source
    sig = signal()
    np.testing.assert_array_equal(frozen(sig), live(sig))


def test_user_parameters_stay_parameters_when_settings_freeze(jit):
    x = rj.input("x")
    k = jit.compile(audio.Biquad.lowpass(rj.param("cut", 700.0))(x), freeze=True)
    assert list(k.params) == ["cut"]


def test_parameter_changes_recompute_derived_coefficients_once_per_call(jit):
    """The coefficients of a biquad whose settings are parameters are computed before the sample
    loop, and only when a parameter differs from what the last call saw."""
    def derived_and_loop(source):
        one = source.index("rj_one_channel(rj_call")
        return source.index("if (rj_mds_or(rj_d_ne(", one), source.index("for (int64_t i = 0; i < n; i++)", one)
    derived, loop = derived_and_loop(jit.compile(audio.Biquad.lowpass(1000.0)(rj.input("x"))).source)
    assert derived < loop
    derived, loop = derived_and_loop(jit.compile(audio.Biquad.lowpass(rj.input("f"))(rj.input("x")),
                                                 inputs=["x", "f"]).source)
    assert derived > loop


@pytest.mark.parametrize("channels", [2, 5, 8, 11])
def test_modulated_biquad_in_simd_lanes_equals_each_channel_alone(jit, channels):
    x, f = rj.input("x"), rj.input("f")
    k = jit.compile(audio.Biquad.bandpass(f, q=3.0)(x), inputs=["x", "f"])
    xs = np.stack([signal(2000, seed=s) for s in range(channels)])
    fs = np.stack([np.linspace(200 + 100 * s, 6000, 2000, dtype=np.float32) for s in range(channels)])
    fs[:, 1000:1500] = 900.0   # a stretch where nothing changes: no lane recomputes
    together = k(xs, fs)
    for ch in range(channels):
        rows = [rbj("bandpass", fv, np.float32(3.0)) for fv in fs[ch].astype(np.float64)]
        expected = ref_biquad_per_sample(xs[ch], rows)
        np.testing.assert_allclose(together[ch], expected, atol=2e-5)


def hostile_values():
    return [float("nan"), float("inf"), -float("inf"), -1e30, 1e30, 0.0, -5.0]


@pytest.mark.parametrize("make", [
    lambda x: audio.Biquad.peak(1000.0, gain_db=3.0)(x), lambda x: audio.Delay(0.0002, maximum=0.001)(x),
    lambda x: audio.Comb(10, maximum=50, unit="samples")(x), lambda x: audio.Allpass(0.0002, maximum=0.001)(x),
    lambda x: audio.Envelope()(x), lambda x: audio.Limiter(lookahead=0.0001)(x), lambda x: audio.SquareOsc(100.0)() + x,
    lambda x: audio.OnePole.lowpass(100.0)(x), lambda x: audio.RMSMeter()(x),
], ids=["biquad", "delay", "comb", "allpass", "envelope", "limiter", "square", "onepole", "rms"])
def test_any_parameter_value_runs_without_a_crash(jit, make):
    """Parameters are set at run time without checks; a delay time out of its buffer is clamped
    (never read outside it), and a filter gives numbers or NaN, never a crash."""
    k = jit.compile(make(rj.input("x")))
    sig = signal(300)
    for name in list(k.params):
        for value in hostile_values():
            k.params[name] = value
            assert k(sig).shape == sig.shape
        k.reset()


@pytest.mark.parametrize("make", [lambda: audio.Delay(10, maximum=50, unit="samples"),
                                  lambda: audio.Delay(10 / SR, maximum=50 / SR)], ids=["samples", "seconds"])
def test_a_delay_time_out_of_range_is_clamped(jit, make):
    k = jit.compile(make()(rj.input("x")), sample_rate=SR)
    sig = signal(400)
    k.params["delay.time"] = 1e9
    np.testing.assert_array_equal(k(sig), np.concatenate([np.zeros(50, np.float32), sig[:-50]]))
    k.reset()
    k.params["delay.time"] = float("nan")
    np.testing.assert_array_equal(k(sig), sig)


# -- one sample rate per graph ---------------------------------------------------------------------

def ref_sine(f, n, rate):
    return np.sin(2 * np.pi * f * np.arange(n) / rate)


def test_nodes_take_the_compile_sample_rate(jit):
    osc = audio.SineOsc(1000.0)()
    at_48k = jit.compile(osc, sample_rate=48000)(n=480)
    np.testing.assert_allclose(at_48k, ref_sine(1000.0, 480, 48000.0), atol=2e-6)
    np.testing.assert_allclose(jit.compile(osc)(n=441), ref_sine(1000.0, 441, 44100.0), atol=2e-6)
    config_jit = rj.JitCompiler(rj.JitConfig(isa=jit.isa, sample_rate=96000))
    np.testing.assert_allclose(config_jit.compile(osc)(n=960), ref_sine(1000.0, 960, 96000.0), atol=2e-6)
    assert jit.compile(osc, sample_rate=48000).key != jit.compile(osc).key


def test_a_node_stating_the_rate_sets_the_graph_rate(jit):
    y = audio.Biquad.lowpass(1000.0)(audio.SineOsc(1000.0, sample_rate=48000)())
    k = jit.compile(y)
    assert k.graph.sample_rate == 48000.0
    np.testing.assert_allclose(jit.compile(audio.SineOsc(1000.0, sample_rate=48000)())(n=480),
                               ref_sine(1000.0, 480, 48000.0), atol=2e-6)


@pytest.mark.parametrize("build, compile_rate, message", [
    (lambda: audio.SineOsc(440.0, sample_rate=48000)() + audio.SawOsc(440.0, sample_rate=44100)(), None,
     "two sample rates"),
    (lambda: audio.Biquad.lowpass(1000.0, sample_rate=44100)(rj.input("x")), 48000, "compiled at sample_rate=48000"),
    (lambda: audio.Biquad.lowpass(30000.0)(rj.input("x")), None, "Nyquist"),
    (lambda: audio.Biquad.lowpass(20000.0)(rj.input("x")), 32000, "Nyquist"),
    (lambda: audio.SineOsc(440.0)(), 0, "positive"),
    (lambda: audio.SineOsc(440.0)(), float("nan"), "positive"),
    (lambda: audio.SineOsc(440.0)(), "44100", "sample_rate must be a real number"),
])
def test_sample_rate_errors_are_named(jit, build, compile_rate, message):
    with pytest.raises((TypeError, ValueError), match=message):
        jit.compile(build(), sample_rate=compile_rate)


def test_bad_sample_rates_in_config_and_nodes():
    with pytest.raises(ValueError, match="positive"):
        rj.JitConfig(sample_rate=-1)
    with pytest.raises(TypeError, match="sample_rate must be a real number"):
        audio.SineOsc(440.0, sample_rate="fast")
    with pytest.raises(ValueError, match="Nyquist"):
        audio.Biquad.lowpass(30000.0, sample_rate=44100)


# -- smoothing ------------------------------------------------------------------------------------

def test_smoothing_moves_no_sample_more_than_the_ramp_allows(jit, numpy_jit):
    """A fader's step through smooth=0.01: one pole, k = 1 - exp(-1/(0.01·44100)) of what is left
    per sample, so no step of the gain exceeds k times the fader's step; it lands on the new value."""
    time, k = 0.01, 1 - math.exp(-1 / (0.01 * SR))
    for compiler in (jit, numpy_jit):
        kernel = compiler.compile(audio.Gain(0.2, smooth=time)(rj.input("x")))
        ones = np.ones(4410, np.float32)
        before = kernel(ones)
        np.testing.assert_array_equal(before, np.float32(0.2))   # starts at its value, no ramp from 0
        kernel.params["gain.gain"] = 1.0
        after = kernel(np.ones(30000, np.float32)).astype(np.float64)
        steps = np.diff(np.concatenate([[0.2], after]))
        assert steps.max() <= k * 0.8 * (1 + 1e-6) + 1e-7 and steps.min() >= 0
        assert after[0] == pytest.approx(0.2 + k * 0.8, rel=1e-6)
        assert after[int(time * SR)] == pytest.approx(1.0 - 0.8 * math.exp(-1), abs=1e-3)
        assert after[-1] == 1.0


def test_a_smoothed_cutoff_sweeps_the_coefficients_per_sample(jit):
    x = rj.input("x")
    k = jit.compile(audio.Biquad.lowpass(500.0, smooth=0.005)(x))
    sig = signal(4000)
    k(sig[:1000])
    k.params["lowpass.frequency"] = 4000.0
    out = k(sig[1000:])
    c = 1 - math.exp(-1 / (0.005 * SR))
    f, rows = 500.0, []
    for _ in range(3000):
        f = f + (4000.0 - f) * c
        rows.append(rbj("lowpass", f, np.float32(0.7071)))
    expected = ref_biquad_per_sample(sig, [rbj("lowpass", 500.0, np.float32(0.7071))] * 1000 + rows)[1000:]
    np.testing.assert_allclose(out, expected, atol=1e-4)


# -- band-limited oscillators ---------------------------------------------------------------------

def off_harmonic_energy(y, f0, rate=SR):
    """The share of the energy of y more than 6 bins from every harmonic of f0 below Nyquist (and DC)."""
    spectrum = np.abs(np.fft.rfft(y * np.blackman(len(y)))) ** 2
    freqs = np.fft.rfftfreq(len(y), 1 / rate)
    near = np.abs(freqs) <= 6 * rate / len(y)
    for h in np.arange(f0, rate / 2, f0):
        near |= np.abs(freqs - h) <= 6 * rate / len(y)
    return spectrum[~near].sum() / spectrum.sum()


@pytest.mark.parametrize("cls", [audio.SawOsc, audio.SquareOsc])
def test_band_limited_oscillators_alias_little(jit, cls):
    """A 5 kHz saw at 44.1 kHz: the naive one has 13.5% of its energy off its harmonics, the
    PolyBLEP one at most 1%."""
    naive = jit.compile(cls(5000.0, naive=True)())(n=1 << 16).astype(np.float64)
    limited = jit.compile(cls(5000.0)())(n=1 << 16).astype(np.float64)
    assert off_harmonic_energy(naive, 5000.0) > 0.05
    assert off_harmonic_energy(limited, 5000.0) <= 0.01
    if cls is audio.SawOsc:
        assert off_harmonic_energy(naive, 5000.0) == pytest.approx(0.135, abs=0.002)


def test_band_limited_saw_matches_the_polyblep_formula(jit, numpy_jit):
    f, n = 3000.0, 2000
    t = (np.arange(n) * f / SR) % 1.0
    dt = f / SR
    blep = np.where(t < dt, (t / dt) * (2 - t / dt) - 1,
                    np.where(t > 1 - dt, ((t - 1) / dt) * ((t - 1) / dt + 2) + 1, 0.0))
    for compiler in (jit, numpy_jit):
        np.testing.assert_allclose(compiler.compile(audio.SawOsc(f)())(n=n), 2 * t - 1 - blep, atol=1e-5)


def test_pwm_square_follows_its_duty(jit):
    duty = np.linspace(0.1, 0.9, 44100).astype(np.float32)
    y = jit.compile(audio.SquareOsc(100.0, duty=rj.input("duty"), naive=True)(), inputs=["duty"])(duty)
    for period in (5, 50, 95):
        chunk = y[period * 441:(period + 1) * 441]
        assert np.mean(chunk > 0) == pytest.approx(duty[period * 441 + 220], abs=0.01)


def test_per_sample_coefficients_are_the_cookbook_ones_over_the_whole_band(jit):
    """A float64 graph sweeping 5 Hz to just under Nyquist: the coefficients C computes every sample
    (its own sin and cos of w0) give the output the cookbook's give, to 1e-9."""
    n = 6000
    f = np.geomspace(5.0, 22049.0, n)
    x = np.random.default_rng(5).standard_normal(n)
    for kind in ("lowpass", "peak", "highshelf"):
        extra = {"gain_db": 4.0} if kind != "lowpass" else {}
        k = jit.compile(getattr(audio.Biquad, kind)(rj.input("f"), q=1.3, **extra)(rj.input("x")),
                        inputs=["x", "f"], dtype="float64")
        rows = [rbj(kind, fv, 1.3, **extra) for fv in f]
        np.testing.assert_allclose(k(x, f), ref_biquad_per_sample(x, rows), rtol=1e-9, atol=1e-9)


def test_a_sweep_past_nyquist_saturates(jit):
    """Frequencies beyond Nyquist are clamped to w0 = π - 1e-6: the filter stays stable."""
    x = signal(2000)
    f = np.full(2000, 30000.0, np.float32)
    k = jit.compile(audio.Biquad.lowpass(rj.input("f"))(rj.input("x")), inputs=["x", "f"], dtype="float64")
    top = (math.pi - 1e-6) * SR / (2 * math.pi)
    np.testing.assert_allclose(k(x.astype(np.float64), f.astype(np.float64)),
                               ref_biquad_per_sample(x, [rbj("lowpass", top, 0.7071)] * 2000), rtol=1e-6, atol=1e-6)
