"""C emission: each node's snippet, in evaluation order, for one emission mode (see JitContext)."""
from dataclasses import dataclass

from .nodes import Input, JitCategory, SimdCompilable


def vectorisable(node):
    """A node goes in the vector loop if it can emit SIMD code and keeps no state between samples."""
    if isinstance(node, Input):
        return True
    wants = getattr(node, "simd", node.category is JitCategory.PURE_MATH)
    return bool(wants) and isinstance(node, SimdCompilable)


def channel_vectorisable(node):
    """A node can run with channels across lanes if it is vectorisable or says its state can."""
    return vectorisable(node) or (getattr(node, "channel_simd", False) and isinstance(node, SimdCompilable))


def graph_vectorisable(cg):
    return all(vectorisable(node) for node, _ in cg.nodes)


def graph_channel_vectorisable(cg):
    return all(channel_vectorisable(node) for node, _ in cg.nodes)


@dataclass
class Emitted:
    """The snippets of one graph in one mode, ready for a template."""
    hoisted: list
    body: list
    results: list          # the C name of each output's value
    state_fields: list
    externs: dict


def emit_graph(cg, ctx, read_input):
    """Emit every node of `cg` into `ctx`; `read_input(k)` gives the C expression of input k."""
    names = []
    for i, (node, args) in enumerate(cg.nodes):
        if isinstance(node, Input):
            names.append(read_input(cg.input_names.index(node.name)))
            continue
        ctx.node_id = i
        arg_names = [names[a] for a in args]
        expr = node.emit_simd(ctx, arg_names) if ctx.vector else node.emit_scalar(ctx, arg_names)
        if ctx.is_constant(expr):  # used by name, so ops can tell it is one (see JitContext.op)
            names.append(expr)
            continue
        ctype = ctx.mask_ctype if getattr(node, "mask", False) else ctx.ctype
        ctx.emit(f"const {ctype} v{i} = {expr};")
        names.append(f"v{i}")
    return Emitted(ctx.hoisted, ctx.body, [names[o] for o in cg.outputs], ctx.state_fields, ctx.externs)
