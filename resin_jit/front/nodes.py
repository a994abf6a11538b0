"""The graph core: what a node is, the expressions that connect nodes, and the built-in nodes.

A node emits a C snippet through the JitContext it is handed, against csrc/simd.h's names,
so one snippet serves every ISA tier, scalar code and vector code. Every node also has a
numpy reference (`evaluate`), which is both the fallback backend and the tests' oracle.
An `Expr` is one node applied to its input expressions; `x * 2 + 1` builds `MathOp` nodes, one
per elementwise op of front/ops.py. Which numpy functions and ufuncs build which nodes is in the
tables of the expressions' section, completed by front/functions.py and front/reductions.py,
which the front package imports with itself (front/__init__.py): an expression's numpy protocol
works whatever a program imports first.
"""
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np

from .errors import JitError
from .methods import ArrayMethods
from .ops import OPS, SAME
from .protocols import JitCategory, JitCompilable, SimdCompilable


class Node:
    """Base of the built-in nodes: one `emit` serves scalar and SIMD code alike.

    Traits a node sets where it differs from these defaults:
      simd             emits vector code and keeps no state between samples; None: if PURE_MATH
      channel_simd     stateful, with double-precision state that runs channels across SIMD lanes
      mask             its value is a comparison mask, not a number
      foldable         a pure function of its inputs: all-constant inputs fold to a constant
      needs_pointer    calls through a function pointer the kernel gets at run time (bind_pointer)
      needs_arrays     evaluate() takes its inputs as whole arrays, never as scalars
      python_callback  calls Python per sample: errors are raised after the call, one channel at a time
      reduction        reduces its input over the samples axis to one value per channel (front/reductions.py)
      index            its value is a sample's index (int64), not a number
    and methods: initial_state() (one channel's state, None when stateless), evaluate_source()
    (a stateful source's n samples), bind_pointer() (with needs_pointer).
    """
    category = JitCategory.PURE_MATH
    arity = 1
    simd = None
    channel_simd = False
    mask = False
    foldable = False
    needs_pointer = False
    needs_arrays = False
    python_callback = False
    reduction = False
    index = False
    _key = None

    def key(self):
        """`_key`, which a node sets from its settings (as exact tokens), else its type's name."""
        return self._key if self._key is not None else (type(self).__name__,)

    def emit(self, ctx, args):
        """The C of the node's value, one snippet for scalars and vectors (simd.h's names)."""
        raise NotImplementedError(f"{type(self).__name__} emits no C")

    def emit_scalar(self, ctx, args):
        """emit() for one sample."""
        return self.emit(ctx, args)

    def emit_simd(self, ctx, args):
        """emit() for a vector of samples."""
        return self.emit(ctx, args)

    def evaluate(self, state, *arrays):
        """The numpy reference over the inputs' arrays (and the state, for a stateful node)."""
        raise NotImplementedError(f"{type(self).__name__} has no numpy reference")

    def initial_state(self):
        """One channel's state as a dict, or None for a node without state."""
        return None

    def evaluate_source(self, state, n):
        """n samples of a stateful source (arity 0), for the numpy backend."""
        raise NotImplementedError(f"{type(self).__name__} is not a stateful source")

    def bind_pointer(self, keepalive, errors):
        """(address, reset) of the function the kernel calls for this node: keepalive holds what
        the address points into; errors collects exceptions raised during a call; reset (or
        None) restores what the node keeps per kernel."""
        raise NotImplementedError(f"{type(self).__name__} has no function pointer")

    def __repr__(self):
        return f"{type(self).__name__}{self.key()[1:]}"

    def __call__(self, *inputs: "Expr | float") -> "Expr":
        """Apply the node to input expressions (sources take none): `Gain(0.5)(x)`."""
        return Expr(self, inputs)


@dataclass(frozen=True)
class NodeTraits:
    """What the pipeline needs to know of one node, worked out once per graph (traits_of)."""
    vector: bool            # goes in a block kernel's vector loop
    channel_vector: bool    # may run with channels across SIMD lanes
    mask: bool
    foldable: bool
    needs_pointer: bool
    needs_arrays: bool
    stateful: bool
    python_callback: bool
    reduction: bool
    index: bool


def traits_of(node):
    """The node's traits, from what it defines or Node's defaults (for protocol-only nodes)."""
    simd_capable = isinstance(node, Node) or isinstance(node, SimdCompilable)
    wants_simd = getattr(node, "simd", None)
    if wants_simd is None:
        wants_simd = node.category is JitCategory.PURE_MATH
    vector = isinstance(node, Input) or (bool(wants_simd) and simd_capable)
    stateful = node.initial_state() is not None
    return NodeTraits(
        vector=vector,
        channel_vector=vector or (bool(getattr(node, "channel_simd", False)) and simd_capable),
        mask=bool(getattr(node, "mask", False)),
        foldable=bool(getattr(node, "foldable", False)),
        needs_pointer=bool(getattr(node, "needs_pointer", False)),
        needs_arrays=stateful or bool(getattr(node, "needs_arrays", False)),
        stateful=stateful,
        python_callback=bool(getattr(node, "python_callback", False)),
        reduction=bool(getattr(node, "reduction", False)),
        index=bool(getattr(node, "index", False)))


def real_number(value, what):
    """`value` as a Python float, or a TypeError/ValueError saying why it is not one."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise TypeError(f"{what} must be a real number, not {type(value).__name__}")
    try:
        return float(value)
    except OverflowError:
        raise ValueError(f"{what} is too large for a float (beyond ±1.8e308)") from None


def exact(value):
    """A float as an exact, hashable, JSON-able token (hex), for node keys."""
    return float(value).hex()


# -- expressions ----------------------------------------------------------------------------------

class Expr(ArrayMethods):
    """One node applied to its input expressions. `_sid` is its structure's number, given on
    first compile (canonical.structure_id): equal structures get equal numbers. numpy's array
    methods (x.sum(), x.clip(lo, hi), ...) are front/methods.py's."""
    __slots__ = ("node", "args", "_sid")

    def __init__(self, node: "Node | JitCompilable", args: "Iterable[Expr | float]" = ()) -> None:
        if not (isinstance(node, Node) or isinstance(node, JitCompilable)):  # Node first: Protocol checks are slow
            raise TypeError(f"{type(node).__name__} is not a JitCompilable node")
        args = tuple(as_expr(a) for a in args)
        if len(args) != node.arity:
            raise JitError(f"{node!r} takes {node.arity} input(s), got {len(args)}")
        self.node = node
        self.args = args
        self._sid = None

    def __repr__(self):
        from .display import expr_repr   # here: display reads the node classes defined below
        return expr_repr(self)

    def __add__(self, other: "Expr | float") -> "Expr":
        return apply("add", self, other)

    def __radd__(self, other: "Expr | float") -> "Expr":
        return apply("add", other, self)

    def __sub__(self, other: "Expr | float") -> "Expr":
        return apply("sub", self, other)

    def __rsub__(self, other: "Expr | float") -> "Expr":
        return apply("sub", other, self)

    def __mul__(self, other: "Expr | float") -> "Expr":
        return apply("mul", self, other)

    def __rmul__(self, other: "Expr | float") -> "Expr":
        return apply("mul", other, self)

    def __truediv__(self, other: "Expr | float") -> "Expr":
        return apply("div", self, other)

    def __rtruediv__(self, other: "Expr | float") -> "Expr":
        return apply("div", other, self)

    def __pow__(self, other: "Expr | float") -> "Expr":
        return NAMED_OPS["pow"](self, other)   # rj.pow: numpy's exact x**2, x**0.5, x**-1, ...

    def __rpow__(self, other: "Expr | float") -> "Expr":
        return NAMED_OPS["pow"](other, self)

    def __mod__(self, other: "Expr | float") -> "Expr":
        return apply("remainder", self, other)

    def __rmod__(self, other: "Expr | float") -> "Expr":
        return apply("remainder", other, self)

    def __floordiv__(self, other: "Expr | float") -> "Expr":
        return apply("floor_divide", self, other)

    def __rfloordiv__(self, other: "Expr | float") -> "Expr":
        return apply("floor_divide", other, self)

    def __divmod__(self, other: "Expr | float") -> "tuple[Expr, Expr]":
        return apply("floor_divide", self, other), apply("remainder", self, other)

    def __rdivmod__(self, other: "Expr | float") -> "tuple[Expr, Expr]":
        return apply("floor_divide", other, self), apply("remainder", other, self)

    def __lt__(self, other: "Expr | float") -> "Expr":
        return apply("lt", self, other)

    def __le__(self, other: "Expr | float") -> "Expr":
        return apply("le", self, other)

    def __gt__(self, other: "Expr | float") -> "Expr":
        return apply("gt", self, other)

    def __ge__(self, other: "Expr | float") -> "Expr":
        return apply("ge", self, other)

    def __eq__(self, other: "Expr | float") -> "Expr":  # type: ignore[override]
        return apply("eq", self, other)

    def __ne__(self, other: "Expr | float") -> "Expr":  # type: ignore[override]
        return apply("ne", self, other)

    __hash__ = object.__hash__   # == builds a mask, so expressions hash (and meet in sets) by identity

    def __and__(self, other: "Expr | float") -> "Expr":
        return apply("mask_and", self, other)

    def __or__(self, other: "Expr | float") -> "Expr":
        return apply("mask_or", self, other)

    def __rand__(self, other: "Expr | float") -> "Expr":
        return apply("mask_and", other, self)

    def __ror__(self, other: "Expr | float") -> "Expr":
        return apply("mask_or", other, self)

    def __xor__(self, other: "Expr | float") -> "Expr":
        return NAMED_OPS["logical_xor"](self, other)

    def __rxor__(self, other: "Expr | float") -> "Expr":
        return NAMED_OPS["logical_xor"](other, self)

    def __neg__(self) -> "Expr":
        return apply("neg", self)

    def __pos__(self) -> "Expr":
        return self

    def __abs__(self) -> "Expr":
        return apply("abs", self)

    def __invert__(self) -> "Expr":
        return apply("mask_not", self)

    @property
    def real(self) -> "Expr":
        """The expression itself: resin_jit's values are real (numpy's .real of a real array)."""
        return self

    @property
    def imag(self) -> "Expr":
        """0.0: a real value has no imaginary part (numpy's .imag of a real array)."""
        return as_expr(0.0)

    def __bool__(self):
        raise TypeError("an expression has no truth value until it runs: write rj.where(mask, a, b) for "
                        "if/else, & | ~ for and/or/not, and (a < x) & (x < b) for a < x < b")

    def __array__(self, dtype=None, copy=None):
        raise TypeError("an expression is a graph to compile, not an array: make a kernel of it "
                        "(kernel = rj.JitCompiler().compile(expr)) and call that on arrays (kernel(xs))")

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
        # a numpy scalar on the left (np.float32(1) < x) comes as a 0-d array: its number
        inputs = [value[()] if isinstance(value, np.ndarray) else value for value in inputs]
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
    """op(*args) as an expression, converting masks and numbers to what each operand needs. On
    masks only, numpy's result on bools: a mask where numpy gives one (bool + bool is `or`,
    bool * bool `and`), numpy's TypeError where it refuses (bool - bool)."""
    args = [as_expr(arg) for arg in args]
    masks = [bool(getattr(arg.node, "mask", False)) for arg in args]
    rule = OPS[op]
    if (rule.on_masks or rule.refuses_masks) and all(masks):
        if rule.refuses_masks:
            raise TypeError(rule.refuses_masks)
        return args[0] if rule.on_masks == SAME else apply(rule.on_masks, *args)
    fixed = []
    for i, (arg, is_mask) in enumerate(zip(args, masks)):
        if i in rule.takes_masks and not is_mask:
            arg = Expr(MathOp("ne"), (arg, Const(0.0)))      # a number as a condition: nonzero is true
        elif i not in rule.takes_masks and is_mask:
            arg = Expr(MathOp("from_mask"), (arg,))           # a mask as a number: 1.0 or 0.0
        fixed.append(arg)
    return Expr(MathOp(op), fixed)


# -- the built-in nodes ---------------------------------------------------------------------------

class MathOp(Node):
    """One elementwise op of ops.OPS: its C rule and its numpy reference."""

    def __init__(self, op):
        if op not in OPS:
            raise ValueError(f"unknown op {op!r}")
        self.op = op
        self.arity = OPS[op].arity
        self.mask = OPS[op].mask
        self.foldable = OPS[op].foldable
        self._key = ("Op", op)

    def emit(self, ctx, args):
        return ctx.op(self.op, *args)

    def evaluate(self, state, *args):
        return OPS[self.op].numpy(*args)

    def __repr__(self):
        return self.op


class Input(Node):
    """A named input array; the emitter binds it to a buffer, so it emits nothing itself."""
    arity = 0

    # A call's own keywords: an input of one of these names could not be passed by name.
    RESERVED = ("out", "n", "threads")

    def __init__(self, name):
        if not isinstance(name, str) or not name:
            raise TypeError(f"an input name must be a non-empty str, not {name!r}")
        name = str.__str__(name)   # an exact str: a subclass's methods never run again
        if name in self.RESERVED:
            raise ValueError(f"{name!r} cannot name an input: kernel calls take {', '.join(self.RESERVED)} "
                             "as keywords of their own")
        self.name = name
        self._key = ("Input", name)

    def evaluate(self, state, *arrays):
        raise AssertionError("inputs are bound by the evaluator")


class Const(Node):
    arity = 0

    def __init__(self, value):
        self.value = real_number(value, "a constant")
        self._key = ("Const", exact(self.value))

    def __repr__(self):
        return repr(self.value)

    def emit(self, ctx, args):
        return ctx.const(self.value)

    def evaluate(self, state, *arrays):
        return self.value


class Param(Node):
    """A runtime parameter: a value the kernel reads at each call, changed without recompiling."""
    arity = 0

    def __init__(self, name, default=0.0):
        if not isinstance(name, str) or not name:
            raise TypeError(f"a parameter name must be a non-empty str, not {name!r}")
        self.name = name
        self.default = real_number(default, f"the default of parameter {name!r}")
        self._key = ("Param", name)  # the value is not part of the key: changing it needs no compile

    def __repr__(self):
        return f"param {self.name!r}"

    def emit(self, ctx, args):
        return ctx.param(self.name)

    def evaluate(self, state, *arrays):
        raise AssertionError("parameters are bound by the evaluator")


class Affine(Node):
    """a * x + b: the seed project's one example, here an ordinary one-node graph; a a linear factor
    and b an offset in the signal's units, any finite numbers."""

    def __init__(self, a, b):
        self.a, self.b = real_number(a, "a"), real_number(b, "b")
        self._key = ("Affine", exact(self.a), exact(self.b))

    def emit(self, ctx, args):
        return ctx.op("fma", args[0], ctx.const(self.a), ctx.const(self.b))

    def evaluate(self, state, x):
        dtype = x.dtype
        return (x * dtype.type(self.a) + dtype.type(self.b)).astype(dtype, copy=False)
