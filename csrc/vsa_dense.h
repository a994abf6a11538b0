/* vsa_dense.h - the operations on dense ternary hypervectors (RJ_DIM int8 trits), and packing.
 *
 * Included once per kernel (templates/vsa.c), after the including file has defined:
 *   RJ_DIM        the trits per vector, an int64_t constant (required)
 *   RJ_TOTALS(X)  for a reduction: X(term) for each term it totals (product, differ, nonzero_a,
 *                 nonzero_b below)
 *   RJ_K          for rj_dense_bundle: the vectors it takes, each its own buffer (RJ_K <= 31)
 *   RJ_SHIFT      for rj_dense_permute: the rotation, 0 <= RJ_SHIFT < RJ_DIM
 * and defines for it:
 *   int rj_dense_bind(rj_call *), rj_dense_bundle (with RJ_K), rj_dense_bundle_stacked,
 *       rj_dense_permute (with RJ_SHIFT), rj_pack: the entries, each taking the buffers in
 *       rj_call order and returning RJ_OK or RJ_ERR_LENGTH
 *   RJ_VECTOR_OK(k): whether buffer k of `call` is one vector of RJ_DIM trits
 *   struct rj_totals (an int64_t per term) and rj_counts(a, b), with RJ_TOTALS: the totals over
 *       two vectors, of which the including file makes a reduction's result
 * Every other name it defines starts with rj_ / RJ_ too.
 */
#ifndef RJ_VSA_DENSE_H
#define RJ_VSA_DENSE_H

#include <stdint.h>
#include <string.h>

#include "rj_abi.h"
#include "vsa.h"

#ifndef RJ_DIM
#  error "vsa_dense.h needs RJ_DIM, the trits per vector"
#endif

#define RJ_NV (RJ_DIM / RJ_VB_WIDTH)      /* whole trit vectors in a dense vector */
#define RJ_REST (RJ_DIM % RJ_VB_WIDTH)    /* trits after them */
#define RJ_WORDS RJ_WORDS_OF(RJ_DIM)      /* rj_pack's output: words per plane, */
#define RJ_PACKED_LEN RJ_PACKED_LEN_OF(RJ_DIM)   /* and in all */

/* buffer k of the call is one dense vector of RJ_DIM trits */
#define RJ_VECTOR_OK(k) (call->len[k] == RJ_DIM)

static inline int8_t rj_sign(int64_t s) { return (int8_t)((s > 0) - (s < 0)); }

/* ---- reductions over two vectors ------------------------------------------------------------ */

/* The terms a reduction can total: per vector of trits (a and b are rj_vb) and per trit. Each
 * adds at most 1 in magnitude per lane. */
static inline rj_vb rj_product_vec(rj_vb a, rj_vb b) { return rj_vb_mul(a, b); }
static inline int rj_product_trit(int a, int b) { return a * b; }
/* -1 per position where a and b differ (a vector comparison's true): the total is minus the distance */
static inline rj_vb rj_differ_vec(rj_vb a, rj_vb b) { return (rj_vb)(a != b); }
static inline int rj_differ_trit(int a, int b) { return -(a != b); }
static inline rj_vb rj_nonzero_a_vec(rj_vb a, rj_vb b) { (void)b; return rj_vb_nonzero(a); }
static inline int rj_nonzero_a_trit(int a, int b) { (void)b; return a != 0; }
static inline rj_vb rj_nonzero_b_vec(rj_vb a, rj_vb b) { (void)a; return rj_vb_nonzero(b); }
static inline int rj_nonzero_b_trit(int a, int b) { (void)a; return b != 0; }

#ifdef RJ_TOTALS
#define RJ_INT64_FIELD(term) int64_t term;
#define RJ_VB_FIELD(term) rj_vb term;
struct rj_totals { RJ_TOTALS(RJ_INT64_FIELD) };
struct rj_vb_totals { RJ_TOTALS(RJ_VB_FIELD) };

/* RJ_UNROLL vectors per step, each adding at most 1 per lane: RJ_FLUSH_STEPS steps stay within
 * an int8 lane (4 * 31 = 124 <= 127) before the lanes are widened into the totals. */
#define RJ_UNROLL 4
#define RJ_FLUSH_STEPS 31

#define RJ_ADD_BLOCK(term)                                                                    \
    acc.term += (rj_##term##_vec(a0, b0) + rj_##term##_vec(a1, b1))                           \
                + (rj_##term##_vec(a2, b2) + rj_##term##_vec(a3, b3));
#define RJ_ADD_ONE(term) acc.term += rj_##term##_vec(a0, b0);
#define RJ_ADD_TRIT(term) t.term += rj_##term##_trit(a[i], b[i]);
#define RJ_FLUSH(term) t.term += rj_vb_sum(acc.term);

/* A vector that two terms read is loaded once, into a register (see rj_vb_load_keep). */
RJ_INLINE rj_vb rj_load_trits(const int8_t *p)
{
    return sizeof(struct rj_totals) > sizeof(int64_t) ? rj_vb_load_keep(p) : rj_vb_load(p);
}

/* The totals over two vectors: blocks of RJ_UNROLL vectors, int8 lanes widened every
 * RJ_FLUSH_STEPS blocks; the last partial vector is loaded overlapping the one before and masked. */
RJ_INLINE struct rj_totals rj_counts(const int8_t *a, const int8_t *b)
{
    struct rj_totals t = {0};
    int64_t v = 0;
    while (v + RJ_UNROLL <= RJ_NV) {
        struct rj_vb_totals acc = {0};
        const int64_t steps = (RJ_NV - v) / RJ_UNROLL < RJ_FLUSH_STEPS ? (RJ_NV - v) / RJ_UNROLL : RJ_FLUSH_STEPS;
        const int64_t stop = v + RJ_UNROLL * steps;
        for (; v < stop; v += RJ_UNROLL) {
            const int8_t *pa = a + v * RJ_VB_WIDTH, *pb = b + v * RJ_VB_WIDTH;
            const rj_vb a0 = rj_load_trits(pa), b0 = rj_load_trits(pb);
            const rj_vb a1 = rj_load_trits(pa + RJ_VB_WIDTH), b1 = rj_load_trits(pb + RJ_VB_WIDTH);
            const rj_vb a2 = rj_load_trits(pa + 2 * RJ_VB_WIDTH), b2 = rj_load_trits(pb + 2 * RJ_VB_WIDTH);
            const rj_vb a3 = rj_load_trits(pa + 3 * RJ_VB_WIDTH), b3 = rj_load_trits(pb + 3 * RJ_VB_WIDTH);
            RJ_TOTALS(RJ_ADD_BLOCK)
        }
        RJ_TOTALS(RJ_FLUSH)
    }
    struct rj_vb_totals acc = {0};
    for (; v < RJ_NV; v++) {
        const rj_vb a0 = rj_vb_load(a + v * RJ_VB_WIDTH), b0 = rj_vb_load(b + v * RJ_VB_WIDTH);
        RJ_TOTALS(RJ_ADD_ONE)
    }
    if (RJ_REST && RJ_NV > 0) {
        const rj_vb m = RJ_VB_LAST_MASK(RJ_REST);
        const rj_vb a0 = rj_vb_load(a + RJ_DIM - RJ_VB_WIDTH) & m, b0 = rj_vb_load(b + RJ_DIM - RJ_VB_WIDTH) & m;
        RJ_TOTALS(RJ_ADD_ONE)
    }
    RJ_TOTALS(RJ_FLUSH)
    if (RJ_NV == 0)
        for (int64_t i = 0; i < RJ_DIM; i++) {
            RJ_TOTALS(RJ_ADD_TRIT)
        }
    return t;
}
#endif

/* ---- position by position: bind and bundle -------------------------------------------------- */

typedef rj_vb rj_vector_fn(const int8_t *const *in, int64_t i);
typedef int8_t rj_trit_fn(const int8_t *const *in, int64_t i);

/* out = f(in[0], in[1], ...) position by position: whole vectors, then the last vector again,
 * overlapping (writing the same values twice is harmless), or trit by trit when RJ_DIM is shorter
 * than one vector. */
RJ_INLINE void rj_dense_map(const int8_t *const *in, int8_t *out, rj_vector_fn *vector, rj_trit_fn *trit)
{
    for (int64_t i = 0; i + RJ_VB_WIDTH <= RJ_DIM; i += RJ_VB_WIDTH) rj_vb_store(out + i, vector(in, i));
    if (RJ_REST && RJ_NV > 0) rj_vb_store(out + RJ_DIM - RJ_VB_WIDTH, vector(in, RJ_DIM - RJ_VB_WIDTH));
    if (RJ_NV == 0)
        for (int64_t i = 0; i < RJ_DIM; i++) out[i] = trit(in, i);
}

static inline rj_vb rj_bind_vector(const int8_t *const *in, int64_t i)
{
    return rj_vb_mul(rj_vb_load(in[0] + i), rj_vb_load(in[1] + i));
}
static inline int8_t rj_bind_trit(const int8_t *const *in, int64_t i) { return (int8_t)(in[0][i] * in[1][i]); }

static inline int rj_dense_bind(rj_call *call)
{
    if (!RJ_VECTOR_OK(0) || !RJ_VECTOR_OK(1) || !RJ_VECTOR_OK(2)) return RJ_ERR_LENGTH;
    const int8_t *const in[2] = {(const int8_t *)call->ptr[0], (const int8_t *)call->ptr[1]};
    rj_dense_map(in, (int8_t *)call->ptr[2], rj_bind_vector, rj_bind_trit);
    return RJ_OK;
}

#ifdef RJ_K
/* The sign of the sum of RJ_K <= 31 vectors: the sum fits an int8 lane; the comparisons give -1. */
static inline rj_vb rj_bundle_vector(const int8_t *const *in, int64_t i)
{
    rj_vb s = rj_vb_load(in[0] + i);
#pragma GCC unroll 31
    for (int j = 1; j < RJ_K; j++) s += rj_vb_load(in[j] + i);
    return (rj_vb)(s < 0) - (rj_vb)(s > 0);
}

static inline int8_t rj_bundle_trit(const int8_t *const *in, int64_t i)
{
    int s = 0;
#pragma GCC unroll 31
    for (int j = 0; j < RJ_K; j++) s += in[j][i];
    return rj_sign(s);
}

static inline int rj_dense_bundle(rj_call *call)
{
#pragma GCC unroll 32
    for (int j = 0; j <= RJ_K; j++)
        if (!RJ_VECTOR_OK(j)) return RJ_ERR_LENGTH;
    const int8_t *in[RJ_K];
#pragma GCC unroll 31
    for (int j = 0; j < RJ_K; j++) in[j] = (const int8_t *)call->ptr[j];
    rj_dense_map(in, (int8_t *)call->ptr[RJ_K], rj_bundle_vector, rj_bundle_trit);
    return RJ_OK;
}
#endif

/* ---- bundle of the rows of one buffer ------------------------------------------------------- */

#define RJ_BLK 8   /* vectors of columns summed together */

/* out[c .. c + nvec vectors) = sign of the column sums of the k rows: int8 lanes over up to
 * RJ_VB_FLUSH rows at a time, widened into int32 between. */
RJ_INLINE void rj_bundle_columns(const int8_t *rows, int64_t k, int64_t c, int nvec, int8_t *out)
{
    int32_t wide[RJ_BLK * RJ_VB_WIDTH];
    memset(wide, 0, sizeof wide);
    for (int64_t r = 0; r < k;) {
        rj_vb acc[RJ_BLK];
        for (int j = 0; j < nvec; j++) acc[j] = (rj_vb){0};
        const int64_t stop = k - r > RJ_VB_FLUSH ? r + RJ_VB_FLUSH : k;
        for (; r < stop; r++)
            for (int j = 0; j < nvec; j++) acc[j] += rj_vb_load(rows + r * RJ_DIM + c + j * RJ_VB_WIDTH);
        for (int j = 0; j < nvec; j++)
            for (int l = 0; l < RJ_VB_WIDTH; l++) wide[j * RJ_VB_WIDTH + l] += acc[j][l];
    }
    for (int l = 0; l < nvec * RJ_VB_WIDTH; l++) out[c + l] = rj_sign(wide[l]);
}

static inline int rj_dense_bundle_stacked(rj_call *call)
{
    const int64_t k = call->rows[0];
    if (k < 1 || call->len[0] != k * RJ_DIM || !RJ_VECTOR_OK(1)) return RJ_ERR_LENGTH;
    const int8_t *rows = (const int8_t *)call->ptr[0];
    int8_t *out = (int8_t *)call->ptr[1];
    int64_t c = 0;
    for (; c + RJ_BLK * RJ_VB_WIDTH <= RJ_DIM; c += RJ_BLK * RJ_VB_WIDTH) rj_bundle_columns(rows, k, c, RJ_BLK, out);
    for (; c + RJ_VB_WIDTH <= RJ_DIM; c += RJ_VB_WIDTH) rj_bundle_columns(rows, k, c, 1, out);
    if (RJ_REST && RJ_NV > 0) rj_bundle_columns(rows, k, RJ_DIM - RJ_VB_WIDTH, 1, out);
    if (RJ_NV == 0)
        for (int64_t i = 0; i < RJ_DIM; i++) {
            int64_t s = 0;
            for (int64_t r = 0; r < k; r++) s += rows[r * RJ_DIM + i];
            out[i] = rj_sign(s);
        }
    return RJ_OK;
}

/* ---- permute and pack ----------------------------------------------------------------------- */

#ifdef RJ_SHIFT
static inline int rj_dense_permute(rj_call *call)
{
    if (!RJ_VECTOR_OK(0) || !RJ_VECTOR_OK(1)) return RJ_ERR_LENGTH;
    const int8_t *v = (const int8_t *)call->ptr[0];
    int8_t *out = (int8_t *)call->ptr[1];
    /* out[(i + RJ_SHIFT) mod RJ_DIM] = v[i]: two block copies */
    memcpy(out + RJ_SHIFT, v, (size_t)(RJ_DIM - RJ_SHIFT));
    memcpy(out, v + RJ_DIM - RJ_SHIFT, (size_t)RJ_SHIFT);
    return RJ_OK;
}
#endif

/* A dense vector to the packed layout: the +1s and the -1s as bits of two planes, then the guard. */
static inline int rj_pack(rj_call *call)
{
    if (!RJ_VECTOR_OK(0) || call->len[1] != RJ_PACKED_LEN) return RJ_ERR_LENGTH;
    const int8_t *v = (const int8_t *)call->ptr[0];
    uint64_t *out = (uint64_t *)call->ptr[1];
    int64_t w = 0;
    for (; w < RJ_DIM / 64; w++) {   /* whole words: compare, and collect the lane masks as bits */
        uint64_t p = 0, n = 0;
        for (int j = 0; j < 64 / RJ_VB_WIDTH; j++) {
            const rj_vb x = rj_vb_load(v + 64 * w + j * RJ_VB_WIDTH);
            p |= rj_vb_bits((rj_vb)(x == 1)) << (j * RJ_VB_WIDTH);
            n |= rj_vb_bits((rj_vb)(x == -1)) << (j * RJ_VB_WIDTH);
        }
        out[w] = p;
        out[RJ_WORDS + w] = n;
    }
    if (w < RJ_WORDS) {   /* the last, partial word */
        uint64_t p = 0, n = 0;
        for (int64_t i = 0; i < RJ_DIM - 64 * w; i++) {
            p |= (uint64_t)(v[64 * w + i] == 1) << i;
            n |= (uint64_t)(v[64 * w + i] == -1) << i;
        }
        out[w] = p;
        out[RJ_WORDS + w] = n;
    }
    out[2 * RJ_WORDS] = (uint64_t)RJ_DIM;
    return RJ_OK;
}

#endif /* RJ_VSA_DENSE_H */
