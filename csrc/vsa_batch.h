/* vsa_batch.h - bind, permute and bundle over batches: many vectors of RJ_DIM trits in one buffer,
 * one call per batch (or per slice of one, when the Python side splits it across threads).
 *
 * Included by templates/vsa.c after vsa_dense.h or vsa_packed.h when the rule defines RJ_BATCH.
 * A dense batch is rows of RJ_DIM int8 trits; a packed batch rows of RJ_PACKED_LEN uint64 words,
 * each a packed vector with its guard word (vsa_packed.h). An input of one row stands for every row.
 * Entries (buffers in rj_call order, then the integer and float arguments):
 *   rj_{dense,packed}_bind_rows      a, b, out: out row r = a row r * b row r (a, b: n rows or 1)
 *   rj_{dense,packed}_permute_rows   in, out; inum shift (0 <= shift < RJ_DIM): each row rotated
 *   rj_{dense,packed}_bundle_rows    in (g * k rows), int64 weights (k, or none), float64 weights
 *                                    (k, or none), out (g rows); inum k, lo, hi; num threshold.
 *       Out row j = the k rows from j * k, weighted, summed, and made a trit: +1 where the sum is
 *       above the threshold, -1 where below minus it, else 0 (integer sums compare with the
 *       threshold's floor). Only positions lo..hi are written: trits (dense), or words of each
 *       plane (packed; the guard words where lo is 0).
 * Dense entries check every trit they read and return RJ_ERR_ARGUMENT for any other byte (the
 * slow path names it); packed rows are checked by their guard words.
 */
#ifndef RJ_VSA_BATCH_H
#define RJ_VSA_BATCH_H

#include <stdint.h>
#include <string.h>


/* How far a row steps through a batch of `rows` rows: 0 for a single row, which broadcasts. */
static inline int64_t rj_row_step(int64_t rows, int64_t len) { return rows == 1 ? 0 : len; }

/* Whether a weighted bundle's buffers agree: in holds g * k rows of `len`, out g rows, the weights k or none. */
static inline int rj_bundle_shape_ok(rj_call *call, int64_t len, int64_t *g)
{
    const int64_t k = call->inum[0];
    if (k < 1 || call->len[3] % len || call->len[0] != k * call->len[3]) return 0;
    if ((call->len[1] != 0 && call->len[1] != k) || (call->len[2] != 0 && call->len[2] != k)) return 0;
    if (call->inum[1] < 0 || call->inum[1] > call->inum[2] || !(call->num[0] >= 0.0)) return 0;
    *g = call->len[3] / len;
    return 1;
}

/* ---- the weighted sums of a bundle, shared by both layouts ----------------------------------- */

#define RJ_BLOCK 4096   /* positions summed at once: the accumulators stay in L1 while rows stream by */
#define RJ_LANES (RJ_VB_WIDTH / 4)
typedef int32_t rj_vi __attribute__((vector_size(RJ_VB_WIDTH)));      /* RJ_LANES int32, */
typedef uint32_t rj_vui __attribute__((vector_size(RJ_VB_WIDTH)));
typedef int64_t rj_vl __attribute__((vector_size(2 * RJ_VB_WIDTH)));  /* int64 */
typedef double rj_vd __attribute__((vector_size(2 * RJ_VB_WIDTH)));   /* or float64 */

/* Row r's n trits from position c, one int8 each, as a pointer (into the batch, or into tmp);
 * *bad set if any is no trit. */
typedef const int8_t *rj_fetch_fn(const void *rows, int64_t r, int64_t c, int64_t n, int8_t *tmp, int *bad);

/* acc += w * t over the first nv trits (a multiple of RJ_VB_WIDTH), then tail += w * t over the
 * rest. Each vector of trits is read as RJ_LANES int32 lanes of 4 trits, and its byte i widened
 * by shifts (no byte-to-int conversion instruction is needed), so the accumulators are
 * interleaved: trit q of a vector (q < RJ_VB_WIDTH) is element (q % 4) * RJ_LANES + q / 4. */
#define RJ_DEFINE_ADD(NAME, T, V)                                                        \
    static inline void NAME(T *acc, T *tail, const int8_t *t, int64_t n, T w)           \
    {                                                                                    \
        const int64_t nv = n - n % RJ_VB_WIDTH;                                          \
        for (int64_t c = 0; c < nv; c += RJ_VB_WIDTH) {                                  \
            rj_vui v;                                                                    \
            memcpy(&v, t + c, sizeof v);                                                 \
            _Pragma("GCC unroll 4") for (int i = 0; i < 4; i++) {                        \
                const rj_vi x = (rj_vi)(v << (24 - 8 * i)) >> 24;                        \
                V a;                                                                     \
                memcpy(&a, acc + c + i * RJ_LANES, sizeof a);                            \
                a += __builtin_convertvector(x, V) * w;                                  \
                memcpy(acc + c + i * RJ_LANES, &a, sizeof a);                            \
            }                                                                            \
        }                                                                                \
        for (int64_t j = nv; j < n; j++) tail[j - nv] += (T)t[j] * w;                    \
    }
RJ_DEFINE_ADD(rj_add_i32, int32_t, rj_vi)
RJ_DEFINE_ADD(rj_add_i64, int64_t, rj_vl)
RJ_DEFINE_ADD(rj_add_f64, double, rj_vd)

/* out[0 .. n) = +1 where the sum is above limit, -1 where below -limit, else 0 (the sums as the
 * RJ_DEFINE_ADD functions leave them) */
#define RJ_TRITS_OF(T, acc, tail, n, limit, out)                                                  \
    {                                                                                            \
        const int64_t nv = (n) - (n) % RJ_VB_WIDTH;                                              \
        for (int64_t p = 0; p < (n); p++) {                                                      \
            const int64_t q = p % RJ_VB_WIDTH;                                                   \
            const T s = p < nv ? (acc)[p - q + (q & 3) * RJ_LANES + q / 4] : (tail)[p - nv];      \
            (out)[p] = (int8_t)((s > (limit)) - (s < -(limit)));                                 \
        }                                                                                        \
    }

/* The k rows summed over one block, weighted, into out. */
#define RJ_SUM_WEIGHTED(T, ADD, WEIGHTS, limit)                                          \
    {                                                                                    \
        T acc[RJ_BLOCK], tail[RJ_VB_WIDTH];                                              \
        for (int64_t j = 0; j < n; j++) acc[j] = 0;                                      \
        for (int64_t j = 0; j < RJ_VB_WIDTH; j++) tail[j] = 0;                           \
        for (int64_t r = 0; r < k; r++)                                                  \
            ADD(acc, tail, fetch(rows, r, c, n, tmp, bad), n, (T)(WEIGHTS)[r]);          \
        RJ_TRITS_OF(T, acc, tail, n, limit, out)                                          \
    }

/* The sums of k rows at positions c .. c + n (n <= RJ_BLOCK) made trits into out: counts in int8
 * lanes widened every RJ_VB_FLUSH rows without weights, else int32 sums where the weights' total
 * magnitude allows, int64 beyond, float64 for float weights. */
static void rj_sum_block(rj_fetch_fn *fetch, const void *rows, int64_t k, int64_t c, int64_t n, const int64_t *iw,
                         int small_weights, const double *fw, double threshold, int8_t *out, int *bad)
{
    int8_t tmp[RJ_BLOCK];
    const int64_t ti = threshold >= 9.0e18 ? INT64_MAX : (int64_t)threshold;   /* floor: threshold >= 0 */
    if (fw) {
        RJ_SUM_WEIGHTED(double, rj_add_f64, fw, threshold)
    } else if (iw && !small_weights) {
        RJ_SUM_WEIGHTED(int64_t, rj_add_i64, iw, ti)
    } else if (iw) {
        RJ_SUM_WEIGHTED(int32_t, rj_add_i32, iw, ti)
    } else {
        int32_t wide[RJ_BLOCK];
        int8_t acc[RJ_BLOCK];
        for (int64_t j = 0; j < n; j++) wide[j] = 0;
        for (int64_t r = 0; r < k;) {
            memset(acc, 0, (size_t)n);
            const int64_t stop = k - r > RJ_VB_FLUSH ? r + RJ_VB_FLUSH : k;
            for (; r < stop; r++) {
                const int8_t *t = fetch(rows, r, c, n, tmp, bad);
                int64_t j = 0;
                for (; j + RJ_VB_WIDTH <= n; j += RJ_VB_WIDTH)
                    rj_vb_store(acc + j, rj_vb_load(acc + j) + rj_vb_load(t + j));
                for (; j < n; j++) acc[j] += t[j];
            }
            for (int64_t j = 0; j < n; j++) wide[j] += acc[j];
        }
        for (int64_t j = 0; j < n; j++) out[j] = (int8_t)((wide[j] > ti) - (wide[j] < -ti));
    }
}

/* Whether int32 sums hold every partial sum of these weights. */
static inline int rj_small_weights(const int64_t *iw, int64_t k)
{
    int64_t total = 0;
    for (int64_t r = 0; r < k; r++) {
        const int64_t m = iw[r] < 0 ? -iw[r] : iw[r];
        if (m > INT32_MAX || (total += m) > INT32_MAX) return 0;
    }
    return 1;
}

#ifdef RJ_VSA_DENSE_H
/* ---- dense batches ---------------------------------------------------------------------------- */

typedef uint8_t rj_vu __attribute__((vector_size(RJ_VB_WIDTH)));

/* Lanes that hold no trit (anything but -1, 0, 1): -1 there. */
static inline rj_vb rj_not_trits(rj_vb v) { return (rj_vb)((rj_vu)(v + 1) > 2); }
static inline int rj_not_trit(int8_t x) { return (uint8_t)(x + 1) > 2; }
static inline int rj_any_lane(rj_vb v)
{
    int64_t any = 0;
    for (int l = 0; l < RJ_VB_WIDTH; l++) any |= v[l];
    return any != 0;
}

RJ_INLINE int rj_bind_row(const int8_t *a, const int8_t *b, int8_t *out, rj_vb *bad)
{
    int scalar_bad = 0;
    for (int64_t i = 0; i + RJ_VB_WIDTH <= RJ_DIM; i += RJ_VB_WIDTH) {
        const rj_vb x = rj_vb_load(a + i), y = rj_vb_load(b + i);
        *bad |= rj_not_trits(x) | rj_not_trits(y);
        rj_vb_store(out + i, rj_vb_mul(x, y));
    }
    if (RJ_REST && RJ_NV > 0) {
        const rj_vb x = rj_vb_load(a + RJ_DIM - RJ_VB_WIDTH), y = rj_vb_load(b + RJ_DIM - RJ_VB_WIDTH);
        *bad |= rj_not_trits(x) | rj_not_trits(y);
        rj_vb_store(out + RJ_DIM - RJ_VB_WIDTH, rj_vb_mul(x, y));
    }
    if (RJ_NV == 0)
        for (int64_t i = 0; i < RJ_DIM; i++) {
            scalar_bad |= rj_not_trit(a[i]) | rj_not_trit(b[i]);
            out[i] = (int8_t)(a[i] * b[i]);
        }
    return scalar_bad;
}

static inline int rj_dense_bind_rows(rj_call *call)
{
    const int64_t n = call->rows[2], ra = call->rows[0], rb = call->rows[1];
    if (call->len[2] != n * RJ_DIM || call->len[0] != ra * RJ_DIM || call->len[1] != rb * RJ_DIM
        || (ra != n && ra != 1) || (rb != n && rb != 1))
        return RJ_ERR_LENGTH;
    const int8_t *a = (const int8_t *)call->ptr[0], *b = (const int8_t *)call->ptr[1];
    const int64_t sa = rj_row_step(ra, RJ_DIM), sb = rj_row_step(rb, RJ_DIM);
    int8_t *out = (int8_t *)call->ptr[2];
    rj_vb bad = {0};
    int scalar_bad = 0;
    for (int64_t r = 0; r < n; r++) scalar_bad |= rj_bind_row(a + r * sa, b + r * sb, out + r * RJ_DIM, &bad);
    return scalar_bad || rj_any_lane(bad) ? RJ_ERR_ARGUMENT : RJ_OK;
}

/* n trits from src to dst, checked. */
static inline int rj_copy_trits(int8_t *dst, const int8_t *src, int64_t n, rj_vb *bad)
{
    int64_t i = 0;
    int scalar_bad = 0;
    for (; i + RJ_VB_WIDTH <= n; i += RJ_VB_WIDTH) {
        const rj_vb v = rj_vb_load(src + i);
        *bad |= rj_not_trits(v);
        rj_vb_store(dst + i, v);
    }
    for (; i < n; i++) {
        scalar_bad |= rj_not_trit(src[i]);
        dst[i] = src[i];
    }
    return scalar_bad;
}

static inline int rj_dense_permute_rows(rj_call *call)
{
    const int64_t n = call->rows[0], shift = call->inum[0];
    if (call->len[0] != n * RJ_DIM || call->len[1] != n * RJ_DIM || shift < 0 || shift >= RJ_DIM)
        return RJ_ERR_LENGTH;
    const int8_t *in = (const int8_t *)call->ptr[0];
    int8_t *out = (int8_t *)call->ptr[1];
    rj_vb bad = {0};
    int scalar_bad = 0;
    for (int64_t r = 0; r < n; r++) {   /* out[(i + shift) mod RJ_DIM] = in[i]: two runs */
        const int8_t *v = in + r * RJ_DIM;
        int8_t *o = out + r * RJ_DIM;
        scalar_bad |= rj_copy_trits(o + shift, v, RJ_DIM - shift, &bad);
        scalar_bad |= rj_copy_trits(o, v + RJ_DIM - shift, shift, &bad);
    }
    return scalar_bad || rj_any_lane(bad) ? RJ_ERR_ARGUMENT : RJ_OK;
}

/* A dense row's trits, checked, in place. */
static const int8_t *rj_fetch_dense(const void *rows, int64_t r, int64_t c, int64_t n, int8_t *tmp, int *bad)
{
    (void)tmp;
    const int8_t *t = (const int8_t *)rows + r * RJ_DIM + c;
    rj_vb b = {0};
    int64_t j = 0;
    for (; j + RJ_VB_WIDTH <= n; j += RJ_VB_WIDTH) b |= rj_not_trits(rj_vb_load(t + j));
    for (; j < n; j++) *bad |= rj_not_trit(t[j]);
    *bad |= rj_any_lane(b);
    return t;
}

static inline int rj_dense_bundle_rows(rj_call *call)
{
    int64_t g;
    if (!rj_bundle_shape_ok(call, RJ_DIM, &g) || call->inum[2] > RJ_DIM) return RJ_ERR_LENGTH;
    const int64_t k = call->inum[0], lo = call->inum[1], hi = call->inum[2];
    const int64_t *iw = call->len[1] ? (const int64_t *)call->ptr[1] : 0;
    const double *fw = call->len[2] ? (const double *)call->ptr[2] : 0;
    const int small = iw ? rj_small_weights(iw, k) : 1;
    int bad = 0;
    for (int64_t j = 0; j < g; j++) {
        const int8_t *rows = (const int8_t *)call->ptr[0] + j * k * RJ_DIM;
        int8_t *out = (int8_t *)call->ptr[3] + j * RJ_DIM;
        for (int64_t c = lo; c < hi; c += RJ_BLOCK) {
            const int64_t n = hi - c < RJ_BLOCK ? hi - c : RJ_BLOCK;
            rj_sum_block(rj_fetch_dense, rows, k, c, n, iw, small, fw, call->num[0], out + c, &bad);
        }
    }
    return bad ? RJ_ERR_ARGUMENT : RJ_OK;
}
#endif /* RJ_VSA_DENSE_H */

#ifdef RJ_VSA_PACKED_H
/* ---- packed batches --------------------------------------------------------------------------- */

static inline int rj_packed_bind_rows(rj_call *call)
{
    const int64_t n = call->rows[2], ra = call->rows[0], rb = call->rows[1];
    if (call->len[2] != n * RJ_PACKED_LEN || call->len[0] != ra * RJ_PACKED_LEN
        || call->len[1] != rb * RJ_PACKED_LEN || (ra != n && ra != 1) || (rb != n && rb != 1))
        return RJ_ERR_LENGTH;
    const uint64_t *a = (const uint64_t *)call->ptr[0], *b = (const uint64_t *)call->ptr[1];
    if (!rj_rows_ok(a, ra) || !rj_rows_ok(b, rb)) return RJ_ERR_LENGTH;
    const int64_t sa = rj_row_step(ra, RJ_PACKED_LEN), sb = rj_row_step(rb, RJ_PACKED_LEN);
    uint64_t *out = (uint64_t *)call->ptr[2];
    for (int64_t r = 0; r < n; r++) {
        const uint64_t *x = a + r * sa, *y = b + r * sb;
        uint64_t *o = out + r * RJ_PACKED_LEN;
        for (int64_t g = 0; g < RJ_GROUPS; g++) {
            const int64_t w = g * RJ_PQ_WORDS;
            const rj_planes group = rj_planes_at(x, y, w);
            rj_pq_store(o + w, rj_same_words(group));
            rj_pq_store(o + RJ_WORDS + w, rj_opposite_words(group));
        }
        for (int64_t w = RJ_GROUPS * RJ_PQ_WORDS; w < RJ_WORDS; w++) {
            const uint64_t p1 = x[w], n1 = x[RJ_WORDS + w], p2 = y[w], n2 = y[RJ_WORDS + w];
            o[w] = (p1 & p2) | (n1 & n2);
            o[RJ_WORDS + w] = (p1 & n2) | (n1 & p2);
        }
        o[2 * RJ_WORDS] = (uint64_t)RJ_DIM;
    }
    return RJ_OK;
}

/* The 64 bits of a plane from bit 64 * i + e on (0 <= e < 64, i >= -1), zeros outside the plane. */
static inline uint64_t rj_funnel(const uint64_t *plane, int64_t i, int e)
{
    const uint64_t lo = i >= 0 && i < RJ_WORDS ? plane[i] : 0, hi = i + 1 < RJ_WORDS ? plane[i + 1] : 0;
    return e ? (lo >> e) | (hi << (64 - e)) : lo;
}

/* out[w] = (or |=) the plane's 64 bits from bit 64 * (w + off) + e on, for w in [lo, hi). */
static inline void rj_funnel_words(const uint64_t *in, uint64_t *out, int64_t lo, int64_t hi, int64_t off, int e,
                                   int or_in)
{
    int64_t w = lo;
    for (; w < hi && w + off < 0; w++) out[w] = (or_in ? out[w] : 0) | rj_funnel(in, w + off, e);
    for (; w + RJ_PQ_WORDS <= hi && w + off + RJ_PQ_WORDS < RJ_WORDS; w += RJ_PQ_WORDS) {   /* whole groups */
        const rj_pq x = rj_pq_load(in + w + off), next = rj_pq_load(in + w + off + 1);
        const rj_pq v = e ? (x >> e) | (next << (64 - e)) : x;
        rj_pq_store(out + w, or_in ? rj_pq_load(out + w) | v : v);
    }
    for (; w < hi; w++) out[w] = (or_in ? out[w] : 0) | rj_funnel(in, w + off, e);
}

/* One plane rotated by a shift known at run time: out bit j = in bit (j + s) mod RJ_DIM, with
 * s = RJ_DIM - shift. The in bits from s on land from out bit 0 (a funnel shift of whole words,
 * over the out words before d = RJ_DIM - s; the plane's zero padding fills in after them), those
 * before s from out bit d (another, ORed in; what lands past RJ_DIM is masked off the last word). */
static void rj_rotate_words(const uint64_t *in, uint64_t *out, int64_t shift)
{
    const int64_t s = (RJ_DIM - shift) % RJ_DIM, d = RJ_DIM - s, first = (d + 63) >> 6;
    rj_funnel_words(in, out, 0, first, s >> 6, (int)(s & 63), 0);
    for (int64_t w = first; w < RJ_WORDS; w++) out[w] = 0;
    const int e = (int)((64 - (d & 63)) & 63);   /* out word w takes in bits from 64w - d = 64 * i + e on */
    rj_funnel_words(in, out, d >> 6, RJ_WORDS, (64 * (d >> 6) - d - e) / 64 - (d >> 6), e, 1);
    if (RJ_DIM % 64) out[RJ_WORDS - 1] &= ((uint64_t)1 << (RJ_DIM % 64)) - 1;
}

static inline int rj_packed_permute_rows(rj_call *call)
{
    const int64_t n = call->rows[0], shift = call->inum[0];
    if (call->len[0] != n * RJ_PACKED_LEN || call->len[1] != n * RJ_PACKED_LEN || shift < 0 || shift >= RJ_DIM)
        return RJ_ERR_LENGTH;
    const uint64_t *in = (const uint64_t *)call->ptr[0];
    if (!rj_rows_ok(in, n)) return RJ_ERR_LENGTH;
    uint64_t *out = (uint64_t *)call->ptr[1];
    for (int64_t r = 0; r < n; r++) {
        const uint64_t *v = in + r * RJ_PACKED_LEN;
        uint64_t *o = out + r * RJ_PACKED_LEN;
        rj_rotate_words(v, o, shift);
        rj_rotate_words(v + RJ_WORDS, o + RJ_WORDS, shift);
        o[2 * RJ_WORDS] = (uint64_t)RJ_DIM;
    }
    return RJ_OK;
}

#define RJ_BLOCK_WORDS (RJ_BLOCK / 64)

/* bit i of a byte → byte i of a word (0 or 1), for every byte value */
static inline void rj_spread_table(uint64_t *table)
{
    for (uint64_t x = 0; x < 256; x++) {
        uint64_t s = (x | (x << 28)) & 0x0000000F0000000Full;
        s = (s | (s << 14)) & 0x0003000300030003ull;
        table[x] = (s | (s << 7)) & 0x0101010101010101ull;
    }
}

/* A packed row's trits in words c / 64 .. (c + n) / 64 of its planes, one int8 each, into tmp;
 * `rows` is the spread table followed by the batch's address (rj_unpack_source). */
struct rj_unpack_source { uint64_t spread[256]; const uint64_t *rows; };

static const int8_t *rj_fetch_packed(const void *source, int64_t r, int64_t c, int64_t n, int8_t *tmp, int *bad)
{
    (void)bad;
    const struct rj_unpack_source *s = (const struct rj_unpack_source *)source;
    const uint8_t *p = (const uint8_t *)(s->rows + r * RJ_PACKED_LEN + c / 64);
    const uint8_t *m = (const uint8_t *)(s->rows + r * RJ_PACKED_LEN + RJ_WORDS + c / 64);
    for (int64_t i = 0; i < (n + 7) / 8; i++) {   /* little-endian words: byte i holds trits 8i .. 8i + 7 */
        const uint64_t t = s->spread[p[i]] | (s->spread[m[i]] * 0xff);
        memcpy(tmp + 8 * i, &t, 8);
    }
    return tmp;
}

/* Trits t (one per int8) back to nw words of each plane of out from word w. */
static inline void rj_pack_block(const int8_t *t, int64_t w, int64_t nw, uint64_t *out)
{
    for (int64_t i = 0; i < nw; i++) {
        uint64_t p = 0, m = 0;
        for (int b = 0; b < 64; b++) {
            p |= (uint64_t)(t[64 * i + b] > 0) << b;
            m |= (uint64_t)(t[64 * i + b] < 0) << b;
        }
        out[w + i] = p;
        out[RJ_WORDS + w + i] = m;
    }
}

static inline int rj_packed_bundle_rows(rj_call *call)
{
    int64_t g;
    if (!rj_bundle_shape_ok(call, RJ_PACKED_LEN, &g) || call->inum[2] > RJ_WORDS) return RJ_ERR_LENGTH;
    const int64_t k = call->inum[0], lo = call->inum[1], hi = call->inum[2];
    const int64_t *iw = call->len[1] ? (const int64_t *)call->ptr[1] : 0;
    const double *fw = call->len[2] ? (const double *)call->ptr[2] : 0;
    const int small = iw ? rj_small_weights(iw, k) : 1, plain = !fw && !iw && call->num[0] < 1.0;
    if (!rj_rows_ok((const uint64_t *)call->ptr[0], g * k)) return RJ_ERR_LENGTH;
    struct rj_unpack_source source;
    if (!plain) rj_spread_table(source.spread);
    int bad = 0;
    for (int64_t j = 0; j < g; j++) {
        const uint64_t *rows = (const uint64_t *)call->ptr[0] + j * k * RJ_PACKED_LEN;
        uint64_t *out = (uint64_t *)call->ptr[3] + j * RJ_PACKED_LEN;
        if (lo == 0) out[2 * RJ_WORDS] = (uint64_t)RJ_DIM;
        if (plain) {   /* the plain majority: bit-sliced counters */
            rj_bundle_words(0, rows, k, out, lo, hi);
            continue;
        }
        source.rows = rows;
        for (int64_t w = lo; w < hi; w += RJ_BLOCK_WORDS) {
            const int64_t nw = hi - w < RJ_BLOCK_WORDS ? hi - w : RJ_BLOCK_WORDS;
            int8_t trits[RJ_BLOCK];
            rj_sum_block(rj_fetch_packed, &source, k, 64 * w, 64 * nw, iw, small, fw, call->num[0], trits, &bad);
            rj_pack_block(trits, w, nw, out);
        }
    }
    return RJ_OK;
}
#endif /* RJ_VSA_PACKED_H */

#endif /* RJ_VSA_BATCH_H */
