"""The audio node library: gains and mixes, oscillators, noise, filters, a delay and an envelope.

A node instance is applied to input expressions by calling it; sources take none:

    osc = audio.SineOsc(440.0, sample_rate=44100.0)()
    y = audio.Biquad.lowpass(1000.0, q=0.7071, sample_rate=44100.0)(osc)

Stateful nodes keep their state in double precision. Those marked `channel_simd` run several
channels at once, one per SIMD lane; `evaluate` is each node's numpy/Python implementation
(the numpy backend).
"""
import math

import numpy as np

from .nodes import Affine, Const, Expr, JitCategory, Node, as_expr, exact, real_number

TWO_PI = 2.0 * math.pi


class Gain(Node):
    def __init__(self, gain):
        self.gain = real_number(gain, "gain")
        self._key = ("Gain", exact(self.gain))

    def emit(self, ctx, args):
        return ctx.op("mul", args[0], ctx.const(self.gain))

    def evaluate(self, state, x):
        return x * x.dtype.type(self.gain)


class Offset(Node):
    def __init__(self, offset):
        self.offset = real_number(offset, "offset")
        self._key = ("Offset", exact(self.offset))

    def emit(self, ctx, args):
        return ctx.op("add", args[0], ctx.const(self.offset))

    def evaluate(self, state, x):
        return x + x.dtype.type(self.offset)


class Mix(Node):
    """The weighted sum of its inputs: Mix([0.5, 0.25])(a, b)."""

    def __init__(self, weights):
        self.weights = [real_number(w, "a weight") for w in weights]
        if not self.weights:
            raise ValueError("Mix needs at least one weight")
        self.arity = len(self.weights)
        self._key = ("Mix",) + tuple(exact(w) for w in self.weights)

    def emit(self, ctx, args):
        total = ctx.op("mul", args[0], ctx.const(self.weights[0]))
        for x, w in zip(args[1:], self.weights[1:]):
            total = ctx.op("add", total, ctx.op("mul", x, ctx.const(w)))
        return total

    def evaluate(self, state, *xs):
        t = xs[0].dtype.type
        total = xs[0] * t(self.weights[0])
        for x, w in zip(xs[1:], self.weights[1:]):
            total = total + x * t(w)
        return total


class Clip(Node):
    def __init__(self, lo=-1.0, hi=1.0):
        self.lo, self.hi = real_number(lo, "lo"), real_number(hi, "hi")
        if not self.lo <= self.hi:
            raise ValueError(f"Clip needs lo <= hi, got {lo}, {hi}")
        self._key = ("Clip", exact(self.lo), exact(self.hi))

    def emit(self, ctx, args):
        return ctx.op("min", ctx.const(self.hi), ctx.op("max", ctx.const(self.lo), args[0]))  # as rj.clip

    def evaluate(self, state, x):
        t = x.dtype.type
        return np.minimum(t(self.hi), np.maximum(t(self.lo), x))


class SoftClip(Node):
    """tanh(drive * x): a smooth saturation."""

    def __init__(self, drive=1.0):
        self.drive = real_number(drive, "drive")
        self._key = ("SoftClip", exact(self.drive))

    def emit(self, ctx, args):
        return ctx.op("tanh", ctx.op("mul", args[0], ctx.const(self.drive)))

    def evaluate(self, state, x):
        return np.tanh(x * x.dtype.type(self.drive))


class Constant(Const):
    """A constant signal (a source: Constant(0.5)())."""

    def __call__(self):
        return Expr(self)


class _Stateful(Node):
    category = JitCategory.STATEFUL
    channel_simd = True
    needs_arrays = True


class _Oscillator(_Stateful):
    """Phase in [0, 1) kept in double precision; frequency a constant or an input expression (FM)."""

    def __init__(self, frequency, sample_rate=44100.0, phase=0.0):
        self.sample_rate = real_number(sample_rate, "sample_rate")
        if not self.sample_rate > 0:
            raise ValueError(f"sample_rate must be positive, not {sample_rate}")
        self.phase = real_number(phase, "phase") % 1.0
        self.frequency = as_expr(frequency) if isinstance(frequency, Expr) else real_number(frequency, "frequency")
        self.arity = 1 if isinstance(self.frequency, Expr) else 0
        fkey = "input" if self.arity else exact(self.frequency)
        self._key = (type(self).__name__, fkey, exact(self.sample_rate), exact(self.phase))

    def __call__(self):
        return Expr(self, (self.frequency,) if self.arity else ())

    def initial_state(self):
        return {"phase": self.phase}

    def emit(self, ctx, args):
        phase = ctx.state("phase", self.phase)
        out = ctx.local(self.wave(ctx, phase), "osc")
        step = (ctx.dop("mul", ctx.to_double(args[0]), ctx.dconst(1.0 / self.sample_rate)) if self.arity
                else ctx.dconst(self.frequency / self.sample_rate))
        ctx.emit(f"{phase} = {ctx.dop('add', phase, step)};")
        ctx.emit(f"{phase} = {ctx.dop('sub', phase, ctx.dop('floor', phase))};")
        return ctx.from_double(out)

    def evaluate(self, state, freq):
        return self._run(state, np.asarray(freq, np.float64) * (1.0 / self.sample_rate), len(freq))

    def evaluate_source(self, state, n):
        return self._run(state, None, n)

    def _run(self, state, steps, n):
        phase, out = state["phase"], []
        for i in range(n):
            out.append(self.wave_value(phase))
            phase = phase + (steps[i] if steps is not None else self.frequency / self.sample_rate)
            phase = phase - math.floor(phase)
        state["phase"] = phase
        return np.array(out, np.float64)


class SineOsc(_Oscillator):
    def wave(self, ctx, phase):
        return ctx.dop("sin", ctx.dop("mul", phase, ctx.dconst(TWO_PI)))

    def wave_value(self, phase):
        return math.sin(phase * TWO_PI)


class SawOsc(_Oscillator):
    """A naive (not band-limited) sawtooth from -1 to 1."""

    def wave(self, ctx, phase):
        return ctx.dop("fma", phase, ctx.dconst(2.0), ctx.dconst(-1.0))

    def wave_value(self, phase):
        return phase * 2.0 - 1.0


class SquareOsc(_Oscillator):
    """A naive square wave: 1 for the first `duty` of each period, else -1."""

    def __init__(self, frequency, sample_rate=44100.0, phase=0.0, duty=0.5):
        super().__init__(frequency, sample_rate, phase)
        self.duty = real_number(duty, "duty")
        self._key += (exact(self.duty),)

    def wave(self, ctx, phase):
        return ctx.dop("select", ctx.dop("lt", phase, ctx.dconst(self.duty)), ctx.dconst(1.0), ctx.dconst(-1.0))

    def wave_value(self, phase):
        return 1.0 if phase < self.duty else -1.0


MASK64 = (1 << 64) - 1


class Noise(_Stateful):
    """White noise in [-amplitude, amplitude), seeded and deterministic (xorshift64*)."""
    channel_simd = False  # 64-bit integer state: one channel at a time

    def __init__(self, seed=1, amplitude=1.0):
        if isinstance(seed, bool) or not isinstance(seed, int):
            raise TypeError(f"seed must be an int, not {type(seed).__name__}")
        self.seed = (seed & MASK64) or 0x9E3779B97F4A7C15  # xorshift must not start at zero
        self.amplitude = real_number(amplitude, "amplitude")
        self.arity = 0
        self._key = ("Noise", str(self.seed), exact(self.amplitude))

    def __call__(self):
        return Expr(self)

    def initial_state(self):
        return {"rng": self.seed}

    def emit_scalar(self, ctx, args):
        s = ctx.state("rng", self.seed, ctype="uint64_t")
        ctx.emit(f"{s} ^= {s} >> 12; {s} ^= {s} << 25; {s} ^= {s} >> 27;")
        unit = ctx.local(f"(double)(({s} * 0x2545F4914F6CDD1DULL) >> 11) * 0x1.0p-53", "u")
        return ctx.from_double(ctx.dop("mul", ctx.dop("fma", unit, ctx.dconst(2.0), ctx.dconst(-1.0)),
                                       ctx.dconst(self.amplitude)))

    def evaluate_source(self, state, n):
        s, out = state["rng"], np.empty(n, np.float64)
        for i in range(n):
            s ^= s >> 12
            s = (s ^ (s << 25)) & MASK64
            s ^= s >> 27
            out[i] = (((s * 0x2545F4914F6CDD1D) & MASK64) >> 11) * 2.0 ** -53 * 2.0 - 1.0
        state["rng"] = s
        return out * self.amplitude


class OnePole(_Stateful):
    """A one-pole filter: lowpass y = (1-a)x + a*y[-1] with a = exp(-2π fc/fs); highpass x - lowpass."""

    def __init__(self, cutoff, sample_rate=44100.0, mode="lowpass"):
        cutoff, sample_rate = real_number(cutoff, "cutoff"), real_number(sample_rate, "sample_rate")
        if mode not in ("lowpass", "highpass"):
            raise ValueError(f"mode must be 'lowpass' or 'highpass', not {mode!r}")
        if not 0 < cutoff < sample_rate / 2:
            raise ValueError(f"cutoff must be between 0 and the Nyquist frequency, not {cutoff}")
        self.mode, self.a = mode, math.exp(-TWO_PI * cutoff / sample_rate)
        self._key = ("OnePole", mode, exact(self.a))

    @classmethod
    def lowpass(cls, cutoff, sample_rate=44100.0):
        return cls(cutoff, sample_rate, "lowpass")

    @classmethod
    def highpass(cls, cutoff, sample_rate=44100.0):
        return cls(cutoff, sample_rate, "highpass")

    def initial_state(self):
        return {"y": 0.0}

    def emit(self, ctx, args):
        x, y = ctx.to_double(args[0]), ctx.state("y")
        ctx.emit(f"{y} = {ctx.dop('fma', ctx.dconst(self.a), y, ctx.dop('mul', ctx.dconst(1.0 - self.a), x))};")
        return ctx.from_double(y if self.mode == "lowpass" else ctx.dop("sub", x, y))

    def evaluate(self, state, x):
        y, out = state["y"], np.empty(len(x), np.float64)
        for i, v in enumerate(np.asarray(x, np.float64)):
            y = self.a * y + (1.0 - self.a) * v
            out[i] = y if self.mode == "lowpass" else v - y
        state["y"] = y
        return out


class Biquad(_Stateful):
    """An RBJ-cookbook biquad in transposed direct form II, coefficients and state in double."""

    def __init__(self, b0, b1, b2, a1, a2, kind="custom"):
        self.coefficients = tuple(real_number(c, "a coefficient") for c in (b0, b1, b2, a1, a2))
        self.kind = kind
        self._key = ("Biquad",) + tuple(exact(c) for c in self.coefficients)

    @classmethod
    def _cookbook(cls, kind, frequency, q, sample_rate, gain_db=0.0):
        frequency, q = real_number(frequency, "frequency"), real_number(q, "q")
        sample_rate, gain_db = real_number(sample_rate, "sample_rate"), real_number(gain_db, "gain_db")
        if not abs(gain_db) <= 1000.0:
            raise ValueError(f"gain_db must be a finite number of decibels within ±1000, not {gain_db}")
        if not 0 < frequency < sample_rate / 2:
            raise ValueError(f"frequency must be between 0 and the Nyquist frequency, not {frequency}")
        if not q > 0:
            raise ValueError(f"q must be positive, not {q}")
        w0 = TWO_PI * frequency / sample_rate
        cw, alpha, big_a = math.cos(w0), math.sin(w0) / (2.0 * q), 10.0 ** (gain_db / 40.0)
        sa = 2.0 * math.sqrt(big_a) * alpha
        table = {
            "lowpass": ((1 - cw) / 2, 1 - cw, (1 - cw) / 2, 1 + alpha, -2 * cw, 1 - alpha),
            "highpass": ((1 + cw) / 2, -(1 + cw), (1 + cw) / 2, 1 + alpha, -2 * cw, 1 - alpha),
            "bandpass": (alpha, 0.0, -alpha, 1 + alpha, -2 * cw, 1 - alpha),
            "notch": (1.0, -2 * cw, 1.0, 1 + alpha, -2 * cw, 1 - alpha),
            "peak": (1 + alpha * big_a, -2 * cw, 1 - alpha * big_a, 1 + alpha / big_a, -2 * cw, 1 - alpha / big_a),
            "lowshelf": (big_a * ((big_a + 1) - (big_a - 1) * cw + sa), 2 * big_a * ((big_a - 1) - (big_a + 1) * cw),
                         big_a * ((big_a + 1) - (big_a - 1) * cw - sa), (big_a + 1) + (big_a - 1) * cw + sa,
                         -2 * ((big_a - 1) + (big_a + 1) * cw), (big_a + 1) + (big_a - 1) * cw - sa),
            "highshelf": (big_a * ((big_a + 1) + (big_a - 1) * cw + sa), -2 * big_a * ((big_a - 1) + (big_a + 1) * cw),
                          big_a * ((big_a + 1) + (big_a - 1) * cw - sa), (big_a + 1) - (big_a - 1) * cw + sa,
                          2 * ((big_a - 1) - (big_a + 1) * cw), (big_a + 1) - (big_a - 1) * cw - sa),
        }
        b0, b1, b2, a0, a1, a2 = table[kind]
        return cls(b0 / a0, b1 / a0, b2 / a0, a1 / a0, a2 / a0, kind)

    @classmethod
    def lowpass(cls, frequency, q=0.7071, sample_rate=44100.0):
        return cls._cookbook("lowpass", frequency, q, sample_rate)

    @classmethod
    def highpass(cls, frequency, q=0.7071, sample_rate=44100.0):
        return cls._cookbook("highpass", frequency, q, sample_rate)

    @classmethod
    def bandpass(cls, frequency, q=0.7071, sample_rate=44100.0):
        return cls._cookbook("bandpass", frequency, q, sample_rate)

    @classmethod
    def notch(cls, frequency, q=0.7071, sample_rate=44100.0):
        return cls._cookbook("notch", frequency, q, sample_rate)

    @classmethod
    def peak(cls, frequency, q=0.7071, gain_db=0.0, sample_rate=44100.0):
        return cls._cookbook("peak", frequency, q, sample_rate, gain_db)

    @classmethod
    def lowshelf(cls, frequency, q=0.7071, gain_db=0.0, sample_rate=44100.0):
        return cls._cookbook("lowshelf", frequency, q, sample_rate, gain_db)

    @classmethod
    def highshelf(cls, frequency, q=0.7071, gain_db=0.0, sample_rate=44100.0):
        return cls._cookbook("highshelf", frequency, q, sample_rate, gain_db)

    def initial_state(self):
        return {"z1": 0.0, "z2": 0.0}

    def emit(self, ctx, args):
        b0, b1, b2, a1, a2 = self.coefficients
        x, z1, z2 = ctx.to_double(args[0]), ctx.state("z1"), ctx.state("z2")
        x = ctx.local(x, "x")
        y = ctx.local(ctx.dop("fma", ctx.dconst(b0), x, z1), "y")
        # The terms in x and the old z2 do not wait for y: only one fma per state stands between
        # one output and the next (8 cycles of latency a sample rather than 12).
        ahead = ctx.local(ctx.dop("fma", ctx.dconst(b1), x, z2), "t")
        ctx.emit(f"{z1} = {ctx.dop('fma', ctx.dconst(-a1), y, ahead)};")
        ctx.emit(f"{z2} = {ctx.dop('fma', ctx.dconst(-a2), y, ctx.dop('mul', ctx.dconst(b2), x))};")
        return ctx.from_double(y)

    def evaluate(self, state, x):
        b0, b1, b2, a1, a2 = self.coefficients
        z1, z2, out = state["z1"], state["z2"], np.empty(len(x), np.float64)
        for i, v in enumerate(np.asarray(x, np.float64)):
            y = b0 * v + z1
            z1 = -a1 * y + (b1 * v + z2)
            z2 = -a2 * y + b2 * v
            out[i] = y
        state["z1"], state["z2"] = z1, z2
        return out

    def __repr__(self):
        return f"Biquad.{self.kind}"


class Delay(_Stateful):
    """y[i] = x[i - samples], from a ring buffer in the state (zeros before the first input)."""
    channel_simd = False  # the ring buffer index is integer state: one channel at a time

    def __init__(self, samples):
        if isinstance(samples, bool) or not isinstance(samples, (int, np.integer)) or not 0 <= samples <= 1 << 22:
            raise ValueError(f"samples must be an int from 0 to {1 << 22}, not {samples!r}")
        self.samples = int(samples)
        self._key = ("Delay", self.samples)

    def initial_state(self):
        return {"buffer": np.zeros(self.samples), "index": 0}

    def emit_scalar(self, ctx, args):
        if self.samples == 0:
            return args[0]
        buf = ctx.state("buffer", 0.0, length=self.samples)
        idx = ctx.state("index", 0, ctype="int64_t")
        y = ctx.local(f"{buf}[{idx}]", "d")
        ctx.emit(f"{buf}[{idx}] = {ctx.to_double(args[0])};")
        ctx.emit(f"{idx} = {idx} + 1 == {self.samples} ? 0 : {idx} + 1;")
        return ctx.from_double(y)

    def evaluate(self, state, x):
        if self.samples == 0:
            return np.asarray(x, np.float64)
        buf, idx, out = state["buffer"], state["index"], np.empty(len(x), np.float64)
        for i, v in enumerate(np.asarray(x, np.float64)):
            out[i], buf[idx] = buf[idx], v
            idx = 0 if idx + 1 == self.samples else idx + 1
        state["index"] = idx
        return out


class Envelope(_Stateful):
    """Linear attack/decay/sustain/release on a gate input (a gate is on above 0.5).

    A rising gate restarts the attack from the current level; a falling gate starts the release,
    which falls at full scale per `release` seconds. Times in seconds; at least one sample each.
    """
    channel_simd = False  # a per-channel stage machine: one channel at a time

    def __init__(self, attack=0.01, decay=0.1, sustain=0.7, release=0.2, sample_rate=44100.0):
        attack, decay = real_number(attack, "attack"), real_number(decay, "decay")
        release = real_number(release, "release")
        self.sustain, sample_rate = real_number(sustain, "sustain"), real_number(sample_rate, "sample_rate")
        if min(attack, decay, release) < 0 or not 0 <= self.sustain <= 1 or not sample_rate > 0:
            raise ValueError("times must be >= 0, sustain within [0, 1] and sample_rate > 0")
        self.attack_step = 1.0 / max(attack * sample_rate, 1.0)
        self.decay_step = (1.0 - self.sustain) / max(decay * sample_rate, 1.0)
        self.release_step = 1.0 / max(release * sample_rate, 1.0)
        self._key = ("Envelope",) + tuple(exact(v) for v in (self.attack_step, self.decay_step, self.sustain,
                                                             self.release_step))

    def initial_state(self):
        return {"stage": 0, "level": 0.0, "gate": 0.0}

    def emit_scalar(self, ctx, args):
        stage, level, gate = ctx.state("stage", 0, ctype="int64_t"), ctx.state("level"), ctx.state("gate")
        g = ctx.local(ctx.to_double(args[0]), "g")
        sustain = ctx.dconst(self.sustain)
        ctx.emit(f"if ({g} > 0.5 && !({gate} > 0.5)) {stage} = 1; else if (!({g} > 0.5) && {gate} > 0.5) {stage} = 4;")
        ctx.emit(f"{gate} = {g};")
        ctx.emit(f"switch ({stage}) {{"
                 f" case 1: {level} += {ctx.dconst(self.attack_step)};"
                 f" if ({level} >= 1.0) {{ {level} = 1.0; {stage} = 2; }} break;"
                 f" case 2: {level} -= {ctx.dconst(self.decay_step)};"
                 f" if ({level} <= {sustain}) {{ {level} = {sustain}; {stage} = 3; }} break;"
                 f" case 3: {level} = {sustain}; break;"
                 f" case 4: {level} -= {ctx.dconst(self.release_step)};"
                 f" if ({level} <= 0.0) {{ {level} = 0.0; {stage} = 0; }} break;"
                 f" default: break; }}")
        return ctx.from_double(level)

    def evaluate(self, state, gate_in):
        stage, level, gate = state["stage"], state["level"], state["gate"]
        out = np.empty(len(gate_in), np.float64)
        for i, g in enumerate(np.asarray(gate_in, np.float64)):
            if g > 0.5 and not gate > 0.5:
                stage = 1
            elif not g > 0.5 and gate > 0.5:
                stage = 4
            gate = g
            if stage == 1:
                level += self.attack_step
                if level >= 1.0:
                    level, stage = 1.0, 2
            elif stage == 2:
                level -= self.decay_step
                if level <= self.sustain:
                    level, stage = self.sustain, 3
            elif stage == 3:
                level = self.sustain
            elif stage == 4:
                level -= self.release_step
                if level <= 0.0:
                    level, stage = 0.0, 0
            out[i] = level
        state.update(stage=stage, level=level, gate=gate)
        return out


# Every audio node by name, with the callable that makes it: the one way a name from outside (a warm
# manifest) becomes a node. Nothing is looked up by attribute.
NODES = {
    "Gain": Gain, "Offset": Offset, "Affine": Affine, "Mix": Mix, "Clip": Clip, "SoftClip": SoftClip,
    "Constant": Constant, "SineOsc": SineOsc, "SawOsc": SawOsc, "SquareOsc": SquareOsc, "Noise": Noise,
    "OnePole": OnePole, "OnePole.lowpass": OnePole.lowpass, "OnePole.highpass": OnePole.highpass,
    "Biquad": Biquad, "Biquad.lowpass": Biquad.lowpass, "Biquad.highpass": Biquad.highpass,
    "Biquad.bandpass": Biquad.bandpass, "Biquad.notch": Biquad.notch, "Biquad.peak": Biquad.peak,
    "Biquad.lowshelf": Biquad.lowshelf, "Biquad.highshelf": Biquad.highshelf,
    "Delay": Delay, "Envelope": Envelope,
}
