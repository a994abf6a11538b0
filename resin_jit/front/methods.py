"""numpy's array methods on expressions: `x.sum()`, `x.mean()`, `x.max()`, `x.clip(lo, hi)`, ...

Each is numpy's function of its name on the expression (`x.sum()` is `np.sum(x)`), which the
expression's numpy protocol (front/nodes.py's NUMPY_FUNCTIONS) builds with rj.sum, rj.clip and the
rest: one rule for the method, the numpy function and the rj function. Reductions run over the
samples (axis None or -1), one value per channel.
"""
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from numpy.typing import DTypeLike

    from .nodes import Expr


class ArrayMethods:
    """The array methods of front/nodes.py's Expr."""
    __slots__ = ()

    def sum(self, axis: "int | None" = None, **kwargs: Any) -> "Expr":
        """rj.sum(x): the sum over the samples, in double (numpy's x.sum())."""
        return np.sum(self, axis=axis, **kwargs)

    def prod(self, axis: "int | None" = None, **kwargs: Any) -> "Expr":
        """rj.prod(x): the product over the samples, in double (numpy's x.prod())."""
        return np.prod(self, axis=axis, **kwargs)

    def mean(self, axis: "int | None" = None, **kwargs: Any) -> "Expr":
        """rj.mean(x): the mean over the samples (numpy's x.mean())."""
        return np.mean(self, axis=axis, **kwargs)

    def max(self, axis: "int | None" = None, **kwargs: Any) -> "Expr":
        """rj.max(x): the largest sample, NaN if any is (numpy's x.max())."""
        return np.max(self, axis=axis, **kwargs)

    def min(self, axis: "int | None" = None, **kwargs: Any) -> "Expr":
        """rj.min(x): the smallest sample, NaN if any is (numpy's x.min())."""
        return np.min(self, axis=axis, **kwargs)

    def argmax(self, axis: "int | None" = None, **kwargs: Any) -> "Expr":
        """rj.argmax(x): the index of the largest sample, the first on ties (numpy's x.argmax())."""
        return np.argmax(self, axis=axis, **kwargs)

    def argmin(self, axis: "int | None" = None, **kwargs: Any) -> "Expr":
        """rj.argmin(x): the index of the smallest sample, the first on ties (numpy's x.argmin())."""
        return np.argmin(self, axis=axis, **kwargs)

    def clip(self, min: "Expr | float | None" = None, max: "Expr | float | None" = None,  # noqa: A002
             **kwargs: Any) -> "Expr":  # noqa: A002 - numpy's names
        """rj.clip(x, min, max): x limited to [min, max]; None is no bound on that side (numpy's x.clip())."""
        return np.clip(self, min, max, **kwargs)

    def astype(self, dtype: "DTypeLike", copy: bool = True) -> "Expr":
        """The expression as numpy's bools or as numbers (numpy's x.astype()).

        A bool dtype gives a mask (x != 0: nonzero is true); a floating dtype gives numbers (a mask's
        true is 1.0, false 0.0), computed in the kernel's dtype as every number of a graph is. An
        integer dtype is refused: say how to round (rj.floor(x), rj.rint(x)).
        """
        kind = np.dtype(dtype).kind
        is_mask = bool(getattr(self.node, "mask", False))
        if kind == "b":
            return self if is_mask else self != 0.0
        if kind == "f":
            return np.where(self, 1.0, 0.0) if is_mask else self
        raise TypeError(f"an expression cannot be cast to {np.dtype(dtype)}: kernels compute on floating-point "
                        "numbers (and masks); round explicitly with rj.floor(x) or rj.rint(x), or use "
                        "astype(bool) / astype(np.float32)")
