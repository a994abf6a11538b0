"""Ternary hypervectors: dense (one int8 trit per position) and packed (two bit planes).

Both classes keep one contiguous buffer (`_buf`) and one int (`_key`): the dimension for a dense
vector, minus the dimension for a packed one. The engine's hot path is a dict lookup on `_key`
and a kernel call on the `_buf`s, with no per-call Python checks: the kernel checks lengths
(and a packed buffer's guard word, its dimension), and anything that does not fit goes to a
slow path that converts or explains.

A packed buffer is uint64: WORDS = ceil(dim / 64) words of the positive plane (bit i of word w
is set where trit 64*w + i is +1), WORDS of the negative plane, then the dimension.
"""
from operator import attrgetter

import numpy as np
from numpy.typing import ArrayLike

from ..front.abi import aligned_empty

_I8 = np.dtype(np.int8)
_U64 = np.dtype(np.uint64)
_new = object.__new__


def _aligned_copy(arr, dtype):
    out = aligned_empty(arr.shape, dtype)
    out[...] = arr
    return out


def _as_trits(values):
    """A contiguous, cache-line aligned int8 copy of `values`, or ValueError if any is not -1, 0 or 1."""
    arr = np.asarray(values)
    if arr.ndim != 1:
        raise ValueError(f"a trit vector is 1-D, not {arr.ndim}-D")
    if arr.shape[0] == 0:
        raise ValueError("a trit vector needs at least one trit")
    if arr.dtype.kind in "iub":
        trits = arr  # compared in its own dtype below: a cast first would wrap huge unsigned values to -1
    elif arr.dtype.kind == "f":
        if not np.all(np.isfinite(arr)) or not np.array_equal(arr, np.round(arr)):
            raise ValueError("trits must be -1, 0 or 1; got non-integer values")
        if np.any(np.abs(arr) > 1):
            raise ValueError("trits must be -1, 0 or 1; got values outside -1..1")
        trits = arr.astype(np.int64)
    else:
        raise ValueError(f"trits must be -1, 0 or 1, not values of dtype {arr.dtype}")
    if trits.min() < -1 or trits.max() > 1:
        raise ValueError("trits must be -1, 0 or 1; got values outside -1..1")
    return _aligned_copy(trits, np.int8)


def _check_dim(dim):
    if isinstance(dim, bool) or not isinstance(dim, (int, np.integer)) or dim < 1:
        raise ValueError(f"dim must be a positive int, not {dim!r}")
    return int(dim)


def words_for(dim):
    return (dim + 63) // 64


class TritVector:
    """A dense vector of trits (-1, 0, +1) stored as a contiguous int8 array, `.data`.

    Vectors are values: the engine never changes one, and `.data` is always read-only (an
    engine result's own buffer stays writable for the engine, which may reuse it once nothing
    references the vector; users see it through a read-only view)."""
    __slots__ = ("_buf", "_key")

    def __init__(self, values: "ArrayLike") -> None:
        data = _as_trits(values)
        data.flags.writeable = False
        self._buf = data
        self._key = data.shape[0]

    @property
    def data(self):
        """The trits: a read-only, contiguous int8 numpy array."""
        return self._buf if not self._buf.flags.writeable else _read_only_view(self._buf)

    dim = property(attrgetter("_key"), doc="The number of trits.")

    @classmethod
    def random(cls, dim: int, seed: "int | None" = None, sparsity: "float | None" = None) -> "TritVector":
        """Uniform over {-1, 0, 1}, or with `sparsity` (0..1) that fraction of zeros on average and
        the rest +-1; deterministic for a seed."""
        dim = _check_dim(dim)
        rng = np.random.default_rng(seed)
        if sparsity is None:
            return _dense(_frozen(_aligned_copy(rng.integers(-1, 2, dim, dtype=np.int8), np.int8)))
        if not 0.0 <= float(sparsity) <= 1.0:
            raise ValueError(f"sparsity must be within [0, 1], not {sparsity}")
        signs = rng.choice(np.array([-1, 1], np.int8), dim)
        return _dense(_frozen(_aligned_copy(np.where(rng.random(dim) < sparsity, np.int8(0), signs), np.int8)))

    @classmethod
    def zeros(cls, dim: int) -> "TritVector":
        """The all-zero vector of `dim` trits.

        >>> TritVector.zeros(4).data.tolist()
        [0, 0, 0, 0]
        """
        data = aligned_empty(_check_dim(dim), np.int8)
        data[:] = 0
        return _dense(_frozen(data))

    @classmethod
    def from_numpy(cls, array):
        """TritVector(array): an int array of -1, 0, +1 (checked, copied into an aligned buffer)."""
        return cls(array)

    def to_numpy(self):
        """A writable int8 copy of the trits."""
        return self._buf.copy()

    def __array__(self, dtype=None, copy=None):
        if copy is False and dtype is not None and np.dtype(dtype) != _I8:
            raise ValueError("a TritVector's trits are int8: a copy is needed for another dtype")
        if dtype is not None and np.dtype(dtype) != _I8:
            return self._buf.astype(dtype)
        return self._buf.copy() if copy else _read_only_view(self._buf)

    def __len__(self):
        return self._key

    def __eq__(self, other):
        if type(other) is PackedTritVector:
            other = other.unpack()
        if not isinstance(other, TritVector):
            return NotImplemented
        return self._key == other._key and np.array_equal(self._buf, other._buf)

    def __hash__(self):
        return hash((self._key, self._buf.tobytes()))

    def __repr__(self):
        return f"TritVector(dim={self._key}, nonzero={int(np.count_nonzero(self._buf))})"

    def __reduce__(self):
        return (TritVector, (self._buf,))

    def pack(self) -> "PackedTritVector":
        """The same trits as a PackedTritVector."""
        return _packed(pack_buffer(self._buf), self._key)


class PackedTritVector:
    """Trits as two bit planes of uint64 words: `.pos` (bit set where the trit is +1) and `.neg`
    (where it is -1); bit i of word w is trit 64*w + i, and bits past `.dim` are zero."""
    __slots__ = ("_buf", "_key")

    def __init__(self, pos, neg, dim):
        dim = _check_dim(dim)
        buf = checked_buffer(pos, neg, dim, 1)
        buf.flags.writeable = False
        self._buf = buf
        self._key = -dim

    @property
    def dim(self):
        """The number of trits."""
        return -self._key

    @property
    def pos(self):
        """The positive plane (a read-only view of `words_for(dim)` uint64 words)."""
        return _plane_view(self._buf, -self._key, 0)

    @property
    def neg(self):
        """The negative plane (a read-only view of `words_for(dim)` uint64 words)."""
        return _plane_view(self._buf, -self._key, 1)

    @classmethod
    def from_dense(cls, data):
        """Pack a dense vector (a TritVector or an int array of trits) into bit planes.

        >>> PackedTritVector.from_dense([1, 0, -1]).unpack().data.tolist()
        [1, 0, -1]
        """
        data = _as_trits(data)
        return _packed(pack_buffer(data), data.shape[0])

    def unpack(self) -> TritVector:
        """The dense TritVector of these planes."""
        return _dense(unpack_buffer(self._buf, -self._key))

    def __array__(self, dtype=None, copy=None):
        """The trits as a dense int8 array (always a new array)."""
        if copy is False:
            raise ValueError("a PackedTritVector's trits are bit planes: a dense array is always a copy")
        data = unpack_buffer(self._buf, -self._key)
        return data if dtype is None else data.astype(dtype)

    def __len__(self):
        return -self._key

    def __eq__(self, other):
        if type(other) is TritVector:
            return other == self
        if not isinstance(other, PackedTritVector):
            return NotImplemented
        return self._key == other._key and np.array_equal(self._buf, other._buf)

    def __hash__(self):
        return hash((-self._key, unpack_buffer(self._buf, -self._key).tobytes()))  # as the equal TritVector

    def __repr__(self):
        return f"PackedTritVector(dim={-self._key})"

    def __reduce__(self):
        return (PackedTritVector, (self.pos, self.neg, -self._key))


class PackedRows:
    """What PackedBatch and ItemMemory share: N packed rows (`rows`, (N, 2 * words + 1) uint64)
    of one dimension (`dim`), and their planes as read-only views."""
    __slots__ = ()

    @property
    def pos(self):
        """(N, words) positive planes (a read-only view)."""
        return _plane_view(self.rows, self.dim, 0)

    @property
    def neg(self):
        """(N, words) negative planes (a read-only view)."""
        return _plane_view(self.rows, self.dim, 1)


def _plane_view(buf, dim, which):
    words = words_for(dim)
    return _read_only_view(buf[..., which * words:(which + 1) * words])


def _read_only_view(arr):
    view = arr.view()
    view.flags.writeable = False
    return view


def _frozen(data):
    data.flags.writeable = False
    return data


def _dense(data):
    """Wrap an int8 array that is valid and owned by nobody else, without copying."""
    v = _new(TritVector)
    v._buf = data
    v._key = data.shape[0]
    return v


def _packed(buf, dim):
    v = _new(PackedTritVector)
    v._buf = buf
    v._key = -dim
    return v


def _plane(bits):
    """Bits (..., dim) → uint64 words (..., ceil(dim/64)), little-endian bit order, zero padded."""
    packed = np.packbits(bits, axis=-1, bitorder="little")
    pad = (-packed.shape[-1]) % 8
    if pad:
        packed = np.concatenate([packed, np.zeros(packed.shape[:-1] + (pad,), np.uint8)], axis=-1)
    return np.ascontiguousarray(packed).view("<u8").astype(np.uint64)


def pack_planes(data):
    """Dense int8 (..., dim) → (pos, neg) word planes (..., words)."""
    data = np.asarray(data)
    return _plane(data == 1), _plane(data == -1)


def pack_buffer(data):
    """Dense int8 (..., dim) → packed buffers (..., 2 * words + 1), the guard word included."""
    data = np.asarray(data)
    pos, neg = pack_planes(data)
    return planes_to_buffer(pos, neg, data.shape[-1])


def planes_to_buffer(pos, neg, dim):
    pos, neg = np.asarray(pos, np.uint64), np.asarray(neg, np.uint64)
    words = words_for(dim)
    buf = aligned_empty(pos.shape[:-1] + (2 * words + 1,), np.uint64)
    buf[..., :words], buf[..., words:2 * words], buf[..., 2 * words] = pos, neg, dim
    return buf


def checked_buffer(pos, neg, dim, ndim):
    """Packed buffers (..., 2 * words + 1), cache-line aligned, copied from ndim-D planes
    (..., words) of integer words; ValueError if they are not trits of `dim`: planes of another
    shape or type, a position both +1 and -1, or bits set past the last trit."""
    words = words_for(dim)
    pos, neg = np.asarray(pos), np.asarray(neg)
    for name, plane in (("pos", pos), ("neg", neg)):
        if plane.ndim != ndim or plane.shape[-1] != words or plane.shape != pos.shape:
            raise ValueError(f"a packed vector of {dim} trits has {words} words per plane; {name} has shape "
                             f"{plane.shape}")
        if plane.dtype.kind not in "ui":
            raise ValueError(f"{name} must hold uint64 words, not {plane.dtype}")
    buf = planes_to_buffer(pos, neg, dim)
    p, n = buf[..., :words], buf[..., words:2 * words]
    if np.any(p & n):
        raise ValueError("a trit cannot be both +1 and -1 (pos and neg planes overlap)")
    if dim % 64 and np.any((p[..., -1] | n[..., -1]) >> np.uint64(dim % 64)):
        raise ValueError("bits past the last trit must be zero")
    return buf


def check_guards(rows, dim, first=0):
    """ValueError naming the first of packed rows (n, 2 * words + 1), numbered from `first`, whose
    guard word is not dim (rows of another width are left to the kernels' length checks)."""
    if rows.ndim != 2 or rows.shape[-1] != 2 * words_for(dim) + 1:
        return
    bad = np.flatnonzero(rows[:, -1] != dim)
    if bad.size:
        raise ValueError(f"packed row {first + int(bad[0])} has the guard word {int(rows[bad[0], -1])}, not its "
                         f"dimension {dim}: it is no packed vector (an ItemMemory loaded with verify=False from a "
                         f"damaged file?)")


def unpack_planes(pos, neg, dim):
    """(pos, neg) word planes (..., words) → dense int8 (..., dim)."""
    bits_p = np.unpackbits(np.ascontiguousarray(pos, "<u8").view(np.uint8), axis=-1, bitorder="little")[..., :dim]
    bits_n = np.unpackbits(np.ascontiguousarray(neg, "<u8").view(np.uint8), axis=-1, bitorder="little")[..., :dim]
    return bits_p.astype(np.int8) - bits_n.astype(np.int8)


def unpack_buffer(buf, dim):
    words = words_for(dim)
    return unpack_planes(buf[..., :words], buf[..., words:2 * words], dim)


def popcount_rows(words):
    """Set bits per row of a uint64 array (..., n) → int64 (...)."""
    words = np.asarray(words, np.uint64)
    if hasattr(np, "bitwise_count"):   # numpy >= 2.0
        return np.bitwise_count(words).sum(axis=-1, dtype=np.int64)
    return np.unpackbits(np.ascontiguousarray(words).view(np.uint8), axis=-1).sum(axis=-1, dtype=np.int64)


def as_vector(v):
    """A TritVector or PackedTritVector as it is; a 1-D array or sequence of trits as a TritVector."""
    if type(v) is TritVector or type(v) is PackedTritVector or isinstance(v, (TritVector, PackedTritVector)):
        return v
    if isinstance(v, (np.ndarray, list, tuple)):
        return TritVector(v)
    raise TypeError(f"expected a TritVector or PackedTritVector, not {type(v).__name__}")
