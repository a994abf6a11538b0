"""bind, permute and bundle over batches (batches.py): the engine delegates here when an argument
is a batch. Each is one C call per batch (csrc/vsa_batch.h), split across threads for a large
one (the call releases the GIL), or numpy (reference.py) where the engine has no kernel.

Results are new and take the batch's type: an (N, dim) int8 array for a dense batch (or a list of
TritVectors), a PackedBatch for a packed one (or a list of PackedTritVectors); with batches of
both layouts, the first's. A bundle that reduces a batch to one vector gives a TritVector or a
PackedTritVector; an (G, K, dim) array bundled over one axis gives an (G or K, dim) array.
"""
import math

import numpy as np

from ..runtime import parallel
from . import reference
from .batch_out import Out
from .batches import Operand, check_trits, dense_rows, is_batch, operand  # noqa: F401
from .vectors import PackedTritVector, TritVector, _dense, _packed, words_for

# Bytes of batch below which a call runs on one thread: a round trip through the pool costs 20-80 us
# (more on a busy machine), and bind and permute pass about 10 bytes a nanosecond. A bundle that
# unpacks packed rows (to weight them) counts a byte per trit.
THREAD_THRESHOLD_BYTES = 1 << 22
_I8, _U64 = np.dtype(np.int8), np.dtype(np.uint64)
_NO_INT, _NO_FLOAT = np.zeros(0, np.int64), np.zeros(0, np.float64)


def bind(engine, a, b, threads=None, out=None):
    """Rows of a times rows of b: two batches of the same rows (or one of a single row), or a
    batch and one vector, which multiplies every row. out=: see batch_out.py."""
    x, y = operand(a, "a"), operand(b, "b")
    if x.dim != y.dim:
        raise ValueError(f"vectors of different dimensions: bind of shapes {x.shape()} and {y.shape()}")
    if x.n is not None and y.n is not None and x.n != y.n and 1 not in (x.n, y.n):
        raise ValueError(f"bind cannot broadcast batches of shapes {x.shape()} and {y.shape()}: give batches of the "
                         f"same number of rows, or one of them a single vector")
    if x.n is None and y.n is None:
        raise ValueError("bind with out= takes a batch; two vectors' product is a new vector: drop out=")
    layout = x.layout if x.n is not None else y.layout
    x, y = x.as_layout(layout, "a"), y.as_layout(layout, "b")
    n = 0 if 0 in (x.n, y.n) else max(r for r in (x.n, y.n) if r is not None)   # (1, dim) by (0, dim): none
    target = Out(out, layout, n, x.dim)
    kernel = engine._kernel("bind_rows", layout, x.dim)
    if kernel is None or n == 0:
        if kernel is None:
            engine._numpy_op()
        dx, dy = _checked_dense(x, "a"), _checked_dense(y, "b")
        return target.from_dense(reference.bind(dx.reshape(-1, x.dim), dy.reshape(-1, x.dim)).reshape(n, x.dim))
    x, y = target.unshared(x, same_ok=x.n == n), target.unshared(y, same_ok=y.n == n)
    rows = target.buf

    def work(lo, hi):
        kernel(_rows(x, lo, hi), _rows(y, lo, hi), rows[lo:hi])
    _run(engine, work, n, x, threads, (x, "a"), (y, "b"))
    return target.result()


def permute(engine, a, shift, threads=None, out=None):
    """Every row rotated: out[:, (i + shift) % dim] = a[:, i] (numpy.roll along the trits). With
    out= overlapping a (permute(A, k, out=A)), a is copied first: the same result, in place."""
    if isinstance(shift, bool) or not isinstance(shift, (int, np.integer)):
        raise TypeError(f"shift must be an int, not {type(shift).__name__}")
    x = operand(a, "a")
    if x.n is None:
        raise ValueError("permute of a batch needs a batch; one vector goes through engine.permute(v, shift)"
                         + (", which makes a new vector: drop out=" if out is not None else ""))
    shift = int(shift) % x.dim
    target = Out(out, x.layout, x.n, x.dim)
    kernel = engine._kernel("permute_rows", x.layout, x.dim)
    if kernel is None or x.n == 0:
        if kernel is None:
            engine._numpy_op()
        return target.from_dense(reference.permute(_checked_dense(x, "a"), shift))
    x, rows = target.unshared(x), target.buf

    def work(lo, hi):
        kernel(x.buf[lo:hi], rows[lo:hi], shift)
    _run(engine, work, x.n, x, threads, (x, "a"))
    return target.result()


def bundle(engine, vectors, axis=None, weights=None, threshold=None, threads=None, out=None):
    """The weighted sum over one axis of a batch made trits: +1 where it is above `threshold`,
    -1 where below -threshold, else 0 (threshold 0: the sign of the sum, ties 0). `weights`:
    one per vector bundled, ints (exact sums) or floats (float32 weights summed in float32, other
    floats in float64, row after row in both: see reference.bundle_rows). None, all 1. out=: an (dim,) int8 array or a PackedBatch of one vector for a
    whole batch bundled (see batch_out.py)."""
    stack, layout, dim, single, given = _stacked(vectors, axis)
    g, k = stack.shape[0], stack.shape[1]
    iw, fw, f32 = _weights(weights, k)
    threshold = _threshold(threshold)
    target = Out(out, layout, g, dim, single)
    kernel = engine._kernel("bundle_rows", layout, dim) if g and k else None
    if kernel is None:
        if g and k:
            engine._numpy_op()
        dense = stack if layout == "dense" else Operand("packed", stack, dim, g * k).dense().reshape(g, k, dim)
        if layout == "dense":
            check_trits(given, "the vectors")
        float_weights = fw.astype(np.float32) if f32 else fw
        done = target.from_dense(reference.bundle_rows(dense, iw if iw.size else (float_weights if fw.size else None),
                                                       threshold))
        return done if out is not None else _bundled(done, layout, dim, single)
    stack = target.unshared(Operand(layout, stack, dim, g)).buf
    out_rows = target.buf
    rows = stack.reshape(g * k, -1)
    ends = dim if layout == "dense" else words_for(dim)
    unpacks = layout == "dense" or iw.size or fw.size   # packed rows unpacked to be weighted
    count = parallel.thread_count(threads, g * k * (dim if unpacks else rows.shape[1] * 8), THREAD_THRESHOLD_BYTES)
    if count > 1 and g >= 2 * count:   # groups to each thread
        def work(lo, hi):
            kernel(rows[lo * k:hi * k], iw, fw, out_rows[lo:hi], k, 0, ends, f32, threshold)
        points = parallel.bounds(g, count)
    else:                              # one bundle: its positions to each thread
        def work(lo, hi):
            kernel(rows, iw, fw, out_rows, k, lo, hi, f32, threshold)
        points = parallel.bounds(ends, count, 64 if layout == "dense" else 8)
    _run_points(engine, work, points, (Operand(layout, given, dim, None), "the vectors"))
    return target.result() if out is not None else _bundled(target.result(), layout, dim, single)


# -- operands and results ------------------------------------------------------------------------

def vector_list(x):
    """Whether x is a list or tuple of TritVector / PackedTritVector only (the engine's bundle of
    vectors); one holding 1-D arrays or lists of trits is a batch, as bind and permute take it."""
    return type(x) in (list, tuple) and all(isinstance(v, (TritVector, PackedTritVector)) for v in x)


def _stacked(vectors, axis):
    """(g, k, row length) rows to bundle in groups of k, their layout and dim, whether the result
    is one vector (a batch bundled whole) rather than a batch, and the rows as given (for errors)."""
    if isinstance(vectors, np.ndarray) and vectors.ndim == 3:
        axis = 0 if axis is None else _axis(axis, 3)
        data = dense_rows(vectors, "vectors")
        return np.ascontiguousarray(data.swapaxes(0, 1) if axis == 0 else data), "dense", data.shape[2], False, data
    x = operand(vectors, "vectors")
    if x.n is None:
        raise ValueError("bundle takes several vectors: a list, an (N, dim) batch or an (G, K, dim) array")
    if axis is not None:
        _axis(axis, 2)
    return x.buf.reshape(1, x.n, x.buf.shape[-1]), x.layout, x.dim, True, x.buf


def _axis(axis, ndim):
    if isinstance(axis, bool) or not isinstance(axis, (int, np.integer)):
        raise TypeError(f"axis must be an int, not {type(axis).__name__}")
    if not -ndim <= axis < ndim or axis % ndim == ndim - 1:
        raise ValueError(f"axis {axis} of a {ndim}-D batch: bundle reduces an axis of vectors (0 of an (N, dim) "
                         f"batch, 0 or 1 of a (G, K, dim) array); the last axis holds the trits")
    return int(axis) % ndim


def _weights(weights, k):
    """(int64 weights, float64 weights, whether float weights are float32 (summed in float32)): one
    of the arrays the k weights, the other empty."""
    if weights is None:
        return _NO_INT, _NO_FLOAT, 0
    w = np.asarray(weights)
    if w.shape != (k,):
        raise ValueError(f"weights of shape {w.shape} for {k} vectors bundled: give one weight per vector, "
                         f"shape ({k},)")
    if w.dtype.kind in "biu":
        if k and _magnitude_total(w) >= 2 ** 63:
            raise ValueError("integer weights must total below 2**63 in magnitude (their sums are exact int64); "
                             "use float weights")
        return np.ascontiguousarray(w, np.int64), _NO_FLOAT, 0
    if w.dtype.kind == "f":
        f32 = int(w.dtype == np.float32)
        w = np.ascontiguousarray(w, np.float64)
        if not np.all(np.isfinite(w)):
            raise ValueError("weights must be finite")
        return _NO_INT, w, f32
    raise TypeError(f"weights must be ints or floats, not dtype {w.dtype}")


def _magnitude_total(w):
    """The sum of the integer weights' magnitudes: in float64, or exactly in Python ints near 2**63
    (float64 rounds 2**63 - 1024 + 511 + 511 + 2 down to 2**63 - 1024; its int64 sums overflow)."""
    approx = float(np.abs(w.astype(np.float64)).sum())
    return approx if approx < 2.0 ** 62 else sum(abs(int(x)) for x in w.tolist())


def _threshold(threshold):
    if threshold is None:
        return 0.0
    if isinstance(threshold, bool) or not isinstance(threshold, (int, float, np.integer, np.floating)):
        raise TypeError(f"threshold must be a number, not {type(threshold).__name__}")
    if not (math.isfinite(threshold) and threshold >= 0):
        raise ValueError(f"threshold must be a finite number >= 0 (|sum| must exceed it), not {threshold!r}")
    return float(threshold)


def _checked_dense(x, name):
    dense = x.dense()
    if x.layout == "dense":
        check_trits(dense, name)
    return dense


def _rows(x, lo, hi):
    return x.buf if x.n is None or x.n == 1 else x.buf[lo:hi]




def _bundled(result, layout, dim, single):
    if not single:
        return result
    if layout == "dense":
        return _dense(result[0].copy() if result.base is not None else result.reshape(dim))
    return _packed(result.rows[0].copy(), dim)


# -- running -------------------------------------------------------------------------------------

def _run(engine, work, n, x, threads, *operands):
    """work(lo, hi) over the n rows of a batch shaped as operand x."""
    count = parallel.thread_count(threads, n * x.buf.shape[-1] * x.buf.itemsize, THREAD_THRESHOLD_BYTES)
    _run_points(engine, work, parallel.bounds(n, min(count, n)), *operands)


def _run_points(engine, work, points, *operands):
    """work(lo, hi) over the points (on threads when there are several chunks); a kernel's refusal
    (a ValueError from its slow path) explained: the dense operand holding a byte that is no trit."""
    try:
        parallel.run_chunks(work, points)
    except ValueError:
        for x, name in operands:
            if x.layout == "dense":
                check_trits(x.buf, name)
        raise
    engine._uncounted += len(points) - 2   # a batch is one operation, however many chunks ran
