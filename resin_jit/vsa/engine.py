"""JitVSAEngine: VSA operations compiled per dimension on first use, and searches of an ItemMemory.

As in the JIT this follows, each operation is compiled for each vector dimension (permute for
each dimension and shift, bundle for each count) the first time it is asked for, kept in the
engine's kernel cache and counted as a hit or a miss; the kernels also go through resin_jit's
disk cache, so a new process loads instead of compiling. With no compiler the engine runs
reference.py with identical results.

Every operation has two paths. The hot path is one lookup in the operation's table (HotPaths),
keyed by the first vector's `_key` (its dimension, negated for packed vectors), and the kernel
call on the vectors' buffers. It checks nothing itself: the kernel checks lengths and packed
guard words, the dispatcher dtypes, and a call they refuse goes to the kernel's slow path
(slow_path.py), which converts a buffer of the other layout or raises the ValueError naming the
dimensions. A lookup that misses (no kernel yet for that _key, or an argument that is not a
vector) takes the general path, which checks the arguments, gets the kernel (compiled or loaded,
then entered in the table) and runs it, or runs numpy. Results take the layout of the first
argument. Results are new vectors (or earlier results nobody can reach any more, see RECYCLE).
"""
import functools
import os
import sys
import threading
from collections.abc import Sequence
from typing import Any
import warnings
from collections import deque

import numpy as np

from .. import JitCompiler, record
from ..config import JitConfig
from . import batch_ops, kernels, reference, stream
from .batches import VectorOrBatch
from .memory import ItemMemory, as_item_memory, as_query_rows
from .search import check_metric, numpy_similarity, similarity_threads
from .slow_path import slow_path
from .vectors import (PackedTritVector, TritVector, _dense, _packed, pack_buffer, planes_to_buffer, popcount_rows,
                      unpack_buffer, words_for)

_I8, _U64 = np.dtype(np.int8), np.dtype(np.uint64)
_empty = np.empty
_new = object.__new__
MAX_INLINE_BUNDLE = kernels.MAX_INLINE_BUNDLE
# What a hot path's lookup raises when it misses: KeyError, no kernel yet for the first vector's
# _key; AttributeError, an argument without a vector's _key and _buf. Nothing else is caught: a
# kernel's complaints about the vectors come from its slow path as ValueErrors, and pass through.
_MISS = (KeyError, AttributeError)
_REDUCTIONS = {"dot": reference.dot, "hamming": reference.hamming, "cosine": reference.cosine}
_refcount = sys.getrefcount
# Results are recycled once nothing but the engine refers to them (a result the caller dropped,
# its buffer not held either), as numpy's temporary elision reuses arrays: that saves making and
# freeing the object and its buffer, and the buffer is still in cache. Nobody can tell: the
# object is unreachable (no references, and the classes take no weak references). The engine
# keeps the last RECYCLE results per dimension and layout. sys.getrefcount tells reliably only on
# CPython with a GIL and strong references for locals and arguments (up to 3.13; 3.14 may borrow
# them, which would undercount); elsewhere every result is new.
_GIL = getattr(sys, "_is_gil_enabled", lambda: True)()
RECYCLE = 4 if sys.implementation.name == "cpython" and sys.version_info[:2] < (3, 14) and _GIL else 0


class HotPaths:
    """What the hot paths look up: one table per operation, whose entry for a _key the general
    path makes on the operation's first use at it.
        dot, hamming, cosine   _key → kernel
        bind                   _key → maker
        bundle                 count of vectors → {first vector's _key → maker}
        permute                _key → {shift → maker}
    A maker is what an operation that makes a vector needs, in one tuple: (kernel, recent results,
    result buffer length, its dtype, result class)."""
    __slots__ = ("dot", "hamming", "cosine", "bind", "bundle", "permute")

    def __init__(self):
        self.dot, self.hamming, self.cosine, self.bind, self.bundle, self.permute = {}, {}, {}, {}, {}, {}


class JitVSAEngine:
    """dot, bind/unbind, bundle, hamming, cosine, permute and batched similarity search on
    TritVector and PackedTritVector, each compiled per dimension on first use."""

    def __init__(self, jit: "JitCompiler | None" = None) -> None:
        if jit is not None and not isinstance(jit, JitCompiler):
            raise TypeError(f"jit must be a resin_jit.JitCompiler, not {type(jit).__name__}")
        self.jit = jit or JitCompiler()
        self.backend = self.jit.backend
        self._kernels = {}       # (op, layout, dim, k) → dispatch Caller: every kernel this engine has
        self._on_numpy = set()   # the keys of kernels that are nowhere and cannot be built here
        self._op_kernels = set()  # the Callers of user-facing operations (not norms, pack)
        self._hot = HotPaths()
        self._spares = {}   # _key → deque of the last results handed out (see RECYCLE)
        self._locks = {}   # key → lock: first uses from several threads make one kernel, one miss
        self._misses = self._numpy_ops = self._uncounted = 0

    def __reduce__(self):
        """Pickles as its compiler's configuration: the receiving process builds its own engine,
        whose kernels load from the disk cache."""
        return (_rebuild_engine, (self.jit.config,))

    def __repr__(self):
        return f"JitVSAEngine(backend={self.backend!r}, isa={self.jit.isa!r}, kernels={len(self._kernels)})"

    # -- the kernel cache -------------------------------------------------------------------------

    def _kernel(self, op, layout, dim, k=None, internal=False):
        """The operation's kernel at this dimension (the first request is the cache miss), or None
        where it runs on numpy: the numpy backend, or a kernel that is in no prebuilt layer or
        cache with no compiler here to build it."""
        key = (op, layout, dim, k)
        caller = self._kernels.get(key)
        if caller is not None or self.backend != "native" or key in self._on_numpy:
            if caller is None and record.target():   # the numpy backend records what native would build
                record.vsa(op, layout, dim, k, self.jit.config)
            return caller
        # per process: in a forked child, a lock a parent's thread held would never be released
        with self._locks.setdefault((os.getpid(), key), threading.Lock()):
            caller = self._kernels.get(key)
            return caller if caller is not None or key in self._on_numpy else self._new_kernel(key, internal)

    def _new_kernel(self, key, internal):
        op, layout, dim, k = key
        argspec, ret, _, _ = kernels.rule(op, layout, k)
        if record.target():
            record.vsa(op, layout, dim, k, self.jit.config)
        library = self.jit.libraries.get(*kernels.request(op, layout, dim, k))
        if library is None:
            self._on_numpy.add(key)
            warnings.warn(f"resin_jit: the VSA {op} kernel for dimension {dim} ({layout}) runs on numpy: it is in "
                          f"no prebuilt layer or cache, and it cannot be built here ({self.jit.libraries.build_reason})."
                          f" Install a C compiler, or {record.WARM_ROUTE}.", RuntimeWarning, stacklevel=5)
            return None
        cell = []
        caller = library.caller(argspec, ret, functools.partial(slow_path, self._refused, argspec, dim, cell))
        cell.append(caller)
        self._kernels[key] = caller
        if not internal:
            self._misses += 1
            self._op_kernels.add(caller)
        return caller

    def _refused(self):
        """A kernel ran and refused its arguments (the slow path then explains): not an operation."""
        self._uncounted += 1

    def _maker(self, kernel, key):
        """The hot path's entry for an operation that makes a vector (see HotPaths)."""
        spare = self._spares.get(key)
        if spare is None:
            spare = self._spares[key] = deque(maxlen=RECYCLE)
        if key > 0:
            return kernel, spare, key, _I8, TritVector
        return kernel, spare, 2 * words_for(-key) + 1, _U64, PackedTritVector

    @property
    def stats(self) -> "dict[str, float]":
        """jit_hits: operations served by a kernel already in the per-operation cache; jit_misses:
        first uses of an operation at a dimension (a compile or a disk load; on the numpy backend
        every operation); total_ops; cache_size: kernels held; hit_rate = hits / total_ops.
        The kernels count their own runs (in C), so the hot path does no bookkeeping."""
        runs = sum(c.calls for c in self._op_kernels)
        total = runs - self._uncounted + self._numpy_ops
        hits = max(total - self._misses, 0)
        return {"jit_hits": hits, "jit_misses": self._misses, "total_ops": total,
                "cache_size": len(self._kernels), "hit_rate": hits / total if total else 0.0}

    def _numpy_op(self):
        """The numpy backend compiles nothing: every operation is a miss of the (empty) cache."""
        self._numpy_ops += 1
        self._misses += 1

    # -- reductions: dot, hamming, cosine ----------------------------------------------------------

    def dot(self, a: "TritVector | PackedTritVector", b: "TritVector | PackedTritVector") -> int:
        """Σ a·b as an int."""
        try:
            return self._hot.dot[a._key](a._buf, b._buf)
        except _MISS:
            return self._reduce("dot", self._hot.dot, a, b)

    def hamming(self, a: "TritVector | PackedTritVector", b: "TritVector | PackedTritVector") -> int:
        """The number of positions where the trits differ."""
        try:
            return self._hot.hamming[a._key](a._buf, b._buf)
        except _MISS:
            return self._reduce("hamming", self._hot.hamming, a, b)

    def cosine(self, a: "TritVector | PackedTritVector", b: "TritVector | PackedTritVector") -> float:
        """dot / (|a|·|b|) as a float; 0.0 when either vector is all zeros."""
        try:
            return self._hot.cosine[a._key](a._buf, b._buf)
        except _MISS:
            return self._reduce("cosine", self._hot.cosine, a, b)

    def _reduce(self, op, table, a, b):
        """The general path of a reduction, whose hot path looks in `table`."""
        dim = _same_dim(a, b)
        kernel = self._kernel(op, _layout(a), dim)
        if kernel is None:
            self._numpy_op()
            return _REDUCTIONS[op](_dense_data(a), _dense_data(b))
        table[a._key] = kernel
        return kernel(a._buf, b._buf)   # mixed layouts: the slow path converts

    # -- elementwise: bind, bundle, permute ------------------------------------------------------------

    def bind(self, a: VectorOrBatch, b: VectorOrBatch, out: Any = None) -> Any:
        """The elementwise product. Binding again with the same key unbinds: exact wherever the
        key is non-zero (where it is zero the product is 0). out=: batches only (batch_out.py)."""
        try:
            key = a._key if out is None else None   # out=: the general path
            kernel, spare, size, dtype, cls = self._hot.bind[key]
            v = _result(spare, cls, key, size, dtype)
            kernel(a._buf, b._buf, v._buf)
            spare.append(v)
            return v
        except _MISS:
            return self._bind_general(a, b, out)

    unbind = bind

    def _bind_general(self, a, b, out=None):
        if batch_ops.is_batch(a) or batch_ops.is_batch(b) or out is not None:   # batch_ops.py
            return batch_ops.bind(self, a, b, out=out)
        dim = _same_dim(a, b)
        kernel = self._kernel("bind", _layout(a), dim)
        if kernel is None:
            self._numpy_op()
            return _like(a, reference.bind(_dense_data(a), _dense_data(b)))
        self._hot.bind[a._key] = self._maker(kernel, a._key)
        return _run_map(kernel, a, dim, a._buf, b._buf)

    def bundle(self, vectors: VectorOrBatch, axis: "int | None" = None, *, weights: Any = None,
               threshold: "float | None" = None, out: Any = None) -> Any:
        """The sign of the elementwise sum of two or more vectors, ties 0; batches, axis, weights, out: batch_ops.bundle."""
        if type(vectors) is not list and type(vectors) is not tuple or not (axis is weights is threshold is out is None):
            return self._bundle_general(vectors, axis, weights, threshold, out)
        try:
            n = len(vectors)
            for_count = self._hot.bundle[n]   # misses for counts without a kernel (0 and 1 have none) before [0]
            key = vectors[0]._key
            kernel, spare, size, dtype, cls = for_count[key]
            v = _result(spare, cls, key, size, dtype)
            if n == 3:
                a, b, c = vectors
                kernel(a._buf, b._buf, c._buf, v._buf)
            elif n == 2:
                a, b = vectors
                kernel(a._buf, b._buf, v._buf)
            else:
                kernel(*[x._buf for x in vectors], v._buf)
            spare.append(v)
            return v
        except _MISS:
            return self._bundle_general(vectors)

    def _bundle_general(self, vectors, axis=None, weights=None, threshold=None, out=None):
        if not (axis is weights is threshold is out is None and (batch_ops.vector_list(vectors) or not batch_ops.is_batch(vectors))):
            return batch_ops.bundle(self, vectors, axis, weights, threshold, out=out)
        vectors = list(vectors)
        if len(vectors) < 2:
            raise ValueError(f"bundle needs at least 2 vectors, got {len(vectors)}")
        dim = _same_dim(*vectors)
        first, layout = vectors[0], _layout(vectors[0])
        inline = len(vectors) <= MAX_INLINE_BUNDLE   # else more vectors than rj_call holds buffers: stacked
        kernel = self._kernel("bundle", layout, dim, len(vectors)) if inline else \
            self._kernel("bundle_stacked", layout, dim)
        if kernel is None:
            self._numpy_op()
            return _like(first, reference.bundle([_dense_data(v) for v in vectors]))
        if inline:
            self._hot.bundle.setdefault(len(vectors), {})[first._key] = self._maker(kernel, first._key)
            return _run_map(kernel, first, dim, *[v._buf for v in vectors])
        if layout == "dense":   # one (k, len) array
            rows, out = np.stack([_dense_data(v) for v in vectors]), _empty(dim, _I8)
        else:
            rows, out = np.stack([_packed_buf(v) for v in vectors]), _empty(2 * words_for(dim) + 1, _U64)
        kernel(rows, out)
        return _dense(out) if layout == "dense" else _packed(out, dim)

    def permute(self, v: VectorOrBatch, shift: int, out: Any = None) -> Any:
        """Cyclic shift: out[(i + shift) mod dim] = v[i] (numpy.roll); negative shifts allowed."""
        if type(shift) is not int or out is not None:   # bool, numpy integers, out=: the general path
            return self._permute_general(v, shift, out)
        try:
            key = v._key
            kernel, spare, size, dtype, cls = self._hot.permute[key][shift]
            r = _result(spare, cls, key, size, dtype)
            kernel(v._buf, r._buf)
            spare.append(r)
            return r
        except _MISS:
            return self._permute_general(v, shift)

    def _permute_general(self, v, shift, out=None):
        if batch_ops.is_batch(v) or out is not None:   # batch_ops.py
            return batch_ops.permute(self, v, shift, out=out)
        if isinstance(shift, bool) or not isinstance(shift, (int, np.integer)):
            raise TypeError(f"shift must be an int, not {type(shift).__name__}")
        dim = _dim(v)
        kernel = self._kernel("permute", _layout(v), dim, int(shift) % dim)
        if kernel is None:
            self._numpy_op()
            return _like(v, reference.permute(_dense_data(v), int(shift)))
        self._hot.permute.setdefault(v._key, {})[int(shift)] = self._maker(kernel, v._key)
        return _run_map(kernel, v, dim, v._buf)

    # -- search ---------------------------------------------------------------------------------------

    def similarity(self, queries: "Sequence[TritVector | PackedTritVector] | np.ndarray", memory: "ItemMemory",
                   metric: str = "cosine", threads: "int | None" = None) -> "np.ndarray":
        """(n_queries, N) float64 scores of one query or a batch against an ItemMemory (or
        anything ItemMemory takes); threads split the memory's rows (default: by size)."""
        memory = as_item_memory(memory)
        check_metric(metric)
        if type(queries) is TritVector and queries._key == memory.dim:
            rows = self.pack(queries)._buf[None, :]   # one dense query: packed by a kernel where there is one
        else:
            rows = as_query_rows(queries, memory.dim)
        return self.similarity_rows(rows, memory, metric, threads)

    def top_k(self, queries: "TritVector | PackedTritVector | Sequence[TritVector | PackedTritVector] | np.ndarray",
              memory: "ItemMemory", k: int, metric: str = "cosine",
              threads: "int | None" = None) -> "tuple[np.ndarray, np.ndarray]":
        """(indices, scores) of the k best matches in memory, best first: highest score, or lowest
        for hamming; ties go to the lower index; k larger than N gives all N. One query gives 1-D
        arrays, a batch (n_queries, k) ones; the memory is streamed in blocks (stream.py), threaded."""
        return stream.top_k(self, queries, memory, k, metric, threads)

    def cleanup(self, query: "TritVector | PackedTritVector", memory: "ItemMemory", threshold: float = 0.0,
                metric: str = "cosine") -> Any:
        """The label of the best match of one query in memory, or KeyError if its score is worse
        than `threshold` (below it; above it for hamming)."""
        memory = as_item_memory(memory)
        index, score = self.top_k(query, memory, 1, metric)
        best = float(score[0])
        if (best > threshold) if metric == "hamming" else (best < threshold):
            raise KeyError(f"no item within the threshold {threshold} (best {metric} {best:.4f})")
        return memory.labels[int(index[0])]

    def similarity_planes(self, qpos, qneg, memory, metric, threads=None):
        """similarity() for queries already packed into (n, words) planes."""
        return self.similarity_rows(planes_to_buffer(qpos, qneg, memory.dim), memory, metric, threads)

    def similarity_rows(self, rows, memory, metric, threads=None):
        """similarity() for queries as packed buffers (n, 2 * words + 1)."""
        check_metric(metric)
        kernel = self._kernel(f"similarity_{metric}", "packed", memory.dim)
        if kernel is None:
            self._numpy_op()
            return numpy_similarity(rows, memory.rows, memory.dim, metric)   # junk bits counted as in C
        if metric == "cosine":
            args = (rows, self.norms(rows, memory.dim), memory.rows, self._memory_norms(memory))
        else:
            args = (rows, memory.rows)
        out, calls = similarity_threads(kernel, args, metric == "cosine", threads)
        self._uncounted += calls - 1
        return out

    def _memory_norms(self, memory):
        """The memory's non-zero trits per row, counted on its first cosine search and kept in it."""
        if memory.norms is None:
            memory.norms = self.norms(memory.rows, memory.dim)
        return memory.norms

    def norms(self, rows, dim):
        """The count of non-zero trits of each packed buffer row (n, 2 * words + 1) → int64 (n,)."""
        rows = np.ascontiguousarray(rows, np.uint64)
        if rows.ndim == 1:
            rows = rows[None, :]
        kernel = self._kernel("norms", "packed", dim, internal=True)
        if kernel is None:
            return popcount_rows(rows[:, :2 * words_for(dim)])
        out = _empty(rows.shape[0], np.int64)
        kernel(rows, out)
        return out

    def pack(self, v):
        """A TritVector packed by a compiled kernel (TritVector.pack() does the same in numpy)."""
        if type(v) is PackedTritVector:
            return v
        dim = _dim(v)
        kernel = self._kernel("pack", "dense", dim, internal=True)
        if kernel is None:
            return v.pack()
        out = _empty(2 * words_for(dim) + 1, _U64)
        kernel(v._buf, out)
        return _packed(out, dim)


def _rebuild_engine(config):
    return JitVSAEngine(JitCompiler(config or JitConfig()))


def _dim(v):
    if isinstance(v, (TritVector, PackedTritVector)):
        return v.dim
    raise TypeError(f"expected a TritVector or PackedTritVector, not {type(v).__name__}")


def _same_dim(*vectors):
    dims = [_dim(v) for v in vectors]
    if any(d != dims[0] for d in dims):
        raise ValueError(f"vectors of different dimensions: {sorted(set(dims))}")
    return dims[0]


def _layout(v):
    return "packed" if isinstance(v, PackedTritVector) else "dense"


def _dense_data(v):
    return v._buf if isinstance(v, TritVector) else unpack_buffer(v._buf, v.dim)


def _packed_buf(v):
    return v._buf if isinstance(v, PackedTritVector) else pack_buffer(v._buf)


def _result(spare, cls, key, size, dtype):
    """An object to write a result into: a recent result nobody else holds any more (the only
    references are this local and getrefcount's argument), else a new one."""
    try:
        v = spare.pop()
    except IndexError:
        return _fresh(cls, key, size, dtype)
    if _refcount(v) != 2 or _refcount(v._buf) != 2:
        return _fresh(cls, key, size, dtype)
    return v


def _fresh(cls, key, size, dtype):
    """A new result object with an uninitialised buffer (the kernel fills all of it)."""
    v = _new(cls)
    v._buf = _empty(size, dtype)
    v._key = key
    return v


def _run_map(caller, first, dim, *bufs):
    """Call an elementwise kernel into a new vector in the layout of `first`."""
    if isinstance(first, PackedTritVector):
        out = _empty(2 * words_for(dim) + 1, _U64)
        caller(*bufs, out)
        return _packed(out, dim)
    out = _empty(dim, _I8)
    caller(*bufs, out)
    return _dense(out)


def _like(first, data):
    """A dense result in the layout of the operation's first vector."""
    return _packed(pack_buffer(data), data.shape[0]) if isinstance(first, PackedTritVector) else _dense(data)
