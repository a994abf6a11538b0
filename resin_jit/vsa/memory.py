"""ItemMemory: N labelled vectors of one dimension, searched in batches (threads split the rows)."""
import numpy as np

from .. import parallel
from .vectors import (PackedTritVector, TritVector, _as_trits, _plane_view, as_vector, pack_buffer, planes_to_buffer,
                      popcount_rows, unpack_buffer, words_for)

# Below this many words of work (queries x memory words, ~0.3 ns each) a search runs on one
# thread: a round trip through the pool costs 20-80 us (more on virtual machines), so a split
# pays only for searches of several hundred microseconds.
THREAD_THRESHOLD_WORDS = 1 << 21


class ItemMemory:
    """N vectors of one dimension with labels (default 0..N-1), kept packed: one row of
    2 * words + 1 uint64 per vector (see vectors.py), so a search is popcounts over words.

    `vectors`: a 2-D array of trits (N, dim), or a sequence of TritVector, PackedTritVector or
    1-D trit arrays."""

    def __init__(self, vectors, labels=None):
        self._rows, self.dim = _rows_of(vectors)
        self._norms = None
        self.labels = list(labels) if labels is not None else list(range(len(self._rows)))
        if len(self.labels) != len(self._rows):
            raise ValueError(f"{len(self.labels)} labels for {len(self._rows)} vectors")

    @property
    def pos(self):
        """(N, words) positive planes (a read-only view)."""
        return _plane_view(self._rows, self.dim, 0)

    @property
    def neg(self):
        return _plane_view(self._rows, self.dim, 1)

    def __len__(self):
        return self._rows.shape[0]

    def dense(self):
        """The vectors as an (N, dim) int8 array."""
        return unpack_buffer(self._rows, self.dim)

    def vector(self, i):
        """Vector i as a PackedTritVector."""
        from .vectors import _packed
        return _packed(self._rows[i].copy(), self.dim)

    def norms(self, engine=None):
        """Non-zero trits per vector (int64, N), computed once."""
        if self._norms is None:
            self._norms = (engine.norms(self._rows, self.dim) if engine is not None
                           else popcount_rows(self._rows[:, :2 * words_for(self.dim)]))
        return self._norms

    def top_k(self, query, k, metric="cosine", engine=None):
        """(indices, scores) of the k best matches, best first: highest score, or lowest for
        hamming; ties go to the lower index. k larger than N gives all N."""
        if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or k < 1:
            raise ValueError(f"k must be a positive int, not {k!r}")
        scores = self._engine(engine).similarity(query, self, metric)[0]
        order = best_first(scores if metric == "hamming" else -scores, int(k))
        return order, scores[order]

    def cleanup(self, query, threshold=0.0, metric="cosine", engine=None):
        """The label of the best match, or KeyError if its score is worse than `threshold`
        (below it; above it for hamming)."""
        index, score = self.top_k(query, 1, metric, engine)
        best = float(score[0])
        if (best > threshold) if metric == "hamming" else (best < threshold):
            raise KeyError(f"no item within the threshold {threshold} (best {metric} {best:.4f})")
        return self.labels[int(index[0])]

    def _engine(self, engine):
        if engine is None:
            from .engine import JitVSAEngine
            if ItemMemory._default_engine is None:
                ItemMemory._default_engine = JitVSAEngine()
            engine = ItemMemory._default_engine
        return engine

    _default_engine = None

    def __reduce__(self):
        return (_from_rows, (self._rows, self.dim, self.labels))

    def __repr__(self):
        return f"ItemMemory({len(self)} vectors, dim={self.dim})"


def best_first(keys, k):
    """Indices of the k smallest keys in ascending order, ties by index; O(N) selection first."""
    n = keys.shape[0]
    if k >= n:
        return np.argsort(keys, kind="stable")
    kth = np.partition(keys, k - 1)[k - 1]
    better = np.flatnonzero(keys < kth)
    chosen = np.concatenate([better, np.flatnonzero(keys == kth)[:k - len(better)]])
    return chosen[np.lexsort((chosen, keys[chosen]))]


def _from_rows(rows, dim, labels):
    memory = ItemMemory.__new__(ItemMemory)
    memory._rows, memory.dim, memory.labels, memory._norms = rows, dim, labels, None
    return memory


def _rebuild(pos, neg, dim, labels):
    """An ItemMemory from (N, words) planes (kept for callers that pack their own planes)."""
    return _from_rows(planes_to_buffer(pos, neg, dim), dim, labels)


def _rows_of(vectors):
    if isinstance(vectors, np.ndarray):
        if vectors.ndim != 2 or vectors.shape[0] == 0 or vectors.shape[1] == 0:
            raise ValueError(f"an item memory from an array needs shape (N, dim), not {vectors.shape}")
        dense = vectors if vectors.dtype == np.int8 else np.stack([_as_trits(row) for row in vectors])
        if dense.min() < -1 or dense.max() > 1:
            raise ValueError("trits must be -1, 0 or 1; got values outside -1..1")
        return pack_buffer(dense), dense.shape[1]
    vectors = [as_vector(v) for v in vectors]
    if not vectors:
        raise ValueError("an item memory needs at least one vector")
    dims = {len(v) for v in vectors}
    if len(dims) != 1:
        raise ValueError(f"vectors of different dimensions: {sorted(dims)}")
    rows = np.stack([v._buf if isinstance(v, PackedTritVector) else pack_buffer(v._buf) for v in vectors])
    return rows, dims.pop()


def as_query_rows(queries, dim):
    """One query or a batch (vectors, a 2-D trit array, sequences) as packed buffers (n, 2 * words + 1)."""
    if isinstance(queries, (TritVector, PackedTritVector)):
        queries = [queries]
    elif isinstance(queries, np.ndarray) and queries.ndim == 1:
        queries = [TritVector(queries)]
    if isinstance(queries, np.ndarray):
        if queries.ndim != 2:
            raise ValueError(f"queries must be 1-D or 2-D, not {queries.ndim}-D")
        dense = queries if queries.dtype == np.int8 else np.stack([_as_trits(row) for row in queries])
        if dense.shape[1] != dim:
            raise ValueError(f"queries of dimension {dense.shape[1]} against a memory of dimension {dim}")
        if dense.size and (dense.min() < -1 or dense.max() > 1):
            raise ValueError("trits must be -1, 0 or 1; got values outside -1..1")
        return pack_buffer(dense)
    queries = [as_vector(q) for q in queries]
    if not queries:
        raise ValueError("no queries")
    for q in queries:
        if len(q) != dim:
            raise ValueError(f"a query of dimension {len(q)} against a memory of dimension {dim}")
    if len(queries) == 1 and isinstance(queries[0], PackedTritVector):
        return queries[0]._buf[None, :]
    return np.stack([q._buf if isinstance(q, PackedTritVector) else pack_buffer(q._buf) for q in queries])


def as_query_planes(queries, dim):
    """One query or a batch as (n, words) word planes."""
    rows = as_query_rows(queries, dim)
    words = words_for(dim)
    return np.ascontiguousarray(rows[:, :words]), np.ascontiguousarray(rows[:, words:2 * words])


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
