"""C emission for the VSA operations: one table of rules, each poured into templates/vsa.c.

A rule is (argspec, return kind, helpers, body); the C it holds is written against csrc/vsa.h,
whose names are the same on every tier (the tier is a -D flag, never a branch here). Reductions
are described by their accumulators: a name, the vector term added per block of trits (or per
group of packed words) and the scalar term for the leftovers of a vector shorter than one SIMD
register; one generator turns those into the blocked, overflow-safe loop.
"""
import string
from types import MappingProxyType

from ..resources import read_template

# Dense reductions: UNROLL vectors per step, each adding at most 1 in magnitude per lane, so a
# block of FLUSH_STEPS steps stays within an int8 lane (4 * 31 = 124 <= 127) before widening.
UNROLL = 4
FLUSH_STEPS = 31

_DENSE_COUNTS = """
/* The reduction's totals over two dense vectors: blocks of {unroll} vectors, int8 lanes widened
 * every {flush} blocks; the last partial vector is loaded overlapping the one before and masked. */
static inline void counts(const int8_t *a, const int8_t *b, int64_t *t)
{{
{zero_totals}
    int64_t v = 0;
    while (v + {unroll} <= NV) {{
{zero_accs}
        const int64_t steps = (NV - v) / {unroll} < {flush} ? (NV - v) / {unroll} : {flush};
        const int64_t stop = v + {unroll} * steps;
        for (; v < stop; v += {unroll}) {{
            const int8_t *pa = a + v * RJ_VB_WIDTH, *pb = b + v * RJ_VB_WIDTH;
{loads}
{block}
        }}
{flush_accs}
    }}
    {{
{zero_accs}
        for (; v < NV; v++) {{
            const rj_vb a0 = rj_vb_load(a + v * RJ_VB_WIDTH), b0 = rj_vb_load(b + v * RJ_VB_WIDTH);
{single}
        }}
        if (REST && NV > 0) {{
            const rj_vb m = RJ_VB_LAST_MASK(REST);
            const rj_vb a0 = rj_vb_load(a + DIM - RJ_VB_WIDTH) & m, b0 = rj_vb_load(b + DIM - RJ_VB_WIDTH) & m;
{single}
        }}
{flush_accs}
    }}
    if (NV == 0)
        for (int64_t i = 0; i < DIM; i++) {{
{scalar}
        }}
}}
"""

_PACKED_COUNTS = """
/* The reduction's totals over two packed vectors, one per word expression of the planes p1 n1
 * (of x) and p2 n2 (of y), RJ_PQ_WORDS words at a time. With RJ_PC_CSA, four groups of words go
 * through carry-save adders into one population count of weight 4 (Harley-Seal), the running
 * ones and twos counted at the end; the counts are widened every RJ_PC_FLUSH adds. Groups left
 * over are counted directly, and a last partial group too: loaded overlapping the group before
 * it with the words counted already masked off (or, in a plane shorter than one group, read
 * into zeros). */
static inline void counts(const uint64_t *x, const uint64_t *y, int64_t *t)
{{
{zero_totals}
    int64_t g = 0;
#if RJ_PC_CSA
    {{
        rj_pq {csa_state};
        while (g + 4 <= GROUPS) {{
{zero_accs_12}
            const int64_t quads = (GROUPS - g) / 4 < RJ_PC_FLUSH ? (GROUPS - g) / 4 : RJ_PC_FLUSH;
            const int64_t stop = g + 4 * quads;
            for (; g < stop; g += 4) {{
{quad}
            }}
{flush4}
        }}
{finish_csa}
    }}
#endif
    while (g < GROUPS) {{
{zero_accs_8}
        const int64_t stop = GROUPS - g > RJ_PC_FLUSH ? g + RJ_PC_FLUSH : GROUPS;
        for (; g < stop; g++) {{
            const int64_t w = g * RJ_PQ_WORDS;
            const rj_pq p1 = rj_pq_load(x + w), n1 = rj_pq_load(x + WORDS + w);
            const rj_pq p2 = rj_pq_load(y + w), n2 = rj_pq_load(y + WORDS + w);
{group_12}
        }}
{flush_8}
    }}
    if (REST_WORDS && GROUPS > 0) {{
        const int64_t w = WORDS - RJ_PQ_WORDS;
        const rj_pq m = RJ_PQ_LAST_MASK(REST_WORDS);
        const rj_pq p1 = rj_pq_load(x + w) & m, n1 = rj_pq_load(x + WORDS + w) & m;
        const rj_pq p2 = rj_pq_load(y + w) & m, n2 = rj_pq_load(y + WORDS + w) & m;
{zero_accs_8}
{group_8}
{flush_8}
    }} else if (REST_WORDS) {{
        const rj_pq p1 = rj_pq_load_part(x, REST_WORDS), n1 = rj_pq_load_part(x + WORDS, REST_WORDS);
        const rj_pq p2 = rj_pq_load_part(y, REST_WORDS), n2 = rj_pq_load_part(y + WORDS, REST_WORDS);
{zero_accs_8}
{group_8}
{flush_8}
    }}
}}
"""


def _indent(lines, spaces):
    return "\n".join(" " * spaces + line for line in lines)


def _tree(terms):
    """(t0 + t1) + (t2 + t3): independent adds, not one chain."""
    while len(terms) > 1:
        terms = [f"({terms[i]} + {terms[i + 1]})" if i + 1 < len(terms) else terms[i] for i in range(0, len(terms), 2)]
    return terms[0]


def dense_counts(accs):
    """accs: (vector term of a{j}/b{j}, scalar term of a[i]/b[i]) per total t[k]. With more than
    one total each loaded vector feeds several terms: it is loaded once (rj_vb_load_keep)."""
    n = len(accs)
    load = "rj_vb_load_keep" if n > 1 else "rj_vb_load"
    return _DENSE_COUNTS.format(
        unroll=UNROLL, flush=FLUSH_STEPS,
        zero_totals=f"    for (int k = 0; k < {n}; k++) t[k] = 0;",
        zero_accs="        rj_vb " + ", ".join(f"acc{k} = {{0}}" for k in range(n)) + ";",
        loads="\n".join(f"            const rj_vb a{j} = {load}(pa + {j} * RJ_VB_WIDTH), "
                        f"b{j} = {load}(pb + {j} * RJ_VB_WIDTH);" for j in range(UNROLL)),
        block="\n".join(f"            acc{k} += {_tree([vec.format(j=j) for j in range(UNROLL)])};"
                        for k, (vec, _) in enumerate(accs)),
        single="\n".join(f"            acc{k} += {vec.format(j=0)};" for k, (vec, _) in enumerate(accs)),
        flush_accs="\n".join(f"        t[{k}] += rj_vb_sum(acc{k});" for k in range(n)),
        scalar="\n".join(f"            t[{k}] += {sc};" for k, (_, sc) in enumerate(accs)))


def packed_counts(words):
    """words: the word expression (of p1 n1 p2 n2) whose set bits each total t[k] counts."""
    import re
    n = len(words)
    at = lambda e, j: re.sub(r"\b([pn][12])\b", rf"\1_{j}", e)   # noqa: E731 - the planes of group g + j
    loads = "\n".join(
        f"                const rj_pq p1_{j} = rj_pq_load(x + (g + {j}) * RJ_PQ_WORDS), "
        f"n1_{j} = rj_pq_load(x + WORDS + (g + {j}) * RJ_PQ_WORDS);\n"
        f"                const rj_pq p2_{j} = rj_pq_load(y + (g + {j}) * RJ_PQ_WORDS), "
        f"n2_{j} = rj_pq_load(y + WORDS + (g + {j}) * RJ_PQ_WORDS);" for j in range(4))
    adders = "\n".join(
        f"                {{ rj_pq ta, tb, f;\n"
        f"                  ones{k} = rj_csa(&ta, ones{k}, {at(e, 0)}, {at(e, 1)});\n"
        f"                  ones{k} = rj_csa(&tb, ones{k}, {at(e, 2)}, {at(e, 3)});\n"
        f"                  twos{k} = rj_csa(&f, twos{k}, ta, tb);\n"
        f"                  c{k} = rj_pc_add(c{k}, f); }}" for k, e in enumerate(words))
    finish = "\n".join(
        f"        t[{k}] += 2 * rj_pc_total(rj_pc_add(rj_pc_zero(), twos{k})) "
        f"+ rj_pc_total(rj_pc_add(rj_pc_zero(), ones{k}));" for k in range(n))
    zero_accs = ["rj_pc " + ", ".join(f"c{k} = rj_pc_zero()" for k in range(n)) + ";"]
    group = [f"c{k} = rj_pc_add(c{k}, {e});" for k, e in enumerate(words)]
    flush = [f"t[{k}] += rj_pc_total(c{k});" for k in range(n)]
    return _PACKED_COUNTS.format(
        zero_totals=f"    for (int k = 0; k < {n}; k++) t[k] = 0;",
        csa_state=", ".join(f"ones{k} = {{0}}, twos{k} = {{0}}" for k in range(n)),
        zero_accs_12=_indent(zero_accs, 12), zero_accs_8=_indent(zero_accs, 8),
        quad=loads + "\n" + adders,
        flush4="\n".join(f"            t[{k}] += 4 * rj_pc_total(c{k});" for k in range(n)),
        finish_csa=finish,
        group_12=_indent(group, 12), group_8=_indent(group, 8), flush_8=_indent(flush, 8))


_COSINE = "({na} == 0 || {nb} == 0) ? 0.0 : (double)({dot}) / __builtin_sqrt((double)({na}) * (double)({nb}))"

# ---- dense ------------------------------------------------------------------------------------------

_DENSE_REDUCE = """
    if (!DENSE_OK(0) || !DENSE_OK(1)) return RJ_ERR_LENGTH;
    int64_t t[{n}];
    counts((const int8_t *)call->ptr[0], (const int8_t *)call->ptr[1], t);
    {result};
    return RJ_OK;"""

_MUL = "rj_vb_mul(a{j}, b{j})"
DENSE_DOT = ([(_MUL, "a[i] * b[i]")], "call->ret_int = t[0]")
# (a != b) is -1 per lane where they differ: the total is minus the distance
DENSE_HAMMING = ([("(rj_vb)(a{j} != b{j})", "-(a[i] != b[i])")], "call->ret_int = -t[0]")
DENSE_COSINE = ([(_MUL, "a[i] * b[i]"), ("rj_vb_nonzero(a{j})", "a[i] != 0"), ("rj_vb_nonzero(b{j})", "b[i] != 0")],
                "call->ret_float = " + _COSINE.format(dot="t[0]", na="t[1]", nb="t[2]"))


def _dense_reduction(spec):
    accs, result = spec
    return dense_counts(accs), _DENSE_REDUCE.format(n=len(accs), result=result)


def _dense_map(nin, vector, scalar):
    """out = f(inputs) position by position: whole vectors, then the last vector again,
    overlapping (writing the same values twice is harmless), or a scalar loop when DIM is
    shorter than one vector. `vector` assigns rj_vb r from x0..; `scalar` int8 r from s0.."""
    checks = " || ".join(f"!DENSE_OK({j})" for j in range(nin + 1))
    ins = ", ".join(f"*in{j} = (const int8_t *)call->ptr[{j}]" for j in range(nin))
    loads = " ".join(f"const rj_vb x{j} = rj_vb_load(in{j} + i);" for j in range(nin))
    sloads = " ".join(f"const int s{j} = in{j}[i];" for j in range(nin))
    return f"""
    if ({checks}) return RJ_ERR_LENGTH;
    const int8_t {ins};
    int8_t *out = (int8_t *)call->ptr[{nin}];
    for (int64_t i = 0; i + RJ_VB_WIDTH <= DIM; i += RJ_VB_WIDTH) {{
        {loads}
        {vector}
        rj_vb_store(out + i, r);
    }}
    if (REST && NV > 0) {{
        const int64_t i = DIM - RJ_VB_WIDTH;
        {loads}
        {vector}
        rj_vb_store(out + i, r);
    }}
    if (NV == 0)
        for (int64_t i = 0; i < DIM; i++) {{
            {sloads}
            {scalar}
            out[i] = r;
        }}
    return RJ_OK;"""


DENSE_BIND = _dense_map(2, "const rj_vb r = rj_vb_mul(x0, x1);", "const int8_t r = (int8_t)(s0 * s1);")


def dense_bundle(k):
    """Sign of the sum of k <= 31 dense vectors (the sum fits an int8 lane); masks are -1."""
    total = _tree([f"x{j}" for j in range(k)])
    stotal = " + ".join(f"s{j}" for j in range(k))
    return _dense_map(k, f"const rj_vb s = {total}; const rj_vb r = (rj_vb)(s < 0) - (rj_vb)(s > 0);",
                      f"const int8_t r = rj_sign({stotal});")


MAX_INLINE_BUNDLE = 31   # rj_call holds 32 buffers: up to 31 inputs and the output

DENSE_BUNDLE_STACKED_HELPERS = """
#define BLK 8   /* vectors of columns summed together */
/* out[c .. c + nvec vectors) = sign of the column sums of the k rows: int8 lanes over up to
 * RJ_VB_FLUSH rows at a time, widened into int32 between. */
static inline __attribute__((always_inline)) void bundle_columns(const int8_t *rows, int64_t k, int64_t c,
                                                                 int nvec, int8_t *out)
{
    int32_t wide[BLK * RJ_VB_WIDTH];
    memset(wide, 0, sizeof wide);
    for (int64_t r = 0; r < k;) {
        rj_vb acc[BLK];
        for (int j = 0; j < nvec; j++) acc[j] = (rj_vb){0};
        const int64_t stop = k - r > RJ_VB_FLUSH ? r + RJ_VB_FLUSH : k;
        for (; r < stop; r++)
            for (int j = 0; j < nvec; j++) acc[j] += rj_vb_load(rows + r * DIM + c + j * RJ_VB_WIDTH);
        for (int j = 0; j < nvec; j++)
            for (int l = 0; l < RJ_VB_WIDTH; l++) wide[j * RJ_VB_WIDTH + l] += acc[j][l];
    }
    for (int l = 0; l < nvec * RJ_VB_WIDTH; l++) out[c + l] = rj_sign(wide[l]);
}
"""

DENSE_BUNDLE_STACKED = """
    const int64_t k = call->rows[0];
    if (k < 1 || call->len[0] != k * DIM || !DENSE_OK(1)) return RJ_ERR_LENGTH;
    const int8_t *rows = (const int8_t *)call->ptr[0];
    int8_t *out = (int8_t *)call->ptr[1];
    int64_t c = 0;
    for (; c + BLK * RJ_VB_WIDTH <= DIM; c += BLK * RJ_VB_WIDTH) bundle_columns(rows, k, c, BLK, out);
    for (; c + RJ_VB_WIDTH <= DIM; c += RJ_VB_WIDTH) bundle_columns(rows, k, c, 1, out);
    if (REST && NV > 0) bundle_columns(rows, k, DIM - RJ_VB_WIDTH, 1, out);
    if (NV == 0)
        for (int64_t i = 0; i < DIM; i++) {
            int64_t s = 0;
            for (int64_t r = 0; r < k; r++) s += rows[r * DIM + i];
            out[i] = rj_sign(s);
        }
    return RJ_OK;"""

DENSE_PERMUTE = """
    if (!DENSE_OK(0) || !DENSE_OK(1)) return RJ_ERR_LENGTH;
    const int8_t *v = (const int8_t *)call->ptr[0];
    int8_t *out = (int8_t *)call->ptr[1];
    /* out[(i + SHIFT) mod DIM] = v[i], 0 <= SHIFT < DIM: two block copies */
    memcpy(out + SHIFT, v, (size_t)(DIM - SHIFT));
    memcpy(out, v + DIM - SHIFT, (size_t)SHIFT);
    return RJ_OK;"""

# ---- packed -----------------------------------------------------------------------------------------

_SAME, _DIFF = "(p1 & p2) | (n1 & n2)", "(p1 & n2) | (n1 & p2)"   # where the product is +1, -1

_PACKED_REDUCE = """
    if (!PACKED_OK(0) || !PACKED_OK(1)) return RJ_ERR_LENGTH;
    int64_t t[{n}];
    counts((const uint64_t *)call->ptr[0], (const uint64_t *)call->ptr[1], t);
    {result};
    return RJ_OK;"""

PACKED_DOT = ([_SAME, _DIFF], "call->ret_int = t[0] - t[1]")
PACKED_HAMMING = (["(p1 ^ p2) | (n1 ^ n2)"], "call->ret_int = t[0]")
PACKED_COSINE = ([_SAME, _DIFF, "p1 | n1", "p2 | n2"],
                 "call->ret_float = " + _COSINE.format(dot="t[0] - t[1]", na="t[2]", nb="t[3]"))


def _packed_reduction(spec):
    words, result = spec
    return packed_counts(words), _PACKED_REDUCE.format(n=len(words), result=result)


PACKED_BIND = """
    if (!PACKED_OK(0) || !PACKED_OK(1) || call->len[2] != PACKED_LEN) return RJ_ERR_LENGTH;
    const uint64_t *x = (const uint64_t *)call->ptr[0], *y = (const uint64_t *)call->ptr[1];
    uint64_t *out = (uint64_t *)call->ptr[2];
    for (int64_t g = 0; g < GROUPS; g++) {
        const int64_t w = g * RJ_PQ_WORDS;
        const rj_pq p1 = rj_pq_load(x + w), n1 = rj_pq_load(x + WORDS + w);
        const rj_pq p2 = rj_pq_load(y + w), n2 = rj_pq_load(y + WORDS + w);
        rj_pq_store(out + w, (p1 & p2) | (n1 & n2));           /* (+)(+) and (-)(-) give + */
        rj_pq_store(out + WORDS + w, (p1 & n2) | (n1 & p2));   /* mixed signs give - */
    }
    for (int64_t w = GROUPS * RJ_PQ_WORDS; w < WORDS; w++) {
        const uint64_t p1 = x[w], n1 = x[WORDS + w], p2 = y[w], n2 = y[WORDS + w];
        out[w] = (p1 & p2) | (n1 & n2);
        out[WORDS + w] = (p1 & n2) | (n1 & p2);
    }
    out[2 * WORDS] = (uint64_t)DIM;
    return RJ_OK;"""

PACKED_BUNDLE_HELPERS = """
/* The sign of the sum of k packed vectors (row r at src[r], or base + r * PACKED_LEN when src
 * is NULL), word by word: bit-sliced counters of the +1s and of the -1s at each position, added
 * with ripple carries and compared bit-serially from the top bit. */
static void bundle_planes(const uint64_t *const *src, const uint64_t *base, int64_t k, uint64_t *out)
{
    int bits = 1;
    while (bits < 63 && ((int64_t)1 << bits) <= k) bits++;
    for (int64_t w = 0; w < WORDS; w += RJ_PQ_WORDS) {
        const int64_t n = WORDS - w < RJ_PQ_WORDS ? WORDS - w : RJ_PQ_WORDS;
        rj_pq P[63], N[63];
        for (int b = 0; b < bits; b++) P[b] = N[b] = (rj_pq){0};
        for (int64_t r = 0; r < k; r++) {
            const uint64_t *row = src ? src[r] : base + r * PACKED_LEN;
            rj_pq cp = n == RJ_PQ_WORDS ? rj_pq_load(row + w) : rj_pq_load_part(row + w, n);
            rj_pq cn = n == RJ_PQ_WORDS ? rj_pq_load(row + WORDS + w) : rj_pq_load_part(row + WORDS + w, n);
            for (int b = 0; b < bits; b++) {
                const rj_pq tp = P[b] & cp, tn = N[b] & cn;
                P[b] ^= cp;
                N[b] ^= cn;
                cp = tp;
                cn = tn;
            }
        }
        rj_pq gt = (rj_pq){0}, lt = (rj_pq){0}, eq = ~(rj_pq){0};
        for (int b = bits - 1; b >= 0; b--) {
            gt |= eq & P[b] & ~N[b];
            lt |= eq & N[b] & ~P[b];
            eq &= ~(P[b] ^ N[b]);
        }
        if (n == RJ_PQ_WORDS) {
            rj_pq_store(out + w, gt);
            rj_pq_store(out + WORDS + w, lt);
        } else {
            rj_pq_store_part(out + w, gt, n);
            rj_pq_store_part(out + WORDS + w, lt, n);
        }
    }
    out[2 * WORDS] = (uint64_t)DIM;
}
"""


def packed_bundle(k):
    checks = " || ".join(f"!PACKED_OK({j})" for j in range(k))
    srcs = ", ".join(f"(const uint64_t *)call->ptr[{j}]" for j in range(k))
    return f"""
    if ({checks} || call->len[{k}] != PACKED_LEN) return RJ_ERR_LENGTH;
    const uint64_t *const src[{k}] = {{{srcs}}};
    bundle_planes(src, 0, {k}, (uint64_t *)call->ptr[{k}]);
    return RJ_OK;"""


PACKED_BUNDLE_STACKED = """
    const int64_t k = call->rows[0];
    if (k < 1 || call->len[0] != k * PACKED_LEN || call->len[1] != PACKED_LEN) return RJ_ERR_LENGTH;
    const uint64_t *rows = (const uint64_t *)call->ptr[0];
    for (int64_t r = 0; r < k; r++)
        if (rows[r * PACKED_LEN + 2 * WORDS] != (uint64_t)DIM) return RJ_ERR_LENGTH;
    bundle_planes(0, rows, k, (uint64_t *)call->ptr[1]);
    return RJ_OK;"""

PACKED_PERMUTE_HELPERS = """
/* Bit j of a plane (j < DIM), or 0 past the plane's last word. */
static inline uint64_t plane_word(const uint64_t *plane, int64_t w) { return w < WORDS ? plane[w] : 0; }

/* The 64 bits from bit `s` (< DIM) on, without wrapping: bits past DIM are zero in the plane. */
static inline uint64_t bits_from(const uint64_t *plane, int64_t s)
{
    const int64_t w = s >> 6, o = s & 63;
    return o ? (plane[w] >> o) | (plane_word(plane, w + 1) << (64 - o)) : plane[w];
}

/* out bit j = in bit (j - SHIFT) mod DIM, for one plane. */
static void rotate_plane(const uint64_t *in, uint64_t *out)
{
    int64_t s = (DIM - SHIFT) % DIM;   /* the source of out bit 0 */
    for (int64_t w = 0; w < WORDS; w++) {
        uint64_t word = bits_from(in, s);
        const int64_t before_wrap = DIM - s;   /* source bits left before position DIM */
        if (before_wrap < 64) {
            word &= ((uint64_t)1 << before_wrap) - 1;
            word |= bits_from(in, 0) << before_wrap;
        }
        if (DIM % 64 != 0 && w == WORDS - 1) word &= ((uint64_t)1 << (DIM % 64)) - 1;
        out[w] = word;
        s += 64;
        if (s >= DIM) s -= DIM;
        if (s >= DIM) s %= DIM;   /* DIM < 64: more than one wrap per word */
    }
}
"""

PACKED_PERMUTE = """
    if (!PACKED_OK(0) || call->len[1] != PACKED_LEN) return RJ_ERR_LENGTH;
    const uint64_t *in = (const uint64_t *)call->ptr[0];
    uint64_t *out = (uint64_t *)call->ptr[1];
    rotate_plane(in, out);
    rotate_plane(in + WORDS, out + WORDS);
    out[2 * WORDS] = (uint64_t)DIM;
    return RJ_OK;"""

# ---- conversions, norms and batched similarity ---------------------------------------------------

PACK = """
    if (!DENSE_OK(0) || call->len[1] != PACKED_LEN) return RJ_ERR_LENGTH;
    const int8_t *v = (const int8_t *)call->ptr[0];
    uint64_t *out = (uint64_t *)call->ptr[1];
    int64_t w = 0;
    for (; w < DIM / 64; w++) {   /* whole words: compare, and collect the lane masks as bits */
        uint64_t p = 0, n = 0;
        for (int j = 0; j < 64 / RJ_VB_WIDTH; j++) {
            const rj_vb x = rj_vb_load(v + 64 * w + j * RJ_VB_WIDTH);
            p |= rj_vb_bits((rj_vb)(x == 1)) << (j * RJ_VB_WIDTH);
            n |= rj_vb_bits((rj_vb)(x == -1)) << (j * RJ_VB_WIDTH);
        }
        out[w] = p;
        out[WORDS + w] = n;
    }
    if (w < WORDS) {   /* the last, partial word */
        uint64_t p = 0, n = 0;
        for (int64_t i = 0; i < DIM - 64 * w; i++) {
            p |= (uint64_t)(v[64 * w + i] == 1) << i;
            n |= (uint64_t)(v[64 * w + i] == -1) << i;
        }
        out[w] = p;
        out[WORDS + w] = n;
    }
    out[2 * WORDS] = (uint64_t)DIM;
    return RJ_OK;"""

NORMS = """
    const int64_t n = call->rows[0];
    if (call->len[0] != n * PACKED_LEN || call->len[1] != n) return RJ_ERR_LENGTH;
    const uint64_t *rows = (const uint64_t *)call->ptr[0];
    int64_t *out = (int64_t *)call->ptr[1];
    for (int64_t r = 0; r < n; r++) {
        const uint64_t *x = rows + r * PACKED_LEN;
        if (x[2 * WORDS] != (uint64_t)DIM) return RJ_ERR_LENGTH;
        int64_t t[1];
        counts(x, x, t);
        out[r] = t[0];
    }
    return RJ_OK;"""

_SIMILARITY = """
    const int64_t nq = call->rows[0], nm = call->rows[{m}];
    if (call->len[0] != nq * PACKED_LEN || call->len[{m}] != nm * PACKED_LEN || call->len[{o}] != nq * nm{more})
        return RJ_ERR_LENGTH;
    const uint64_t *queries = (const uint64_t *)call->ptr[0], *memory = (const uint64_t *)call->ptr[{m}];
    double *out = (double *)call->ptr[{o}];
{norms}
    for (int64_t q = 0; q < nq; q++)
        if (queries[q * PACKED_LEN + 2 * WORDS] != (uint64_t)DIM) return RJ_ERR_LENGTH;
    for (int64_t r = 0; r < nm; r++)
        if (memory[r * PACKED_LEN + 2 * WORDS] != (uint64_t)DIM) return RJ_ERR_LENGTH;
    /* memory rows outer: each row is read once and stays in L1 while the queries pass over it */
    for (int64_t r = 0; r < nm; r++) {{
        const uint64_t *y = memory + r * PACKED_LEN;
        for (int64_t q = 0; q < nq; q++) {{
            int64_t t[{n}];
            counts(queries + q * PACKED_LEN, y, t);
            out[q * nm + r] = {score};
        }}
    }}
    return RJ_OK;"""


def _similarity(words, score, norms):
    if norms:
        extra = dict(m=2, o=4, more=" || call->len[1] != nq || call->len[3] != nm",
                     norms="    const int64_t *qnorm = (const int64_t *)call->ptr[1], "
                           "*mnorm = (const int64_t *)call->ptr[3];")
    else:
        extra = dict(m=1, o=2, more="", norms="")
    return packed_counts(words), _SIMILARITY.format(n=len(words), score=score, **extra)


SIMILARITY = MappingProxyType({
    "dot": ("uuD", _similarity([_SAME, _DIFF], "(double)(t[0] - t[1])", False)),
    "hamming": ("uuD", _similarity(["(p1 ^ p2) | (n1 ^ n2)"], "(double)t[0]", False)),
    "cosine": ("uquqD", _similarity([_SAME, _DIFF], _COSINE.format(dot="t[0] - t[1]", na="qnorm[q]", nb="mnorm[r]"),
                                    True)),
})

# ---- the table ---------------------------------------------------------------------------------------

# (operation, layout) → (argspec, return kind, helpers, body); bundles are made per count below,
# permute gets SHIFT from source().
RULES = MappingProxyType({
    ("dot", "dense"): ("bb", "i", *_dense_reduction(DENSE_DOT)),
    ("hamming", "dense"): ("bb", "i", *_dense_reduction(DENSE_HAMMING)),
    ("cosine", "dense"): ("bb", "f", *_dense_reduction(DENSE_COSINE)),
    ("bind", "dense"): ("bbB", "v", "", DENSE_BIND),
    ("permute", "dense"): ("bB", "v", "", DENSE_PERMUTE),
    ("bundle_stacked", "dense"): ("bB", "v", DENSE_BUNDLE_STACKED_HELPERS, DENSE_BUNDLE_STACKED),
    ("dot", "packed"): ("uu", "i", *_packed_reduction(PACKED_DOT)),
    ("hamming", "packed"): ("uu", "i", *_packed_reduction(PACKED_HAMMING)),
    ("cosine", "packed"): ("uu", "f", *_packed_reduction(PACKED_COSINE)),
    ("bind", "packed"): ("uuU", "v", "", PACKED_BIND),
    ("permute", "packed"): ("uU", "v", PACKED_PERMUTE_HELPERS, PACKED_PERMUTE),
    ("bundle_stacked", "packed"): ("uU", "v", PACKED_BUNDLE_HELPERS, PACKED_BUNDLE_STACKED),
    ("pack", "dense"): ("bU", "v", "", PACK),
    ("norms", "packed"): ("uQ", "v", packed_counts(["p1 | n1"]), NORMS),
    **{(f"similarity_{metric}", "packed"): (argspec, "v", *parts) for metric, (argspec, parts) in SIMILARITY.items()},
})


def rule(op, layout, k=None):
    """(argspec, ret, helpers, body) of an operation; `k` is the bundle's vector count (inline
    buffers, k <= MAX_INLINE_BUNDLE) or the permute shift."""
    if op == "bundle":
        if layout == "dense":
            return "b" * k + "B", "v", "", dense_bundle(k)
        return "u" * k + "U", "v", PACKED_BUNDLE_HELPERS, packed_bundle(k)
    return RULES[(op, layout)]


def source(op, layout, dim, k=None):
    """The translation unit of one operation at one dimension (and count or shift)."""
    constants = f"#define SHIFT ((int64_t){int(k)})" if op == "permute" else ""
    _, _, helpers, body = rule(op, layout, k)
    return string.Template(read_template("vsa.c")).substitute(dim=int(dim), constants=constants,
                                                              helpers=helpers, body=body.strip("\n"))
