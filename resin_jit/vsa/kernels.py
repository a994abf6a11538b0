"""The VSA operations' kernels: a table of rules, each naming an entry of csrc/vsa_dense.h or
csrc/vsa_packed.h and the parameters it is compiled with, poured into templates/vsa.c.

A rule is (argspec, return kind, entry, params); params are (name, value) pairs that become
#defines, the macros the headers' top comments say they take. A reduction is described by the
terms it totals (RJ_TOTALS, an X-macro of term names: product, differ, nonzero_a, ... in the
headers) and its result made of them (RJ_SCORE). The C is written against csrc/vsa.h, whose
names are the same on every tier (a -D flag, never a branch here).
"""
import string
from collections import namedtuple
from types import MappingProxyType

from ..codegen.resources import read_template

MAX_INLINE_BUNDLE = 31   # rj_call holds 32 buffers: up to 31 inputs and the output

Rule = namedtuple("Rule", "argspec ret entry params")


def _reduction(argspec, ret, entry, terms, score):
    return Rule(argspec, ret, entry, (("RJ_TOTALS(X)", " ".join(f"X({t})" for t in terms)), ("RJ_SCORE(t)", score)))


def _top_k(metric):
    r = _reduction("uquqDQ" if metric == "cosine" else "uuDQ", "v", "rj_top_k_normed" if metric == "cosine"
                   else "rj_top_k", *_PACKED["dot" if metric == "cosine" else metric])
    return r._replace(params=r.params + (("RJ_KEY(s)", "(s)" if metric == "hamming" else "(-(s))"),))


# the terms and result of each reduction
_DENSE = {"dot": (["product"], "t.product"),
          "hamming": (["differ"], "-t.differ"),
          "cosine": (["product", "nonzero_a", "nonzero_b"], "rj_cosine(t.product, t.nonzero_a, t.nonzero_b)")}
_PACKED = {"dot": (["same", "opposite"], "t.same - t.opposite"),
           "hamming": (["differ"], "t.differ"),
           "cosine": (["same", "opposite", "nonzero_x", "nonzero_y"],
                      "rj_cosine(t.same - t.opposite, t.nonzero_x, t.nonzero_y)")}
_RET = {"dot": "i", "hamming": "i", "cosine": "f"}

# (operation, layout) → Rule; bundle is made per count in rule(), permute gets RJ_SHIFT in source().
RULES = MappingProxyType({
    **{(op, "dense"): _reduction("bb", _RET[op], "rj_reduce", *spec) for op, spec in _DENSE.items()},
    **{(op, "packed"): _reduction("uu", _RET[op], "rj_reduce", *spec) for op, spec in _PACKED.items()},
    ("bind", "dense"): Rule("bbB", "v", "rj_dense_bind", ()),
    ("permute", "dense"): Rule("bB", "v", "rj_dense_permute", ()),
    ("bundle_stacked", "dense"): Rule("bB", "v", "rj_dense_bundle_stacked", ()),
    ("pack", "dense"): Rule("bU", "v", "rj_pack", ()),
    ("bind", "packed"): Rule("uuU", "v", "rj_packed_bind", ()),
    ("permute", "packed"): Rule("uU", "v", "rj_packed_permute", ()),
    ("bundle_stacked", "packed"): Rule("uU", "v", "rj_packed_bundle_stacked", ()),
    ("norms", "packed"): _reduction("uQ", "v", "rj_norms", ["nonzero_x"], "t.nonzero_x"),
    ("similarity_dot", "packed"): _reduction("uuD", "v", "rj_similarity", *_PACKED["dot"]),
    ("similarity_hamming", "packed"): _reduction("uuD", "v", "rj_similarity", *_PACKED["hamming"]),
    # the dot product, made a cosine with the norms passed beside queries and memory
    ("similarity_cosine", "packed"): _reduction("uquqD", "v", "rj_similarity_normed", *_PACKED["dot"]),
    # the k best per query of a block of memory rows (stream.py): keys and row numbers, unordered
    **{(f"top_k_{op}", "packed"): _top_k(op) for op in ("dot", "hamming", "cosine")},
    # batches (csrc/vsa_batch.h): rows of vectors in one buffer, their count taken from the buffers
    **{(op, layout): Rule(spec.replace("v", letter).replace("V", letter.upper()), "v", f"rj_{layout}_{op}",
                          (("RJ_BATCH", 1),))
       for layout, letter in (("dense", "b"), ("packed", "u"))
       for op, spec in (("bind_rows", "vvV"), ("permute_rows", "vVn"), ("bundle_rows", "vqdVnnnnx"))},
    # records of levels (csrc/vsa_record.h): value indices, keys, values → packed rows
    ("record_rows", "packed"): Rule("quuU", "v", "rj_packed_record_rows", (("RJ_BATCH", 1),)),
    # the Classifier's training steps (csrc/vsa_learn.h): rows added to int32 class sums, sums made trits
    ("class_add", "packed"): Rule("uqqIn", "v", "rj_packed_class_add", (("RJ_BATCH", 1),)),
    ("class_quantise", "packed"): Rule("iqUQn", "v", "rj_class_quantise", (("RJ_BATCH", 1),)),
    ("transpose", "packed"): Rule("uU", "v", "rj_packed_transpose", (("RJ_BATCH", 1),)),
    ("dots_update", "packed"): Rule("uuuqDI", "v", "rj_dots_update", (("RJ_BATCH", 1),)),
    # the retraining passes in one call (csrc/vsa_retrain.h), on the steps above
    ("class_retrain", "packed"): Rule("uqIUQDUQUIDQnnn", "v", "rj_class_retrain", (("RJ_BATCH", 1),)),
    # every row's dots with every class vector, by AVX-512 VPOPCNTDQ where the CPU has it (csrc/vsa_dots.h)
    ("class_dots", "packed"): Rule("uuDQn", "v", "rj_class_dots", (("RJ_BATCH", 1),)),
})
BATCH_OPS = ("bind_rows", "permute_rows", "bundle_rows")


def rule(op, layout, k=None):
    """(argspec, ret, entry, params) of an operation; `k` is the bundle's vector count (inline
    buffers, k <= MAX_INLINE_BUNDLE) or the permute shift."""
    if op == "bundle":
        vector, out = ("b", "B") if layout == "dense" else ("u", "U")
        return Rule(vector * k + out, "v", f"rj_{layout}_bundle", (("RJ_K", int(k)),))
    return RULES[(op, layout)]


def request(op, layout, dim, k=None):
    """(ident, make_source) of an operation's kernel at a dimension: what Libraries.get (the
    engine) and resin-jit warm both ask for, so a warmed kernel is the one the engine loads."""
    return ("vsa", op, layout, dim, -1 if k is None else k), lambda: source(op, layout, dim, k)


def source(op, layout, dim, k=None):
    """The translation unit of one operation at one dimension (and count or shift)."""
    r = rule(op, layout, k)
    params = list(r.params)
    if op == "permute":
        params.append(("RJ_SHIFT", f"((int64_t){int(k)})"))
    if r.ret != "v":
        params.append(("RJ_RET", {"i": "ret_int", "f": "ret_float"}[r.ret]))
    return string.Template(read_template("vsa.c")).substitute(
        dim=int(dim), layout=layout, entry=r.entry,
        params="\n".join(f"#define {name} {value}" for name, value in params))
