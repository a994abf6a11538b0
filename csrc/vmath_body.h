/* vmath_body.h - the algorithms of vmath.h, written once on a value type and included by
 * vmath.h once: for V = rj_vd on the vector tiers (the scalar twins rj_d_* are lane 0 of it),
 * for V = double on the scalar tier. The float functions are built on these (vmath_float.h), so
 * there is no float instantiation.
 *
 * The instantiation is given by RJ_VM_P (the name prefix), RJ_VM_MP (its mask-logic prefix),
 * RJ_VM_V (the value type), RJ_VM_U (its unsigned integer view), RJ_VM_M (its mask type) and
 * RJ_VM_VEC (1 for a vector). Arithmetic uses C operators, which are the same IEEE operation on
 * GCC vectors as on scalars, and simd.h's operations; fma is fused exactly where the tier's
 * rj_*_fma is.
 */
#define RJ_VM_CAT_(a, b) a##_##b
#define RJ_VM_CAT(a, b) RJ_VM_CAT_(a, b)
#define F(name) RJ_VM_CAT(RJ_VM_P, name)   /* F(exp): rj_vd_exp or rj_d_exp */
#define MF(name) RJ_VM_CAT(RJ_VM_MP, name) /* mask logic: rj_md_or or rj_mds_or */
#define V RJ_VM_V
#define U RJ_VM_U
#define M RJ_VM_M
#define T double
#define K(c) F(set1)((T)(c))               /* a constant in every lane */
#define MLA(acc, x, c) F(fma)((acc), (x), K(c)) /* one Horner step: acc * x + c */
#define IMASK(cond) ((M)(cond))            /* an integer comparison as a select mask */
#define INF __builtin_inf()
#define NAN_ RJ_VM_DEFAULT_NAN              /* a domain error's NaN */
/* the result r of a function of x, or x itself (quietened: x + x) where x is NaN: the NaN numpy
 * propagates, whatever the algorithm made of it on the way */
#if RJ_VM_VEC && defined(RJ_VD_FIXUP)     /* AVX-512: the same in one instruction (simd.h's FIXUP) */
#  define NAN_IN(x, r) RJ_VD_FIXUP((r), (x), 0x22)
#else
#  define NAN_IN(x, r) F(select_ne)((x), (x), (x) + (x), (r))
#endif
/* the same for two arguments: the first NaN */
#define NAN_IN2(x, y, r) NAN_IN((x), NAN_IN((y), (r)))

#define BITS 64
#define MANT 52
#define BIAS 1023
#define SIGN 0x8000000000000000ull
#define EXPMASK 0x7ff0000000000000ull
#define MANTMASK 0x000fffffffffffffull
#define ONE_BITS 0x3ff0000000000000ull            /* 1.0 */
#define SQRTH_BITS 0x3fe6a09e667f3bcdull          /* sqrt(0.5) */
#define TWO_MANT 4503599627370496.0               /* 2^52 */
#define TWO_MANT_BITS 0x4330000000000000ull
#define SHIFTER 6755399441055744.0                /* 1.5 * 2^52 */
#define SHIFTER_BITS 0x4338000000000000ull
#define MIN_NORMAL 2.2250738585072014e-308

/* Shifter trick: adding S = 1.5 * 2^52 to v, |v| < 2^51, leaves no fraction bits, so t = v + S
 * holds round(v) in its low mantissa bits and t - S is round(v) as a double.
 * ROUND_SHIFTED(x, c) is x * c + S, in one rounding where there is FMA. */
#define ROUND_SHIFTED(x, c) F(fma)((x), K(c), K(SHIFTER))
/* 2^k as a double, k an integer in two's complement in U (normal results only) */
#define POW2(k) F(fromuint)(((k) + BIAS) << MANT)

#if RJ_VM_VEC
#  define LANES ((int)(sizeof(V) / sizeof(T)))
#  define LANE(v, l) (v)[l]
#  define FOR_EACH_SET_LANE(m, l) for (int l = 0; l < LANES; l++) if ((m)[l])
#else
#  define LANE(v, l) (v)
#  define FOR_EACH_SET_LANE(m, l) for (int l = 0; l < 1; l++) if (m)
#endif

#include "vmath_dd.h"
/* the kernel's families (vmath_families.h) */
#if RJ_VM_HAS_EXP
#  include "vmath_exp.h"
#endif
#if RJ_VM_HAS_LOG
#  include "vmath_log.h"
#endif
#if RJ_VM_HAS_TRIG
#  include "vmath_trig.h"
#endif
#if RJ_VM_HAS_INV
#  include "vmath_inv.h"
#endif
#if RJ_VM_HAS_POW
#  include "vmath_pow.h"
#endif
#if RJ_VM_HAS_HYPOT || RJ_VM_HAS_FMOD
#  include "vmath_misc.h"
#endif

#undef RJ_VM_CAT_
#undef RJ_VM_CAT
#undef F
#undef MF
#undef V
#undef U
#undef M
#undef T
#undef K
#undef MLA
#undef IMASK
#undef INF
#undef NAN_
#undef NAN_IN
#undef NAN_IN2
#undef BITS
#undef MANT
#undef BIAS
#undef SIGN
#undef EXPMASK
#undef MANTMASK
#undef ONE_BITS
#undef SQRTH_BITS
#undef TWO_MANT
#undef TWO_MANT_BITS
#undef SHIFTER
#undef SHIFTER_BITS
#undef MIN_NORMAL
#undef ROUND_SHIFTED
#undef POW2
#undef LANES
#undef LANE
#undef FOR_EACH_SET_LANE
#undef KM_GT
#undef KM_AND_GT
#undef KM_AND_LT
#undef KM_BITS
#undef KM_SEL
#undef RJ_VM_P
#undef RJ_VM_MP
#undef RJ_VM_V
#undef RJ_VM_U
#undef RJ_VM_M
#undef RJ_VM_VEC
