"""Which multiplies fastmath fuses into the add or subtract that uses them: decided here, once,
not by the C compiler.

Under -ffp-contract=fast each compiler chooses for itself (gcc fuses a product into every add
and subtract that uses it, clang only a product used once), so a fastmath kernel's bits would
depend on the compiler, which is not part of its key. Kernels are built with -ffp-contract=off
always, and with JitConfig(fastmath=True) the kernel plan (front/plan.py) lists the adds and
subtracts to emit as fused ops of ops.py (fma, fms, fnma). simd.h's fma is one instruction on a
tier with FMA (isa.Tier.fma, RJ_HAS_FMA) and a multiply and an add rounded twice elsewhere, so on
SSE2 and SSE4.1 fastmath changes no value, as before.

The rule is gcc's (tree-ssa-math-opts.cc, convert_mult_to_fma), so that fastmath stays as fast
as it was measured: multiplies are visited in evaluation order, and one is fused when every use
of it is an add or a subtract not fused already, and it is not itself an output. It is then fused
into all of them, and its own value is not computed. So in a*b + c*d the product computed first
(the left one: the graph is numbered left operand first) is fused, and c*d rounds on its own, as
gcc does. Unlike gcc's: a product used in a negation is not fused, nor one of constants and
parameters (gcc computes those before the loop, where no add of the loop can take them), nor
one used twice by one add (a*b + a*b, which gcc leaves too).
"""
from typing import NamedTuple
from types import MappingProxyType

from .canonical import PER_SAMPLE
from .nodes import MathOp

# (the add or subtract's op, the product's position in it) → the fused op
FUSED_OP = MappingProxyType({("add", 0): "fma", ("add", 1): "fma", ("sub", 0): "fms", ("sub", 1): "fnma"})


class Fused(NamedTuple):
    """An add or subtract emitted as a fused op: fma a*b + c, fms a*b - c or fnma c - a*b."""
    node: int               # the add or subtract
    op: str                 # its fused op (ops.OPS)
    operands: tuple         # the node indices of a, b and c
    product: int            # the multiply it takes in


def _op(node):
    return node.op if isinstance(node, MathOp) else None


def _fusable_use(cg, user, product, fused):
    args = cg.nodes[user][1]
    return _op(cg.nodes[user][0]) in ("add", "sub") and user not in fused and args.count(product) == 1


def fused_ops(cg):
    """The adds and subtracts of `cg` that fastmath fuses (Fused), in evaluation order."""
    users = {}
    for i, (_, args) in enumerate(cg.nodes):
        for a in set(args):
            users.setdefault(a, []).append(i)
    outputs = set(cg.outputs)
    fused = {}
    for product, (node, factors) in enumerate(cg.nodes):
        uses = users.get(product, ())
        if (_op(node) != "mul" or product in outputs or cg.levels[product] != PER_SAMPLE or not uses
                or not all(_fusable_use(cg, u, product, fused) for u in uses)):
            continue
        for u in uses:
            user, args = cg.nodes[u]
            side = args.index(product)
            fused[u] = Fused(u, FUSED_OP[(user.op, side)], (*factors, args[1 - side]), product)
    return tuple(fused[u] for u in sorted(fused))
