"""The plain numpy implementation of every VSA operation on dense int8 trit arrays: the engine's
numpy backend (no compiler) and the tests' oracle. Written for clarity; exact integer results."""
import numpy as np


def dot(a, b):
    return int(np.dot(a.astype(np.int64), b.astype(np.int64)))


def bind(a, b):
    return (a.astype(np.int8) * b.astype(np.int8)).astype(np.int8)


unbind = bind


def bundle(vectors):
    return np.sign(np.sum(np.stack(vectors).astype(np.int64), axis=0)).astype(np.int8)


def hamming(a, b):
    return int(np.count_nonzero(a != b))


def cosine(a, b):
    na, nb = np.count_nonzero(a), np.count_nonzero(b)
    return 0.0 if na == 0 or nb == 0 else dot(a, b) / float(np.sqrt(float(na) * float(nb)))


def permute(v, shift):
    return np.roll(v, shift)


def similarity(queries, memory, metric):
    """(n_queries, N) float64 scores of int8 queries (nq, dim) against int8 memory rows (N, dim).
    Integer sums are formed in float64 products, exact below 2**53 (any realistic dimension)."""
    q, m = np.asarray(queries, np.float64), np.asarray(memory, np.float64)
    if metric == "hamming":
        same = sum((q == v).astype(np.float64) @ (m == v).astype(np.float64).T for v in (-1.0, 0.0, 1.0))
        return q.shape[1] - same
    dots = q @ m.T
    if metric == "dot":
        return dots
    nq, nm = np.count_nonzero(q, axis=1).astype(np.float64), np.count_nonzero(m, axis=1).astype(np.float64)
    norms = np.sqrt(np.outer(nq, nm))
    with np.errstate(all="ignore"):
        return np.where(norms > 0, dots / np.where(norms > 0, norms, 1.0), 0.0)
