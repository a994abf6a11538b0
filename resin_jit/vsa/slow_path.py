"""The VSA kernels' slow path: the calls a kernel's dispatcher did not pass to it (a buffer of the
other layout, a view, an unaligned copy) or that the kernel refused (lengths, packed guard
words). Buffers of the other layout are converted and the rest copied into shape; vectors of
different dimensions are a ValueError naming every dimension among them."""
import numpy as np

from .vectors import check_guards, pack_buffer, unpack_buffer, words_for

_I8, _U64 = np.dtype(np.int8), np.dtype(np.uint64)
_DTYPES = {"b": _I8, "u": _U64, "q": np.dtype(np.int64), "d": np.dtype(np.float64), "i": np.dtype(np.int32)}


def slow_path(refused, argspec, dim, cell, *args):
    """Run the kernel cell[0], compiled for `dim` with `argspec`, on `args` made to fit, or raise.
    refused() is called when the dispatcher had passed the arguments as they are: the kernel ran
    and refused them, which is not an operation."""
    if len(args) != len(argspec):
        raise TypeError(f"resin_jit.vsa kernel takes {len(argspec)} arrays, got {len(args)}")
    arrays = [np.asarray(arg) for arg in args]
    if all(_fits(letter, arr) for letter, arr in zip(argspec, arrays)):
        refused()
    _check_dimensions(dim, [arr for letter, arr in zip(argspec, arrays) if letter in "bu" and arr.ndim == 1])
    for letter, arr in zip(argspec, arrays):
        if letter == "u" and arr.ndim == 2 and arr.dtype == _U64:
            check_guards(arr, dim)
    return cell[0].invoke(*[_fitted(letter, arr, dim) for letter, arr in zip(argspec, arrays)])


_NUMBERS = {"n": int, "x": float}   # what the dispatcher takes for an int or float argument (never an array)


def _fits(letter, arr):
    """Whether the dispatcher takes arr as it is (outputs are the engine's own, made to fit; numbers
    are not arrays)."""
    return letter.isupper() or letter not in _DTYPES or (arr.dtype == _DTYPES[letter] and arr.flags.c_contiguous and arr.flags.aligned)


def _fitted(letter, arr, dim):
    if letter in _NUMBERS:   # a 0-d array from np.asarray above: back to the Python number
        return _NUMBERS[letter](arr)
    if _fits(letter, arr):
        return arr
    if letter == "b" and arr.dtype == _U64:
        return unpack_buffer(arr, dim)
    if letter == "u" and arr.dtype == _I8:
        return pack_buffer(arr)
    return np.require(arr, _DTYPES[letter], ["C", "A"])


def _check_dimensions(dim, vectors):
    dims = {dim} | {_dimension(v) for v in vectors}
    if len(dims) > 1:
        raise ValueError(f"vectors of different dimensions: {sorted(dims)}")


def _dimension(buf):
    """The trits of a dense vector's buffer, or of a packed one's: its guard word, if its length agrees."""
    if buf.dtype != _U64:
        return buf.shape[0]
    guard = int(buf[-1])
    if buf.shape[0] != 2 * words_for(guard) + 1:
        raise ValueError(f"a packed buffer of {buf.shape[0]} words whose guard word says {guard} trits")
    return guard
