"""Which vector-math functions a kernel calls out of line (csrc/vmath_outline.h), decided here once
for every emission mode of a kernel.

A function inlined at each call is another copy of its code for the C compiler to optimise, and
they all land in one loop body, whose optimisation grows faster than its size: a chain of a
thousand nodes with a hundred sines took gcc minutes to build. Out of line, a function is compiled
once per kernel, and the scalar tail calls the vector body's copy on one lane (the same bits as
the scalar twin, vmath.h). A call costs a few cycles (the function's constants loaded again, its
frame): measured on AVX2, 5-10% of a small kernel's run time where one sine is called once a
vector, nothing where it is called three times or more (the loop is then the functions' time).
So a function called OUTLINE_AT times or more in a graph is called out of line, and one called
fewer times is inlined, as the fastest code for a small graph. Only the functions with an
algorithm of their own (the "core" rows of csrc/vmath_functions.h); the exact ones (floor,
copysign, x**k for a constant k) are a few instructions, inlined. A graph with state keeps its
math inlined: it runs sample by sample, the math's latency on the path from one sample to the
next, where the compiler's scheduling around an inlined function pays.
"""
from ..front import vmath_table
from ..front.nodes import MathOp

# A function is called out of line where this many nodes of a graph or more call it.
OUTLINE_AT = 3
OUTLINABLE = frozenset(fn.name for fn in vmath_table.FUNCTIONS if fn.build == "core")
# the macro of csrc/vmath_outline.h for a kernel's dtype and a function's arity
_MACROS = {("float32", 1): "RJ_OUTLINE_F1", ("float32", 2): "RJ_OUTLINE_F2",
           ("float64", 1): "RJ_OUTLINE_D1", ("float64", 2): "RJ_OUTLINE_D2"}


def outlined(cg):
    """The names of the functions a kernel of `cg` calls out of line (a frozenset)."""
    if cg is None or cg.stateful_nodes:
        return frozenset()
    calls = {}
    for node, _ in cg.nodes:
        if isinstance(node, MathOp) and node.op in OUTLINABLE:
            calls[node.op] = calls.get(node.op, 0) + 1
    return frozenset(name for name, count in calls.items() if count >= OUTLINE_AT)


def call_name(prefix, name):
    """The C name a kernel calls function `name` by, on values of the simd.h prefix `prefix`
    (rj_vf_sin out of line is rj_k_vf_sin)."""
    return f"rj_k_{prefix[len('rj_'):]}_{name}"


def prelude(names, dtype):
    """The C that defines the out-of-line functions `names` for a kernel of `dtype` (empty for none)."""
    if not names:
        return ""
    lines = ["#include \"vmath_outline.h\"",
             "/* the vector math this kernel calls out of line: compiled once (codegen/outline.py) */"]
    lines += [f"{_MACROS[(dtype, vmath_table.BY_NAME[name].arity)]}({name})" for name in sorted(names)]
    return "\n".join(lines)
