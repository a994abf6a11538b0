"""Issue 12: every audio node and every setting against a plain reference written here, with the
settings changed between blocks (parameters) and modulated (signals), the state carrying on."""
import math

import numpy as np
import pytest

import resin_jit as rj
from resin_jit import audio

from support.audio import SR, rbj, ref_biquad_per_sample, signal

N = 3000
CUTS = (0, 1100, 2300)   # where the next value of a setting takes over: two changes mid-stream


# -- references: plain loops over per-sample settings (an array of each setting's value) ----------

def ref_rbj(kind):
    def run(x, frequency, q, gain_db=None):
        g = np.zeros(len(x)) if gain_db is None else gain_db
        return ref_biquad_per_sample(x, [rbj(kind, f, qq, gg) for f, qq, gg in zip(frequency, q, g)])
    return run


def ref_noise(seed):
    def run(x, amplitude):
        s, mask, out = seed, (1 << 64) - 1, np.empty(len(amplitude))
        for i, a in enumerate(amplitude):
            s ^= s >> 12
            s = (s ^ (s << 25)) & mask
            s ^= s >> 27
            out[i] = ((((s * 0x2545F4914F6CDD1D) & mask) >> 11) / 2.0 ** 53 * 2 - 1) * a
        return out
    return run


def ref_osc(wave):
    def run(x, frequency, phase, duty=None):
        acc, out = 0.0, np.empty(len(frequency))
        for i, f in enumerate(frequency):
            t = (acc + phase[i]) % 1.0
            out[i] = {"sine": lambda: math.sin(2 * math.pi * t), "saw": lambda: 2 * t - 1,
                      "square": lambda: 1.0 if t < min(max(duty[i], 0), 1) else -1.0}[wave]()
            acc = (acc + f / SR) % 1.0
        return out
    return run


def ref_one_pole(mode):
    def run(x, cutoff):
        y, out = 0.0, np.empty(len(x))
        for i, (v, c) in enumerate(zip(x.astype(np.float64), cutoff)):
            a = math.exp(-2 * math.pi * c / SR)
            y = (1 - a) * v + a * y
            out[i] = y if mode == "lowpass" else v - y
        return out
    return run


def read_back(history, d):
    """history[-1] is the newest sample; the value d samples back, linearly interpolated."""
    whole, frac = int(d), d - int(d)
    near = history[-1 - whole] if whole < len(history) else 0.0
    far = history[-2 - whole] if whole + 1 < len(history) else 0.0
    return near + frac * (far - near)


def ref_delay(x, time):
    history, out = [], np.empty(len(x))
    for i, (v, d) in enumerate(zip(x.astype(np.float64), time)):
        history.append(v)
        out[i] = read_back(history, d)
    return out


def in_seconds(reference):
    """`reference` (times in samples) for times in seconds at SR."""
    def run(x, time, **settings):
        return reference(x, np.asarray(time) * SR, **settings)
    return run


def ref_comb(x, time, feedback, damp):
    history, store, out = [], 0.0, np.empty(len(x))
    for i, v in enumerate(x.astype(np.float64)):
        y = read_back(history + [0.0], time[i])   # read before this sample's write
        store = y * (1 - damp[i]) + store * damp[i]
        history.append(v + feedback[i] * store)
        out[i] = y
    return out


def ref_allpass(x, time, gain):
    history, out = [], np.empty(len(x))
    for i, v in enumerate(x.astype(np.float64)):
        back = read_back(history + [0.0], time[i])
        w = v + gain[i] * back
        history.append(w)
        out[i] = back - gain[i] * w
    return out


def ref_envelope(gate, attack, decay, sustain, release):
    stage, level, was, out = 0, 0.0, 0.0, np.empty(len(gate))
    for i, g in enumerate(gate.astype(np.float64)):
        up, s = 1 / max(attack[i] * SR, 1), min(max(sustain[i], 0), 1)
        down, fall = (1 - s) / max(decay[i] * SR, 1), 1 / max(release[i] * SR, 1)
        if g > 0.5 and not was > 0.5:
            stage = 1
        elif not g > 0.5 and was > 0.5:
            stage = 4
        was = g
        if stage == 1:
            level = min(level + up, 1.0)
            stage = 2 if level == 1.0 else 1
        elif stage == 2:
            level -= down
            if level <= s:
                level, stage = s, 3
        elif stage == 3:
            level = s
        elif stage == 4:
            level -= fall
            if level <= 0:
                level, stage = 0.0, 0
        out[i] = level
    return out


def decay(seconds):
    return math.exp(-1 / (seconds * SR)) if seconds > 0 else 0.0


def ref_follower(x, attack, release):
    env, out = 0.0, np.empty(len(x))
    for i, v in enumerate(np.abs(x.astype(np.float64))):
        c = decay(attack[i]) if v > env else decay(release[i])
        env = v + c * (env - v)
        out[i] = env
    return out


def ref_limiter(lookahead):
    def run(x, threshold, release):
        env, history, out = 0.0, [], np.empty(len(x))
        for i, v in enumerate(x.astype(np.float64)):
            env = abs(v) if abs(v) > env else abs(v) + decay(release[i]) * (env - abs(v))
            reach = math.exp(lookahead / (release[i] * SR))
            history.append(v)
            late = history[-1 - lookahead] if len(history) > lookahead else 0.0
            out[i] = late * threshold[i] / max(threshold[i], env * reach)
        return out
    return run


def ref_peak(x, release):
    peak, out = 0.0, np.empty(len(x))
    for i, v in enumerate(np.abs(x.astype(np.float64))):
        peak = max(v, peak * decay(release[i]))
        out[i] = peak
    return out


def ref_rms(x, time):
    ms, out = 0.0, np.empty(len(x))
    for i, v in enumerate(x.astype(np.float64)):
        ms += (1 - decay(time[i])) * (v * v - ms)
        out[i] = math.sqrt(ms)
    return out


def ref_smooth(time):
    def run(x):
        k, y, out = 1 - math.exp(-1 / (time * SR)), None, np.empty(len(x))
        for i, v in enumerate(x.astype(np.float64)):
            y = v if y is None else y + (v - y) * k
            out[i] = y
        return out
    return run


# -- the cases: (build(x, **settings) -> expr, reference, {setting: three values}, tolerance) ------

def case(build, reference, values, tolerance=2e-5, source=False, gate=False):
    return pytest.param(build, reference, values, tolerance, source, gate)


BIQUAD_VALUES = {"frequency": (800.0, 2500.0, 300.0), "q": (0.7071, 2.0, 0.4)}
CASES = {
    "Gain": case(lambda x, **s: audio.Gain(**s)(x), lambda x, gain: x * gain, {"gain": (0.5, -2.0, 0.25)}),
    "Offset": case(lambda x, **s: audio.Offset(**s)(x), lambda x, offset: x + offset, {"offset": (0.1, -0.5, 2.0)}),
    "Clip": case(lambda x, **s: audio.Clip(**s)(x), lambda x, lo, hi: np.minimum(hi, np.maximum(lo, x)),
                 {"lo": (-0.2, -0.5, 0.0), "hi": (0.3, 0.1, 1.0)}),
    "SoftClip": case(lambda x, **s: audio.SoftClip(**s)(x), lambda x, drive: np.tanh(x * drive),
                     {"drive": (1.0, 4.0, 0.5)}),
    "Mix": case(lambda x, weight0, weight1: audio.Mix([weight0, weight1])(x, x * x),
                lambda x, weight0, weight1: x * weight0 + x * x * weight1,
                {"weight0": (0.5, 0.2, -1.0), "weight1": (0.25, 1.0, 0.5)}),
    "SineOsc": case(lambda x, **s: audio.SineOsc(**s)(), ref_osc("sine"),
                    {"frequency": (440.0, 1000.0, 55.0), "phase": (0.0, 0.25, 0.9)}, source=True),
    "SawOsc": case(lambda x, **s: audio.SawOsc(naive=True, **s)(), ref_osc("saw"),
                   {"frequency": (440.0, 1000.0, 55.0), "phase": (0.0, 0.25, 0.9)}, source=True),
    "SquareOsc": case(lambda x, **s: audio.SquareOsc(naive=True, **s)(), ref_osc("square"),
                      {"frequency": (440.0, 1000.0, 55.0), "phase": (0.0, 0.3, 0.9), "duty": (0.5, 0.2, 0.8)},
                      source=True),
    "Noise": case(lambda x, **s: audio.Noise(seed=7, **s)(), ref_noise(7), {"amplitude": (1.0, 0.25, -3.0)},
                  source=True),
    "OnePole.lowpass": case(lambda x, **s: audio.OnePole.lowpass(**s)(x), ref_one_pole("lowpass"),
                            {"cutoff": (500.0, 3000.0, 100.0)}),
    "OnePole.highpass": case(lambda x, **s: audio.OnePole.highpass(**s)(x), ref_one_pole("highpass"),
                             {"cutoff": (500.0, 3000.0, 100.0)}),
    **{f"Biquad.{kind}": case(lambda x, kind=kind, **s: getattr(audio.Biquad, kind)(**s)(x), ref_rbj(kind),
                              BIQUAD_VALUES) for kind in ("lowpass", "highpass", "bandpass", "notch")},
    **{f"Biquad.{kind}": case(lambda x, kind=kind, **s: getattr(audio.Biquad, kind)(**s)(x), ref_rbj(kind),
                              {**BIQUAD_VALUES, "gain_db": (6.0, -12.0, 3.0)}) for kind in
       ("peak", "lowshelf", "highshelf")},
    "Biquad": case(lambda x, **s: audio.Biquad(**s)(x), lambda x, b0, b1, b2, a1, a2: ref_biquad_per_sample(
        x, list(zip(b0, b1, b2, a1, a2))), {"b0": (0.2, 0.5, 1.0), "b1": (0.4, 0.0, -0.3), "b2": (0.2, -0.5, 0.1),
                                             "a1": (-0.5, 0.1, 0.2), "a2": (0.25, 0.3, -0.1)}),
    "Delay": case(lambda x, time: audio.Delay(time, maximum=400, unit="samples")(x), ref_delay,
                  {"time": (7.0, 123.0, 0.0)}),
    "Delay fractional": case(lambda x, time: audio.Delay(time, maximum=400, unit="samples")(x), ref_delay,
                             {"time": (7.25, 123.5, 0.75)}),
    "Delay seconds": case(lambda x, time: audio.Delay(time, maximum=400 / SR)(x), in_seconds(ref_delay),
                          {"time": (7.0 / SR, 123.5 / SR, 0.0)}),
    "Comb": case(lambda x, time, **s: audio.Comb(time, maximum=300, unit="samples", **s)(x), ref_comb,
                 {"time": (100.0, 37.5, 250.0), "feedback": (0.8, 0.5, -0.7), "damp": (0.2, 0.0, 0.6)}),
    "Comb seconds": case(lambda x, time, **s: audio.Comb(time, maximum=300 / SR, **s)(x), in_seconds(ref_comb),
                         {"time": (100.0 / SR, 37.5 / SR, 250.0 / SR), "feedback": (0.8, 0.5, -0.7),
                          "damp": (0.2, 0.0, 0.6)}),
    "Allpass": case(lambda x, time, **s: audio.Allpass(time, maximum=300, unit="samples", **s)(x), ref_allpass,
                    {"time": (100.0, 37.5, 250.0), "gain": (0.5, -0.3, 0.7)}),
    "Allpass seconds": case(lambda x, time, **s: audio.Allpass(time, maximum=300 / SR, **s)(x),
                            in_seconds(ref_allpass), {"time": (100.0 / SR, 37.5 / SR, 250.0 / SR),
                                                      "gain": (0.5, -0.3, 0.7)}),
    "Envelope": case(lambda x, **s: audio.Envelope(**s)(x), ref_envelope,
                     {"attack": (0.005, 0.001, 0.0), "decay": (0.01, 0.002, 0.003), "sustain": (0.6, 0.3, 0.9),
                      "release": (0.02, 0.001, 0.004)}, gate=True),
    "EnvelopeFollower": case(lambda x, **s: audio.EnvelopeFollower(**s)(x), ref_follower,
                             {"attack": (0.001, 0.0, 0.01), "release": (0.05, 0.01, 0.2)}),
    "Limiter": case(lambda x, **s: audio.Limiter(**s)(x), ref_limiter(0),
                    {"threshold": (0.5, 0.2, 1.0), "release": (0.05, 0.01, 0.1)}),
    "Limiter lookahead": case(lambda x, **s: audio.Limiter(lookahead=32 / SR, **s)(x), ref_limiter(32),
                              {"threshold": (0.5, 0.2, 1.0), "release": (0.05, 0.01, 0.1)}),
    "Limiter lookahead_samples": case(lambda x, **s: audio.Limiter(lookahead_samples=32, **s)(x), ref_limiter(32),
                                      {"threshold": (0.5, 0.2, 1.0), "release": (0.05, 0.01, 0.1)}),
    "PeakMeter": case(lambda x, **s: audio.PeakMeter(**s)(x), ref_peak, {"release": (0.1, 0.01, 0.5)}),
    "RMSMeter": case(lambda x, **s: audio.RMSMeter(**s)(x), ref_rms, {"time": (0.05, 0.01, 0.3)}),
}


def per_sample(values, n=N):
    """The setting's value at each sample: values[k] from CUTS[k] on."""
    out = np.empty(n)
    for k, start in enumerate(CUTS):
        out[start:] = values[k]
    return out


def input_signal(gate):
    if gate:
        g = np.zeros(N, np.float32)
        g[100:700], g[1000:1800], g[2000:2600] = 1.0, 1.0, 1.0
        return g
    return signal(N)


@pytest.mark.parametrize("build, reference, values, tolerance, source, gate", CASES.values(), ids=CASES.keys())
def test_parameters_changed_between_blocks(jit, numpy_jit, build, reference, values, tolerance, source, gate):
    """Each setting is a parameter; setting it between calls compiles nothing and the state carries on."""
    x = input_signal(gate)
    first = {k: v[0] for k, v in values.items()}
    expected = reference(x, **{k: per_sample(np.float32(v).astype(np.float64)) for k, v in values.items()})
    for compiler in (jit, numpy_jit):
        expr = build(rj.input("x"), **first)
        kernel = compiler.compile(expr)
        names = {n.split(".", 1)[1]: n for n in kernel.params}
        assert set(names) == set(values), kernel.params
        compiles = compiler.stats["compiles"]
        pieces = []
        for k, (start, end) in enumerate(zip(CUTS, CUTS[1:] + (N,))):
            for setting, v in values.items():
                kernel.params[names[setting]] = v[k]
            pieces.append(kernel(n=end - start) if source else kernel(x[start:end]))
        assert compiler.stats["compiles"] == compiles
        np.testing.assert_allclose(np.concatenate(pieces), expected, atol=tolerance, rtol=tolerance)


@pytest.mark.parametrize("build, reference, values, tolerance, source, gate", CASES.values(), ids=CASES.keys())
def test_settings_modulated_by_signals(jit, numpy_jit, build, reference, values, tolerance, source, gate):
    """Each setting given an expression: an input that changes every sample (a ramp between its values)."""
    x = input_signal(gate)
    ramps = {k: np.interp(np.arange(N), [0, N // 2, N - 1], v).astype(np.float32) for k, v in values.items()}
    expected = reference(x, **{k: r.astype(np.float64) for k, r in ramps.items()})
    names = list(ramps)
    for compiler in (jit, numpy_jit):
        expr = build(rj.input("x"), **{k: rj.input(k) for k in names})
        kernel = compiler.compile(expr, inputs=(["x"] if not source else []) + names)
        assert len(kernel.params) == 0
        args = ([x] if not source else []) + [ramps[k] for k in names]
        np.testing.assert_allclose(kernel(*args), expected, atol=tolerance, rtol=tolerance)


# -- composites and bounds ----------------------------------------------------------------------

def test_pan_is_equal_power(jit, numpy_jit):
    x = signal(500)
    for compiler in (jit, numpy_jit):
        k = compiler.compile(list(audio.Pan(-0.5)(rj.input("x"))))
        for position in (-0.5, -1.0, 0.0, 0.3, 1.0, 7.0):
            k.params["pan.position"] = position
            theta = (min(max(np.float32(position), -1), 1) + 1) * math.pi / 4
            left, right = k(x)
            np.testing.assert_allclose(left, x * math.cos(theta), atol=2e-6)
            np.testing.assert_allclose(right, x * math.sin(theta), atol=2e-6)
            np.testing.assert_allclose(left.astype(np.float64) ** 2 + right.astype(np.float64) ** 2,
                                       x.astype(np.float64) ** 2, atol=1e-6)


def ref_reverb(x, room_size, damp, wet, dry, rate=SR):
    n = len(x)
    feedback, damping = np.full(n, room_size * 0.28 + 0.7), np.full(n, damp * 0.4)
    scaled = (x.astype(np.float64) * 0.015)
    total = sum(ref_comb(scaled, np.full(n, t / 44100 * rate), feedback, damping)
                for t in (1116, 1188, 1277, 1356, 1422, 1491, 1557, 1617))
    for t in (556, 441, 341, 225):
        total = ref_allpass(total, np.full(n, t / 44100 * rate), np.full(n, 0.5))
    return total * wet + x * dry


@pytest.mark.parametrize("rate", [44100, 48000])
def test_reverb_is_freeverb(jit, rate):
    x = np.zeros(6000, np.float32)
    x[0], x[2500] = 1.0, -0.5
    k = jit.compile(audio.Reverb(room_size=0.8, damp=0.3)(rj.input("x")), sample_rate=rate)
    np.testing.assert_allclose(k(x), ref_reverb(x, 0.8, 0.3, 0.3, 0.7, rate), atol=2e-6)
    k.reset()
    k.params["reverb.room_size"], k.params["reverb.wet"], k.params["reverb.dry"] = 0.2, 1.0, 0.0
    np.testing.assert_allclose(k(x), ref_reverb(x, np.float32(0.2), 0.3, 1.0, 0.0, rate), atol=2e-6)


@pytest.mark.parametrize("lookahead", [0.0, 0.0015])
def test_the_limiter_never_exceeds_its_threshold(jit, lookahead):
    rng = np.random.default_rng(3)
    x = (rng.standard_normal(20000) * np.repeat(rng.uniform(0.1, 8.0, 40), 500)).astype(np.float32)
    k = jit.compile(audio.Limiter(threshold=0.5, release=0.02, lookahead=lookahead)(rj.input("x")))
    y = k(x)
    assert np.abs(y).max() <= 0.5 * (1 + 1e-6)
    assert np.abs(y).max() > 0.45   # it limits, it does not just turn everything down


def test_meters_read_a_sine(jit):
    t = np.arange(44100) / SR
    x = (0.5 * np.sin(2 * np.pi * 1000 * t)).astype(np.float32)
    peak, rms = jit.compile([audio.PeakMeter(0.3)(rj.input("x")), audio.RMSMeter(0.05)(rj.input("x"))])(x)
    assert peak[-1] == pytest.approx(0.5, rel=1e-3)
    assert rms[-1] == pytest.approx(0.5 / math.sqrt(2), rel=1e-2)


def test_smooth_node_ramps_any_expression(jit, numpy_jit):
    x = np.concatenate([np.zeros(10), np.ones(3000)]).astype(np.float32)
    for compiler in (jit, numpy_jit):
        y = compiler.compile(audio.Smooth(0.002)(rj.input("x")))(x)
        np.testing.assert_allclose(y, ref_smooth(0.002)(x), atol=1e-6)
