/* vsa_dense.h - the operations on dense ternary hypervectors (DIM int8 trits), and packing.
 *
 * Included once per kernel by templates/vsa.c, after the dimension's constants (DIM, NV, REST,
 * WORDS, PACKED_LEN) and the operation's parameters:
 *   TOTALS(X)    the terms a reduction totals (product, differ, nonzero_a, nonzero_b below):
 *                counts() gives the totals, which the template's reduce() makes a result
 *   K            the vectors a bundle takes, each its own buffer (K <= 31)
 *   SHIFT        the rotation of a permute, 0 <= SHIFT < DIM
 * Each entry takes the buffers in rj_call order and returns RJ_OK or RJ_ERR_LENGTH.
 */
#ifndef RJ_VSA_DENSE_H
#define RJ_VSA_DENSE_H

/* buffer k of the call is one dense vector of DIM trits */
#define VECTOR_OK(k) (call->len[k] == DIM)

static inline int8_t rj_sign(int64_t s) { return (int8_t)((s > 0) - (s < 0)); }

/* ---- reductions over two vectors ------------------------------------------------------------ */

/* The terms a reduction can total: per vector of trits (a and b are rj_vb) and per trit. Each
 * adds at most 1 in magnitude per lane. */
static inline rj_vb product_vec(rj_vb a, rj_vb b) { return rj_vb_mul(a, b); }
static inline int product_trit(int a, int b) { return a * b; }
/* -1 per position where a and b differ (a vector comparison's true): the total is minus the distance */
static inline rj_vb differ_vec(rj_vb a, rj_vb b) { return (rj_vb)(a != b); }
static inline int differ_trit(int a, int b) { return -(a != b); }
static inline rj_vb nonzero_a_vec(rj_vb a, rj_vb b) { (void)b; return rj_vb_nonzero(a); }
static inline int nonzero_a_trit(int a, int b) { (void)b; return a != 0; }
static inline rj_vb nonzero_b_vec(rj_vb a, rj_vb b) { (void)a; return rj_vb_nonzero(b); }
static inline int nonzero_b_trit(int a, int b) { (void)a; return b != 0; }

#ifdef TOTALS
#define INT64_FIELD(term) int64_t term;
#define VB_FIELD(term) rj_vb term;
struct totals { TOTALS(INT64_FIELD) };
struct vb_totals { TOTALS(VB_FIELD) };

/* UNROLL vectors per step, each adding at most 1 per lane: FLUSH_STEPS steps stay within an
 * int8 lane (4 * 31 = 124 <= 127) before the lanes are widened into the totals. */
#define UNROLL 4
#define FLUSH_STEPS 31

#define ADD_BLOCK(term) \
    acc.term += (term##_vec(a0, b0) + term##_vec(a1, b1)) + (term##_vec(a2, b2) + term##_vec(a3, b3));
#define ADD_ONE(term) acc.term += term##_vec(a0, b0);
#define ADD_TRIT(term) t.term += term##_trit(a[i], b[i]);
#define FLUSH(term) t.term += rj_vb_sum(acc.term);

/* A vector that two terms read is loaded once, into a register (see rj_vb_load_keep). */
RJ_INLINE rj_vb load_trits(const int8_t *p)
{
    return sizeof(struct totals) > sizeof(int64_t) ? rj_vb_load_keep(p) : rj_vb_load(p);
}

/* The totals over two vectors: blocks of UNROLL vectors, int8 lanes widened every FLUSH_STEPS
 * blocks; the last partial vector is loaded overlapping the one before and masked. */
RJ_INLINE struct totals counts(const int8_t *a, const int8_t *b)
{
    struct totals t = {0};
    int64_t v = 0;
    while (v + UNROLL <= NV) {
        struct vb_totals acc = {0};
        const int64_t steps = (NV - v) / UNROLL < FLUSH_STEPS ? (NV - v) / UNROLL : FLUSH_STEPS;
        const int64_t stop = v + UNROLL * steps;
        for (; v < stop; v += UNROLL) {
            const int8_t *pa = a + v * RJ_VB_WIDTH, *pb = b + v * RJ_VB_WIDTH;
            const rj_vb a0 = load_trits(pa), b0 = load_trits(pb);
            const rj_vb a1 = load_trits(pa + RJ_VB_WIDTH), b1 = load_trits(pb + RJ_VB_WIDTH);
            const rj_vb a2 = load_trits(pa + 2 * RJ_VB_WIDTH), b2 = load_trits(pb + 2 * RJ_VB_WIDTH);
            const rj_vb a3 = load_trits(pa + 3 * RJ_VB_WIDTH), b3 = load_trits(pb + 3 * RJ_VB_WIDTH);
            TOTALS(ADD_BLOCK)
        }
        TOTALS(FLUSH)
    }
    struct vb_totals acc = {0};
    for (; v < NV; v++) {
        const rj_vb a0 = rj_vb_load(a + v * RJ_VB_WIDTH), b0 = rj_vb_load(b + v * RJ_VB_WIDTH);
        TOTALS(ADD_ONE)
    }
    if (REST && NV > 0) {
        const rj_vb m = RJ_VB_LAST_MASK(REST);
        const rj_vb a0 = rj_vb_load(a + DIM - RJ_VB_WIDTH) & m, b0 = rj_vb_load(b + DIM - RJ_VB_WIDTH) & m;
        TOTALS(ADD_ONE)
    }
    TOTALS(FLUSH)
    if (NV == 0)
        for (int64_t i = 0; i < DIM; i++) {
            TOTALS(ADD_TRIT)
        }
    return t;
}
#endif

/* ---- position by position: bind and bundle -------------------------------------------------- */

typedef rj_vb vector_fn(const int8_t *const *in, int64_t i);
typedef int8_t trit_fn(const int8_t *const *in, int64_t i);

/* out = f(in[0], in[1], ...) position by position: whole vectors, then the last vector again,
 * overlapping (writing the same values twice is harmless), or trit by trit when DIM is shorter
 * than one vector. */
RJ_INLINE void dense_map(const int8_t *const *in, int8_t *out, vector_fn *vector, trit_fn *trit)
{
    for (int64_t i = 0; i + RJ_VB_WIDTH <= DIM; i += RJ_VB_WIDTH) rj_vb_store(out + i, vector(in, i));
    if (REST && NV > 0) rj_vb_store(out + DIM - RJ_VB_WIDTH, vector(in, DIM - RJ_VB_WIDTH));
    if (NV == 0)
        for (int64_t i = 0; i < DIM; i++) out[i] = trit(in, i);
}

static inline rj_vb bind_vector(const int8_t *const *in, int64_t i)
{
    return rj_vb_mul(rj_vb_load(in[0] + i), rj_vb_load(in[1] + i));
}
static inline int8_t bind_trit(const int8_t *const *in, int64_t i) { return (int8_t)(in[0][i] * in[1][i]); }

static inline int dense_bind(rj_call *call)
{
    if (!VECTOR_OK(0) || !VECTOR_OK(1) || !VECTOR_OK(2)) return RJ_ERR_LENGTH;
    const int8_t *const in[2] = {(const int8_t *)call->ptr[0], (const int8_t *)call->ptr[1]};
    dense_map(in, (int8_t *)call->ptr[2], bind_vector, bind_trit);
    return RJ_OK;
}

#ifdef K
/* The sign of the sum of K <= 31 vectors: the sum fits an int8 lane; the comparisons give -1. */
static inline rj_vb bundle_vector(const int8_t *const *in, int64_t i)
{
    rj_vb s = rj_vb_load(in[0] + i);
#pragma GCC unroll 31
    for (int j = 1; j < K; j++) s += rj_vb_load(in[j] + i);
    return (rj_vb)(s < 0) - (rj_vb)(s > 0);
}

static inline int8_t bundle_trit(const int8_t *const *in, int64_t i)
{
    int s = 0;
#pragma GCC unroll 31
    for (int j = 0; j < K; j++) s += in[j][i];
    return rj_sign(s);
}

static inline int dense_bundle(rj_call *call)
{
#pragma GCC unroll 32
    for (int j = 0; j <= K; j++)
        if (!VECTOR_OK(j)) return RJ_ERR_LENGTH;
    const int8_t *in[K];
#pragma GCC unroll 31
    for (int j = 0; j < K; j++) in[j] = (const int8_t *)call->ptr[j];
    dense_map(in, (int8_t *)call->ptr[K], bundle_vector, bundle_trit);
    return RJ_OK;
}
#endif

/* ---- bundle of the rows of one buffer ------------------------------------------------------- */

#define BLK 8   /* vectors of columns summed together */

/* out[c .. c + nvec vectors) = sign of the column sums of the k rows: int8 lanes over up to
 * RJ_VB_FLUSH rows at a time, widened into int32 between. */
RJ_INLINE void bundle_columns(const int8_t *rows, int64_t k, int64_t c, int nvec, int8_t *out)
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

static inline int dense_bundle_stacked(rj_call *call)
{
    const int64_t k = call->rows[0];
    if (k < 1 || call->len[0] != k * DIM || !VECTOR_OK(1)) return RJ_ERR_LENGTH;
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
    return RJ_OK;
}

/* ---- permute and pack ----------------------------------------------------------------------- */

#ifdef SHIFT
static inline int dense_permute(rj_call *call)
{
    if (!VECTOR_OK(0) || !VECTOR_OK(1)) return RJ_ERR_LENGTH;
    const int8_t *v = (const int8_t *)call->ptr[0];
    int8_t *out = (int8_t *)call->ptr[1];
    /* out[(i + SHIFT) mod DIM] = v[i]: two block copies */
    memcpy(out + SHIFT, v, (size_t)(DIM - SHIFT));
    memcpy(out, v + DIM - SHIFT, (size_t)SHIFT);
    return RJ_OK;
}
#endif

/* A dense vector to the packed layout: the +1s and the -1s as bits of two planes, then the guard. */
static inline int pack(rj_call *call)
{
    if (!VECTOR_OK(0) || call->len[1] != PACKED_LEN) return RJ_ERR_LENGTH;
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
    return RJ_OK;
}

#endif /* RJ_VSA_DENSE_H */
