"""Filters: a one-pole lowpass/highpass and the RBJ-cookbook biquads.

Their coefficients are derived values of their settings (AudioNode.derive): constants when the
settings are frozen, computed once per call from parameters when those change, and every sample
(when it changed) from a modulating signal. Out of range values at run time are clamped, so a
sweep past Nyquist saturates instead of blowing up: the normalised frequency to
[W_MIN, π - W_MIN] radians per sample, q to at least Q_MIN.
"""
import math

import numpy as np

from ..front.nodes import Expr
from ..front.node_settings import positive_rate
from .base import TWO_PI, RatedNode, Stateful, check_nyquist, known_keywords
from .formula import fold, reference

W_MIN = 1e-6
Q_MIN = 1e-6
LN10_40 = math.log(10.0) / 40.0   # A = 10^(gain_db/40) = exp(gain_db·ln10/40)


def _positive_frequency(values, what="frequency"):
    value = values.get(what)
    if value is not None and not value > 0:
        raise ValueError(f"{what} must be between 0 and the Nyquist frequency, not {value}")


class OnePole(Stateful, RatedNode):
    """A one-pole filter: lowpass y = (1-a)x + a·y[-1] with a = exp(-2π fc/fs); highpass x - lowpass.
    cutoff fc in Hz (> 0, below the Nyquist rate, sample_rate / 2), mode "lowpass" or "highpass",
    sample_rate fs in Hz (None: the graph's)."""
    label = "onepole"

    def __init__(self, cutoff: float | Expr = 1000.0, sample_rate: float | None = None, mode: str = "lowpass", *,
                 name: str | None = None, freeze: bool = False, smooth: float | None = None) -> None:
        if mode not in ("lowpass", "highpass"):
            raise ValueError(f"mode must be 'lowpass' or 'highpass', not {mode!r}")
        self.mode = mode
        self._setup(self.label, {"cutoff": cutoff}, name, freeze, smooth)
        _positive_frequency(self.values, "cutoff")
        self._set_rate(sample_rate)
        self._key = ("OnePole", mode)

    @classmethod
    @known_keywords
    def lowpass(cls, cutoff: float | Expr = 1000.0, sample_rate: float | None = None, *, name: str | None = None,
                freeze: bool = False, smooth: float | None = None) -> "OnePole":
        """A one-pole lowpass at `cutoff` Hz (6 dB/octave)."""
        return cls(cutoff, sample_rate, "lowpass", name=name, freeze=freeze, smooth=smooth)

    @classmethod
    @known_keywords
    def highpass(cls, cutoff: float | Expr = 1000.0, sample_rate: float | None = None, *, name: str | None = None,
                 freeze: bool = False, smooth: float | None = None) -> "OnePole":
        """A one-pole highpass at `cutoff` Hz: the input minus its lowpass."""
        return cls(cutoff, sample_rate, "highpass", name=name, freeze=freeze, smooth=smooth)

    def check_rate(self, rate):
        check_nyquist("cutoff", self.values.get("cutoff"), rate)

    def formula(self, m, cutoff):
        """(pole, 1 - pole) from the cutoff, w0 clamped inside (0, π)."""
        w = m.minimum(m.maximum(cutoff * (TWO_PI / self.rate), W_MIN), math.pi - W_MIN)
        a = m.exp(-w)
        return a, 1.0 - a

    def initial_state(self):
        return {"y": 0.0}

    def emit(self, ctx, args):
        a, b = self.derive(ctx, args, self.formula)
        x, y = ctx.local(ctx.to_double(args[0]), "x"), ctx.state("y")
        ctx.emit(f"{y} = {ctx.dop('fma', a, y, ctx.dop('mul', b, x))};")
        return ctx.from_double(y if self.mode == "lowpass" else ctx.dop("sub", x, y))

    def evaluate(self, state, x, cutoff):
        a, b = reference(self.formula, cutoff)
        y, out = state["y"], np.empty(len(x), np.float64)
        for i, v in enumerate(np.asarray(x, np.float64)):
            y = a[i] * y + b[i] * v
            out[i] = y if self.mode == "lowpass" else v - y
        state["y"] = y
        return out

    def __repr__(self):
        return f"OnePole.{self.mode}"


# Each RBJ type: (b0, b1, b2, a0, a1, a2) from cos w0, alpha, A and 2·sqrt(A)·alpha (the cookbook's text).
RBJ = {
    "lowpass": lambda cw, al, A, sa: ((1 - cw) * 0.5, 1 - cw, (1 - cw) * 0.5, 1 + al, -2 * cw, 1 - al),
    "highpass": lambda cw, al, A, sa: ((1 + cw) * 0.5, -(1 + cw), (1 + cw) * 0.5, 1 + al, -2 * cw, 1 - al),
    "bandpass": lambda cw, al, A, sa: (al, 0.0, -al, 1 + al, -2 * cw, 1 - al),
    "notch": lambda cw, al, A, sa: (1.0, -2 * cw, 1.0, 1 + al, -2 * cw, 1 - al),
    "peak": lambda cw, al, A, sa: (1 + al * A, -2 * cw, 1 - al * A, 1 + al / A, -2 * cw, 1 - al / A),
    "lowshelf": lambda cw, al, A, sa: (A * ((A + 1) - (A - 1) * cw + sa), 2 * A * ((A - 1) - (A + 1) * cw),
                                       A * ((A + 1) - (A - 1) * cw - sa), (A + 1) + (A - 1) * cw + sa,
                                       -2 * ((A - 1) + (A + 1) * cw), (A + 1) + (A - 1) * cw - sa),
    "highshelf": lambda cw, al, A, sa: (A * ((A + 1) + (A - 1) * cw + sa), -2 * A * ((A - 1) + (A + 1) * cw),
                                        A * ((A + 1) + (A - 1) * cw - sa), (A + 1) - (A - 1) * cw + sa,
                                        2 * ((A - 1) - (A + 1) * cw), (A + 1) - (A - 1) * cw - sa),
}
SHELVING = ("peak", "lowshelf", "highshelf")   # the types with a gain_db


class Biquad(Stateful, RatedNode):
    """A biquad in direct form I, coefficients and state in double: Biquad(b0, b1, b2,
    a1, a2) (a0 = 1, each coefficient a plain number) or an RBJ-cookbook type, Biquad.lowpass(frequency,
    q), ...: frequency in Hz (> 0, below sample_rate / 2), q dimensionless (> 0; 0.7071 is
    Butterworth), gain_db in decibels (peak and shelves), sample_rate in Hz (None: the graph's)."""

    def __init__(self, b0: float | Expr = 1.0, b1: float | Expr = 0.0, b2: float | Expr = 0.0,
                 a1: float | Expr = 0.0, a2: float | Expr = 0.0, *, name: str | None = None, freeze: bool = False,
                 smooth: float | None = None, sample_rate: float | None = None) -> None:
        self._build("custom", {"b0": b0, "b1": b1, "b2": b2, "a1": a1, "a2": a2}, name, freeze, smooth, sample_rate)

    def _build(self, kind, values, name, freeze, smooth, sample_rate):
        """The node of type `kind` ("custom", or a cookbook type) with settings `values`."""
        self.kind = kind
        self._setup("biquad" if kind == "custom" else kind, values, name, freeze, smooth)
        self._check_values()
        self._set_rate(sample_rate)
        self._key = ("Biquad", self.kind)

    @classmethod
    def _cookbook(cls, kind, frequency, q, sample_rate, gain_db, name, freeze, smooth):
        values = {"frequency": frequency, "q": q}
        if kind in SHELVING:
            values["gain_db"] = gain_db
        node = cls.__new__(cls)   # not cls(...): the constructor's signature is the raw coefficients'
        node._build(kind, values, name, freeze, smooth, sample_rate)
        return node

    @classmethod
    @known_keywords
    def lowpass(cls, frequency: float | Expr = 1000.0, q: float | Expr = 0.7071, sample_rate: float | None = None, *,
                name: str | None = None, freeze: bool = False, smooth: float | None = None) -> "Biquad":
        """RBJ cookbook lowpass: -12 dB/octave above `frequency`, resonance `q`.

        >>> import numpy as np
        >>> h = Biquad.lowpass(1000.0, q=0.7071, sample_rate=48000).response([0.0, 1000.0])
        >>> np.round(20 * np.log10(abs(h)), 2)    # dB at DC and at the cutoff
        array([ 0.  , -3.01])
        """
        return cls._cookbook("lowpass", frequency, q, sample_rate, None, name, freeze, smooth)

    @classmethod
    @known_keywords
    def highpass(cls, frequency: float | Expr = 1000.0, q: float | Expr = 0.7071, sample_rate: float | None = None,
                 *, name: str | None = None, freeze: bool = False, smooth: float | None = None) -> "Biquad":
        """RBJ cookbook highpass: -12 dB/octave below `frequency`, resonance `q`."""
        return cls._cookbook("highpass", frequency, q, sample_rate, None, name, freeze, smooth)

    @classmethod
    @known_keywords
    def bandpass(cls, frequency: float | Expr = 1000.0, q: float | Expr = 0.7071, sample_rate: float | None = None,
                 *, name: str | None = None, freeze: bool = False, smooth: float | None = None) -> "Biquad":
        """RBJ cookbook band-pass (constant 0 dB peak gain) around `frequency`, bandwidth from `q`."""
        return cls._cookbook("bandpass", frequency, q, sample_rate, None, name, freeze, smooth)

    @classmethod
    @known_keywords
    def notch(cls, frequency: float | Expr = 1000.0, q: float | Expr = 0.7071, sample_rate: float | None = None, *,
              name: str | None = None, freeze: bool = False, smooth: float | None = None) -> "Biquad":
        """RBJ cookbook notch: removes `frequency`, width from `q`."""
        return cls._cookbook("notch", frequency, q, sample_rate, None, name, freeze, smooth)

    @classmethod
    @known_keywords
    def peak(cls, frequency: float | Expr = 1000.0, q: float | Expr = 0.7071, gain_db: float | Expr = 0.0,
             sample_rate: float | None = None, *, name: str | None = None, freeze: bool = False,
             smooth: float | None = None) -> "Biquad":
        """RBJ cookbook peaking EQ: `gain_db` around `frequency`, width from `q`."""
        return cls._cookbook("peak", frequency, q, sample_rate, gain_db, name, freeze, smooth)

    @classmethod
    @known_keywords
    def lowshelf(cls, frequency: float | Expr = 1000.0, q: float | Expr = 0.7071, gain_db: float | Expr = 0.0,
                 sample_rate: float | None = None, *, name: str | None = None, freeze: bool = False,
                 smooth: float | None = None) -> "Biquad":
        """RBJ cookbook low shelf: `gain_db` below `frequency`, slope from `q`."""
        return cls._cookbook("lowshelf", frequency, q, sample_rate, gain_db, name, freeze, smooth)

    @classmethod
    @known_keywords
    def highshelf(cls, frequency: float | Expr = 1000.0, q: float | Expr = 0.7071, gain_db: float | Expr = 0.0,
                  sample_rate: float | None = None, *, name: str | None = None, freeze: bool = False,
                  smooth: float | None = None) -> "Biquad":
        """RBJ cookbook high shelf: `gain_db` above `frequency`, slope from `q`."""
        return cls._cookbook("highshelf", frequency, q, sample_rate, gain_db, name, freeze, smooth)

    def _check_values(self):
        v = self.values
        if "gain_db" in v and not abs(v["gain_db"]) <= 1000.0:
            raise ValueError(f"gain_db must be a finite number of decibels within ±1000, not {v['gain_db']}")
        _positive_frequency(v)
        if "q" in v and not v["q"] > 0:
            raise ValueError(f"q must be positive, not {v['q']}")

    def check_rate(self, rate):
        check_nyquist("frequency", self.values.get("frequency"), rate)

    def formula(self, m, *settings):
        """(b0, b1, b2, -a1, -a2) normalised by a0, from the settings in their order."""
        if self.kind == "custom":
            b0, b1, b2, a1, a2 = settings
            return b0, b1, b2, -a1, -a2
        frequency, q = settings[:2]
        w0 = m.minimum(m.maximum(frequency * (TWO_PI / self.rate), W_MIN), math.pi - W_MIN)
        half_over_q = 0.5 / m.maximum(q, Q_MIN)   # off the path from the frequency: q is often fixed
        sw, cw = m.sincos(w0)
        alpha = sw * half_over_q
        big_a = sa = 1.0
        if self.kind in SHELVING:
            big_a = m.exp(settings[2] * LN10_40)
            sa = m.exp(settings[2] * (LN10_40 / 2)) * alpha * 2.0
        b0, b1, b2, a0, a1, a2 = RBJ[self.kind](cw, alpha, big_a, sa)
        inv = 1.0 / a0
        minus_inv = -inv
        return b0 * inv, b1 * inv, b2 * inv, a1 * minus_inv, a2 * minus_inv

    @property
    def coefficients(self):
        """(b0, b1, b2, a1, a2) of the settings given as numbers, at the node's rate (else 44100)."""
        if len(self.values) != len(self.settings):
            raise ValueError(f"{self!r} has settings that are expressions: its coefficients change as they do")
        b0, b1, b2, na1, na2 = fold(self.formula, *self.values.values())
        return b0, b1, b2, -na1, -na2

    def response(self, frequencies, sample_rate=None):
        """The complex frequency response H(e^jω) at `frequencies` (Hz) of the settings given as
        numbers, at `sample_rate` (default: the node's, else 44100)."""
        node = self if sample_rate is None else self.at_sample_rate(positive_rate(sample_rate))
        b0, b1, b2, a1, a2 = node.coefficients
        rate = node.rate
        z1 = np.exp(-1j * TWO_PI * np.asarray(frequencies, np.float64) / rate)
        return (b0 + b1 * z1 + b2 * z1 * z1) / (1.0 + a1 * z1 + a2 * z1 * z1)

    def initial_state(self):
        return {"x1": 0.0, "x2": 0.0, "y1": 0.0, "y2": 0.0}

    def emit(self, ctx, args):
        b0, b1, b2, na1, na2 = self.derive(ctx, args, self.formula)
        x1, x2, y1, y2 = (ctx.state(s) for s in ("x1", "x2", "y1", "y2"))
        x = ctx.local(ctx.to_double(args[0]), "x")
        # Direct form I: the terms in the inputs and in y[n-2] do not wait for y[n-1], so one fma
        # a sample is all that stands between one output and the next (TDF-II needs two).
        ahead = ctx.dop("fma", na2, y2, ctx.dop("fma", b2, x2, ctx.dop("fma", b1, x1, ctx.dop("mul", b0, x))))
        y = ctx.local(ctx.dop("fma", na1, y1, ahead), "y")
        ctx.emit(f"{x2} = {x1}; {x1} = {x}; {y2} = {y1}; {y1} = {y};")
        return ctx.from_double(y)

    def evaluate(self, state, x, *settings):
        b0, b1, b2, na1, na2 = (np.broadcast_to(c, (len(x),)) for c in reference(self.formula, *settings))
        x1, x2, y1, y2 = state["x1"], state["x2"], state["y1"], state["y2"]
        out = np.empty(len(x), np.float64)
        for i, v in enumerate(np.asarray(x, np.float64)):
            y = na1[i] * y1 + (na2[i] * y2 + (b2[i] * x2 + (b1[i] * x1 + b0[i] * v)))
            x2, x1, y2, y1 = x1, v, y1, y
            out[i] = y
        state.update(x1=x1, x2=x2, y1=y1, y2=y2)
        return out

    def __repr__(self):
        return f"Biquad.{self.kind}"
