"""Delay lines: Delay, the damped feedback Comb, the Schroeder Allpass, and a Freeverb-style
Reverb built from them.

A delay's time is a setting (a parameter, or a signal: fractional times interpolate linearly
between two samples), clamped to [0 or 1 sample, maximum]; the maximum sizes the ring buffer and is
fixed at construction. Times are in seconds (the default, unit="seconds": the buffer is sized at the
rate the graph compiles at), or in samples with unit="samples". (Before issue 21 the default was
samples: Delay(441) is now 441 s, beyond the buffer's limit; write Delay(0.01) or Delay(441,
unit="samples").) A time in seconds within the kernel dtype's rounding of a whole number of samples
reads that sample exactly (_DelayLine.snap). The ring buffer's index is integer state: one channel
at a time.
"""
import math

import numpy as np

from ..front.nodes import Const, Expr, exact, real_number

from .base import RatedNode, Stateful, known_keywords, setting_operands

MAX_SAMPLES = 1 << 22
UNITS = ("samples", "seconds")


class _DelayLine(Stateful, RatedNode):
    """A ring buffer read `time` back; `shortest` is 0 when the input is written before the read
    (Delay), 1 when the read comes first (a feedback loop: Comb, Allpass)."""
    channel_simd = False
    shortest = 0

    def _line(self, time, maximum, unit, sample_rate):
        if unit not in UNITS:
            raise ValueError(f"unit must be 'samples' or 'seconds', not {unit!r}")
        if maximum is None:
            if isinstance(time, Expr):
                raise ValueError("a delay time that is an expression needs maximum= (it sizes the buffer)")
            maximum = time
        self.unit, self.maximum = unit, real_number(maximum, "maximum")
        low = self.shortest if unit == "samples" else 0.0   # seconds: checked in samples at the graph's rate
        if not low <= self.maximum:
            raise ValueError(f"maximum must be at least {low} {unit}, not {maximum!r}")
        if not isinstance(time, Expr) and not low <= real_number(time, "time") <= self.maximum:
            raise ValueError(f"time must be from {low} to maximum={self.maximum:g} {unit}, not {time!r}")
        self._set_rate(sample_rate)
        self.check_rate(self.rate)

    def check_rate(self, rate):
        samples = self.maximum * (rate if self.unit == "seconds" else 1.0)
        if not self.shortest <= samples <= MAX_SAMPLES:
            hint = "; times are in seconds (unit=\"samples\" for samples)" if self.unit == "seconds" else ""
            raise ValueError(f"the {type(self).__name__}'s maximum must be from {self.shortest} to {MAX_SAMPLES} "
                             f"samples, not {samples:g} ({self.maximum:g} {self.unit} at {rate:g}/s){hint}")

    @property
    def scale(self):
        """Samples per unit of time."""
        return self.rate if self.unit == "seconds" else 1.0

    @property
    def longest(self):
        """The longest delay in samples (the maximum time at this rate)."""
        return self.maximum * self.scale

    @property
    def length(self):
        """The ring buffer: the longest delay, one more sample to interpolate, one for the write."""
        return int(math.ceil(self.longest)) + 2

    def _key_of(self, name):
        return (name, self.unit, exact(self.maximum))

    def initial_state(self):
        return {"buffer": np.zeros(self.length), "index": 0}

    def snap(self, dtype):
        """The relative distance from a whole number of samples within which a time in seconds
        reads that sample exactly: the time's own rounding in the kernel's dtype (0.01 s as a
        float32 is 479.99998 samples at 48 kHz: read as 480, as unit="samples" reads 480).
        None for times in samples (exact as given)."""
        return float(np.finfo(dtype).eps) if self.unit == "seconds" else None

    def read(self, ctx, buf, index, time):
        """C of the buffer `time` (a double C value, in the node's unit) back from `index`."""
        d = ctx.local(ctx.dop("mul", time, ctx.dconst(self.scale)), "d")
        lo, hi = ctx.dconst(float(self.shortest)), ctx.dconst(self.longest)
        d = ctx.local(f"{d} > {lo} ? ({d} < {hi} ? {d} : {hi}) : {lo}", "d")   # NaN reads `shortest` back
        snap = self.snap(ctx.dtype)
        if snap is not None:   # to at most ceil(longest): the buffer holds that and one more
            near = ctx.local(ctx.dop("floor", ctx.dop("add", d, ctx.dconst(0.5))), "d")
            d = ctx.local(f"{ctx.dop('abs', ctx.dop('sub', d, near))} <= {d} * {ctx.dconst(snap)} ? {near} : {d}", "d")
        whole = ctx.local(f"(int64_t){d}", "n", "int64_t")
        frac = ctx.local(f"{d} - (double){whole}", "f")
        at = ctx.local(f"{index} - {whole} < 0 ? {index} - {whole} + {self.length} : {index} - {whole}", "r",
                       "int64_t")
        before = ctx.local(f"{at} == 0 ? {self.length - 1} : {at} - 1", "r", "int64_t")
        near = ctx.local(f"{buf}[{at}]", "a")
        return ctx.local(f"{frac} > 0.0 ? {near} + {frac} * ({buf}[{before}] - {near}) : {near}", "y")

    def read_value(self, buf, index, time, snap):
        """numpy reference: the delayed sample, interpolated as the C read is (snap: self.snap(dtype))."""
        d = time * self.scale
        d = (d if d < self.longest else self.longest) if d > self.shortest else float(self.shortest)
        if snap is not None:
            near = float(math.floor(d + 0.5))
            d = near if abs(d - near) <= d * snap else d
        whole = int(d)
        frac = d - whole
        at = index - whole + (self.length if index - whole < 0 else 0)
        near = buf[at]
        return near + frac * (buf[at - 1 if at else self.length - 1] - near) if frac > 0.0 else near

    def advance(self, ctx, index):
        """C: move the write index one slot round the ring."""
        ctx.emit(f"{index} = {index} + 1 == {self.length} ? 0 : {index} + 1;")

    def ring(self, ctx):
        """C: the ring buffer's state slots (samples, write index)."""
        return ctx.state("buffer", 0.0, length=self.length), ctx.state("index", 0, ctype="int64_t")


class Delay(_DelayLine):
    """y[i] = x[i - time] (zeros before the first input): Delay(0.25) is a quarter of a second.
    time from 0 to maximum (fractional samples interpolate linearly); maximum (default: time) sizes
    the buffer, at most 2**22 samples at the graph's rate; both in `unit`: "seconds" (the default)
    or "samples" (Delay(480, unit="samples")); sample_rate in Hz (None: the graph's)."""

    def __init__(self, time: float | Expr = 0.0, maximum: float | None = None, unit: str = "seconds",
                 sample_rate: float | None = None, *, name: str | None = None, freeze: bool = False,
                 smooth: float | None = None) -> None:
        self._line(time, maximum, unit, sample_rate)
        self._setup("delay", {"time": time}, name, freeze, smooth)
        self._key = self._key_of("Delay")

    def emit_scalar(self, ctx, args):
        buf, index = self.ring(ctx)
        ctx.emit(f"{buf}[{index}] = {ctx.to_double(args[0])};")
        y = self.read(ctx, buf, index, ctx.to_double(args[1]))
        self.advance(ctx, index)
        return ctx.from_double(y)

    def evaluate(self, state, x, time):
        buf, index, out, snap = state["buffer"], state["index"], np.empty(len(x)), self.snap(time.dtype)
        for i, (v, t) in enumerate(zip(np.asarray(x, np.float64), np.asarray(time, np.float64))):
            buf[index] = v
            out[i] = self.read_value(buf, index, t, snap)
            index = index + 1 if index + 1 < self.length else 0
        state["index"] = index
        return out

    def __repr__(self):
        return "Delay"


class Comb(_DelayLine):
    """A feedback comb with a one-pole lowpass in its loop (Freeverb's): y = buffer[time back];
    s = (1 - damp)·y + damp·s; buffer ← x + feedback·s. time from 1 to maximum; feedback a linear factor
    (|feedback| < 1 to decay), damp from 0 (no damping) to 1. time from 1 sample to maximum (a
    shorter time reads 1 sample back; the default 0.0253 s is Freeverb's first comb, 1116 samples
    at 44.1 kHz); maximum (default: time) at most 2**22 samples at the graph's rate; both in
    `unit`: "seconds" (the default) or "samples"; sample_rate in Hz (None: the graph's)."""
    shortest = 1

    def __init__(self, time: float | Expr = 0.0253, feedback: float | Expr = 0.84, damp: float | Expr = 0.2,
                 maximum: float | None = None, unit: str = "seconds", sample_rate: float | None = None, *,
                 name: str | None = None, freeze: bool = False, smooth: float | None = None) -> None:
        self._line(time, maximum, unit, sample_rate)
        self._setup("comb", {"time": time, "feedback": feedback, "damp": damp}, name, freeze, smooth)
        self._key = self._key_of("Comb")

    def initial_state(self):
        return {**super().initial_state(), "store": 0.0}

    def emit_scalar(self, ctx, args):
        buf, index = self.ring(ctx)
        store = ctx.state("store")
        time, feedback, damp = (ctx.to_double(a) for a in args[1:])
        y = self.read(ctx, buf, index, time)
        ctx.emit(f"{store} = {ctx.dop('fma', store, damp, ctx.dop('mul', y, ctx.dop('sub', ctx.dconst(1.0), damp)))};")
        ctx.emit(f"{buf}[{index}] = {ctx.dop('fma', store, feedback, ctx.to_double(args[0]))};")
        self.advance(ctx, index)
        return ctx.from_double(y)

    def evaluate(self, state, x, time, feedback, damp):
        buf, index, store, out = state["buffer"], state["index"], state["store"], np.empty(len(x))
        snap = self.snap(time.dtype)
        for i, v in enumerate(np.asarray(x, np.float64)):
            y = self.read_value(buf, index, float(time[i]), snap)
            store = store * float(damp[i]) + y * (1.0 - float(damp[i]))
            buf[index] = store * float(feedback[i]) + v
            out[i] = y
            index = index + 1 if index + 1 < self.length else 0
        state["index"], state["store"] = index, store
        return out

    def __repr__(self):
        return "Comb"


class Allpass(_DelayLine):
    """A Schroeder allpass: w = x + gain·w[-time]; y = w[-time] - gain·w. gain a linear factor
    (|gain| < 1); time from 1 sample to maximum (a shorter time reads 1 sample back; the default
    0.0126 s is Freeverb's first allpass, 556 samples at 44.1 kHz); maximum (default: time) at most
    2**22 samples at the graph's rate; both in `unit`: "seconds" (the default) or "samples";
    sample_rate in Hz (None: the graph's)."""
    shortest = 1

    def __init__(self, time: float | Expr = 0.0126, gain: float | Expr = 0.5, maximum: float | None = None,
                 unit: str = "seconds", sample_rate: float | None = None, *, name: str | None = None,
                 freeze: bool = False, smooth: float | None = None) -> None:
        self._line(time, maximum, unit, sample_rate)
        self._setup("allpass", {"time": time, "gain": gain}, name, freeze, smooth)
        self._key = self._key_of("Allpass")

    def emit_scalar(self, ctx, args):
        buf, index = self.ring(ctx)
        gain = ctx.local(ctx.to_double(args[2]), "g")
        back = self.read(ctx, buf, index, ctx.to_double(args[1]))
        w = ctx.local(ctx.dop("fma", gain, back, ctx.to_double(args[0])), "w")
        ctx.emit(f"{buf}[{index}] = {w};")
        self.advance(ctx, index)
        return ctx.from_double(ctx.dop("sub", back, ctx.dop("mul", gain, w)))

    def evaluate(self, state, x, time, gain):
        buf, index, out, snap = state["buffer"], state["index"], np.empty(len(x)), self.snap(time.dtype)
        for i, v in enumerate(np.asarray(x, np.float64)):
            back = self.read_value(buf, index, float(time[i]), snap)
            w = float(gain[i]) * back + v
            buf[index] = w
            out[i] = back - float(gain[i]) * w
            index = index + 1 if index + 1 < self.length else 0
        state["index"] = index
        return out

    def __repr__(self):
        return "Allpass"


# Freeverb's tunings (samples at 44,100/s), its input gain and its scalings of room size and damping.
COMB_TUNING = (1116, 1188, 1277, 1356, 1422, 1491, 1557, 1617)
ALLPASS_TUNING = (556, 441, 341, 225)
TUNING_RATE = 44100.0
INPUT_GAIN = 0.015


class Reverb:
    """A Freeverb-style mono reverb: eight damped combs in parallel, then four allpasses in series;
    out = wet·reverb + dry·x. Settings room_size and damp in [0, 1] (feedback 0.7 + 0.28·room_size,
    damping 0.4·damp), wet and dry linear gains (any real numbers); its delays follow the graph's
    sample rate."""
    inputs = 1

    @known_keywords
    def __init__(self, room_size: float | Expr = 0.5, damp: float | Expr = 0.5, wet: float | Expr = 0.3,
                 dry: float | Expr = 0.7, *, name: str | None = None, freeze: bool = False,
                 smooth: float | None = None) -> None:
        self.settings = setting_operands("reverb", {"room_size": room_size, "damp": damp, "wet": wet, "dry": dry},
                                         name, freeze, smooth)

    def __call__(self, x: "Expr | float") -> Expr:
        s = self.settings
        feedback, damp = s["room_size"] * 0.28 + 0.7, s["damp"] * 0.4
        combs = [Comb(Expr(Const(t / TUNING_RATE)), feedback, damp, maximum=t / TUNING_RATE)(
            x * INPUT_GAIN) for t in COMB_TUNING]
        y = combs[0]
        for c in combs[1:]:
            y = y + c
        for t in ALLPASS_TUNING:
            y = Allpass(Expr(Const(t / TUNING_RATE)), 0.5, maximum=t / TUNING_RATE, freeze=True)(y)
        return y * s["wet"] + x * s["dry"]
