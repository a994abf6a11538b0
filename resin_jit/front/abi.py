"""The call ABI between Python and every compiled kernel, as csrc/rj_abi.h defines it.

A kernel's entry takes one rj_call: its buffers in one fixed order, which Layout spells out for
a graph: the inputs, the outputs, then the buffers the kernel object owns and binds to every
call: the runtime parameters (double), the function pointers (uint64) and the state. Kernels
and the dispatcher are built against the same header, so this file and it change together
(tests/test_abi.py holds them to each other).
"""
from dataclasses import dataclass

import numpy as np

from .canonical import PER_CHANNEL

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


@dataclass(frozen=True)
class Layout:
    """Where each buffer of a graph's kernel sits in rj_call.ptr[], and what each output holds:
    per sample, "value" (the kernel's dtype) or "mask" (numpy bools, one byte each); per channel
    (a reduction), "reduced" (the kernel's dtype) or "index" (int64)."""
    n_in: int
    n_out: int
    has_params: bool
    has_pointers: bool
    stateful: bool
    outputs: tuple

    @classmethod
    def of(cls, cg):
        kinds = tuple(_output_kind(cg, o) for o in cg.outputs)
        return cls(len(cg.input_names), len(cg.outputs), bool(cg.param_names), bool(cg.pointer_nodes),
                   bool(cg.stateful_nodes), kinds)

    @property
    def reduces(self):
        return any(kind in PER_CHANNEL_KINDS for kind in self.outputs)

    def letters(self, dtype):
        """The dispatcher's letter for each of a call's buffers: the inputs, then the outputs
        (upper case: written; M a mask as numpy bools, Q int64). See csrc/dispatch.h."""
        number = {"float32": "f", "float64": "d"}[dtype]
        return number * self.n_in + "".join(_OUTPUT_LETTER.get(kind, number.upper()) for kind in self.outputs)

    def output_dtype(self, j, dtype):
        """The numpy dtype of output j of a kernel of `dtype`."""
        return np.dtype(_OUTPUT_DTYPE.get(self.outputs[j], dtype))

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


PER_CHANNEL_KINDS = ("reduced", "index")
_OUTPUT_LETTER = {"mask": "M", "index": "Q"}
_OUTPUT_DTYPE = {"mask": bool, "index": np.int64}


def _output_kind(cg, o):
    traits = cg.traits[o]
    if traits.mask:
        return "mask"
    if cg.levels[o] == PER_CHANNEL:
        return "index" if traits.index else "reduced"
    return "value"
