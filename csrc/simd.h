/* simd.h - the SIMD layer every generated kernel is written against.
 *
 * One macro picks the tier: RJ_ISA_SCALAR, RJ_ISA_SSE2, RJ_ISA_SSE41, RJ_ISA_AVX2 (with FMA),
 * RJ_ISA_AVX512 or RJ_ISA_NEON. Every tier gives the same names:
 *
 *   rj_vf / rj_vd        a vector of float / double, RJ_VF_WIDTH / RJ_VD_WIDTH lanes
 *   rj_mf / rj_md        a lane mask from comparing them (all ones or zero per lane)
 *   rj_vf_load(p), rj_vf_store(p, v)   unaligned; p need only be aligned to the element
 *   rj_vf_set1(x)        broadcast
 *   add sub mul div neg abs sqrt floor min max fma(a, b, c) = a*b + c
 *   lt le gt ge eq ne    comparisons giving masks (false for NaN, except ne)
 *   select(m, a, b)      m ? a : b per lane;  from_mask(m) 1.0 or 0.0 per lane
 *   rj_mf_and/or/not     mask logic
 *
 * and scalar twins rj_f_* / rj_d_* (masks are int 0/1, mask logic rj_mfs_* / rj_mds_*) that
 * round exactly like one vector lane, so a kernel's vector body and its scalar tail agree.
 *
 * On x86 this header includes no intrinsics header: <immintrin.h> alone costs gcc about 0.5 s
 * to parse, five times a whole kernel's compile. GCC vector extensions give the arithmetic and
 * comparisons; the few operations with no generic form use the compiler's __builtin_ia32_*
 * functions (what the intrinsics headers wrap). Compile with -fno-math-errno and without
 * -ffast-math: NaN, infinities, signed zeros and denormals keep their IEEE meaning.
 */
#ifndef RJ_SIMD_H
#define RJ_SIMD_H

#include <stdint.h>
#include <string.h>

#if defined(RJ_ISA_AVX512)
#  define RJ_VECTOR_BYTES 64
#  define RJ_ISA_NAME "avx512"
#elif defined(RJ_ISA_AVX2)
#  define RJ_VECTOR_BYTES 32
#  define RJ_ISA_NAME "avx2"
#elif defined(RJ_ISA_SSE41)
#  define RJ_VECTOR_BYTES 16
#  define RJ_ISA_NAME "sse4.1"
#elif defined(RJ_ISA_SSE2)
#  define RJ_VECTOR_BYTES 16
#  define RJ_ISA_NAME "sse2"
#elif defined(RJ_ISA_NEON)
#  define RJ_VECTOR_BYTES 16
#  define RJ_ISA_NAME "neon"
#  include <arm_neon.h>
#elif defined(RJ_ISA_SCALAR)
#  define RJ_VECTOR_BYTES 0
#  define RJ_ISA_NAME "scalar"
#else
#  error "define one of RJ_ISA_SCALAR, RJ_ISA_SSE2, RJ_ISA_SSE41, RJ_ISA_AVX2, RJ_ISA_AVX512, RJ_ISA_NEON"
#endif

#if defined(RJ_ISA_AVX2) || defined(RJ_ISA_AVX512) || defined(RJ_ISA_NEON)
#  define RJ_HAS_FMA 1
#else
#  define RJ_HAS_FMA 0
#endif

#define RJ_INLINE static inline __attribute__((always_inline))

/* ---- scalar twins ------------------------------------------------------------------------ */

/* min/max everywhere: NaN if either is NaN (as numpy.minimum), else the smaller/larger.
 * Written as "b if b is NaN, else (b < a ? b : a)": the inner part is exactly x86's minps(b, a),
 * which returns a when either is NaN, and when b is a constant the compiler drops the NaN test,
 * leaving one instruction for the common min(x, constant). */
#define RJ_SCALAR_OPS(P, T, MP, FMA, SQRT, FLOOR, ABS)                                                   \
    RJ_INLINE T P##_add(T a, T b) { return a + b; }                                               \
    RJ_INLINE T P##_sub(T a, T b) { return a - b; }                                               \
    RJ_INLINE T P##_mul(T a, T b) { return a * b; }                                               \
    RJ_INLINE T P##_div(T a, T b) { return a / b; }                                               \
    RJ_INLINE T P##_neg(T a) { return -a; }                                                       \
    RJ_INLINE T P##_abs(T a) { return ABS(a); }                                                   \
    RJ_INLINE T P##_sqrt(T a) { return SQRT(a); }                                                 \
    RJ_INLINE T P##_floor(T a) { return FLOOR(a); }                                               \
    RJ_INLINE T P##_fma(T a, T b, T c) { return RJ_HAS_FMA ? FMA(a, b, c) : a * b + c; }        \
    RJ_INLINE T P##_min(T a, T b) { return b != b ? b : (b < a ? b : a); }                        \
    RJ_INLINE T P##_max(T a, T b) { return b != b ? b : (b > a ? b : a); }                        \
    RJ_INLINE int P##_lt(T a, T b) { return a < b; }                                              \
    RJ_INLINE int P##_le(T a, T b) { return a <= b; }                                             \
    RJ_INLINE int P##_gt(T a, T b) { return a > b; }                                              \
    RJ_INLINE int P##_ge(T a, T b) { return a >= b; }                                             \
    RJ_INLINE int P##_eq(T a, T b) { return a == b; }                                             \
    RJ_INLINE int P##_ne(T a, T b) { return a != b; }                                             \
    RJ_INLINE T P##_select(int m, T a, T b) { return m ? a : b; }                                 \
    RJ_INLINE T P##_from_mask(int m) { return m ? (T)1 : (T)0; }                                  \
    RJ_INLINE T P##_load(const T *p) { return *p; }                                               \
    RJ_INLINE void P##_store(T *p, T v) { *p = v; }                                               \
    RJ_INLINE T P##_set1(T x) { return x; }                                                       \
    RJ_INLINE int MP##_and(int a, int b) { return a & b; }                                        \
    RJ_INLINE int MP##_or(int a, int b) { return a | b; }                                         \
    RJ_INLINE int MP##_not(int a) { return !a; }

RJ_SCALAR_OPS(rj_f, float, rj_mfs, __builtin_fmaf, __builtin_sqrtf, __builtin_floorf, __builtin_fabsf)
RJ_SCALAR_OPS(rj_d, double, rj_mds, __builtin_fma, __builtin_sqrt, __builtin_floor, __builtin_fabs)

/* ---- the scalar tier: a "vector" is one value -------------------------------------------- */

#if RJ_VECTOR_BYTES == 0

#define RJ_VF_WIDTH 1
#define RJ_VD_WIDTH 1
typedef float rj_vf;
typedef double rj_vd;
typedef int rj_mf;
typedef int rj_md;

/* The vector names are the scalar twins. */
#define rj_vf_add rj_f_add
#define rj_vf_sub rj_f_sub
#define rj_vf_mul rj_f_mul
#define rj_vf_div rj_f_div
#define rj_vf_neg rj_f_neg
#define rj_vf_abs rj_f_abs
#define rj_vf_sqrt rj_f_sqrt
#define rj_vf_floor rj_f_floor
#define rj_vf_fma rj_f_fma
#define rj_vf_min rj_f_min
#define rj_vf_max rj_f_max
#define rj_vf_lt rj_f_lt
#define rj_vf_le rj_f_le
#define rj_vf_gt rj_f_gt
#define rj_vf_ge rj_f_ge
#define rj_vf_eq rj_f_eq
#define rj_vf_ne rj_f_ne
#define rj_vf_select rj_f_select
#define rj_vf_from_mask rj_f_from_mask
#define rj_vf_load rj_f_load
#define rj_vf_store rj_f_store
#define rj_vf_set1 rj_f_set1
#define rj_mf_and rj_mfs_and
#define rj_mf_or rj_mfs_or
#define rj_mf_not rj_mfs_not
#define rj_vd_add rj_d_add
#define rj_vd_sub rj_d_sub
#define rj_vd_mul rj_d_mul
#define rj_vd_div rj_d_div
#define rj_vd_neg rj_d_neg
#define rj_vd_abs rj_d_abs
#define rj_vd_sqrt rj_d_sqrt
#define rj_vd_floor rj_d_floor
#define rj_vd_fma rj_d_fma
#define rj_vd_min rj_d_min
#define rj_vd_max rj_d_max
#define rj_vd_lt rj_d_lt
#define rj_vd_le rj_d_le
#define rj_vd_gt rj_d_gt
#define rj_vd_ge rj_d_ge
#define rj_vd_eq rj_d_eq
#define rj_vd_ne rj_d_ne
#define rj_vd_select rj_d_select
#define rj_vd_from_mask rj_d_from_mask
#define rj_vd_load rj_d_load
#define rj_vd_store rj_d_store
#define rj_vd_set1 rj_d_set1
#define rj_md_and rj_mds_and
#define rj_md_or rj_mds_or
#define rj_md_not rj_mds_not

#else /* ---- vector tiers ------------------------------------------------------------------- */

#define RJ_VF_WIDTH (RJ_VECTOR_BYTES / 4)
#define RJ_VD_WIDTH (RJ_VECTOR_BYTES / 8)
typedef float rj_vf __attribute__((vector_size(RJ_VECTOR_BYTES)));
typedef double rj_vd __attribute__((vector_size(RJ_VECTOR_BYTES)));
typedef int32_t rj_mf __attribute__((vector_size(RJ_VECTOR_BYTES)));
typedef int64_t rj_md __attribute__((vector_size(RJ_VECTOR_BYTES)));

/* The operations with no generic vector form, per tier: fused multiply-add, square root and
 * round-down. RJ_FLOOR_VIA_TRUNCATE marks SSE2, which has no rounding instruction. */
#if defined(RJ_ISA_AVX512)
#  define RJ_VF_FMA(a, b, c) __builtin_ia32_vfmaddps512_mask((a), (b), (c), (__mmask16)-1, 4)
#  define RJ_VD_FMA(a, b, c) __builtin_ia32_vfmaddpd512_mask((a), (b), (c), (__mmask8)-1, 4)
#  define RJ_VF_SQRT(a) __builtin_ia32_sqrtps512_mask((a), (a), (__mmask16)-1, 4)
#  define RJ_VD_SQRT(a) __builtin_ia32_sqrtpd512_mask((a), (a), (__mmask8)-1, 4)
#  define RJ_VF_FLOOR(a) __builtin_ia32_rndscaleps_mask((a), 0x09, (a), (__mmask16)-1, 4)
#  define RJ_VD_FLOOR(a) __builtin_ia32_rndscalepd_mask((a), 0x09, (a), (__mmask8)-1, 4)
#  define RJ_VF_MINPS(x, y) __builtin_ia32_minps512_mask((x), (y), (x), (__mmask16)-1, 4)
#  define RJ_VF_MAXPS(x, y) __builtin_ia32_maxps512_mask((x), (y), (x), (__mmask16)-1, 4)
#  define RJ_VD_MINPS(x, y) __builtin_ia32_minpd512_mask((x), (y), (x), (__mmask8)-1, 4)
#  define RJ_VD_MAXPS(x, y) __builtin_ia32_maxpd512_mask((x), (y), (x), (__mmask8)-1, 4)
typedef unsigned short __mmask16;
typedef unsigned char __mmask8;
#elif defined(RJ_ISA_AVX2)
#  define RJ_VF_FMA(a, b, c) __builtin_ia32_vfmaddps256((a), (b), (c))
#  define RJ_VD_FMA(a, b, c) __builtin_ia32_vfmaddpd256((a), (b), (c))
#  define RJ_VF_SQRT(a) __builtin_ia32_sqrtps256(a)
#  define RJ_VD_SQRT(a) __builtin_ia32_sqrtpd256(a)
#  define RJ_VF_FLOOR(a) __builtin_ia32_roundps256((a), 0x09)   /* toward -inf, no exceptions */
#  define RJ_VD_FLOOR(a) __builtin_ia32_roundpd256((a), 0x09)
#  define RJ_VF_MINPS(x, y) __builtin_ia32_minps256((x), (y))
#  define RJ_VF_MAXPS(x, y) __builtin_ia32_maxps256((x), (y))
#  define RJ_VD_MINPS(x, y) __builtin_ia32_minpd256((x), (y))
#  define RJ_VD_MAXPS(x, y) __builtin_ia32_maxpd256((x), (y))
#elif defined(RJ_ISA_SSE41)
#  define RJ_SSE_MINMAX 1
#  define RJ_VF_SQRT(a) __builtin_ia32_sqrtps(a)
#  define RJ_VD_SQRT(a) __builtin_ia32_sqrtpd(a)
#  define RJ_VF_FLOOR(a) __builtin_ia32_roundps((a), 0x09)
#  define RJ_VD_FLOOR(a) __builtin_ia32_roundpd((a), 0x09)
#elif defined(RJ_ISA_SSE2)
#  define RJ_SSE_MINMAX 1
#  define RJ_VF_SQRT(a) __builtin_ia32_sqrtps(a)
#  define RJ_VD_SQRT(a) __builtin_ia32_sqrtpd(a)
#  define RJ_FLOOR_VIA_TRUNCATE 1
#elif defined(RJ_ISA_NEON)
#  define RJ_VF_FMA(a, b, c) ((rj_vf)vfmaq_f32((float32x4_t)(c), (float32x4_t)(a), (float32x4_t)(b)))
#  define RJ_VD_FMA(a, b, c) ((rj_vd)vfmaq_f64((float64x2_t)(c), (float64x2_t)(a), (float64x2_t)(b)))
#  define RJ_VF_SQRT(a) ((rj_vf)vsqrtq_f32((float32x4_t)(a)))
#  define RJ_VD_SQRT(a) ((rj_vd)vsqrtq_f64((float64x2_t)(a)))
#  define RJ_VF_FLOOR(a) ((rj_vf)vrndmq_f32((float32x4_t)(a)))
#  define RJ_VD_FLOOR(a) ((rj_vd)vrndmq_f64((float64x2_t)(a)))
#endif

#if defined(RJ_SSE_MINMAX)
#  define RJ_VF_MINPS(x, y) __builtin_ia32_minps((x), (y))
#  define RJ_VF_MAXPS(x, y) __builtin_ia32_maxps((x), (y))
#  define RJ_VD_MINPS(x, y) __builtin_ia32_minpd((x), (y))
#  define RJ_VD_MAXPS(x, y) __builtin_ia32_maxpd((x), (y))
#elif defined(RJ_ISA_NEON)
/* x < y ? x : y per lane, the x86 minps rule (NEON's own vminq propagates NaN differently). */
#  define RJ_VF_MINPS(x, y) rj_vf_select((x) < (y), (x), (y))
#  define RJ_VF_MAXPS(x, y) rj_vf_select((x) > (y), (x), (y))
#  define RJ_VD_MINPS(x, y) rj_vd_select((x) < (y), (x), (y))
#  define RJ_VD_MAXPS(x, y) rj_vd_select((x) > (y), (x), (y))
#endif

#if !RJ_HAS_FMA
/* Without FMA hardware the multiply-add rounds twice, like the scalar twin (-ffp-contract=off). */
#  define RJ_VF_FMA(a, b, c) ((a) * (b) + (c))
#  define RJ_VD_FMA(a, b, c) ((a) * (b) + (c))
#endif

/* Everything generic, for one vector type V with element T and mask M. */
#define RJ_VECTOR_OPS(P, V, T, M, MP, FMA, SQRT, MIN, MAX)                                              \
    RJ_INLINE V P##_load(const T *p) { V v; memcpy(&v, p, sizeof v); return v; }                  \
    RJ_INLINE void P##_store(T *p, V v) { memcpy(p, &v, sizeof v); }                              \
    /* x - 0 broadcasts x and keeps -0.0 (adding +0.0 would turn it into +0.0) */                 \
    RJ_INLINE V P##_set1(T x) { return x - (V){0}; }                                              \
    RJ_INLINE V P##_add(V a, V b) { return a + b; }                                               \
    RJ_INLINE V P##_sub(V a, V b) { return a - b; }                                               \
    RJ_INLINE V P##_mul(V a, V b) { return a * b; }                                               \
    RJ_INLINE V P##_div(V a, V b) { return a / b; }                                               \
    RJ_INLINE V P##_neg(V a) { return -a; }                                                       \
    RJ_INLINE V P##_abs(V a) { return (V)((M)a & ~(M)P##_set1((T)-0.0)); }                        \
    RJ_INLINE V P##_sqrt(V a) { return SQRT(a); }                                                 \
    RJ_INLINE V P##_fma(V a, V b, V c) { return FMA(a, b, c); }                                   \
    RJ_INLINE M P##_lt(V a, V b) { return a < b; }                                                \
    RJ_INLINE M P##_le(V a, V b) { return a <= b; }                                               \
    RJ_INLINE M P##_gt(V a, V b) { return a > b; }                                                \
    RJ_INLINE M P##_ge(V a, V b) { return a >= b; }                                               \
    RJ_INLINE M P##_eq(V a, V b) { return a == b; }                                               \
    RJ_INLINE M P##_ne(V a, V b) { return a != b; }                                               \
    RJ_INLINE V P##_select(M m, V a, V b) { return (V)((m & (M)a) | (~m & (M)b)); }               \
    RJ_INLINE V P##_from_mask(M m) { return (V)(m & (M)P##_set1(1)); }                            \
    RJ_INLINE V P##_min(V a, V b) { return P##_select(b != b, b, MIN(b, a)); }                    \
    RJ_INLINE V P##_max(V a, V b) { return P##_select(b != b, b, MAX(b, a)); }                    \
    RJ_INLINE M MP##_and(M a, M b) { return a & b; }                                              \
    RJ_INLINE M MP##_or(M a, M b) { return a | b; }                                               \
    RJ_INLINE M MP##_not(M a) { return ~a; }

RJ_VECTOR_OPS(rj_vf, rj_vf, float, rj_mf, rj_mf, RJ_VF_FMA, RJ_VF_SQRT, RJ_VF_MINPS, RJ_VF_MAXPS)
RJ_VECTOR_OPS(rj_vd, rj_vd, double, rj_md, rj_md, RJ_VD_FMA, RJ_VD_SQRT, RJ_VD_MINPS, RJ_VD_MAXPS)

#if defined(RJ_FLOOR_VIA_TRUNCATE)
/* SSE2 floor: truncate through the integers and step down where that rounded up. Values of
 * magnitude 2^23 (2^52) and more are already integers, as are inf and NaN: they pass through.
 * The sign bit of x is kept so that floor(-0.0) is -0.0. */
typedef int32_t rj_vi32 __attribute__((vector_size(RJ_VECTOR_BYTES)));
typedef int64_t rj_vi64 __attribute__((vector_size(RJ_VECTOR_BYTES)));
RJ_INLINE rj_vf rj_vf_floor(rj_vf x)
{
    rj_vf big = rj_vf_set1(8388608.0f);
    rj_vf t = __builtin_convertvector(__builtin_convertvector(rj_vf_select(rj_vf_abs(x) < big, x, rj_vf_set1(0)), rj_vi32), rj_vf);
    t = rj_vf_select(t > x, t - 1.0f, t);
    t = (rj_vf)((rj_mf)t | ((rj_mf)x & (rj_mf)rj_vf_set1(-0.0f)));
    return rj_vf_select(rj_vf_abs(x) < big, t, x);
}
RJ_INLINE rj_vd rj_vd_floor(rj_vd x)
{
    rj_vd big = rj_vd_set1(4503599627370496.0);
    rj_vd t = __builtin_convertvector(__builtin_convertvector(rj_vd_select(rj_vd_abs(x) < big, x, rj_vd_set1(0)), rj_vi64), rj_vd);
    t = rj_vd_select(t > x, t - 1.0, t);
    t = (rj_vd)((rj_md)t | ((rj_md)x & (rj_md)rj_vd_set1(-0.0)));
    return rj_vd_select(rj_vd_abs(x) < big, t, x);
}
#else
RJ_INLINE rj_vf rj_vf_floor(rj_vf a) { return RJ_VF_FLOOR(a); }
RJ_INLINE rj_vd rj_vd_floor(rj_vd a) { return RJ_VD_FLOOR(a); }
#endif

#endif /* vector tiers */

#endif /* RJ_SIMD_H */
