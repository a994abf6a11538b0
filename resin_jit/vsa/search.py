"""The mechanics of a batched search, apart from the engine that runs it: the metrics, splitting
the memory's rows across threads, and picking the best k scores."""
import numpy as np

from ..runtime import parallel
from . import reference
from .vectors import check_guards, popcount_rows, unpack_buffer

METRICS = ("cosine", "dot", "hamming")
# Below this many words of work (queries x memory words, ~0.3 ns each) a search runs on one
# thread: a round trip through the pool costs 20-80 us (more on virtual machines), so a split
# pays only for searches of several hundred microseconds.
THREAD_THRESHOLD_WORDS = 1 << 21


def check_metric(metric):
    if metric not in METRICS:
        raise ValueError(f"metric must be 'cosine', 'dot' or 'hamming', not {metric!r}")


def similarity_threads(kernel, args, cosine, threads=None):
    """Run a search kernel on (queries, [query norms,] memory, [memory norms]), splitting the
    memory rows across threads when the work is large. Returns (scores, kernel calls made)."""
    queries, memory = args[0], args[2 if cosine else 1]
    nq, nm = queries.shape[0], memory.shape[0]
    threads = parallel.thread_count(threads, memory.size * nq, THREAD_THRESHOLD_WORDS)
    if threads == 1 or nm < 2 * threads:
        out = np.empty((nq, nm), np.float64)
        kernel(*args, out)
        return out, 1
    points = parallel.bounds(nm, threads)
    parts = {lo: np.empty((nq, hi - lo), np.float64) for lo, hi in zip(points[:-1], points[1:])}

    def work(lo, hi):  # the C call releases the GIL: the threads run in parallel
        if cosine:
            kernel(args[0], args[1], args[2][lo:hi], args[3][lo:hi], parts[lo])
        else:
            kernel(args[0], args[1][lo:hi], parts[lo])
    parallel.run_chunks(work, points)
    return np.concatenate(list(parts.values()), axis=1), len(parts)


def best_first(keys, k):
    """Indices of the k smallest keys in ascending order, ties by index; O(N) selection first."""
    n = keys.shape[0]
    if k >= n:
        return np.argsort(keys, kind="stable")
    kth = np.partition(keys, k - 1)[k - 1]
    better = np.flatnonzero(keys < kth)
    chosen = np.concatenate([better, np.flatnonzero(keys == kth)[:k - len(better)]])
    return chosen[np.lexsort((chosen, keys[chosen]))]


def numpy_similarity(queries, rows, dim, metric):
    """similarity() on the numpy backend, from packed rows (n, 2 * words + 1) of queries and memory:
    the dense reference where every row is a packed vector, else (a memory loaded with
    verify=False from a file holding a trit with both bits set, or bits past dim) the scores the
    kernels count from those bits, so both backends agree: such a position differs from every
    trit, is non-zero and adds 0 to a dot product (see packed_scores). A row whose guard word is
    not dim is refused, as the kernels refuse it."""
    check_guards(rows, dim)
    if _has_junk(queries, dim) or _has_junk(rows, dim):
        return packed_scores(queries, rows, dim, metric)
    return reference.similarity(unpack_buffer(queries, dim), unpack_buffer(rows, dim), metric)


def _has_junk(rows, dim):
    words = -(-dim // 64)
    pos, neg = rows[:, :words], rows[:, words:2 * words]
    tail = np.uint64(dim % 64)
    return bool(np.any(pos & neg) or (tail and np.any((pos[:, -1] | neg[:, -1]) >> tail)))


def packed_scores(queries, rows, dim, metric, block=256):
    """(n_queries, N) float64 scores counted from the bits as the packed kernels count them
    (csrc/vsa_packed.h): dot = |same| - |opposite|, hamming = |differ|, cosine = dot /
    sqrt(|nonzero q| * |nonzero m|), each the set bits of the word formulas there."""
    words = -(-dim // 64)
    qp, qn = queries[:, None, :words], queries[:, None, words:2 * words]
    out = np.empty((queries.shape[0], rows.shape[0]))
    count = popcount_rows
    for lo in range(0, rows.shape[0], block):
        mp, mn = rows[None, lo:lo + block, :words], rows[None, lo:lo + block, words:2 * words]
        if metric == "hamming":
            out[:, lo:lo + block] = count((qp ^ mp) | (qn ^ mn))
            continue
        dots = (count((qp & mp) | (qn & mn)) - count((qp & mn) | (qn & mp))).astype(np.float64)
        if metric == "cosine":
            norms = np.sqrt(count(qp | qn).astype(np.float64) * count(mp | mn).astype(np.float64))
            with np.errstate(all="ignore"):
                dots = np.where(norms > 0, dots / np.where(norms > 0, norms, 1.0), 0.0)
        out[:, lo:lo + block] = dots
    return out
