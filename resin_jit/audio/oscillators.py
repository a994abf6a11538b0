"""Oscillators and noise. Phase in [0, 1) kept in double precision; frequency, phase offset and
duty are settings, each a number (a parameter), or an expression: FM, phase modulation, PWM.
Saw and square are band-limited by PolyBLEP (a two-sample polynomial correction of each jump);
naive=True gives the plain waveforms."""
import math

import numpy as np

from ..front.nodes import Expr
from .base import TWO_PI, RatedNode, Stateful

MASK64 = (1 << 64) - 1
MIN_STEP = 1e-12  # a PolyBLEP's width in cycles, kept away from 0 (a 0 Hz oscillator) and below 1/2


class _Oscillator(Stateful, RatedNode):
    """`wave(ctx, t, dt, duty)` gives a C value from phase t (after the offset) and step dt."""
    inputs = 0
    label = "osc"
    band_limited = False

    def __init__(self, frequency: float | Expr = 440.0, sample_rate: float | None = None, phase: float | Expr = 0.0,
                 *, name: str | None = None, freeze: bool = False, smooth: float | None = None) -> None:
        self._start({"frequency": frequency, "phase": phase}, sample_rate, name, freeze, smooth)

    def _start(self, values, sample_rate, name, freeze, smooth):
        """Settings `values` (frequency, phase, then the wave's own), the rate, the key."""
        self._setup(self.label, values, name, freeze, smooth)
        self._set_rate(sample_rate)
        self._key = (type(self).__name__,)

    def initial_state(self):
        return {"phase": 0.0}

    def emit(self, ctx, args):
        acc = ctx.state("phase", 0.0)
        step = ctx.local(ctx.dop("mul", ctx.to_double(args[0]), ctx.dconst(1.0 / self.rate)), "dt")
        t = acc
        if not (ctx.is_constant(args[1]) and ctx.operand(1).value == 0.0):  # a phase offset
            t = ctx.local(ctx.dop("add", acc, ctx.to_double(args[1])), "t")
            t = ctx.local(ctx.dop("sub", t, ctx.dop("floor", t)), "t")
        out = ctx.local(self.wave(ctx, t, step, [ctx.to_double(a) for a in args[2:]]), "osc")
        ctx.emit(f"{acc} = {ctx.dop('add', acc, step)};")
        ctx.emit(f"{acc} = {ctx.dop('sub', acc, ctx.dop('floor', acc))};")
        return ctx.from_double(out)

    def evaluate(self, state, frequency, phase, *extra):
        steps = np.asarray(frequency, np.float64) * (1.0 / self.rate)
        acc, accs = state["phase"], np.empty(len(steps))
        for i, s in enumerate(steps):
            accs[i] = acc
            acc = _wrap(acc + s)
        state["phase"] = acc
        t = accs + np.asarray(phase, np.float64)
        t = t - np.floor(t)
        return self.wave_values(t, steps, *[np.asarray(e, np.float64) for e in extra])

    def __repr__(self):
        return type(self).__name__


class SineOsc(_Oscillator):
    """sin(2π · phase): a sine from -1 to 1 (a source: SineOsc(440.0)()); frequency in Hz (any real
    number; negative runs backward; keep it below the Nyquist rate, sample_rate / 2), phase a start
    offset in cycles (0 to 1; it wraps), sample_rate in Hz (None: the graph's)."""
    label = "sine"

    def wave(self, ctx, t, dt, extra):
        """C: sin(2πt)."""
        return ctx.dop("sin", ctx.dop("mul", t, ctx.dconst(TWO_PI)))

    def wave_values(self, t, dt):
        """numpy: sin(2πt)."""
        return np.sin(t * TWO_PI)


def _blep(ctx, t, dt):
    """C of the PolyBLEP residual at phase t of a jump at 0 (dt: the step, in cycles)."""
    d = ctx.local(ctx.dop("min", ctx.dop("max", ctx.dop("abs", dt), ctx.dconst(MIN_STEP)), ctx.dconst(0.5)), "w")
    inv = ctx.local(ctx.dop("div", ctx.dconst(1.0), d), "w")
    u = ctx.local(ctx.dop("mul", t, inv), "u")                                   # just after the jump
    after = ctx.dop("sub", ctx.dop("mul", u, ctx.dop("sub", ctx.dconst(2.0), u)), ctx.dconst(1.0))
    v = ctx.local(ctx.dop("mul", ctx.dop("sub", t, ctx.dconst(1.0)), inv), "u")  # just before it
    before = ctx.dop("add", ctx.dop("mul", v, ctx.dop("add", v, ctx.dconst(2.0))), ctx.dconst(1.0))
    late = ctx.dop("gt", t, ctx.dop("sub", ctx.dconst(1.0), d))
    return ctx.dop("select", ctx.dop("lt", t, d), after,
                   ctx.dop("select", late, before, ctx.dconst(0.0)))


def _blep_values(t, dt):
    d = np.minimum(np.maximum(np.abs(dt), MIN_STEP), 0.5)
    u, v = t / d, (t - 1.0) / d
    return np.where(t < d, u * (2.0 - u) - 1.0, np.where(t > 1.0 - d, v * (v + 2.0) + 1.0, 0.0))


class SawOsc(_Oscillator):
    """A sawtooth from -1 to 1, band-limited (PolyBLEP) unless naive=True (a source: SawOsc(110.0)());
    frequency in Hz (any real number; negative runs backward; keep it below the Nyquist rate,
    sample_rate / 2), phase a start offset in cycles (0 to 1; it wraps), sample_rate in Hz (None:
    the graph's)."""
    label = "saw"

    def __init__(self, frequency: float | Expr = 440.0, sample_rate: float | None = None, phase: float | Expr = 0.0,
                 *, naive: bool = False, name: str | None = None, freeze: bool = False,
                 smooth: float | None = None) -> None:
        super().__init__(frequency, sample_rate, phase, name=name, freeze=freeze, smooth=smooth)
        self.naive = _flag(naive, "naive")
        self._key += ("naive",) if self.naive else ()

    def wave(self, ctx, t, dt, extra):
        """C: 2t - 1, less the PolyBLEP correction near the wrap unless naive."""
        saw = ctx.dop("fma", t, ctx.dconst(2.0), ctx.dconst(-1.0))
        return saw if self.naive else ctx.dop("sub", saw, _blep(ctx, t, dt))

    def wave_values(self, t, dt):
        """numpy: what wave() computes."""
        saw = t * 2.0 - 1.0
        return saw if self.naive else saw - _blep_values(t, dt)


class SquareOsc(_Oscillator):
    """1 for the first `duty` of each period, else -1; band-limited (PolyBLEP) unless naive=True. duty
    a fraction of the period, clipped to [0, 1]; frequency in Hz (any real number; negative runs
    backward; keep it below the Nyquist rate, sample_rate / 2), phase a start offset in cycles (0 to
    1; it wraps), sample_rate in Hz (None: the graph's)."""
    label = "square"

    def __init__(self, frequency: float | Expr = 440.0, sample_rate: float | None = None, phase: float | Expr = 0.0,
                 duty: float | Expr = 0.5, *, naive: bool = False, name: str | None = None, freeze: bool = False,
                 smooth: float | None = None) -> None:
        self._start({"frequency": frequency, "phase": phase, "duty": duty}, sample_rate, name, freeze, smooth)
        self.naive = _flag(naive, "naive")
        self._key += ("naive",) if self.naive else ()

    def wave(self, ctx, t, dt, extra):
        """C: +1 below the duty, -1 above, PolyBLEP-corrected at both edges unless naive."""
        duty = ctx.local(ctx.dop("min", ctx.dop("max", extra[0], ctx.dconst(0.0)), ctx.dconst(1.0)), "duty")
        square = ctx.dop("select", ctx.dop("lt", t, duty), ctx.dconst(1.0), ctx.dconst(-1.0))
        if self.naive:
            return square
        fall = ctx.local(ctx.dop("sub", t, duty), "t")  # the phase since the falling edge, in [0, 1)
        fall = ctx.local(ctx.dop("sub", fall, ctx.dop("floor", fall)), "t")
        return ctx.dop("sub", ctx.dop("add", square, _blep(ctx, t, dt)), _blep(ctx, fall, dt))

    def wave_values(self, t, dt, duty):
        """numpy: what wave() computes."""
        duty = np.minimum(np.maximum(duty, 0.0), 1.0)
        square = np.where(t < duty, 1.0, -1.0)
        if self.naive:
            return square
        fall = t - duty
        fall = fall - np.floor(fall)
        return square + _blep_values(t, dt) - _blep_values(fall, dt)


def _wrap(phase):
    """phase - floor(phase), as the C computes it: NaN for a NaN or infinite phase (inf - inf),
    where math.floor would raise."""
    return phase - math.floor(phase) if math.isfinite(phase) else math.nan


def _flag(value, what):
    if not isinstance(value, bool):
        raise TypeError(f"{what} must be True or False, not {value!r}")
    return value


class Noise(Stateful):
    """White noise in [-amplitude, amplitude), seeded and deterministic (xorshift64*): seed an int
    (each seed its own sequence), amplitude a linear factor (any real number; 1 is full scale)."""
    channel_simd = False  # 64-bit integer state: one channel at a time
    inputs = 0

    def __init__(self, seed: int = 1, amplitude: float | Expr = 1.0, *, name: str | None = None,
                 freeze: bool = False, smooth: float | None = None) -> None:
        if isinstance(seed, bool) or not isinstance(seed, int):
            raise TypeError(f"seed must be an int, not {type(seed).__name__}")
        self.seed = (seed & MASK64) or 0x9E3779B97F4A7C15  # xorshift must not start at zero
        self._setup("noise", {"amplitude": amplitude}, name, freeze, smooth)
        self._key = ("Noise", str(self.seed))

    def initial_state(self):
        return {"rng": self.seed}

    def emit_scalar(self, ctx, args):
        s = ctx.state("rng", self.seed, ctype="uint64_t")
        ctx.emit(f"{s} ^= {s} >> 12; {s} ^= {s} << 25; {s} ^= {s} >> 27;")
        unit = ctx.local(f"(double)(({s} * 0x2545F4914F6CDD1DULL) >> 11) * 0x1.0p-53", "u")
        return ctx.from_double(ctx.dop("mul", ctx.dop("fma", unit, ctx.dconst(2.0), ctx.dconst(-1.0)),
                                       ctx.to_double(args[0])))

    def evaluate(self, state, amplitude):
        n = len(amplitude)
        s, out = state["rng"], np.empty(n, np.float64)
        for i in range(n):
            s ^= s >> 12
            s = (s ^ (s << 25)) & MASK64
            s ^= s >> 27
            out[i] = (((s * 0x2545F4914F6CDD1D) & MASK64) >> 11) * 2.0 ** -53 * 2.0 - 1.0
        state["rng"] = s
        return out * np.asarray(amplitude, np.float64)

    def __repr__(self):
        return "Noise"
