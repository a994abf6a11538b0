"""The pure-math nodes behind expressions (`x * 2 + 1`, `rj.sin(x)`, `x < y`) and their functions.

One node class, `MathOp`, covers every op: its C comes from ops.RULES, its reference from the
numpy table below. Comparisons give masks; a mask used as a number becomes 1.0 or 0.0.
"""
import numpy as np

from .graph import Expr, as_expr
from .nodes import Const, Node

NUMPY = {
    "add": np.add, "sub": np.subtract, "mul": np.multiply, "div": np.divide, "neg": np.negative,
    "abs": np.abs, "sqrt": np.sqrt, "floor": np.floor, "min": np.minimum, "max": np.maximum,
    "lt": np.less, "le": np.less_equal, "gt": np.greater, "ge": np.greater_equal,
    "eq": np.equal, "ne": np.not_equal, "select": np.where,
    "from_mask": lambda m: np.asarray(m, np.float64), "mask_and": np.logical_and, "mask_or": np.logical_or,
    "mask_not": np.logical_not,
    "sin": np.sin, "cos": np.cos, "tan": np.tan, "exp": np.exp, "log": np.log, "tanh": np.tanh,
    "pow": np.power, "fma": lambda a, b, c: a * b + c,
}
ARITY = {"neg": 1, "abs": 1, "sqrt": 1, "floor": 1, "from_mask": 1, "mask_not": 1, "sin": 1, "cos": 1,
         "tan": 1, "exp": 1, "log": 1, "tanh": 1, "select": 3, "fma": 3}
COMPARISONS = {"lt", "le", "gt", "ge", "eq", "ne"}
MASK_OPS = COMPARISONS | {"mask_and", "mask_or", "mask_not"}
TAKES_MASKS = {"select": (0,), "mask_and": (0, 1), "mask_or": (0, 1), "mask_not": (0,), "from_mask": (0,)}


class MathOp(Node):
    """One elementwise op; `mask` marks ops whose value is a comparison mask."""

    def __init__(self, op):
        if op not in NUMPY:
            raise ValueError(f"unknown op {op!r}")
        self.op = op
        self.arity = ARITY.get(op, 2)
        self.mask = op in MASK_OPS
        self.foldable = not self.mask and op != "from_mask"
        self._key = ("Op", op)

    def key(self):
        return self._key

    def emit(self, ctx, args):
        return ctx.op(self.op, *args)

    def evaluate(self, state, *args):
        return NUMPY[self.op](*args)

    def __repr__(self):
        return self.op


def is_mask(expr):
    return getattr(expr.node, "mask", False)


def apply(op, *args):
    """op(*args) as an expression, converting masks and numbers to what each argument needs."""
    node = MathOp(op)
    wants_mask = TAKES_MASKS.get(op, ())
    fixed = []
    for i, arg in enumerate(args):
        arg = as_expr(arg)
        if i in wants_mask and not is_mask(arg):
            arg = Expr(MathOp("ne"), (arg, Const(0.0)))      # a number as a condition: nonzero is true
        elif i not in wants_mask and is_mask(arg):
            arg = Expr(MathOp("from_mask"), (arg,))           # a mask as a number: 1.0 or 0.0
        fixed.append(arg)
    return Expr(node, fixed)


def minimum(a, b):
    """Elementwise minimum; NaN in either gives NaN (numpy.minimum)."""
    return apply("min", a, b)


def maximum(a, b):
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
    fn.__name__, fn.__doc__ = op, doc
    return fn


sqrt = _unary("sqrt", "Square root (NaN below zero).")
floor = _unary("floor", "Largest integer not above x.")
sin = _unary("sin", "Sine (vectorised in csrc/vmath.h).")
cos = _unary("cos", "Cosine (vectorised in csrc/vmath.h).")
tan = _unary("tan", "Tangent.")
exp = _unary("exp", "e**x (vectorised in csrc/vmath.h).")
log = _unary("log", "Natural logarithm (vectorised in csrc/vmath.h).")
tanh = _unary("tanh", "Hyperbolic tangent (vectorised in csrc/vmath.h).")


def pow(x, y):  # noqa: A001 - the public name the API asks for
    """x**y (vectorised in csrc/vmath.h)."""
    return apply("pow", x, y)


def _binary(op, swap=False):
    def method(self, other):
        return apply(op, other, self) if swap else apply(op, self, other)
    return method


def _no_truth_value(self):
    raise TypeError("an expression has no truth value until it runs; use rj.where(mask, a, b) "
                    "instead of if/and/or, and write a < x and x < b for a < x < b")


# Operators on expressions, installed here so graph.py stays free of the op table.
Expr.__add__, Expr.__radd__ = _binary("add"), _binary("add", swap=True)
Expr.__sub__, Expr.__rsub__ = _binary("sub"), _binary("sub", swap=True)
Expr.__mul__, Expr.__rmul__ = _binary("mul"), _binary("mul", swap=True)
Expr.__truediv__, Expr.__rtruediv__ = _binary("div"), _binary("div", swap=True)
Expr.__pow__, Expr.__rpow__ = _binary("pow"), _binary("pow", swap=True)
Expr.__lt__, Expr.__le__ = _binary("lt"), _binary("le")
Expr.__gt__, Expr.__ge__ = _binary("gt"), _binary("ge")
Expr.__and__, Expr.__or__ = _binary("mask_and"), _binary("mask_or")
Expr.__neg__ = lambda self: apply("neg", self)
Expr.__pos__ = lambda self: self
Expr.__abs__ = lambda self: apply("abs", self)
Expr.__invert__ = lambda self: apply("mask_not", self)
Expr.__bool__ = _no_truth_value
