"""JitContext: what a node may ask for while it emits C.

Everything a user passes is turned into C here or by the emitter, never pasted: constants
become exact hex-float literals, and every identifier (values, state slots, externs) is
generated, so a node's names and a user's strings cannot reach the C source.
"""
import itertools
import math
import warnings

import numpy as np

from ..front import ops
from ..front.errors import JitError
from ..front.nodes import real_number
from . import outline


def _excerpt(c_text, limit=120):
    """C text for an error message: one line, and not too long to read."""
    line = " ".join(c_text.split())
    return repr(line if len(line) <= limit else line[:limit - 3] + "...")


def c_literal(value, dtype):
    """An exact C literal of `value` rounded to `dtype` (hex float; NaN and inf by builtin)."""
    value = real_number(value, "a constant")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # a huge value rounds to inf, as numpy would
        rounded = float(np.dtype(dtype).type(value))
    suffix = "f" if dtype == "float32" else ""
    if math.isnan(rounded):
        return f"__builtin_nan{suffix}(\"\")"
    if math.isinf(rounded):
        return f"({'-' if rounded < 0 else ''}__builtin_inf{suffix}())"
    return f"({rounded.hex()}{suffix})"


# Conversions between a float32 kernel's values and double state, per mode (identity otherwise).
# In channel mode the values are the low lanes of an rj_vf (see csrc/simd.h).
_TO_DOUBLE = {("float32", "scalar"): "(double){}", ("float32", "channels"): "rj_vd_widen({})"}
_FROM_DOUBLE = {("float32", "scalar"): "(float){}", ("float32", "channels"): "rj_vf_narrow({})"}


# State arithmetic adds and multiplies with C's operators, which the compiler schedules freely:
# simd.h's add and mul (one instruction each, so that of two NaNs a graph value keeps the first
# operand's in its vector loop and its tail alike) cost a stateful patch a quarter of its speed
# there. A NaN in a filter's state stays a NaN either way.
_STATE_OPERATORS = {"add": "({0} + {1})", "mul": "({0} * {1})"}


class JitContext:
    """Handed to a node's emit: fresh names, constants, ops, statements, state slots, externs.

    Three modes: "scalar" (one sample of the kernel's dtype), "vector" (samples across SIMD
    lanes) and "channels" (one sample of several channels across SIMD lanes, for stateful
    graphs: one channel per double-precision lane). Values keep the kernel's dtype in every mode,
    so a node computes the same bits whichever template it lands in. Nodes that keep state do
    their arithmetic in double through `dop`, `dconst`, `to_double` and `from_double`, so one
    snippet serves the scalar and channel modes.
    """

    def __init__(self, dtype="float32", mode="scalar", externs=None, graph=None):
        if mode not in ("scalar", "vector", "channels"):
            raise ValueError(f"unknown emission mode {mode!r}")
        self.dtype, self.mode = dtype, mode
        self.vector = mode != "scalar"
        self.prefix = ops.PREFIX[(dtype, self.vector)]
        self.ctype = ops.CTYPE[(dtype, self.vector)]
        self.scalar_ctype = ops.CTYPE[(dtype, False)]
        self.mask_ctype = ops.MASK_CTYPE[(dtype, self.vector)]
        self.dprefix = ops.PREFIX[("float64", mode == "channels")]
        self.dctype = ops.CTYPE[("float64", mode == "channels")]
        self.hoisted = []        # statements before the loop: vector constants, parameters
        self.prologue = []       # statements once per call after the state is loaded (see derived)
        self.body = []           # statements of one loop iteration, in order
        self.state_fields = []
        self.externs = {} if externs is None else externs
        self.graph = graph
        self.node_id = None
        self._names = itertools.count()
        self._hoisted_names = {}
        self._constant_values = {}  # C value (literal or hoisted name) -> the constant it holds
        self.outlined = outline.outlined(graph)   # the vector math called out of line (outline.py)

    def fresh(self, stem="t"):
        """A new local identifier; `stem` must be a short lowercase word chosen by the code, not a user."""
        if not stem.isidentifier() or not stem.isascii():
            raise ValueError(f"invalid identifier stem {stem!r}")
        return f"{stem}_{next(self._names)}"  # the underscore keeps them apart from template names

    def _hoist(self, ctype, prefix, scalar_expr, stem):
        """A loop-invariant vector: broadcast once before the loop."""
        token = (ctype, scalar_expr)
        if token not in self._hoisted_names:
            name = self.fresh(stem)
            self.hoisted.append(f"const {ctype} {name} = {ops.render('set1', prefix, scalar_expr)};")
            self._hoisted_names[token] = name
        return self._hoisted_names[token]

    def const(self, value):
        """A constant of the value type: an exact literal, broadcast once in vector modes."""
        literal = c_literal(value, self.dtype)
        name = self._hoist(self.ctype, self.prefix, literal, "k") if self.vector else literal
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            self._constant_values[name] = float(np.dtype(self.dtype).type(value))  # as rounded in the C
        return name

    def dconst(self, value):
        """A double-precision constant, for state arithmetic."""
        literal = c_literal(value, "float64")
        return self._hoist(self.dctype, self.dprefix, literal, "k") if self.mode == "channels" else literal

    def param(self, name):
        """The value of runtime parameter `name`: read once per call from the kernel's params buffer."""
        value = f"({self.scalar_ctype})P[{self.graph.param_names.index(name)}]"
        return self._hoist(self.ctype, self.prefix, value, "p") if self.vector else value

    def pointer(self, signature):
        """The current node's function pointer, cast to `signature` (a C function-pointer type
        built by the caller from fixed type names), from the kernel's pointer table."""
        k = self.graph.pointer_nodes.index(self.node_id)
        return f"(({signature})(uintptr_t)FN[{k}])"

    def extern(self, name, declaration):
        """Declare a C function the snippet calls (once per translation unit). A name declared
        again must come with the same declaration: the C compiler would keep only one of two."""
        known = self.externs.setdefault(name, declaration)
        if known != declaration:
            raise JitError(f"two externs put the C name {name!r} into one kernel with different definitions, "
                           f"{_excerpt(known)} and {_excerpt(declaration)}: give them different names")
        return name

    def op(self, name, *args):
        """An op on values of the kernel's value type (csrc/simd.h names for this mode)."""
        if name in ("min", "max") and self._is_orderless_constant(args[1]):
            # simd.h tests its first operand for NaN, a test the C compiler drops for a constant;
            # the order of min/max matters only for +-0 and NaN, which the constant is not.
            args = (args[1], args[0])
        if name in self.outlined:
            return f"{outline.call_name(self.prefix, name)}({', '.join(args)})"
        return ops.render(name, self.prefix, *args)

    def is_constant(self, value):
        """Whether `value` (a C expression) is a constant handed out by `const`."""
        return value in self._constant_values

    def _is_orderless_constant(self, value):
        c = self._constant_values.get(value)
        return c is not None and c != 0.0 and not math.isnan(c)

    def dop(self, name, *args):
        """An op on double-precision state values."""
        rule = _STATE_OPERATORS.get(name)
        return rule.format(*args) if rule else ops.render(name, self.dprefix, *args)

    def to_double(self, value):
        """A value of the kernel's dtype as a double (state) value."""
        return _TO_DOUBLE.get((self.dtype, self.mode), "{}").format(value)

    def from_double(self, value):
        """A double (state) value rounded to the kernel's dtype."""
        return _FROM_DOUBLE.get((self.dtype, self.mode), "{}").format(value)

    def emit(self, statement):
        """Add a statement to the loop body, before the expression the node returns."""
        self.body.append(statement)

    def local(self, expr, stem="t", ctype=None):
        """Bind `expr` to a fresh const local (of the double state type by default); returns its name."""
        name = self.fresh(stem)
        self.emit(f"const {ctype or self.dctype} {name} = {expr};")
        return name

    def operand(self, k):
        """The node of the current node's input k (a Const, a Param, or what computes a signal)."""
        return self.graph.nodes[self.graph.nodes[self.node_id][1][k]][0]

    def changed(self, values, last):
        """A C condition: some value (a double C value) differs from its last-seen slot, in any lane."""
        mask = self.dop("ne", values[0], last[0])
        for value, seen in zip(values[1:], last[1:]):
            mask = self.dop("mask_or", mask, self.dop("ne", value, seen))
        return f"rj_any_lane({mask})" if self.mode == "channels" else mask

    def derived(self, inputs, compute, per_sample):
        """Values computed from `inputs` (double C values), computed again only when one changes.

        A derived parameter: values that cost too much to compute every sample (a filter's
        coefficients from its frequency). The inputs last seen and the values are state slots, so
        they carry between calls; the inputs seen start as NaN, so the first sample computes the
        values. `compute(inputs)` returns the values' C expressions and may emit statements (they
        run only when the inputs change). Inputs fixed for a call (parameters, constants:
        per_sample False) are checked once per call, before the sample loop; others every sample.
        Returns the C names of the values, for the loop body.
        """
        seen = [self.state("seen", math.nan) for _ in inputs]
        outer, self.body = self.body, []
        values = compute(inputs)
        slots = [self.state("derived") for _ in values]
        block = self.body + [f"{s} = {v};" for s, v in zip(slots, values)]
        block += [f"{s} = {v};" for s, v in zip(seen, inputs)]
        self.body = outer
        (self.body if per_sample else self.prologue).extend(
            [f"if ({self.changed(inputs, seen)}) {{"] + ["    " + line for line in block] + ["}"])
        return slots

    def state(self, slot, initial=0.0, ctype="double", length=None):
        """A state slot of the current node: a field of the kernel's state struct, kept between calls.

        Returns the C lvalue (`S->s3_0`). `slot` names it for introspection only; the field's
        identifier is generated. With `length`, the slot is an array (a ring buffer). In channel
        mode a double slot holds one lane per channel.
        """
        if ctype not in ("double", "int64_t", "uint64_t"):
            raise ValueError(f"unsupported state type {ctype!r}")
        if self.mode == "channels" and ctype != "double":
            raise ValueError("channel-vectorised nodes keep only double state")
        field = f"s{self.node_id}_{sum(1 for f in self.state_fields if f['node'] == self.node_id)}"
        self.state_fields.append({"node": self.node_id, "slot": str(slot), "field": field,
                                  "ctype": self.dctype if ctype == "double" else ctype,
                                  "initial": float(initial) if ctype == "double" else int(initial),
                                  "length": None if length is None else int(length)})
        # A scalar slot lives in a local for the whole loop (the template loads and stores it), so
        # the compiler keeps it in a register instead of reloading it past every output store.
        return f"S->{field}" if length is not None else field
