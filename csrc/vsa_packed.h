/* vsa_packed.h - the operations on packed ternary hypervectors (two bit planes and a guard).
 *
 * Included once per kernel (templates/vsa.c), after the including file has defined:
 *   RJ_DIM        the trits per vector, an int64_t constant (required)
 *   RJ_TOTALS(X)  for a reduction: X(term) for each term it totals (same, opposite, differ,
 *                 nonzero_x, nonzero_y below)
 *   RJ_SCORE(t)   with RJ_TOTALS: the result made of the totals t.<term>, for rj_norms and the
 *                 similarities
 *   RJ_K          for rj_packed_bundle: the vectors it takes, each its own buffer (RJ_K <= 31)
 *   RJ_SHIFT      for rj_packed_permute: the rotation, 0 <= RJ_SHIFT < RJ_DIM
 *   RJ_KEY(s)     with RJ_TOTALS, for rj_top_k and rj_top_k_normed: the key of a score s whose
 *                 smallest values are the best ((s) for hamming, (-(s)) for the others)
 * and defines for it:
 *   int rj_packed_bind(rj_call *), rj_packed_bundle (with RJ_K), rj_packed_bundle_stacked,
 *       rj_packed_permute (with RJ_SHIFT), and with RJ_TOTALS rj_norms, rj_similarity and
 *       rj_similarity_normed, with RJ_KEY too rj_top_k and rj_top_k_normed: the entries, each taking the buffers in rj_call order and returning
 *       RJ_OK or RJ_ERR_LENGTH
 *   RJ_VECTOR_OK(k): whether buffer k of `call` is one packed vector whose guard says RJ_DIM
 *   struct rj_totals (an int64_t per term) and rj_counts(x, y), with RJ_TOTALS: the totals over
 *       two vectors, of which the including file makes a reduction's result
 * Every other name it defines starts with rj_ / RJ_ too.
 */
#ifndef RJ_VSA_PACKED_H
#define RJ_VSA_PACKED_H

#include <stdint.h>

#include "rj_abi.h"
#include "vsa.h"

#ifndef RJ_DIM
#  error "vsa_packed.h needs RJ_DIM, the trits per vector"
#endif

#define RJ_WORDS RJ_WORDS_OF(RJ_DIM)             /* words per plane */
#define RJ_PACKED_LEN RJ_PACKED_LEN_OF(RJ_DIM)   /* words per vector: two planes and the guard */
#define RJ_GROUPS (RJ_WORDS / RJ_PQ_WORDS)        /* whole word groups in a plane */
#define RJ_REST_WORDS (RJ_WORDS % RJ_PQ_WORDS)

/* buffer k of the call is one packed vector of RJ_PACKED_LEN words whose guard says RJ_DIM */
#define RJ_VECTOR_OK(k) \
    (call->len[k] == RJ_PACKED_LEN && ((const uint64_t *)call->ptr[k])[2 * RJ_WORDS] == (uint64_t)RJ_DIM)

/* RJ_PQ_WORDS words of each plane of two vectors: p1 n1 of x, p2 n2 of y. */
typedef struct { rj_pq p1, n1, p2, n2; } rj_planes;

RJ_INLINE rj_planes rj_planes_at(const uint64_t *x, const uint64_t *y, int64_t w)
{
    return (rj_planes){rj_pq_load(x + w), rj_pq_load(x + RJ_WORDS + w), rj_pq_load(y + w),
                       rj_pq_load(y + RJ_WORDS + w)};
}

/* Whether every one of n rows has RJ_DIM in its guard word. */
static inline int rj_rows_ok(const uint64_t *rows, int64_t n)
{
    for (int64_t r = 0; r < n; r++)
        if (rows[r * RJ_PACKED_LEN + 2 * RJ_WORDS] != (uint64_t)RJ_DIM) return 0;
    return 1;
}

/* The terms a reduction can total: the words whose set bits it counts. */
RJ_INLINE rj_pq rj_same_words(rj_planes g) { return (g.p1 & g.p2) | (g.n1 & g.n2); }       /* product +1 */
RJ_INLINE rj_pq rj_opposite_words(rj_planes g) { return (g.p1 & g.n2) | (g.n1 & g.p2); }   /* product -1 */
RJ_INLINE rj_pq rj_differ_words(rj_planes g) { return (g.p1 ^ g.p2) | (g.n1 ^ g.n2); }
RJ_INLINE rj_pq rj_nonzero_x_words(rj_planes g) { return g.p1 | g.n1; }
RJ_INLINE rj_pq rj_nonzero_y_words(rj_planes g) { return g.p2 | g.n2; }

/* ---- reductions over two vectors ------------------------------------------------------------ */

#ifdef RJ_TOTALS
#define RJ_INT64_FIELD(term) int64_t term;
#define RJ_PQ_FIELD(term) rj_pq term;
#define RJ_PC_FIELD(term) rj_pc term;
struct rj_totals { RJ_TOTALS(RJ_INT64_FIELD) };
struct rj_pq_totals { RJ_TOTALS(RJ_PQ_FIELD) };
struct rj_pc_totals { RJ_TOTALS(RJ_PC_FIELD) };

/* Four groups through carry-save adders: the carries out of the twos have weight 4. */
#define RJ_ADD_QUAD(term)                                                                   \
    {                                                                                       \
        rj_pq ta, tb, f;                                                                    \
        ones.term = rj_csa(&ta, ones.term, rj_##term##_words(g0), rj_##term##_words(g1));   \
        ones.term = rj_csa(&tb, ones.term, rj_##term##_words(g2), rj_##term##_words(g3));   \
        twos.term = rj_csa(&f, twos.term, ta, tb);                                          \
        c.term = rj_pc_add(c.term, f);                                                      \
    }
#define RJ_FLUSH_QUADS(term) t.term += 4 * rj_pc_total(c.term);
#define RJ_FLUSH_CSA(term)                                           \
    t.term += 2 * rj_pc_total(rj_pc_add(rj_pc_zero(), twos.term)) \
              + rj_pc_total(rj_pc_add(rj_pc_zero(), ones.term));
#define RJ_ADD_GROUP(term) c.term = rj_pc_add(c.term, rj_##term##_words(group));
#define RJ_FLUSH(term) t.term += rj_pc_total(c.term);

/* t plus the set bits of one group's words, counted on their own. */
RJ_INLINE struct rj_totals rj_add_group(struct rj_totals t, rj_planes group)
{
    struct rj_pc_totals c = {0};
    RJ_TOTALS(RJ_ADD_GROUP)
    RJ_TOTALS(RJ_FLUSH)
    return t;
}

/* The totals over two vectors, RJ_PQ_WORDS words at a time. With RJ_PC_CSA, four groups of
 * words go through carry-save adders into one population count of weight 4 (Harley-Seal), the
 * running ones and twos counted at the end; the counts are widened every RJ_PC_FLUSH adds.
 * Groups left over are counted directly, and a last partial group too: loaded overlapping the
 * group before it with the words counted already masked off (or, in a plane shorter than one
 * group, read into zeros). */
RJ_INLINE struct rj_totals rj_counts(const uint64_t *x, const uint64_t *y)
{
    struct rj_totals t = {0};
    int64_t g = 0;
#if RJ_PC_CSA
    struct rj_pq_totals ones = {0}, twos = {0};
    while (g + 4 <= RJ_GROUPS) {
        struct rj_pc_totals c = {0};
        const int64_t quads = (RJ_GROUPS - g) / 4 < RJ_PC_FLUSH ? (RJ_GROUPS - g) / 4 : RJ_PC_FLUSH;
        const int64_t stop = g + 4 * quads;
        for (; g < stop; g += 4) {
            const rj_planes g0 = rj_planes_at(x, y, g * RJ_PQ_WORDS);
            const rj_planes g1 = rj_planes_at(x, y, (g + 1) * RJ_PQ_WORDS);
            const rj_planes g2 = rj_planes_at(x, y, (g + 2) * RJ_PQ_WORDS);
            const rj_planes g3 = rj_planes_at(x, y, (g + 3) * RJ_PQ_WORDS);
            RJ_TOTALS(RJ_ADD_QUAD)
        }
        RJ_TOTALS(RJ_FLUSH_QUADS)
    }
    RJ_TOTALS(RJ_FLUSH_CSA)
#endif
    while (g < RJ_GROUPS) {
        struct rj_pc_totals c = {0};
        const int64_t stop = RJ_GROUPS - g > RJ_PC_FLUSH ? g + RJ_PC_FLUSH : RJ_GROUPS;
        for (; g < stop; g++) {
            const rj_planes group = rj_planes_at(x, y, g * RJ_PQ_WORDS);
            RJ_TOTALS(RJ_ADD_GROUP)
        }
        RJ_TOTALS(RJ_FLUSH)
    }
    if (RJ_REST_WORDS && RJ_GROUPS > 0) {
        const rj_pq m = RJ_PQ_LAST_MASK(RJ_REST_WORDS);
        const rj_planes last = rj_planes_at(x, y, RJ_WORDS - RJ_PQ_WORDS);
        t = rj_add_group(t, (rj_planes){last.p1 & m, last.n1 & m, last.p2 & m, last.n2 & m});
    } else if (RJ_REST_WORDS) {
        t = rj_add_group(t, (rj_planes){rj_pq_load_part(x, RJ_REST_WORDS),
                                        rj_pq_load_part(x + RJ_WORDS, RJ_REST_WORDS),
                                        rj_pq_load_part(y, RJ_REST_WORDS),
                                        rj_pq_load_part(y + RJ_WORDS, RJ_REST_WORDS)});
    }
    return t;
}

/* Each row's RJ_SCORE against itself (for the norms: its non-zero trits). */
static inline int rj_norms(rj_call *call)
{
    const int64_t n = call->rows[0];
    if (call->len[0] != n * RJ_PACKED_LEN || call->len[1] != n) return RJ_ERR_LENGTH;
    const uint64_t *rows = (const uint64_t *)call->ptr[0];
    int64_t *out = (int64_t *)call->ptr[1];
    for (int64_t r = 0; r < n; r++) {
        const uint64_t *x = rows + r * RJ_PACKED_LEN;
        if (x[2 * RJ_WORDS] != (uint64_t)RJ_DIM) return RJ_ERR_LENGTH;
        const struct rj_totals t = rj_counts(x, x);
        out[r] = RJ_SCORE(t);
    }
    return RJ_OK;
}

/* out[q * nm + r] = RJ_SCORE of query q against memory row r, or, given the rows' non-zero counts
 * qnorm and mnorm, the cosine with RJ_SCORE as the dot product. */
RJ_INLINE void rj_similarity_rows(const uint64_t *queries, int64_t nq, const uint64_t *memory, int64_t nm,
                                  const int64_t *qnorm, const int64_t *mnorm, double *out)
{
    /* memory rows outer: each row is read once and stays in L1 while the queries pass over it */
    for (int64_t r = 0; r < nm; r++) {
        const uint64_t *y = memory + r * RJ_PACKED_LEN;
        for (int64_t q = 0; q < nq; q++) {
            const struct rj_totals t = rj_counts(queries + q * RJ_PACKED_LEN, y);
            out[q * nm + r] = qnorm ? rj_cosine(RJ_SCORE(t), qnorm[q], mnorm[r]) : (double)(RJ_SCORE(t));
        }
    }
}

/* queries, memory, out */
static inline int rj_similarity(rj_call *call)
{
    const int64_t nq = call->rows[0], nm = call->rows[1];
    if (call->len[0] != nq * RJ_PACKED_LEN || call->len[1] != nm * RJ_PACKED_LEN || call->len[2] != nq * nm)
        return RJ_ERR_LENGTH;
    const uint64_t *queries = (const uint64_t *)call->ptr[0], *memory = (const uint64_t *)call->ptr[1];
    if (!rj_rows_ok(queries, nq) || !rj_rows_ok(memory, nm)) return RJ_ERR_LENGTH;
    rj_similarity_rows(queries, nq, memory, nm, 0, 0, (double *)call->ptr[2]);
    return RJ_OK;
}

/* queries, their norms, memory, its norms, out */
static inline int rj_similarity_normed(rj_call *call)
{
    const int64_t nq = call->rows[0], nm = call->rows[2];
    if (call->len[0] != nq * RJ_PACKED_LEN || call->len[2] != nm * RJ_PACKED_LEN || call->len[4] != nq * nm
        || call->len[1] != nq || call->len[3] != nm)
        return RJ_ERR_LENGTH;
    const uint64_t *queries = (const uint64_t *)call->ptr[0], *memory = (const uint64_t *)call->ptr[2];
    if (!rj_rows_ok(queries, nq) || !rj_rows_ok(memory, nm)) return RJ_ERR_LENGTH;
    rj_similarity_rows(queries, nq, memory, nm, (const int64_t *)call->ptr[1], (const int64_t *)call->ptr[3],
                       (double *)call->ptr[4]);
    return RJ_OK;
}

#ifdef RJ_KEY
/* top-k with RJ_KEY(score), the key whose k smallest are the best (the score, or minus it):
 * per query q, keys[q * k ..] and index[q * k ..] hold a max-heap of the k best (key, row) seen,
 * its root the worst; a row enters only if strictly better, so of equal keys the lower row stays. */
RJ_INLINE int rj_worse(double ka, int64_t ia, double kb, int64_t ib)
{
    return ka > kb || (ka == kb && ia > ib);
}

RJ_INLINE void rj_heap_replace_root(double *keys, int64_t *index, int64_t k, double key, int64_t row)
{
    int64_t i = 0;
    for (;;) {
        int64_t c = 2 * i + 1;
        if (c >= k) break;
        if (c + 1 < k && rj_worse(keys[c + 1], index[c + 1], keys[c], index[c])) c++;
        if (!rj_worse(keys[c], index[c], key, row)) break;
        keys[i] = keys[c];
        index[i] = index[c];
        i = c;
    }
    keys[i] = key;
    index[i] = row;
}

static inline void rj_top_k_rows(const uint64_t *queries, int64_t nq, const uint64_t *memory, int64_t nm,
                                 const int64_t *qnorm, const int64_t *mnorm, int64_t k, double *keys,
                                 int64_t *index)
{
    for (int64_t i = 0; i < nq * k; i++) {
        keys[i] = 1.0e300;   /* placeholders, worse than any key (finite: fast-math may assume no inf) */
        index[i] = INT64_MAX;
    }
    for (int64_t r = 0; r < nm; r++) {
        const uint64_t *y = memory + r * RJ_PACKED_LEN;
        for (int64_t q = 0; q < nq; q++) {
            const struct rj_totals t = rj_counts(queries + q * RJ_PACKED_LEN, y);
            const double key = RJ_KEY(qnorm ? rj_cosine(RJ_SCORE(t), qnorm[q], mnorm[r]) : (double)(RJ_SCORE(t)));
            if (key < keys[q * k]) rj_heap_replace_root(keys + q * k, index + q * k, k, key, r);
        }
    }
}

/* queries, memory, keys (nq, k), rows (nq, k); 1 <= k <= the memory's rows */
static inline int rj_top_k(rj_call *call)
{
    const int64_t nq = call->rows[0], nm = call->rows[1], k = nq > 0 ? call->len[2] / nq : 0;
    if (call->len[0] != nq * RJ_PACKED_LEN || call->len[1] != nm * RJ_PACKED_LEN || k < 1 || k > nm
        || call->len[2] != nq * k || call->len[3] != nq * k)
        return RJ_ERR_LENGTH;
    const uint64_t *queries = (const uint64_t *)call->ptr[0], *memory = (const uint64_t *)call->ptr[1];
    if (!rj_rows_ok(queries, nq) || !rj_rows_ok(memory, nm)) return RJ_ERR_LENGTH;
    rj_top_k_rows(queries, nq, memory, nm, 0, 0, k, (double *)call->ptr[2], (int64_t *)call->ptr[3]);
    return RJ_OK;
}

/* queries, their norms, memory, its norms, keys (nq, k), rows (nq, k) */
static inline int rj_top_k_normed(rj_call *call)
{
    const int64_t nq = call->rows[0], nm = call->rows[2], k = nq > 0 ? call->len[4] / nq : 0;
    if (call->len[0] != nq * RJ_PACKED_LEN || call->len[2] != nm * RJ_PACKED_LEN || k < 1 || k > nm
        || call->len[4] != nq * k || call->len[5] != nq * k || call->len[1] != nq || call->len[3] != nm)
        return RJ_ERR_LENGTH;
    const uint64_t *queries = (const uint64_t *)call->ptr[0], *memory = (const uint64_t *)call->ptr[2];
    if (!rj_rows_ok(queries, nq) || !rj_rows_ok(memory, nm)) return RJ_ERR_LENGTH;
    rj_top_k_rows(queries, nq, memory, nm, (const int64_t *)call->ptr[1], (const int64_t *)call->ptr[3], k,
                  (double *)call->ptr[4], (int64_t *)call->ptr[5]);
    return RJ_OK;
}
#endif
#endif

/* ---- bind, bundle, permute ------------------------------------------------------------------ */

/* n words (n <= RJ_PQ_WORDS) of a result's planes from word w: positive, then negative */
static inline void rj_store_planes(uint64_t *out, int64_t w, rj_pq pos, rj_pq neg, int64_t n)
{
    if (n == RJ_PQ_WORDS) {
        rj_pq_store(out + w, pos);
        rj_pq_store(out + RJ_WORDS + w, neg);
    } else {
        rj_pq_store_part(out + w, pos, n);
        rj_pq_store_part(out + RJ_WORDS + w, neg, n);
    }
}

/* out = x bound to y (buffers of RJ_PACKED_LEN words): + where the signs agree, - where they
 * differ, 0 where either is 0; the guard word set. Also the batch entries' (vsa_batch_packed.h). */
static inline void rj_bind_packed(const uint64_t *x, const uint64_t *y, uint64_t *out)
{
    for (int64_t g = 0; g < RJ_GROUPS; g++) {
        const int64_t w = g * RJ_PQ_WORDS;
        const rj_planes group = rj_planes_at(x, y, w);
        rj_pq_store(out + w, rj_same_words(group));
        rj_pq_store(out + RJ_WORDS + w, rj_opposite_words(group));
    }
    for (int64_t w = RJ_GROUPS * RJ_PQ_WORDS; w < RJ_WORDS; w++) {
        const uint64_t p1 = x[w], n1 = x[RJ_WORDS + w], p2 = y[w], n2 = y[RJ_WORDS + w];
        out[w] = (p1 & p2) | (n1 & n2);
        out[RJ_WORDS + w] = (p1 & n2) | (n1 & p2);
    }
    out[2 * RJ_WORDS] = (uint64_t)RJ_DIM;
}

static inline int rj_packed_bind(rj_call *call)
{
    if (!RJ_VECTOR_OK(0) || !RJ_VECTOR_OK(1) || call->len[2] != RJ_PACKED_LEN) return RJ_ERR_LENGTH;
    rj_bind_packed((const uint64_t *)call->ptr[0], (const uint64_t *)call->ptr[1], (uint64_t *)call->ptr[2]);
    return RJ_OK;
}

/* The sign of the sum of k packed vectors (row r at src[r], or base + r * RJ_PACKED_LEN when src
 * is NULL), word by word: bit-sliced counters of the +1s and of the -1s at each position, added
 * with ripple carries and compared bit-serially from the top bit. */
static void rj_bundle_planes(const uint64_t *const *src, const uint64_t *base, int64_t k, uint64_t *out)
{
    int bits = 1;
    while (bits < 63 && ((int64_t)1 << bits) <= k) bits++;
    for (int64_t w = 0; w < RJ_WORDS; w += RJ_PQ_WORDS) {
        const int64_t n = RJ_WORDS - w < RJ_PQ_WORDS ? RJ_WORDS - w : RJ_PQ_WORDS;
        rj_pq P[63], N[63];
        for (int b = 0; b < bits; b++) P[b] = N[b] = (rj_pq){0};
        for (int64_t r = 0; r < k; r++) {
            const uint64_t *row = src ? src[r] : base + r * RJ_PACKED_LEN;
            rj_pq cp = n == RJ_PQ_WORDS ? rj_pq_load(row + w) : rj_pq_load_part(row + w, n);
            rj_pq cn = n == RJ_PQ_WORDS ? rj_pq_load(row + RJ_WORDS + w) : rj_pq_load_part(row + RJ_WORDS + w, n);
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
        rj_store_planes(out, w, gt, lt, n);
    }
    out[2 * RJ_WORDS] = (uint64_t)RJ_DIM;
}

#ifdef RJ_K
static inline int rj_packed_bundle(rj_call *call)
{
    if (call->len[RJ_K] != RJ_PACKED_LEN) return RJ_ERR_LENGTH;
    const uint64_t *src[RJ_K];
#pragma GCC unroll 31
    for (int j = 0; j < RJ_K; j++) {
        if (!RJ_VECTOR_OK(j)) return RJ_ERR_LENGTH;
        src[j] = (const uint64_t *)call->ptr[j];
    }
    rj_bundle_planes(src, 0, RJ_K, (uint64_t *)call->ptr[RJ_K]);
    return RJ_OK;
}
#endif

static inline int rj_packed_bundle_stacked(rj_call *call)
{
    const int64_t k = call->rows[0];
    if (k < 1 || call->len[0] != k * RJ_PACKED_LEN || call->len[1] != RJ_PACKED_LEN) return RJ_ERR_LENGTH;
    const uint64_t *rows = (const uint64_t *)call->ptr[0];
    if (!rj_rows_ok(rows, k)) return RJ_ERR_LENGTH;
    rj_bundle_planes(0, rows, k, (uint64_t *)call->ptr[1]);
    return RJ_OK;
}

#ifdef RJ_SHIFT
/* Bit j of a plane (j < RJ_DIM), or 0 past the plane's last word. */
static inline uint64_t rj_plane_word(const uint64_t *plane, int64_t w) { return w < RJ_WORDS ? plane[w] : 0; }

/* The 64 bits from bit `s` (< RJ_DIM) on, without wrapping: bits past RJ_DIM are zero in the plane. */
static inline uint64_t rj_bits_from(const uint64_t *plane, int64_t s)
{
    const int64_t w = s >> 6, o = s & 63;
    return o ? (plane[w] >> o) | (rj_plane_word(plane, w + 1) << (64 - o)) : plane[w];
}

/* out bit j = in bit (j - RJ_SHIFT) mod RJ_DIM, for one plane. */
static void rj_rotate_plane(const uint64_t *in, uint64_t *out)
{
    int64_t s = (RJ_DIM - RJ_SHIFT) % RJ_DIM;   /* the source of out bit 0 */
    for (int64_t w = 0; w < RJ_WORDS; w++) {
        uint64_t word = rj_bits_from(in, s);
        const int64_t before_wrap = RJ_DIM - s;   /* source bits left before position RJ_DIM */
        if (before_wrap < 64) {
            word &= ((uint64_t)1 << before_wrap) - 1;
            word |= rj_bits_from(in, 0) << before_wrap;
        }
        if (RJ_DIM % 64 != 0 && w == RJ_WORDS - 1) word &= ((uint64_t)1 << (RJ_DIM % 64)) - 1;
        out[w] = word;
        s += 64;
        if (s >= RJ_DIM) s -= RJ_DIM;
        if (s >= RJ_DIM) s %= RJ_DIM;   /* RJ_DIM < 64: more than one wrap per word */
    }
}

static inline int rj_packed_permute(rj_call *call)
{
    if (!RJ_VECTOR_OK(0) || call->len[1] != RJ_PACKED_LEN) return RJ_ERR_LENGTH;
    const uint64_t *in = (const uint64_t *)call->ptr[0];
    uint64_t *out = (uint64_t *)call->ptr[1];
    rj_rotate_plane(in, out);
    rj_rotate_plane(in + RJ_WORDS, out + RJ_WORDS);
    out[2 * RJ_WORDS] = (uint64_t)RJ_DIM;
    return RJ_OK;
}
#endif

#endif /* RJ_VSA_PACKED_H */
