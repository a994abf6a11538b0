/* vmath_fbody.h - the float algorithms of the 1-ULP and 4-ULP levels (RJ_VM_LEVEL_ONE and above),
 * written once on a float value type and included by vmath_f32.h once: V = rj_vf on every tier
 * (a float on the scalar tier), full width: 16 lanes on AVX-512, 8 on AVX2, 4 on SSE and NEON.
 * Arithmetic in float, polynomials fitted for float (within 1 ULP; the half-ULP level keeps the
 * double cores of vmath_float.h). The macros mirror vmath_body.h's for float's format, so a float
 * algorithm reads as its double sibling does; vmath_dd.h's error-free sums serve both.
 */
#define RJ_VM_CAT_(a, b) a##_##b
#define RJ_VM_CAT(a, b) RJ_VM_CAT_(a, b)
#define F(name) RJ_VM_CAT(rj_vf, name)     /* F(exp): rj_vf_exp */
#define MF(name) RJ_VM_CAT(rj_mf, name)    /* mask logic: rj_mf_or */
#define V rj_vf
#define M rj_mf
#define T float
#if RJ_VECTOR_BYTES
#  define U rj_vfu
#  define RJ_VM_VEC 1
#else
#  define U uint32_t
#  define RJ_VM_VEC 0
#endif
#define RJ_VM_FLOAT 1                      /* vmath_dd.h: float masks */
#define K(c) F(set1)((T)(c))               /* a constant in every lane */
#define MLA(acc, x, c) F(fma)((acc), (x), K(c)) /* one Horner step: acc * x + c */
#define IMASK(cond) ((M)(cond))            /* an integer comparison as a select mask */
#define INF __builtin_inff()
#define NAN_ ((float)RJ_VM_DEFAULT_NAN)    /* a domain error's NaN */
#if RJ_VM_VEC && defined(RJ_VF_FIXUP)     /* AVX-512: the same in one instruction (simd.h's FIXUP) */
#  define NAN_IN(x, r) RJ_VF_FIXUP((r), (x), 0x22)
#else
#  define NAN_IN(x, r) F(select_ne)((x), (x), (x) + (x), (r))
#endif
#define NAN_IN2(x, y, r) NAN_IN((x), NAN_IN((y), (r)))

#define BITS 32
#define MANT 23
#define BIAS 127
#define SIGN 0x80000000u
#define EXPMASK 0x7f800000u
#define MANTMASK 0x007fffffu
#define ONE_BITS 0x3f800000u                       /* 1.0f */
#define SQRTH_BITS 0x3f3504f3u                     /* sqrt(0.5) rounded */
#define TWO_MANT 8388608.0f                        /* 2^23 */
#define TWO_MANT_BITS 0x4b000000u
#define SHIFTER 12582912.0f                        /* 1.5 * 2^23 */
#define SHIFTER_BITS 0x4b400000u
#define MIN_NORMAL 1.17549435e-38f

/* as vmath_body.h's: x * c + S holds round(x * c) in its low mantissa bits (|x c| < 2^22) */
#define ROUND_SHIFTED(x, c) F(fma)((x), K(c), K(SHIFTER))
/* 2^k as a float, k an integer in two's complement in U (normal results only) */
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
#  include "vmath_f32_exp.h"
#endif
#if RJ_VM_HAS_LOG
#  include "vmath_f32_log.h"
#endif
#if RJ_VM_HAS_TRIG
#  include "vmath_f32_trig.h"
#endif
#if RJ_VM_HAS_INV
#  include "vmath_f32_inv.h"
#endif
#if RJ_VM_HAS_POW
#  include "vmath_f32_pow.h"
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
#undef RJ_VM_VEC
#undef RJ_VM_FLOAT
