"""Template assembly: pour a graph's snippets into the skeleton of templates/ its plan names.

Buffers reach a kernel in the plan's order (front/plan.py): the inputs, the outputs, then the
bound buffers the kernel object owns: runtime parameters, function pointers, state.
"""
import re
import string

from ..front import ops, vmath_table
from ..front.errors import JitError
from ..front.nodes import Affine, Const, Input, MathOp, Param
from ..front.reductions import Reduce
from .context import JitContext, c_literal
from .emit import emit_graph
from .reduce import Reductions, c_list, sample_level
from .resources import read_template

INDENT = " " * 8
INCLUDES = '#include "rj_abi.h"\n#include "simd.h"\n#include "vmath.h"'
INCLUDES_NO_VMATH = '#include "rj_abi.h"\n#include "simd.h"'
_INCLUDES_HERE = "/* resin_jit: the includes */"
# JitConfig.ulp's levels as csrc/vmath.h names them
VMATH_LEVELS = {0.5: "RJ_VM_LEVEL_HALF", 1.0: "RJ_VM_LEVEL_ONE", 4.0: "RJ_VM_LEVEL_FOUR"}
# A light vector loop (_light) is unrolled this many vectors deep: loop overhead shared, and the
# compiler free to interleave the independent samples of two vectors
UNROLL = 2
# the simd.h ops of a few instructions each (the rest: the vector-math functions, long bodies)
_LIGHT_OPS = frozenset(ops.OPS) - {fn.name for fn in vmath_table.FUNCTIONS}


def _lines(statements, indent=INDENT):
    return "\n".join(indent + s for s in statements)


def _includes(ulp, text=None):
    """The headers of a kernel, its vector math at accuracy level `ulp` (JitConfig.ulp); csrc/vmath.h
    only where the kernel's C (`text`, the rest of it) calls into it (see uses_vector_math), and
    of it only the families of the functions it calls (see vmath_families)."""
    if text is None:
        return f"#define RJ_VM_LEVEL {VMATH_LEVELS[ulp]}\n{INCLUDES}"
    if not uses_vector_math(text):
        return f"#define RJ_VM_LEVEL {VMATH_LEVELS[ulp]}\n{INCLUDES_NO_VMATH}"
    return f"#define RJ_VM_LEVEL {VMATH_LEVELS[ulp]}\n{vmath_families(text)}\n{INCLUDES}"


# The names csrc/vmath.h defines: rj_vX_NAME and rj_X_NAME for its functions and helpers, its
# unsigned vector types, and its internals (rj_vm_*, RJ_VM_*, a kernel's out-of-line rj_k_*).
_VMATH_FUNCTIONS = "|".join(
    sorted({fn.name for fn in vmath_table.FUNCTIONS} | {"powi", "remainder", "floor_divide", "asuint", "fromuint"}))
_VMATH_NAMES = re.compile(r"\b(?:rj_v?[fd]_(?:wide_|vmf_)?(?:%s)|rj_v[fd]u|rj_vm_\w+|RJ_VM_\w+|rj_k_\w+)\b" % _VMATH_FUNCTIONS)
# a call of one of its functions (out of line too: rj_k_vf_sin), the function's name in group 1
_VMATH_CALLS = re.compile(r"\brj_(?:k_)?v?[fd]_(?:wide_|vmf_)?(%s)\b" % _VMATH_FUNCTIONS)


def vmath_families(text):
    """The line that names the vector-math functions the C `text` calls, before csrc/vmath.h: the
    header then parses their families only (csrc/vmath_families.h), a fifth of the build of a
    kernel of one sine."""
    names = sorted(set(_VMATH_CALLS.findall(text)))
    return f"#define RJ_VM_FAMILIES ({' | '.join(f'RJ_VM_FAMILY_OF({name})' for name in names) or 0})"


def uses_vector_math(text):
    """Whether the C `text` names anything of csrc/vmath.h. Parsing the header costs a kernel that
    calls none of it (the 10-node graph: arithmetic and comparisons) about a third of its build."""
    return _VMATH_NAMES.search(text) is not None


def _fill(template_name, ulp=1.0, **fields):
    text = string.Template(read_template(template_name)).substitute(includes=_INCLUDES_HERE, **fields)
    return text.replace(_INCLUDES_HERE, _includes(ulp, text.replace(_INCLUDES_HERE, "")), 1)


def _prelude(emitted):
    # each definition once: one c_source may define the functions of several externs
    return "\n".join([emitted.outlined] + list(dict.fromkeys(emitted.externs.values())))


def scalar_source(cg, dtype):
    """T rj_scalar(T): a graph of exactly one input and one output, without state or parameters."""
    if len(cg.input_names) != 1 or len(cg.outputs) != 1 or cg.stateful_nodes or cg.param_names \
            or cg.pointer_nodes:
        raise JitError("a scalar function needs one input, one output, no state and no parameters")
    em = emit_graph(cg, JitContext(dtype, "scalar", graph=cg), lambda k: f"x{k}")
    return _fill("scalar.c", T=ops.CTYPE[(dtype, False)], prelude=_prelude(em),
                 body=_lines(em.body, "    "), result=em.results[0])


def _bindings(plan, channel_offset=""):
    """Each buffer's pointer (a per-row output's is not offset: it holds one value per row)."""
    ctype = ops.CTYPE[(plan.dtype, False)]
    bind = [f"const {ctype} *in{k} = (const {ctype} *)call->ptr[{k}]{channel_offset};" for k in range(plan.n_in)]
    bind += [f"{out.ctype} *out{j} = ({out.ctype} *)call->ptr[{plan.n_in + j}]"
             f"{'' if out.per_row else channel_offset};" for j, out in enumerate(plan.outputs)]
    if plan.has_params:
        bind.append(f"const double *P = (const double *)call->ptr[{plan.params_slot}];")
    if plan.has_pointers:
        bind.append(f"const uint64_t *FN = (const uint64_t *)call->ptr[{plan.pointers_slot}];")
    return bind


def _store(plan, j, prefix, address, value):
    """The statement that stores output j's value (a number, or a mask as numpy bools)."""
    if plan.outputs[j].kind.as_bool:
        return ops.render("store_bool", prefix, address, value) + ";"
    if prefix in ("rj_f", "rj_d"):   # a scalar: plain C
        return f"*({address}) = {value};"
    return ops.render("store", prefix, address, value) + ";"


def _element_sizes(plan):
    """C initialiser of the byte size of each input's and output's elements, for rj_run_samples."""
    size = 4 if plan.dtype == "float32" else 8
    return c_list([size] * plan.n_in + [out.dtype.itemsize for out in plan.outputs])


def _checks(plan):
    """Length checks of the bound buffers (the kernel object sizes them; this guards the C)."""
    checks = []
    if plan.has_params:
        checks.append(f"if (call->len[{plan.params_slot}] != {len(plan.param_names)}) return RJ_ERR_ARGUMENT;")
    if plan.has_pointers:
        checks.append(f"if (call->len[{plan.pointers_slot}] != {plan.pointers}) return RJ_ERR_ARGUMENT;")
    return checks


def _light(cg, only=None):
    """Whether every node of `cg` (those `only` accepts, default all) is a few instructions of simd.h:
    no vector-math function, no node of C written elsewhere. A loop short enough that unrolling it
    pays and costs the compiler little, and cheap enough per sample that running a few alone to
    align its stores does."""
    return all(isinstance(node, (Input, Const, Param, Affine, Reduce)) or
               (isinstance(node, MathOp) and node.op in _LIGHT_OPS)
               for i, (node, _) in enumerate(cg.nodes) if only is None or only(i))


def _unroll(light):
    """The line before a vector loop: unroll a light loop (GCC and clang read this pragma)."""
    return f"#pragma GCC unroll {UNROLL}" if light else "/* (a loop of long bodies: not unrolled) */"


def _aligning_head(plan, light):
    """C for how many samples block.c's scalar loop runs before its vector loop: enough to align
    the first numeric output's stores (rj_samples.h's rj_head_to_align), in a light graph."""
    values = [j for j, out in enumerate(plan.outputs) if not out.kind.as_bool]
    if not (plan.vector and light and values):
        return "0" if plan.vector else "n"
    j = values[0]
    return f"rj_head_to_align(out{j}, sizeof *out{j}, {ops.LANES_MACRO[plan.dtype]}, n)"


def kernel_source(cg, plan):
    """The translation unit of `cg`'s kernel, in the template its plan names."""
    return _TEMPLATES[plan.template](cg, plan)


def block_source(cg, plan):
    """A stateless graph over n samples: a vector loop (when the plan has one), a scalar loop for the
    samples before it (aligning a light graph's stores) and after it. A graph of long bodies runs its
    last, partial vector as a vector (rj_samples.h's _upto) and has no scalar loop."""
    dtype, vector = plan.dtype, plan.vector
    scalar_ctx = JitContext(dtype, "scalar", graph=cg)
    scalar = emit_graph(cg, scalar_ctx, lambda k: f"in{k}[i]", fused=plan.fused)
    sp = ops.PREFIX[(dtype, False)]
    store_scalar = [_store(plan, j, sp, f"out{j} + i", r) for j, r in enumerate(scalar.results)]
    light = _light(cg)
    if vector:
        vec_ctx = JitContext(dtype, "vector", externs=scalar_ctx.externs, graph=cg)
        p, lanes = ops.PREFIX[(dtype, True)], ops.LANES_MACRO[dtype]
        if light:
            load, vector_while = (lambda k: ops.render("load", p, f"in{k} + i")), f"i + {lanes} <= n"
        else:
            load, vector_while = (lambda k: f"{p}_load_upto(in{k} + i, n - i)"), f"i < RJ_LONG_BODY_END(n, {lanes})"
        vec = emit_graph(cg, vec_ctx, load, fused=plan.fused)
        vector_body = vec.body + [_store(plan, j, p, f"out{j} + i", r) if light else _store_upto(plan, j, p, r)
                                  for j, r in enumerate(vec.results)]
        hoisted = vec.hoisted
    else:
        vector_body, hoisted = ["/* not vectorisable: every sample runs in the loop above */"], []
        vector_while = "0"
    return _fill("block.c", plan.ulp, prelude=_prelude(scalar), first_output=plan.n_in, inputs=plan.n_in,
                 buffers=plan.buffers, sizes=_element_sizes(plan),
                 checks=_lines(_checks(plan), "    "), bind=_lines(_bindings(plan), "    "),
                 hoisted=_lines(hoisted, "    "), head=_aligning_head(plan, light), unroll=_unroll(vector and light),
                 vector_while=vector_while, lanes=ops.LANES_MACRO[dtype] if vector else "1",
                 scalar_loop="1" if light or not vector else "0",
                 vector_body=_lines(vector_body, INDENT + "    "),
                 scalar_body=_lines(scalar.body + store_scalar, INDENT + "    "))


def _store_upto(plan, j, prefix, value):
    """A long body's store of output j: the first n - i lanes only (rj_samples.h)."""
    mask_prefix = {"rj_vf": "rj_mf", "rj_vd": "rj_md"}[prefix]
    if plan.outputs[j].kind.as_bool:
        return f"{mask_prefix}_store_bool_upto(out{j} + i, {value}, n - i);"
    return f"{prefix}_store_upto(out{j} + i, {value}, n - i);"


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


def stateful_source(cg, plan):
    """A graph with state, one channel at a time, sample by sample (and so a graph with state and
    reductions: each folded per sample, finished after the channel's loop)."""
    dtype = plan.dtype
    red = Reductions(cg, plan)
    ctx = JitContext(dtype, "scalar", graph=cg)
    em = emit_graph(cg, ctx, lambda k: f"in{k}[i]", only=sample_level(cg), fused=plan.fused)
    store = [_store(plan, j, ops.PREFIX[(dtype, False)], f"out{j} + i", em.results[j])
             for j in red.per_sample_outputs]
    load_state, store_state = _state_locals(em.state_fields)
    return _fill("stateful.c", plan.ulp, prelude=_prelude(em), state=_state_section(em.state_fields, "1"),
                 state_buffer=plan.state_slot, checks=_lines(_checks(plan), "    "),
                 bind=_lines(_bindings(plan, " + ch * n")),
                 hoisted=_lines(em.hoisted + load_state + em.prologue + red.init(), INDENT),
                 scalar_body=_lines(em.body + store + red.fold_scalar(em.names), INDENT + "    "),
                 store_state=_lines(store_state + red.finish(ctx.externs, "ch"), INDENT), **red.shape_fields())


def channels_source(cg, plan):
    """A stateful graph with one channel per double-precision SIMD lane; a lone channel (or the
    last one of an odd count) runs the same snippets on scalars, on lane 0 of the state. Both
    compute every node in its own precision, so a channel's samples do not depend on whether it
    ran alone or beside others, nor on the stateful nodes beside a pure-math one."""
    dtype = plan.dtype
    ctx = JitContext(dtype, "channels", graph=cg)
    vec = emit_graph(cg, ctx, lambda k: f"lane_in{k}", fused=plan.fused)
    one = emit_graph(cg, JitContext(dtype, "scalar", graph=cg), lambda k: f"in{k}[g * RJ_VD_WIDTH * n + i]",
                     fused=plan.fused)
    load_vec, store_vec = _state_locals(vec.state_fields)
    before, first, last, after = _channel_moves(ctx, plan, vec.results)
    load_one, store_one = _state_locals(one.state_fields)
    return _fill("channels.c", plan.ulp, prelude=_prelude(vec), state=_state_section(vec.state_fields, "RJ_VD_WIDTH"),
                 first_output=plan.n_in, buffers=plan.buffers, state_buffer=plan.state_slot,
                 checks=_lines(_checks(plan), "    "), bind=_lines(_bindings(plan), "    "),
                 hoisted=_lines(vec.hoisted, "    "), load_vector=_lines(load_vec + vec.prologue, "    "),
                 tiles_in=_lines(before), tiles_out=_lines(after),
                 body=_lines(first + vec.body + last, INDENT + "    "),
                 store_vector=_lines(store_vec, "    "),
                 load_one=_lines(load_one + one.prologue, "    "), body_one=_lines(one.body + [
                     _store(plan, j, ops.PREFIX[(dtype, False)], f"out{j} + g * RJ_VD_WIDTH * n + i", r)
                     for j, r in enumerate(one.results)], INDENT),
                 store_one=_lines(store_one, "    "))


def _channel_moves(ctx, plan, results):
    """The statements that move a channel kernel's samples (templates/channels.c's macros):
    before the loop over a block's samples, first and last in its body, and after it."""
    p = ctx.prefix
    values = [j for j, out in enumerate(plan.outputs) if not out.kind.as_bool]
    before = [f"{p}_lanes tile_in{k}[RJ_BLOCK];\n{INDENT}RJ_TILE_IN({p}, tile_in{k}, in{k});"
              for k in range(plan.n_in)]
    before += [f"{p}_lanes tile_out{j}[RJ_BLOCK];" for j in values]
    first = [f"const {ctx.ctype} lane_in{k} = RJ_LANE_IN({p}, tile_in{k}, in{k});" for k in range(plan.n_in)]
    last = [f"RJ_LANE_OUT({p}, tile_out{j}, out{j}, {r});" if j in values else f"RJ_LANE_OUT_MASK({p}, out{j}, {r});"
            for j, r in enumerate(results)]
    after = [f"RJ_TILE_OUT({p}, out{j}, tile_out{j});" for j in values]
    return before, first, last, after


def reduce_source(cg, plan):
    """A stateless graph with reductions: per-sample nodes in the vector loop (scalar tail), each
    reduction folded there, what is computed from reduced values once per row after it."""
    dtype, vector = plan.dtype, plan.vector
    red = Reductions(cg, plan)
    scalar_ctx = JitContext(dtype, "scalar", graph=cg)
    scalar = emit_graph(cg, scalar_ctx, lambda k: f"in{k}[i]", only=sample_level(cg), fused=plan.fused)
    sp = ops.PREFIX[(dtype, False)]
    # the samples after the last whole vector, or (not vectorised) every sample, in the scalar loop
    scalar_body = scalar.body + [_store(plan, j, sp, f"out{j} + i", scalar.results[j])
                                 for j in red.per_sample_outputs] + \
        (red.fold_tail if vector else red.fold_scalar)(scalar.names)
    if vector:
        p = ops.PREFIX[(dtype, True)]
        vec = emit_graph(cg, JitContext(dtype, "vector", externs=scalar_ctx.externs, graph=cg),
                         lambda k: ops.render("load", p, f"in{k} + i"), only=sample_level(cg), fused=plan.fused)
        vector_body = vec.body + [_store(plan, j, p, f"out{j} + i", vec.results[j])
                                  for j in red.per_sample_outputs] + red.fold_vector(vec.names)
        hoisted, lanes = vec.hoisted, ops.LANES_MACRO[dtype]
    else:
        vector_body, hoisted, lanes = ["/* not vectorised: every sample runs in the loop below */"], [], "(n + 1)"
    head = "0"
    if vector and red.order_free():
        head = f"rj_head_to_align(in0, sizeof *in0, {lanes}, n)"
    return _fill("reduce.c", plan.ulp, prelude=_prelude(scalar), checks=_lines(_checks(plan), "    "), head=head,
                 bind=_lines(_bindings(plan, " + r * n")), hoisted=_lines(hoisted),
                 init=_lines(red.init()), lanes=lanes, unroll=_unroll(vector and _light(cg, sample_level(cg))),
                 vector_body=_lines(vector_body, INDENT + "        "),
                 fold=_lines(red.fold_block(), INDENT + "    "), scalar_body=_lines(scalar_body, INDENT + "    "),
                 finish=_lines(red.finish(scalar_ctx.externs, "r")), **red.shape_fields())


_TEMPLATES = {"block": block_source, "reduce": reduce_source, "stateful": stateful_source, "channels": channels_source}
