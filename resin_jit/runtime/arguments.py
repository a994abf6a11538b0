"""The slow path's arguments: inputs converted as numpy would, outputs checked, overlaps found.

The C call path (csrc/dispatch_kernel.c) takes what already fits; every other call lands here
first, which turns what it can into arrays of the kernel's dtype and explains the rest.
"""
import numpy as np


def as_input(value, dtype, name):
    """An input as a C-contiguous, aligned array of `dtype`, copied only when needed."""
    try:
        arr = np.asarray(value)
        complex_ = arr.dtype.kind == "c"
        if arr.dtype.kind in "USMmV":   # text, dates, raw bytes: numpy's ufuncs refuse them too
            raise TypeError(f"an array of {arr.dtype} holds no numbers")
        arr = arr if complex_ else arr.astype(dtype, copy=False)
    except (TypeError, ValueError) as exc:
        raise TypeError(f"input {name!r} cannot be converted to {dtype}: {exc}") from None
    if complex_:   # numpy's astype would drop the imaginary part with only a warning
        raise TypeError(f"input {name!r} is complex ({arr.dtype}); kernels compute on real numbers: "
                        "pass its .real, .imag or abs() explicitly")
    if arr.ndim > 2:
        raise ValueError(f"input {name!r} must be 1-D (samples) or 2-D (channels, samples), not {arr.ndim}-D")
    return np.require(arr, dtype, ["C", "A"])


def check_output(arr, dtype, shape, name):
    if not isinstance(arr, np.ndarray):
        raise TypeError(f"output {name!r} must be a numpy.ndarray of {dtype}, not {type(arr).__name__}")
    if arr.dtype != dtype:
        raise TypeError(f"output {name!r} must have dtype {dtype}, not {arr.dtype}")
    if not arr.flags.c_contiguous:
        raise ValueError(f"output {name!r} must be C-contiguous")
    if not arr.flags.writeable:
        raise ValueError(f"output {name!r} is read-only")
    if not arr.flags.aligned:
        raise ValueError(f"output {name!r} is not aligned to its element size")
    if shape is not None and arr.shape != shape:
        raise ValueError(f"output {name!r} has shape {arr.shape}, the inputs have shape {shape}")


def same_buffer(a, b):
    return a.__array_interface__["data"][0] == b.__array_interface__["data"][0] and a.nbytes == b.nbytes


def check_outputs_apart(outputs):
    """Outputs may be one array twice, never two arrays that partly overlap."""
    for j, a in enumerate(outputs):
        for k in range(j):
            if np.may_share_memory(a, outputs[k]) and not same_buffer(a, outputs[k]):
                raise ValueError(f"outputs 'out{k}' and 'out{j}' partly overlap in memory")
