"""ItemMemory: N labelled vectors of one dimension, searched in batches (threads split the rows)."""
import os
from concurrent.futures import ThreadPoolExecutor

import numpy as np

from .vectors import PackedTritVector, TritVector, _as_trits, pack_planes, unpack_planes

# Below this many memory words a search runs on one thread: handing work to the pool would cost more.
THREAD_THRESHOLD_WORDS = 1 << 19
_pool = None


def _thread_pool():
    """One pool for the process, made on first use (starting threads per call costs ~100 us)."""
    global _pool
    if _pool is None:
        _pool = ThreadPoolExecutor(max_workers=min(os.cpu_count() or 1, 8), thread_name_prefix="resin_jit")
    return _pool


class ItemMemory:
    """N vectors (a 2-D int8 array, or a list of TritVector / PackedTritVector), kept as bit planes."""

    def __init__(self, vectors, labels=None):
        pos, neg, dim = _planes_of(vectors)
        self.pos, self.neg, self.dim = pos, neg, dim
        self.labels = list(labels) if labels is not None else list(range(len(pos)))
        if len(self.labels) != len(pos):
            raise ValueError(f"{len(self.labels)} labels for {len(pos)} vectors")

    def __len__(self):
        return self.pos.shape[0]

    def dense(self):
        return unpack_planes(self.pos, self.neg, self.dim)

    def vector(self, i):
        return PackedTritVector._trusted(self.pos[i].copy(), self.neg[i].copy(), self.dim)

    def top_k(self, query, k, metric="cosine", engine=None):
        """(indices, scores) of the k best matches, best first (highest score; lowest for hamming)."""
        if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or k < 1:
            raise ValueError(f"k must be a positive int, not {k!r}")
        scores = self._engine(engine).similarity(query, self, metric)[0]
        order = np.argsort(scores if metric == "hamming" else -scores, kind="stable")[:k]
        return order, scores[order]

    def cleanup(self, query, threshold=0.0, metric="cosine", engine=None):
        """The label of the best match, or KeyError if its score is below `threshold`."""
        index, score = self.top_k(query, 1, metric, engine)
        best = float(score[0])
        if (best > threshold) if metric == "hamming" else (best < threshold):
            raise KeyError(f"no item within the threshold {threshold} (best {metric} {best:.4f})")
        return self.labels[int(index[0])]

    def _engine(self, engine):
        if engine is None:
            from .engine import JitVSAEngine
            if not hasattr(ItemMemory, "_default_engine"):
                ItemMemory._default_engine = JitVSAEngine()
            engine = ItemMemory._default_engine
        return engine

    def __reduce__(self):
        return (_rebuild, (self.pos, self.neg, self.dim, self.labels))

    def __repr__(self):
        return f"ItemMemory({len(self)} vectors, dim={self.dim})"


def _rebuild(pos, neg, dim, labels):
    memory = ItemMemory.__new__(ItemMemory)
    memory.pos, memory.neg, memory.dim, memory.labels = pos, neg, dim, labels
    return memory


def _planes_of(vectors):
    if isinstance(vectors, np.ndarray):
        if vectors.ndim != 2 or vectors.shape[0] == 0:
            raise ValueError(f"an item memory from an array needs shape (N, dim), not {vectors.shape}")
        dense = np.stack([_as_trits(row) for row in vectors]) if vectors.dtype != np.int8 else vectors
        if dense.min(initial=0) < -1 or dense.max(initial=0) > 1:
            raise ValueError("trits must be -1, 0 or 1")
        pos, neg = pack_planes(dense)
        return pos, neg, dense.shape[1]
    vectors = list(vectors)
    if not vectors:
        raise ValueError("an item memory needs at least one vector")
    dims = {len(v) for v in vectors}
    if len(dims) != 1:
        raise ValueError(f"vectors of different dimensions: {sorted(dims)}")
    packed = [v if isinstance(v, PackedTritVector) else TritVector(v).pack() if not isinstance(v, TritVector)
              else v.pack() for v in vectors]
    return np.stack([p.pos for p in packed]), np.stack([p.neg for p in packed]), dims.pop()


def as_query_planes(queries, dim):
    """One query or a batch as (n, words) word planes."""
    if isinstance(queries, (TritVector, PackedTritVector)):
        queries = [queries]
    if isinstance(queries, np.ndarray) and queries.ndim == 1:
        queries = [TritVector(queries)]
    if isinstance(queries, np.ndarray):
        dense = np.stack([_as_trits(row) for row in queries])
        if dense.shape[1] != dim:
            raise ValueError(f"queries of dimension {dense.shape[1]} against a memory of dimension {dim}")
        return pack_planes(dense)
    packed = [q if isinstance(q, PackedTritVector) else (q if isinstance(q, TritVector) else TritVector(q)).pack()
              for q in queries]
    if not packed:
        raise ValueError("no queries")
    for q in packed:
        if q.dim != dim:
            raise ValueError(f"a query of dimension {q.dim} against a memory of dimension {dim}")
    return np.stack([q.pos for q in packed]), np.stack([q.neg for q in packed])


def similarity_threads(kernel, qpos, qneg, mpos, mneg, threads=None):
    """Run the search kernel, splitting the memory rows across threads when it is large."""
    nq, nm = qpos.shape[0], mpos.shape[0]
    if threads is None:
        threads = min(os.cpu_count() or 1, 8) if mpos.size * nq >= THREAD_THRESHOLD_WORDS else 1
    if isinstance(threads, bool) or not isinstance(threads, int) or threads < 1:
        raise ValueError(f"threads must be a positive int, not {threads!r}")
    if threads == 1 or nm < 2 * threads:
        out = np.empty((nq, nm), np.float64)
        kernel(qpos, qneg, mpos, mneg, out)
        return out
    bounds = np.linspace(0, nm, threads + 1).astype(int)
    parts = [np.empty((nq, hi - lo), np.float64) for lo, hi in zip(bounds[:-1], bounds[1:])]

    def run(j):  # the C call releases the GIL: the threads run in parallel
        kernel(qpos, qneg, mpos[bounds[j]:bounds[j + 1]], mneg[bounds[j]:bounds[j + 1]], parts[j])
    futures = [_thread_pool().submit(run, j) for j in range(1, threads)]
    run(0)
    for f in futures:
        f.result()
    return np.concatenate(parts, axis=1) if nq > 1 else np.hstack(parts)
