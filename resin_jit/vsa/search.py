"""The mechanics of a batched search, apart from the engine that runs it: the metrics, splitting
the memory's rows across threads, and picking the best k scores."""
import numpy as np

from ..runtime import parallel

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
