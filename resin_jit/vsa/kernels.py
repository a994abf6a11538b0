"""C emission for the VSA operations: one rule per operation, poured into templates/vsa.c.

Each rule is (argspec, return kind, C body). The body sees DIM and WORDS (compile-time
constants) and the buffers in rj_call order; csrc/vsa.h gives it the SIMD pieces.
"""
import string
from types import MappingProxyType

from ..resources import read_template

_CHECK = "if ({cond}) return RJ_ERR_LENGTH;"

# A reduction over the dense vectors a and b in blocks of RJ_VB_FLUSH steps (int8 lane counters),
# then a scalar tail. {init}, {step} and {tail} name the per-op accumulation.
_DENSE_REDUCE = """
    const int8_t *a = (const int8_t *)call->ptr[0], *b = (const int8_t *)call->ptr[1];
    if (call->len[0] != DIM || call->len[1] != DIM) return RJ_ERR_LENGTH;
    int64_t {totals};
    int64_t i = 0;
    while (i + RJ_VB_WIDTH <= DIM) {{
        rj_vb {lanes};
        for (int step = 0; step < RJ_VB_FLUSH && i + RJ_VB_WIDTH <= DIM; step++, i += RJ_VB_WIDTH) {{
            const rj_vb va = rj_vb_load(a + i), vb = rj_vb_load(b + i);
{step}
        }}
{flush}
    }}
    for (; i < DIM; i++) {{
{tail}
    }}
{result}
    return RJ_OK;"""

DOT = _DENSE_REDUCE.format(
    totals="total = 0", lanes="acc = {0}", step="            acc += rj_vb_mul(va, vb);",
    flush="        total += rj_vb_sum(acc);", tail="        total += a[i] * b[i];",
    result="    call->ret_int = total;")

HAMMING = _DENSE_REDUCE.format(
    totals="total = 0", lanes="acc = {0}", step="            acc += (rj_vb)(va != vb);  /* -1 where they differ */",
    flush="        total -= rj_vb_sum(acc);", tail="        total += a[i] != b[i];",
    result="    call->ret_int = total;")

COSINE = _DENSE_REDUCE.format(
    totals="dot = 0, na = 0, nb = 0", lanes="acc = {0}, acc_a = {0}, acc_b = {0}",
    step="            acc += rj_vb_mul(va, vb);\n            acc_a += rj_vb_mul(va, va);\n"
         "            acc_b += rj_vb_mul(vb, vb);",
    flush="        dot += rj_vb_sum(acc);\n        na += rj_vb_sum(acc_a);\n        nb += rj_vb_sum(acc_b);",
    tail="        dot += a[i] * b[i];\n        na += a[i] != 0;\n        nb += b[i] != 0;",
    result="    call->ret_float = (na == 0 || nb == 0) ? 0.0 : (double)dot / __builtin_sqrt((double)na * (double)nb);")

BIND = """
    const int8_t *a = (const int8_t *)call->ptr[0], *b = (const int8_t *)call->ptr[1];
    int8_t *out = (int8_t *)call->ptr[2];
    if (call->len[0] != DIM || call->len[1] != DIM || call->len[2] != DIM) return RJ_ERR_LENGTH;
    int64_t i = 0;
    for (; i + RJ_VB_WIDTH <= DIM; i += RJ_VB_WIDTH)
        rj_vb_store(out + i, rj_vb_mul(rj_vb_load(a + i), rj_vb_load(b + i)));
    for (; i < DIM; i++) out[i] = (int8_t)(a[i] * b[i]);
    return RJ_OK;"""

PERMUTE = """
    const int8_t *v = (const int8_t *)call->ptr[0];
    int8_t *out = (int8_t *)call->ptr[1];
    if (call->len[0] != DIM || call->len[1] != DIM) return RJ_ERR_LENGTH;
    /* out[(i + SHIFT) mod DIM] = v[i]: two block copies */
    memcpy(out + SHIFT, v, (size_t)(DIM - SHIFT));
    memcpy(out, v + DIM - SHIFT, (size_t)SHIFT);
    return RJ_OK;"""


def bundle_body(k):
    """Sign of the sum of k dense vectors (k <= 127, so an int8 lane holds the sum)."""
    loads = "\n".join(f"    const int8_t *v{j} = (const int8_t *)call->ptr[{j}];" for j in range(k))
    checks = " || ".join(f"call->len[{j}] != DIM" for j in range(k + 1))
    vec_sum = " + ".join(f"rj_vb_load(v{j} + i)" for j in range(k))
    scalar_sum = " + ".join(f"v{j}[i]" for j in range(k))
    return f"""
{loads}
    int8_t *out = (int8_t *)call->ptr[{k}];
    if ({checks}) return RJ_ERR_LENGTH;
    int64_t i = 0;
    for (; i + RJ_VB_WIDTH <= DIM; i += RJ_VB_WIDTH) {{
        const rj_vb s = {vec_sum};
        rj_vb_store(out + i, (rj_vb)(s < 0) - (rj_vb)(s > 0));  /* masks are -1: this is sign(s) */
    }}
    for (; i < DIM; i++) {{
        const int s = {scalar_sum};
        out[i] = (int8_t)((s > 0) - (s < 0));
    }}
    return RJ_OK;"""


BUNDLE_STACKED = """
    const int8_t *rows = (const int8_t *)call->ptr[0];
    int8_t *out = (int8_t *)call->ptr[1];
    const int64_t k = call->rows[0];
    if (call->len[0] != k * DIM || call->len[1] != DIM) return RJ_ERR_LENGTH;
    for (int64_t i = 0; i < DIM; i++) {
        int64_t s = 0;
        for (int64_t r = 0; r < k; r++) s += rows[r * DIM + i];
        out[i] = (int8_t)((s > 0) - (s < 0));
    }
    return RJ_OK;"""

# ---- packed: four word planes a+ a- b+ b- -------------------------------------------------------

_PACKED_REDUCE = """
    const uint64_t *ap = (const uint64_t *)call->ptr[0], *an = (const uint64_t *)call->ptr[1];
    const uint64_t *bp = (const uint64_t *)call->ptr[2], *bn = (const uint64_t *)call->ptr[3];
    for (int j = 0; j < 4; j++) if (call->len[j] != WORDS) return RJ_ERR_LENGTH;
    int64_t {totals};
    int64_t w = 0;
    while (w + RJ_PQ_LANES <= WORDS) {{
        rj_pc {lanes};
        for (int step = 0; step < RJ_PC_FLUSH && w + RJ_PQ_LANES <= WORDS; step++, w += RJ_PQ_LANES) {{
            const rj_pq p1 = rj_pq_load(ap + w), n1 = rj_pq_load(an + w);
            const rj_pq p2 = rj_pq_load(bp + w), n2 = rj_pq_load(bn + w);
{step}
        }}
{flush}
    }}
    for (; w < WORDS; w++) {{
        const uint64_t p1 = ap[w], n1 = an[w], p2 = bp[w], n2 = bn[w];
{tail}
    }}
{result}
    return RJ_OK;"""

_SAME_P, _DIFF_P = "(p1 & p2) | (n1 & n2)", "(p1 & n2) | (n1 & p2)"   # products +1 and -1

PACKED_DOT = _PACKED_REDUCE.format(
    totals="total = 0", lanes="same = {0}, diff = {0}",
    step=f"            same += rj_pc_count({_SAME_P});\n            diff += rj_pc_count({_DIFF_P});",
    flush="        total += rj_pc_total(same) - rj_pc_total(diff);",
    tail=f"        total += rj_popcount64({_SAME_P}) - rj_popcount64({_DIFF_P});",
    result="    call->ret_int = total;")

PACKED_HAMMING = _PACKED_REDUCE.format(
    totals="total = 0", lanes="differ = {0}", step="            differ += rj_pc_count((p1 ^ p2) | (n1 ^ n2));",
    flush="        total += rj_pc_total(differ);", tail="        total += rj_popcount64((p1 ^ p2) | (n1 ^ n2));",
    result="    call->ret_int = total;")

PACKED_COSINE = _PACKED_REDUCE.format(
    totals="dot = 0, na = 0, nb = 0", lanes="same = {0}, diff = {0}, nza = {0}, nzb = {0}",
    step=f"            same += rj_pc_count({_SAME_P});\n            diff += rj_pc_count({_DIFF_P});\n"
         "            nza += rj_pc_count(p1 | n1);\n            nzb += rj_pc_count(p2 | n2);",
    flush="        dot += rj_pc_total(same) - rj_pc_total(diff);\n        na += rj_pc_total(nza);\n"
          "        nb += rj_pc_total(nzb);",
    tail=f"        dot += rj_popcount64({_SAME_P}) - rj_popcount64({_DIFF_P});\n"
         "        na += rj_popcount64(p1 | n1);\n        nb += rj_popcount64(p2 | n2);",
    result="    call->ret_float = (na == 0 || nb == 0) ? 0.0 : (double)dot / __builtin_sqrt((double)na * (double)nb);")

PACKED_BIND = """
    const uint64_t *ap = (const uint64_t *)call->ptr[0], *an = (const uint64_t *)call->ptr[1];
    const uint64_t *bp = (const uint64_t *)call->ptr[2], *bn = (const uint64_t *)call->ptr[3];
    uint64_t *op = (uint64_t *)call->ptr[4], *on = (uint64_t *)call->ptr[5];
    for (int j = 0; j < 6; j++) if (call->len[j] != WORDS) return RJ_ERR_LENGTH;
    for (int64_t w = 0; w < WORDS; w++) {
        op[w] = (ap[w] & bp[w]) | (an[w] & bn[w]);   /* (+)(+) and (-)(-) give + */
        on[w] = (ap[w] & bn[w]) | (an[w] & bp[w]);   /* mixed signs give - */
    }
    return RJ_OK;"""

# ---- batched similarity: queries (nq rows) against memory (N rows), scores into float64 -------------

_SIMILARITY = """
    const uint64_t *qp = (const uint64_t *)call->ptr[0], *qn = (const uint64_t *)call->ptr[1];
    const uint64_t *mp = (const uint64_t *)call->ptr[2], *mn = (const uint64_t *)call->ptr[3];
    double *out = (double *)call->ptr[4];
    const int64_t nq = call->rows[0], nm = call->rows[2];
    if (call->len[0] != nq * WORDS || call->len[1] != nq * WORDS || call->len[2] != nm * WORDS
        || call->len[3] != nm * WORDS || call->len[4] != nq * nm) return RJ_ERR_LENGTH;
    for (int64_t q = 0; q < nq; q++) {{
        const uint64_t *ap = qp + q * WORDS, *an = qn + q * WORDS;
        int64_t na = 0;
        for (int64_t w = 0; w < WORDS; w++) na += rj_popcount64(ap[w] | an[w]);
        (void)na;
        for (int64_t r = 0; r < nm; r++) {{
            const uint64_t *bp = mp + r * WORDS, *bn = mn + r * WORDS;
            int64_t s0 = 0, s1 = 0, s2 = 0;
            int64_t w = 0;
            while (w + RJ_PQ_LANES <= WORDS) {{
                rj_pc c0 = {{0}}, c1 = {{0}}, c2 = {{0}};
                for (int step = 0; step < RJ_PC_FLUSH && w + RJ_PQ_LANES <= WORDS; step++, w += RJ_PQ_LANES) {{
                    const rj_pq p1 = rj_pq_load(ap + w), n1 = rj_pq_load(an + w);
                    const rj_pq p2 = rj_pq_load(bp + w), n2 = rj_pq_load(bn + w);
{inner}
                }}
                s0 += rj_pc_total(c0);
                s1 += rj_pc_total(c1);
                s2 += rj_pc_total(c2);
                (void)c1; (void)c2;
            }}
            for (; w < WORDS; w++) {{
                const uint64_t p1 = ap[w], n1 = an[w], p2 = bp[w], n2 = bn[w];
{tail}
            }}
            (void)s1; (void)s2;
            out[q * nm + r] = {score};
        }}
    }}
    return RJ_OK;"""


def _similarity(parts, score):
    """parts: (accumulator, word expression) pairs counted for each memory row."""
    inner = "\n".join(f"                    c{i} += rj_pc_count({e});" for i, e in parts)
    tail = "\n".join(f"                s{i} += rj_popcount64({e});" for i, e in parts)
    return _SIMILARITY.format(inner=inner, tail=tail, score=score)


SIMILARITY = MappingProxyType({
    "dot": _similarity([(0, _SAME_P), (1, _DIFF_P)], "(double)(s0 - s1)"),
    "hamming": _similarity([(0, "(p1 ^ p2) | (n1 ^ n2)")], "(double)s0"),
    "cosine": _similarity([(0, _SAME_P), (1, _DIFF_P), (2, "p2 | n2")],
                          "(na == 0 || s2 == 0) ? 0.0 : (double)(s0 - s1) / __builtin_sqrt((double)na * (double)s2)"),
})

# operation → (argspec, return kind, C body); bundles and permute are made per k / per shift below.
RULES = MappingProxyType({
    ("dot", "dense"): ("bb", "i", DOT),
    ("hamming", "dense"): ("bb", "i", HAMMING),
    ("cosine", "dense"): ("bb", "f", COSINE),
    ("bind", "dense"): ("bbB", "v", BIND),
    ("bundle_stacked", "dense"): ("bB", "v", BUNDLE_STACKED),
    ("dot", "packed"): ("uuuu", "i", PACKED_DOT),
    ("hamming", "packed"): ("uuuu", "i", PACKED_HAMMING),
    ("cosine", "packed"): ("uuuu", "f", PACKED_COSINE),
    ("bind", "packed"): ("uuuuUU", "v", PACKED_BIND),
    **{(f"similarity_{m}", "packed"): ("uuuuD", "v", body) for m, body in SIMILARITY.items()},
})


def rule(op, layout, k=None):
    """(argspec, ret, body) for an operation; `k` is the bundle size or the permute shift."""
    if op == "bundle":
        return "b" * k + "B", "v", bundle_body(k)
    if op == "permute":
        return "bB", "v", PERMUTE
    return RULES[(op, layout)]


def source(op, layout, dim, k=None):
    """The translation unit of one operation at one dimension."""
    constants = f"#define SHIFT ((int64_t){int(k)})" if op == "permute" else ""
    _, _, body = rule(op, layout, k)
    return string.Template(read_template("vsa.c")).substitute(dim=int(dim), constants=constants, body=body)
