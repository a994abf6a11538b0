"""Batched trit operations on (N, dim) int8 rows, in numpy: what the encoders and the classifier
run over whole batches (vectorised over the rows, never a Python loop per row).

This is the seam for issue 22 item 1 (the engine's batched bind, permute and bundle): each
function here has the engine operation's semantics, so a batched engine call can replace its
body without changing a caller. (Classifier's other batched steps: its search is already the
engine's similarity_rows; the per-class sums of its training rows are the bundle-with-weights
before the sign, a candidate for the batched bundle too.)
"""
import numpy as np

from .vectors import _plane, planes_to_buffer

_I8 = np.dtype(np.int8)
# Values in a block of rows made and then reduced at once (int8 rows of n-grams, pairs): few
# enough to stay in cache between the step that writes them and the one that reads them.
BLOCK_ELEMENTS = 1 << 19
# Float32 values in a block of projected rows (200 rows of 10,000): large enough that BLAS runs
# near its peak on the block (blocks of 16 rows ran 5x slower), small enough to pack from cache.
PROJECTION_BLOCK = 1 << 21


def bind(a, b):
    """The elementwise product of trit rows, broadcasting (engine.bind on each row)."""
    return np.multiply(a, b, dtype=_I8)


def permute(rows, shift):
    """Each row shifted cyclically: out[..., (i + shift) mod dim] = rows[..., i] (engine.permute)."""
    return np.roll(rows, shift, axis=-1)


def sign(totals):
    """The sign of integer or float totals as int8 trits; ties (0) give 0, as engine.bundle."""
    return np.subtract((totals > 0).view(_I8), (totals < 0).view(_I8))


def segment_sums(rows, starts, dtype=np.int32):
    """The sums of consecutive runs of rows beginning at `starts` (np.add.reduceat), in `dtype`."""
    return np.add.reduceat(rows, starts, axis=0, dtype=dtype)


def block_rows(dim, limit=BLOCK_ELEMENTS):
    """How many rows of `dim` values a block of about `limit` values holds (at least one)."""
    return max(1, limit // max(dim, 1))


def pack_bits(positive, negative):
    """Packed buffers (n, 2 * words + 1) from bool rows (n, dim): where the +1 and -1 trits are."""
    return planes_to_buffer(_plane(positive), _plane(negative), positive.shape[-1])
