"""The call ABI between Python and every compiled kernel, as csrc/rj_abi.h defines it.

A kernel's entry takes one rj_call: its buffers in one fixed order, which Layout spells out for
a graph: the inputs, the outputs, then the buffers the kernel object owns and binds to every
call: the runtime parameters (double), the function pointers (uint64) and the state. Kernels
and the dispatcher are built against the same header, so this file and it change together
(tests/test_abi.py holds them to each other).
"""
from dataclasses import dataclass

import numpy as np

ABI_VERSION = 2          # RJ_ABI_VERSION: a kernel built for another version must not be loaded
MAX_ARGS = 32            # RJ_MAX_ARGS: buffers (and numbers) one call can carry
STATUS = {"RJ_OK": 0, "RJ_ERR_LENGTH": 1, "RJ_ERR_ARGUMENT": 2}
ALIGNMENT = 64   # bytes: a cache line, and the widest SIMD vector a kernel's buffers hold


def aligned_empty(shape, dtype):
    """An uninitialised C-contiguous array whose first element sits on an ALIGNMENT-byte
    boundary (np.empty promises 16 bytes)."""
    dtype = np.dtype(dtype)
    count = int(np.prod(shape, dtype=np.int64))
    raw = np.empty(count * dtype.itemsize + ALIGNMENT, np.uint8)
    start = -raw.ctypes.data % ALIGNMENT
    return raw[start:start + count * dtype.itemsize].view(dtype).reshape(shape)


@dataclass(frozen=True)
class Layout:
    """Where each buffer of a graph's kernel sits in rj_call.ptr[]."""
    n_in: int
    n_out: int
    has_params: bool
    has_pointers: bool
    stateful: bool

    @classmethod
    def of(cls, cg):
        return cls(len(cg.input_names), len(cg.outputs), bool(cg.param_names), bool(cg.pointer_nodes),
                   bool(cg.stateful_nodes))

    @property
    def first_output(self):
        return self.n_in

    @property
    def buffers(self):
        """The call's own buffers: inputs and outputs."""
        return self.n_in + self.n_out

    @property
    def params_slot(self):
        return self.buffers

    @property
    def pointers_slot(self):
        return self.params_slot + self.has_params

    @property
    def state_slot(self):
        return self.pointers_slot + self.has_pointers

    def bound(self, params, pointers, state):
        """The bound buffers in their order, leaving out those the graph has none of."""
        return tuple(b for b, present in ((params, self.has_params), (pointers, self.has_pointers),
                                          (state, self.stateful)) if present)
