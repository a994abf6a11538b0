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
 *                                    (k, or none), out (g rows); inum k, lo, hi, single; num threshold.
 *       Out row j = the k rows from j * k, weighted, summed, and made a trit: +1 where the sum is
 *       above the threshold, -1 where below minus it, else 0 (integer sums compare with the
 *       threshold's floor; float weights are summed in float32 where `single` is 1 (they are
 *       float32 values), else float64, row after row). Only positions lo..hi are written: trits
 *       (dense), or words of each plane (packed; the guard words where lo is 0).
 * Dense entries check every trit they read and return RJ_ERR_ARGUMENT for any other byte (the
 * slow path names it); packed rows are checked by their guard words. This file holds what both
 * layouts share (the bundle's weighted sums); the entries are in vsa_batch_dense.h and
 * vsa_batch_packed.h, which it includes after itself for the layout header included before it.
 */
#ifndef RJ_VSA_BATCH_H
#define RJ_VSA_BATCH_H

#include <stdint.h>
#include <string.h>

/* How far a row steps through a batch of `rows` rows: 0 for a single row, which broadcasts. */
static inline int64_t rj_row_step(int64_t rows, int64_t len) { return rows == 1 ? 0 : len; }

/* The floor of a threshold >= 0 as an int64: exact below 2**63 (doubles from 2**53 on are integers), INT64_MAX
 * from 2**63 on (no sum exceeds it; the conversion of such a double would be undefined). */
static inline int64_t rj_threshold_floor(double threshold)
{
    return threshold >= 9223372036854775808.0 ? INT64_MAX : (int64_t)threshold;
}

/* Whether a weighted bundle's buffers agree: in holds g * k rows of `len`, out g rows, the weights k or none. */
static inline int rj_bundle_shape_ok(rj_call *call, int64_t len, int64_t *g)
{
    const int64_t k = call->inum[0];
    if (k < 1 || call->len[3] % len || call->len[0] != k * call->len[3]) return 0;
    if ((call->len[1] != 0 && call->len[1] != k) || (call->len[2] != 0 && call->len[2] != k)) return 0;
    if (call->inum[1] < 0 || call->inum[1] > call->inum[2] || !(call->num[0] >= 0.0)) return 0;
    if (call->inum[3] != 0 && call->inum[3] != 1) return 0;
    *g = call->len[3] / len;
    return 1;
}

/* ---- the weighted sums of a bundle, shared by both layouts ----------------------------------- */

#define RJ_BLOCK 2048   /* positions summed at once: the accumulators stay in L1 while rows stream by */
#define RJ_LANES (RJ_VB_WIDTH / 4)
typedef int32_t rj_vi __attribute__((vector_size(RJ_VB_WIDTH)));      /* RJ_LANES int32, */
typedef uint32_t rj_vui __attribute__((vector_size(RJ_VB_WIDTH)));
typedef int32_t rj_vih __attribute__((vector_size(RJ_VB_WIDTH / 2)));   /* half of them, */
typedef int64_t rj_vl __attribute__((vector_size(RJ_VB_WIDTH)));      /* or widened to int64 */

/* Row r's n trits from position c, one int8 each, as a pointer (into the batch, or into tmp);
 * *bad set if any is no trit. */
typedef const int8_t *rj_fetch_fn(const void *rows, int64_t r, int64_t c, int64_t n, int8_t *tmp, int *bad);

/* acc += w * t over the first nv trits (a multiple of RJ_VB_WIDTH), then tail += w * t over the
 * rest. Each vector of trits is read as RJ_LANES int32 lanes of 4 trits, and its byte i widened
 * by shifts (no byte-to-int conversion instruction is needed), so the accumulators are
 * interleaved: trit q of a vector (q < RJ_VB_WIDTH) is element (q % 4) * RJ_LANES + q / 4. */
#define RJ_ADD_INTERLEAVED(T, V, acc, x, w)                                              \
    {                                                                                    \
        V a;                                                                             \
        memcpy(&a, acc, sizeof a);                                                       \
        a += __builtin_convertvector(x, V) * w;                                          \
        memcpy(acc, &a, sizeof a);                                                       \
    }
/* int32 sums: a whole vector of lanes at once; int64 and float64 ones: half at a time. */
#define RJ_ADD_FULL(T, V, acc, x, w) RJ_ADD_INTERLEAVED(T, V, acc, x, w)
#define RJ_ADD_HALVES(T, V, acc, x, w)                                                   \
    {                                                                                    \
        rj_vih half[2];                                                                  \
        memcpy(half, &x, sizeof half);                                                   \
        RJ_ADD_INTERLEAVED(T, V, acc, half[0], w)                                        \
        RJ_ADD_INTERLEAVED(T, V, acc + RJ_LANES / 2, half[1], w)                         \
    }
#define RJ_DEFINE_ADD(NAME, T, V, ADD)                                                   \
    static inline void NAME(T *acc, T *tail, const int8_t *t, int64_t n, T w)           \
    {                                                                                    \
        const int64_t nv = n - n % RJ_VB_WIDTH;                                          \
        for (int64_t c = 0; c < nv; c += RJ_VB_WIDTH) {                                  \
            rj_vui v;                                                                    \
            memcpy(&v, t + c, sizeof v);                                                 \
            _Pragma("GCC unroll 4") for (int i = 0; i < 4; i++) {                        \
                const rj_vi x = (rj_vi)(v << (24 - 8 * i)) >> 24;                        \
                ADD(T, V, acc + c + i * RJ_LANES, x, w)                                  \
            }                                                                            \
        }                                                                                \
        for (int64_t j = nv; j < n; j++) tail[j - nv] += (T)t[j] * w;                    \
    }
RJ_DEFINE_ADD(rj_add_i32, int32_t, rj_vi, RJ_ADD_FULL)
RJ_DEFINE_ADD(rj_add_i64, int64_t, rj_vl, RJ_ADD_HALVES)

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

/* ---- float weights: sums in float32 or float64, row after row ---------------------------------
 * s[p] = (((0 + w[0] t[0][p]) + w[1] t[1][p]) + ...) in the weights' type, rows in order: each
 * product is exact (a trit times a weight), each addition rounded once, in the order the numpy
 * reference (reference.bundle_rows) adds whole rows; a fused multiply-add rounds the same. The sums
 * are compared with the threshold in float64 (a float32 sum widened exactly). RJ_FROWS rows are
 * added per load and store of the sums of a vector of trits, laid out as RJ_DEFINE_ADD's. */
#define RJ_FROWS 8
typedef float rj_vf __attribute__((vector_size(RJ_VB_WIDTH)));    /* RJ_LANES float32 */
typedef double rj_vd __attribute__((vector_size(RJ_VB_WIDTH)));   /* RJ_LANES / 2 float64 */
/* s (sums of 4 trits per int32 lane's byte, as RJ_DEFINE_ADD interleaves them) += x * w */
#define RJ_FLOAT_ADD_1(s, x, w) (s)[0] += __builtin_convertvector(x, rj_vf) * (w);
#define RJ_FLOAT_ADD_2(s, x, w)                                                                           \
    {                                                                                                    \
        rj_vih half[2];                                                                                  \
        memcpy(half, &(x), sizeof half);                                                                 \
        (s)[0] += RJ_WIDEN_PD(half[0]) * (w);                                                            \
        (s)[1] += RJ_WIDEN_PD(half[1]) * (w);                                                            \
    }
/* GCC 12 makes the generic int32 to float64 conversion two 128-bit halves and an insert; clang's
 * is one instruction. (A fused multiply-add would round the same, but measured no faster.) */
#if defined(RJ_VSA_X86_AVX2) && !defined(__clang__)
typedef int rj_v4si __attribute__((vector_size(16)));
#  define RJ_WIDEN_PD(x) ((rj_vd)__builtin_ia32_cvtdq2pd256((rj_v4si)(x)))
#else
#  define RJ_WIDEN_PD(x) __builtin_convertvector(x, rj_vd)
#endif
#define RJ_DEFINE_FLOAT_SUMS(NAME, T, VT, PARTS)                                                          \
    static void NAME(rj_fetch_fn *fetch, const void *rows, int64_t k, int64_t c, int64_t n, const double *fw, \
                     double threshold, int8_t *out, int *bad)                                            \
    {                                                                                                    \
        T acc[RJ_BLOCK], tail[RJ_VB_WIDTH];                                                              \
        int8_t tmp[RJ_FROWS][RJ_BLOCK];                                                                  \
        const int64_t nv = n - n % RJ_VB_WIDTH;                                                          \
        for (int64_t p = 0; p < n; p++) acc[p] = 0;                                                      \
        for (int64_t p = 0; p < RJ_VB_WIDTH; p++) tail[p] = 0;                                           \
        for (int64_t r = 0; r < k; r += RJ_FROWS) {                                                      \
            const int m = k - r < RJ_FROWS ? (int)(k - r) : RJ_FROWS;                                    \
            const int8_t *t[RJ_FROWS];                                                                   \
            T w[RJ_FROWS];                                                                               \
            for (int i = 0; i < m; i++) {                                                                \
                t[i] = fetch(rows, r + i, c, n, tmp[i], bad);                                            \
                w[i] = (T)fw[r + i];                                                                     \
            }                                                                                            \
            for (int64_t p = 0; p < nv; p += RJ_VB_WIDTH) {                                              \
                VT s[4 * PARTS];                                                                         \
                memcpy(s, acc + p, sizeof s);                                                            \
                for (int i = 0; i < m; i++) {                                                            \
                    rj_vui v;                                                                            \
                    memcpy(&v, t[i] + p, sizeof v);                                                      \
                    _Pragma("GCC unroll 4") for (int b = 0; b < 4; b++) {                                \
                        const rj_vi x = (rj_vi)(v << (24 - 8 * b)) >> 24;                                \
                        RJ_FLOAT_ADD_##PARTS(s + b * PARTS, x, w[i])                                     \
                    }                                                                                    \
                }                                                                                        \
                memcpy(acc + p, s, sizeof s);                                                            \
            }                                                                                            \
            for (int64_t p = nv; p < n; p++)                                                             \
                for (int i = 0; i < m; i++) tail[p - nv] += (T)t[i][p] * w[i];                           \
        }                                                                                                \
        for (int64_t p = 0; p < n; p++) {                                                                \
            const int64_t q = p % RJ_VB_WIDTH;                                                           \
            const double sum = p < nv ? acc[p - q + (q & 3) * RJ_LANES + q / 4] : tail[p - nv];          \
            out[p] = (int8_t)((sum > threshold) - (sum < -threshold));                                   \
        }                                                                                                \
    }
RJ_DEFINE_FLOAT_SUMS(rj_float_sums_f32, float, rj_vf, 1)
RJ_DEFINE_FLOAT_SUMS(rj_float_sums_f64, double, rj_vd, 2)

/* The sums of k rows at positions c .. c + n (n <= RJ_BLOCK) made trits into out: counts in int8
 * lanes widened every RJ_VB_FLUSH rows without weights, else int32 sums where the weights' total
 * magnitude allows, int64 beyond; float weights (fw) in float32 sums where single, else float64. */
static void rj_sum_block(rj_fetch_fn *fetch, const void *rows, int64_t k, int64_t c, int64_t n, const int64_t *iw,
                         int small_weights, const double *fw, int single, double threshold, int8_t *out, int *bad)
{
    int8_t tmp[RJ_BLOCK];
    const int64_t ti = rj_threshold_floor(threshold);
    if (fw && single) {
        rj_float_sums_f32(fetch, rows, k, c, n, fw, threshold, out, bad);
    } else if (fw) {
        rj_float_sums_f64(fetch, rows, k, c, n, fw, threshold, out, bad);
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
        if (iw[r] == INT64_MIN) return 0;
        const int64_t m = iw[r] < 0 ? -iw[r] : iw[r];
        if (m > INT32_MAX || (total += m) > INT32_MAX) return 0;
    }
    return 1;
}

#ifdef RJ_VSA_DENSE_H
#  include "vsa_batch_dense.h"
#endif
#ifdef RJ_VSA_PACKED_H
#  include "vsa_batch_packed.h"
#  include "vsa_record.h"
#  include "vsa_learn.h"
#  include "vsa_dots.h"
#  include "vsa_retrain.h"
#endif

#endif /* RJ_VSA_BATCH_H */
