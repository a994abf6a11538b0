"""Template assembly: pour a graph's snippets into one of the skeletons in templates/.

Buffers reach a kernel in one fixed order (abi.Layout): the inputs, the outputs, then the
bound buffers the kernel object owns: runtime parameters, function pointers, state.
"""
import string
from typing import NamedTuple

from ..front import ops
from ..front.abi import PER_CHANNEL_KINDS, Layout
from .context import JitContext, c_literal
from .emit import emit_graph, graph_channel_vectorisable, graph_vectorisable
from ..front.canonical import PER_CHANNEL, PER_SAMPLE
from ..front.errors import JitError
from ..front.reductions import REDUCTIONS
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


_OUT_CTYPE = {"mask": "uint8_t", "index": "int64_t"}


def _out_ctype(layout, j, dtype):
    return _OUT_CTYPE.get(layout.outputs[j], ops.CTYPE[(dtype, False)])


def _bindings(cg, dtype, layout, channel_offset=""):
    """Each buffer's pointer (a per-channel output's is not offset: it holds a value per row)."""
    ctype = ops.CTYPE[(dtype, False)]
    bind = [f"const {ctype} *in{k} = (const {ctype} *)call->ptr[{k}]{channel_offset};" for k in range(layout.n_in)]
    bind += [f"{_out_ctype(layout, j, dtype)} *out{j} = ({_out_ctype(layout, j, dtype)} *)call->ptr[{layout.n_in + j}]"
             f"{'' if layout.outputs[j] in PER_CHANNEL_KINDS else channel_offset};" for j in range(layout.n_out)]
    if layout.has_params:
        bind.append(f"const double *P = (const double *)call->ptr[{layout.params_slot}];")
    if layout.has_pointers:
        bind.append(f"const uint64_t *FN = (const uint64_t *)call->ptr[{layout.pointers_slot}];")
    return bind


def _store(layout, j, prefix, address, value):
    """The statement that stores output j's value (a number, or a mask as a numpy bool)."""
    if layout.outputs[j] == "mask":
        return ops.render("store_bool", prefix, address, value) + ";"
    if prefix in ("rj_f", "rj_d"):   # a scalar: plain C
        return f"*({address}) = {value};"
    return ops.render("store", prefix, address, value) + ";"


def _element_sizes(cg, dtype, layout):
    """C initialiser of the byte size of each input's and output's elements, for rj_run_samples."""
    size = 4 if dtype == "float32" else 8
    return "{" + ", ".join([str(size)] * layout.n_in + ["1" if k == "mask" else str(size) for k in layout.outputs]) + "}"


def _checks(cg, layout):
    """Length checks of the bound buffers (the kernel object sizes them; this guards the C)."""
    checks = []
    if layout.has_params:
        checks.append(f"if (call->len[{layout.params_slot}] != {len(cg.param_names)}) return RJ_ERR_ARGUMENT;")
    if layout.has_pointers:
        checks.append(f"if (call->len[{layout.pointers_slot}] != {len(cg.pointer_nodes)}) return RJ_ERR_ARGUMENT;")
    return checks


def block_source(cg, dtype, vector=True):
    """The translation unit of a graph over n samples: vectorised, per-sample, stateful, or with
    reductions."""
    layout = Layout.of(cg)
    if layout.stateful:
        return stateful_source(cg, dtype, layout)
    if layout.reduces:
        return reduce_source(cg, dtype, layout)
    vector = vector and graph_vectorisable(cg)
    scalar_ctx = JitContext(dtype, "scalar", graph=cg)
    scalar = emit_graph(cg, scalar_ctx, lambda k: f"in{k}[i]")
    sp = ops.PREFIX[(dtype, False)]
    store_scalar = [_store(layout, j, sp, f"out{j} + i", r) for j, r in enumerate(scalar.results)]
    if vector:
        vec_ctx = JitContext(dtype, "vector", externs=scalar_ctx.externs, graph=cg)
        p = ops.PREFIX[(dtype, True)]
        vec = emit_graph(cg, vec_ctx, lambda k: ops.render("load", p, f"in{k} + i"))
        vector_body = vec.body + [_store(layout, j, p, f"out{j} + i", r) for j, r in enumerate(vec.results)]
        hoisted, lanes = vec.hoisted, ops.LANES_MACRO[dtype]
    else:
        vector_body, hoisted, lanes = ["/* not vectorisable: every sample runs in the loop below */"], [], "(n + 1)"
    return _fill("block.c", prelude=_prelude(scalar), first_output=layout.n_in, inputs=layout.n_in,
                 buffers=layout.n_in + layout.n_out, sizes=_element_sizes(cg, dtype, layout),
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
    channel at a time, sample by sample (and so a graph with reductions: each folded per sample,
    finished after the channel's loop)."""
    if graph_channel_vectorisable(cg) and not layout.reduces:
        return channels_source(cg, dtype, layout)
    red = _Reductions(cg, dtype, layout)
    ctx = JitContext(dtype, "scalar", graph=cg)
    em = emit_graph(cg, ctx, lambda k: f"in{k}[i]", only=_sample_level(cg))
    store = [_store(layout, j, ops.PREFIX[(dtype, False)], f"out{j} + i", em.results[j])
             for j in red.per_sample_outputs]
    load_state, store_state = _state_locals(em.state_fields)
    return _fill("stateful.c", prelude=_prelude(em), state=_state_section(em.state_fields, "1"),
                 state_buffer=layout.state_slot, checks=_lines(_checks(cg, layout), "    "),
                 bind=_lines(_bindings(cg, dtype, layout, " + ch * n")),
                 hoisted=_lines(em.hoisted + load_state + em.prologue + red.init(), INDENT),
                 scalar_body=_lines(em.body + store + red.fold_scalar(em.names), INDENT + "    "),
                 store_state=_lines(store_state + red.finish(ctx.externs, "ch"), INDENT), **red.shape_fields())


def channels_source(cg, dtype, layout):
    """A stateful graph with one channel per double-precision SIMD lane; a lone channel (or the
    last one of an odd count) runs the same snippets on scalars, on lane 0 of the state. Both
    compute every node in its own precision, so a channel's samples do not depend on whether it
    ran alone or beside others, nor on the stateful nodes beside a pure-math one."""
    ctx = JitContext(dtype, "channels", graph=cg)
    vec = emit_graph(cg, ctx, lambda k: f"lane_in{k}")
    one = emit_graph(cg, JitContext(dtype, "scalar", graph=cg), lambda k: f"in{k}[g * RJ_VD_WIDTH * n + i]")
    load_vec, store_vec = _state_locals(vec.state_fields)
    before, first, last, after = _channel_moves(ctx, layout, vec.results)
    load_one, store_one = _state_locals(one.state_fields)
    return _fill("channels.c", prelude=_prelude(vec), state=_state_section(vec.state_fields, "RJ_VD_WIDTH"),
                 first_output=layout.n_in, buffers=layout.n_in + layout.n_out, state_buffer=layout.state_slot,
                 checks=_lines(_checks(cg, layout), "    "), bind=_lines(_bindings(cg, dtype, layout), "    "),
                 hoisted=_lines(vec.hoisted, "    "), load_vector=_lines(load_vec + vec.prologue, "    "),
                 tiles_in=_lines(before), tiles_out=_lines(after),
                 body=_lines(first + vec.body + last, INDENT + "    "),
                 store_vector=_lines(store_vec, "    "),
                 load_one=_lines(load_one + one.prologue, "    "), body_one=_lines(one.body + [
                     _store(layout, j, ops.PREFIX[(dtype, False)], f"out{j} + g * RJ_VD_WIDTH * n + i", r)
                     for j, r in enumerate(one.results)], INDENT),
                 store_one=_lines(store_one, "    "))


def _channel_moves(ctx, layout, results):
    """The statements that move a channel kernel's samples (templates/channels.c's macros):
    before the loop over a block's samples, first and last in its body, and after it."""
    p = ctx.prefix
    values = [j for j, kind in enumerate(layout.outputs) if kind != "mask"]
    before = [f"{p}_lanes tile_in{k}[RJ_BLOCK];\n{INDENT}RJ_TILE_IN({p}, tile_in{k}, in{k});"
              for k in range(layout.n_in)]
    before += [f"{p}_lanes tile_out{j}[RJ_BLOCK];" for j in values]
    first = [f"const {ctx.ctype} lane_in{k} = RJ_LANE_IN({p}, tile_in{k}, in{k});" for k in range(layout.n_in)]
    last = [f"RJ_LANE_OUT({p}, tile_out{j}, out{j}, {r});" if j in values else f"RJ_LANE_OUT_MASK({p}, out{j}, {r});"
            for j, r in enumerate(results)]
    after = [f"RJ_TILE_OUT({p}, out{j}, tile_out{j});" for j in values]
    return before, first, last, after


# -- reductions (templates/reduce.c) ----------------------------------------------------------------

class _Fold(NamedTuple):
    """How a reduction is emitted: mostly calls of csrc/rj_reduce.h. {a} names the accumulator, {x}
    the value folded, {T} the kernel's C type, {w} f or d as the dtype, {W} its values per vector."""
    init: str              # before a row's loop (n: the row's samples)
    vector: "str | None"   # a vector of values, in the vector loop (None: the reduction does not vectorise)
    tail: str              # a value after the row's last whole vector, in the vector loop's scalar tail
    sample: str            # sample i's value, in a loop that runs sample by sample (as the vector loop would)
    block: str             # after each block of the vector loop
    finish: str            # the reduced value, after the row


def _accumulator(kind, init_args, vector, sample, block="", finish=None):
    """A reduction that accumulates in an rj_{kind} (rj_reduce.h), the same way in every loop."""
    return _Fold(f"rj_{kind} {{a}}; rj_{kind}_init(&{{a}}, {init_args});", f"rj_{kind}_{vector}(&{{a}}, {{x}});",
                 f"rj_{kind}_add_tail(&{{a}}, {{x}});", f"rj_{kind}_add_{sample}(&{{a}}, {{x}}, i);", block,
                 finish or f"rj_{kind}_total(&{{a}})")


def _first_best(better):
    """argmin/argmax: the index of the first best sample, a NaN best of all, as numpy says. Every
    loop compares the samples one by one, in order."""
    compare = (f"if ({{a}} < 0 || ({{a}}_b == {{a}}_b && ({{x}} != {{x}} || {{x}} {better} {{a}}_b))) "
               "{{ {a}_b = {x}; {a} = i; }}")
    return _Fold("{T} {a}_b = 0; int64_t {a} = -1;", vector=None, tail=compare, sample=compare, block="",
                 finish="{a}")


_FOLDS = {
    "sum": _accumulator("sum", "n, {W}", "add_v{w}", "sample_{w}", "rj_sum_fold(&{a});", "({T})rj_sum_total(&{a})"),
    "mean": _accumulator("sum", "n, {W}", "add_v{w}", "sample_{w}", "rj_sum_fold(&{a});",
                         "({T})(rj_sum_total(&{a}) / (double)n)"),
    "prod": _accumulator("prod", "n, {W}", "add_v{w}", "sample_{w}", finish="({T})rj_prod_total(&{a})"),
    "min": _accumulator("min_{w}", "n", "add_vector", "sample"),
    "max": _accumulator("max_{w}", "n", "add_vector", "sample"),
    "argmin": _first_best("<"),
    "argmax": _first_best(">"),
}


def _sample_level(cg):
    return lambda i: cg.levels[i] != PER_CHANNEL


class _Reductions:
    """What a graph's reductions add to a loop over the samples: accumulators set up before it,
    each value folded in it, and after it the reductions finished, the math on reduced values
    done and the per-channel outputs written (to out{j}[row])."""

    def __init__(self, cg, dtype, layout):
        self.cg, self.layout = cg, layout
        self.ops = [(i, cg.nodes[i][0].op, cg.nodes[i][1][0]) for i in cg.reductions]
        # each reduction's accumulator: a mean and a sum of one value share one (the same adds)
        owners = {}
        self.accumulator = {i: owners.setdefault(("sum" if op == "mean" else op, x), f"a{i}") for i, op, x in self.ops}
        self.fill = dict(T=ops.CTYPE[(dtype, False)], w="f" if dtype == "float32" else "d", W=ops.LANES_MACRO[dtype])
        self.dtype = dtype
        self.per_sample_outputs = [j for j, kind in enumerate(layout.outputs) if kind not in PER_CHANNEL_KINDS]
        self.per_row_buffers = [layout.n_in + j for j, kind in enumerate(layout.outputs) if kind in PER_CHANNEL_KINDS]

    def vectorisable(self):
        return all(_FOLDS[op].vector for _, op, _ in self.ops)

    def _each(self, part, names=None):
        """The statements of `part` for each accumulator."""
        return [getattr(_FOLDS[op], part).format(a=f"a{i}", x=names[x] if names else "", **self.fill)
                for i, op, x in self.ops if getattr(_FOLDS[op], part) and self.accumulator[i] == f"a{i}"]

    def init(self):
        return self._each("init")

    def fold_vector(self, names):
        return self._each("vector", names)

    def fold_tail(self, names):
        """The vector loop's scalar tail: the samples after the row's last whole vector."""
        return self._each("tail", names)

    def fold_scalar(self, names):
        """A loop that runs sample by sample (i: the sample's index in the row)."""
        return self._each("sample", names)

    def fold_block(self):
        return self._each("block")

    def finish(self, externs, row):
        cg, ctype = self.cg, self.fill["T"]
        finish = [f"const {'int64_t' if cg.traits[i].index else ctype} r{i} = "
                  f"{_FOLDS[op].finish.format(a=self.accumulator[i], **self.fill)};" for i, op, _ in self.ops]
        post = emit_graph(cg, JitContext(self.dtype, "scalar", externs=externs, graph=cg), None,
                          only=lambda i: cg.levels[i] != PER_SAMPLE, given={i: f"r{i}" for i, _, _ in self.ops})
        return finish + post.body + [f"out{j}[{row}] = {post.results[j]};" for j, kind in enumerate(self.layout.outputs)
                                     if kind in PER_CHANNEL_KINDS]

    def shape_fields(self):
        """per_sample, per_row, n_per_row and empty_check of a template that reduces."""
        layout = self.layout
        empty = any(REDUCTIONS[op].identity is None for _, op, _ in self.ops)
        return dict(per_sample=_c_list([*range(layout.n_in), *(layout.n_in + j for j in self.per_sample_outputs)]),
                    per_row=_c_list(self.per_row_buffers or [0]), n_per_row=len(self.per_row_buffers),
                    empty_check="    if (n == 0) return RJ_ERR_ARGUMENT;   /* min, max, arg...: no value over no "
                                "samples */" if empty else "")


def reduce_source(cg, dtype, layout):
    """A stateless graph with reductions: per-sample nodes in the vector loop (scalar tail), each
    reduction folded there, what is computed from reduced values once per row after it."""
    red = _Reductions(cg, dtype, layout)
    vector = graph_vectorisable(cg) and red.vectorisable()
    scalar_ctx = JitContext(dtype, "scalar", graph=cg)
    scalar = emit_graph(cg, scalar_ctx, lambda k: f"in{k}[i]", only=_sample_level(cg))
    sp = ops.PREFIX[(dtype, False)]
    # the samples after the last whole vector, or (not vectorised) every sample, in the scalar loop
    scalar_body = scalar.body + [_store(layout, j, sp, f"out{j} + i", scalar.results[j])
                                 for j in red.per_sample_outputs] + \
        (red.fold_tail if vector else red.fold_scalar)(scalar.names)
    if vector:
        p = ops.PREFIX[(dtype, True)]
        vec = emit_graph(cg, JitContext(dtype, "vector", externs=scalar_ctx.externs, graph=cg),
                         lambda k: ops.render("load", p, f"in{k} + i"), only=_sample_level(cg))
        vector_body = vec.body + [_store(layout, j, p, f"out{j} + i", vec.results[j])
                                  for j in red.per_sample_outputs] + red.fold_vector(vec.names)
        hoisted, lanes = vec.hoisted, ops.LANES_MACRO[dtype]
    else:
        vector_body, hoisted, lanes = ["/* not vectorised: every sample runs in the loop below */"], [], "(n + 1)"
    return _fill("reduce.c", prelude=_prelude(scalar), checks=_lines(_checks(cg, layout), "    "),
                 bind=_lines(_bindings(cg, dtype, layout, " + r * n")), hoisted=_lines(hoisted),
                 init=_lines(red.init()), lanes=lanes, vector_body=_lines(vector_body, INDENT + "    "),
                 fold=_lines(red.fold_block(), INDENT + "    "), scalar_body=_lines(scalar_body, INDENT + "    "),
                 finish=_lines(red.finish(scalar_ctx.externs, "r")), **red.shape_fields())


def _c_list(values):
    return "{" + ", ".join(str(v) for v in values) + "}"
