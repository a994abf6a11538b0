"""The graph core: what a node is, and the built-in nodes.

A node emits a C snippet through the JitContext it is handed, against csrc/simd.h's names,
so one snippet serves every ISA tier, scalar code and vector code. Every node also has a
numpy reference (`evaluate`), which is both the fallback backend and the tests' oracle.
Nodes are connected by expressions (front/expr.py): `x * 2 + 1` builds `MathOp` nodes, one per
elementwise op of front/ops.py.
"""
import enum
from dataclasses import dataclass
from typing import Protocol, Sequence, runtime_checkable

import numpy as np

from .ops import OPS


class JitCategory(enum.Enum):
    """What a node is, as the pipeline sees it."""
    PURE_MATH = "pure_math"   # inlined, vectorised
    STATEFUL = "stateful"     # keeps state between samples and between calls
    EXTERNAL = "external"     # calls a named C function


@runtime_checkable
class JitCompilable(Protocol):
    """A node that can emit C for scalar values.

    `arity` is the number of input edges. `key()` identifies the node's behaviour (its type
    and constants) as JSON-able data: two nodes with equal keys compute the same thing.
    `emit_scalar(ctx, args)` returns a C expression over the C expressions `args`, and may
    add statements and state through `ctx`. `evaluate(state, *arrays)` is the numpy reference.

    The pipeline also reads the traits below; a node that does not define one gets the default
    that `rj.Node` defines (see Node and NodeTraits).
    """
    category: JitCategory
    arity: int

    def key(self) -> tuple:
        """What the node computes, as JSON-able data (floats as exact hex tokens)."""

    def emit_scalar(self, ctx, args: Sequence[str]) -> str:
        """A C expression of the node's value on one sample, over its inputs' C expressions `args`."""

    def evaluate(self, state, *arrays):
        """The numpy reference: the node's values over its inputs' arrays (and its state)."""


@runtime_checkable
class SimdCompilable(JitCompilable, Protocol):
    """A node that can also emit C for vector values (rj_vf / rj_vd)."""

    def emit_simd(self, ctx, args: Sequence[str]) -> str:
        """A C expression of the node's value on a vector of samples (rj_vf / rj_vd)."""


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

    def __call__(self, *inputs):
        """Apply the node to input expressions (sources take none): `Gain(0.5)(x)`."""
        from .expr import Expr   # expressions are built on nodes: the one import back, when first applied
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
    """a * x + b: the seed project's one example, here an ordinary one-node graph."""

    def __init__(self, a, b):
        self.a, self.b = real_number(a, "a"), real_number(b, "b")
        self._key = ("Affine", exact(self.a), exact(self.b))

    def emit(self, ctx, args):
        return ctx.op("fma", args[0], ctx.const(self.a), ctx.const(self.b))

    def evaluate(self, state, x):
        dtype = x.dtype
        return (x * dtype.type(self.a) + dtype.type(self.b)).astype(dtype, copy=False)
