"""The functions of expressions: `rj.sin(x)`, `rj.where(x < y, a, b)`, `rj.clip(x, lo, hi)`.

Each builds MathOp nodes (front/nodes.py) of one op of ops.OPS; operators (`x * 2 + 1`, `x < y`)
do the same. Comparisons give masks; a mask used as a number becomes 1.0 or 0.0. The
elementwise functions are numpy's, with its names and its treatment of NaN, infinities, signed
zeros and domain errors; csrc/vmath.h has a vector form of each, so a graph using them stays
one vector loop, and README.md's table gives the accuracy of each.
"""
import numpy as np

from .nodes import Const, Expr, MathOp, NAMED_OPS, NUMPY_FUNCTIONS, Param, UFUNC_OPS, apply, as_expr



def minimum(a, b):
    """Elementwise minimum; NaN in either gives NaN (numpy.minimum)."""
    return apply("min", a, b)


def maximum(a, b):
    """Elementwise maximum; NaN in either gives NaN (numpy.maximum)."""
    return apply("max", a, b)


def clip(x, lo, hi):
    """x limited to [lo, hi], bit for bit as numpy.clip, whose loop differs with the bounds:

    - both bounds one value for the whole call (numbers, runtime parameters, expressions of
      them): where x equals a bound (+0.0 against -0.0) x is kept; a NaN bound gives that NaN,
      lo's first, then a NaN x;
    - a bound that is an array (an expression of an input): max(x, lo), then min(that, hi), each
      giving the bound on such a tie, and the first NaN of x, lo, hi.

    (A kernel input given one number at call time is still an array bound here.)
    """
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


def where(mask, a, b):
    """a where mask is true (a comparison, or any nonzero number), else b."""
    return apply("select", mask, a, b)


_PARAMETERS = {
    1: "Parameters\n----------\nx : Expr or float\n    The argument: an expression or a number.\n",
    2: "Parameters\n----------\nx1, x2 : Expr or float\n    The arguments: expressions or numbers.\n",
}


def _function(op, arity, summary, returns):
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


sqrt = _function("sqrt", 1, "Square root, elementwise (numpy.sqrt).", "sqrt(x); NaN below zero, -0.0 for -0.0.")
floor = _function("floor", 1, "Floor, elementwise (numpy.floor).", "The largest integer not above x.")
ceil = _function("ceil", 1, "Ceiling, elementwise (numpy.ceil).", "The smallest integer not below x; -0.0 for x in (-1, -0].")
trunc = _function("trunc", 1, "Truncation toward zero, elementwise (numpy.trunc).", "x without its fraction, with x's sign.")
round = _function("round", 1, "Round to the nearest integer, halves to even (numpy.round, numpy.rint).",  # noqa: A001
                  "The integer nearest x; 0.5 -> 0.0, 1.5 -> 2.0, -0.5 -> -0.0.")
rint = _function("round", 1, "Round to the nearest integer, halves to even (numpy.rint); the same as rj.round.",
                 "The integer nearest x; 0.5 -> 0.0, 1.5 -> 2.0, -0.5 -> -0.0.")
rint.__name__ = rint.__qualname__ = "rint"
sign = _function("sign", 1, "Sign, elementwise (numpy.sign).", "1.0, -1.0 or 0.0 (for either zero); NaN for NaN.")
sin = _function("sin", 1, "Sine, elementwise (numpy.sin).", "sin(x), over the whole range of x; NaN for +-inf.")
cos = _function("cos", 1, "Cosine, elementwise (numpy.cos).", "cos(x), over the whole range of x; NaN for +-inf.")
tan = _function("tan", 1, "Tangent, elementwise (numpy.tan).", "tan(x), over the whole range of x; NaN for +-inf.")
arcsin = _function("arcsin", 1, "Inverse sine, elementwise (numpy.arcsin).", "arcsin(x) in [-pi/2, pi/2]; NaN for |x| > 1.")
arccos = _function("arccos", 1, "Inverse cosine, elementwise (numpy.arccos).", "arccos(x) in [0, pi]; NaN for |x| > 1.")
arctan = _function("arctan", 1, "Inverse tangent, elementwise (numpy.arctan).", "arctan(x) in [-pi/2, pi/2].")
arctan2 = _function("arctan2", 2, "Angle of the point (x2, x1), elementwise (numpy.arctan2).",
                    "arctan(x1/x2) in the quadrant of (x2, x1), in [-pi, pi]; the signs of zeros as C's atan2.")
hypot = _function("hypot", 2, "Hypotenuse, elementwise (numpy.hypot).",
                  "sqrt(x1**2 + x2**2) without intermediate overflow or underflow; inf if either is infinite.")
exp = _function("exp", 1, "Exponential, elementwise (numpy.exp).", "e**x; inf on overflow, denormals and 0 below.")
expm1 = _function("expm1", 1, "e**x - 1, elementwise (numpy.expm1).", "e**x - 1, accurate for x near 0.")
log = _function("log", 1, "Natural logarithm, elementwise (numpy.log).", "log(x); -inf at 0, NaN below.")
log1p = _function("log1p", 1, "log(1 + x), elementwise (numpy.log1p).", "log(1 + x), accurate for x near 0; -inf at -1, NaN below.")
log2 = _function("log2", 1, "Base-2 logarithm, elementwise (numpy.log2).", "log2(x), exact for powers of 2; -inf at 0, NaN below.")
log10 = _function("log10", 1, "Base-10 logarithm, elementwise (numpy.log10).", "log10(x); -inf at 0, NaN below.")
sinh = _function("sinh", 1, "Hyperbolic sine, elementwise (numpy.sinh).", "sinh(x); +-inf on overflow.")
cosh = _function("cosh", 1, "Hyperbolic cosine, elementwise (numpy.cosh).", "cosh(x); inf on overflow.")
tanh = _function("tanh", 1, "Hyperbolic tangent, elementwise (numpy.tanh).", "tanh(x) in [-1, 1].")
arcsinh = _function("arcsinh", 1, "Inverse hyperbolic sine, elementwise (numpy.arcsinh).", "arcsinh(x).")
arccosh = _function("arccosh", 1, "Inverse hyperbolic cosine, elementwise (numpy.arccosh).", "arccosh(x); NaN below 1.")
arctanh = _function("arctanh", 1, "Inverse hyperbolic tangent, elementwise (numpy.arctanh).",
                    "arctanh(x); +-inf at +-1, NaN beyond.")
fmod = _function("fmod", 2, "Remainder of division, elementwise (numpy.fmod, C's fmod).",
                 "x1 - n*x2 for n = trunc(x1/x2), exact, with the sign of x1 (zeros too); NaN for x2 = 0 or x1 infinite.")
remainder = _function("remainder", 2, "Remainder of division with the divisor's sign, elementwise (numpy.remainder, "
                      "x1 % x2).", "x1 - floor(x1/x2)*x2 as numpy computes it: fmod moved to x2's sign; NaN for x2 = 0.")
mod = remainder
floor_divide = _function("floor_divide", 2, "Division rounded down, elementwise (numpy.floor_divide, x1 // x2).",
                         "floor(x1/x2) as numpy computes it (from fmod, exact); +-inf or NaN for x2 = 0.")
copysign = _function("copysign", 2, "x1 with the sign of x2, elementwise (numpy.copysign).", "|x1| with x2's sign bit.")
nextafter = _function("nextafter", 2, "Next representable value after x1 toward x2, elementwise (numpy.nextafter).",
                      "The neighbour of x1 toward x2; x2 if they are equal; NaN if either is NaN.")

# The constant exponents numpy computes without pow (its power loop's fast paths for a constant
# exponent: numpy/_core/src/umath/loops_umath_fp.dispatch.c.src; `array ** 2` and `** -1` and
# `** 0.5` go to square, reciprocal and sqrt, the same operations), and the small integers for
# which numpy calls pow, correctly rounded there and here from exact products.
_POW_REWRITES = {
    2.0: lambda x: apply("mul", x, x),
    0.5: lambda x: apply("sqrt", x),
    -1.0: lambda x: apply("div", 1.0, x),
    1.0: as_expr,
    0.0: lambda x: apply("pow0", x),
    3.0: lambda x: apply("pow3", x),
    4.0: lambda x: apply("pow4", x),
    -2.0: lambda x: apply("pow_m2", x),
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
        (``x*x``, ``sqrt(x)``, ``1/x``, ``x``, 1.0); for 3, 4 and -2 the power from exact
        products, rounded once; None for every other exponent (then rj.pow's general power).
    """
    rewrite = _POW_REWRITES.get(_constant(exponent))
    return rewrite(base) if rewrite is not None else None


def pow(x1, x2):  # noqa: A001 - the public name the API asks for
    """First argument raised to the second, elementwise (numpy.power).

    Parameters
    ----------
    x1, x2 : Expr or float
        The base and the exponent: expressions or numbers.

    Returns
    -------
    Expr
        x1**x2 with C99's special cases; for a constant exponent of 2, 0.5, -1, 1, 0, 3, 4 or -2,
        exactly numpy's result (see pow_rewrite).
    """
    rewritten = pow_rewrite(x1, x2)
    return rewritten if rewritten is not None else apply("pow", x1, x2)


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


def divmod(x1, x2):  # noqa: A001 - numpy's name
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
NAMED_OPS.update({"conj": conj})
UFUNC_OPS.update({np.divmod: "divmod", np.square: "square", np.reciprocal: "reciprocal", np.fabs: "abs",
                  np.conjugate: "conj"})
def _numpy_round(x, decimals=0, out=None):
    if decimals != 0 or out is not None:
        raise TypeError("numpy.round on an expression takes no decimals or out= (rj.round rounds to integers)")
    return round(x)


NUMPY_FUNCTIONS.update({np.where: where, np.clip: clip, np.round: _numpy_round, np.copy: copy,
                        np.ones_like: ones_like, np.zeros_like: zeros_like, np.real: lambda x: as_expr(x).real,
                        np.imag: lambda x: as_expr(x).imag})
