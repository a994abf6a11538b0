"""The kernel plan: what one kernel is, decided once from its canonical graph and dtype.

Everything downstream reads it and decides none of it again: rendering (codegen/) picks its
template and lays out its buffers from it, the numpy backend (runtime/numpy_backend.py) gives
each output the kind and dtype written here, and the call path (runtime/kernel.py and the C base
type, csrc/dispatch_bind.c) binds from it. A kernel's buffers come in one fixed order, the call
ABI of csrc/rj_abi.h: the inputs, the outputs, then the buffers the kernel object owns and binds
to every call (the runtime parameters, the function pointers, the state).
"""
import sys
from dataclasses import dataclass

import numpy as np

from .canonical import PER_CHANNEL
from .fusion import fused_ops
from .reductions import REDUCTIONS

NUMBER_LETTER = {"float32": "f", "float64": "d"}   # the dispatcher's letter of a dtype (csrc/dispatch.h)


@dataclass(frozen=True)
class OutputKind:
    """One kind of output, declared once: every stage takes what it needs from here.

    per_row   one value per channel (a reduction), else one per sample
    dtype     its numpy dtype (None: the kernel's)
    ctype     its C element type (None: the kernel's)
    letter    the dispatcher's letter of its buffer (None: the kernel's number letter, upper case)
    as_bool   stored as numpy bools (one byte a sample, from a comparison mask)
    """
    name: str
    per_row: bool
    dtype: object = None
    ctype: "str | None" = None
    letter: "str | None" = None
    as_bool: bool = False


OUTPUT_KINDS = {kind.name: kind for kind in (
    OutputKind("value", per_row=False),
    OutputKind("mask", per_row=False, dtype=np.bool_, ctype="uint8_t", letter="M", as_bool=True),
    OutputKind("reduced", per_row=True),
    OutputKind("index", per_row=True, dtype=np.int64, ctype="int64_t", letter="Q"),
    OutputKind("reduced_mask", per_row=True, dtype=np.bool_, ctype="uint8_t", letter="M", as_bool=True),
)}


def output_kind(cg, o):
    """The kind of graph node o as an output."""
    traits = cg.traits[o]
    if traits.mask:   # a comparison: of every sample, or of reduced values (rj.max(x) > 0)
        return OUTPUT_KINDS["reduced_mask" if cg.levels[o] == PER_CHANNEL else "mask"]
    if cg.levels[o] == PER_CHANNEL:
        return OUTPUT_KINDS["index" if traits.index else "reduced"]
    return OUTPUT_KINDS["value"]


@dataclass(frozen=True)
class PlannedOutput:
    """One output of a kernel: its graph node, kind, numpy dtype, C type and dispatcher letter."""
    node: int
    kind: OutputKind
    dtype: np.dtype
    ctype: str
    letter: str

    @property
    def per_row(self):
        return self.kind.per_row


@dataclass(frozen=True)
class KernelPlan:
    """One kernel (see the module's doc). `template` is the skeleton of templates/ it renders into:
    "block" (stateless, samples across SIMD lanes), "reduce" (stateless with reductions),
    "channels" (stateful, channels across SIMD lanes) or "stateful" (stateful, sample by sample);
    `vector` whether a stateless template has a vector loop."""
    dtype: str
    template: str
    vector: bool
    input_names: tuple
    outputs: tuple
    param_names: tuple
    pointers: int
    stateful: bool
    python_callbacks: bool
    no_value_over_no_samples: tuple   # the reductions that have no value over no samples (min, argmax, ...)
    fused: tuple = ()   # fastmath's fused multiply-adds (front/fusion.Fused)
    ulp: float = 1.0    # the vector math's accuracy level (JitConfig.ulp)

    # -- the buffers, in rj_call order --------------------------------------------------------------
    @property
    def n_in(self):
        return len(self.input_names)

    @property
    def n_out(self):
        return len(self.outputs)

    @property
    def buffers(self):
        """The call's own buffers: inputs and outputs."""
        return self.n_in + self.n_out

    @property
    def has_params(self):
        return bool(self.param_names)

    @property
    def has_pointers(self):
        return self.pointers > 0

    @property
    def params_slot(self):
        return self.buffers

    @property
    def pointers_slot(self):
        return self.params_slot + self.has_params

    @property
    def state_slot(self):
        return self.pointers_slot + self.has_pointers

    @property
    def reduces(self):
        return any(out.per_row for out in self.outputs)

    def bound(self, params, pointers, state):
        """The bound buffers in their order, leaving out those the kernel has none of."""
        return tuple(b for b, present in ((params, self.has_params), (pointers, self.has_pointers),
                                          (state, self.stateful)) if present)

    # -- what the call path binds from (csrc/dispatch_bind.c reads these by name) --------------------
    @property
    def letters(self):
        """The dispatcher's letter of each of a call's buffers: the inputs', then the outputs'."""
        return NUMBER_LETTER[self.dtype] * self.n_in + "".join(out.letter for out in self.outputs)

    @property
    def out_rows(self):
        """Each output's shape as a letter: "s" the samples', "r" one value per row."""
        return "".join("r" if out.per_row else "s" for out in self.outputs)

    @property
    def output_dtypes(self):
        return tuple(out.dtype for out in self.outputs)

    @property
    def names(self):
        """The inputs' names, interned (the C path compares a keyword's name by identity first)."""
        return tuple(sys.intern(name) for name in self.input_names)

    @property
    def broadcast(self):
        """Inputs may be numbers for every sample (a kernel without state or reductions)."""
        return not (self.stateful or self.reduces)


def _planned_output(cg, o, dtype):
    kind = output_kind(cg, o)
    letter = kind.letter or NUMBER_LETTER[dtype].upper()
    ctype = kind.ctype or {"float32": "float", "float64": "double"}[dtype]
    return PlannedOutput(o, kind, np.dtype(kind.dtype or dtype), ctype, letter)


def _template(cg, reduces):
    if cg.stateful_nodes:
        return "channels" if all(t.channel_vector for t in cg.traits) and not reduces else "stateful"
    return "reduce" if reduces else "block"


def plan_kernel(cg, dtype, fastmath=False, ulp=1.0):
    """The plan of `cg`'s kernel of `dtype` ("float32" or "float64"); with `fastmath`, its
    multiply-adds fused (JitConfig.fastmath); its vector math at accuracy level `ulp` (JitConfig.ulp)."""
    if dtype not in NUMBER_LETTER:
        raise ValueError(f"dtype must be 'float32' or 'float64', not {dtype!r}")
    outputs = tuple(_planned_output(cg, o, dtype) for o in cg.outputs)
    reduces = any(out.per_row for out in outputs)
    ops = [cg.nodes[i][0].op for i in cg.reductions]
    vector = all(t.vector for t in cg.traits)
    return KernelPlan(dtype=dtype, template=_template(cg, reduces), vector=vector, input_names=cg.input_names,
                      outputs=outputs, param_names=cg.param_names, pointers=len(cg.pointer_nodes),
                      stateful=bool(cg.stateful_nodes), python_callbacks=cg.python_callbacks,
                      no_value_over_no_samples=tuple(op for op in ops if REDUCTIONS[op].identity is None),
                      fused=fused_ops(cg) if fastmath else (), ulp=float(ulp))
