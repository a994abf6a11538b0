/* rj_reduce.h - reductions over a kernel's samples (templates/reduce.c): sums, products,
 * minima and maxima, folded in the vector loop and finished after it, one per channel.
 *
 *   rj_sum     a sum in double: the vector loop adds into double lanes for RJ_BLOCK vectors at a
 *              time, then the block's total joins a binary cascade (level k holds the sum of 2^k
 *              blocks), as numpy's pairwise sum does. Error bound, relative to the sum of the
 *              magnitudes: (RJ_BLOCK + log2(lanes) + log2(blocks) + 2) * 2^-53, and the final
 *              rounding to the kernel's dtype. A loop that runs sample by sample (a graph with
 *              state, or one that does not vectorise) adds RJ_BLOCK values a block, one lane.
 *   rj_prod    a product in double, lane by lane, then across the lanes.
 *   min / max  in the kernel's dtype with simd.h's rj_*_min / rj_*_max: NaN anywhere gives NaN.
 */
#ifndef RJ_REDUCE_H
#define RJ_REDUCE_H

#include "simd.h"

#define RJ_BLOCK 64   /* vector adds between folds into the cascade */

typedef struct {
    rj_vd lanes;       /* the current block, per lane */
    double tail;       /* values added one at a time: the samples after the last whole vector, */
    int64_t in_tail;   /* or every sample of a loop that runs sample by sample */
    double level[64];  /* the cascade: level k, when bit k of blocks is set, holds 2^k blocks' sum */
    int64_t blocks;
} rj_sum;

RJ_INLINE void rj_sum_init(rj_sum *s)
{
    s->lanes = rj_vd_set1(0.0);
    s->tail = 0.0;
    s->in_tail = 0;
    s->blocks = 0;
}

/* A block's total into the cascade, like a binary counter's carry. */
RJ_INLINE void rj_sum_carry(rj_sum *s, double total)
{
    int64_t b = s->blocks++;
    int k = 0;
    for (; b & 1; b >>= 1, k++) total += s->level[k];
    s->level[k] = total;
}

/* The block's lanes into the cascade; the lanes start again. */
RJ_INLINE void rj_sum_fold(rj_sum *s)
{
    double total = 0.0;
    for (int l = 0; l < RJ_VD_WIDTH; l++) total += ((const double *)&s->lanes)[l];
    rj_sum_carry(s, total);
    s->lanes = rj_vd_set1(0.0);
}

RJ_INLINE double rj_sum_total(rj_sum *s)
{
    rj_sum_fold(s);
    double total = s->tail;
    int64_t b = s->blocks;
    for (int k = 0; b; b >>= 1, k++)   /* the smallest partial sums first */
        if (b & 1) total += s->level[k];
    return total;
}

/* One vector of the kernel's values into the lanes (a float vector is two double halves). */
RJ_INLINE void rj_sum_add_vd(rj_sum *s, rj_vd v) { s->lanes += v; }
#if RJ_VECTOR_BYTES
RJ_INLINE void rj_sum_add_vf(rj_sum *s, rj_vf v)
{
    s->lanes += rj_vd_widen(v);
    s->lanes += rj_vd_widen_high(v);
}
#else
RJ_INLINE void rj_sum_add_vf(rj_sum *s, rj_vf v) { s->lanes += (double)v; }
#endif
/* One value: RJ_BLOCK of them make a block of the cascade, so a loop that adds every sample this
 * way keeps the bound above (with lanes = 1). */
RJ_INLINE void rj_sum_add_scalar(rj_sum *s, double x)
{
    s->tail += x;
    if (++s->in_tail == RJ_BLOCK) {
        rj_sum_carry(s, s->tail);
        s->tail = 0.0;
        s->in_tail = 0;
    }
}

typedef struct {
    rj_vd lanes;
    double tail;
} rj_prod;

RJ_INLINE void rj_prod_init(rj_prod *p) { p->lanes = rj_vd_set1(1.0); p->tail = 1.0; }
RJ_INLINE void rj_prod_add_vd(rj_prod *p, rj_vd v) { p->lanes *= v; }
#if RJ_VECTOR_BYTES
RJ_INLINE void rj_prod_add_vf(rj_prod *p, rj_vf v) { p->lanes *= rj_vd_widen(v) * rj_vd_widen_high(v); }
#else
RJ_INLINE void rj_prod_add_vf(rj_prod *p, rj_vf v) { p->lanes *= (double)v; }
#endif
RJ_INLINE void rj_prod_add_scalar(rj_prod *p, double x) { p->tail *= x; }
RJ_INLINE double rj_prod_total(const rj_prod *p)
{
    double total = p->tail;
    for (int l = 0; l < RJ_VD_WIDTH; l++) total *= ((const double *)&p->lanes)[l];
    return total;
}

/* A min or max over a vector's lanes and a scalar, with the NaN rule of the op. */
#define RJ_LANES_FOLD(NAME, V, T, W, OP)                                                          \
    RJ_INLINE T NAME(V v, T acc)                                                                  \
    {                                                                                             \
        for (int l = 0; l < W; l++) acc = OP(acc, ((const T *)&v)[l]);                            \
        return acc;                                                                               \
    }
RJ_LANES_FOLD(rj_vf_min_lanes, rj_vf, float, RJ_VF_WIDTH, rj_f_min)
RJ_LANES_FOLD(rj_vf_max_lanes, rj_vf, float, RJ_VF_WIDTH, rj_f_max)
RJ_LANES_FOLD(rj_vd_min_lanes, rj_vd, double, RJ_VD_WIDTH, rj_d_min)
RJ_LANES_FOLD(rj_vd_max_lanes, rj_vd, double, RJ_VD_WIDTH, rj_d_max)

#endif /* RJ_REDUCE_H */
