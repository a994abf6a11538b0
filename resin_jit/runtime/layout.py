"""Which axis of a 2-D array holds the channels: a kernel's calls take `channel_axis=` (0, the
default: (channels, n); -1: (n, channels), soundfile's frames × channels), and an array that
looks transposed gets a word (kernel.py's slow path; audio/io.py's write_wav refuses one).
"""
import sys
import warnings

import numpy as np

# A 2-D array with more rows than this, each holding at most 1/RATIO as many samples as there are
# rows, is read as frames × channels passed where (channels, n) was meant: (48000, 2), (1000, 1).
ROWS_OVER = 64
RATIO = 16


def channels_last(channel_axis):
    """True for channel_axis -1 or 1 ((n, channels)), False for None, 0 or -2 ((channels, n))."""
    if channel_axis is None:
        return False
    if isinstance(channel_axis, (bool, np.bool_)) or not isinstance(channel_axis, (int, np.integer)):
        raise TypeError(f"channel_axis must be an int (0 or -1), not {type(channel_axis).__name__}")
    if channel_axis not in (0, 1, -1, -2):
        raise ValueError(f"channel_axis is 0 for (channels, n) arrays (the default) or -1 for (n, channels) "
                         f"(soundfile's frames × channels), not {channel_axis}")
    return channel_axis in (1, -1)


def looks_transposed(shape):
    """True if a 2-D (channels, n) `shape` has far more channels than samples per channel."""
    return len(shape) == 2 and shape[0] > ROWS_OVER and shape[0] >= RATIO * shape[1]


def warn_if_transposed(kernel, shape):
    """Once per kernel: a stateful kernel given (channels, n) with far more channels than samples
    per channel was probably handed soundfile's (n, channels)."""
    if looks_transposed(shape) and not getattr(kernel, "_warned_transposed", False):
        kernel._warned_transposed = True
        message = (f"a stateful kernel keeps one state per row and got an array of shape {tuple(shape)}: "
                   f"{shape[0]} channels of {shape[1]} sample(s) each. If it holds {shape[1]} channel(s) of "
                   f"{shape[0]} samples (soundfile's frames × channels), pass channel_axis=-1 or its .T "
                   "(channel_axis=0 says the layout is meant and silences this)")
        warnings.warn(message, UserWarning, stacklevel=callers_level())


def callers_level():
    """The stacklevel of the first frame outside resin_jit, for warnings.warn called by our caller."""
    frame, level = sys._getframe(1), 1
    while frame is not None and frame.f_globals.get("__name__", "").startswith("resin_jit."):
        frame, level = frame.f_back, level + 1
    return level


def new_output(shape, dtype, transposed):
    """np.empty(shape, dtype); with `transposed`, the transpose of a C-contiguous (channels, n) array,
    so that the kernel writes straight into it."""
    return np.empty(shape[::-1], dtype).T if transposed else np.empty(shape, dtype)


def process_channels_last(kernel, inputs, outputs, threads):
    """kernel.process on (n, channels) arrays: the kernel runs on their transposes. An output whose
    transpose is C-contiguous (as kernel(..., channel_axis=-1) makes them) is written in place; any
    other gets a scratch array, copied into it once after the run."""
    per_sample = [o for o, per_row in zip(outputs, kernel._per_row) if not per_row]
    try:
        shape = np.broadcast_shapes(*(np.shape(a) for a in [*inputs, *per_sample]))
    except ValueError:
        raise ValueError(f"the inputs and outputs of shapes {[np.shape(a) for a in [*inputs, *per_sample]]} "
                         "do not broadcast together") from None
    if len(shape) != 2:   # one channel: nothing to move
        return kernel._process_slow(*inputs, out=outputs, threads=threads, channel_axis=0)
    moved, copies = [], []
    for j, (o, per_row) in enumerate(zip(outputs, kernel._per_row)):
        if per_row or not isinstance(o, np.ndarray) or o.ndim != 2 or o.T.flags.c_contiguous:
            moved.append(o.T if isinstance(o, np.ndarray) and not per_row else o)
            continue
        if not o.flags.writeable:
            raise ValueError(f"output 'out{j}' is read-only")
        scratch = np.empty(o.shape[::-1], o.dtype)
        moved.append(scratch)
        copies.append((o, scratch))
    kernel._process_slow(*[np.broadcast_to(a, shape).T for a in inputs], out=moved, threads=threads, channel_axis=0)
    for o, scratch in copies:
        o[...] = scratch.T
