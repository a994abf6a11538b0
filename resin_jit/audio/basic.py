"""Gains, mixes and shapers: pure math over their settings, so they stay in vector loops."""
import math
from collections.abc import Iterable

import numpy as np

from ..front.functions import clip, cos, sin
from ..front.nodes import Const, Expr
from .base import AudioNode, known_keywords, setting_operands


class Gain(AudioNode):
    """x · gain: gain a linear factor (any real number; 1 passes x unchanged, -1 inverts it; for
    decibels, 10 ** (dB / 20)). Parameter `gain.gain`."""

    def __init__(self, gain: float | Expr = 1.0, *, name: str | None = None, freeze: bool = False,
                 smooth: float | None = None) -> None:
        self._setup("gain", {"gain": gain}, name, freeze, smooth)
        self._key = ("Gain",)

    def emit(self, ctx, args):
        return ctx.op("mul", args[0], args[1])

    def evaluate(self, state, x, gain):
        return x * gain


class Offset(AudioNode):
    """x + offset: offset in the signal's own units (any real number; a DC shift of full scale 1).
    Parameter `offset.offset`."""

    def __init__(self, offset: float | Expr = 0.0, *, name: str | None = None, freeze: bool = False,
                 smooth: float | None = None) -> None:
        self._setup("offset", {"offset": offset}, name, freeze, smooth)
        self._key = ("Offset",)

    def emit(self, ctx, args):
        return ctx.op("add", args[0], args[1])

    def evaluate(self, state, x, offset):
        return x + offset


class Mix(AudioNode):
    """The weighted sum of its inputs: Mix([0.5, 0.25])(a, b); weights linear factors (any real
    numbers), one per input, parameters `mix.weight0`, ..."""

    def __init__(self, weights: "Iterable[float | Expr]", *, name: str | None = None, freeze: bool = False,
                 smooth: float | None = None) -> None:
        weights = list(weights)
        if not weights:
            raise ValueError("Mix needs at least one weight")
        self.inputs = len(weights)
        self._setup("mix", {f"weight{i}": w for i, w in enumerate(weights)}, name, freeze, smooth)
        self._key = ("Mix", self.inputs)

    def emit(self, ctx, args):
        xs, ws = args[:self.inputs], args[self.inputs:]
        total = ctx.op("mul", xs[0], ws[0])
        for x, w in zip(xs[1:], ws[1:]):
            total = ctx.op("add", total, ctx.op("mul", x, w))
        return total

    def evaluate(self, state, *args):
        xs, ws = args[:self.inputs], args[self.inputs:]
        total = xs[0] * ws[0]
        for x, w in zip(xs[1:], ws[1:]):
            total = total + x * w
        return total


class Clip(AudioNode):
    """min(hi, max(lo, x)): lo and hi in the signal's units (lo <= hi; a bound of ±inf is no bound on
    that side). Parameters `clip.lo`, `clip.hi`."""
    infinite = ("lo", "hi")

    def __init__(self, lo: float | Expr = -1.0, hi: float | Expr = 1.0, *, name: str | None = None,
                 freeze: bool = False, smooth: float | None = None) -> None:
        self._setup("clip", {"lo": lo, "hi": hi}, name, freeze, smooth)
        if len(self.values) == 2 and not self.values["lo"] <= self.values["hi"]:
            raise ValueError(f"Clip needs lo <= hi, got {lo}, {hi}")
        self._key = ("Clip",)

    def emit(self, ctx, args):
        return ctx.op("min", args[2], ctx.op("max", args[1], args[0]))  # as rj.clip

    def evaluate(self, state, x, lo, hi):
        return np.minimum(hi, np.maximum(lo, x))


class SoftClip(AudioNode):
    """tanh(drive · x): a smooth saturation to (-1, 1); drive a linear factor (> 0 in use: 1 is gentle,
    10 hard). Parameter `softclip.drive`."""

    def __init__(self, drive: float | Expr = 1.0, *, name: str | None = None, freeze: bool = False,
                 smooth: float | None = None) -> None:
        self._setup("softclip", {"drive": drive}, name, freeze, smooth)
        self._key = ("SoftClip",)

    def emit(self, ctx, args):
        return ctx.op("tanh", ctx.op("mul", args[0], args[1]))

    def evaluate(self, state, x, drive):
        return np.tanh(x * drive)


class Constant(Const):
    """A constant signal: value in the signal's units, any finite number (a source: Constant(0.5)())."""

    @known_keywords
    def __init__(self, value: float | Expr) -> None:
        super().__init__(value)

    def __call__(self) -> Expr:  # type: ignore[override]
        return Expr(self)


class Pan:
    """Equal-power panning of one signal to two: `left, right = Pan(position)(x)`, position from
    -1 (left) to 1 (right), clipped (a fraction of the way from the centre, 0); left = x·cos θ,
    right = x·sin θ with θ = (position + 1)·π/4."""
    inputs = 1

    @known_keywords
    def __init__(self, position: float | Expr = 0.0, *, name: str | None = None, freeze: bool = False,
                 smooth: float | None = None) -> None:
        self.position = setting_operands("pan", {"position": position}, name, freeze, smooth)["position"]

    def __call__(self, x: "Expr | float") -> "tuple[Expr, Expr]":
        theta = (clip(self.position, -1.0, 1.0) + 1.0) * (math.pi / 4)
        return x * cos(theta), x * sin(theta)
