/* rj_reduce.h - reductions over a kernel's samples (templates/reduce.c, templates/stateful.c):
 * sums, products, minima and maxima, one value per row (a channel; a 1-D call is one row).
 *
 * One order of operations, whichever loop runs. A row's samples reach a reduction through
 * reduce.c's vector loop (a vector of `lanes` values at a time, RJ_VF_WIDTH floats or RJ_VD_WIDTH
 * doubles, then the last n % lanes samples one by one), or one sample at a time, in the loop of a
 * graph that runs sample by sample (one with state, or with a node that does not vectorise). Both fold the same values in the same order:
 *   - sample i of the first whole = n - n % lanes (the row's whole vectors) goes into lane
 *     i % lanes of the accumulator, each lane taking its samples in the order of i;
 *   - the samples from `whole` on go one by one into the accumulator's tail;
 *   - a sum folds its lanes into its cascade after every RJ_SUM_BLOCK samples per lane (a block:
 *     RJ_SUM_BLOCK vectors, the first from sample 0) and after the last whole vector.
 * The vector loop adds a whole vector at a time (_add_v*, _add_vector) and the tail one value at a
 * time (_add_tail). A loop that goes sample by sample (_add_sample*) stages the values of whole
 * vectors, then adds each vector as the vector loop does (the same vector operation on the same
 * values), and folds where the vector loop folds. So a reduction gives the same bits beside any
 * other output of its graph. (The lane count is the tier's: between tiers a sum may differ in its
 * last bits, within its bound.)
 *
 *   rj_sum     a sum in double. Each lane adds at most RJ_SUM_BLOCK values (the first onto +0.0,
 *              exactly); a block's lanes are folded pairwise (log2(lanes) adds deep) and its total
 *              joins a binary cascade, level k holding the sum of 2^k blocks, as numpy's pairwise
 *              sum does; the total is the tail plus the levels, smallest first. A value thus
 *              passes through at most RJ_SUM_BLOCK - 1 + log2(lanes) + floor(log2(blocks)) + 1
 *              rounded adds (a tail value, at most lanes - 2 + floor(log2(blocks)) + 1), which
 *              bounds the error, relative to the sum of the magnitudes, by
 *              (RJ_SUM_BLOCK + log2(lanes) + log2(blocks) + 2) * 2^-53 (the 2 covers the terms of
 *              second order), then the final rounding to the kernel's dtype. README states it;
 *              tests/test_reduction_order.py holds it against inputs that lose a whole block's
 *              adds in one lane.
 *   rj_prod    a product in double, lane by lane, then across the lanes.
 *   min / max  in the kernel's dtype with simd.h's rj_*_min / rj_*_max: NaN anywhere gives NaN.
 *   argmin / argmax  blocks of values in order, each reduced by vector min / max, searched only
 *              where it holds a NaN or a better value than the best so far.
 *
 * Every add and multiply is simd.h's rj_*_add / rj_*_mul, the accumulator first: one instruction
 * in the order written. Where two NaNs meet, the first operand's comes out, and a compiler free to
 * swap the operands of a C + (clang 22 does, in the AVX-512 fold) would choose which NaN a sum
 * gives: with the order fixed, every compiler gives the same bits.
 */
#ifndef RJ_REDUCE_H
#define RJ_REDUCE_H

#include "simd.h"

#define RJ_SUM_BLOCK 64   /* values a lane of a sum adds between folds into the cascade */

/* Lane l of a vector (a vector of the scalar tier is its one lane). */
#if RJ_VECTOR_BYTES
#  define RJ_LANE(v, l) ((v)[l])
#else
#  define RJ_LANE(v, l) (v)
#endif

/* NAME(a, x, i): sample i's value x, in a loop that goes sample by sample, into accumulator a of
 * type ACC. The values of the row's whole vectors (of W values) are staged in a->STAGED, up to
 * RJ_STAGE_VECTORS vectors, then each vector goes to ADD_STAGED(a, its first value), which adds it
 * as the vector loop adds a vector, and END_VECTORS(a, samples so far, W) follows; the samples
 * after the last whole vector go to ADD_TAIL, as in the vector loop's tail. (Staged, not put in
 * their lanes one by one: a vector loaded just after its values were stored one by one waits for
 * the stores, a stall each vector. A one-value "vector" of the scalar tier goes straight on, as a
 * store and a load of one value cost nothing.) */
#define RJ_STAGE_VECTORS 16
#define RJ_STAGED(W) ((W) == 1 ? 1 : RJ_STAGE_VECTORS * (W))   /* values staged at most */
#define RJ_ADD_SAMPLE(NAME, ACC, T, W, STAGED, ADD_STAGED, ADD_TAIL, END_VECTORS)                  \
    RJ_INLINE void NAME(ACC *a, T x, int64_t i)                                                   \
    {                                                                                             \
        if (i >= a->whole) {                                                                      \
            ADD_TAIL(a, x);                                                                       \
            return;                                                                               \
        }                                                                                         \
        const int64_t at = i & (RJ_STAGED(W) - 1);   /* W: a power of two */                     \
        a->STAGED[at] = x;                                                                        \
        if (at == RJ_STAGED(W) - 1 || i + 1 == a->whole) {   /* whole is W x vectors */           \
            for (int64_t j = 0; j <= at; j += W) ADD_STAGED(a, a->STAGED + j);                    \
            END_VECTORS(a, i + 1, W);                                                             \
        }                                                                                         \
    }
#define RJ_NOTHING_MORE(a, samples, lanes) ((void)0)
_Static_assert(RJ_SUM_BLOCK % RJ_STAGE_VECTORS == 0, "a block of a sum ends where staged vectors do");

/* -- sums ------------------------------------------------------------------------------------- */

/* A sum's or product's lanes are doubles: those of a float vector are two double halves, lanes 0
 * to RJ_VD_WIDTH - 1 in part[0] and the others in part[1] (float64 uses part[0] only). */
typedef struct {
    rj_vd part[2];     /* the current block's lanes */
    double staged[RJ_STAGE_VECTORS * RJ_VF_WIDTH];   /* a loop going sample by sample stages values */
    double tail;       /* the samples after the row's last whole vector */
    int64_t whole;     /* the row's samples in whole vectors */
    int lanes;         /* values per vector: RJ_VF_WIDTH or RJ_VD_WIDTH */
    int64_t blocks;
    double level[64];  /* the cascade: level k, when bit k of blocks is set, holds 2^k blocks' sum */
} rj_sum;

/* A sum over a row of n samples, of vectors of `lanes` values. */
RJ_INLINE void rj_sum_init(rj_sum *s, int64_t n, int lanes)
{
    s->part[0] = s->part[1] = rj_vd_set1(0.0);
    s->tail = 0.0;
    s->whole = n - n % lanes;
    s->lanes = lanes;
    s->blocks = 0;
}

/* A block's total into the cascade, like a binary counter's carry. */
RJ_INLINE void rj_sum_carry(rj_sum *s, double total)
{
    int64_t b = s->blocks++;
    int k = 0;
    for (; b & 1; b >>= 1, k++) total = rj_d_add(total, s->level[k]);
    s->level[k] = total;
}

/* The block's lanes, pairwise (lane l plus lane l + half, for half = lanes / 2, lanes / 4, ... 1),
 * into the cascade; the lanes start again. With float32 the first step adds the two parts. */
RJ_INLINE void rj_sum_fold(rj_sum *s)
{
    const rj_vd v = s->lanes > RJ_VD_WIDTH ? rj_vd_add(s->part[0], s->part[1]) : s->part[0];
    double lane[RJ_VD_WIDTH];
    __builtin_memcpy(lane, &v, sizeof lane);
    _Pragma("GCC unroll 8") for (int half = RJ_VD_WIDTH / 2; half > 0; half /= 2)
        _Pragma("GCC unroll 8") for (int l = 0; l < half; l++) lane[l] = rj_d_add(lane[l], lane[l + half]);
    rj_sum_carry(s, lane[0]);
    s->part[0] = s->part[1] = rj_vd_set1(0.0);
}

/* After the row: its last block was folded, by the vector loop or by rj_sum_add_sample_*. */
RJ_INLINE double rj_sum_total(const rj_sum *s)
{
    double total = s->tail;
    int64_t b = s->blocks;
    for (int k = 0; b; b >>= 1, k++)   /* the smallest partial sums first */
        if (b & 1) total = rj_d_add(total, s->level[k]);
    return total;
}

/* A vector of the kernel's values into the lanes (the vector loop; it folds after each block). */
RJ_INLINE void rj_sum_add_vd(rj_sum *s, rj_vd v) { s->part[0] = rj_vd_add(s->part[0], v); }
#if RJ_VECTOR_BYTES
RJ_INLINE void rj_sum_add_vf(rj_sum *s, rj_vf v)
{
    s->part[0] = rj_vd_add(s->part[0], rj_vd_widen(v));
    s->part[1] = rj_vd_add(s->part[1], rj_vd_widen_high(v));
}
#else
RJ_INLINE void rj_sum_add_vf(rj_sum *s, rj_vf v) { s->part[0] = rj_d_add(s->part[0], (double)v); }
#endif

/* A value after the row's last whole vector (the vector loop's scalar tail). */
RJ_INLINE void rj_sum_add_tail(rj_sum *s, double x) { s->tail = rj_d_add(s->tail, x); }

/* A staged vector: its values converted to double when staged, exactly as rj_vd_widen converts
 * them, so the lanes take the same values as from rj_sum_add_vf / _vd. */
RJ_INLINE void rj_sum_add_staged_f(rj_sum *s, const double *v)
{
    s->part[0] = rj_vd_add(s->part[0], rj_vd_load(v));
    if (RJ_VF_WIDTH > 1) s->part[1] = rj_vd_add(s->part[1], rj_vd_load(v + RJ_VD_WIDTH));
}
RJ_INLINE void rj_sum_add_staged_d(rj_sum *s, const double *v) { s->part[0] = rj_vd_add(s->part[0], rj_vd_load(v)); }

/* After staged vectors of a loop going sample by sample: fold where the vector loop folds, after
 * each block and after the row's last whole vector. */
RJ_INLINE void rj_sum_end_vectors(rj_sum *s, int64_t samples, int lanes)
{
    if (samples % (RJ_SUM_BLOCK * lanes) == 0 || samples == s->whole) rj_sum_fold(s);
}
RJ_ADD_SAMPLE(rj_sum_add_sample_f, rj_sum, float, RJ_VF_WIDTH, staged, rj_sum_add_staged_f, rj_sum_add_tail,
              rj_sum_end_vectors)
RJ_ADD_SAMPLE(rj_sum_add_sample_d, rj_sum, double, RJ_VD_WIDTH, staged, rj_sum_add_staged_d, rj_sum_add_tail,
              rj_sum_end_vectors)

/* -- products --------------------------------------------------------------------------------- */

typedef struct {
    rj_vd part[2];     /* the lanes, as a sum's */
    double staged[RJ_STAGE_VECTORS * RJ_VF_WIDTH];
    double tail;
    int64_t whole;
    int lanes;
} rj_prod;

RJ_INLINE void rj_prod_init(rj_prod *p, int64_t n, int lanes)
{
    p->part[0] = p->part[1] = rj_vd_set1(1.0);
    p->tail = 1.0;
    p->whole = n - n % lanes;
    p->lanes = lanes;
}
RJ_INLINE void rj_prod_add_vd(rj_prod *p, rj_vd v) { p->part[0] = rj_vd_mul(p->part[0], v); }
#if RJ_VECTOR_BYTES
RJ_INLINE void rj_prod_add_vf(rj_prod *p, rj_vf v)
{
    p->part[0] = rj_vd_mul(p->part[0], rj_vd_widen(v));
    p->part[1] = rj_vd_mul(p->part[1], rj_vd_widen_high(v));
}
#else
RJ_INLINE void rj_prod_add_vf(rj_prod *p, rj_vf v) { p->part[0] = rj_d_mul(p->part[0], (double)v); }
#endif
RJ_INLINE void rj_prod_add_tail(rj_prod *p, double x) { p->tail = rj_d_mul(p->tail, x); }
RJ_INLINE void rj_prod_add_staged_f(rj_prod *p, const double *v)   /* as rj_sum_add_staged_f */
{
    p->part[0] = rj_vd_mul(p->part[0], rj_vd_load(v));
    if (RJ_VF_WIDTH > 1) p->part[1] = rj_vd_mul(p->part[1], rj_vd_load(v + RJ_VD_WIDTH));
}
RJ_INLINE void rj_prod_add_staged_d(rj_prod *p, const double *v) { p->part[0] = rj_vd_mul(p->part[0], rj_vd_load(v)); }
RJ_ADD_SAMPLE(rj_prod_add_sample_f, rj_prod, float, RJ_VF_WIDTH, staged, rj_prod_add_staged_f, rj_prod_add_tail,
              RJ_NOTHING_MORE)
RJ_ADD_SAMPLE(rj_prod_add_sample_d, rj_prod, double, RJ_VD_WIDTH, staged, rj_prod_add_staged_d, rj_prod_add_tail,
              RJ_NOTHING_MORE)
RJ_INLINE double rj_prod_total(const rj_prod *p)
{
    double total = p->tail;
    for (int k = 0; k < (p->lanes > RJ_VD_WIDTH ? 2 : 1); k++)
        for (int l = 0; l < RJ_VD_WIDTH; l++) total = rj_d_mul(total, RJ_LANE(p->part[k], l));
    return total;
}

/* -- minima and maxima ------------------------------------------------------------------------ */

/* NAME: an accumulator of vectors V of W values of type T, START the value over no samples, VOP
 * the vector min or max and OP its scalar twin (for the tail and across the lanes), which keep
 * the first NaN they meet. */
#define RJ_EXTREMUM(NAME, V, T, W, VOP, OP, START)                                                \
    typedef struct {                                                                              \
        V lanes;                                                                                  \
        T staged[RJ_STAGE_VECTORS * W];   /* what a loop going sample by sample stages */         \
        T tail;                                                                                   \
        int64_t whole;                                                                            \
    } NAME;                                                                                       \
    RJ_INLINE void NAME##_init(NAME *a, int64_t n)                                                \
    {                                                                                             \
        a->lanes = V##_set1(START);                                                               \
        a->tail = START;                                                                          \
        a->whole = n - n % W;                                                                     \
    }                                                                                             \
    RJ_INLINE void NAME##_add_vector(NAME *a, V x) { a->lanes = VOP(a->lanes, x); }               \
    RJ_INLINE void NAME##_add_staged(NAME *a, const T *v) { NAME##_add_vector(a, V##_load(v)); }  \
    RJ_INLINE void NAME##_add_tail(NAME *a, T x) { a->tail = OP(a->tail, x); }                    \
    RJ_ADD_SAMPLE(NAME##_add_sample, NAME, T, W, staged, NAME##_add_staged, NAME##_add_tail,       \
                  RJ_NOTHING_MORE)                                                                \
    RJ_INLINE T NAME##_total(const NAME *a)                                                       \
    {                                                                                             \
        T acc = a->tail;                                                                          \
        for (int l = 0; l < W; l++) acc = OP(acc, RJ_LANE(a->lanes, l));                          \
        return acc;                                                                               \
    }
RJ_EXTREMUM(rj_min_f, rj_vf, float, RJ_VF_WIDTH, rj_vf_min, rj_f_min, __builtin_inff())
RJ_EXTREMUM(rj_max_f, rj_vf, float, RJ_VF_WIDTH, rj_vf_max, rj_f_max, -__builtin_inff())
RJ_EXTREMUM(rj_min_d, rj_vd, double, RJ_VD_WIDTH, rj_vd_min, rj_d_min, __builtin_inf())
RJ_EXTREMUM(rj_max_d, rj_vd, double, RJ_VD_WIDTH, rj_vd_max, rj_d_max, -__builtin_inf())

/* -- argmin and argmax ------------------------------------------------------------------------ */

/* The index of the first best value, or of the first NaN, as numpy's argmin/argmax give; as an
 * index does not round, any loop finds the same one. The vector loop's vectors are stored in a
 * block of RJ_ARG_BLOCK values (in L1; a vector read from an input is not: the block is searched
 * there, rj_*_add_read) while the block's best per lane is kept (VBEST: x86's minps/maxps
 * rule, which a NaN in x leaves alone), and each lane notes whether it met a NaN: no chain of
 * dependent steps but a max and an or, so one vector's work overlaps the next's. At the block's
 * end only a block better than the best so far is searched (for the first of its best: its value
 * compares equal to the best lane's, infinities and either zero included), and only one with a
 * NaN is compared value by value. The samples
 * after the last whole vector (or all of them, in a loop going sample by sample) are compared one
 * by one in `late`, and so are those before the vector loop where it starts at an aligned
 * sample. Of two candidates, wherever they are, the better is kept (a NaN before any number), and
 * of equals the one of the lower index. */
#define RJ_ARG_BLOCK 512   /* values (2 or 4 KiB, in L1): a multiple of every tier's lane count */
#define RJ_ARGBEST(NAME, V, T, M, W, VBEST, VBETTER, BETTER, WORST)                               \
    typedef struct { T value; int64_t at; } NAME##_pick;   /* at < 0: nothing yet */              \
    typedef struct {                                                                              \
        T *staged;                /* where computed values are stored, apart: storing to them */  \
                                  /* would otherwise keep the accumulator out of registers */     \
        const T *block;           /* the block's values: `staged`, or the input they were read from */ \
        V lanes;                  /* the block's best per lane */                                 \
        M special;                /* per lane: a NaN seen in the block */                         \
        int64_t fill, base;       /* values in the block; the sample index of its first */      \
        NAME##_pick early, late;  /* the best of the blocks so far; of the samples one by one */  \
    } NAME;                                                                                       \
    /* the better of two candidates (a NaN beats any number); of equals, the lower index */        \
    RJ_INLINE NAME##_pick NAME##_combine(NAME##_pick p, NAME##_pick q)                            \
    {                                                                                             \
        if (p.at < 0) return q;                                                                   \
        if (q.at < 0) return p;                                                                   \
        const int p_nan = p.value != p.value, q_nan = q.value != q.value;                         \
        if (p_nan != q_nan) return p_nan ? p : q;                                                 \
        if (!p_nan && p.value BETTER q.value) return p;                                           \
        if (!p_nan && q.value BETTER p.value) return q;                                           \
        return p.at < q.at ? p : q;                                                               \
    }                                                                                             \
    RJ_INLINE void NAME##_start_block(NAME *a)                                                    \
    {                                                                                             \
        a->lanes = V##_set1(WORST);                                                               \
        a->special = V##_ne(a->lanes, a->lanes);   /* no lane set */                              \
        a->fill = 0;                                                                              \
    }                                                                                             \
    RJ_INLINE void NAME##_init(NAME *a, T *staged)                                                \
    {                                                                                             \
        a->staged = staged;                                                                       \
        a->block = staged;                                                                        \
        NAME##_start_block(a);                                                                    \
        a->base = 0;                                                                              \
        a->early.at = a->late.at = -1;                                                            \
        a->early.value = a->late.value = 0;                                                       \
    }                                                                                             \
    /* the block's first best value, or its first NaN, where it beats the best so far */          \
    RJ_INLINE void NAME##_end_block(NAME *a)                                                      \
    {                                                                                             \
        const int found = a->early.at >= 0;                                                       \
        if (found && a->early.value != a->early.value) {                                          \
            /* a NaN found: nothing can beat it */                                                \
        } else if (M##_any(a->special)) {                                                         \
            for (int64_t j = 0; j < a->fill; j++) {                                               \
                const NAME##_pick p = {a->block[j], a->base + j};                                \
                a->early = NAME##_combine(a->early, p);                                           \
            }                                                                                     \
        } else if (!found || M##_any(VBETTER(a->lanes, V##_set1(a->early.value)))) {              \
            T lane[W];                                                                            \
            __builtin_memcpy(lane, &a->lanes, sizeof lane);                                       \
            T best = lane[0];                                                                     \
            for (int l = 1; l < W; l++) best = lane[l] BETTER best ? lane[l] : best;              \
            int64_t j = 0;                                                                        \
            while (a->block[j] != best) j++;   /* the block holds it */                          \
            a->early.value = best;                                                                \
            a->early.at = a->base + j;                                                            \
        }                                                                                         \
        NAME##_start_block(a);                                                                    \
    }                                                                                             \
    RJ_INLINE void NAME##_add_lanes(NAME *a, V x)                                                 \
    {                                                                                             \
        a->lanes = VBEST(x, a->lanes);                                                            \
        a->special = M##_or(a->special, V##_ne(x, x));                                            \
        if ((a->fill += W) == RJ_ARG_BLOCK) NAME##_end_block(a);                                  \
    }                                                                                             \
    /* x: the values of samples i, i + 1, ... (the vector loop need not start at sample 0) */     \
    RJ_INLINE void NAME##_add_vector(NAME *a, V x, int64_t i)                                     \
    {                                                                                             \
        if (a->fill == 0) {                                                                       \
            a->base = i;                                                                          \
            a->block = a->staged;                                                                 \
        }                                                                                         \
        V##_store(a->staged + a->fill, x);                                                        \
        NAME##_add_lanes(a, x);                                                                   \
    }                                                                                             \
    /* the same for x loaded from `at`, an input: the block is read there again, not stored */    \
    RJ_INLINE void NAME##_add_read(NAME *a, V x, int64_t i, const T *at)                          \
    {                                                                                             \
        if (a->fill == 0) {                                                                       \
            a->base = i;                                                                          \
            a->block = at;                                                                        \
        }                                                                                         \
        NAME##_add_lanes(a, x);                                                                   \
    }                                                                                             \
    RJ_INLINE void NAME##_add_sample(NAME *a, T x, int64_t i)                                     \
    {                                                                                             \
        const NAME##_pick p = {x, i};                                                             \
        a->late = NAME##_combine(a->late, p);                                                     \
    }                                                                                             \
    RJ_INLINE int64_t NAME##_total(NAME *a)                                                       \
    {                                                                                             \
        if (a->fill) NAME##_end_block(a);                                                         \
        return NAME##_combine(a->early, a->late).at;                                              \
    }
RJ_ARGBEST(rj_argmin_f, rj_vf, float, rj_mf, RJ_VF_WIDTH, RJ_VF_MINPS, rj_vf_lt, <, __builtin_inff())
RJ_ARGBEST(rj_argmax_f, rj_vf, float, rj_mf, RJ_VF_WIDTH, RJ_VF_MAXPS, rj_vf_gt, >, -__builtin_inff())
RJ_ARGBEST(rj_argmin_d, rj_vd, double, rj_md, RJ_VD_WIDTH, RJ_VD_MINPS, rj_vd_lt, <, __builtin_inf())
RJ_ARGBEST(rj_argmax_d, rj_vd, double, rj_md, RJ_VD_WIDTH, RJ_VD_MAXPS, rj_vd_gt, >, -__builtin_inf())
_Static_assert(RJ_ARG_BLOCK % RJ_VF_WIDTH == 0 && RJ_ARG_BLOCK % RJ_VD_WIDTH == 0, "blocks of whole vectors");

#endif /* RJ_REDUCE_H */
