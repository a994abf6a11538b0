"""ItemMemory: N labelled vectors of one dimension, kept packed, as plain data that a
JitVSAEngine searches (similarity, top_k, cleanup); and queries made packed rows to search with."""
import os
from collections.abc import Iterable
from typing import Any

import numpy as np

from .vectors import (PackedTritVector, TritVector, _as_trits, _check_dim, _packed, PackedRows, as_vector,
                      check_guards, checked_buffer, pack_buffer, popcount_rows, unpack_buffer, words_for)
from ..front.abi import aligned_empty
from . import memory_file


class ItemMemory(PackedRows):
    """N vectors of one dimension with labels (default 0..N-1), kept packed: one row of
    2 * words + 1 uint64 per vector (see vectors.py), so a search is popcounts over words.

    `vectors`: a 2-D array of trits (N, dim), or a sequence of TritVector, PackedTritVector or
    1-D trit arrays. The data: `rows` (N, 2 * words + 1), read-only; `dim`; `labels`; `norms`,
    the non-zero trits of each row (int64, N), which the first cosine search fills in and keeps
    (None until then).

    `add` and `extend` grow it in place without repacking what it holds (the rows live in a
    buffer whose capacity doubles; `rows` is a view of its filled part, norms kept in step);
    `save(path)` writes it to a file that `ItemMemory.load(path, mmap=True)` maps read-only, so a
    memory larger than RAM is searchable (memory_file.py describes the format)."""
    __slots__ = ("rows", "dim", "labels", "_norms", "_capacity")

    @property
    def norms(self):
        """The non-zero trits of each row (int64, N), counted by the first cosine search, or None.
        Set it to None (counted again) or to such counts: anything else (another shape or dtype,
        a count outside 0..dim) is a ValueError; counts in range but wrong cannot be told without
        counting again, and give wrong cosines."""
        return self._norms

    @norms.setter
    def norms(self, norms):
        if norms is not None:
            n = len(self.rows)
            if not isinstance(norms, np.ndarray) or norms.dtype != np.int64 or norms.shape != (n,):
                raise ValueError(f"norms must be None (counted by the next cosine search) or an int64 array of shape "
                                 f"({n},), the non-zero trits of each row; not {_describe(norms)}")
            if n and (norms.min() < 0 or norms.max() > self.dim):
                raise ValueError(f"norms count the non-zero trits of each row, 0..{self.dim}; these hold "
                                 f"{int(norms.min())}..{int(norms.max())}: set memory.norms = None to count them again")
        self._norms = norms

    def __init__(self, vectors: "Iterable[TritVector | PackedTritVector] | np.ndarray",
                 labels: "Iterable[Any] | None" = None) -> None:
        _fill(self, *_rows_of(vectors), labels)

    @classmethod
    def from_planes(cls, pos, neg, dim, labels=None):
        """An ItemMemory from (N, words) planes of uint64 words, each row as PackedTritVector takes
        one vector's (for callers that pack their own)."""
        dim = _check_dim(dim)
        rows = checked_buffer(pos, neg, dim, 2)
        if rows.shape[0] == 0:
            raise ValueError("an item memory needs at least one vector")
        return _fill(cls.__new__(cls), rows, dim, labels)

    def add(self, vector: "TritVector | PackedTritVector | np.ndarray", label: Any = None) -> "ItemMemory":
        """Append one vector (its label: `label`, or its index); returns the memory."""
        return self.extend([vector], None if label is None else [label])

    def extend(self, vectors: "Iterable[TritVector | PackedTritVector] | np.ndarray",
               labels: "Iterable[Any] | None" = None) -> "ItemMemory":
        """Append vectors (what the constructor takes) with labels (default: their indices);
        amortised O(added rows). Views of `rows` taken before stay valid. Returns the memory."""
        if isinstance(vectors, (list, tuple, np.ndarray)) and len(vectors) == 0 and not labels:
            return self
        new, dim = _rows_of(vectors)
        if dim != self.dim:
            raise ValueError(f"vectors of dimension {dim} added to a memory of dimension {self.dim}")
        n, m = len(self), new.shape[0]
        labels = list(range(n, n + m)) if labels is None else list(labels)
        if len(labels) != m:
            raise ValueError(f"{len(labels)} labels for {m} vectors")
        rows, norms = _grown(self, n + m)
        rows[n:] = new
        if norms is not None:
            norms[n:] = popcount_rows(new[:, :2 * words_for(dim)])
            norms.flags.writeable = False
        rows.flags.writeable = False
        self.rows, self.norms = rows, norms
        self.labels.extend(labels)
        return self

    def save(self, path: "str | os.PathLike[str]") -> None:
        """Write the memory to `path` (labels must be str or int; see memory_file.py)."""
        memory_file.save(self, path)

    @classmethod
    def load(cls, path: "str | os.PathLike[str]", mmap: bool = True, verify: bool = True) -> "ItemMemory":
        """A memory saved by `save`: its rows memory-mapped read-only (mmap=True) or read into RAM.
        The file is checked before use (ValueError if it is not a valid memory file); `verify`
        also reads every row once to check its guard word and bits (skip it for a trusted file too
        large to read; memory_file.py says what is checked, and what a search does without it)."""
        return memory_file.load(cls, path, mmap, verify)

    def __len__(self):
        return self.rows.shape[0]

    def dense(self):
        """The vectors as an (N, dim) int8 array."""
        check_guards(self.rows, self.dim)
        return unpack_buffer(self.rows, self.dim)

    def vector(self, i):
        """Vector i as a PackedTritVector."""
        return _packed(self.rows[i].copy(), self.dim)

    def __reduce__(self):
        return (_from_rows, (self.rows, self.dim, self.labels))

    def __repr__(self):
        return f"ItemMemory({len(self)} vectors, dim={self.dim})"


def as_item_memory(memory):
    """An ItemMemory as it is; anything ItemMemory takes made one."""
    return memory if isinstance(memory, ItemMemory) else ItemMemory(memory)


def _fill(memory, rows, dim, labels):
    rows.flags.writeable = False
    labels = list(labels) if labels is not None else list(range(rows.shape[0]))
    if len(labels) != rows.shape[0]:
        raise ValueError(f"{len(labels)} labels for {rows.shape[0]} vectors")
    memory.rows, memory.dim, memory.labels, memory.norms = rows, dim, labels, None
    memory._capacity = None
    return memory


def _grown(memory, n):
    """(rows, norms) views of n rows over the memory's growth buffers, which double when full
    (new buffers, the filled part copied: a mapped memory moves into RAM on its first growth)."""
    held = memory._capacity
    if held is None or held[0].shape[0] < n:
        old, size = len(memory), max(n, 2 * len(memory), 16)
        rows = aligned_empty((size, memory.rows.shape[1]), np.uint64)
        rows[:old] = memory.rows
        norms = None
        if memory.norms is not None:
            norms = np.empty(size, np.int64)
            norms[:old] = memory.norms
        held = memory._capacity = (rows, norms)
    rows, norms = held
    if memory.norms is None:
        return rows[:n], None
    if norms is None or not np.shares_memory(norms, memory.norms):   # norms counted since the last growth
        norms = np.empty(rows.shape[0], np.int64)
        norms[:len(memory)] = memory.norms
        memory._capacity = (rows, norms)
    return rows[:n], norms[:n]


def _from_rows(rows, dim, labels):
    return _fill(ItemMemory.__new__(ItemMemory), rows, dim, labels)


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


def _describe(x):
    return f"an array of dtype {x.dtype} and shape {x.shape}" if isinstance(x, np.ndarray) else type(x).__name__
