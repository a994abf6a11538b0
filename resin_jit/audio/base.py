"""What every audio node shares: settings as operands, one sample rate, derived values.

A node's settings are inputs of the node after its signal inputs. Each is what the user gave: a
number becomes a runtime parameter named after the node (settings.Setting; `name=` names it, and
`smooth=` seconds ramps it through `Smooth`), or a constant with `freeze=True`; an expression
(`rj.param(...)`, or a signal) is used as it is. The key holds only what shapes the code, so one
compiled kernel serves every value.

A number given at construction must be finite (NaN or ±inf as a frequency or a time is a mistake,
not a setting; a node that gives ±inf a meaning, as Clip's open bounds, says so). What a
parameter or a signal carries at run time is not checked: every node computes the same from it,
NaN and ±inf included, on the native and the numpy backend. Every constructor refuses a keyword
it does not know, naming those it does (known_keywords).
"""
import copy
import functools
import inspect
import math
from typing import Any, Callable, TypeVar

import numpy as np

from ..front.errors import JitError
from ..front.nodes import Const, Expr, Node, Param, exact, real_number
from ..front.protocols import JitCategory
from ..front.node_settings import DEFAULT_SAMPLE_RATE, Setting, new_owner, positive_rate
from .formula import CMath, CValue, c_values, fold

TWO_PI = 2.0 * math.pi
_F = TypeVar("_F", bound=Callable[..., Any])


def known_keywords(function: _F) -> _F:
    """`function` (a constructor or factory), refusing a keyword it does not take with a TypeError
    that names the ones it does: SineOsc(frequncy=220.0) is a mistake to report, not a setting."""
    parameters = inspect.signature(function).parameters
    takes = {n for n, p in parameters.items() if p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)} - {"self", "cls"}
    public = ", ".join(n for n in parameters if n in takes and not n.startswith("_"))

    @functools.wraps(function)
    def checked(*args, **kwargs):
        unknown = [k for k in kwargs if k not in takes]
        if unknown:
            owner = args[0] if args else None
            what = type(owner).__name__ if function.__name__ == "__init__" else \
                f"{getattr(owner, '__name__', '')}.{function.__name__}".lstrip(".")
            raise TypeError(f"{what}() got unexpected keyword argument(s) {', '.join(map(repr, unknown))}; "
                            f"it takes: {public or 'none'}")
        return function(*args, **kwargs)
    checked.keywords_checked = True  # type: ignore[attr-defined]
    return checked  # type: ignore[return-value]


def setting_number(value, what, infinite=False):
    """A setting given as a number, as a float: finite (or ±inf where `infinite`), else a ValueError
    naming it (a TypeError for what is no real number)."""
    number = real_number(value, what)
    if math.isnan(number) or (math.isinf(number) and not infinite):
        raise ValueError(f"{what} must be a finite number, not {number!r}")
    return number


def setting_operands(label, values, name=None, freeze=False, smooth=None, infinite=()):
    """{setting: expression} for {setting: number or expression} (see the module's docstring);
    the settings named in `infinite` may be ±inf."""
    if name is not None and (not isinstance(name, str) or not name):
        raise TypeError(f"name must be a non-empty str, not {name!r}")
    if not isinstance(freeze, bool):
        raise TypeError(f"freeze must be True or False, not {freeze!r}")
    if smooth is not None:
        smooth = Smooth(smooth)
    owner, operands = new_owner(), {}
    for setting, value in values.items():
        if isinstance(value, Expr):
            operands[setting] = value
            continue
        number = setting_number(value, f"{name or label}.{setting}", setting in infinite)
        if freeze:
            operands[setting] = Expr(Const(number))
            continue
        operand = Expr(Setting(name or label, setting, number, owner, fixed=name is not None))
        operands[setting] = smooth(operand) if smooth is not None else operand
    return operands


def numbers(values):
    """The settings given as numbers (checked by real_number), for range checks."""
    return {k: real_number(v, k) for k, v in values.items() if not isinstance(v, Expr)}


class AudioNode(Node):
    """A node with settings (see the module's docstring): `inputs` signal inputs, then one operand
    per setting. Subclasses call `_setup(label, settings, name, freeze, smooth)`; the settings
    named in `infinite` may be ±inf. Every subclass's constructor checks its keywords."""
    inputs = 1
    infinite = ()

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        init = cls.__dict__.get("__init__")
        if init is not None and not getattr(init, "keywords_checked", False):
            cls.__init__ = known_keywords(init)

    def _setup(self, label, values, name=None, freeze=False, smooth=None):
        self.operands = tuple(setting_operands(label, values, name, freeze, smooth, self.infinite).values())
        self.settings = tuple(values)
        self.values = numbers(values)
        self.arity = self.inputs + len(self.operands)

    def __call__(self, *signals: "Expr | float") -> Expr:
        if len(signals) != self.inputs:
            raise JitError(f"{self!r} takes {self.inputs} input(s), got {len(signals)}")
        return Expr(self, signals + self.operands)

    def derive(self, ctx, args, formula, first=None):
        """The values formula(m, *settings) of the setting operands args[first:] (default: all the
        settings) as C names: folded to constants when every operand is one, else a derived
        parameter (JitContext.derived), checked once per call when they are all parameters or
        constants, every sample otherwise."""
        first = self.inputs if first is None else first
        operands = [ctx.operand(k) for k in range(first, len(args))]
        if all(isinstance(n, Const) for n in operands):
            rounded = [float(np.dtype(ctx.dtype).type(n.value)) for n in operands]  # as the C reads it
            return [ctx.dconst(v) for v in fold(formula, *rounded)]
        per_sample = not all(isinstance(n, (Const, Param)) for n in operands)
        # a parameter by its own C expression: the graph's name for it is a local of the loop body
        inputs = [ctx.to_double(ctx.param(n.name) if isinstance(n, Param) else a) for n, a in zip(operands, args[first:])]
        cmath = CMath(ctx)
        return ctx.derived(inputs, lambda ins: c_values(ctx, formula(cmath, *[CValue(ctx, i) for i in ins])),
                           per_sample)

    def __repr__(self):
        return f"{type(self).__name__}"


class RatedNode(AudioNode):
    """A node that depends on the sample rate: `sample_rate` None takes the graph's."""

    def _set_rate(self, sample_rate):
        self.sample_rate = None if sample_rate is None else positive_rate(sample_rate)
        if self.sample_rate is not None:
            self.check_rate(self.sample_rate)

    @property
    def rate(self):
        """The sample rate the node computes at: its own, or the graph's once compiled (else 44100)."""
        return self.sample_rate or DEFAULT_SAMPLE_RATE

    def at_sample_rate(self, rate):
        """This node at the graph's rate (canonicalize binds every rate-dependent node)."""
        if rate == self.sample_rate:
            return self
        self.check_rate(rate)
        bound = copy.copy(self)
        bound.sample_rate = rate
        return bound

    def check_rate(self, rate):
        """Raise ValueError if a numeric setting does not fit `rate` (e.g. above Nyquist)."""


class Stateful(AudioNode):
    category = JitCategory.STATEFUL
    channel_simd = True
    needs_arrays = True


def check_nyquist(what, value, rate):
    if value is not None and not value < rate / 2:
        raise ValueError(f"{what} must be between 0 and the Nyquist frequency ({rate / 2:g} Hz at "
                         f"{rate:g} samples/s), not {value}")


class Smooth(Stateful, RatedNode):
    """A one-pole ramp toward its input, for stepped parameters (a fader without zipper noise):
    y += (x - y)·k per sample, k = 1 - exp(-1/(time·rate)), so a step is 63% done after `time`
    seconds and no sample moves by more than k times the step. It starts at its first input and
    lands exactly on a steady input once within 1e-9 of it (relative). time in seconds (> 0),
    sample_rate in Hz (None: the graph's)."""
    SNAP = 1e-9

    def __init__(self, time: float, sample_rate: float | None = None) -> None:
        self.time = real_number(time, "smooth")
        if not 0 < self.time < float("inf"):
            raise ValueError(f"smooth time must be a positive number of seconds, not {time!r}")
        self._set_rate(sample_rate)
        self.arity = 1
        self._key = ("Smooth", exact(self.time))

    def __call__(self, x: "Expr | float") -> Expr:  # type: ignore[override]
        return Expr(self, (x,))

    @property
    def k(self):
        """The one-pole coefficient: the fraction of a step covered each sample."""
        return -math.expm1(-1.0 / (self.time * self.rate))

    def initial_state(self):
        return {"y": math.nan}

    def emit(self, ctx, args):
        x, y = ctx.local(ctx.to_double(args[0]), "x"), ctx.state("y", math.nan)
        moved = ctx.local(ctx.dop("fma", ctx.dop("sub", x, y), ctx.dconst(self.k), y), "y")
        near = ctx.dop("le", ctx.dop("abs", ctx.dop("sub", x, moved)), ctx.dop("mul", ctx.dop("abs", x),
                                                                             ctx.dconst(self.SNAP)))
        land = ctx.dop("mask_or", ctx.dop("ne", y, y), near)
        ctx.emit(f"{y} = {ctx.dop('select', land, x, moved)};")
        return ctx.from_double(y)

    def evaluate(self, state, x):
        y, k, out = state["y"], self.k, np.empty(len(x))
        for i, v in enumerate(np.asarray(x, np.float64)):
            moved = (v - y) * k + y
            y = v if (y != y or abs(v - moved) <= abs(v) * self.SNAP) else moved
            out[i] = y
        state["y"] = y
        return out

    def __repr__(self):
        return f"Smooth({self.time:g})"
