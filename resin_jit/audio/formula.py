"""Formulas written once for the C a node emits and for its numpy reference.

A formula is a Python function of `m` (a math namespace) and numbers: `NUMPY` evaluates it on
numpy values (per-sample arrays for the reference, float64 scalars to fold constants), `CMath(ctx)`
on `CValue`s, which emit the same operations, in the same order, as double C through the context.
"""
import math
from types import SimpleNamespace

import numpy as np

NUMPY = SimpleNamespace(exp=np.exp, minimum=np.minimum, maximum=np.maximum, sincos=lambda w: (np.sin(w), np.cos(w)))
# Taylor coefficients of sin(x)/x and cos(x) in x², to x^15 and x^16: below 1e-16 on [0, π/4]
SIN_TERMS = [(-1) ** k / math.factorial(2 * k + 1) for k in range(8)]
COS_TERMS = [(-1) ** k / math.factorial(2 * k) for k in range(9)]


def fold(formula, *values):
    """formula on float64 scalars (IEEE results, no warnings): the constants a node emits."""
    with np.errstate(all="ignore"):
        return [float(v) for v in formula(NUMPY, *map(np.float64, values))]


def reference(formula, *arrays):
    """formula on per-sample float64 arrays, for a node's numpy reference."""
    with np.errstate(all="ignore"):
        return formula(NUMPY, *(np.asarray(a, np.float64) for a in arrays))


class CValue:
    """A double-precision C value (a local of the context's double type); arithmetic with other
    CValues and Python numbers emits one op per operator into a new local."""
    __slots__ = ("ctx", "c")

    def __init__(self, ctx, c):
        self.ctx, self.c = ctx, c

    def __str__(self):
        return self.c

    def _op(self, name, *operands):
        args = [o.c if isinstance(o, CValue) else self.ctx.dconst(o) for o in operands]
        return CValue(self.ctx, self.ctx.local(self.ctx.dop(name, *args), "d"))

    def __add__(self, other):
        return self._op("add", self, other)

    def __radd__(self, other):
        return self._op("add", other, self)

    def __sub__(self, other):
        return self._op("sub", self, other)

    def __rsub__(self, other):
        return self._op("sub", other, self)

    def __mul__(self, other):
        return self._op("mul", self, other)

    def __rmul__(self, other):
        return self._op("mul", other, self)

    def __truediv__(self, other):
        return self._op("div", self, other)

    def __rtruediv__(self, other):
        return self._op("div", other, self)

    def __neg__(self):
        return self._op("neg", self)


class CMath:
    """The math namespace of CValues, from csrc/simd.h and vmath.h (double)."""

    def __init__(self, ctx):
        self.ctx = ctx

    def _call(self, name, *operands):
        first = next(o for o in operands if isinstance(o, CValue))
        return first._op(name, *operands)

    def exp(self, x):
        return self._call("exp", x)

    def minimum(self, a, b):
        return self._call("min", a, b)

    def maximum(self, a, b):
        return self._call("max", a, b)

    @staticmethod
    def sincos(w):
        """(sin w, cos w) for w in [0, π], within a few ULP: polynomials at w/4 and two doublings.
        No range reduction and no branch, so half the work of vmath's sin and cos where a
        modulated filter computes them every sample; the polynomials by Estrin's scheme with
        FMAs, so their latency (which a filter swept every sample waits for) is log2 of their
        degree, not the degree."""
        q = w * 0.25
        z = q * q
        s, c = _estrin(SIN_TERMS, z) * q, _estrin(COS_TERMS, z)
        for _ in range(2):                 # sin 2a = 2 sin a cos a, cos 2a = 1 - 2 sin² a
            s, c = (s * c) * 2.0, 1.0 - (s * s) * 2.0
        return s, c


def _fma(a, b, c):
    """a·b + c rounded once: a or b a CValue, c a CValue or a number."""
    value = a if isinstance(a, CValue) else b
    return value._op("fma", a, b, c)


def _estrin(terms, z):
    """sum(terms[k] z^k): pairs (t0 + t1 z), then pairs of pairs with z², z⁴, ... (CValue z)."""
    level = [_fma(z, terms[k + 1], terms[k]) if k + 1 < len(terms) else terms[k] for k in range(0, len(terms), 2)]
    power = z
    while len(level) > 1:
        power = power * power
        level = [_fma(power, level[k + 1], level[k]) if k + 1 < len(level) else level[k]
                 for k in range(0, len(level), 2)]
    return level[0]


def c_values(ctx, results):
    """A formula's results as C expressions (constants for results that are plain numbers)."""
    return [r.c if isinstance(r, CValue) else ctx.dconst(float(r)) for r in results]
