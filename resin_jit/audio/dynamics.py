"""Envelopes, followers, a limiter and meters.

PeakMeter and RMSMeter are meters as running values, one per sample (the last sample of a block
is the reading after it): the block reductions of the graph core were not there to build on.
"""
import math

import numpy as np

from ..front.nodes import Expr, exact, real_number
from .base import RatedNode, Stateful
from .delays import MAX_SAMPLES
from .formula import reference


def _decay(m, seconds, rate):
    """exp(-1/(seconds·rate)): the per-sample factor of an exponential with that time constant (0 for 0 s)."""
    return m.exp(-1.0 / m.maximum(seconds * rate, 1e-300))


def _at_least(values, settings, low, unit):
    """A ValueError naming the first of `settings` given as a number below `low`."""
    for setting in settings:
        if values.get(setting, low) < low:
            raise ValueError(f"{setting} must be at least {low:g} {unit}, not {values[setting]!r}")


MAX_LOOKAHEAD_SECONDS = 1.0   # limiters look ahead a few milliseconds


def _lookahead(seconds, samples):
    """(unit, value) of a Limiter's look-ahead given in seconds or in samples (not both), checked."""
    if seconds is not None and samples is not None:
        raise ValueError(f"give lookahead (seconds) or lookahead_samples (samples), not both: lookahead={seconds!r}, "
                         f"lookahead_samples={samples!r}")
    if samples is not None:
        if isinstance(samples, bool) or not isinstance(samples, (int, np.integer)) or not 0 <= samples <= MAX_SAMPLES:
            raise ValueError(f"lookahead_samples must be an int from 0 to {MAX_SAMPLES} samples, not {samples!r} "
                             f"(for seconds: lookahead=)")
        return "samples", int(samples)
    value = 0.0 if seconds is None else real_number(seconds, "lookahead")
    if not 0 <= value <= MAX_LOOKAHEAD_SECONDS:
        # (a look-ahead of seconds is no limiter's: most likely a count of samples, as it was before)
        raise ValueError(f"lookahead is in seconds, from 0 to {MAX_LOOKAHEAD_SECONDS:g}, not {seconds!r} "
                         f"(a count of samples is lookahead_samples={seconds!r})")
    return "seconds", value


def _max(a, b):
    """simd.h's max: a if a is NaN, else (a > b ? a : b), so NaN if either is (Python's max(a, NaN) is a)."""
    return a if a != a or a > b else b


class Envelope(Stateful, RatedNode):
    """Linear attack/decay/sustain/release on a gate input (a gate is on above 0.5).

    A rising gate restarts the attack from the current level; a falling gate starts the release,
    which falls at full scale per `release` seconds. attack, decay and release in seconds (at least
    one sample each); sustain a linear level in [0, 1] (a parameter or signal is clipped to it);
    sample_rate in Hz (None: the graph's).
    """
    channel_simd = False  # a per-channel stage machine: one channel at a time

    def __init__(self, attack: float | Expr = 0.01, decay: float | Expr = 0.1, sustain: float | Expr = 0.7,
                 release: float | Expr = 0.2, sample_rate: float | None = None, *, name: str | None = None,
                 freeze: bool = False, smooth: float | None = None) -> None:
        values = {"attack": attack, "decay": decay, "sustain": sustain, "release": release}
        self._setup("envelope", values, name, freeze, smooth)
        _at_least(self.values, ("attack", "decay", "release"), 0.0, "seconds")
        if not 0 <= self.values.get("sustain", 0.0) <= 1:
            raise ValueError(f"sustain must be within [0, 1], not {self.values['sustain']!r}")
        self._set_rate(sample_rate)
        self._key = ("Envelope",)

    def formula(self, m, attack, decay, sustain, release):
        """(attack step, decay step, sustain, release step) per sample."""
        level = m.minimum(m.maximum(sustain, 0.0), 1.0)
        return (1.0 / m.maximum(attack * self.rate, 1.0), (1.0 - level) / m.maximum(decay * self.rate, 1.0),
                level, 1.0 / m.maximum(release * self.rate, 1.0))

    def initial_state(self):
        return {"stage": 0, "level": 0.0, "gate": 0.0}

    def emit_scalar(self, ctx, args):
        up, down, sustain, fall = self.derive(ctx, args, self.formula)
        stage, level, gate = ctx.state("stage", 0, ctype="int64_t"), ctx.state("level"), ctx.state("gate")
        g = ctx.local(ctx.to_double(args[0]), "g")
        ctx.emit(f"if ({g} > 0.5 && !({gate} > 0.5)) {stage} = 1; else if (!({g} > 0.5) && {gate} > 0.5) {stage} = 4;")
        ctx.emit(f"{gate} = {g};")
        ctx.emit(f"switch ({stage}) {{"
                 f" case 1: {level} += {up};"
                 f" if ({level} >= 1.0) {{ {level} = 1.0; {stage} = 2; }} break;"
                 f" case 2: {level} -= {down};"
                 f" if ({level} <= {sustain}) {{ {level} = {sustain}; {stage} = 3; }} break;"
                 f" case 3: {level} = {sustain}; break;"
                 f" case 4: {level} -= {fall};"
                 f" if ({level} <= 0.0) {{ {level} = 0.0; {stage} = 0; }} break;"
                 f" default: break; }}")
        return ctx.from_double(level)

    def evaluate(self, state, gate_in, *settings):
        up, down, sustain, fall = (np.broadcast_to(v, (len(gate_in),)) for v in reference(self.formula, *settings))
        stage, level, gate = state["stage"], state["level"], state["gate"]
        out = np.empty(len(gate_in), np.float64)
        for i, g in enumerate(np.asarray(gate_in, np.float64)):
            if g > 0.5 and not gate > 0.5:
                stage = 1
            elif not g > 0.5 and gate > 0.5:
                stage = 4
            gate = g
            if stage == 1:
                level += up[i]
                if level >= 1.0:
                    level, stage = 1.0, 2
            elif stage == 2:
                level -= down[i]
                if level <= sustain[i]:
                    level, stage = sustain[i], 3
            elif stage == 3:
                level = sustain[i]
            elif stage == 4:
                level -= fall[i]
                if level <= 0.0:
                    level, stage = 0.0, 0
            out[i] = level
        state.update(stage=stage, level=level, gate=gate)
        return out

    def __repr__(self):
        return "Envelope"


class EnvelopeFollower(Stateful, RatedNode):
    """The level of a signal: env moves toward |x| exponentially, with time constant `attack` while
    |x| is above it and `release` while below: both in seconds, at least 0 (0 s: at once);
    sample_rate in Hz (None: the graph's)."""

    def __init__(self, attack: float | Expr = 0.001, release: float | Expr = 0.1, sample_rate: float | None = None,
                 *, name: str | None = None, freeze: bool = False, smooth: float | None = None) -> None:
        self._setup("follower", {"attack": attack, "release": release}, name, freeze, smooth)
        _at_least(self.values, ("attack", "release"), 0.0, "seconds")
        self._set_rate(sample_rate)
        self._key = ("EnvelopeFollower",)

    def formula(self, m, attack, release):
        """(rise, fall): one-pole coefficients of the attack and release times."""
        return _decay(m, attack, self.rate), _decay(m, release, self.rate)

    def initial_state(self):
        return {"env": 0.0}

    def emit(self, ctx, args):
        rise, fall = self.derive(ctx, args, self.formula)
        env = ctx.state("env")
        level = ctx.local(ctx.dop("abs", ctx.to_double(args[0])), "level")
        c = ctx.dop("select", ctx.dop("gt", level, env), rise, fall)
        ctx.emit(f"{env} = {ctx.dop('fma', c, ctx.dop('sub', env, level), level)};")
        return ctx.from_double(env)

    def evaluate(self, state, x, attack, release):
        rise, fall = (np.broadcast_to(v, (len(x),)) for v in reference(self.formula, attack, release))
        env, out = state["env"], np.empty(len(x))
        for i, v in enumerate(np.abs(np.asarray(x, np.float64))):
            env = (rise[i] if v > env else fall[i]) * (env - v) + v
            out[i] = env
        state["env"] = env
        return out

    def __repr__(self):
        return "EnvelopeFollower"


class Limiter(Stateful, RatedNode):
    """A peak limiter: y = x[i - n]·threshold / max(threshold, env·c), env a peak follower (at once up
    to |x|, down with time constant `release`), n the look-ahead in samples and c = exp(n/(release·rate)),
    what the release can take off in n samples. So |y| <= threshold always, and with a look-ahead the
    gain falls n samples before a peak arrives. threshold a linear level (> 0; 1 is full scale),
    release in seconds (> 0); lookahead in seconds (>= 0, default 0: none), made whole samples at the
    graph's rate by rounding to the nearest (halves up: n = floor(lookahead·rate + 0.5)), or
    lookahead_samples, the same in samples (an int), not both; lookahead at most 1 s, n at most
    2**22 samples; sample_rate in Hz (None: the graph's). (lookahead was a count of samples before:
    lookahead=48 is refused, naming lookahead_samples=48.)"""

    def __init__(self, threshold: float | Expr = 1.0, release: float | Expr = 0.05, lookahead: float | None = None,
                 sample_rate: float | None = None, *, lookahead_samples: int | None = None, name: str | None = None,
                 freeze: bool = False, smooth: float | None = None) -> None:
        self.unit, self.lookahead = _lookahead(lookahead, lookahead_samples)
        self._setup("limiter", {"threshold": threshold, "release": release}, name, freeze, smooth)
        for setting in ("threshold", "release"):
            if not self.values.get(setting, 1.0) > 0:
                raise ValueError(f"{setting} must be positive, not {self.values[setting]!r}")
        self._set_rate(sample_rate)
        self.check_rate(self.rate)
        token = exact(self.lookahead) if self.unit == "seconds" else self.lookahead
        self._key = ("Limiter", self.unit, token) if self.lookahead else ("Limiter",)

    @property
    def ahead(self):
        """The look-ahead in whole samples at the node's rate."""
        if self.unit == "samples":
            return self.lookahead
        return math.floor(self.lookahead * self.rate + 0.5)

    @property
    def channel_simd(self):   # type: ignore[override]
        """A look-ahead is a ring buffer with an integer index: one channel at a time."""
        return self.ahead == 0

    def check_rate(self, rate):
        """ValueError if the look-ahead in seconds is more than 2**22 samples at `rate`."""
        if self.unit == "seconds" and not self.lookahead * rate < MAX_SAMPLES + 0.5:   # rounds to <= MAX_SAMPLES
            raise ValueError(f"the Limiter's lookahead must be at most {MAX_SAMPLES} samples, not "
                             f"{self.lookahead * rate:g} ({self.lookahead:g} seconds at {rate:g}/s); lookahead is "
                             f"in seconds (lookahead_samples= takes samples)")

    def formula(self, m, release):
        """(fall, reach): the release coefficient and the gain the look-ahead ramp may reach."""
        fall = _decay(m, release, self.rate)
        return fall, m.exp(self.ahead / m.maximum(release * self.rate, 1e-300))

    def initial_state(self):
        state = {"env": 0.0}
        if self.ahead:
            state.update(buffer=np.zeros(self.ahead), index=0)
        return state

    def emit(self, ctx, args):
        fall, reach = self.derive(ctx, args, self.formula, first=2)
        env, x = ctx.state("env"), ctx.local(ctx.to_double(args[0]), "x")
        level = ctx.local(ctx.dop("abs", x), "level")
        ctx.emit(f"{env} = {ctx.dop('select', ctx.dop('gt', level, env), level, ctx.dop('fma', fall, ctx.dop('sub', env, level), level))};")
        threshold = ctx.local(ctx.to_double(args[1]), "thr")
        gain = ctx.dop("div", threshold, ctx.dop("max", threshold, ctx.dop("mul", env, reach)))
        ahead = self.ahead
        if ahead:
            buf, index = ctx.state("buffer", 0.0, length=ahead), ctx.state("index", 0, ctype="int64_t")
            late = ctx.local(f"{buf}[{index}]", "late")
            ctx.emit(f"{buf}[{index}] = {x};")
            ctx.emit(f"{index} = {index} + 1 == {ahead} ? 0 : {index} + 1;")
            x = late
        return ctx.from_double(ctx.dop("mul", x, gain))

    def evaluate(self, state, x, threshold, release):
        fall, reach = (np.broadcast_to(v, (len(x),)) for v in reference(self.formula, release))
        env, out = state["env"], np.empty(len(x))
        buf, index, ahead = state.get("buffer"), state.get("index", 0), self.ahead
        for i, v in enumerate(np.asarray(x, np.float64)):
            level = abs(v)
            env = level if level > env else fall[i] * (env - level) + level
            gain = threshold[i] / _max(threshold[i], env * reach[i])
            if ahead:
                buf[index], v = v, buf[index]
                index = index + 1 if index + 1 < ahead else 0
            out[i] = v * gain
        state["env"] = env
        if ahead:
            state["index"] = index
        return out

    def __repr__(self):
        return "Limiter"


class PeakMeter(Stateful, RatedNode):
    """The running peak: max(|x|, the last peak decayed with time constant `release` seconds, at
    least 0); sample_rate in Hz (None: the graph's)."""

    def __init__(self, release: float | Expr = 0.3, sample_rate: float | None = None, *, name: str | None = None,
                 freeze: bool = False, smooth: float | None = None) -> None:
        self._setup("peakmeter", {"release": release}, name, freeze, smooth)
        _at_least(self.values, ("release",), 0.0, "seconds")
        self._set_rate(sample_rate)
        self._key = ("PeakMeter",)

    def formula(self, m, release):
        """(fall,): the per-sample decay of the held peak."""
        return (_decay(m, release, self.rate),)

    def initial_state(self):
        return {"peak": 0.0}

    def emit(self, ctx, args):
        (fall,) = self.derive(ctx, args, self.formula)
        peak = ctx.state("peak")
        ctx.emit(f"{peak} = {ctx.dop('max', ctx.dop('abs', ctx.to_double(args[0])), ctx.dop('mul', peak, fall))};")
        return ctx.from_double(peak)

    def evaluate(self, state, x, release):
        (fall,) = (np.broadcast_to(v, (len(x),)) for v in reference(self.formula, release))
        peak, out = state["peak"], np.empty(len(x))
        for i, v in enumerate(np.abs(np.asarray(x, np.float64))):
            decayed = peak * fall[i]
            peak = v if v != v else (v if v > decayed else decayed)   # NaN first, as simd.h's max
            out[i] = peak
        state["peak"] = peak
        return out

    def __repr__(self):
        return "PeakMeter"


class RMSMeter(Stateful, RatedNode):
    """The running RMS level: sqrt of the mean square over an exponential window of `time` seconds
    (at least 0); sample_rate in Hz (None: the graph's)."""

    def __init__(self, time: float | Expr = 0.3, sample_rate: float | None = None, *, name: str | None = None,
                 freeze: bool = False, smooth: float | None = None) -> None:
        self._setup("rms", {"time": time}, name, freeze, smooth)
        _at_least(self.values, ("time",), 0.0, "seconds")
        self._set_rate(sample_rate)
        self._key = ("RMSMeter",)

    def formula(self, m, time):
        """(k,): the one-pole coefficient of the averaging time."""
        return (1.0 - _decay(m, time, self.rate),)

    def initial_state(self):
        return {"ms": 0.0}

    def emit(self, ctx, args):
        (k,) = self.derive(ctx, args, self.formula)
        ms, x = ctx.state("ms"), ctx.local(ctx.to_double(args[0]), "x")
        ctx.emit(f"{ms} = {ctx.dop('fma', k, ctx.dop('sub', ctx.dop('mul', x, x), ms), ms)};")
        return ctx.from_double(ctx.dop("sqrt", ms))

    def evaluate(self, state, x, time):
        (k,) = (np.broadcast_to(v, (len(x),)) for v in reference(self.formula, time))
        ms, out = state["ms"], np.empty(len(x))
        for i, v in enumerate(np.asarray(x, np.float64)):
            ms = k[i] * (v * v - ms) + ms
            out[i] = math.sqrt(ms) if ms >= 0 else math.nan
        state["ms"] = ms
        return out

    def __repr__(self):
        return "RMSMeter"
