"""The types and signatures of a kernel's two call forms, which the C base class implements
(csrc/dispatch_kernel.c) and so cannot declare: for type checkers (`Kernel.__call__` and
`Kernel.process` in kernel.py, under TYPE_CHECKING) and for help() and inspect.signature().

`KernelType`, the kernels' metaclass, answers `Kernel.process` (on the class: help, inspect)
with `TypedCalls.process` below, documented and with a signature; `kernel.process` on an
instance is still the C method, found on the class as before, so no call goes through Python."""
from __future__ import annotations

from typing import Any, Sequence, Union

from numpy.typing import ArrayLike, NDArray

# A kernel's result: one array for one output, a tuple of arrays for several. Arrays of the kernel's
# dtype (floating), bool for a comparison or mask, int64 for argmin/argmax: hence NDArray[Any].
Array = NDArray[Any]
KernelResult = Union[Array, "tuple[Array, ...]"]
Outputs = Union[Array, Sequence[Union[Array, None]], None]   # one array, or one (or None) per output


class TypedCalls:
    """For type checkers and help(), never instantiated: the two call forms as the C base class
    implements them. Under TYPE_CHECKING, kernel.py puts it first among Kernel's bases."""

    def __call__(self, *inputs: ArrayLike, n: int | None = None, threads: int | None = None, out: Outputs = None,
                 channel_axis: int | None = None, **named: ArrayLike) -> KernelResult:
        """The outputs: one array for one output, a tuple for several; inputs by position or by
        name, numbers broadcast; ``n=`` is the length of a kernel without inputs; ``out=`` arrays
        you own (returned themselves; None for one the call makes), as numpy's ufuncs take it."""
        raise AssertionError("documentation only: calling a kernel is the C base class's call")

    def process(self, *arrays: ArrayLike, out: Outputs = None, threads: int | None = None,
                channel_axis: int | None = None, **named: ArrayLike) -> None:
        """Write the outputs into arrays you own: ``process(*inputs, *outputs)`` or
        ``process(*inputs, out=...)`` (one array, or a list of one per output), inputs by position or
        by name (then ``out=``). Outputs are writable, C-contiguous arrays of each output's dtype and
        shape (a reduction's: one value per channel); an output may be an input. ``threads=N`` splits
        a large call; ``channel_axis=-1`` takes (n, channels) arrays. Returns None."""
        raise AssertionError("documentation only: kernel.process is the C base class's method")


class KernelType(type):
    """The metaclass of kernels: `Kernel.process` on the class is the documented signature above."""

    @property
    def process(cls) -> Any:
        """The signature and docstring of ``kernel.process`` (see the module's docstring)."""
        return TypedCalls.process

