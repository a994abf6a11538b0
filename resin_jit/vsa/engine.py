"""JitVSAEngine: VSA operations compiled per dimension on first use, cached per operation.

As in the JIT this follows, each operation is compiled for each vector dimension (permute for
each dimension and shift) the first time it is asked for, kept in a per-operation cache and
counted as a hit or a miss; the kernels also go through resin_jit's disk cache, so a new process
loads instead of compiling. With no compiler the engine runs reference.py with identical results.
"""
import numpy as np

from .. import JitCompiler
from . import kernels, reference
from .vectors import PackedTritVector, TritVector, pack_planes, unpack_planes

MAX_INLINE_BUNDLE = 8  # bundles of up to this many vectors get a kernel with one buffer per vector


class JitVSAEngine:
    def __init__(self, jit=None):
        if jit is not None and not isinstance(jit, JitCompiler):
            raise TypeError(f"jit must be a resin_jit.JitCompiler, not {type(jit).__name__}")
        self.jit = jit or JitCompiler()
        self.backend = self.jit.backend
        self._kernels = {}   # (op, layout, dim, k) → dispatch Caller
        self._misses = self._numpy_ops = 0
        # The hot path's own caches, dim → Caller, one per (operation, layout): a dot at a known
        # dimension is two type checks, one dict lookup and the C call.
        self._dense_fast = {op: {} for op in ("dot", "hamming", "cosine")}
        self._bundle_fast, self._permute_fast = {}, {}   # (k, dim) → Caller, (dim, shift) → Caller
        self._packed_fast = {op: {} for op in ("dot", "hamming", "cosine")}

    # -- the per-operation cache ----------------------------------------------------------------

    def _kernel(self, op, layout, dim, k=None):
        """The operation's kernel at this dimension; the first request is the cache miss."""
        key = (op, layout, dim, k)
        caller = self._kernels.get(key)
        if caller is not None:
            return caller
        self._misses += 1
        argspec, ret, _ = kernels.rule(op, layout, k)
        library = self.jit.library(("vsa", op, layout, dim, k if k is not None else -1),
                                   lambda: kernels.source(op, layout, dim, k))
        cell = []
        caller = library.caller(argspec, ret, lambda *args: _convert_and_call(cell[0], argspec, args))
        cell.append(caller)
        self._kernels[key] = caller
        fast = (self._dense_fast if layout == "dense" else self._packed_fast).get(op)
        if fast is not None:
            fast[dim] = caller
        elif op == "bundle":
            self._bundle_fast[(k, dim)] = caller
        elif op == "permute":
            self._permute_fast[(dim, k)] = caller
        return caller

    @property
    def stats(self):
        """Every operation is a hit of the per-operation cache but the first at each dimension
        (the miss, which compiles or loads). The kernels count their own runs."""
        total = self._numpy_ops + sum(c.calls for c in self._kernels.values())
        hits = max(total - self._misses, 0)
        return {"jit_hits": hits, "jit_misses": self._misses, "total_ops": total,
                "cache_size": len(self._kernels), "hit_rate": hits / total if total else 0.0}

    # -- operations ---------------------------------------------------------------------------------

    def _reduce_first(self, op, a, b):
        """Everything but a hit: checks, the first use of a dimension, mixed layouts, numpy."""
        dim = _same_dim(a, b)
        if self.backend != "native":
            self._count()
            return getattr(reference, op)(_dense(a), _dense(b))
        if type(a) is PackedTritVector and type(b) is PackedTritVector:
            return self._kernel(op, "packed", dim)(a.pos, a.neg, b.pos, b.neg)
        return self._kernel(op, "dense", dim)(_dense(a), _dense(b))

    def bind(self, a, b):
        """The elementwise product; binding with the same key again unbinds where the key is non-zero."""
        dim = _same_dim(a, b)
        if type(a) is PackedTritVector and type(b) is PackedTritVector:
            if self.backend != "native":
                self._count()
                return _packed(reference.bind(_dense(a), _dense(b)))
            pos, neg = np.empty_like(a.pos), np.empty_like(a.neg)
            self._kernel("bind", "packed", dim)(a.pos, a.neg, b.pos, b.neg, pos, neg)
            return PackedTritVector._trusted(pos, neg, dim)
        if self.backend != "native":
            self._count()
            return TritVector._trusted(reference.bind(_dense(a), _dense(b)))
        out = np.empty(dim, np.int8)
        self._kernel("bind", "dense", dim)(_dense(a), _dense(b), out)
        return TritVector._trusted(out)

    unbind = bind

    def bundle(self, vectors):
        """The sign of the elementwise sum of two or more vectors; ties give 0."""
        if type(vectors) is not list:
            vectors = list(vectors)
        if len(vectors) >= 2 and type(vectors[0]) is TritVector:
            dim = vectors[0].dim
            fn = self._bundle_fast.get((len(vectors), dim))
            if fn is not None:
                datas = []
                for v in vectors:
                    if type(v) is not TritVector or v.dim != dim:
                        break
                    datas.append(v.data)
                else:
                    out = np.empty(dim, np.int8)
                    fn(*datas, out)
                    return TritVector._trusted(out)
        return self._bundle_first(vectors)

    def _bundle_first(self, vectors):
        if len(vectors) < 2:
            raise ValueError(f"bundle needs at least 2 vectors, got {len(vectors)}")
        dim = _same_dim(*vectors)
        packed = all(type(v) is PackedTritVector for v in vectors)
        dense = [_dense(v) for v in vectors]
        if self.backend != "native":
            self._count()
            out = reference.bundle(dense)
        elif len(vectors) <= MAX_INLINE_BUNDLE:
            out = np.empty(dim, np.int8)
            self._kernel("bundle", "dense", dim, len(vectors))(*dense, out)
        else:
            out = np.empty(dim, np.int8)
            self._kernel("bundle_stacked", "dense", dim)(np.stack(dense), out)
        return _packed(out) if packed else TritVector._trusted(out)

    def permute(self, v, shift):
        """Cyclic shift: out[(i + shift) mod dim] = v[i] (numpy.roll); negative shifts allowed."""
        if type(v) is TritVector and type(shift) is int:
            fn = self._permute_fast.get((v.dim, shift % v.dim))
            if fn is not None:
                out = np.empty(v.dim, np.int8)
                fn(v.data, out)
                return TritVector._trusted(out)
        return self._permute_first(v, shift)

    def _permute_first(self, v, shift):
        if isinstance(shift, bool) or not isinstance(shift, (int, np.integer)):
            raise TypeError(f"shift must be an int, not {type(shift).__name__}")
        dim = _dim(v)
        shift = int(shift) % dim
        data = _dense(v)
        if self.backend != "native":
            self._count()
            out = reference.permute(data, shift)
        else:
            out = np.empty(dim, np.int8)
            self._kernel("permute", "dense", dim, shift)(data, out)
        return _packed(out) if type(v) is PackedTritVector else TritVector._trusted(out)

    def _count(self):
        """The numpy backend compiles nothing: every operation is a miss of the (empty) cache."""
        self._numpy_ops += 1
        self._misses += 1

    @staticmethod
    def _fast_reduce(op):
        """The hot path of dot/hamming/cosine: at a dimension already compiled, two type checks,
        one dict lookup and the C call; everything else goes to _reduce_first."""
        def method(self, a, b):
            ta = type(a)
            if ta is type(b):
                if ta is TritVector:
                    fn = self._dense_fast[op].get(a.dim)
                    if fn is not None and a.dim == b.dim:
                        return fn(a.data, b.data)   # the Caller counts its own runs: see stats
                elif ta is PackedTritVector:
                    fn = self._packed_fast[op].get(a.dim)
                    if fn is not None and a.dim == b.dim:
                        return fn(a.pos, a.neg, b.pos, b.neg)
            return self._reduce_first(op, a, b)
        method.__name__ = op
        return method

    # -- batched similarity -------------------------------------------------------------------------

    def similarity(self, queries, memory, metric="cosine", threads=None):
        """(n_queries, N) scores of one query or a batch against an ItemMemory."""
        from .memory import ItemMemory, as_query_planes
        if not isinstance(memory, ItemMemory):
            memory = ItemMemory(memory)
        if metric not in ("cosine", "dot", "hamming"):
            raise ValueError(f"metric must be 'cosine', 'dot' or 'hamming', not {metric!r}")
        qpos, qneg = as_query_planes(queries, memory.dim)
        return self.similarity_planes(qpos, qneg, memory, metric, threads)

    def similarity_planes(self, qpos, qneg, memory, metric, threads=None):
        """similarity() for queries already packed into (n, words) planes."""
        from .memory import similarity_threads
        if self.backend != "native":
            self._count()
            return reference.similarity(unpack_planes(qpos, qneg, memory.dim), memory.dense(), metric)
        kernel = self._kernel(f"similarity_{metric}", "packed", memory.dim)
        return similarity_threads(kernel, qpos, qneg, memory.pos, memory.neg, threads)


_ARG_DTYPES = {"b": np.int8, "u": np.uint64, "d": np.float64}


def _convert_and_call(caller, argspec, args):
    """The slow path: inputs that are views, unaligned (as a deserialised array can be) or of
    another integer width are copied into shape; outputs are the engine's own and always fit."""
    if len(args) != len(argspec):
        raise TypeError(f"resin_jit.vsa kernel takes {len(argspec)} arrays, got {len(args)}")
    fixed = [np.require(a, _ARG_DTYPES[letter.lower()], ["C", "A"]) if letter.islower() else a
             for letter, a in zip(argspec, args)]
    return caller.invoke(*fixed)


def _dim(v):
    if type(v) is TritVector or type(v) is PackedTritVector:
        return v.dim
    raise TypeError(f"expected a TritVector or PackedTritVector, not {type(v).__name__}")


def _same_dim(*vectors):
    dims = {_dim(v) for v in vectors}
    if len(dims) != 1:
        raise ValueError(f"vectors of different dimensions: {sorted(dims)}")
    return dims.pop()


def _dense(v):
    return v.data if type(v) is TritVector else unpack_planes(v.pos, v.neg, v.dim)


def _packed(data):
    pos, neg = pack_planes(data)
    return PackedTritVector._trusted(pos, neg, data.shape[0])


JitVSAEngine.dot = JitVSAEngine._fast_reduce("dot")
JitVSAEngine.dot.__doc__ = "Σ a·b as an int."
JitVSAEngine.hamming = JitVSAEngine._fast_reduce("hamming")
JitVSAEngine.hamming.__doc__ = "The number of positions where the trits differ."
JitVSAEngine.cosine = JitVSAEngine._fast_reduce("cosine")
JitVSAEngine.cosine.__doc__ = "dot / (|a|·|b|); 0.0 when either vector is all zeros."
