"""Expressions: one node applied to its input expressions, and the operators and numpy calls
that build them (`x * 2 + 1`, `np.sin(x)`, `np.maximum(x, 0)`). Which numpy functions and ufuncs
build which nodes is in the tables below, completed by front/functions.py and
front/reductions.py, which the front package imports with itself (front/__init__.py): an
expression's numpy protocol works whatever a program imports first.
"""
import numpy as np

from .errors import JitError
from .nodes import Const, JitCompilable, MathOp, Node
from .ops import OPS

class Expr:
    """One node applied to its input expressions. `_sid` is its structure's number, given on
    first compile (canonical.structure_id): equal structures get equal numbers."""
    __slots__ = ("node", "args", "_sid")

    def __init__(self, node, args=()):
        if not (isinstance(node, Node) or isinstance(node, JitCompilable)):  # Node first: Protocol checks are slow
            raise TypeError(f"{type(node).__name__} is not a JitCompilable node")
        args = tuple(as_expr(a) for a in args)
        if len(args) != node.arity:
            raise JitError(f"{node!r} takes {node.arity} input(s), got {len(args)}")
        self.node = node
        self.args = args
        self._sid = None

    def __repr__(self):
        return f"Expr({self.node!r})"

    def __add__(self, other):
        return apply("add", self, other)

    def __radd__(self, other):
        return apply("add", other, self)

    def __sub__(self, other):
        return apply("sub", self, other)

    def __rsub__(self, other):
        return apply("sub", other, self)

    def __mul__(self, other):
        return apply("mul", self, other)

    def __rmul__(self, other):
        return apply("mul", other, self)

    def __truediv__(self, other):
        return apply("div", self, other)

    def __rtruediv__(self, other):
        return apply("div", other, self)

    def __pow__(self, other):
        return NAMED_OPS["pow"](self, other)   # rj.pow: numpy's exact x**2, x**0.5, x**-1, ...

    def __rpow__(self, other):
        return NAMED_OPS["pow"](other, self)

    def __mod__(self, other):
        return apply("remainder", self, other)

    def __rmod__(self, other):
        return apply("remainder", other, self)

    def __floordiv__(self, other):
        return apply("floor_divide", self, other)

    def __rfloordiv__(self, other):
        return apply("floor_divide", other, self)

    def __divmod__(self, other):
        return apply("floor_divide", self, other), apply("remainder", self, other)

    def __rdivmod__(self, other):
        return apply("floor_divide", other, self), apply("remainder", other, self)

    def __lt__(self, other):
        return apply("lt", self, other)

    def __le__(self, other):
        return apply("le", self, other)

    def __gt__(self, other):
        return apply("gt", self, other)

    def __ge__(self, other):
        return apply("ge", self, other)

    def __eq__(self, other):
        return apply("eq", self, other)

    def __ne__(self, other):
        return apply("ne", self, other)

    __hash__ = object.__hash__   # == builds a mask, so expressions hash (and meet in sets) by identity

    def __and__(self, other):
        return apply("mask_and", self, other)

    def __or__(self, other):
        return apply("mask_or", self, other)

    def __neg__(self):
        return apply("neg", self)

    def __pos__(self):
        return self

    def __abs__(self):
        return apply("abs", self)

    def __invert__(self):
        return apply("mask_not", self)

    @property
    def real(self):
        """The expression itself: resin_jit's values are real (numpy's .real of a real array)."""
        return self

    @property
    def imag(self):
        """0.0: a real value has no imaginary part (numpy's .imag of a real array)."""
        return as_expr(0.0)

    def __bool__(self):
        raise TypeError("an expression has no truth value until it runs; use rj.where(mask, a, b) "
                        "instead of if/and/or, and write a < x and x < b for a < x < b")

    # numpy on expressions: np.sin(x), np.maximum(x, 0), np.where(m, a, b) build graph nodes.
    def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
        name = UFUNC_OPS.get(ufunc)
        if name is None or method != "__call__":
            what = ufunc.__name__ if method == "__call__" else f"{ufunc.__name__}.{method}"
            raise TypeError(f"resin_jit has no numpy.{what} for expressions")
        if kwargs:
            raise TypeError(f"numpy.{ufunc.__name__} on expressions takes no {', '.join(kwargs)}= (an expression "
                            "has no array to write into or mask yet)")
        for value in inputs:
            if isinstance(value, np.ndarray) and value.ndim > 0:
                raise TypeError(f"numpy.{ufunc.__name__} of an expression and an array: pass the array as an "
                                "input of the kernel (rj.input) instead")
        return NAMED_OPS[name](*inputs) if name in NAMED_OPS else apply(name, *inputs)

    def __array_function__(self, func, types, args, kwargs):
        build = NUMPY_FUNCTIONS.get(func)
        if build is None:
            raise TypeError(f"resin_jit has no numpy.{func.__name__} for expressions")
        return build(*args, **kwargs)


# numpy's ufuncs that are one op of ops.OPS (its numpy reference); a few more, and numpy's other
# functions, are registered where they are built (front/functions.py, front/reductions.py): NAMED_OPS by op name for ufuncs
# that need more than apply() (a power with a constant exponent, divmod's two results),
# NUMPY_FUNCTIONS by function.
UFUNC_OPS = {op.numpy: name for name, op in OPS.items() if isinstance(op.numpy, np.ufunc)}
UFUNC_OPS[np.positive] = "pos"
NAMED_OPS = {"pos": lambda x: as_expr(x)}
NUMPY_FUNCTIONS = {}


def as_expr(value):
    """An expression of `value`: an expression, a number (a constant), a bool (a constant mask,
    as numpy's True and False), or a node of no inputs."""
    if isinstance(value, Expr):
        return value
    if isinstance(value, (bool, np.bool_)):
        return Expr(MathOp("ne"), (Expr(Const(float(value))), Expr(Const(0.0))))
    if isinstance(value, (float, int)):   # numbers first: the Protocol check below is slow
        return Expr(Const(value))
    if (isinstance(value, Node) or isinstance(value, JitCompilable)) and value.arity == 0:
        return Expr(value)
    return Expr(Const(value))


def apply(op, *args):
    """op(*args) as an expression, converting masks and numbers to what each operand needs."""
    node = MathOp(op)
    wants_mask = OPS[op].takes_masks
    fixed = []
    for i, arg in enumerate(args):
        arg = as_expr(arg)
        is_mask = bool(getattr(arg.node, "mask", False))
        if i in wants_mask and not is_mask:
            arg = Expr(MathOp("ne"), (arg, Const(0.0)))      # a number as a condition: nonzero is true
        elif i not in wants_mask and is_mask:
            arg = Expr(MathOp("from_mask"), (arg,))           # a mask as a number: 1.0 or 0.0
        fixed.append(arg)
    return Expr(node, fixed)


