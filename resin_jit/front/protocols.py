"""What a node is to the pipeline: its category, and the protocols a node class implements
(rj.JitCompilable, rj.SimdCompilable); rj.Node (front/nodes.py) implements both."""
import enum
from typing import Protocol, Sequence, runtime_checkable


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
