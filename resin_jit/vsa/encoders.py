"""Encoders: data made hypervectors, a batch at a time.

- Codebook: one seeded random vector per symbol.
- LevelCodebook: vectors for scalars, neighbouring levels similar and the two ends orthogonal
  (torchhd's Level: the levels flip successive fresh slices of one random vector).
- RecordEncoder: {key: value} as the bundle of bound (key, value) pairs.
- SequenceEncoder: a sequence as the bundle of its n-grams, each the bind of its symbols
  permuted by their distance from the n-gram's end.
- RandomProjection: real features (N, features) as the signs of a random ternary projection,
  (N, dim) trits, with a float32 matmul.

Every encoder is deterministic for a seed, and `encode` takes a batch and gives (N, dim) int8
trits (the layout TritVector, ItemMemory and JitVSAEngine.similarity take). The row operations
are rowwise.py's (numpy now, the engine's batched operations later).
"""
from collections.abc import Iterable, Mapping, Sequence

import numpy as np

from . import record_ops, rowwise, shared
from .memory import ItemMemory
from .vectors import TritVector, _check_dim, _dense, pack_buffer, unpack_buffer, words_for

_I8 = np.dtype(np.int8)


def _random_trits(rng, shape, sparsity):
    """Seeded trits: +-1 with equal chances, each made 0 with probability `sparsity`."""
    if not 0.0 <= float(sparsity) < 1.0:
        raise ValueError(f"sparsity must be within [0, 1), not {sparsity!r}")
    trits = (rng.integers(0, 2, shape, dtype=np.int8) * np.int8(2) - np.int8(1)).astype(np.int8)
    if sparsity:
        trits[rng.random(shape) < sparsity] = 0
    return trits


def _frozen(array):
    array.flags.writeable = False
    return array


class _Vectors:
    """What the codebooks share: `vectors` (n, dim) int8, read-only, and `symbols`."""

    def __len__(self):
        return self.vectors.shape[0]

    @property
    def dim(self):
        """The dimension of the vectors."""
        return self.vectors.shape[1]

    def encode(self, items):
        """The vectors of a batch of items, shape items.shape + (dim,), int8 trits."""
        return self.vectors[self.index(items)]

    def __getitem__(self, item):
        return _dense(self.vectors[self.index(item)].copy())

    def memory(self):
        """An ItemMemory of the vectors labelled by their symbols (to clean a noisy vector up)."""
        return ItemMemory(self.vectors, labels=self.symbols)


class Codebook(_Vectors):
    """A seeded random vector per symbol. `symbols`: a count n (the symbols are 0..n-1) or
    distinct hashable symbols. `sparsity`: the fraction of zero trits (0.0: every trit +-1, so
    binding with a codebook vector can always be undone).

    >>> book = Codebook(["a", "b", "c"], 8, seed=0)
    >>> book.encode(["c", "a"]).shape, sorted(set(book.vectors.ravel().tolist()))
    ((2, 8), [-1, 1])
    """

    def __init__(self, symbols: "int | Iterable", dim: int, seed: "int | None" = None, sparsity: float = 0.0):
        if isinstance(symbols, (int, np.integer)) and not isinstance(symbols, bool):
            if symbols < 1:
                raise ValueError(f"a codebook needs at least one symbol, not {symbols}")
            symbols = range(int(symbols))
        self.symbols = list(symbols)
        if not self.symbols:
            raise ValueError("a codebook needs at least one symbol")
        self._index = {s: i for i, s in enumerate(self.symbols)}
        if len(self._index) != len(self.symbols):
            raise ValueError("the symbols of a codebook must be distinct")
        self._range = self.symbols == list(range(len(self.symbols)))   # ints index directly
        self.seed = seed
        self.vectors = _frozen(_random_trits(np.random.default_rng(seed), (len(self.symbols), _check_dim(dim)),
                                             sparsity))

    def index(self, items):
        """The rows of items (one symbol or an array/sequence of them); KeyError for unknown ones."""
        if self._range and isinstance(items, np.ndarray) and items.dtype.kind in "iu":
            if items.size and (items.min() < 0 or items.max() >= len(self.symbols)):
                raise KeyError(f"symbols must be within 0..{len(self.symbols) - 1}")
            return items.astype(np.intp)
        if isinstance(items, np.ndarray):   # any shape: the rows of its symbols in that shape
            return np.array([self._lookup(s) for s in items.ravel().tolist()], np.intp).reshape(items.shape)
        if _is_symbol(items, self._index):
            return self._lookup(items)
        return np.array([self._lookup(s) for s in items], np.intp)

    def _lookup(self, symbol):
        try:
            return self._index[symbol]
        except (KeyError, TypeError):
            raise KeyError(f"{symbol!r} is not a symbol of this codebook") from None

    def __repr__(self):
        return f"Codebook({len(self)} symbols, dim={self.dim})"


def _is_symbol(item, index):
    """One symbol (not a batch of them): a string, a non-iterable, or a key of the codebook."""
    if isinstance(item, (str, bytes)) or not isinstance(item, Iterable):
        return True
    try:
        return item in index
    except TypeError:   # unhashable: a list or array of symbols
        return False


class LevelCodebook(_Vectors):
    """`levels` vectors for scalars in [low, high]: level 0 is a seeded random +-1 vector and each
    next level flips a fresh slice of dim / (2 * (levels - 1)) of its trits, so neighbouring
    levels are similar and the first and last differ in half their trits (cosine about 0).
    A value maps to the nearest level; values outside [low, high] to the end levels."""

    def __init__(self, levels: int, dim: int, low: float = 0.0, high: float = 1.0, seed: "int | None" = None):
        if isinstance(levels, bool) or not isinstance(levels, (int, np.integer)) or levels < 2:
            raise ValueError(f"levels must be an int of at least 2, not {levels!r}")
        dim = _check_dim(dim)
        if not (np.isfinite(low) and np.isfinite(high) and low < high):
            raise ValueError(f"low and high must be finite with low < high, not {low!r} and {high!r}")
        rng = np.random.default_rng(seed)
        base = _random_trits(rng, dim, 0.0)
        order = rng.permutation(dim)
        flipped = np.zeros((levels, dim), bool)
        ends = (np.arange(levels) * dim) // (2 * (levels - 1))   # trits flipped by each level, cumulative
        rank = np.empty(dim, np.intp)
        rank[order] = np.arange(dim)                               # where each position comes in `order`
        flipped[:] = rank[None, :] < ends[:, None]
        self.vectors = _frozen(np.where(flipped, -base, base).astype(np.int8))
        self.low, self.high, self.seed = float(low), float(high), seed
        half = 0.5 if np.isinf(self.high - self.low) else 1.0   # as index() does
        self.symbols = list(np.linspace(self.low * half, self.high * half, levels) / half)

    def index(self, values):
        """The level of each value (an int for a scalar, else an intp array); NaN is a ValueError."""
        low, high = self.low, self.high
        half = 0.5 if np.isinf(high - low) else 1.0   # high - low overflows (-1e308 to 1e308): in halves, exactly
        v = np.asarray(values, np.float64)
        share = np.clip(v, low, high, out=np.empty(v.shape))   # a new array (0-d too): the steps below in place
        if np.isnan(share).any():
            raise ValueError("a LevelCodebook cannot encode NaN: fill or drop the missing values first")
        if half != 1.0:
            share *= half
        share -= low * half
        share /= high * half - low * half
        share *= len(self) - 1
        levels = np.rint(share, out=share)
        return int(levels) if levels.ndim == 0 else levels.astype(np.intp)

    def __repr__(self):
        return f"LevelCodebook({len(self)} levels in [{self.low}, {self.high}], dim={self.dim})"


class RecordEncoder:
    """Records {key: value} as the bundle (sign of the sum, ties 0) of bind(keys[key],
    values[value]) over their pairs. `keys` and `values` are codebooks of one dimension (values a
    LevelCodebook for scalars)."""

    def __init__(self, keys: Codebook, values: "Codebook | LevelCodebook"):
        if not isinstance(keys, _Vectors) or not isinstance(values, _Vectors):
            raise TypeError("keys and values must be a Codebook or LevelCodebook")
        if keys.dim != values.dim:
            raise ValueError(f"keys of dimension {keys.dim} with values of dimension {values.dim}")
        self.keys, self.values, self.dim = keys, values, keys.dim

    def __repr__(self):
        return f"RecordEncoder(keys={self.keys!r}, values={self.values!r})"

    def vector(self, record: Mapping) -> TritVector:
        """One record as a TritVector."""
        return _dense(self.encode([record])[0].copy())

    def encode(self, records: "Sequence[Mapping] | np.ndarray") -> np.ndarray:
        """(N, dim) trits of N records: a sequence of mappings, or an (N, len(keys)) array whose
        columns are the values of the keys in codebook order (encoded in C where there is a kernel)."""
        if isinstance(records, np.ndarray):
            return self.encode_both(records, rows=False)[0]
        if isinstance(records, Mapping) or not all(isinstance(r, Mapping) for r in records):
            raise TypeError("records must be a sequence of mappings {key: value} (one record: encode([record]))")
        if any(not r for r in records) or not len(records):
            raise ValueError("every record needs at least one (key, value) pair, and encode at least one record")
        counts = np.array([len(r) for r in records], np.intp)
        keys = self.keys.index([k for r in records for k in r])
        values = self.values.index([v for r in records for v in r.values()])
        return _bundle_runs(lambda lo, hi: rowwise.bind(self.keys.vectors[keys[lo:hi]],
                                                        self.values.vectors[values[lo:hi]]), counts, self.dim)

    def encode_packed(self, table: np.ndarray) -> np.ndarray:
        """An (N, len(keys)) array of records as packed rows (N, 2 * words + 1), the rows an
        ItemMemory or JitVSAEngine.similarity_rows takes."""
        return self.encode_both(table, trits=False)[1]

    def encode_both(self, table, trits=True, rows=True):
        """(int8 trits (N, dim), packed rows) of an (N, len(keys)) array of records (either None
        when not asked for): packed rows by the C kernel (csrc/vsa_record.h) where the engine has
        it, else int8 rows by numpy; the other layout converted from the one made."""
        if not isinstance(table, np.ndarray) or table.ndim != 2 or table.shape[1] != len(self.keys) \
                or table.shape[0] == 0:
            raise ValueError(f"an array of records has shape (N, {len(self.keys)}) (one column per key), "
                             f"not {np.shape(table)}")
        index = np.ascontiguousarray(self.values.index(table), np.int64)
        if not hasattr(self, "_packed_books"):   # the codebooks' packed rows, made once
            self._packed_books = (pack_buffer(self.keys.vectors), pack_buffer(self.values.vectors))
        packed = record_ops.encode_packed(shared.engine(), index, *self._packed_books, self.dim)
        if packed is None:   # the numpy backend
            dense = record_ops.encode_dense(index, self.keys.vectors, self.values.vectors)
            return (dense if trits else None), (pack_buffer(dense) if rows else None)
        return (unpack_buffer(packed, self.dim) if trits else None), (packed if rows else None)


class SequenceEncoder:
    """Sequences of symbols as the bundle of their n-grams: the n-gram (s_i, ..., s_i+n-1) is
    bind over j of permute(symbols[s_i+j], n - 1 - j). A sequence needs at least n symbols."""

    def __init__(self, symbols: Codebook, n: int = 3):
        if not isinstance(symbols, _Vectors):
            raise TypeError("symbols must be a Codebook")
        if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 1:
            raise ValueError(f"n must be a positive int, not {n!r}")
        self.symbols, self.n, self.dim = symbols, int(n), symbols.dim
        # the codebook permuted once per place in an n-gram
        self._placed = [rowwise.permute(symbols.vectors, self.n - 1 - j) for j in range(self.n)]

    def __repr__(self):
        return f"SequenceEncoder({self.symbols!r}, n={self.n})"

    def vector(self, sequence: Sequence) -> TritVector:
        """One sequence as a TritVector."""
        return _dense(self.encode([sequence])[0].copy())

    def encode(self, sequences: "Sequence[Sequence]") -> np.ndarray:
        """(N, dim) trits of N sequences (each a string, list or array of symbols)."""
        if isinstance(sequences, (str, bytes)) or not len(sequences):
            raise TypeError("sequences must be a non-empty list of sequences (one sequence: encode([sequence]))")
        index = [self.symbols.index(s if not isinstance(s, str) else list(s)) for s in sequences]
        lengths = np.array([np.size(i) for i in index], np.intp)
        short = np.flatnonzero(lengths < self.n)
        if short.size:
            raise ValueError(f"sequence {short[0]} has {lengths[short[0]]} symbols, fewer than n = {self.n}")
        flat = np.concatenate([np.atleast_1d(i) for i in index])
        starts = np.concatenate([[0], np.cumsum(lengths)[:-1]])
        windows = np.concatenate([s + np.arange(n - self.n + 1) for s, n in zip(starts, lengths)])

        def grams(lo, hi):
            at = windows[lo:hi]
            out = self._placed[0][flat[at]]
            for j in range(1, self.n):
                out = rowwise.bind(out, self._placed[j][flat[at + j]])
            return out
        return _bundle_runs(grams, lengths - self.n + 1, self.dim)


def _bundle_runs(make_rows, counts, dim):
    """The bundle of each consecutive run of rows (runs of `counts` rows, each at least one), the
    rows made a block at a time by make_rows(lo, hi): (len(counts), dim) int8."""
    totals = np.zeros((counts.shape[0], dim), np.int32)
    owner = np.repeat(np.arange(counts.shape[0]), counts)
    step = rowwise.block_rows(dim)
    for lo in range(0, owner.shape[0], step):
        hi = min(lo + step, owner.shape[0])
        ids, first = np.unique(owner[lo:hi], return_index=True)
        totals[ids] += rowwise.segment_sums(make_rows(lo, hi), first)
    return rowwise.sign(totals)


class RandomProjection:
    """Real features (N, features) → (N, dim) trits: the signs of X @ M for a seeded random
    ternary matrix M (features, dim) (trits uniform over -1, 0, 1), computed in float32 blocks.
    A projection of exactly 0 gives a 0 trit."""

    def __init__(self, features: int, dim: int, seed: "int | None" = None):
        if isinstance(features, bool) or not isinstance(features, (int, np.integer)) or features < 1:
            raise ValueError(f"features must be a positive int, not {features!r}")
        self.features, self.dim, self.seed = int(features), _check_dim(dim), seed
        rng = np.random.default_rng(seed)
        self.matrix = _frozen(rng.integers(-1, 2, (self.features, self.dim), dtype=np.int8).astype(np.float32))

    def encode(self, X) -> np.ndarray:
        """(N, dim) int8 trits."""
        return self.encode_both(X, rows=False)[0]

    def encode_packed(self, X) -> np.ndarray:
        """The same trits as packed buffers (N, 2 * words + 1) uint64, the rows an ItemMemory or
        JitVSAEngine.similarity_rows takes, made without the int8 rows."""
        return self.encode_both(X, trits=False)[1]

    def encode_both(self, X, trits=True, rows=True):
        """(int8 trits (N, dim), packed rows (N, 2 * words + 1)) from one projection (either
        None when not asked for), a block of samples at a time."""
        X = check_features(X, self.features)
        n, words = X.shape[0], words_for(self.dim)
        dense = np.empty((n, self.dim), np.int8) if trits else None
        packed = np.empty((n, 2 * words + 1), np.uint64) if rows else None
        step = rowwise.block_rows(self.dim, rowwise.PROJECTION_BLOCK)
        for lo in range(0, n, step):
            projected = X[lo:lo + step] @ self.matrix
            above, below = projected > 0, projected < 0
            if trits:
                np.subtract(above.view(np.int8), below.view(np.int8), out=dense[lo:lo + step])
            if rows:
                packed[lo:lo + step] = rowwise.pack_bits(above, below)
        return dense, packed

    def __repr__(self):
        return f"RandomProjection({self.features} features → dim {self.dim})"


def check_features(X, features=None, name="RandomProjection", dtype=np.float32):
    """X as a C-contiguous (N, features) array of `dtype`, or a ValueError (TypeError for what is
    not numbers at all) that says what is wrong and what to do."""
    if hasattr(X, "toarray"):
        raise TypeError("a sparse matrix was passed, but the encoders need dense data: pass X.toarray()")
    if isinstance(X, TritVector):
        raise TypeError("features must be a 2-D array of numbers")
    try:
        X = np.asarray(X)
        if X.dtype == object:
            X = X.astype(np.float64)
    except ValueError as exc:   # ragged rows
        raise ValueError(f"features must be a 2-D array of numbers (N, features): {exc}") from None
    except TypeError as exc:    # objects that are not numbers
        raise TypeError(f"features must be a 2-D array of numbers (N, features): {exc}") from None
    if X.dtype.kind == "c":
        raise ValueError("Complex data not supported: features must be real numbers")
    if X.dtype.kind not in "biuf":
        raise TypeError(f"features must be numbers, not {X.dtype} (encode strings with a Codebook first)")
    if X.ndim != 2:
        raise ValueError(f"features must be 2-D (N, features), not {X.ndim}-D with shape {X.shape}. "
                         "Reshape your data: X.reshape(1, -1) for one sample, X.reshape(-1, 1) for one feature")
    if X.shape[1] == 0:
        raise ValueError(f"0 feature(s) (shape={X.shape}) while a minimum of 1 is required.")
    if features is not None and X.shape[1] != features:
        raise ValueError(f"X has {X.shape[1]} features, but {name} is expecting {features} features as input")
    X = np.ascontiguousarray(X, dtype)
    if not np.isfinite(X).all():
        raise ValueError("features contain NaN or infinity: fill or drop them first (e.g. sklearn's SimpleImputer)")
    return X
