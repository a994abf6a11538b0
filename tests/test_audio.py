"""Issue 3: each audio node against its own plain reference; streaming, reset and channels."""
import math

import numpy as np
import pytest

import resin_jit as rj
from resin_jit import audio

from support import TIERS, compiler_for
from support.audio import SR, rbj, signal


def ref_biquad(coeffs, x):
    """A float64 transposed-direct-form-II biquad, written independently of the node."""
    b0, b1, b2, a1, a2 = coeffs
    z1 = z2 = 0.0
    y = np.empty(len(x))
    for i, v in enumerate(x.astype(np.float64)):
        out = b0 * v + z1
        z1 = b1 * v - a1 * out + z2
        z2 = b2 * v - a2 * out
        y[i] = out
    return y


@pytest.fixture(params=[t for t in TIERS])
def tier_jit(request, jit):
    return compiler_for(request.param)


BIQUADS = [("lowpass", {}), ("highpass", {}), ("bandpass", {}), ("notch", {}), ("peak", {"gain_db": 6.0}),
           ("lowshelf", {"gain_db": -4.0}), ("highshelf", {"gain_db": 3.0})]


@pytest.mark.parametrize("kind,extra", BIQUADS)
def test_biquads_match_a_float64_reference(jit, numpy_jit, kind, extra):
    x = signal()
    node = getattr(audio.Biquad, kind)(1000.0, q=0.7071, sample_rate=SR, **extra)
    np.testing.assert_allclose(node.coefficients, rbj(kind, 1000.0, 0.7071, **extra), rtol=1e-12, atol=1e-15)
    expected = ref_biquad(rbj(kind, 1000.0, 0.7071, **extra), x)
    for compiler in (jit, numpy_jit):
        y = compiler.compile(node(rj.input("x")))(x)
        np.testing.assert_allclose(y, expected, atol=1e-5, rtol=0)


def ref_osc(kind, f, n, phase=0.0, duty=0.5):
    out = np.empty(n)
    for i in range(n):
        out[i] = {"sine": math.sin(2 * math.pi * phase), "saw": 2 * phase - 1,
                  "square": 1.0 if phase < duty else -1.0}[kind]
        phase += f / SR
        phase -= math.floor(phase)
    return out


@pytest.mark.parametrize("cls,kind", [(audio.SineOsc, "sine"), (audio.SawOsc, "saw"), (audio.SquareOsc, "square")])
def test_oscillators(jit, numpy_jit, cls, kind):
    for compiler in (jit, numpy_jit):
        naive = {} if cls is audio.SineOsc else {"naive": True}
        y = compiler.compile(cls(440.0, sample_rate=SR, **naive)())(n=5000)
        expected = ref_osc(kind, 440.0, 5000)
        if kind == "square":  # a phase within rounding of the edge may flip: allow a handful
            assert np.mean(y != expected) < 1e-3
        else:
            np.testing.assert_allclose(y, expected, atol=2e-6)


def test_fm_oscillator_takes_a_frequency_input(jit):
    f = rj.input("f")
    k = jit.compile(audio.SineOsc(f, sample_rate=SR)())
    freq = np.linspace(100, 2000, 4000).astype(np.float32)
    phase, expected = 0.0, np.empty(4000)
    for i, fi in enumerate(freq.astype(np.float64)):
        expected[i] = math.sin(2 * math.pi * phase)
        phase += fi / SR
        phase -= math.floor(phase)
    np.testing.assert_allclose(k(freq), expected, atol=2e-6)


def test_noise_is_seeded_deterministic_and_uniform(jit, numpy_jit):
    a = jit.compile(audio.Noise(seed=42)())(n=20000)
    b = jit.compile(audio.Noise(seed=42)())(n=20000)
    c = numpy_jit.compile(audio.Noise(seed=42)())(n=20000)
    np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(a, c)
    assert -1.0 <= a.min() and a.max() < 1.0 and abs(a.mean()) < 0.02
    assert not np.array_equal(a, jit.compile(audio.Noise(seed=43)())(n=20000))


def test_one_pole(jit):
    x = signal()
    a = math.exp(-2 * math.pi * 500.0 / SR)
    y, lp = 0.0, np.empty(len(x))
    for i, v in enumerate(x.astype(np.float64)):
        y = (1 - a) * v + a * y
        lp[i] = y
    np.testing.assert_allclose(jit.compile(audio.OnePole.lowpass(500.0, SR)(rj.input("x")))(x), lp, atol=1e-6)
    np.testing.assert_allclose(jit.compile(audio.OnePole.highpass(500.0, SR)(rj.input("x")))(x), x - lp, atol=1e-6)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_delay_in_seconds_and_in_samples(jit, numpy_jit, dtype):
    """Delay(d / SR) is d samples at SR, exactly as Delay(d, unit="samples") (a float32 parameter
    of 333 / 44100 s is 332.99999 samples: it reads sample 333, not a blend with 334)."""
    x = signal(1000).astype(dtype)
    for compiler in (jit, numpy_jit):
        for d in (0, 1, 7, 333):
            shifted = np.concatenate([np.zeros(d, dtype), x[:len(x) - d]])
            for node in (audio.Delay(d / SR), audio.Delay(d, unit="samples")):
                y = compiler.compile(node(rj.input("x")), sample_rate=SR)(x)
                np.testing.assert_array_equal(y, shifted)


def test_envelope(jit, numpy_jit):
    gate = np.zeros(4000, np.float32)
    gate[100:2500] = 1.0
    node = audio.Envelope(attack=0.005, decay=0.01, sustain=0.6, release=0.02, sample_rate=SR)
    y = jit.compile(node(rj.input("g")))(gate)
    np.testing.assert_array_equal(y, numpy_jit.compile(node(rj.input("g")))(gate))
    assert y[:100].max() == 0.0
    peak = int(np.argmax(y))
    assert y[peak] == pytest.approx(1.0) and 100 + 0.005 * SR - 2 <= peak <= 100 + 0.005 * SR + 2
    assert y[2400] == pytest.approx(0.6, abs=1e-6)
    assert y[2500 + int(0.02 * SR * 0.6) + 5:].max() == 0.0


def test_pure_nodes(jit):
    x, w = signal(500), signal(500, seed=1)
    xi, wi = rj.input("x"), rj.input("w")
    k = jit.compile([audio.Gain(0.5)(xi), audio.Offset(-0.25)(xi), audio.Mix([0.3, 0.7])(xi, wi),
                     audio.Clip(-0.2, 0.3)(xi), audio.SoftClip(3.0)(xi), audio.Affine(2.0, 1.0)(xi)],
                    inputs=["x", "w"])
    g, o, m, c, s, a = k(x, w)
    f32 = np.float32
    np.testing.assert_array_equal(g, x * f32(0.5))
    np.testing.assert_array_equal(o, x + f32(-0.25))
    np.testing.assert_array_equal(m, x * f32(0.3) + w * f32(0.7))
    np.testing.assert_array_equal(c, np.clip(x, f32(-0.2), f32(0.3)))
    np.testing.assert_allclose(s, np.tanh(3.0 * x.astype(np.float64)), atol=1e-6)
    np.testing.assert_allclose(a, 2.0 * x.astype(np.float64) + 1.0, atol=1e-6)


def patch(x):
    return audio.Gain(0.8)(audio.Biquad.lowpass(800.0, sample_rate=SR)(audio.Delay(5 / SR)(x)) + audio.OnePole.highpass(
        50.0, SR)(x))


@pytest.mark.parametrize("graph", ["biquad", "mixed"])
def test_streaming_block_by_block_equals_one_call_and_reset(jit, graph):
    x = signal(5000)
    build = (lambda e: audio.Biquad.lowpass(800.0, sample_rate=SR)(e)) if graph == "biquad" else patch
    k = jit.compile(build(rj.input("x")))
    whole = k(x)
    k.reset()
    pieces = [k(x[i:i + 256]) for i in range(0, len(x), 256)]
    np.testing.assert_array_equal(np.concatenate(pieces), whole)
    k.reset()
    np.testing.assert_array_equal(k(x), whole)


@pytest.mark.parametrize("graph", ["biquad", "mixed"])
def test_multichannel_equals_channel_by_channel(jit, graph):
    channels = np.stack([signal(3000, seed=s) for s in range(11)])  # not a multiple of the lanes
    build = (lambda e: audio.Biquad.highpass(300.0, sample_rate=SR)(audio.SineOsc(e * 200.0 + 300.0)() + e)) \
        if graph == "biquad" else patch
    bank = jit.compile(build(rj.input("x")))
    together = bank(channels)
    assert together.shape == channels.shape
    for ch in range(len(channels)):
        single = jit.compile(build(rj.input("x")))
        np.testing.assert_allclose(single(channels[ch]), together[ch], atol=1e-6)
    bank.reset()
    halves = np.concatenate([bank(channels[:, :1000]), bank(channels[:, 1000:])], axis=1)
    np.testing.assert_array_equal(halves, together)


def test_py_node_runs_python_inside_the_graph(jit):
    def running_max(x, state):
        state["m"] = max(state["m"], x)
        return state["m"]
    k = jit.compile(rj.py_node(running_max, state={"m": -np.inf})(rj.input("x")) * 2.0)
    x = signal(300)
    np.testing.assert_array_equal(k(x), np.maximum.accumulate(x) * 2)
    np.testing.assert_array_equal(k(np.full(3, -9.0, np.float32)), np.full(3, x.max() * 2))
    k.reset()
    np.testing.assert_array_equal(k(np.full(3, -9.0, np.float32)), np.full(3, -18.0, np.float32))

    def broken(x):
        raise ZeroDivisionError("inside the callback")
    bad = jit.compile(rj.py_node(broken)(rj.input("x")))
    with pytest.raises(rj.JitError, match="ZeroDivisionError"):
        bad(np.ones(4, np.float32))
    with pytest.raises(ValueError, match="one channel"):
        k(np.ones((2, 3), np.float32))


def test_extern_calls(jit):
    x = rj.input("x")
    cube = rj.extern("cube3", "double(double)", c_source="static double cube3(double v) { return v * v * v; }")
    erf = rj.extern("erff", "float(float)")
    cbrt = rj.extern("cbrt", "double(double)", library="libm.so.6")
    k = jit.compile([cube(x), erf(x), cbrt(x)])
    a = np.linspace(-2, 2, 101).astype(np.float32)
    c, e, r = k(a)
    np.testing.assert_allclose(c, a.astype(np.float64) ** 3, rtol=1e-6)
    np.testing.assert_allclose(e, [math.erf(v) for v in a], atol=1e-6)
    np.testing.assert_allclose(r, np.cbrt(a.astype(np.float64)), rtol=1e-6)
    for bad in ("rj_entry", "int", "a-b", "x; system", "__evil", ""):
        with pytest.raises(ValueError, match="C function name"):
            rj.extern(bad, "double(double)")
    with pytest.raises(ValueError, match="unsupported type"):
        rj.extern("f", "int(long)")


def test_numpy_backend_runs_channels_and_parameters(numpy_jit, jit):
    x = rj.input("x")
    graph = audio.Biquad.lowpass(600.0)(x * rj.param("drive", 2.0)) + audio.Delay(2, unit="samples")(x)
    channels = np.stack([signal(800, seed=s) for s in range(3)])
    ref_kernel, native = numpy_jit.compile(graph), jit.compile(graph)
    ref_kernel.set_param("drive", 0.5)
    native.set_param("drive", 0.5)
    np.testing.assert_allclose(ref_kernel(channels), native(channels), atol=1e-6)


@pytest.mark.parametrize("make, message", [
    (lambda: audio.Biquad.peak(1000.0, gain_db=float("inf")), "gain_db must be a finite number"),
    (lambda: audio.Biquad.lowshelf(1000.0, gain_db=float("nan")), "gain_db must be a finite number"),
    (lambda: audio.Biquad.highshelf(1000.0, gain_db=1e5), "within ±1000"),
    (lambda: audio.Biquad.lowpass(1000.0, q=float("nan")), r"lowpass\.q must be a finite number, not nan"),
    (lambda: audio.Biquad.lowpass(1000.0, q=-1.0), "q must be positive"),
    (lambda: audio.Biquad.lowpass(float("nan")), r"lowpass\.frequency must be a finite number, not nan"),
    (lambda: audio.Biquad.lowpass(30000.0, sample_rate=44100), "Nyquist"),
    (lambda: audio.Gain("0.5"), "gain must be a real number"),
    (lambda: audio.Mix([0.5, None]), "weight1 must be a real number"),
    (lambda: audio.Envelope(attack="slow"), "attack must be a real number"),
])
def test_bad_settings_are_named(make, message):
    """Biquad.peak(gain_db=inf) used to build a filter whose every output is NaN."""
    with pytest.raises((TypeError, ValueError), match=message):
        make()
