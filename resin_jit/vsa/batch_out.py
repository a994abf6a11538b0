"""out= for the batch operations (batch_ops.py), as numpy's ufuncs take it: the result written into
out, and out returned.

What out must be is what the operation would return: for a dense result an (n, dim) int8 numpy
array ((dim,) for a bundle of a whole batch into one vector), for a packed result a PackedBatch of
n vectors of that dimension (1 for a bundle of a whole PackedBatch). Anything else is a TypeError
(the wrong type or dtype: nothing is cast) or a ValueError (shape, dimension, a read-only array)
naming what fits. An out that is not C-contiguous (a strided view, a transposed array) or not
aligned works: the kernels write a new buffer, copied into out after. An out whose memory overlaps
an input gives the result computed out of place, as numpy's ufuncs promise: the input is copied
first, except an input that is exactly out (bind(A, B, out=A)): the bind kernels are elementwise,
each vector of trits or words read before it is written (the dense tail past the last whole vector
one trit at a time, csrc/vsa_batch_dense.h).
"""
import numpy as np

from ..front.abi import aligned_empty
from .batches import PackedBatch, packed_batch, packed_rows_len
from .vectors import pack_buffer

_I8, _U64 = np.dtype(np.int8), np.dtype(np.uint64)


class Out:
    """Where a batch operation's result goes. `buf`: the rows the kernels write ((n, dim) int8 or
    (n, 2 * words + 1) uint64): out's own memory where it can be, else new. result() gives what
    the operation returns (out itself, or the new batch); from_dense(dense) the same for a result
    numpy computed."""
    __slots__ = ("out", "layout", "dim", "target", "buf")

    def __init__(self, out, layout, n, dim, single=False):
        self.out, self.layout, self.dim = out, layout, dim
        self.target = None if out is None else _checked(out, layout, n, dim, single)
        if self.target is not None and self.target.flags.c_contiguous and self.target.flags.aligned:
            self.buf = self.target.reshape(n, -1)
        else:
            self.buf = aligned_empty((n, dim if layout == "dense" else packed_rows_len(dim)),
                                     _I8 if layout == "dense" else _U64)

    def writes_out(self):
        """Whether the kernels write out's memory itself (not a new buffer)."""
        return self.target is not None and np.shares_memory(self.buf, self.target)

    def unshared(self, x, same_ok=False):
        """Operand x, its buffer copied if out's memory overlaps it (kept if it is exactly out's
        buffer and same_ok)."""
        if not self.writes_out() or not np.may_share_memory(x.buf, self.buf):
            return x
        if same_ok and _same(x.buf, self.buf):
            return x
        return x._replace(buf=x.buf.copy())

    def result(self):
        if self.out is None:
            return self.buf if self.layout == "dense" else packed_batch(self.buf, self.dim)
        if not self.writes_out():
            self.target[...] = self.buf.reshape(self.target.shape)
        return self.out

    def from_dense(self, dense):
        """The operation's result from numpy's (n, dim) trits."""
        if self.out is None:
            return dense.astype(_I8, copy=False) if self.layout == "dense" else packed_batch(pack_buffer(dense),
                                                                                              self.dim)
        self.target[...] = (dense if self.layout == "dense" else pack_buffer(dense)).reshape(self.target.shape)
        return self.out


def _same(a, b):
    """Whether two C-contiguous arrays are the same memory in the same shape (rows of one vector alike)."""
    return (a.__array_interface__["data"][0] == b.__array_interface__["data"][0] and a.size == b.size
            and a.flags.c_contiguous)


def _checked(out, layout, n, dim, single):
    """The array the result goes to: out (dense), or a writable view of out's rows (packed)."""
    if layout == "dense":
        shape = (dim,) if single else (n, dim)
        make = f"np.empty({shape}, np.int8)"
        if not isinstance(out, np.ndarray):
            kind = "a PackedBatch (the result is a dense batch of trits)" if isinstance(out, PackedBatch) else \
                type(out).__name__
            raise TypeError(f"out must be an int8 numpy array of shape {shape}, not {kind}: pass {make}")
        if out.dtype != _I8:
            raise TypeError(f"out must have dtype int8 (trits), not {out.dtype}; the result has shape {shape}: "
                            f"pass {make}")
        if out.shape != shape:
            raise ValueError(f"out has shape {out.shape}; the result has shape {shape} (int8): pass {make}")
        if not out.flags.writeable:
            raise ValueError(f"out is read-only: pass a writable int8 array of shape {shape}")
        return out
    n = 1 if single else n
    make = f"PackedBatch.zeros({n}, {dim})"
    if not isinstance(out, PackedBatch):
        kind = "a numpy array (the result is a packed batch)" if isinstance(out, np.ndarray) else type(out).__name__
        raise TypeError(f"out must be a PackedBatch of {n} vectors of dimension {dim}, not {kind}: pass {make}")
    if len(out) != n or out.dim != dim:
        raise ValueError(f"out is a PackedBatch of {len(out)} vectors of dimension {out.dim}; the result is {n} "
                         f"vectors of dimension {dim}: pass {make}")
    rows = out.rows.view()
    try:
        rows.flags.writeable = True
    except ValueError:
        raise ValueError(f"out's rows are read-only memory (a memory-mapped file?): pass {make}") from None
    return rows
