"""The Classifier's training steps on packed rows, in C (csrc/vsa_learn.h) where the engine has the
kernels: rows added to the int32 class sums without unpacking them; class sums made the packed
trits of the model (the cut, the k-th smallest magnitude, by bisection); and the samples' dots with
the class vectors kept up to date from the trits a retraining pass changed (the samples transposed
by position once per fit). Where the engine has no kernel (the numpy backend) add_rows and quantise
return False and transpose None, and the Classifier does the step in numpy."""
import numpy as np

from .vectors import words_for


_NONE = np.zeros(0, np.int64)


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
    """The packed rows' trits by position: (2 * ceil(n / 64), dim) uint64, bit i % 64 of [plane *
    ceil(n / 64) + i // 64, j] row i's bit j of the plane (positive 0, negative 1); None where the
    engine has no kernel."""
    kernel = engine._kernel("transpose", "packed", dim, internal=True)
    if kernel is None:
        return None
    cols = np.empty((2 * ((rows.shape[0] + 63) // 64), dim), np.uint64)
    kernel(np.ascontiguousarray(rows, np.uint64), cols)
    return cols


def update_dots(engine, cols, old, new, classes, dots):
    """dots[:, classes[t]] += the dots of the rows (transposed: `cols`) with new[t] - old[t], packed
    rows of the class vectors before and after a change (exact integers in float64)."""
    kernel = engine._kernel("dots_update", "packed", cols.shape[1], internal=True)
    kernel(cols, np.ascontiguousarray(old, np.uint64), np.ascontiguousarray(new, np.uint64),
           np.ascontiguousarray(classes, np.int64), dots, np.empty(dots.shape[0], np.int32))
