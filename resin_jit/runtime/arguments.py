"""The slow path's arguments: inputs converted as numpy would, outputs checked, overlaps found.

The C call path (csrc/dispatch_kernel.c) takes what already fits; every other call lands here
first, which turns what it can into arrays of the kernel's dtype and explains the rest.
"""
import warnings

import numpy as np

from ..front.errors import PrecisionWarning
from .layout import callers_level


def as_input(value, dtype, name):
    """An input as a C-contiguous, aligned array of `dtype`, copied only when needed."""
    try:
        arr = np.asarray(value)
        complex_ = arr.dtype.kind == "c"
        if arr.dtype.kind in "USMmV":   # text, dates, raw bytes: numpy's ufuncs refuse them too
            raise TypeError(f"an array of {arr.dtype} holds no numbers")
        if arr.dtype.kind == "O" and any(v is None for v in arr.flat):   # numpy would make it NaN silently
            raise TypeError("None is not a number (numpy's ufuncs refuse it too): pass a number or an array")
        arr = arr if complex_ else arr.astype(dtype, copy=False)
    except (TypeError, ValueError) as exc:
        raise TypeError(f"input {name!r} cannot be converted to {dtype}: {exc}") from None
    if complex_:   # numpy's astype would drop the imaginary part with only a warning
        raise TypeError(f"input {name!r} is complex ({arr.dtype}); kernels compute on real numbers: "
                        "pass its .real, .imag or abs() explicitly")
    if arr.ndim > 2:
        raise ValueError(f"input {name!r} must be 1-D (samples) or 2-D (channels, samples), not {arr.ndim}-D")
    return np.require(arr, dtype, ["C", "A"])


NOT_GIVEN = object()   # process() without out=: its outputs come by position


def outputs_given(out, count, what):
    """A call's out= as one entry per output: the array given, or None for one the call makes
    (numpy's ufuncs: an array for one output, a tuple of one per output, None to make them all)."""
    if out is None:
        return [None] * count
    if isinstance(out, (list, tuple)):
        outputs = list(out)
    elif count == 1:
        outputs = [out]
    else:
        raise TypeError(f"this {what} has {count} outputs: out= takes a tuple of {count} arrays, one per output "
                        "(None for one the call makes), not one array")
    if len(outputs) != count:
        raise TypeError(f"out= gives {len(outputs)} array(s) and this {what} has {count} output(s): give one array "
                        "per output, None for one the call makes")
    return outputs


def check_output(arr, dtype, shape, name):
    """An output must be an array the kernel can write into as it is: else the error, and its fix."""
    wanted = shape if shape is not None else getattr(arr, "shape", None)
    make = f"np.empty({wanted}, {dtype.name!r})" if wanted is not None else f"an array of {dtype.name}"
    if not isinstance(arr, np.ndarray):
        raise TypeError(f"output {name!r} must be a numpy.ndarray of {dtype}, not {type(arr).__name__}: "
                        f"pass {make}, or None for one the call makes")
    if arr.dtype != dtype:
        raise TypeError(f"output {name!r} must have dtype {dtype}, not {arr.dtype}: pass {make}, or None "
                        "for one the call makes (the kernel's output_dtypes gives each output's)")
    if not arr.flags.c_contiguous:
        raise ValueError(f"output {name!r} must be C-contiguous: pass a contiguous array (np.empty_like, "
                         "not a strided view), then copy it where you want the values")
    if not arr.flags.writeable:
        raise ValueError(f"output {name!r} is read-only: pass a writeable array, or None for one the call makes")
    if not arr.flags.aligned:
        raise ValueError(f"output {name!r} is not aligned to its element size: pass {make}")
    if shape is not None and arr.shape != shape:
        raise ValueError(f"output {name!r} has shape {arr.shape} where this call needs {shape} (the samples', or one "
                         f"value per channel for a reduction): pass {make}, or None for one the call makes")


def same_buffer(a, b):
    return a.__array_interface__["data"][0] == b.__array_interface__["data"][0] and a.nbytes == b.nbytes


def check_outputs_apart(outputs):
    """Outputs may be one array twice, never two arrays that partly overlap."""
    for j, a in enumerate(outputs):
        for k in range(j):
            if np.may_share_memory(a, outputs[k]) and not same_buffer(a, outputs[k]):
                raise ValueError(f"outputs 'out{k}' and 'out{j}' partly overlap in memory")


def warn_if_narrowed(kernel, name, value):
    """Once per kernel: float64 data given to a kernel fixed at float32 (compiled with
    dtype=float32, or a JitConfig's) loses precision in the conversion; say so, and how not to."""
    if kernel.dtype == np.float32 and not kernel._follows and not getattr(kernel, "_narrowed", False) \
            and isinstance(value, (np.ndarray, np.generic)) and value.dtype == np.float64:
        kernel._narrowed = True
        warnings.warn(f"input {name!r} is float64 and this kernel computes in float32 (compiled with "
                      "dtype=float32): converted, its values rounded to float32. Compile without dtype= "
                      "(the kernel then follows its inputs' dtype) or with dtype=np.float64 to keep them",
                      PrecisionWarning, stacklevel=callers_level())
