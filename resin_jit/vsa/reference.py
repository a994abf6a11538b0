"""The plain numpy implementation of every VSA operation: the numpy backend and the tests' oracle."""
import numpy as np


def dot(a, b):
    return int(np.dot(a.astype(np.int64), b.astype(np.int64)))


def bind(a, b):
    return (a * b).astype(np.int8)


def bundle(vectors):
    return np.sign(np.sum(np.stack(vectors).astype(np.int32), axis=0)).astype(np.int8)


def hamming(a, b):
    return int(np.count_nonzero(a != b))


def cosine(a, b):
    na, nb = np.count_nonzero(a), np.count_nonzero(b)
    return 0.0 if na == 0 or nb == 0 else dot(a, b) / float(np.sqrt(float(na) * float(nb)))


def permute(v, shift):
    return np.roll(v, shift)


def similarity(queries, memory, metric):
    """(n_queries, N) scores of int8 queries against int8 memory rows."""
    q, m = queries.astype(np.int64), memory.astype(np.int64)
    if metric == "dot":
        return (q @ m.T).astype(np.float64)
    if metric == "hamming":
        return np.array([[np.count_nonzero(qi != mi) for mi in memory] for qi in queries], np.float64)
    dots = (q @ m.T).astype(np.float64)
    nq, nm = np.count_nonzero(queries, axis=1).astype(np.float64), np.count_nonzero(memory, axis=1).astype(np.float64)
    norms = np.sqrt(np.outer(nq, nm))
    with np.errstate(all="ignore"):
        return np.where(norms > 0, dots / np.where(norms > 0, norms, 1.0), 0.0)
