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
    """Each vector (the last axis) rotated: out[..., (i + shift) % dim] = v[..., i]."""
    return np.roll(v, shift, axis=-1)


def bundle_rows(stack, weights=None, threshold=0.0):
    """(g, k, dim) trits → (g, dim): the weighted sums over k made trits, +1 above threshold, -1
    below -threshold, else 0. Integer sums are exact (compared with the threshold's floor); float
    weights are summed row after row (the kernels' order: the same bits), in float32 for float32
    weights, else in float64, and the sums compared with the threshold in float64 (a float32 sum
    exactly at float32(threshold) but above threshold is above it)."""
    if weights is not None and np.asarray(weights).dtype.kind == "f":
        kind = np.float32 if np.asarray(weights).dtype == np.float32 else np.float64
        sums = np.zeros((stack.shape[0], stack.shape[2]), kind)
        for r, w in enumerate(np.asarray(weights, kind)):
            sums += w * stack[:, r, :].astype(kind)
        sums, limit = sums.astype(np.float64), float(threshold)
    else:
        w = np.ones(stack.shape[1], np.int64) if weights is None else np.asarray(weights, np.int64)
        sums = np.einsum("gkd,k->gd", stack.astype(np.int64), w)
        limit = int(np.floor(threshold))
    return ((sums > limit).astype(np.int8) - (sums < -limit).astype(np.int8))


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
