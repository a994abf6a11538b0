"""The functions of expressions: `rj.sin(x)`, `rj.where(x < y, a, b)`, `rj.clip(x, lo, hi)`.

Each builds MathOp nodes (front/nodes.py) of one op of ops.OPS; operators (`x * 2 + 1`, `x < y`)
do the same. Comparisons give masks; a mask used as a number becomes 1.0 or 0.0. The
elementwise functions are numpy's, with its names and its treatment of NaN, infinities, signed
zeros and domain errors. The vector-math functions (rj.sin, rj.hypot, ...) are made here from
their declaration, csrc/vmath_functions.h (vmath_table), one each with its docstring; csrc/vmath.h
has a vector form of each, so a graph using them stays one vector loop, and README.md's table
gives the accuracy of each.
"""
import functools
from collections.abc import Callable
from typing import TYPE_CHECKING

import numpy as np

from . import vmath_table
from .nodes import NAMED_OPS, NUMPY_FUNCTIONS, UFUNC_OPS, Const, Expr, MathOp, Param, apply, as_expr

# and the vector-math functions (rj.pow too), below
__all__ = ["minimum", "maximum", "clip", "where", "logical_xor", "sqrt", "floor", "rint", "remainder", "mod",
           "floor_divide", "conj", "copy", "ones_like", "zeros_like", "divmod"]


def minimum(a: "Expr | float", b: "Expr | float") -> Expr:
    """Elementwise minimum; NaN in either gives NaN (numpy.minimum)."""
    return apply("min", a, b)


def maximum(a: "Expr | float", b: "Expr | float") -> Expr:
    """Elementwise maximum; NaN in either gives NaN (numpy.maximum)."""
    return apply("max", a, b)


def clip(x: "Expr | float", lo: "Expr | float | None", hi: "Expr | float | None") -> Expr:
    """x limited to [lo, hi], bit for bit as numpy.clip, whose loop differs with the bounds:

    - a bound None: no bound on that side, as numpy (2.1 and later) takes it: maximum(x, lo) or
      minimum(x, hi) (numpy.maximum's and numpy.minimum's rules), or x itself for both None;

    - both bounds one value for the whole call (numbers, runtime parameters, expressions of
      them): where x equals a bound (+0.0 against -0.0) x is kept; a NaN bound gives that NaN,
      lo's first, then a NaN x;
    - a bound that is an array (an expression of an input): max(x, lo), then min(that, hi), each
      giving the bound on such a tie, and the first NaN of x, lo, hi.

    (A kernel input given one number at call time is still an array bound here.)
    """
    if lo is None or hi is None:
        return as_expr(x) if lo is None and hi is None else minimum(x, hi) if lo is None else maximum(x, lo)
    if _one_value(lo) and _one_value(hi):
        return where(apply("ne", lo, lo), lo, minimum(hi, maximum(lo, x)))
    return minimum(maximum(x, lo), hi)


def _one_value(value):
    """Whether an expression has one value for the whole call: made of constants and runtime
    parameters only."""
    stack = [as_expr(value)]
    while stack:
        expr = stack.pop()
        if isinstance(expr.node, (Const, Param)):
            continue
        if not isinstance(expr.node, MathOp):
            return False
        stack.extend(expr.args)
    return True


def where(mask: "Expr | float", a: "Expr | float", b: "Expr | float") -> Expr:
    """a where mask is true (a comparison, or any nonzero number), else b; a mask when a and b are
    both masks (numpy's where of bools is bool), else a number."""
    mask, a, b = as_expr(mask), as_expr(a), as_expr(b)
    if getattr(a.node, "mask", False) and getattr(b.node, "mask", False):
        if not getattr(mask.node, "mask", False):
            mask = apply("ne", mask, 0.0)   # a number as a condition: nonzero is true
        return apply("mask_or", apply("mask_and", mask, a), apply("mask_and", apply("mask_not", mask), b))
    return apply("select", mask, a, b)


def logical_xor(a: "Expr | float", b: "Expr | float") -> Expr:
    """True where exactly one of a and b is (numpy.logical_xor, and a ^ b of masks): a mask."""
    return apply("mask_and", apply("mask_or", a, b), apply("mask_not", apply("mask_and", a, b)))


_Unary = Callable[["Expr | float"], Expr]               # rj.sqrt, rj.sin, ...
_Binary = Callable[["Expr | float", "Expr | float"], Expr]   # rj.hypot, rj.remainder, ...
_PARAMETERS = {
    1: "Parameters\n----------\nx : Expr or float\n    The argument: an expression or a number.\n",
    2: "Parameters\n----------\nx1, x2 : Expr or float\n    The arguments: expressions or numbers.\n",
}


def _function(op: str, arity: int, summary: str, returns: str) -> "Callable[..., Expr]":
    """The public function of one op, with a numpydoc docstring."""
    if arity == 1:
        def fn(x: "Expr | float") -> Expr:
            return apply(op, x)
    else:
        def fn(x1: "Expr | float", x2: "Expr | float") -> Expr:
            return apply(op, x1, x2)
    fn.__name__ = fn.__qualname__ = op
    fn.__doc__ = f"{summary}\n\n{_PARAMETERS[arity]}\nReturns\n-------\nExpr\n    {returns}\n"
    return fn


sqrt: _Unary = _function("sqrt", 1, "Square root, elementwise (numpy.sqrt).",
                         "sqrt(x); NaN below zero, -0.0 for -0.0.")
floor: _Unary = _function("floor", 1, "Floor, elementwise (numpy.floor).", "The largest integer not above x.")
# rj.NAME of each declared vector-math function (powers are x**k: pow_rewrite)
VECTOR_MATH = {fn.name: _function(fn.name, fn.arity, fn.summary, fn.returns)
               for fn in vmath_table.FUNCTIONS if fn.public}
globals().update(VECTOR_MATH)
# Their names, spelled out for type checkers, which cannot run the lines above (tests/test_typing.py
# holds the list to VECTOR_MATH); their signatures are declared below for them too.
__all__ += ["sin", "cos", "tan", "arcsin", "arccos", "arctan", "arctan2", "hypot", "exp", "expm1", "log", "log1p",
            "log2", "log10", "sinh", "cosh", "tanh", "arcsinh", "arccosh", "arctanh", "pow", "cbrt", "trunc", "ceil",
            "round", "sign", "fmod", "copysign", "nextafter"]
__all__.extend(name for name in VECTOR_MATH if name not in __all__)   # one declared since: public all the same
if TYPE_CHECKING:
    sin: _Unary
    cos: _Unary
    tan: _Unary
    arcsin: _Unary
    arccos: _Unary
    arctan: _Unary
    arctan2: _Binary
    hypot: _Binary
    exp: _Unary
    expm1: _Unary
    log: _Unary
    log1p: _Unary
    log2: _Unary
    log10: _Unary
    sinh: _Unary
    cosh: _Unary
    tanh: _Unary
    arcsinh: _Unary
    arccosh: _Unary
    arctanh: _Unary
    cbrt: _Unary
    trunc: _Unary
    ceil: _Unary
    round: _Unary  # noqa: A001 - numpy's name
    sign: _Unary
    fmod: _Binary
    copysign: _Binary
    nextafter: _Binary

rint: _Unary = _function("round", 1, "Round to the nearest integer, halves to even (numpy.rint); the same as "
                         "rj.round.", "The integer nearest x; 0.5 -> 0.0, 1.5 -> 2.0, -0.5 -> -0.0.")
rint.__name__ = rint.__qualname__ = "rint"
remainder: _Binary = _function("remainder", 2, "Remainder of division with the divisor's sign, elementwise "
                               "(numpy.remainder, x1 % x2).", "x1 - floor(x1/x2)*x2 as numpy computes it: fmod "
                               "moved to x2's sign; NaN for x2 = 0.")
mod = remainder
floor_divide: _Binary = _function("floor_divide", 2, "Division rounded down, elementwise (numpy.floor_divide, "
                                  "x1 // x2).", "floor(x1/x2) as numpy computes it (from fmod, exact); +-inf or NaN "
                                  "for x2 = 0.")

# The constant exponents numpy computes without pow (its power loop's fast paths for a constant
# exponent: numpy/_core/src/umath/loops_umath_fp.dispatch.c.src; `array ** 2` and `** -1` and
# `** 0.5` go to square, reciprocal and sqrt, the same operations), and the declared powers
# (csrc/vmath_functions.h's RJ_VM_POWER rows): 0, numpy's 1.0 for every x, and the small
# integers for which numpy calls pow, correctly rounded there and here from exact products.
_POW_REWRITES = {
    2.0: lambda x: apply("mul", x, x),
    0.5: lambda x: apply("sqrt", x),
    -1.0: lambda x: apply("div", 1.0, x),
    1.0: as_expr,
    **{float(fn.exponent): functools.partial(apply, fn.name) for fn in vmath_table.FUNCTIONS if fn.build == "power"},
}


def _constant(exponent):
    """The value of a number or of an expression of a constant, else None."""
    if isinstance(exponent, Expr):
        return exponent.node.value if isinstance(exponent.node, Const) else None
    if isinstance(exponent, (bool, np.bool_)) or not isinstance(exponent, (int, float, np.integer, np.floating)):
        return None
    try:
        return float(exponent)
    except OverflowError:
        return None


def pow_rewrite(base, exponent):
    """base**exponent as numpy computes it for a constant exponent it treats specially, or None.

    Parameters
    ----------
    base : Expr or float
        The base.
    exponent : object
        The exponent: a number, or an expression of a constant; anything else gives None.

    Returns
    -------
    Expr or None
        For an exponent of 2, 0.5, -1, 1 or 0 the expression numpy's result is bit for bit
        (``x*x``, ``sqrt(x)``, ``1/x``, ``x``, 1.0); for 3, 4 and -2 (the declared powers) the
        power from exact products, rounded once; None for every other exponent (then rj.pow's
        general power).
    """
    rewrite = _POW_REWRITES.get(_constant(exponent))
    return rewrite(base) if rewrite is not None else None


def pow(x1: "Expr | float", x2: "Expr | float") -> Expr:  # noqa: A001 - the public name the API asks for
    rewritten = pow_rewrite(x1, x2)
    return rewritten if rewritten is not None else apply("pow", x1, x2)


pow.__doc__ = VECTOR_MATH["pow"].__doc__   # the declaration's: rj.pow is its op, and pow_rewrite's
VECTOR_MATH["pow"] = pow


def _real_identity(name, summary):
    def fn(x: "Expr | float") -> Expr:
        return as_expr(x)
    fn.__name__ = fn.__qualname__ = name
    fn.__doc__ = f"{summary}\n\nReturns\n-------\nExpr\n    x itself: resin_jit's values are real.\n"
    return fn


conj = _real_identity("conj", "Complex conjugate (numpy.conj): a real value's is itself.")
copy = _real_identity("copy", "A copy (numpy.copy): in a graph, the same values.")


def ones_like(x: "Expr | float") -> Expr:
    """1.0 for every sample (numpy.ones_like): the constant, which takes x's shape in a graph."""
    return as_expr(1.0)


def zeros_like(x: "Expr | float") -> Expr:
    """0.0 for every sample (numpy.zeros_like): the constant, which takes x's shape in a graph."""
    return as_expr(0.0)


def divmod(x1: "Expr | float", x2: "Expr | float") -> "tuple[Expr, Expr]":  # noqa: A001 - numpy's name
    """Quotient and remainder, elementwise (numpy.divmod): (x1 // x2, x1 % x2).

    Returns
    -------
    tuple of Expr
        floor_divide(x1, x2) and remainder(x1, x2).
    """
    return floor_divide(x1, x2), remainder(x1, x2)


# numpy on expressions: ufuncs that are more than one op (Expr.__array_ufunc__), and functions
# (Expr.__array_function__): np.where(m, a, b), np.clip(x, lo, hi), np.round(x).
NAMED_OPS.update({"pow": pow, "divmod": divmod, "square": lambda x: apply("mul", x, x),
                  "reciprocal": lambda x: apply("div", 1.0, x)})
NAMED_OPS.update({"conj": conj, "logical_xor": logical_xor})
UFUNC_OPS.update({np.divmod: "divmod", np.square: "square", np.reciprocal: "reciprocal", np.fabs: "abs",
                  np.conjugate: "conj", np.logical_xor: "logical_xor", np.bitwise_xor: "logical_xor",
                  np.bitwise_and: "mask_and", np.bitwise_or: "mask_or", np.invert: "mask_not"})
def _numpy_round(x, decimals=0, out=None):
    if decimals != 0 or out is not None:
        raise TypeError("numpy.round on an expression takes no decimals or out= (rj.round rounds to integers)")
    return VECTOR_MATH["round"](x)


_NO_VALUE = object()


def _numpy_clip(a, a_min=_NO_VALUE, a_max=_NO_VALUE, out=None, *, min=_NO_VALUE, max=_NO_VALUE):  # noqa: A002
    """numpy.clip's signature on an expression: the bounds by position, or min= and max= (numpy 2.1)."""
    if out is not None:
        raise TypeError("numpy.clip on an expression takes no out= (an expression has no array to write into yet)")
    if a_min is _NO_VALUE and a_max is _NO_VALUE:
        a_min, a_max = (None if bound is _NO_VALUE else bound for bound in (min, max))
    elif a_min is _NO_VALUE or a_max is _NO_VALUE:
        raise TypeError("numpy.clip takes both bounds, None for no bound on a side: np.clip(x, lo, None)")
    elif min is not _NO_VALUE or max is not _NO_VALUE:
        raise TypeError("numpy.clip takes its bounds by position or as min=/max=, not both")
    return clip(a, a_min, a_max)


NUMPY_FUNCTIONS.update({np.where: where, np.clip: _numpy_clip, np.round: _numpy_round, np.copy: copy,
                        np.ones_like: ones_like, np.zeros_like: zeros_like, np.real: lambda x: as_expr(x).real,
                        np.imag: lambda x: as_expr(x).imag})
