"""The Classifier's training steps on packed rows, in C (csrc/vsa_learn.h) where the engine has the
kernels: rows added to the int32 class sums without unpacking them; class sums made the packed
trits of the model (the cut, the k-th smallest magnitude, by bisection); and the samples' dots with
the class vectors kept up to date from the trits a retraining pass changed (the samples transposed
by position once per fit: csrc/vsa_dots.h); and fit's retraining passes all in one call built on
them (csrc/vsa_retrain.h). Where the engine has no kernel (the numpy backend) add_rows and quantise
return False and transpose and retrain None, and the Classifier does the step in numpy."""
import numpy as np

from ..runtime import parallel

from .vectors import words_for


_NONE = np.zeros(0, np.int64)
# Work (rows x classes x words) below which one thread counts the dots: a pool round trip costs
# 20-80 us, eight words of a row and a class about a nanosecond.
DOTS_THREAD_THRESHOLD = 1 << 19
# The retraining's transposed samples, kept for the next fit of the same shape: a fresh buffer of
# megabytes costs a page fault per 4 KB on first touch, more than transposing into it. At most one
# kept, and none above SCRATCH_LIMIT bytes; a fit takes it out while it runs (threads never share it).
SCRATCH_LIMIT = 1 << 26
_SCRATCH = {}
_BY_VPOPCNTDQ = {}   # a class_dots kernel → whether it counts by VPOPCNTDQ on this CPU (it says, once asked)


def add_rows(engine, accumulators, rows, labels, weight, minus=None):
    """accumulators[labels[r]] += weight * the trits of packed row r, and accumulators[minus[r]] -=
    the same when minus (labels) is given (the caller checked int32 holds the sums); whether it ran."""
    dim = accumulators.shape[1]
    kernel = engine._kernel("class_add", "packed", dim, internal=True)
    if kernel is None:
        return False
    kernel(np.ascontiguousarray(rows, np.uint64), np.ascontiguousarray(labels, np.int64),
           _NONE if minus is None else np.ascontiguousarray(minus, np.int64), accumulators, int(weight))
    return True


def quantise(engine, accumulators, classes, cut_rank, model_rows, norms):
    """For each class index in `classes`: its sums as trits (+1 above the cut_rank-th smallest
    magnitude, -1 below minus it, else 0) into its packed model row, and its count of non-zero
    trits (at least 1) into norms (int64); whether it ran."""
    dim = accumulators.shape[1]
    kernel = engine._kernel("class_quantise", "packed", dim, internal=True)
    if kernel is None:
        return False
    assert model_rows.shape[1] == 2 * words_for(dim) + 1 and norms.dtype == np.int64
    kernel(accumulators, np.ascontiguousarray(classes, np.int64), model_rows, norms, int(cut_rank))
    return True


def transpose(engine, rows, dim):
    """The packed rows' trits by position: (dim, 2 * ceil(n / 64)) uint64, bit i % 64 of [j, plane *
    ceil(n / 64) + i // 64] row i's bit j of the plane (positive 0, negative 1); None where the
    engine has no kernel."""
    kernel = engine._kernel("transpose", "packed", dim, internal=True)
    if kernel is None:
        return None
    cols = np.empty((dim, 2 * ((rows.shape[0] + 63) // 64)), np.uint64)
    kernel(np.ascontiguousarray(rows, np.uint64), cols)
    return cols


def update_dots(engine, cols, old, new, classes, dots):
    """dots[:, classes[t]] += the dots of the rows (transposed: `cols`) with new[t] - old[t], packed
    rows of the class vectors before and after a change (exact integers in float64)."""
    kernel = engine._kernel("dots_update", "packed", cols.shape[0], internal=True)
    kernel(cols, np.ascontiguousarray(old, np.uint64), np.ascontiguousarray(new, np.uint64),
           np.ascontiguousarray(classes, np.int64), dots, np.empty(dots.shape[0], np.int32))


def retrain(engine, rows, labels, accumulators, model_rows, norms, dots, epochs, lr, cut_rank):
    """Classifier.fit's retraining passes in one C call (csrc/vsa_retrain.h), updating accumulators,
    model_rows, norms and dots in place: (the passes that changed the model, whether one stopped
    because a sum could pass int32); None where the engine has no kernel."""
    dim = accumulators.shape[1]
    kernel = engine._kernel("class_retrain", "packed", dim, internal=True)
    if kernel is None:
        return None
    n, classes = rows.shape[0], accumulators.shape[0]
    status = np.zeros(2, np.int64)
    cols = _take_scratch((dim, 2 * ((n + 63) // 64)))
    kernel(np.ascontiguousarray(rows, np.uint64), np.ascontiguousarray(labels, np.int64), accumulators, model_rows,
           norms, dots, cols, np.empty(2 * n + 2 * classes, np.int64),
           np.empty_like(model_rows), np.empty(n, np.int32), np.empty(classes, np.float64), status,
           int(epochs), int(lr), int(cut_rank))
    if cols.nbytes <= SCRATCH_LIMIT:
        _SCRATCH.clear()
        _SCRATCH[cols.shape] = cols
    return int(status[0]), bool(status[1])


def _take_scratch(shape):
    """A uint64 buffer of this shape: the one kept from an earlier fit (taken out: a fit running
    in another thread makes its own), else a new one."""
    kept = _SCRATCH.pop(shape, None)
    return kept if kept is not None else np.empty(shape, np.uint64)


def class_dots(engine, rows, model_rows, dim, by_vpopcntdq=True, threads=None):
    """The exact dots (N, classes) float64 of packed rows with the packed class vectors, counted by
    AVX-512 VPOPCNTDQ (csrc/vsa_dots.h), threaded by rows; None where the kernel would not count
    by it (no kernel, another tier, a CPU without it: the Classifier searches instead). With
    by_vpopcntdq False, counted a word at a time wherever there is a kernel (the tests' fallback)."""
    kernel = engine._kernel("class_dots", "packed", dim, internal=True)
    if kernel is None:
        return None
    model_rows = np.ascontiguousarray(model_rows, np.uint64)
    if by_vpopcntdq and not _counts_by_vpopcntdq(kernel, model_rows):
        return None
    rows = np.ascontiguousarray(rows, np.uint64)
    n, classes = rows.shape[0], model_rows.shape[0]
    out = np.empty((n, classes), np.float64)
    count = parallel.thread_count(threads, n * classes * words_for(dim), DOTS_THREAD_THRESHOLD)
    points = parallel.bounds(n, max(1, min(count, n)))

    def work(lo, hi):   # the call releases the GIL for a large block: the threads run in parallel
        kernel(rows[lo:hi], model_rows, out[lo:hi], np.zeros(1, np.int64), int(by_vpopcntdq))
    parallel.run_chunks(work, points)
    return out


def _counts_by_vpopcntdq(kernel, model_rows):
    """Whether the kernel counts by VPOPCNTDQ here: asked once, with no rows."""
    if kernel not in _BY_VPOPCNTDQ:
        status = np.zeros(1, np.int64)
        kernel(np.zeros((0, model_rows.shape[1]), np.uint64), model_rows, np.zeros((0, model_rows.shape[0])), status, 1)
        _BY_VPOPCNTDQ[kernel] = bool(status[0])
    return _BY_VPOPCNTDQ[kernel]
