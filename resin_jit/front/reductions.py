"""Reductions over the samples axis, fused with the elementwise graph: `rj.sum`, `rj.mean`,
`rj.min`, `rj.max`, `rj.prod`, `rj.argmin`, `rj.argmax` (and numpy's own names on expressions).

A reduction's value is one per channel: a 0-d array for 1-D inputs, shape (channels,) for 2-D.
It may be an output beside per-sample ones, and further math on reduced values runs once per
channel after the pass (`rj.sqrt(rj.mean(y * y))`), so `jit.compile([y, rj.sqrt(rj.mean(y * y))])`
reads its input once. Sums, means and products accumulate in double, in blocks folded pairwise
(csrc/rj_reduce.h): no less accurate than numpy's pairwise float sums. Every loop a kernel may run
(vector, sample by sample, with state) folds in one order, so a reduction's value does not depend on
the graph's other outputs. min and max propagate NaN,
argmin and argmax give the first NaN's index, as numpy; they have no value over no samples.
"""
from dataclasses import dataclass

import numpy as np

from .nodes import Const, Expr, MathOp, NUMPY_FUNCTIONS, Node, as_expr



@dataclass(frozen=True)
class Reduction:
    numpy: object      # the reference over one channel's samples
    index: bool = False   # the value is a sample's index (int64), not a number of the kernel's dtype
    identity: "float | None" = None   # the value over no samples (None: an error, as numpy)


REDUCTIONS = {
    "sum": Reduction(np.sum, identity=0.0),
    "prod": Reduction(np.prod, identity=1.0),
    "mean": Reduction(np.mean, identity=float("nan")),
    "min": Reduction(np.min),
    "max": Reduction(np.max),
    "argmin": Reduction(np.argmin, index=True),
    "argmax": Reduction(np.argmax, index=True),
}


class Reduce(Node):
    """One reduction of REDUCTIONS over the samples of its input."""
    reduction = True
    needs_arrays = True

    def __init__(self, op):
        if op not in REDUCTIONS:
            raise ValueError(f"unknown reduction {op!r}; known: {', '.join(REDUCTIONS)}")
        self.op = op
        self.index = REDUCTIONS[op].index
        self._key = ("Reduce", op)

    def emit(self, ctx, args):
        raise NotImplementedError("reductions are emitted by the reduce template (assemble.reduce_source)")

    def evaluate(self, state, x):
        """The reference over one channel: `x` is its samples (1-D)."""
        x = np.asarray(x)
        rule = REDUCTIONS[self.op]
        if x.size == 0:
            if rule.identity is None:
                raise ValueError(f"{self.op} of no samples has no value (a zero-size reduction)")
            return x.dtype.type(rule.identity)
        if rule.index:
            return np.int64(rule.numpy(x))
        if self.op in ("sum", "mean", "prod"):   # in double, as the kernels accumulate
            return x.dtype.type(rule.numpy(x.astype(np.float64)))
        return rule.numpy(x)

    def __repr__(self):
        return self.op


def _reduction(op, doc):
    def fn(x: "Expr | float") -> Expr:
        x = as_expr(x)
        if not getattr(x.node, "mask", False):
            return Expr(Reduce(op), (x,))
        # a mask counts as 1.0 and 0.0, as in any arithmetic; its max and min are bools, as numpy's
        reduced = Expr(Reduce(op), (Expr(MathOp("from_mask"), (x,)),))
        return Expr(MathOp("ne"), (reduced, Const(0.0))) if op in ("max", "min") else reduced
    fn.__name__ = fn.__qualname__ = op
    fn.__doc__ = f"""{doc}

    An output beside per-sample ones, one value per channel: a 0-d array for 1-D input, shape
    (channels,) for 2-D. Math on it runs once per channel after the pass.
    """
    return fn


sum = _reduction("sum", """Sum over the samples (per channel), accumulated in double, blocked pairwise.

    >>> import numpy as np, resin_jit as rj
    >>> x = rj.input("x")
    >>> float(rj.JitCompiler().compile(rj.sum(x * x))(np.arange(4, dtype=np.float32)))
    14.0""")  # noqa: A001
prod = _reduction("prod", "Product over the samples (per channel), in double.")
mean = _reduction("mean", "Mean over the samples (per channel): the sum, in double, over the count.")
min = _reduction("min", "Smallest sample (per channel); NaN if any sample is NaN.")  # noqa: A001
max = _reduction("max", "Largest sample (per channel); NaN if any sample is NaN.")  # noqa: A001
argmin = _reduction("argmin", "Index of the smallest sample (per channel), the first on ties or NaN.")
argmax = _reduction("argmax", "Index of the largest sample (per channel), the first on ties or NaN.")


def _numpy_name(build):
    """numpy's signature for a reduction on an expression: only the samples axis, no out=."""
    def numpy_form(x, axis=None, **kwargs):
        if kwargs:
            raise TypeError(f"numpy.{build.__name__} on an expression takes no {', '.join(kwargs)}=")
        if axis not in (None, -1):
            raise TypeError(f"numpy.{build.__name__} on an expression reduces over the samples (axis=-1 or None)")
        return build(x)
    return numpy_form


NUMPY_FUNCTIONS.update({np.sum: _numpy_name(sum), np.prod: _numpy_name(prod), np.mean: _numpy_name(mean),
                        np.min: _numpy_name(min), np.max: _numpy_name(max), np.amin: _numpy_name(min),
                        np.amax: _numpy_name(max), np.argmin: _numpy_name(argmin), np.argmax: _numpy_name(argmax)})
