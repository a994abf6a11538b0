/* vsa_packed.h - the operations on packed ternary hypervectors (two bit planes and a guard).
 *
 * Included once per kernel by templates/vsa.c, after the dimension's constants (DIM, WORDS,
 * PACKED_LEN, GROUPS, REST_WORDS) and the operation's parameters:
 *   TOTALS(X)    the terms a reduction totals (same, opposite, differ, nonzero_x, nonzero_y
 *                below): counts() gives the totals, which reduce(), norms() and the
 *                similarities make results with SCORE(t)
 *   K            the vectors a bundle takes, each its own buffer (K <= 31)
 *   SHIFT        the rotation of a permute, 0 <= SHIFT < DIM
 * Each entry takes the buffers in rj_call order and returns RJ_OK or RJ_ERR_LENGTH.
 */
#ifndef RJ_VSA_PACKED_H
#define RJ_VSA_PACKED_H

/* buffer k of the call is one packed vector of PACKED_LEN words whose guard says DIM */
#define VECTOR_OK(k) (call->len[k] == PACKED_LEN && ((const uint64_t *)call->ptr[k])[2 * WORDS] == (uint64_t)DIM)

/* RJ_PQ_WORDS words of each plane of two vectors: p1 n1 of x, p2 n2 of y. */
typedef struct { rj_pq p1, n1, p2, n2; } planes;

RJ_INLINE planes planes_at(const uint64_t *x, const uint64_t *y, int64_t w)
{
    return (planes){rj_pq_load(x + w), rj_pq_load(x + WORDS + w), rj_pq_load(y + w), rj_pq_load(y + WORDS + w)};
}

/* Whether every one of n rows has DIM in its guard word. */
static inline int rows_ok(const uint64_t *rows, int64_t n)
{
    for (int64_t r = 0; r < n; r++)
        if (rows[r * PACKED_LEN + 2 * WORDS] != (uint64_t)DIM) return 0;
    return 1;
}

/* The terms a reduction can total: the words whose set bits it counts. */
RJ_INLINE rj_pq same_words(planes g) { return (g.p1 & g.p2) | (g.n1 & g.n2); }       /* product +1 */
RJ_INLINE rj_pq opposite_words(planes g) { return (g.p1 & g.n2) | (g.n1 & g.p2); }   /* product -1 */
RJ_INLINE rj_pq differ_words(planes g) { return (g.p1 ^ g.p2) | (g.n1 ^ g.n2); }
RJ_INLINE rj_pq nonzero_x_words(planes g) { return g.p1 | g.n1; }
RJ_INLINE rj_pq nonzero_y_words(planes g) { return g.p2 | g.n2; }

/* ---- reductions over two vectors ------------------------------------------------------------ */

#ifdef TOTALS
#define INT64_FIELD(term) int64_t term;
#define PQ_FIELD(term) rj_pq term;
#define PC_FIELD(term) rj_pc term;
struct totals { TOTALS(INT64_FIELD) };
struct pq_totals { TOTALS(PQ_FIELD) };
struct pc_totals { TOTALS(PC_FIELD) };

/* Four groups through carry-save adders: the carries out of the twos have weight 4. */
#define ADD_QUAD(term)                                                            \
    {                                                                             \
        rj_pq ta, tb, f;                                                          \
        ones.term = rj_csa(&ta, ones.term, term##_words(g0), term##_words(g1));   \
        ones.term = rj_csa(&tb, ones.term, term##_words(g2), term##_words(g3));   \
        twos.term = rj_csa(&f, twos.term, ta, tb);                                \
        c.term = rj_pc_add(c.term, f);                                            \
    }
#define FLUSH_QUADS(term) t.term += 4 * rj_pc_total(c.term);
#define FLUSH_CSA(term) \
    t.term += 2 * rj_pc_total(rj_pc_add(rj_pc_zero(), twos.term)) + rj_pc_total(rj_pc_add(rj_pc_zero(), ones.term));
#define ADD_GROUP(term) c.term = rj_pc_add(c.term, term##_words(group));
#define FLUSH(term) t.term += rj_pc_total(c.term);

/* t plus the set bits of one group's words, counted on their own. */
RJ_INLINE struct totals add_group(struct totals t, planes group)
{
    struct pc_totals c = {0};
    TOTALS(ADD_GROUP)
    TOTALS(FLUSH)
    return t;
}

/* The totals over two vectors, RJ_PQ_WORDS words at a time. With RJ_PC_CSA, four groups of
 * words go through carry-save adders into one population count of weight 4 (Harley-Seal), the
 * running ones and twos counted at the end; the counts are widened every RJ_PC_FLUSH adds.
 * Groups left over are counted directly, and a last partial group too: loaded overlapping the
 * group before it with the words counted already masked off (or, in a plane shorter than one
 * group, read into zeros). */
RJ_INLINE struct totals counts(const uint64_t *x, const uint64_t *y)
{
    struct totals t = {0};
    int64_t g = 0;
#if RJ_PC_CSA
    struct pq_totals ones = {0}, twos = {0};
    while (g + 4 <= GROUPS) {
        struct pc_totals c = {0};
        const int64_t quads = (GROUPS - g) / 4 < RJ_PC_FLUSH ? (GROUPS - g) / 4 : RJ_PC_FLUSH;
        const int64_t stop = g + 4 * quads;
        for (; g < stop; g += 4) {
            const planes g0 = planes_at(x, y, g * RJ_PQ_WORDS), g1 = planes_at(x, y, (g + 1) * RJ_PQ_WORDS);
            const planes g2 = planes_at(x, y, (g + 2) * RJ_PQ_WORDS), g3 = planes_at(x, y, (g + 3) * RJ_PQ_WORDS);
            TOTALS(ADD_QUAD)
        }
        TOTALS(FLUSH_QUADS)
    }
    TOTALS(FLUSH_CSA)
#endif
    while (g < GROUPS) {
        struct pc_totals c = {0};
        const int64_t stop = GROUPS - g > RJ_PC_FLUSH ? g + RJ_PC_FLUSH : GROUPS;
        for (; g < stop; g++) {
            const planes group = planes_at(x, y, g * RJ_PQ_WORDS);
            TOTALS(ADD_GROUP)
        }
        TOTALS(FLUSH)
    }
    if (REST_WORDS && GROUPS > 0) {
        const rj_pq m = RJ_PQ_LAST_MASK(REST_WORDS);
        const planes last = planes_at(x, y, WORDS - RJ_PQ_WORDS);
        t = add_group(t, (planes){last.p1 & m, last.n1 & m, last.p2 & m, last.n2 & m});
    } else if (REST_WORDS) {
        t = add_group(t, (planes){rj_pq_load_part(x, REST_WORDS), rj_pq_load_part(x + WORDS, REST_WORDS),
                                  rj_pq_load_part(y, REST_WORDS), rj_pq_load_part(y + WORDS, REST_WORDS)});
    }
    return t;
}

/* Each row's SCORE against itself (for norms: its non-zero trits). */
static inline int norms(rj_call *call)
{
    const int64_t n = call->rows[0];
    if (call->len[0] != n * PACKED_LEN || call->len[1] != n) return RJ_ERR_LENGTH;
    const uint64_t *rows = (const uint64_t *)call->ptr[0];
    int64_t *out = (int64_t *)call->ptr[1];
    for (int64_t r = 0; r < n; r++) {
        const uint64_t *x = rows + r * PACKED_LEN;
        if (x[2 * WORDS] != (uint64_t)DIM) return RJ_ERR_LENGTH;
        const struct totals t = counts(x, x);
        out[r] = SCORE(t);
    }
    return RJ_OK;
}

/* out[q * nm + r] = SCORE of query q against memory row r, or, given the rows' non-zero counts
 * qnorm and mnorm, the cosine with SCORE as the dot product. */
RJ_INLINE void similarity_rows(const uint64_t *queries, int64_t nq, const uint64_t *memory, int64_t nm,
                                      const int64_t *qnorm, const int64_t *mnorm, double *out)
{
    /* memory rows outer: each row is read once and stays in L1 while the queries pass over it */
    for (int64_t r = 0; r < nm; r++) {
        const uint64_t *y = memory + r * PACKED_LEN;
        for (int64_t q = 0; q < nq; q++) {
            const struct totals t = counts(queries + q * PACKED_LEN, y);
            out[q * nm + r] = qnorm ? rj_cosine(SCORE(t), qnorm[q], mnorm[r]) : (double)(SCORE(t));
        }
    }
}

/* queries, memory, out */
static inline int similarity(rj_call *call)
{
    const int64_t nq = call->rows[0], nm = call->rows[1];
    if (call->len[0] != nq * PACKED_LEN || call->len[1] != nm * PACKED_LEN || call->len[2] != nq * nm)
        return RJ_ERR_LENGTH;
    const uint64_t *queries = (const uint64_t *)call->ptr[0], *memory = (const uint64_t *)call->ptr[1];
    if (!rows_ok(queries, nq) || !rows_ok(memory, nm)) return RJ_ERR_LENGTH;
    similarity_rows(queries, nq, memory, nm, 0, 0, (double *)call->ptr[2]);
    return RJ_OK;
}

/* queries, their norms, memory, its norms, out */
static inline int similarity_normed(rj_call *call)
{
    const int64_t nq = call->rows[0], nm = call->rows[2];
    if (call->len[0] != nq * PACKED_LEN || call->len[2] != nm * PACKED_LEN || call->len[4] != nq * nm
        || call->len[1] != nq || call->len[3] != nm)
        return RJ_ERR_LENGTH;
    const uint64_t *queries = (const uint64_t *)call->ptr[0], *memory = (const uint64_t *)call->ptr[2];
    if (!rows_ok(queries, nq) || !rows_ok(memory, nm)) return RJ_ERR_LENGTH;
    similarity_rows(queries, nq, memory, nm, (const int64_t *)call->ptr[1], (const int64_t *)call->ptr[3],
                    (double *)call->ptr[4]);
    return RJ_OK;
}
#endif

/* ---- bind, bundle, permute ------------------------------------------------------------------ */

static inline int packed_bind(rj_call *call)
{
    if (!VECTOR_OK(0) || !VECTOR_OK(1) || call->len[2] != PACKED_LEN) return RJ_ERR_LENGTH;
    const uint64_t *x = (const uint64_t *)call->ptr[0], *y = (const uint64_t *)call->ptr[1];
    uint64_t *out = (uint64_t *)call->ptr[2];
    for (int64_t g = 0; g < GROUPS; g++) {
        const int64_t w = g * RJ_PQ_WORDS;
        const planes group = planes_at(x, y, w);
        rj_pq_store(out + w, same_words(group));
        rj_pq_store(out + WORDS + w, opposite_words(group));
    }
    for (int64_t w = GROUPS * RJ_PQ_WORDS; w < WORDS; w++) {
        const uint64_t p1 = x[w], n1 = x[WORDS + w], p2 = y[w], n2 = y[WORDS + w];
        out[w] = (p1 & p2) | (n1 & n2);
        out[WORDS + w] = (p1 & n2) | (n1 & p2);
    }
    out[2 * WORDS] = (uint64_t)DIM;
    return RJ_OK;
}

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

#ifdef K
static inline int packed_bundle(rj_call *call)
{
    if (call->len[K] != PACKED_LEN) return RJ_ERR_LENGTH;
    const uint64_t *src[K];
#pragma GCC unroll 31
    for (int j = 0; j < K; j++) {
        if (!VECTOR_OK(j)) return RJ_ERR_LENGTH;
        src[j] = (const uint64_t *)call->ptr[j];
    }
    bundle_planes(src, 0, K, (uint64_t *)call->ptr[K]);
    return RJ_OK;
}
#endif

static inline int packed_bundle_stacked(rj_call *call)
{
    const int64_t k = call->rows[0];
    if (k < 1 || call->len[0] != k * PACKED_LEN || call->len[1] != PACKED_LEN) return RJ_ERR_LENGTH;
    const uint64_t *rows = (const uint64_t *)call->ptr[0];
    if (!rows_ok(rows, k)) return RJ_ERR_LENGTH;
    bundle_planes(0, rows, k, (uint64_t *)call->ptr[1]);
    return RJ_OK;
}

#ifdef SHIFT
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

static inline int packed_permute(rj_call *call)
{
    if (!VECTOR_OK(0) || call->len[1] != PACKED_LEN) return RJ_ERR_LENGTH;
    const uint64_t *in = (const uint64_t *)call->ptr[0];
    uint64_t *out = (uint64_t *)call->ptr[1];
    rotate_plane(in, out);
    rotate_plane(in + WORDS, out + WORDS);
    out[2 * WORDS] = (uint64_t)DIM;
    return RJ_OK;
}
#endif

#endif /* RJ_VSA_PACKED_H */
