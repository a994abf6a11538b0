"""Reductions in a loop over the samples (templates/reduce.c, and the sample-by-sample loop of
templates/stateful.c): accumulators set up before the loop, each value folded in it, and after it
the reductions finished, the math on reduced values done and the per-row outputs written.
The folds are calls of csrc/rj_reduce.h, the same adds in the same order in every loop, so a
reduction's value does not depend on which loop (or which of the graph's other outputs) ran it.
"""
from typing import NamedTuple

from ..front import ops
from ..front.canonical import PER_CHANNEL, PER_SAMPLE
from ..front.nodes import Input
from .context import JitContext
from .emit import emit_graph

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


def _first_best(kind):
    """argmin/argmax: the index of the first best sample, a NaN best of all, as numpy says
    (rj_reduce.h's rj_argmin_* / rj_argmax_*: best per lane in the vector loop, one by one after)."""
    a = f"rj_{kind}_{{w}}"
    sample = f"{a}_add_sample(&{{a}}, {{x}}, i);"   # i: the sample's index in the row, in every loop
    return _Fold(f"_Alignas(64) {{T}} {{a}}_staged[RJ_ARG_BLOCK]; {a} {{a}}; {a}_init(&{{a}}, {{a}}_staged);",
                 f"{a}_add_vector(&{{a}}, {{x}}, i);", sample, sample, "", f"{a}_total(&{{a}})")


# Reductions whose result does not depend on which loop sees which sample (an index does not
# round): a loop may run some samples one by one before its vectors, to align its loads.
ORDER_FREE = frozenset({"argmin", "argmax"})


_FOLDS = {
    "sum": _accumulator("sum", "n, {W}", "add_v{w}", "sample_{w}", "rj_sum_fold(&{a});", "({T})rj_sum_total(&{a})"),
    "mean": _accumulator("sum", "n, {W}", "add_v{w}", "sample_{w}", "rj_sum_fold(&{a});",
                         "({T})(rj_sum_total(&{a}) / (double)n)"),
    "prod": _accumulator("prod", "n, {W}", "add_v{w}", "sample_{w}", finish="({T})rj_prod_total(&{a})"),
    "min": _accumulator("min_{w}", "n", "add_vector", "sample"),
    "max": _accumulator("max_{w}", "n", "add_vector", "sample"),
    "argmin": _first_best("argmin"),
    "argmax": _first_best("argmax"),
}


def sample_level(cg):
    """Which nodes a loop over the samples computes: all but those of reduced values."""
    return lambda i: cg.levels[i] != PER_CHANNEL


class Reductions:
    """What a graph's reductions add to a loop over the samples: accumulators set up before it,
    each value folded in it, and after it the reductions finished, the math on reduced values
    done and the per-channel outputs written (to out{j}[row])."""

    def __init__(self, cg, plan):
        self.cg, self.plan = cg, plan
        dtype = plan.dtype
        self.ops = [(i, cg.nodes[i][0].op, cg.nodes[i][1][0]) for i in cg.reductions]
        # each reduction's accumulator: a mean and a sum of one value share one (the same adds)
        owners = {}
        self.accumulator = {i: owners.setdefault(("sum" if op == "mean" else op, x), f"a{i}") for i, op, x in self.ops}
        self.fill = dict(T=ops.CTYPE[(dtype, False)], w="f" if dtype == "float32" else "d", W=ops.LANES_MACRO[dtype])
        self.dtype = dtype
        self.per_sample_outputs = [j for j, out in enumerate(plan.outputs) if not out.per_row]
        self.per_row_buffers = [plan.n_in + j for j, out in enumerate(plan.outputs) if out.per_row]

    def _each(self, part, names=None):
        """The statements of `part` for each accumulator."""
        return [getattr(_FOLDS[op], part).format(a=f"a{i}", x=names[x] if names else "", **self.fill)
                for i, op, x in self.ops if getattr(_FOLDS[op], part) and self.accumulator[i] == f"a{i}"]

    def init(self):
        return self._each("init")

    def fold_vector(self, names):
        return [self._read_again(i, op, x, names[x]) or line
                for (i, op, x), line in zip(self._folded(), self._each("vector", names))]

    def _read_again(self, i, op, x, value):
        """argmin/argmax of an input, in a graph writing no per-sample output (which could be that
        very buffer): its blocks are searched in the input, not stored aside (rj_*_add_read)."""
        node = self.cg.nodes[x][0]
        if op not in ORDER_FREE or not isinstance(node, Input) or self.per_sample_outputs:
            return None
        k = self.cg.input_names.index(node.name)
        return f"rj_{op}_{self.fill['w']}_add_read(&a{i}, {value}, i, in{k} + i);"

    def _folded(self):
        """The reductions that own their accumulator, in the order _each gives their lines."""
        return [(i, op, x) for i, op, x in self.ops if _FOLDS[op].vector and self.accumulator[i] == f"a{i}"]

    def fold_tail(self, names):
        """The vector loop's scalar tail: the samples after the row's last whole vector."""
        return self._each("tail", names)

    def fold_scalar(self, names):
        """A loop that runs sample by sample (i: the sample's index in the row)."""
        return self._each("sample", names)

    def order_free(self):
        """Whether every reduction gives the same result whichever samples run one by one."""
        return all(op in ORDER_FREE for _, op, _ in self.ops)

    def fold_block(self):
        return self._each("block")

    def finish(self, externs, row):
        cg, ctype = self.cg, self.fill["T"]
        finish = [f"const {'int64_t' if cg.traits[i].index else ctype} r{i} = "
                  f"{_FOLDS[op].finish.format(a=self.accumulator[i], **self.fill)};" for i, op, _ in self.ops]
        post = emit_graph(cg, JitContext(self.dtype, "scalar", externs=externs, graph=cg), None,
                          only=lambda i: cg.levels[i] != PER_SAMPLE, given={i: f"r{i}" for i, _, _ in self.ops})
        return finish + post.body + [f"out{j}[{row}] = {post.results[j]};" for j, out in enumerate(self.plan.outputs)
                                     if out.per_row]

    def shape_fields(self):
        """per_sample, per_row, n_per_row and empty_check of a template that reduces."""
        plan = self.plan
        return dict(per_sample=c_list([*range(plan.n_in), *(plan.n_in + j for j in self.per_sample_outputs)]),
                    per_row=c_list(self.per_row_buffers or [0]), n_per_row=len(self.per_row_buffers),
                    empty_check="    if (n == 0) return RJ_ERR_ARGUMENT;   /* min, max, arg...: no value over no "
                                "samples */" if plan.no_value_over_no_samples else "")


def c_list(values):
    return "{" + ", ".join(str(v) for v in values) + "}"
