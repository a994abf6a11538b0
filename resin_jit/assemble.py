"""Template assembly: pour a graph's snippets into one of the skeletons in templates/.

Buffers reach a kernel in one fixed order (abi.Layout): the inputs, the outputs, then the
bound buffers the kernel object owns: runtime parameters, function pointers, state.
"""
import string

from . import ops
from .abi import Layout
from .context import JitContext, c_literal
from .emit import emit_graph, graph_channel_vectorisable, graph_vectorisable
from .errors import JitError
from .resources import read_template

INDENT = " " * 8
INCLUDES = '#include "rj_abi.h"\n#include "simd.h"\n#include "vmath.h"'


def _lines(statements, indent=INDENT):
    return "\n".join(indent + s for s in statements)


def _fill(template_name, **fields):
    return string.Template(read_template(template_name)).substitute(includes=INCLUDES, **fields)


def _prelude(emitted):
    # each definition once: one c_source may define the functions of several externs
    return "\n".join(dict.fromkeys(emitted.externs.values()))


def scalar_source(cg, dtype):
    """T rj_scalar(T): a graph of exactly one input and one output, without state or parameters."""
    if len(cg.input_names) != 1 or len(cg.outputs) != 1 or cg.stateful_nodes or cg.param_names \
            or cg.pointer_nodes:
        raise JitError("a scalar function needs one input, one output, no state and no parameters")
    em = emit_graph(cg, JitContext(dtype, "scalar", graph=cg), lambda k: f"x{k}")
    return _fill("scalar.c", T=ops.CTYPE[(dtype, False)], prelude=_prelude(em),
                 body=_lines(em.body, "    "), result=em.results[0])


def _bindings(cg, dtype, layout, channel_offset=""):
    ctype = ops.CTYPE[(dtype, False)]
    bind = [f"const {ctype} *in{k} = (const {ctype} *)call->ptr[{k}]{channel_offset};" for k in range(layout.n_in)]
    bind += [f"{ctype} *out{j} = ({ctype} *)call->ptr[{layout.n_in + j}]{channel_offset};"
             for j in range(layout.n_out)]
    if layout.has_params:
        bind.append(f"const double *P = (const double *)call->ptr[{layout.params_slot}];")
    if layout.has_pointers:
        bind.append(f"const uint64_t *FN = (const uint64_t *)call->ptr[{layout.pointers_slot}];")
    return bind


def _checks(cg, layout):
    """Length checks of the bound buffers (the kernel object sizes them; this guards the C)."""
    checks = []
    if layout.has_params:
        checks.append(f"if (call->len[{layout.params_slot}] != {len(cg.param_names)}) return RJ_ERR_ARGUMENT;")
    if layout.has_pointers:
        checks.append(f"if (call->len[{layout.pointers_slot}] != {len(cg.pointer_nodes)}) return RJ_ERR_ARGUMENT;")
    return checks


def block_source(cg, dtype, vector=True):
    """The translation unit of a graph over n samples: vectorised, per-sample, or stateful."""
    layout = Layout.of(cg)
    if layout.stateful:
        return stateful_source(cg, dtype, layout)
    vector = vector and graph_vectorisable(cg)
    scalar_ctx = JitContext(dtype, "scalar", graph=cg)
    scalar = emit_graph(cg, scalar_ctx, lambda k: f"in{k}[i]")
    store_scalar = [f"out{j}[i] = {r};" for j, r in enumerate(scalar.results)]
    if vector:
        vec_ctx = JitContext(dtype, "vector", externs=scalar_ctx.externs, graph=cg)
        p = ops.PREFIX[(dtype, True)]
        vec = emit_graph(cg, vec_ctx, lambda k: ops.render("load", p, f"in{k} + i"))
        vector_body = vec.body + [ops.render("store", p, f"out{j} + i", r) + ";" for j, r in enumerate(vec.results)]
        hoisted, lanes = vec.hoisted, ops.LANES_MACRO[dtype]
    else:
        vector_body, hoisted, lanes = ["/* not vectorisable: every sample runs in the loop below */"], [], "(n + 1)"
    return _fill("block.c", prelude=_prelude(scalar), first_output=layout.n_in, inputs=layout.n_in,
                 buffers=layout.n_in + layout.n_out, T=ops.CTYPE[(dtype, False)],
                 checks=_lines(_checks(cg, layout), "    "), bind=_lines(_bindings(cg, dtype, layout), "    "),
                 hoisted=_lines(hoisted, "    "), lanes=lanes, vector_body=_lines(vector_body),
                 scalar_body=_lines(scalar.body + store_scalar))


def _state_section(fields, lanes):
    """templates/state.c filled in: the state struct, its size, lanes and initialisation."""
    members, init = _state_struct(fields)
    return string.Template(read_template("state.c")).substitute(state_fields=members, state_init=init,
                                                                  state_lanes=lanes)


def _state_struct(fields):
    """The state struct's members and the initialisation of its non-zero members."""
    members, init = [], []
    for f in fields:
        dims = f"[{f['length']}]" if f["length"] else ""
        members.append(f"    {f['ctype']} {f['field']}{dims};")
        if f["initial"] and not f["length"]:
            if f["ctype"] == "rj_vd":
                value = ops.render("set1", "rj_vd", c_literal(f["initial"], "float64"))
            elif f["ctype"] == "double":
                value = c_literal(f["initial"], "float64")
            else:
                value = f"{int(f['initial'])}"
            init.append(f"    S->{f['field']} = {value};")
    return "\n".join(members) or "    char unused;", "\n".join(init)


def _state_locals(fields):
    """Copy the scalar state slots into locals before the loop and back after it. A one-channel
    loop's locals are doubles: memcpy of their size reads and writes lane 0 of the group's
    vector slots (the first element in memory)."""
    load, store = [], []
    for f in fields:
        if f["length"]:
            continue
        load.append(f"{f['ctype']} {f['field']};")
        load.append(f"memcpy(&{f['field']}, &S->{f['field']}, sizeof {f['field']});")
        store.append(f"memcpy(&S->{f['field']}, &{f['field']}, sizeof {f['field']});")
    return load, store


def stateful_source(cg, dtype, layout):
    """A graph with state. With channels across SIMD lanes when every node allows it, else one
    channel at a time, sample by sample."""
    if graph_channel_vectorisable(cg):
        return channels_source(cg, dtype, layout)
    ctx = JitContext(dtype, "scalar", graph=cg)
    em = emit_graph(cg, ctx, lambda k: f"in{k}[i]")
    store = [f"out{j}[i] = {r};" for j, r in enumerate(em.results)]
    load_state, store_state = _state_locals(em.state_fields)
    return _fill("stateful.c", prelude=_prelude(em), state=_state_section(em.state_fields, "1"),
                 first_output=layout.n_in, buffers=layout.n_in + layout.n_out, state_buffer=layout.state_slot,
                 checks=_lines(_checks(cg, layout), "    "), bind=_lines(_bindings(cg, dtype, layout, " + ch * n")),
                 hoisted=_lines(em.hoisted + load_state + em.prologue, INDENT), scalar_body=_lines(em.body + store, INDENT + "    "),
                 store_state=_lines(store_state, INDENT))


def channels_source(cg, dtype, layout):
    """A stateful graph with one channel per double-precision SIMD lane; a lone channel (or the
    last one of an odd count) runs the same snippets on scalars, on lane 0 of the state. Both
    compute every node in its own precision, so a channel's samples do not depend on whether it
    ran alone or beside others, nor on the stateful nodes beside a pure-math one."""
    vec = emit_graph(cg, JitContext(dtype, "channels", graph=cg), lambda k: f"lane_in{k}")
    one = emit_graph(cg, JitContext(dtype, "scalar", graph=cg), lambda k: f"in{k}[g * RJ_VD_WIDTH * n + i]")
    vtype = ops.CTYPE[(dtype, True)]
    gather = [f"{vtype} lane_in{k} = {{0}};\n{INDENT}RJ_GATHER(lane_in{k}, in{k});" for k in range(layout.n_in)]
    scatter = [f"RJ_SCATTER(out{j}, {r});" for j, r in enumerate(vec.results)]
    load_vec, store_vec = _state_locals(vec.state_fields)
    load_one, store_one = _state_locals(one.state_fields)
    return _fill("channels.c", prelude=_prelude(vec), state=_state_section(vec.state_fields, "RJ_VD_WIDTH"),
                 first_output=layout.n_in, buffers=layout.n_in + layout.n_out, state_buffer=layout.state_slot,
                 checks=_lines(_checks(cg, layout), "    "), bind=_lines(_bindings(cg, dtype, layout), "    "),
                 hoisted=_lines(vec.hoisted, "    "), load_vector=_lines(load_vec + vec.prologue, "    "),
                 body=_lines(gather + vec.body + scatter, INDENT), store_vector=_lines(store_vec, "    "),
                 load_one=_lines(load_one + one.prologue, "    "), body_one=_lines(one.body + [
                     f"out{j}[g * RJ_VD_WIDTH * n + i] = {r};" for j, r in enumerate(one.results)], INDENT),
                 store_one=_lines(store_one, "    "))
