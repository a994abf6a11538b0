"""What a node is: its category, the protocols it implements, and the built-in nodes.

A node emits a C snippet through the JitContext it is handed, against csrc/simd.h's names,
so one snippet serves every ISA tier, scalar code and vector code. Every node also has a
numpy reference (`evaluate`), which is both the fallback backend and the tests' oracle.
"""
import enum
import itertools
from typing import Protocol, Sequence, runtime_checkable

import numpy as np


class JitCategory(enum.Enum):
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
    """
    category: JitCategory
    arity: int

    def key(self) -> tuple: ...

    def emit_scalar(self, ctx, args: Sequence[str]) -> str: ...

    def evaluate(self, state, *arrays): ...


@runtime_checkable
class SimdCompilable(JitCompilable, Protocol):
    """A node that can also emit C for vector values (rj_vf / rj_vd)."""

    def emit_simd(self, ctx, args: Sequence[str]) -> str: ...


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


class Node:
    """Base of the built-in nodes: one `emit` serves scalar and SIMD code alike."""
    category = JitCategory.PURE_MATH
    arity = 1

    def key(self):
        return (type(self).__name__,)

    def emit(self, ctx, args):
        raise NotImplementedError

    def emit_scalar(self, ctx, args):
        return self.emit(ctx, args)

    def emit_simd(self, ctx, args):
        return self.emit(ctx, args)

    def initial_state(self):
        return None

    def __repr__(self):
        return f"{type(self).__name__}{self.key()[1:]}"

    def __call__(self, *inputs):
        """Apply the node to input expressions (sources take none): `Gain(0.5)(x)`."""
        from .graph import Expr
        return Expr(self, inputs)


class Input(Node):
    """A named input array; the emitter binds it to a buffer, so it emits nothing itself."""
    arity = 0

    def __init__(self, name):
        if not isinstance(name, str) or not name:
            raise TypeError(f"an input name must be a non-empty str, not {name!r}")
        self.name = name
        self._key = ("Input", name)

    def key(self):
        return self._key

    def evaluate(self, state, *arrays):
        raise AssertionError("inputs are bound by the evaluator")


class Const(Node):
    arity = 0

    def __init__(self, value):
        self.value = real_number(value, "a constant")
        self._key = ("Const", exact(self.value))

    def key(self):
        return self._key

    def __repr__(self):
        return repr(self.value)

    def emit(self, ctx, args):
        return ctx.const(self.value)

    def evaluate(self, state, *arrays):
        return self.value


class Affine(Node):
    """a * x + b: the seed project's one example, here an ordinary one-node graph."""

    def __init__(self, a, b):
        self.a, self.b = Const(a).value, Const(b).value
        self._key = ("Affine", exact(self.a), exact(self.b))

    def key(self):
        return self._key

    def emit(self, ctx, args):
        return ctx.op("fma", args[0], ctx.const(self.a), ctx.const(self.b))

    def evaluate(self, state, x):
        dtype = x.dtype
        return (x * dtype.type(self.a) + dtype.type(self.b)).astype(dtype, copy=False)


class RunningSum(Node):
    """y[i] = y[i-1] + x[i], the state carried across calls (the smallest STATEFUL node)."""
    category = JitCategory.STATEFUL
    channel_simd = True
    _key = ("RunningSum",)

    def emit(self, ctx, args):
        acc = ctx.state("acc", 0.0)
        ctx.emit(f"{acc} = {ctx.dop('add', acc, ctx.to_double(args[0]))};")
        return ctx.from_double(acc)

    def initial_state(self):
        return {"acc": 0.0}

    def evaluate(self, state, x):
        out = np.fromiter(itertools.accumulate(map(float, x), initial=state["acc"]), np.float64)[1:]
        if out.size:
            state["acc"] = float(out[-1])
        return out


class Param(Node):
    """A runtime parameter: a value the kernel reads at each call, changed without recompiling."""
    arity = 0

    def __init__(self, name, default=0.0):
        if not isinstance(name, str) or not name:
            raise TypeError(f"a parameter name must be a non-empty str, not {name!r}")
        self.name = name
        self.default = Const(default).value
        self._key = ("Param", name)  # the value is not part of the key: changing it needs no compile

    def key(self):
        return self._key

    def __repr__(self):
        return f"param {self.name!r}"

    def emit(self, ctx, args):
        return ctx.param(self.name)

    def evaluate(self, state, *arrays):
        raise AssertionError("parameters are bound by the evaluator")
