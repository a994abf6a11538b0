"""Records of values (ID-level encoding) straight to packed rows, in C (csrc/vsa_record.h) or numpy.

Row r of a table of value indices (N, F) is the bundle (sign of the sum, ties 0) of
bind(keys[j], values[index[r, j]]) over the F columns j. The C kernel counts the products
bit-sliced on the packed planes and writes packed rows (the ItemMemory layout a search takes),
threaded by rows; the numpy reference sums int8 products in int32 a block of rows at a time.
"""
import numpy as np

from ..front.abi import aligned_empty
from ..runtime import parallel
from . import rowwise
from .vectors import words_for

# Work (rows x features x words) below which one thread encodes: a pool round trip costs 20-80 us,
# and a word of one feature costs about a nanosecond.
THREAD_THRESHOLD = 1 << 16


def encode_packed(engine, index, keys, values, dim, threads=None):
    """Packed rows (N, 2 * words + 1) uint64 of an (N, F) int64 table of value indices (each within
    the values' rows), for packed keys (F rows) and values; None where the engine has no kernel."""
    kernel = engine._kernel("record_rows", "packed", dim, internal=True)
    if kernel is None:
        return None
    n = index.shape[0]
    out = aligned_empty((n, 2 * words_for(dim) + 1), np.uint64)
    if n == 0:
        return out
    count = parallel.thread_count(threads, n * index.shape[1] * words_for(dim), THREAD_THRESHOLD)
    points = parallel.bounds(n, min(count, n))

    def work(lo, hi):   # the call releases the GIL for a large block: the threads run in parallel
        kernel(index[lo:hi], keys, values, out[lo:hi])
    parallel.run_chunks(work, points)
    return out


def encode_dense(index, keys, values):
    """The numpy reference: (N, dim) int8 trits of the table of value indices, for int8 keys (F, dim)
    and values (levels, dim)."""
    n, dim = index.shape[0], keys.shape[1]
    out = np.empty((n, dim), np.int8)
    step = rowwise.block_rows(dim)
    for lo in range(0, n, step):   # blocks of rows; within one, a loop over the keys
        totals = np.zeros((min(step, n - lo), dim), np.int32)
        for column, key in enumerate(keys):
            totals += rowwise.bind(values[index[lo:lo + step, column]], key)
        out[lo:lo + step] = rowwise.sign(totals)
    return out
