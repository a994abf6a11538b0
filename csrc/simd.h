/* simd.h - the SIMD layer every generated kernel is written against.
 *
 * The tier is the one rj_isa.h works out from the RJ_ISA_* macro: a vector holds 1 float /
 * 1 double on the scalar tier, 4 / 2 on SSE2, SSE4.1 and NEON, 8 / 4 on AVX2, 16 / 8 on AVX-512.
 *
 * Every tier gives the same names (X is f for float, d for double):
 *
 *   rj_vX                a vector of RJ_VF_WIDTH floats / RJ_VD_WIDTH doubles
 *   rj_mX                a lane mask from comparing two rj_vX: all ones or zero per lane
 *   rj_vX_load(p) rj_vX_store(p, v)    unaligned: p need only be aligned to the element
 *   rj_vX_load_partial(p, n) rj_vX_store_partial(p, v, n)   the first n < width lanes only;
 *                        loaded lanes past n are +0.0, stored memory past n is not touched
 *   rj_vX_set1(x)        x in every lane
 *   rj_vd_widen(vf)      the low RJ_VD_WIDTH lanes of an rj_vf as doubles (exact); _high: the others
 *   rj_vf_narrow(vd)     an rj_vd rounded to float in the low RJ_VD_WIDTH lanes, +0.0 above
 *   rj_vf_low_half(vf) rj_vf_from_half(h)   (vector tiers) an rj_vf's low RJ_VD_WIDTH lanes as
 *                        an rj_vf_half, and back (+0.0 above); rj_vf_high_half(vf) the others,
 *                        rj_vf_join(low, high) the rj_vf of two halves
 *   add sub mul div neg abs sqrt floor, fma(a, b, c) = a*b + c (fused when RJ_HAS_FMA)
 *   min max              NaN if either operand is NaN (as numpy.minimum), else the smaller /
 *                        larger; of +0.0 and -0.0 (equal) the second operand, as numpy
 *   lt le gt ge eq ne    IEEE comparisons giving masks: false for NaN, except ne
 *   select(m, a, b)      m ? a : b per lane;  from_mask(m) 1.0 or 0.0 per lane
 *   rj_mX_and/or/not     mask logic
 *   rj_mX_store_bool(p, m)   a mask as numpy bools (one byte per lane, 1 or 0) at p
 *
 * and the scalar twins rj_f_* / rj_d_* on float / double, with int 0/1 masks and mask logic
 * rj_mfs_* / rj_mds_*. A twin gives bit for bit what one lane of its vector gives on the same
 * tier, so a kernel's vector main loop and its scalar tail agree on every value, NaNs' bits
 * included: where two NaNs meet, the first operand's comes out (add and mul are written as
 * one instruction each, so that the compiler cannot swap them; see RJ_ORDERED_OP).
 *
 * Build kernels with -fno-math-errno (lets sqrt be one instruction) and -ffp-contract=off:
 * otherwise GCC may fuse a separate mul and add into an FMA in the vector loop but not in the
 * scalar tail, or fuse the unfused fma of a tier without RJ_HAS_FMA on a target that has FMA
 * (the scalar tier on AArch64). Never with -ffast-math: NaN, infinities, signed zeros and
 * denormals keep their IEEE meaning here.
 *
 * On x86 this header includes no intrinsics header: <immintrin.h> alone costs GCC 0.25-0.5 s
 * to parse, several times a whole kernel's ~40 ms compile. GCC vector extensions (which clang
 * shares) give the arithmetic and comparisons; the few operations with no generic form call
 * the compiler's __builtin_ia32_* functions, which is all the intrinsics headers do; add and mul
 * are one inline-assembly instruction each (GNU C, as gcc and clang both take it).
 */
#ifndef RJ_SIMD_H
#define RJ_SIMD_H

#include <stdint.h>

#include "rj_isa.h"

/* ---- scalar twins ------------------------------------------------------------------------ */

/* floor without a rounding instruction. Adding then subtracting 2^p (p = mantissa bits, with
 * the sign of x) makes the FPU round x to a neighbouring integer t; where t came out above x,
 * t - 1 is the floor. From 2^p on every value is an integer already, and inf and NaN pass
 * through unchanged. The sign of x is put back so that floor(-0.0) = -0.0 and floor(-0.5) = -1
 * whatever the rounding direction. The vector form below is the same steps lane by lane. */
#define RJ_SOFT_FLOOR_SCALAR(NAME, T, TWO_P, ABS, COPYSIGN)                                       \
    RJ_INLINE T NAME(T x)                                                                         \
    {                                                                                             \
        if (!(ABS(x) < TWO_P)) return x;                                                          \
        const T magic = COPYSIGN(TWO_P, x);                                                       \
        T t = (x + magic) - magic;                                                                \
        if (t > x) t -= 1;                                                                        \
        return COPYSIGN(t, x);                                                                    \
    }
RJ_SOFT_FLOOR_SCALAR(rj_soft_floorf, float, 8388608.0f, __builtin_fabsf, __builtin_copysignf)
RJ_SOFT_FLOOR_SCALAR(rj_soft_floor, double, 4503599627370496.0, __builtin_fabs, __builtin_copysign)

#if RJ_HAS_ROUND
#  define RJ_FLOORF __builtin_floorf   /* one roundss / frintm at -O2 */
#  define RJ_FLOORD __builtin_floor
#else
#  define RJ_FLOORF rj_soft_floorf     /* not libm's floorf: the vector lanes must match it */
#  define RJ_FLOORD rj_soft_floor
#endif

#if RJ_HAS_FMA
#  define RJ_FMAF __builtin_fmaf       /* one vfmadd / fmadd */
#  define RJ_FMAD __builtin_fma
#else
#  define RJ_FMAF(a, b, c) ((a) * (b) + (c)) /* rounded twice, given -ffp-contract=off */
#  define RJ_FMAD(a, b, c) ((a) * (b) + (c))
#endif

/* add and mul, in the order written. Where both operands are NaN, x86 and AArch64 give the NaN
 * of the instruction's first operand (as numpy's vector loops give x's in x + y); but the
 * compiler may swap the operands of a commutative instruction, and may do so in a kernel's vector
 * loop and not in its scalar tail, so that a sample's NaN would depend on where it fell. As one
 * instruction written out, the order is the C order in both. Other architectures keep the C
 * operators. (JitConfig(fastmath=True) fuses with rj_*_fma, which resin_jit/front/fusion.py
 * chooses, never by contraction.) Legacy SSE takes its operands in registers only: an unaligned
 * memory operand would fault. */
#if !(defined(__x86_64__) || defined(__aarch64__))
#  define RJ_ORDERED_OP(NAME, T, OP, INSN) RJ_INLINE T NAME(T a, T b) { return a OP b; }
#elif defined(__aarch64__)                /* INSN: the instruction, e.g. "fadd %d0, %d1, %d2" */
#  define RJ_ORDERED_OP(NAME, T, OP, INSN)                                                        \
    RJ_INLINE T NAME(T a, T b) { T r; __asm__(INSN : "=w"(r) : "w"(a), "w"(b)); return r; }
#elif defined(__AVX__)                    /* INSN: the SSE mnemonic, e.g. "addsd" */
#  if defined(__AVX512F__)
#    define RJ_ASM_REG "v"                /* xmm0-31, with EVEX */
#  else
#    define RJ_ASM_REG "x"
#  endif
#  define RJ_ORDERED_OP(NAME, T, OP, INSN)                                                        \
    RJ_INLINE T NAME(T a, T b)                                                                    \
    {                                                                                             \
        T r;                                                                                      \
        __asm__("v" INSN " %2, %1, %0" : "=" RJ_ASM_REG(r) : RJ_ASM_REG(a), RJ_ASM_REG "m"(b));   \
        return r;                                                                                 \
    }
#else
#  define RJ_ORDERED_OP(NAME, T, OP, INSN)                                                        \
    RJ_INLINE T NAME(T a, T b) { __asm__(INSN " %1, %0" : "+x"(a) : "x"(b)); return a; }
#endif
#if defined(__aarch64__)
RJ_ORDERED_OP(rj_f_ordered_add, float, +, "fadd %s0, %s1, %s2")
RJ_ORDERED_OP(rj_f_ordered_mul, float, *, "fmul %s0, %s1, %s2")
RJ_ORDERED_OP(rj_d_ordered_add, double, +, "fadd %d0, %d1, %d2")
RJ_ORDERED_OP(rj_d_ordered_mul, double, *, "fmul %d0, %d1, %d2")
#else
RJ_ORDERED_OP(rj_f_ordered_add, float, +, "addss")
RJ_ORDERED_OP(rj_f_ordered_mul, float, *, "mulss")
RJ_ORDERED_OP(rj_d_ordered_add, double, +, "addsd")
RJ_ORDERED_OP(rj_d_ordered_mul, double, *, "mulsd")
#endif

/* select_lt(a, b, x, y) is select(lt(a, b), x, y), and likewise for le, gt, ge, eq and ne: the
 * graph compiler writes a select on a comparison nothing else uses so (codegen/emit.py). On
 * AVX-512 it is a compare into a mask register and one masked move; the comparison made a vector
 * mask first and then selected with takes two more instructions (GCC makes the bitwise select
 * two masked vpxord, and does not see through a mask register turned into a vector and back). */
#define RJ_SELECT_ON(P, V, NAME)                                                                  \
    RJ_INLINE V P##_select_##NAME(V a, V b, V x, V y) { return P##_select(P##_##NAME(a, b), x, y); }
#define RJ_SELECT_ON_COMPARISONS(P, V)                                                            \
    RJ_SELECT_ON(P, V, lt) RJ_SELECT_ON(P, V, le) RJ_SELECT_ON(P, V, gt)                          \
    RJ_SELECT_ON(P, V, ge) RJ_SELECT_ON(P, V, eq) RJ_SELECT_ON(P, V, ne)

/* min is numpy.minimum, written "a if a is NaN, else (a < b ? a : b)": the inner part is
 * exactly x86's minps(a, b), which answers b when either is NaN or both are zero (so of +0.0
 * and -0.0 the second, as numpy), and the vector form is minps plus a NaN test on a. When a
 * is a constant the compiler drops that test, so the graph compiler puts a constant that is
 * neither zero nor NaN first (the order cannot matter then). max likewise with >. */
#define RJ_SCALAR_OPS(P, TP, T, MP, FLOOR, FMA, SQRT, ABS)                                          \
    RJ_INLINE T P##_load(const T *p) { return *p; }                                               \
    RJ_INLINE void P##_store(T *p, T v) { *p = v; }                                               \
    RJ_INLINE T P##_set1(T x) { return x; }                                                       \
    RJ_INLINE T P##_add(T a, T b) { return TP##_ordered_add(a, b); }                              \
    RJ_INLINE T P##_sub(T a, T b) { return a - b; }                                               \
    RJ_INLINE T P##_mul(T a, T b) { return TP##_ordered_mul(a, b); }                              \
    RJ_INLINE T P##_div(T a, T b) { return a / b; }                                               \
    RJ_INLINE T P##_fma(T a, T b, T c) { return FMA(a, b, c); }                                   \
    RJ_INLINE T P##_neg(T a) { return -a; }                                                       \
    RJ_INLINE T P##_abs(T a) { return ABS(a); }                                                   \
    RJ_INLINE T P##_sqrt(T a) { return SQRT(a); }                                                 \
    RJ_INLINE T P##_floor(T a) { return FLOOR(a); }                                               \
    RJ_INLINE T P##_min(T a, T b) { return a != a ? a : (a < b ? a : b); }                        \
    RJ_INLINE T P##_max(T a, T b) { return a != a ? a : (a > b ? a : b); }                        \
    RJ_INLINE int P##_lt(T a, T b) { return a < b; }                                              \
    RJ_INLINE int P##_le(T a, T b) { return a <= b; }                                             \
    RJ_INLINE int P##_gt(T a, T b) { return a > b; }                                              \
    RJ_INLINE int P##_ge(T a, T b) { return a >= b; }                                             \
    RJ_INLINE int P##_eq(T a, T b) { return a == b; }                                             \
    RJ_INLINE int P##_ne(T a, T b) { return a != b; }                                             \
    RJ_INLINE T P##_select(int m, T a, T b) { return m ? a : b; }                                 \
    RJ_SELECT_ON_COMPARISONS(P, T)                                                                \
    RJ_INLINE T P##_from_mask(int m) { return m ? (T)1 : (T)0; }                                  \
    RJ_INLINE int MP##_and(int a, int b) { return a & b; }                                        \
    RJ_INLINE int MP##_or(int a, int b) { return a | b; }                                         \
    RJ_INLINE int MP##_not(int a) { return !a; }                                                  \
    RJ_INLINE int MP##_any(int a) { return a != 0; }

RJ_SCALAR_OPS(rj_f, rj_f, float, rj_mfs, RJ_FLOORF, RJ_FMAF, __builtin_sqrtf, __builtin_fabsf)
RJ_SCALAR_OPS(rj_d, rj_d, double, rj_mds, RJ_FLOORD, RJ_FMAD, __builtin_sqrt, __builtin_fabs)

#if RJ_VECTOR_BYTES == 0 /* ---- the scalar tier: a "vector" is one value ------------------- */

#define RJ_VF_WIDTH 1
#define RJ_VD_WIDTH 1
typedef float rj_vf;
typedef double rj_vd;
typedef int rj_mf;
typedef int rj_md;

RJ_SCALAR_OPS(rj_vf, rj_f, float, rj_mf, RJ_FLOORF, RJ_FMAF, __builtin_sqrtf, __builtin_fabsf)
RJ_SCALAR_OPS(rj_vd, rj_d, double, rj_md, RJ_FLOORD, RJ_FMAD, __builtin_sqrt, __builtin_fabs)
/* x86's min/max rule (the vector tiers' RJ_*_MINPS / MAXPS), for a "vector" of one value */
#define RJ_VF_MINPS(x, y) ((x) < (y) ? (x) : (y))
#define RJ_VF_MAXPS(x, y) ((x) > (y) ? (x) : (y))
#define RJ_VD_MINPS(x, y) ((x) < (y) ? (x) : (y))
#define RJ_VD_MAXPS(x, y) ((x) > (y) ? (x) : (y))

RJ_INLINE rj_vd rj_vd_widen(rj_vf v) { return (double)v; }
RJ_INLINE rj_vd rj_vd_widen_high(rj_vf v) { (void)v; return 0.0; }   /* one lane: no high half */
RJ_INLINE rj_vf rj_vf_narrow(rj_vd v) { return (float)v; }
RJ_INLINE void rj_mf_store_bool(uint8_t *p, rj_mf m) { *p = (uint8_t)(m != 0); }
RJ_INLINE void rj_md_store_bool(uint8_t *p, rj_md m) { *p = (uint8_t)(m != 0); }

/* With one lane, "fewer than the width" means none. */
RJ_INLINE rj_vf rj_vf_load_partial(const float *p, int64_t n) { return n > 0 ? *p : 0.0f; }
RJ_INLINE rj_vd rj_vd_load_partial(const double *p, int64_t n) { return n > 0 ? *p : 0.0; }
RJ_INLINE void rj_vf_store_partial(float *p, rj_vf v, int64_t n) { if (n > 0) *p = v; }
RJ_INLINE void rj_vd_store_partial(double *p, rj_vd v, int64_t n) { if (n > 0) *p = v; }

#else /* ---- vector tiers ------------------------------------------------------------------- */

#define RJ_VF_WIDTH (RJ_VECTOR_BYTES / 4)
#define RJ_VD_WIDTH (RJ_VECTOR_BYTES / 8)
typedef float rj_vf __attribute__((vector_size(RJ_VECTOR_BYTES)));
typedef double rj_vd __attribute__((vector_size(RJ_VECTOR_BYTES)));
typedef int32_t rj_mf __attribute__((vector_size(RJ_VECTOR_BYTES)));
typedef int64_t rj_md __attribute__((vector_size(RJ_VECTOR_BYTES)));

/* What has no generic vector form, per tier: sqrt, floor, fused multiply-add, the x86 min/max
 * rule MINPS(x, y) = x < y ? x : y (y when either is NaN), select as one blend instruction, and
 * float-to-double conversion of a half-width float vector h (an rj_vf_half) as one instruction.
 * A tier that leaves one undefined gets the generic fallback below. */
#if defined(RJ_ISA_AVX512)
/* Most 512-bit builtins take a lane mask, a source for the masked-off lanes and a rounding
 * argument: here all lanes, and 4 = the current direction (_MM_FROUND_CUR_DIRECTION). GCC and
 * clang name some differently, and type the masks differently (which -Wconversion notices). */
#  define RJ_ALL8 ((unsigned char)0xff)
#  if defined(__clang__)
#    define RJ_ALL16 ((unsigned short)0xffff)
#    define RJ_VF_SQRT(a) __builtin_ia32_sqrtps512((a), 4)
#    define RJ_VD_SQRT(a) __builtin_ia32_sqrtpd512((a), 4)
#    define RJ_VF_FLOOR(a) __builtin_ia32_rndscaleps_mask((a), 0x09, (a), RJ_ALL16, 4)
#    define RJ_VD_FLOOR(a) __builtin_ia32_rndscalepd_mask((a), 0x09, (a), RJ_ALL8, 4)
#    define RJ_VF_MINPS(x, y) __builtin_ia32_minps512((x), (y), 4)
#    define RJ_VF_MAXPS(x, y) __builtin_ia32_maxps512((x), (y), 4)
#    define RJ_VD_MINPS(x, y) __builtin_ia32_minpd512((x), (y), 4)
#    define RJ_VD_MAXPS(x, y) __builtin_ia32_maxpd512((x), (y), 4)
#  else
#    define RJ_ALL16 ((short)-1)
#    define RJ_VF_SQRT(a) __builtin_ia32_sqrtps512(a)
#    define RJ_VD_SQRT(a) __builtin_ia32_sqrtpd512(a)
#    define RJ_VF_FLOOR(a) __builtin_ia32_floorps512(a)
#    define RJ_VD_FLOOR(a) __builtin_ia32_floorpd512(a)
#    define RJ_VF_MINPS(x, y) __builtin_ia32_minps512_mask((x), (y), (x), RJ_ALL16, 4)
#    define RJ_VF_MAXPS(x, y) __builtin_ia32_maxps512_mask((x), (y), (x), RJ_ALL16, 4)
#    define RJ_VD_MINPS(x, y) __builtin_ia32_minpd512_mask((x), (y), (x), RJ_ALL8, 4)
#    define RJ_VD_MAXPS(x, y) __builtin_ia32_maxpd512_mask((x), (y), (x), RJ_ALL8, 4)
#    define RJ_VD_WIDEN(h) __builtin_ia32_cvtps2pd512_mask((h), (rj_vd){0}, (char)-1, 4) /* a char mask */
#  endif
/* select(cmp(a, b), x, y) as a compare into a mask register and a masked move (see
 * RJ_SELECT_ON); PRED the compare's predicate, the one GCC makes of C's operator. */
#  if defined(__clang__)
#    define RJ_VF_SELECT_CMP(a, b, PRED, x, y) \
         __builtin_ia32_selectps_512(__builtin_ia32_cmpps512_mask((a), (b), (PRED), RJ_ALL16, 4), (x), (y))
#    define RJ_VD_SELECT_CMP(a, b, PRED, x, y) \
         __builtin_ia32_selectpd_512(__builtin_ia32_cmppd512_mask((a), (b), (PRED), RJ_ALL8, 4), (x), (y))
#  else
#    define RJ_VF_SELECT_CMP(a, b, PRED, x, y) \
         __builtin_ia32_blendmps_512_mask((y), (x), __builtin_ia32_cmpps512_mask((a), (b), (PRED), RJ_ALL16, 4))
#    define RJ_VD_SELECT_CMP(a, b, PRED, x, y) \
         __builtin_ia32_blendmpd_512_mask((y), (x), __builtin_ia32_cmppd512_mask((a), (b), (PRED), RJ_ALL8, 4))
#  endif
/* Exact shortcuts the vector math takes where the tier has them; elsewhere it computes the same
 * bits in several operations (tests/test_vmath_c.py compares the tiers' hashes). Denormals are
 * numbers to all four while MXCSR.DAZ is clear; a process that set it gets zeros from them here as
 * from every comparison and operation of the generic code (the tiers' hashes agree under DAZ too):
 *   GETEXP(a)   floor(log2 |a|) as a float (vgetexp)
 *   GETMANT(a)  |a| / 2^floor(log2 |a|), in [1, 2) (vgetmant, interval 0, sign cleared)
 *   SCALEF(a,k) a * 2^k for an integral k, rounded once (vscalef): inf past the largest float
 *   FIXUP(d,a,T) d where a is an ordinary number, else what the nibble of T for a's class says
 *               (vfixupimm; the classes, nibble 0 to 7: qNaN, sNaN, +-0, +1, -inf, +inf, below
 *               0, above 0; the answers used: 0 d, 2 a quietened, 3 the default NaN, 4 -inf,
 *               5 +inf, 7 -0, 8 +0) */
#  define RJ_VF_GETEXP(a) __builtin_ia32_getexpps512_mask((a), (a), RJ_ALL16, 4)
#  define RJ_VD_GETEXP(a) __builtin_ia32_getexppd512_mask((a), (a), RJ_ALL8, 4)
#  define RJ_VF_GETMANT(a) __builtin_ia32_getmantps512_mask((a), 4, (a), RJ_ALL16, 4)
#  define RJ_VD_GETMANT(a) __builtin_ia32_getmantpd512_mask((a), 4, (a), RJ_ALL8, 4)
#  define RJ_VF_SCALEF(a, k) __builtin_ia32_scalefps512_mask((a), (k), (a), RJ_ALL16, 4)
#  define RJ_VD_SCALEF(a, k) __builtin_ia32_scalefpd512_mask((a), (k), (a), RJ_ALL8, 4)
#  define RJ_VF_FIXUP(d, a, TABLE) \
       __builtin_ia32_fixupimmps512_mask((d), (a), (rj_mf){0} + (int32_t)(TABLE), 0, RJ_ALL16, 4)
typedef long long rj_v8ll __attribute__((vector_size(64)));   /* the builtins' table type */
#  define RJ_VD_FIXUP(d, a, TABLE) \
       __builtin_ia32_fixupimmpd512_mask((d), (a), (rj_v8ll){0} + (long long)(TABLE), 0, RJ_ALL8, 4)
#  define RJ_CMP_lt 0x01   /* _CMP_LT_OS */
#  define RJ_CMP_le 0x02   /* _CMP_LE_OS */
#  define RJ_CMP_gt 0x0e   /* _CMP_GT_OS */
#  define RJ_CMP_ge 0x0d   /* _CMP_GE_OS */
#  define RJ_CMP_eq 0x00   /* _CMP_EQ_OQ */
#  define RJ_CMP_ne 0x04   /* _CMP_NEQ_UQ */
#  define RJ_VF_FMA(a, b, c) __builtin_ia32_vfmaddps512_mask((a), (b), (c), RJ_ALL16, 4)
#  define RJ_VD_FMA(a, b, c) __builtin_ia32_vfmaddpd512_mask((a), (b), (c), RJ_ALL8, 4)
#elif defined(RJ_ISA_AVX2)
#  define RJ_VF_FMA(a, b, c) __builtin_ia32_vfmaddps256((a), (b), (c))
#  define RJ_VD_FMA(a, b, c) __builtin_ia32_vfmaddpd256((a), (b), (c))
#  define RJ_VF_SQRT(a) __builtin_ia32_sqrtps256(a)
#  define RJ_VD_SQRT(a) __builtin_ia32_sqrtpd256(a)
#  define RJ_VF_FLOOR(a) __builtin_ia32_roundps256((a), 0x09) /* 1: toward -inf, 8: quietly */
#  define RJ_VD_FLOOR(a) __builtin_ia32_roundpd256((a), 0x09)
#  define RJ_VF_MINPS(x, y) __builtin_ia32_minps256((x), (y))
#  define RJ_VF_MAXPS(x, y) __builtin_ia32_maxps256((x), (y))
#  define RJ_VD_MINPS(x, y) __builtin_ia32_minpd256((x), (y))
#  define RJ_VD_MAXPS(x, y) __builtin_ia32_maxpd256((x), (y))
/* blendv(a, b, m) picks b's lane where m's sign bit is set, and masks here are all ones or
 * zero; GCC would make the bitwise select an integer-domain pblendvb instead. */
#  define RJ_VF_BLEND(m, a, b) __builtin_ia32_blendvps256((b), (a), (rj_vf)(m))
#  define RJ_VD_BLEND(m, a, b) __builtin_ia32_blendvpd256((b), (a), (rj_vd)(m))
#  if !defined(__clang__)
#    define RJ_VD_WIDEN(h) __builtin_ia32_cvtps2pd256(h)
#  endif
#elif defined(RJ_ISA_SSE41) || defined(RJ_ISA_SSE2)
#  define RJ_VF_SQRT(a) __builtin_ia32_sqrtps(a)
#  define RJ_VD_SQRT(a) __builtin_ia32_sqrtpd(a)
#  define RJ_VF_MINPS(x, y) __builtin_ia32_minps((x), (y))
#  define RJ_VF_MAXPS(x, y) __builtin_ia32_maxps((x), (y))
#  define RJ_VD_MINPS(x, y) __builtin_ia32_minpd((x), (y))
#  define RJ_VD_MAXPS(x, y) __builtin_ia32_maxpd((x), (y))
#  if defined(RJ_ISA_SSE41)
#    define RJ_VF_FLOOR(a) __builtin_ia32_roundps((a), 0x09)
#    define RJ_VD_FLOOR(a) __builtin_ia32_roundpd((a), 0x09)
#    define RJ_VF_BLEND(m, a, b) __builtin_ia32_blendvps((b), (a), (rj_vf)(m))
#    define RJ_VD_BLEND(m, a, b) __builtin_ia32_blendvpd((b), (a), (rj_vd)(m))
#  endif
#elif defined(RJ_ISA_NEON)
/* GCC vector types and arm_neon.h types of one size convert by a plain cast. NEON's own
 * vminq/vmaxq order -0.0 below +0.0, unlike x86, so min/max use the generic form instead
 * and give the same answers as every other tier. */
#  define RJ_VF_FMA(a, b, c) ((rj_vf)vfmaq_f32((float32x4_t)(c), (float32x4_t)(a), (float32x4_t)(b)))
#  define RJ_VD_FMA(a, b, c) ((rj_vd)vfmaq_f64((float64x2_t)(c), (float64x2_t)(a), (float64x2_t)(b)))
#  define RJ_VF_SQRT(a) ((rj_vf)vsqrtq_f32((float32x4_t)(a)))
#  define RJ_VD_SQRT(a) ((rj_vd)vsqrtq_f64((float64x2_t)(a)))
#  define RJ_VF_FLOOR(a) ((rj_vf)vrndmq_f32((float32x4_t)(a)))
#  define RJ_VD_FLOOR(a) ((rj_vd)vrndmq_f64((float64x2_t)(a)))
#  define RJ_VD_WIDEN(h) ((rj_vd)vcvt_f64_f32((float32x2_t)(h)))
#endif

/* Newer clang spells sqrt and fma generically and may drop the ia32 names. */
#if defined(__clang__) && !defined(RJ_ISA_NEON)
#  if RJ_HAS_BUILTIN(__builtin_elementwise_sqrt)
#    undef RJ_VF_SQRT
#    undef RJ_VD_SQRT
#    define RJ_VF_SQRT(a) __builtin_elementwise_sqrt(a)
#    define RJ_VD_SQRT(a) __builtin_elementwise_sqrt(a)
#  endif
#  if RJ_HAS_FMA && RJ_HAS_BUILTIN(__builtin_elementwise_fma)
#    undef RJ_VF_FMA
#    undef RJ_VD_FMA
#    define RJ_VF_FMA(a, b, c) __builtin_elementwise_fma((a), (b), (c))
#    define RJ_VD_FMA(a, b, c) __builtin_elementwise_fma((a), (b), (c))
#  endif
#endif

/* Generic fallbacks. Without FMA hardware the multiply-add rounds twice, like its twin. The
 * bitwise select is and/andnot/or on SSE2 and one masked move or ternlog on AVX-512. */
#if !RJ_HAS_FMA
#  define RJ_VF_FMA(a, b, c) ((a) * (b) + (c))
#  define RJ_VD_FMA(a, b, c) ((a) * (b) + (c))
#endif
#if !defined(RJ_VF_BLEND)
#  define RJ_VF_BLEND(m, a, b) ((rj_vf)(((m) & (rj_mf)(a)) | (~(m) & (rj_mf)(b))))
#  define RJ_VD_BLEND(m, a, b) ((rj_vd)(((m) & (rj_md)(a)) | (~(m) & (rj_md)(b))))
#endif
/* (GCC 12 widens floats in two halves, two converts and a shuffle: the tiers above say how in one.) */
#if !defined(RJ_VD_WIDEN)
#  define RJ_VD_WIDEN(h) __builtin_convertvector((h), rj_vd)
#endif
#if !defined(RJ_VF_MINPS)
#  define RJ_VF_MINPS(x, y) RJ_VF_BLEND((rj_mf)((x) < (y)), (x), (y))
#  define RJ_VF_MAXPS(x, y) RJ_VF_BLEND((rj_mf)((x) > (y)), (x), (y))
#  define RJ_VD_MINPS(x, y) RJ_VD_BLEND((rj_md)((x) < (y)), (x), (y))
#  define RJ_VD_MAXPS(x, y) RJ_VD_BLEND((rj_md)((x) > (y)), (x), (y))
#endif

#if defined(__aarch64__)
RJ_ORDERED_OP(rj_vf_ordered_add, rj_vf, +, "fadd %0.4s, %1.4s, %2.4s")
RJ_ORDERED_OP(rj_vf_ordered_mul, rj_vf, *, "fmul %0.4s, %1.4s, %2.4s")
RJ_ORDERED_OP(rj_vd_ordered_add, rj_vd, +, "fadd %0.2d, %1.2d, %2.2d")
RJ_ORDERED_OP(rj_vd_ordered_mul, rj_vd, *, "fmul %0.2d, %1.2d, %2.2d")
#else
RJ_ORDERED_OP(rj_vf_ordered_add, rj_vf, +, "addps")
RJ_ORDERED_OP(rj_vf_ordered_mul, rj_vf, *, "mulps")
RJ_ORDERED_OP(rj_vd_ordered_add, rj_vd, +, "addpd")
RJ_ORDERED_OP(rj_vd_ordered_mul, rj_vd, *, "mulpd")
#endif

/* select on a comparison: one instruction fewer where the tier has RJ_*_SELECT_CMP */
#if defined(RJ_VF_SELECT_CMP)
#  define RJ_SELECT_CMP_ON(P, V, X, NAME)                                                         \
    RJ_INLINE V P##_select_##NAME(V a, V b, V x, V y) { return RJ_##X##_SELECT_CMP(a, b, RJ_CMP_##NAME, x, y); }
#  define RJ_SELECT_ON_VECTORS(P, V, X)                                                           \
    RJ_SELECT_CMP_ON(P, V, X, lt) RJ_SELECT_CMP_ON(P, V, X, le) RJ_SELECT_CMP_ON(P, V, X, gt)      \
    RJ_SELECT_CMP_ON(P, V, X, ge) RJ_SELECT_CMP_ON(P, V, X, eq) RJ_SELECT_CMP_ON(P, V, X, ne)
#else
#  define RJ_SELECT_ON_VECTORS(P, V, X) RJ_SELECT_ON_COMPARISONS(P, V)
#endif

/* Everything else, once for V = rj_vf (element T, mask M, width W) and once for rj_vd;
 * X is VF or VD and names the primitives above. */
#define RJ_VECTOR_OPS(P, V, T, M, MP, W, X)                                                       \
    RJ_INLINE V P##_load(const T *p) { V v; __builtin_memcpy(&v, p, sizeof v); return v; }       \
    RJ_INLINE void P##_store(T *p, V v) { __builtin_memcpy(p, &v, sizeof v); }                    \
    RJ_INLINE V P##_set1(T x) { V v; for (int l = 0; l < W; l++) v[l] = x; return v; }            \
    RJ_INLINE V P##_add(V a, V b) { return P##_ordered_add(a, b); }                               \
    RJ_INLINE V P##_sub(V a, V b) { return a - b; }                                               \
    RJ_INLINE V P##_mul(V a, V b) { return P##_ordered_mul(a, b); }                               \
    RJ_INLINE V P##_div(V a, V b) { return a / b; }                                               \
    RJ_INLINE V P##_fma(V a, V b, V c) { return RJ_##X##_FMA(a, b, c); }                          \
    RJ_INLINE V P##_neg(V a) { return -a; }                                                       \
    /* clear the sign bit (NaN included, as fabs does) */                                         \
    RJ_INLINE V P##_abs(V a) { return (V)((M)a & ~(M)P##_set1((T)-0.0)); }                        \
    RJ_INLINE V P##_sqrt(V a) { return RJ_##X##_SQRT(a); }                                        \
    RJ_INLINE M P##_lt(V a, V b) { return (M)(a < b); }                                           \
    RJ_INLINE M P##_le(V a, V b) { return (M)(a <= b); }                                          \
    RJ_INLINE M P##_gt(V a, V b) { return (M)(a > b); }                                           \
    RJ_INLINE M P##_ge(V a, V b) { return (M)(a >= b); }                                          \
    RJ_INLINE M P##_eq(V a, V b) { return (M)(a == b); }                                          \
    RJ_INLINE M P##_ne(V a, V b) { return (M)(a != b); }                                          \
    RJ_INLINE V P##_select(M m, V a, V b) { return RJ_##X##_BLEND(m, a, b); }                     \
    RJ_SELECT_ON_VECTORS(P, V, X)                                                                 \
    RJ_INLINE V P##_from_mask(M m) { return (V)(m & (M)P##_set1(1)); }                            \
    /* (the NaN test by a generic comparison, which the compiler drops for a constant a) */       \
    RJ_INLINE V P##_min(V a, V b) { return P##_select(P##_ne(a, a), a, RJ_##X##_MINPS(a, b)); }   \
    RJ_INLINE V P##_max(V a, V b) { return P##_select(P##_ne(a, a), a, RJ_##X##_MAXPS(a, b)); }   \
    RJ_INLINE M MP##_and(M a, M b) { return a & b; }                                              \
    RJ_INLINE M MP##_or(M a, M b) { return a | b; }                                               \
    RJ_INLINE M MP##_not(M a) { return ~a; }                                                      \
    /* lane by lane through a stack copy: never touches memory past p[n - 1] */                   \
    RJ_INLINE V P##_load_partial(const T *p, int64_t n)                                           \
    {                                                                                             \
        T lanes[W] = {0};                                                                         \
        for (int64_t l = 0; l < n && l < W; l++) lanes[l] = p[l];                                 \
        return P##_load(lanes);                                                                   \
    }                                                                                             \
    RJ_INLINE void P##_store_partial(T *p, V v, int64_t n)                                        \
    {                                                                                             \
        for (int64_t l = 0; l < n && l < W; l++) p[l] = v[l];                                     \
    }

RJ_VECTOR_OPS(rj_vf, rj_vf, float, rj_mf, rj_mf, RJ_VF_WIDTH, VF)
RJ_VECTOR_OPS(rj_vd, rj_vd, double, rj_md, rj_md, RJ_VD_WIDTH, VD)

/* Whether any lane of a mask is set: one instruction or two per tier. */
RJ_INLINE int rj_mf_any(rj_mf m)
{
#if defined(RJ_ISA_AVX512)
    return __builtin_ia32_cvtd2mask512(m) != 0;                      /* vpmovd2m */
#elif defined(RJ_ISA_AVX2)
    return __builtin_ia32_movmskps256((rj_vf)m) != 0;
#elif defined(RJ_ISA_SSE41) || defined(RJ_ISA_SSE2)
    return __builtin_ia32_movmskps((rj_vf)m) != 0;
#elif defined(RJ_ISA_NEON)
    return vmaxvq_u32((uint32x4_t)m) != 0;
#else
    int any = 0;
    for (int l = 0; l < RJ_VF_WIDTH; l++) any |= m[l] != 0;
    return any;
#endif
}
RJ_INLINE int rj_md_any(rj_md m)
{
#if defined(RJ_ISA_AVX512)
    typedef long long rj_v8di __attribute__((vector_size(64)));   /* GCC's and clang's argument type */
    return __builtin_ia32_cvtq2mask512((rj_v8di)m) != 0;             /* vpmovq2m */
#elif defined(RJ_ISA_AVX2)
    return __builtin_ia32_movmskpd256((rj_vd)m) != 0;
#elif defined(RJ_ISA_SSE41) || defined(RJ_ISA_SSE2)
    return __builtin_ia32_movmskpd((rj_vd)m) != 0;
#elif defined(RJ_ISA_NEON)
    return vmaxvq_u32((uint32x4_t)m) != 0;
#else
    int any = 0;
    for (int l = 0; l < RJ_VD_WIDTH; l++) any |= m[l] != 0;
    return any;
#endif
}

#if RJ_HAS_ROUND
RJ_INLINE rj_vf rj_vf_floor(rj_vf a) { return RJ_VF_FLOOR(a); }
RJ_INLINE rj_vd rj_vd_floor(rj_vd a) { return RJ_VD_FLOOR(a); }
#else
/* SSE2: rj_soft_floorf's steps lane by lane (see there), so the twin matches bit for bit. */
#define RJ_SOFT_FLOOR_VECTOR(P, V, T, M, TWO_P)                                                   \
    RJ_INLINE V P##_floor(V x)                                                                    \
    {                                                                                             \
        const M sign = (M)x & (M)P##_set1((T)-0.0);                                               \
        const V magic = (V)(sign | (M)P##_set1(TWO_P));                                           \
        V t = (x + magic) - magic;                                                                \
        t = P##_select(P##_gt(t, x), t - (T)1, t);                                                \
        t = (V)((M)P##_abs(t) | sign);                                                            \
        return P##_select(P##_lt(P##_abs(x), P##_set1(TWO_P)), t, x);                             \
    }
RJ_SOFT_FLOOR_VECTOR(rj_vf, rj_vf, float, rj_mf, 8388608.0f)
RJ_SOFT_FLOOR_VECTOR(rj_vd, rj_vd, double, rj_md, 4503599627370496.0)
#endif

/* A channel kernel of a float32 graph runs one channel per double lane: its state is an rj_vd,
 * while its pure-math values live in the low RJ_VD_WIDTH lanes of an rj_vf, so that each is
 * computed (and rounded) exactly as in a float32 kernel. These two move values between them:
 * vcvtps2pd / vcvtpd2ps on x86, fcvtl / fcvtn on NEON. */
typedef float rj_vf_half __attribute__((vector_size(RJ_VECTOR_BYTES / 2)));
#if RJ_VF_WIDTH == 4
#  define RJ_HALF_LANES 0, 1
#  define RJ_HIGH_LANES 2, 3
#  define RJ_ALL_LANES 0, 1, 2, 3
#elif RJ_VF_WIDTH == 8
#  define RJ_HALF_LANES 0, 1, 2, 3
#  define RJ_HIGH_LANES 4, 5, 6, 7
#  define RJ_ALL_LANES 0, 1, 2, 3, 4, 5, 6, 7
#else
#  define RJ_HALF_LANES 0, 1, 2, 3, 4, 5, 6, 7
#  define RJ_HIGH_LANES 8, 9, 10, 11, 12, 13, 14, 15
#  define RJ_ALL_LANES 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15
#endif
/* An rj_vf's low and high halves, and the rj_vf of two halves. GCC before 12 has no
 * __builtin_shufflevector: there the same bytes move by memcpy, which it makes the same extract
 * or insert instruction. */
#if RJ_HAS_BUILTIN(__builtin_shufflevector)
RJ_INLINE rj_vf_half rj_vf_low_half(rj_vf v) { return __builtin_shufflevector(v, v, RJ_HALF_LANES); }
RJ_INLINE rj_vf_half rj_vf_high_half(rj_vf v) { return __builtin_shufflevector(v, v, RJ_HIGH_LANES); }
RJ_INLINE rj_vf rj_vf_join(rj_vf_half low, rj_vf_half high) { return __builtin_shufflevector(low, high, RJ_ALL_LANES); }
#else
RJ_INLINE rj_vf_half rj_vf_low_half(rj_vf v)
{
    rj_vf_half h;
    __builtin_memcpy(&h, &v, sizeof h);
    return h;
}
RJ_INLINE rj_vf_half rj_vf_high_half(rj_vf v)
{
    rj_vf_half h;
    __builtin_memcpy(&h, (const char *)&v + sizeof h, sizeof h);
    return h;
}
RJ_INLINE rj_vf rj_vf_join(rj_vf_half low, rj_vf_half high)
{
    rj_vf v;
    __builtin_memcpy(&v, &low, sizeof low);
    __builtin_memcpy((char *)&v + sizeof low, &high, sizeof high);
    return v;
}
#endif
RJ_INLINE rj_vf rj_vf_from_half(rj_vf_half h)   /* h in the low lanes, +0.0 above */
{
    const rj_vf_half zero = {0};
    return rj_vf_join(h, zero);
}
RJ_INLINE rj_vd rj_vd_widen(rj_vf v) { return RJ_VD_WIDEN(rj_vf_low_half(v)); }
RJ_INLINE rj_vd rj_vd_widen_high(rj_vf v) { return RJ_VD_WIDEN(rj_vf_high_half(v)); }   /* the high lanes */
RJ_INLINE rj_vf rj_vf_narrow(rj_vd v) { return rj_vf_from_half(__builtin_convertvector(v, rj_vf_half)); }
#undef RJ_HALF_LANES
#undef RJ_HIGH_LANES
#undef RJ_ALL_LANES

/* Masks are all ones or all zeros per lane: the lanes' low bytes, each then and-ed with 1, are
 * numpy's bools (one vpmovdb / vpmovqb on AVX-512, a pack on the others). */
typedef uint8_t rj_bf __attribute__((vector_size(RJ_VF_WIDTH)));
typedef uint8_t rj_bd __attribute__((vector_size(RJ_VD_WIDTH)));
RJ_INLINE void rj_mf_store_bool(uint8_t *p, rj_mf m)
{
    const rj_bf b = __builtin_convertvector(m, rj_bf) & 1;
    __builtin_memcpy(p, &b, sizeof b);
}
RJ_INLINE void rj_md_store_bool(uint8_t *p, rj_md m)
{
    const rj_bd b = __builtin_convertvector(m, rj_bd) & 1;
    __builtin_memcpy(p, &b, sizeof b);
}

#endif /* vector tiers */

/* A scalar mask (0 or 1) as a numpy bool. */
RJ_INLINE void rj_mfs_store_bool(uint8_t *p, int m) { *p = (uint8_t)(m != 0); }
RJ_INLINE void rj_mds_store_bool(uint8_t *p, int m) { *p = (uint8_t)(m != 0); }

#include "simd_select.h"

#endif /* RJ_SIMD_H */
