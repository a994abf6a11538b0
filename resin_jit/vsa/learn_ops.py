"""The Classifier's training steps on packed rows, in C (csrc/vsa_learn.h) where the engine has the
kernels: rows added to the int32 class sums without unpacking them, and class sums made the packed
trits of the model (the k-th smallest magnitude by selection). Each function returns False where
the engine has no kernel (the numpy backend), and the Classifier does the step in numpy."""
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
    kernel(accumulators, np.ascontiguousarray(classes, np.int64), np.empty(dim, np.int32), model_rows, norms,
           int(cut_rank))
    return True
