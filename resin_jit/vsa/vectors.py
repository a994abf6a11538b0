"""Ternary hypervectors: dense (one int8 trit per position) and packed (two bit planes)."""
import numpy as np


def _as_trits(values):
    """A contiguous int8 copy of `values`, or ValueError if any is not -1, 0 or 1."""
    arr = np.asarray(values)
    if arr.ndim != 1:
        raise ValueError(f"a trit vector is 1-D, not {arr.ndim}-D")
    if arr.dtype == np.int8:
        trits = arr
    elif arr.dtype.kind in "iub":
        trits = arr.astype(np.int64)
    elif arr.dtype.kind == "f":
        if not np.all(np.isfinite(arr)) or not np.array_equal(arr, np.round(arr)):
            raise ValueError("trits must be -1, 0 or 1; got non-integer values")
        trits = arr.astype(np.int64)
    else:
        raise ValueError(f"trits must be -1, 0 or 1, not values of dtype {arr.dtype}")
    if trits.size and (trits.min() < -1 or trits.max() > 1):
        raise ValueError("trits must be -1, 0 or 1; got values outside -1..1")
    return np.array(trits, dtype=np.int8, copy=True, order="C")


class TritVector:
    """A dense vector of trits stored as a contiguous int8 array (`.data`)."""
    __slots__ = ("data", "dim")

    def __init__(self, values):
        self.data = _as_trits(values)
        self.data.flags.writeable = False  # results are new vectors; nobody changes one in place
        self.dim = self.data.shape[0]

    @classmethod
    def _trusted(cls, data):
        """Wrap an int8 array the engine just made (valid, and nobody else holds it) without copying."""
        v = cls.__new__(cls)
        v.data, v.dim = data, data.shape[0]
        return v

    @classmethod
    def random(cls, dim, seed=None, sparsity=None):
        """Uniform over {-1, 0, 1}, or with `sparsity` (0..1) the fraction of zeros; deterministic for a seed."""
        dim = _check_dim(dim)
        rng = np.random.default_rng(seed)
        if sparsity is None:
            return cls._trusted(rng.integers(-1, 2, dim, dtype=np.int8))
        if not 0.0 <= float(sparsity) <= 1.0:
            raise ValueError(f"sparsity must be within [0, 1], not {sparsity}")
        signs = rng.choice(np.array([-1, 1], np.int8), dim)
        return cls._trusted(np.where(rng.random(dim) < sparsity, np.int8(0), signs).astype(np.int8))

    @classmethod
    def zeros(cls, dim):
        return cls._trusted(np.zeros(_check_dim(dim), np.int8))

    @classmethod
    def from_numpy(cls, array):
        return cls(array)

    def to_numpy(self):
        return self.data.copy()

    def __array__(self, dtype=None, copy=None):
        return self.data.astype(dtype) if dtype is not None else self.data.copy()

    def __len__(self):
        return self.dim

    def __eq__(self, other):
        if isinstance(other, PackedTritVector):
            other = other.unpack()
        return isinstance(other, TritVector) and np.array_equal(self.data, other.data)

    def __hash__(self):
        return hash(self.data.tobytes())

    def __repr__(self):
        return f"TritVector(dim={self.dim}, nonzero={int(np.count_nonzero(self.data))})"

    def __reduce__(self):
        return (TritVector, (self.data,))

    def pack(self):
        return PackedTritVector.from_dense(self.data)


class PackedTritVector:
    """Two bit planes in uint64 words: bit i of word w is set in `.pos` (`.neg`) where trit 64w+i is +1 (-1)."""
    __slots__ = ("pos", "neg", "dim")

    def __init__(self, pos, neg, dim):
        dim = _check_dim(dim)
        words = (dim + 63) // 64
        pos, neg = (np.ascontiguousarray(p, dtype=np.uint64) for p in (pos, neg))
        if pos.shape != (words,) or neg.shape != (words,):
            raise ValueError(f"a packed vector of {dim} trits has {words} words per plane")
        if np.any(pos & neg):
            raise ValueError("a trit cannot be both +1 and -1 (pos and neg planes overlap)")
        if dim % 64 and ((pos[-1] | neg[-1]) >> np.uint64(dim % 64)):
            raise ValueError("bits past the last trit must be zero")
        self.pos, self.neg, self.dim = pos, neg, dim
        pos.flags.writeable = neg.flags.writeable = False

    @classmethod
    def _trusted(cls, pos, neg, dim):
        v = cls.__new__(cls)
        v.pos, v.neg, v.dim = pos, neg, dim
        return v

    @classmethod
    def from_dense(cls, data):
        data = np.asarray(data, np.int8)
        return cls._trusted(_plane(data == 1), _plane(data == -1), data.shape[-1])

    def unpack(self):
        return TritVector._trusted(unpack_planes(self.pos, self.neg, self.dim))

    def __len__(self):
        return self.dim

    def __eq__(self, other):
        if isinstance(other, TritVector):
            return self.unpack() == other
        return (isinstance(other, PackedTritVector) and self.dim == other.dim
                and np.array_equal(self.pos, other.pos) and np.array_equal(self.neg, other.neg))

    def __hash__(self):
        return hash((self.dim, self.pos.tobytes(), self.neg.tobytes()))

    def __repr__(self):
        return f"PackedTritVector(dim={self.dim})"

    def __reduce__(self):
        return (PackedTritVector, (self.pos, self.neg, self.dim))


def _plane(bits):
    """Bits (..., dim) → uint64 words (..., ceil(dim/64)), little-endian bit order, zero padded."""
    packed = np.packbits(bits, axis=-1, bitorder="little")
    pad = (-packed.shape[-1]) % 8
    if pad:
        packed = np.concatenate([packed, np.zeros(packed.shape[:-1] + (pad,), np.uint8)], axis=-1)
    return np.ascontiguousarray(packed).view("<u8").astype(np.uint64)


def pack_planes(data):
    """Dense int8 (..., dim) → (pos, neg) word planes."""
    return _plane(data == 1), _plane(data == -1)


def unpack_planes(pos, neg, dim):
    bits_p = np.unpackbits(pos.astype("<u8").view(np.uint8), axis=-1, bitorder="little")[..., :dim]
    bits_n = np.unpackbits(neg.astype("<u8").view(np.uint8), axis=-1, bitorder="little")[..., :dim]
    return (bits_p.astype(np.int8) - bits_n.astype(np.int8))


def _check_dim(dim):
    if isinstance(dim, bool) or not isinstance(dim, (int, np.integer)) or dim < 1:
        raise ValueError(f"dim must be a positive int, not {dim!r}")
    return int(dim)
