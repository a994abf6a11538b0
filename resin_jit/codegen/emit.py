"""C emission: each node's snippet, in evaluation order, for one emission mode (see JitContext)."""
from dataclasses import dataclass

from ..front.nodes import Input
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
    for i, (node, args) in enumerate(cg.nodes):
        if i in names or i in products or (only is not None and not only(i)):
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
