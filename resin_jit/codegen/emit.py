"""C emission: each node's snippet, in evaluation order, for one emission mode (see JitContext)."""
from collections import Counter
from dataclasses import dataclass

from ..front import ops
from ..front.nodes import Const, Input, MathOp
from . import outline


@dataclass
class Emitted:
    """The snippets of one graph in one mode, ready for a template."""
    hoisted: list
    body: list
    results: list          # the C name of each output's value
    state_fields: list
    externs: dict
    names: dict            # node index → the C name of its value
    prologue: list         # once per call, before the loop and after the state is loaded
    outlined: str = ""     # the C that defines the vector math called out of line (outline.py)


def emit_graph(cg, ctx, read_input, only=None, given=None, fused=()):
    """Emit the nodes of `cg` into `ctx` (those whose index `only` accepts, default all);
    `read_input(k)` gives the C expression of input k, `given` the C names of nodes computed
    elsewhere (a reduction's result), `fused` the adds and subtracts to emit as fused ops (the
    plan's, front/fusion.py). The results name each output's value (None if not emitted)."""
    names = dict(given or {})
    fusing = {f.node: f for f in fused}
    products = {f.product for f in fused}   # every use fused: not computed alone

    def emitted(i):
        return i not in names and i not in products and (only is None or only(i))
    on_comparison = selects_on_comparisons(cg, emitted)
    arithmetic = arithmetic_in_selects(cg, on_comparison, lambda i: emitted(i) and i not in fusing)
    taken_in = set(on_comparison.values()) | {j for j, _ in arithmetic.values()}   # computed inside their select
    for i, (node, args) in enumerate(cg.nodes):
        if not emitted(i) or i in taken_in:
            continue
        if isinstance(node, Input):
            # Read into a local before anything is stored: an output may be this very input
            # (process(x, out=x)), and a later read of the buffer would see the new value.
            ctype = ctx.ctype
            ctx.emit(f"const {ctype} v{i} = {read_input(cg.input_names.index(node.name))};")
            names[i] = f"v{i}"
            continue
        ctx.node_id = i
        if i in fusing:
            expr = ctx.op(fusing[i].op, *(names[a] for a in fusing[i].operands))
        elif i in arithmetic:
            comparison, operands = cg.nodes[on_comparison[i]]
            j, branch = arithmetic[i]
            other = args[2] if branch == 1 else args[1]
            negation = "" if branch == 1 else "not_"
            expr = ctx.op(f"select_{negation}{comparison.op}_{cg.nodes[j][0].op}",
                          *(names[a] for a in (*operands, *cg.nodes[j][1], other)))
        elif i in on_comparison:
            comparison, operands = cg.nodes[on_comparison[i]]
            expr = ctx.op(f"select_{comparison.op}", *(names[a] for a in (*operands, *args[1:])))
        else:
            arg_names = [names[a] for a in args]
            expr = node.emit_simd(ctx, arg_names) if ctx.vector else node.emit_scalar(ctx, arg_names)
        if ctx.is_constant(expr):  # used by name, so ops can tell it is one (see JitContext.op)
            names[i] = expr
            continue
        ctype = ctx.mask_ctype if cg.traits[i].mask else ctx.ctype
        ctx.emit(f"const {ctype} v{i} = {expr};")
        names[i] = f"v{i}"
    return Emitted(ctx.hoisted, ctx.body, [names.get(o) for o in cg.outputs], ctx.state_fields, ctx.externs,
                   names, ctx.prologue, outline.prelude(ctx.outlined, ctx.dtype))


def _taken_in(cg, emitted):
    """Whether a select may compute node j inside itself: nothing else uses it (nor is it an output),
    it is emitted here, and its operands are neither masks nor all constants (the C compiler folds
    those)."""
    uses = Counter(a for _, args in cg.nodes for a in args)
    outputs = set(cg.outputs)

    def takes(j):
        args = cg.nodes[j][1]
        return (uses[j] == 1 and j not in outputs and emitted(j) and not any(cg.traits[a].mask for a in args)
                and not all(isinstance(cg.nodes[a][0], Const) for a in args))
    return takes


def selects_on_comparisons(cg, emitted):
    """{select node: its mask's node} for the selects whose mask is a comparison of two values, not
    both constants, that nothing else uses (nor is it an output), both emitted here (_taken_in):
    each is emitted as one select_<comparison> (csrc/simd.h), which AVX-512 does in two
    instructions instead of four."""
    takes = _taken_in(cg, emitted)
    taken = {}
    for i, (node, args) in enumerate(cg.nodes):
        if not (isinstance(node, MathOp) and node.op == "select" and emitted(i)) or cg.traits[i].mask:
            continue
        comparison = cg.nodes[args[0]][0]
        if isinstance(comparison, MathOp) and comparison.op in ops.SELECT_COMPARISONS and takes(args[0]):
            taken[i] = args[0]
    return taken


def arithmetic_in_selects(cg, on_comparison, emitted):
    """{select node: (arithmetic node, 1 or 2)} for the selects of on_comparison whose chosen value
    (1) or else whose other value (2) is an add, sub, mul or div it may take in (_taken_in) and
    that is no mask: each is emitted as one select_[not_]<comparison>_<op> (csrc/simd_select.h),
    which AVX-512 does as a comparison and one masked instruction."""
    takes = _taken_in(cg, emitted)

    def arithmetic(j):
        node = cg.nodes[j][0]
        return isinstance(node, MathOp) and node.op in ops.SELECT_ARITHMETIC and not cg.traits[j].mask and takes(j)
    taken = {}
    for i in on_comparison:
        args = cg.nodes[i][1]
        branch = next((b for b in (1, 2) if args[1] != args[2] and arithmetic(args[b])), None)
        if branch is not None:
            taken[i] = (args[branch], branch)
    return taken
