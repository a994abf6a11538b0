"""Batches of trit vectors, the operands of the engine's batch operations (batch_ops.py).

A dense batch is an (N, dim) int8 numpy array of trits; a packed batch is a PackedBatch, N packed
vectors in the row layout of an ItemMemory ((N, 2 * words + 1) uint64, see vectors.py); a list or
tuple of TritVector / PackedTritVector is the batch of its first vector's layout. Operand() reads
any of them (or one vector) into the form the kernels take.
"""
from collections.abc import Sequence
from typing import NamedTuple, Union

import numpy as np

from .vectors import (PackedTritVector, TritVector, _as_trits, _check_dim, _packed, PackedRows, as_vector,
                      checked_buffer, pack_buffer, unpack_buffer, words_for)

_I8, _U64 = np.dtype(np.int8), np.dtype(np.uint64)


class PackedBatch(PackedRows):
    """N packed vectors of one dimension in one read-only buffer, `rows` (N, 2 * words + 1) uint64:
    each row the positive plane, the negative plane and the dimension, as ItemMemory.rows.

    `vectors`: an (N, dim) array of trits, or a sequence of TritVector, PackedTritVector or 1-D
    trit arrays (at least one, or use an (0, dim) array). `rows` and `dim` are read-only: a dim
    set by hand would misread the rows (make a new batch; out= writes a batch's rows)."""
    __slots__ = ("_rows", "_dim")

    @property
    def rows(self):
        """(N, 2 * words + 1) uint64, read-only: each row a packed vector and its guard word."""
        return self._rows

    @property
    def dim(self):
        """The trits per vector (read-only)."""
        return self._dim

    def __init__(self, vectors) -> None:
        x = operand(vectors, "vectors")
        if x.n is None:
            raise ValueError("a PackedBatch is made of several vectors: pass a list of them or an (N, dim) array")
        _fill(self, x.as_layout("packed", "vectors").buf, x.dim)

    @classmethod
    def from_planes(cls, pos, neg, dim) -> "PackedBatch":
        """From (N, words) planes of uint64 words (checked as PackedTritVector checks one vector's)."""
        dim = _check_dim(dim)
        return _fill(cls.__new__(cls), checked_buffer(pos, neg, dim, 2), dim)

    @classmethod
    def zeros(cls, n, dim) -> "PackedBatch":
        """n zero vectors of dimension dim: an out= for the batch operations to write into."""
        dim = _check_dim(dim)
        if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 0:
            raise ValueError(f"n must be an int >= 0, not {n!r}")
        rows = np.zeros((int(n), packed_rows_len(dim)), _U64)
        rows[:, -1] = dim
        return _fill(cls.__new__(cls), rows, dim)

    def dense(self):
        """The vectors as a new (N, dim) int8 array."""
        return unpack_buffer(self.rows, self.dim)

    def __array__(self, dtype=None, copy=None):
        if copy is False:
            raise ValueError("a PackedBatch's trits are bit planes: a dense array is always a copy")
        return self.dense() if dtype is None else self.dense().astype(dtype)

    def __len__(self):
        return self.rows.shape[0]

    def __getitem__(self, i):
        """Vector i as a PackedTritVector; a slice as a PackedBatch (a view of the same rows)."""
        if isinstance(i, slice):
            return _fill(PackedBatch.__new__(PackedBatch), self.rows[i], self.dim)
        if isinstance(i, bool) or not isinstance(i, (int, np.integer)):
            raise TypeError(f"a PackedBatch is indexed by an int or a slice, not {type(i).__name__}")
        return _packed(self.rows[i].copy(), self.dim)

    def __eq__(self, other):
        if not isinstance(other, PackedBatch):
            return NotImplemented
        return self.dim == other.dim and np.array_equal(self.rows, other.rows)

    __hash__ = None

    def __reduce__(self):
        return (PackedBatch.from_planes, (np.array(self.pos), np.array(self.neg), self.dim))

    def __repr__(self):
        return f"PackedBatch({len(self)} vectors, dim={self.dim})"


def _fill(batch, rows, dim):
    rows = rows if not rows.flags.writeable else rows.view()
    rows.flags.writeable = False
    batch._rows, batch._dim = rows, dim
    return batch


def packed_batch(rows, dim):
    """Wrap rows the engine made (valid, owned by nobody else) without copying or checking."""
    return _fill(PackedBatch.__new__(PackedBatch), rows, dim)


class Operand(NamedTuple):
    """One argument of a batch operation: its layout ("dense" / "packed"), its buffer (rows of a
    batch, or one vector's buffer), its dimension, and its row count (None for one vector)."""
    layout: str
    buf: np.ndarray
    dim: int
    n: "int | None"

    def shape(self):
        return (self.dim,) if self.n is None else (self.n, self.dim)

    def as_layout(self, layout, name="the vectors"):
        """The same operand in `layout` (a converted copy, or itself); dense bytes packed are
        checked first (packing would make any byte that is no trit a 0)."""
        if layout == self.layout:
            return self
        if layout == "packed":
            check_trits(self.buf, name)
        buf = pack_buffer(self.buf) if layout == "packed" else unpack_buffer(self.buf, self.dim)
        return Operand(layout, buf, self.dim, self.n)

    def dense(self):
        return self.as_layout("dense").buf


def is_batch(x):
    """Whether x goes to the batch operations: an array of two or more dimensions, a PackedBatch,
    or a list or tuple (of vectors)."""
    return isinstance(x, (PackedBatch, list, tuple)) or (isinstance(x, np.ndarray) and x.ndim >= 2)


def operand(x, name):
    """x (a batch, or one vector: TritVector, PackedTritVector, 1-D trit array) as an Operand."""
    if isinstance(x, PackedBatch):
        return Operand("packed", x.rows, x.dim, len(x))
    if isinstance(x, (TritVector, PackedTritVector)):
        return Operand("packed" if isinstance(x, PackedTritVector) else "dense", x._buf, x.dim, None)
    if isinstance(x, np.ndarray):
        if x.ndim == 1:
            return Operand("dense", _as_trits(x), x.shape[0], None)
        if x.ndim == 2:
            return Operand("dense", dense_rows(x, name), x.shape[1], x.shape[0])
        raise ValueError(f"{name} must be one vector or an (N, dim) batch, not an array of shape {x.shape}")
    if isinstance(x, (list, tuple)):
        return _list_operand(x, name)
    raise TypeError(f"{name} must be a TritVector, PackedTritVector, an (N, dim) int8 array of trits, a PackedBatch "
                    f"or a list of vectors, not {type(x).__name__}")


def _list_operand(x, name):
    if not x:
        raise ValueError(f"{name} is an empty list, which has no dimension: pass an (0, dim) int8 array")
    vectors = [as_vector(v) for v in x]
    dims = sorted({len(v) for v in vectors})
    if len(dims) > 1:
        raise ValueError(f"the vectors of {name} have different dimensions: {dims}")
    if isinstance(vectors[0], PackedTritVector):
        rows = np.stack([v._buf if isinstance(v, PackedTritVector) else pack_buffer(v._buf) for v in vectors])
        return Operand("packed", rows, dims[0], len(vectors))
    rows = np.stack([v._buf if isinstance(v, TritVector) else unpack_buffer(v._buf, v.dim) for v in vectors])
    return Operand("dense", rows, dims[0], len(vectors))


def dense_rows(x, name):
    """A C-contiguous int8 array of x's trits: int8 as it is (its values are checked where they are
    read), other integer and integral float arrays converted after a check, anything else a TypeError."""
    if x.shape[-1] == 0:
        raise ValueError(f"{name} has shape {x.shape}: a trit vector needs at least one trit")
    if x.dtype == _I8:
        return np.ascontiguousarray(x)
    if x.dtype.kind not in "iubf":
        raise TypeError(f"{name} must hold trits as int8 (or integers or floats of -1, 0, 1), not dtype {x.dtype}; "
                        f"convert with .astype(np.int8)")
    flat = x.reshape(-1)
    return _as_trits(flat).reshape(x.shape) if flat.size else np.zeros(x.shape, _I8)


def check_trits(rows, name):
    """ValueError naming the first byte of an int8 array that is not a trit (-1, 0, 1), if any."""
    bad = np.flatnonzero((rows.reshape(-1).view(np.uint8) + np.uint8(1)) > 2)
    if bad.size:
        where = np.unravel_index(bad[0], rows.shape)
        raise ValueError(f"trits must be -1, 0 or 1; {name} holds {int(rows[where])} at index {tuple(map(int, where))}")


def packed_rows_len(dim):
    return 2 * words_for(dim) + 1


# What the engine's operations take, for annotations: one vector, or a batch of them (an (N, dim)
# trit array, a PackedBatch, or a sequence of vectors).
Vector = Union[TritVector, PackedTritVector]
VectorOrBatch = Union[TritVector, PackedTritVector, PackedBatch, np.ndarray, Sequence[Vector]]
