"""The call ABI between Python and every compiled kernel, as csrc/rj_abi.h defines it.

A kernel's entry takes one rj_call: its buffers in one fixed order, which a kernel's plan spells
out (front/plan.py): the inputs, the outputs, then the buffers the kernel object owns and binds to
every call: the runtime parameters (double), the function pointers (uint64) and the state.
Kernels and the dispatcher are built against the same header, so this file and it change
together (tests/test_abi.py holds them to each other).
"""
import numpy as np

ABI_VERSION = 2          # RJ_ABI_VERSION: a kernel built for another version must not be loaded
MAX_ARGS = 32            # RJ_MAX_ARGS: buffers (and numbers) one call can carry
STATUS = {"RJ_OK": 0, "RJ_ERR_LENGTH": 1, "RJ_ERR_ARGUMENT": 2}
ALIGNMENT = 64   # bytes: a cache line, and the widest SIMD vector a kernel's buffers hold (AVX-512)


def aligned_empty(shape, dtype):
    """An uninitialised C-contiguous array whose first element sits on an ALIGNMENT-byte boundary
    (np.empty promises 16 bytes: a state struct of AVX-512 vectors needs 64, and a vector load
    from a 16-byte boundary splits across two cache lines)."""
    dtype = np.dtype(dtype)
    count = int(np.prod(shape, dtype=np.int64))
    raw = np.empty(count * dtype.itemsize + ALIGNMENT, np.uint8)
    start = -raw.ctypes.data % ALIGNMENT
    return raw[start:start + count * dtype.itemsize].view(dtype).reshape(shape)
