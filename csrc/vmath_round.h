/* vmath_round.h - trunc, ceil, round (half to even), sign, copysign and nextafter on rj_vf /
 * rj_vd and their scalar twins (included by vmath.h, after the bit views).
 *
 * All of these are exact, so every tier and every twin agrees on every input. round is numpy's
 * round / rint, not C's round: halves go to the even neighbour (2.5 -> 2, -0.5 -> -0).
 * Tiers with a rounding instruction (SSE4.1 ROUNDPS, AVX-512 VRNDSCALE, NEON FRINT*) use it;
 * SSE2 and the scalar tier build each from simd.h's floor (itself computed there) or from the
 * 2^p shifter: adding and subtracting 2^p (p = mantissa bits) rounds |x| < 2^p to an integer,
 * half to even, in the default rounding mode; from 2^p on every value is an integer already.
 */
#ifndef RJ_VMATH_ROUND_H
#define RJ_VMATH_ROUND_H

/* SSE4.1's rounding immediates: the direction, plus 8 = do not raise inexact */
#define RJ_VM_NEAREST 0x08
#define RJ_VM_UP 0x0a
#define RJ_VM_TOWARD_ZERO 0x0b

#if RJ_HAS_ROUND
#  define RJ_VM_TRUNCF __builtin_truncf        /* one roundss / frintz at -O1 and above */
#  define RJ_VM_TRUNCD __builtin_trunc
#  define RJ_VM_CEILF __builtin_ceilf
#  define RJ_VM_CEILD __builtin_ceil
#  if RJ_HAS_BUILTIN(__builtin_roundevenf)
#    define RJ_VM_ROUNDF __builtin_roundevenf  /* one roundss $8 / frintn, as the vector lanes */
#    define RJ_VM_ROUNDD __builtin_roundeven
#  else
/* A compiler without roundeven (clang before 15): the same value, exactly, from trunc. The part
 * after the point, x - trunc(x), is exact; past a half, or at a half from an odd integer, the
 * result is one further from zero. Not rint: that rounds as the caller's rounding mode says,
 * and the vector lanes' ROUNDPS does not. inf - inf is NaN, and every comparison with NaN false,
 * so infinities and NaN come out as trunc gives them, -0.0 and -0.5 as -0.0. */
#    define RJ_VM_HALF_EVEN(NAME, T, TRUNC, ABS, COPYSIGN)                                          \
    RJ_INLINE T NAME(T x)                                                                          \
    {                                                                                              \
        const T t = TRUNC(x), part = ABS(x - t);                                                   \
        const int odd = t != (T)2 * TRUNC(t * (T)0.5);                                             \
        return (part > (T)0.5 || (part == (T)0.5 && odd)) ? t + COPYSIGN((T)1, x) : t;             \
    }
RJ_VM_HALF_EVEN(rj_f_vm_roundeven, float, __builtin_truncf, __builtin_fabsf, __builtin_copysignf)
RJ_VM_HALF_EVEN(rj_d_vm_roundeven, double, __builtin_trunc, __builtin_fabs, __builtin_copysign)
#    undef RJ_VM_HALF_EVEN
#    define RJ_VM_ROUNDF rj_f_vm_roundeven
#    define RJ_VM_ROUNDD rj_d_vm_roundeven
#  endif
#else
#  define RJ_VM_SOFT_SCALAR(P, T, TWO_P, ABS, COPYSIGN)                                              \
    RJ_INLINE T P##_vm_trunc(T x) { return COPYSIGN(P##_floor(ABS(x)), x); }                       \
    RJ_INLINE T P##_vm_ceil(T x) { return -P##_floor(-x); }                                        \
    RJ_INLINE T P##_vm_round(T x)                                                                  \
    {                                                                                              \
        const T a = ABS(x);                                                                        \
        return a < TWO_P ? COPYSIGN((a + TWO_P) - TWO_P, x) : x;                                   \
    }
RJ_VM_SOFT_SCALAR(rj_f, float, 8388608.0f, __builtin_fabsf, __builtin_copysignf)
RJ_VM_SOFT_SCALAR(rj_d, double, 4503599627370496.0, __builtin_fabs, __builtin_copysign)
#  undef RJ_VM_SOFT_SCALAR
#  define RJ_VM_TRUNCF rj_f_vm_trunc
#  define RJ_VM_TRUNCD rj_d_vm_trunc
#  define RJ_VM_CEILF rj_f_vm_ceil
#  define RJ_VM_CEILD rj_d_vm_ceil
#  define RJ_VM_ROUNDF rj_f_vm_round
#  define RJ_VM_ROUNDD rj_d_vm_round
#endif

RJ_INLINE float rj_f_trunc(float x) { return RJ_VM_TRUNCF(x); }
RJ_INLINE double rj_d_trunc(double x) { return RJ_VM_TRUNCD(x); }
RJ_INLINE float rj_f_ceil(float x) { return RJ_VM_CEILF(x); }
RJ_INLINE double rj_d_ceil(double x) { return RJ_VM_CEILD(x); }
RJ_INLINE float rj_f_round(float x) { return RJ_VM_ROUNDF(x); }
RJ_INLINE double rj_d_round(double x) { return RJ_VM_ROUNDD(x); }

#if RJ_VECTOR_BYTES
#  if defined(RJ_ISA_AVX512)
#    define RJ_VM_VF_ROUNDING(a, mode) __builtin_ia32_rndscaleps_mask((a), (mode), (a), RJ_ALL16, 4)
#    define RJ_VM_VD_ROUNDING(a, mode) __builtin_ia32_rndscalepd_mask((a), (mode), (a), RJ_ALL8, 4)
#  elif defined(RJ_ISA_AVX2)
#    define RJ_VM_VF_ROUNDING(a, mode) __builtin_ia32_roundps256((a), (mode))
#    define RJ_VM_VD_ROUNDING(a, mode) __builtin_ia32_roundpd256((a), (mode))
#  elif defined(RJ_ISA_SSE41)
#    define RJ_VM_VF_ROUNDING(a, mode) __builtin_ia32_roundps((a), (mode))
#    define RJ_VM_VD_ROUNDING(a, mode) __builtin_ia32_roundpd((a), (mode))
#  endif

#  if defined(RJ_VM_VF_ROUNDING)
#    define RJ_VM_ROUNDING_OPS(P, V, X)                                                             \
    RJ_INLINE V P##_trunc(V x) { return RJ_VM_##X##_ROUNDING(x, RJ_VM_TOWARD_ZERO); }              \
    RJ_INLINE V P##_ceil(V x) { return RJ_VM_##X##_ROUNDING(x, RJ_VM_UP); }                        \
    RJ_INLINE V P##_round(V x) { return RJ_VM_##X##_ROUNDING(x, RJ_VM_NEAREST); }
RJ_VM_ROUNDING_OPS(rj_vf, rj_vf, VF)
RJ_VM_ROUNDING_OPS(rj_vd, rj_vd, VD)
#    undef RJ_VM_ROUNDING_OPS
#  elif defined(RJ_ISA_NEON)
RJ_INLINE rj_vf rj_vf_trunc(rj_vf x) { return (rj_vf)vrndq_f32((float32x4_t)x); }
RJ_INLINE rj_vd rj_vd_trunc(rj_vd x) { return (rj_vd)vrndq_f64((float64x2_t)x); }
RJ_INLINE rj_vf rj_vf_ceil(rj_vf x) { return (rj_vf)vrndpq_f32((float32x4_t)x); }
RJ_INLINE rj_vd rj_vd_ceil(rj_vd x) { return (rj_vd)vrndpq_f64((float64x2_t)x); }
RJ_INLINE rj_vf rj_vf_round(rj_vf x) { return (rj_vf)vrndnq_f32((float32x4_t)x); }
RJ_INLINE rj_vd rj_vd_round(rj_vd x) { return (rj_vd)vrndnq_f64((float64x2_t)x); }
#  else
/* SSE2: the scalar twins' steps, lane by lane. */
#    define RJ_VM_SOFT_VECTOR(P, V, T, M, TWO_P)                                                    \
    RJ_INLINE V P##_vm_copysign_of(V mag, V x)                                                     \
    {                                                                                              \
        return (V)((M)mag | ((M)x & (M)P##_set1((T)-0.0)));                                       \
    }                                                                                              \
    RJ_INLINE V P##_trunc(V x) { return P##_vm_copysign_of(P##_floor(P##_abs(x)), x); }            \
    RJ_INLINE V P##_ceil(V x) { return -P##_floor(-x); }                                           \
    RJ_INLINE V P##_round(V x)                                                                     \
    {                                                                                              \
        const V a = P##_abs(x), two_p = P##_set1(TWO_P);                                           \
        return P##_select(P##_lt(a, two_p), P##_vm_copysign_of((a + two_p) - two_p, x), x);        \
    }
RJ_VM_SOFT_VECTOR(rj_vf, rj_vf, float, rj_mf, 8388608.0f)
RJ_VM_SOFT_VECTOR(rj_vd, rj_vd, double, rj_md, 4503599627370496.0)
#    undef RJ_VM_SOFT_VECTOR
#  endif
#endif

/* The bit operations, once per value type P (V, its unsigned view U, mask prefix MP).
 *   copysign(x, y)   |x| with the sign bit of y
 *   sign(x)          numpy.sign: 1, -1, or 0 (+0.0 for either zero); NaN stays NaN
 *   nextafter(x, y)  the neighbour of x toward y, as C and numpy: y if x == y; the smallest
 *                    denormal with y's sign from a zero; NaN if either is NaN (y's first) */
#define RJ_VM_BIT_OPS(P, V, T, U, E, MP, SIGNBIT)                                                   \
    RJ_INLINE V P##_copysign(V x, V y)                                                            \
    {                                                                                             \
        return P##_fromuint((P##_asuint(x) & (E)~SIGNBIT) | (P##_asuint(y) & (E)SIGNBIT));          \
    }                                                                                             \
    RJ_INLINE V P##_sign(V x)                                                                     \
    {                                                                                             \
        const V zero = P##_set1(0);                                                               \
        const V s = P##_select(P##_gt(x, zero), P##_set1(1), P##_set1(-1));                       \
        return P##_select(P##_eq(x, zero), zero, P##_select(P##_ne(x, x), x, s));                 \
    }                                                                                             \
    RJ_INLINE V P##_nextafter(V x, V y)                                                           \
    {                                                                                             \
        const V zero = P##_set1(0);                                                               \
        const U bits = P##_asuint(x);                                                             \
        /* away from zero: the magnitude's bits go up by one, else down (sign-magnitude) */       \
        V r = P##_select(MP##_or(MP##_and(P##_lt(x, y), P##_gt(x, zero)),                          \
                                 MP##_and(P##_gt(x, y), P##_lt(x, zero))),                         \
                         P##_fromuint(bits + 1), P##_fromuint(bits - 1));                         \
        r = P##_select(P##_eq(x, zero), P##_copysign(P##_fromuint(P##_asuint(zero) | 1), y), r);                     \
        r = P##_select(P##_eq(x, y), y, r);                                                       \
        /* a NaN: y's if y is one (numpy's order), else x's, quietened */                         \
        return P##_select(P##_ne(y, y), y + y, P##_select(P##_ne(x, x), x + x, r));               \
    }
RJ_VM_BIT_OPS(rj_f, float, float, uint32_t, uint32_t, rj_mfs, 0x80000000u)
RJ_VM_BIT_OPS(rj_d, double, double, uint64_t, uint64_t, rj_mds, 0x8000000000000000ull)
#if RJ_VECTOR_BYTES
RJ_VM_BIT_OPS(rj_vf, rj_vf, float, rj_vfu, uint32_t, rj_mf, 0x80000000u)
RJ_VM_BIT_OPS(rj_vd, rj_vd, double, rj_vdu, uint64_t, rj_md, 0x8000000000000000ull)
#endif
#undef RJ_VM_BIT_OPS

#endif /* RJ_VMATH_ROUND_H */
