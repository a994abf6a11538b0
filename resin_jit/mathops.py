"""The functions of expressions: `rj.sin(x)`, `rj.where(x < y, a, b)`, `rj.clip(x, lo, hi)`.

Each builds MathOp nodes (nodes.py) of one op of ops.OPS; operators (`x * 2 + 1`, `x < y`)
do the same. Comparisons give masks; a mask used as a number becomes 1.0 or 0.0.
"""
import numpy as np

from .nodes import NUMPY_FUNCTIONS, apply


def minimum(a, b):
    """Elementwise minimum; NaN in either gives NaN (numpy.minimum)."""
    return apply("min", a, b)


def maximum(a, b):
    """Elementwise maximum; NaN in either gives NaN (numpy.maximum)."""
    return apply("max", a, b)


def clip(x, lo, hi):
    """x limited to [lo, hi], as numpy.clip: min(hi, max(lo, x)), so where x equals a bound
    (+0.0 against -0.0) x is kept, and NaN in x or a bound gives NaN."""
    return minimum(hi, maximum(lo, x))


def where(mask, a, b):
    """a where mask is true (a comparison, or any nonzero number), else b."""
    return apply("select", mask, a, b)


def _unary(op, doc):
    def fn(x):
        return apply(op, x)
    fn.__name__, fn.__qualname__, fn.__doc__ = op, op, doc
    return fn


sqrt = _unary("sqrt", "Square root (NaN below zero).")
floor = _unary("floor", "Largest integer not above x.")
sin = _unary("sin", "Sine (vectorised in csrc/vmath.h).")
cos = _unary("cos", "Cosine (vectorised in csrc/vmath.h).")
tan = _unary("tan", "Tangent (vectorised in csrc/vmath.h).")
exp = _unary("exp", "e**x (vectorised in csrc/vmath.h).")
log = _unary("log", "Natural logarithm (vectorised in csrc/vmath.h).")
tanh = _unary("tanh", "Hyperbolic tangent (vectorised in csrc/vmath.h).")


def pow(x, y):  # noqa: A001 - the public name the API asks for
    """x**y (vectorised in csrc/vmath.h)."""
    return apply("pow", x, y)


# numpy's functions on expressions (Expr.__array_function__): np.where(m, a, b), np.clip(x, lo, hi).
NUMPY_FUNCTIONS.update({np.where: where, np.clip: clip})
