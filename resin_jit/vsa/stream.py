"""top_k streamed over a memory in blocks of rows: the top-k kernel scores every query against a
block's rows and keeps each query's k best in a heap (kernels.py, csrc/vsa_packed.h), the blocks'
picks are merged. So a search holds (queries x k) results per block, never (queries x N) scores,
and a memory-mapped memory is read once, block by block. Threads take runs of blocks (the C call
releases the GIL). Without a compiler numpy scores a block at a time and picks with best_per_row.
The result is the one full similarity + search.best_first gives: ties go to the lower index."""
import numpy as np

from ..runtime import parallel
from .memory import as_item_memory, as_query_rows
from .search import THREAD_THRESHOLD_WORDS, check_metric, numpy_similarity
from .vectors import PackedTritVector, TritVector, check_guards

MAX_BLOCK_ROWS = 1 << 16        # the C path's blocks (it holds only k results per query of each)
SCORE_BUFFER_BYTES = 1 << 22    # numpy's (no compiler): 4 MB of scores and 64 MB of rows as float64
NUMPY_BLOCK_BYTES = 1 << 26


def is_one_query(queries):
    """Whether `queries` is one vector (a TritVector, PackedTritVector or 1-D array), not a batch."""
    return isinstance(queries, (TritVector, PackedTritVector)) or (isinstance(queries, np.ndarray) and queries.ndim == 1)


def check_k(k):
    if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or k < 1:
        raise ValueError(f"k must be a positive int, not {k!r}")
    return int(k)


def top_k(engine, queries, memory, k, metric="cosine", threads=None, block_rows=None):
    """(indices, scores) of the k best matches, best first: for one query 1-D arrays of min(k, N),
    for a batch (n_queries, min(k, N)) arrays."""
    memory, k = as_item_memory(memory), check_k(k)
    check_metric(metric)
    if type(queries) is TritVector and queries._key == memory.dim:
        rows = engine.pack(queries)._buf[None, :]   # one dense query: packed by a kernel where there is one
    else:
        rows = as_query_rows(queries, memory.dim)
    indices, scores = streamed_top_k(engine, rows, memory, k, metric, threads, block_rows)
    return (indices[0], scores[0]) if is_one_query(queries) else (indices, scores)


def streamed_top_k(engine, rows, memory, k, metric, threads=None, block_rows=None):
    """top_k for queries as packed rows (nq, 2 * words + 1): (nq, min(k, N)) indices and scores."""
    nq, n = rows.shape[0], len(memory)
    if nq == 0:   # no queries, as similarity gives (0, N) scores
        return np.empty((0, min(k, n)), np.int64), np.empty((0, min(k, n)))
    threads = parallel.thread_count(threads, memory.rows.size * nq, THREAD_THRESHOLD_WORDS)
    kernel = engine._kernel(f"top_k_{metric}", "packed", memory.dim)
    block = _block_rows(block_rows, nq, n, memory.dim, threads, kernel is not None)
    starts = list(range(0, n, block))
    norms = _MemoryNorms(engine, memory) if metric == "cosine" and kernel else None
    pick = _kernel_picker(engine, kernel, rows, memory, k, norms) if kernel else _numpy_picker(
        engine, rows, memory, k, metric, block)
    picks = [None] * len(starts)

    def work(first, last):
        for b in range(first, last):
            picks[b] = pick(starts[b], min(starts[b] + block, n))
    if threads == 1 or len(starts) == 1:
        work(0, len(starts))
    else:
        parallel.run_chunks(work, parallel.bounds(len(starts), min(threads, len(starts))))
    if norms is not None:
        norms.keep()
    indices, keys = merge([p[0] for p in picks], [p[1] for p in picks], k)
    return indices, (keys if metric == "hamming" else -keys)


def _block_rows(block_rows, nq, n, dim, threads, in_c):
    if block_rows is not None:
        if isinstance(block_rows, bool) or not isinstance(block_rows, (int, np.integer)) or block_rows < 1:
            raise ValueError(f"block_rows must be a positive int, not {block_rows!r}")
        return int(block_rows)
    block = MAX_BLOCK_ROWS if in_c else max(1, min(SCORE_BUFFER_BYTES // (8 * nq), NUMPY_BLOCK_BYTES // (8 * dim)))
    return max(1, min(block, -(-n // threads)))   # at least one block per thread


class _MemoryNorms:
    """The memory's norms for a cosine search: its own, or counted block by block on its first
    cosine search and kept in it at the end (so a mapped memory is read once)."""

    def __init__(self, engine, memory):
        self.engine, self.memory = engine, memory
        self.fresh = np.empty(len(memory), np.int64) if memory.norms is None else None

    def of(self, lo, hi):
        if self.fresh is None:
            return self.memory.norms[lo:hi]
        self.fresh[lo:hi] = self.engine.norms(self.memory.rows[lo:hi], self.memory.dim)
        return self.fresh[lo:hi]

    def keep(self):
        if self.fresh is not None and self.memory.norms is None:
            self.fresh.flags.writeable = False
            self.memory.norms = self.fresh


def _kernel_picker(engine, kernel, rows, memory, k, norms):
    """pick(lo, hi) → (row numbers, keys), each (nq, min(k, hi - lo)), of the best of rows lo..hi,
    by the top-k kernel (keys: smaller is better)."""
    nq, mrows = rows.shape[0], memory.rows
    qnorms = engine.norms(rows, memory.dim) if norms is not None else None

    def pick(lo, hi):
        kk = min(k, hi - lo)
        keys, index = np.empty((nq, kk), np.float64), np.empty((nq, kk), np.int64)
        try:
            if norms is None:
                kernel(rows, mrows[lo:hi], keys, index)
            else:
                kernel(rows, qnorms, mrows[lo:hi], norms.of(lo, hi), keys, index)
        except ValueError:
            check_guards(mrows[lo:hi], memory.dim, lo)   # the memory's row number, not the block's
            raise
        index += lo
        return index, keys
    return pick


def _numpy_picker(engine, rows, memory, k, metric, block):
    """pick(lo, hi) as _kernel_picker's, by numpy (no compiler): scores, then best_per_row."""
    engine._numpy_op()
    sign = 1.0 if metric == "hamming" else -1.0

    def pick(lo, hi):
        check_guards(memory.rows[lo:hi], memory.dim, lo)   # as the kernels refuse them
        keys = sign * numpy_similarity(rows, memory.rows[lo:hi], memory.dim, metric)
        return best_per_row(keys, k, lo)
    return pick


def best_per_row(keys, k, offset=0):
    """(indices + offset, keys) of the k smallest keys of each row, in index order, ties by index."""
    nq, m = keys.shape
    if k >= m:
        return np.broadcast_to(np.arange(offset, offset + m), (nq, m)), keys.copy()
    kth = np.partition(keys, k - 1, axis=1)[:, k - 1:k]
    better = keys < kth
    tied = keys == kth
    room = k - np.count_nonzero(better, axis=1)
    take = better | (tied & (np.cumsum(tied, axis=1) <= room[:, None]))
    cols = np.nonzero(take)[1].reshape(nq, k)
    return cols + offset, np.take_along_axis(keys, cols, axis=1)


def merge(indices, keys, k):
    """The k smallest keys per row over parts (lists of (nq, k_i) indices and keys), ties by
    index: (nq, min(k, total)) indices and keys, best first."""
    indices, keys = np.concatenate(indices, axis=1), np.concatenate(keys, axis=1)
    order = np.lexsort((indices, keys), axis=1)[:, :k]
    return np.take_along_axis(indices, order, axis=1), np.take_along_axis(keys, order, axis=1)
