"""Call: kernels compiled without a dtype, which compute in their inputs' dtype as numpy's ufuncs do.

A `FollowingKernel` is its graph's float32 kernel; its float64 sibling is made on first use (from
memory, the disk cache, a prebuilt layer or the compiler) and handed to the C call path, which from
then on runs float64 arrays through it without Python (csrc/dispatch_kernel.c: a call whose arrays
do not fit the kernel tries its sibling). What the C path leaves (numbers alone, integer or mixed
arrays, lists) lands in `_call_slow` / `_process_slow` here, which decide as numpy promotes
(`computing_dtype`) and hand the call to the kernel of that dtype. Parameters set on one are set on
both; a stateful kernel keeps one state per dtype it has run.
"""
import numpy as np

from .arguments import NOT_GIVEN
from .kernel import Kernel

_SMALL_INTEGERS = 2   # bytes: numpy computes int8/int16 (and bool) arrays' functions in float32 or less


def _listed(out):
    """out= as a list of outputs (None entries kept)."""
    return [] if out is None else list(out) if isinstance(out, (list, tuple)) else [out]


def computing_dtype(values):
    """"float32" or "float64": what numpy's promotion of `values` computes in (NEP 50: arrays and
    numpy scalars are typed, Python numbers are not), float32 where that is float32 or narrower
    (float16, bool, 8- and 16-bit integers), else float64; float64 for Python numbers alone, as numpy
    makes of a Python float."""
    typed = []
    for value in values:
        if isinstance(value, (np.ndarray, np.generic)):
            typed.append(value.dtype)
        elif not isinstance(value, (bool, int, float)):
            typed.append(np.asarray(value).dtype)   # a list, a memoryview, an object with __array__
    if not typed:
        return "float64"
    result = np.result_type(*typed)
    narrow = (result.kind == "f" and result.itemsize <= 4) or result.kind == "b" or \
        (result.kind in "iu" and result.itemsize <= _SMALL_INTEGERS)
    return "float32" if narrow else "float64"


class FollowingKernel(Kernel):
    """A kernel compiled without dtype=: float32 arrays run in float32, float64 arrays (and
    integers, and numbers alone) in float64, each variant compiled on first use. `dtype` is the
    float32 variant's; `dtypes` lists the variants made so far."""

    _graph64 = None   # () -> the graph canonicalised for float64 (constants folded in float64)
    _make = None      # graph -> the float64 Kernel of it (JitCompiler's)

    def _follow(self, graph64, make):
        """Set by the compiler once, on a new kernel."""
        self._graph64, self._make = graph64, make
        self._follows = 1

    @property
    def dtypes(self):
        """The dtypes this kernel has variants for so far: ('float32',) or ('float32', 'float64')."""
        return ("float32",) if self._sibling is None else ("float32", "float64")

    def _variant(self, dtype):
        if dtype == "float32":
            return self
        sibling = self._sibling
        if sibling is None:
            sibling = self._make(self._graph64())
            for name, value in self.params.items():
                sibling.set_param(name, value)
            self._sibling = sibling
        return sibling

    def _dtype_of_call(self, inputs, outputs):
        """The dtype a call runs in: that of the first float32 or float64 output given (out=, as
        numpy's ufuncs write into it), else of the inputs as numpy promotes; a kernel without inputs
        (an oscillator) float32 unless an output says otherwise."""
        for o in outputs:
            if isinstance(o, np.ndarray) and o.dtype.name in ("float32", "float64"):
                return o.dtype.name
        return computing_dtype(inputs) if self.n_inputs else "float32"

    def _call_slow(self, *arrays, out=None, **named):
        inputs = [*arrays, *(value for name, value in named.items() if name in self.input_names)]
        kernel = self._variant(self._dtype_of_call(inputs, _listed(out)))
        if kernel is self:
            return super()._call_slow(*arrays, out=out, **named)
        return kernel(*arrays, **named) if out is None else kernel(*arrays, out=out, **named)

    def _process_slow(self, *arrays, out=NOT_GIVEN, **named):
        given = _listed(out) if out is not NOT_GIVEN else list(arrays[self.n_inputs:]) if not named else []
        inputs = [*arrays[:self.n_inputs], *(value for name, value in named.items() if name in self.input_names)]
        kernel = self._variant(self._dtype_of_call(inputs, given))
        if kernel is self:
            return super()._process_slow(*arrays, out=out, **named)
        return kernel.process(*arrays, **named) if out is NOT_GIVEN else kernel.process(*arrays, out=out, **named)

    def set_param(self, name, value):
        super().set_param(name, value)
        if self._sibling is not None:
            self._sibling.set_param(name, value)

    def reset(self):
        super().reset()
        if self._sibling is not None:
            self._sibling.reset()


FollowingKernel.__doc__ = f"""{FollowingKernel.__doc__}
    Everything else as a Kernel's:
    {Kernel.__doc__}"""
