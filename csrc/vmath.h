/* vmath.h - sin, cos, tan, exp, log, tanh and pow on rj_vf / rj_vd and their scalar twins.
 *
 *   rj_vf_sin cos tan exp log tanh (x), rj_vf_pow(x, y)     and the same for rj_vd (double)
 *   rj_f_* / rj_d_*   scalar twins: bit for bit one lane of the vector version on the same tier
 *
 * Each algorithm is written once, below the line "the algorithms", in plain C on a value type
 * V: this file includes itself four times, with V = double, rj_vd, float and rj_vf (the scalar
 * tier, where rj_vf is float, needs only two). The twins thus run the same operations in the
 * same order, with fma exactly where the vector does (simd.h's rj_*_fma: fused on tiers with
 * FMA, multiply-then-add on the others), and agree lane for lane. No libm and no intrinsics
 * headers: simd.h's operations, C operators (the same IEEE operation on GCC vectors as on
 * scalars) and integer views of the bits. Tiers that have FMA (AVX2, AVX-512, NEON) give
 * identical results, as do the tiers without (scalar, SSE2, SSE4.1).
 *
 * Accuracy, float: worst error in ULP of the correctly rounded result, measured over every
 * float in the range (FMA tiers / the others). double: relative, on random samples.
 *   sin, cos  |x| < 12867     2.2 / 2.8 ULP       |x| < 3.3e6    3e-16
 *   tan       |x| < 12867     2.8 / 3.4 ULP       |x| < 3.3e6    3e-16
 *   exp       all x           1.0 ULP             all x          2e-16   (overflow inf, denormals, 0)
 *   log       all x           0.9 ULP             all x          2e-16   (denormals; 0 -> -inf, <0 -> NaN)
 *   tanh      all x           2.5 ULP             all x          5e-16   (tanh x = x near 0, +-1 at +-inf)
 *   pow       x > 0, any y    0.53 ULP            (1 + |y ln x|) 2e-16   (IEEE special cases, see pow)
 * Past the trigonometric ranges the reduction loses accuracy gradually (see vm_sub_pio2), the
 * results staying bounded: sin and cos in [-1, 1], tan finite. NaN in gives NaN out
 * everywhere, except for IEEE's pow(NaN, 0) = 1 and pow(1, NaN) = 1.
 *
 * Polynomials: Cephes (S. Moshier) tanf, expf, tan, exp, and logf's scheme; fdlibm (Sun)
 * e_log.c for double log; sin, float log's P and float pow's log2 / exp2 fitted for this file
 * (Remez, minimax relative error). Each is well under 0.5 ULP from its function; what is left
 * is the rounding of the operations around it.
 */
#ifndef RJ_VMATH_BODY /* ============================ the header ============================ */
#ifndef RJ_VMATH_H
#define RJ_VMATH_H

#include "simd.h"

/* The bits of a value as an unsigned integer of its size, and back. memcpy is how C spells a
 * reinterpretation for scalars; for GCC vectors a cast of an equally sized vector is one. */
RJ_INLINE uint32_t rj_f_asuint(float x) { uint32_t u; __builtin_memcpy(&u, &x, sizeof u); return u; }
RJ_INLINE float rj_f_fromuint(uint32_t u) { float x; __builtin_memcpy(&x, &u, sizeof x); return x; }
RJ_INLINE uint64_t rj_d_asuint(double x) { uint64_t u; __builtin_memcpy(&u, &x, sizeof u); return u; }
RJ_INLINE double rj_d_fromuint(uint64_t u) { double x; __builtin_memcpy(&x, &u, sizeof x); return x; }

#define RJ_VMATH_BODY
#if RJ_VECTOR_BYTES
typedef uint32_t rj_vfu __attribute__((vector_size(RJ_VECTOR_BYTES)));
typedef uint64_t rj_vdu __attribute__((vector_size(RJ_VECTOR_BYTES)));
RJ_INLINE rj_vfu rj_vf_asuint(rj_vf x) { return (rj_vfu)x; }
RJ_INLINE rj_vf rj_vf_fromuint(rj_vfu u) { return (rj_vf)u; }
RJ_INLINE rj_vdu rj_vd_asuint(rj_vd x) { return (rj_vdu)x; }
RJ_INLINE rj_vd rj_vd_fromuint(rj_vdu u) { return (rj_vd)u; }
#endif

/* double first: float pow uses double internally */
#define RJ_VM_P rj_d
#define RJ_VM_MP rj_mds
#define RJ_VM_V double
#define RJ_VM_U uint64_t
#define RJ_VM_M int
#define RJ_VM_F64 1
#include "vmath.h"
#if RJ_VECTOR_BYTES
#define RJ_VM_P rj_vd
#define RJ_VM_MP rj_md
#define RJ_VM_V rj_vd
#define RJ_VM_U rj_vdu
#define RJ_VM_M rj_md
#define RJ_VM_F64 1
#include "vmath.h"
#endif

/* float pow's double core on a float value or vector: the vector's halves are widened
 * (vcvtps2pd), each run through rj_vd's core, narrowed back and joined. */
RJ_INLINE float rj_f_vm_powf_wide(float ax, float y) { return (float)rj_d_vm_powf_core(ax, y); }
#if RJ_VECTOR_BYTES
#if RJ_VF_WIDTH == 4
#  define RJ_VM_HALVES(v) __builtin_shufflevector(v, v, 0, 1), __builtin_shufflevector(v, v, 2, 3)
#  define RJ_VM_JOIN(a, b) __builtin_shufflevector(a, b, 0, 1, 2, 3)
#elif RJ_VF_WIDTH == 8
#  define RJ_VM_HALVES(v) __builtin_shufflevector(v, v, 0, 1, 2, 3), __builtin_shufflevector(v, v, 4, 5, 6, 7)
#  define RJ_VM_JOIN(a, b) __builtin_shufflevector(a, b, 0, 1, 2, 3, 4, 5, 6, 7)
#else
#  define RJ_VM_HALVES(v) __builtin_shufflevector(v, v, 0, 1, 2, 3, 4, 5, 6, 7),                     \
                          __builtin_shufflevector(v, v, 8, 9, 10, 11, 12, 13, 14, 15)
#  define RJ_VM_JOIN(a, b) __builtin_shufflevector(a, b, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15)
#endif
RJ_INLINE rj_vf rj_vf_vm_powf_wide(rj_vf ax, rj_vf y)
{
    const rj_vf_half xh[2] = {RJ_VM_HALVES(ax)}, yh[2] = {RJ_VM_HALVES(y)};
    rj_vf_half r[2];
    _Pragma("GCC unroll 2") for (int h = 0; h < 2; h++)
        r[h] = __builtin_convertvector(rj_vd_vm_powf_core(__builtin_convertvector(xh[h], rj_vd),
                                                          __builtin_convertvector(yh[h], rj_vd)), rj_vf_half);
    return RJ_VM_JOIN(r[0], r[1]);
}
#undef RJ_VM_HALVES
#undef RJ_VM_JOIN
#endif

#define RJ_VM_P rj_f
#define RJ_VM_MP rj_mfs
#define RJ_VM_V float
#define RJ_VM_U uint32_t
#define RJ_VM_M int
#define RJ_VM_F64 0
#include "vmath.h"
#if RJ_VECTOR_BYTES
#define RJ_VM_P rj_vf
#define RJ_VM_MP rj_mf
#define RJ_VM_V rj_vf
#define RJ_VM_U rj_vfu
#define RJ_VM_M rj_mf
#define RJ_VM_F64 0
#include "vmath.h"
#else
/* The scalar tier: a "vector" is one value, so the vector names are the twins. */
#define rj_vf_sin rj_f_sin
#define rj_vf_cos rj_f_cos
#define rj_vf_tan rj_f_tan
#define rj_vf_exp rj_f_exp
#define rj_vf_log rj_f_log
#define rj_vf_tanh rj_f_tanh
#define rj_vf_pow rj_f_pow
#define rj_vd_sin rj_d_sin
#define rj_vd_cos rj_d_cos
#define rj_vd_tan rj_d_tan
#define rj_vd_exp rj_d_exp
#define rj_vd_log rj_d_log
#define rj_vd_tanh rj_d_tanh
#define rj_vd_pow rj_d_pow
#endif

#undef RJ_VMATH_BODY
#endif /* RJ_VMATH_H */

#else /* ========================= RJ_VMATH_BODY: the algorithms ========================== */
/* Instantiated for V = RJ_VM_V (a vector or scalar of float or double), with U its unsigned
 * integer view, M its mask type, functions named RJ_VM_P_*, mask logic RJ_VM_MP_*. Arithmetic
 * uses C operators, which mean the same IEEE operation on GCC vectors as on scalars. */
#define RJ_VM_CAT_(a, b) a##_##b
#define RJ_VM_CAT(a, b) RJ_VM_CAT_(a, b)
#define F(name) RJ_VM_CAT(RJ_VM_P, name)   /* F(exp): rj_vf_exp, rj_f_exp, ... */
#define MF(name) RJ_VM_CAT(RJ_VM_MP, name) /* mask logic: rj_mf_not, rj_mfs_not, ... */
#define V RJ_VM_V
#define U RJ_VM_U
#define M RJ_VM_M
#define K(c) F(set1)((T)(c))               /* a constant in every lane */
#define MLA(acc, x, c) F(fma)((acc), (x), K(c)) /* one Horner step: acc * x + c */
#define IMASK(cond) ((M)(cond))            /* an integer comparison as a select mask */

#if RJ_VM_F64
#  define T double
#  define BITS 64
#  define MANT 52                                  /* mantissa bits */
#  define BIAS 1023
#  define SIGN 0x8000000000000000ull
#  define EXPMASK 0x7ff0000000000000ull
#  define MANTMASK 0x000fffffffffffffull
#  define ONE_BITS 0x3ff0000000000000ull           /* 1.0 */
#  define SQRTH_BITS 0x3fe6a09e667f3bcdull         /* sqrt(0.5) */
#  define TWO_MANT 4503599627370496.0              /* 2^52 */
#  define TWO_MANT_BITS 0x4330000000000000ull
#  define SHIFTER 6755399441055744.0               /* 1.5 * 2^52 */
#  define SHIFTER_BITS 0x4338000000000000ull
#  define MIN_NORMAL 2.2250738585072014e-308
#else
#  define T float
#  define BITS 32
#  define MANT 23
#  define BIAS 127
#  define SIGN 0x80000000u
#  define EXPMASK 0x7f800000u
#  define MANTMASK 0x007fffffu
#  define ONE_BITS 0x3f800000u
#  define SQRTH_BITS 0x3f3504f3u
#  define TWO_MANT 8388608.0f
#  define TWO_MANT_BITS 0x4b000000u
#  define SHIFTER 12582912.0f                      /* 1.5 * 2^23 */
#  define SHIFTER_BITS 0x4b400000u
#  define MIN_NORMAL 1.17549435e-38f
#endif

/* ---- sin, cos, tan --------------------------------------------------------------------- */

/* Shifter trick: adding S = 1.5 * 2^23 (2^52) to v, |v| < 2^22, leaves no fraction bits, so
 * t = v + S holds round(v) in its low mantissa bits and t - S is round(v) as a float.
 * ROUND_SHIFTED(x, c) is x * c + S, in one rounding where there is FMA. */
#define ROUND_SHIFTED(x, c) F(fma)((x), K(c), K(SHIFTER))
/* The sign of (-1)^n, n the integer in a shifter sum t: n's lowest bit moved to the sign. */
#define PARITY_SIGN(t) (F(asuint)(t) << (BITS - 1))

/* r = x - q u pi/2 for q u an integer (u = 1, or 2 for multiples of pi) with |q u| < 2^13
 * (float), 2^21 (double). Cody-Waite: pi/2 is split into parts A + B + C ... whose products
 * with q u are exact, so the first subtractions cancel exactly and r keeps its full relative
 * precision even for the x nearest a multiple of pi/2. With FMA the products are exact inside
 * the fma: three full-width parts. Without, each part but the last has at most 11 (double:
 * 32) significant bits. 72 or more (double 149) bits of pi/2 in all; every part is positive
 * (pi/2 truncated), so x = -0 gives r = -0.
 * That bound on q is the accurate range: float |x| < 2^12 pi = 12867, double |x| < 2^20 pi =
 * 3.3e6. Past it q * A rounds and r carries an absolute error of about |x| 2^-24 (2^-53).
 * inf and NaN make r NaN. */
RJ_INLINE V F(vm_sub_pio2)(V x, V q, T u)
{
#if RJ_HAS_FMA && RJ_VM_F64
    V r = F(fma)(q, K(-0x1.921fb54442d18p+0 * u), x);
    r = F(fma)(q, K(-0x1.1a62633145c06p-54 * u), r);
    return F(fma)(q, K(-0x1.c1cd129024e08p-107 * u), r);
#elif RJ_HAS_FMA
    V r = F(fma)(q, K(-0x1.921fb4p+0f * u), x);
    r = F(fma)(q, K(-0x1.4442d0p-24f * u), r);
    return F(fma)(q, K(-0x1.846988p-48f * u), r);
#elif RJ_VM_F64
    V r = F(fma)(q, K(-0x1.921fb544p+0 * u), x);
    r = F(fma)(q, K(-0x1.0b4611a6p-34 * u), r);
    r = F(fma)(q, K(-0x1.3198a2ep-69 * u), r);
    return F(fma)(q, K(-0x1.b839a252049c1p-104 * u), r);
#else
    V r = F(fma)(q, K(-0x1.92p+0f * u), x);
    r = F(fma)(q, K(-0x1.fb4p-12f * u), r);
    r = F(fma)(q, K(-0x1.444p-24f * u), r);
    r = F(fma)(q, K(-0x1.68cp-39f * u), r);
    return F(fma)(q, K(-0x1.1a6262p-54f * u), r);
#endif
}

/* sin r for |r| <= pi/2 as r (1 + z P(z)), z = r^2, then clamped to [-1, 1]. P is minimax
 * for relative error, fitted here (Remez): degree 3, 0.15 ULP (float); degree 7, 0.003 ULP
 * (double). The product form keeps sin(-0) = -0.
 * The clamp: near r = pi/2 the rounding may land a hair past 1, so |sin|, |cos| <= 1 always
 * and cos 0 = 1. Past the accurate range r can be huge, P(z) then +inf (never NaN: Horner's
 * rule on z > 0 only ever adds finite numbers to the infinity), and the clamp bounds that
 * too. */
RJ_INLINE V F(vm_sin_pio2)(V r)
{
    const V z = r * r;
#if RJ_VM_F64
    V p = MLA(K(2.721156888560755e-15), z, -7.642989807683863e-13);
    p = MLA(p, z, 1.6058939642671787e-10);
    p = MLA(p, z, -2.505210687157329e-08);
    p = MLA(p, z, 2.755731921112418e-06);
    p = MLA(p, z, -0.00019841269841209145);
    p = MLA(p, z, 0.008333333333333194);
    p = MLA(p, z, -0.16666666666666666);
#else
    V p = MLA(K(0x1.5dbceap-19f), z, -0x1.9f6feep-13f);
    p = MLA(p, z, 0x1.110ed4p-7f);
    p = MLA(p, z, -0x1.55554cp-3f);
#endif
    return F(min)(K(1.0), F(max)(K(-1.0), r * F(fma)(z, p, K(1.0))));
}

/* sin x = (-1)^n sin r, n = round(x / pi), r = x - n pi */
RJ_INLINE V F(sin)(V x)
{
    const V t = ROUND_SHIFTED(x, 0.318309886183790671538);
    const V s = F(vm_sin_pio2)(F(vm_sub_pio2)(x, t - K(SHIFTER), 2));
    return F(fromuint)(F(asuint)(s) ^ PARITY_SIGN(t));
}

/* cos x = (-1)^(n+1) sin r, n = round(x / pi - 1/2), r = x - (n + 1/2) pi */
RJ_INLINE V F(cos)(V x)
{
    const V t = F(fma)(x, K(0.318309886183790671538), K(-0.5)) + K(SHIFTER);
    const V s = F(vm_sin_pio2)(F(vm_sub_pio2)(x, (t - K(SHIFTER)) + K(0.5), 2));
    return F(fromuint)(F(asuint)(s) ^ PARITY_SIGN(t) ^ SIGN);
}

/* tan x = tan r for even n, -1 / tan r for odd n; n = round(x 2/pi), r = x - n pi/2, |r| <= pi/4.
 * Cephes tanf.c: r + r z P(z) (0.4 ULP); tan.c for double: r + r z P(z) / Q(z). */
RJ_INLINE V F(tan)(V x)
{
    const V t = ROUND_SHIFTED(x, 0.636619772367581343076);
    /* clamped: past the accurate range r may be large, and P/Q would be inf / inf */
    const V r = F(min)(K(1.0), F(max)(K(-1.0), F(vm_sub_pio2)(x, t - K(SHIFTER), 1)));
    const V z = r * r;
#if RJ_VM_F64
    V p = MLA(K(-1.30936939181383777646e4), z, 1.15351664838587416140e6);
    p = MLA(p, z, -1.79565251976484877988e7);
    V d = z + K(1.36812963470692954678e4);        /* leading coefficient 1 */
    d = MLA(d, z, -1.32089234440210967447e6);
    d = MLA(d, z, 2.50083801823357915839e7);
    d = MLA(d, z, -5.38695755929454629881e7);
    const V tr = F(fma)(r, z * p / d, r);
#else
    V p = MLA(K(9.38540185543e-3), z, 3.11992232697e-3);
    p = MLA(p, z, 2.44301354525e-2);
    p = MLA(p, z, 5.34112807005e-2);
    p = MLA(p, z, 1.33387994085e-1);
    p = MLA(p, z, 3.33331568548e-1);
    const V tr = F(fma)(r * z, p, r);
#endif
    return F(select)(IMASK((F(asuint)(t) & 1) != 0), K(-1.0) / tr, tr);
}

/* ---- exp --------------------------------------------------------------------------------- */

/* e^x = 2^k e^r: returns e^r - 1 (the part that keeps expm1 and tanh accurate near 0) and k,
 * an integer in two's complement, in *k_bits. k = round(x / ln 2) by the shifter trick, r =
 * x - k ln 2 with ln 2 in two parts, the first short enough that k * part is exact (|k| <
 * 2^15 float, 2^38 double): |r| <= ln2 / 2. */
RJ_INLINE V F(vm_expm1_r)(V x, U *k_bits)
{
    const V t = ROUND_SHIFTED(x, 1.44269504088896340736);
    const V k = t - K(SHIFTER);
    *k_bits = F(asuint)(t) - SHIFTER_BITS;
#if RJ_VM_F64
    V r = F(fma)(k, K(-6.93145751953125e-1), x);
    r = F(fma)(k, K(-1.42860682030941723212e-6), r);
    /* Cephes exp.c: e^r = 1 + 2 r P(r^2) / (Q(r^2) - r P(r^2)), 0.001 ULP */
    const V z = r * r;
    V p = MLA(K(1.26177193074810590878e-4), z, 3.02994407707441961300e-2);
    p = r * MLA(p, z, 9.99999999999999999910e-1);
    V d = MLA(K(3.00198505138664455042e-6), z, 2.52448340349684104192e-3);
    d = MLA(d, z, 2.27265548208155028766e-1);
    d = MLA(d, z, 2.00000000000000000009e0);
    return K(2.0) * (p / (d - p));
#else
    V r = F(fma)(k, K(-0.693359375), x);
    r = F(fma)(k, K(2.12194440e-4), r);
    /* Cephes expf.c: e^r = 1 + r + r^2 P(r), 0.05 ULP */
    V p = MLA(K(1.9875691500e-4), r, 1.3981999507e-3);
    p = MLA(p, r, 8.3334519073e-3);
    p = MLA(p, r, 4.1665795894e-2);
    p = MLA(p, r, 1.6666665459e-1);
    p = MLA(p, r, 5.0000001201e-1);
    return F(fma)(r * r, p, r);
#endif
}

/* 2^k applied as two factors 2^floor(k/2) 2^ceil(k/2), each a normal number, so results that
 * overflow come out inf and those that underflow are rounded once, into a denormal or 0.
 * x is first clamped to where that holds ([-104, 89] float, [-746, 710] double): beyond it the
 * result is 0 or inf anyway. NaN passes the clamp. */
RJ_INLINE V F(exp)(V x)
{
#if RJ_VM_F64
    x = F(min)(K(710.0), F(max)(K(-746.0), x));
#else
    x = F(min)(K(89.0), F(max)(K(-104.0), x));
#endif
    U k;
    const V er = F(vm_expm1_r)(x, &k) + K(1.0);
    /* biased exponent of 2^floor(k/2) = (k + 2 BIAS) >> 1, put in place by one left shift */
    const V s1 = F(fromuint)(((k + 2 * BIAS) << (MANT - 1)) & EXPMASK);
    const V s2 = F(fromuint)(((k + 2 * BIAS + 1) << (MANT - 1)) & EXPMASK);
    return er * s1 * s2;
}

/* ---- log --------------------------------------------------------------------------------- */

/* x = 2^e m with m in [sqrt(1/2), sqrt 2): adding 1.0 - sqrt(1/2) to the bits carries into the
 * exponent exactly when the mantissa is >= sqrt(1/2)'s, then m's exponent is reset. Denormals
 * are scaled into the normal range first. log x = e ln 2 + log(1 + f), f = m - 1 (exact). */
RJ_INLINE V F(log)(V x)
{
    const M tiny = F(lt)(x, K(MIN_NORMAL));
    const V xs = F(select)(tiny, x * K(TWO_MANT), x);
    const U ix = F(asuint)(xs) + (ONE_BITS - SQRTH_BITS);
    /* e as a float without an int -> float conversion: 2^MANT + biased exponent, minus both */
    V e = F(fromuint)(TWO_MANT_BITS | (ix >> MANT)) - K(TWO_MANT + BIAS);
    e = e - F(select)(tiny, K(MANT), K(0.0));
    const V f = F(fromuint)((ix & MANTMASK) + SQRTH_BITS) - K(1.0);
#if RJ_VM_F64
    /* fdlibm e_log.c: s = f / (2 + f), log(1 + f) = f - f^2/2 + s (f^2/2 + R(s^2)) */
    const V s = f / (K(2.0) + f);
    const V z = s * s, w = z * z;
    V r1 = MLA(K(1.479819860511658591e-01), w, 1.818357216161805012e-01);
    r1 = MLA(r1, w, 2.857142874366239149e-01);
    r1 = MLA(r1, w, 6.666666666666735130e-01) * z;
    V r2 = MLA(K(1.531383769920937332e-01), w, 2.222219843214978396e-01);
    r2 = MLA(r2, w, 3.999999999940941908e-01) * w;
    const V hfsq = K(0.5) * f * f;
    V y = e * K(6.93147180369123816490e-01)
        - ((hfsq - (s * (hfsq + (r1 + r2)) + e * K(1.90821492927058770002e-10))) - f);
#else
    /* Cephes logf.c's scheme, log(1 + f) = f - f^2/2 + f^3 P(f) with ln 2 = 0.693359375 -
     * 2.12194440e-4 (e times the first part is exact), P refitted here (Remez) one degree
     * shorter: 0.12 ULP. */
    V p = MLA(K(-0x1.38b572p-4f), f, 0x1.055d70p-3f);
    p = MLA(p, f, -0x1.0d8634p-3f);
    p = MLA(p, f, 0x1.22d9e8p-3f);
    p = MLA(p, f, -0x1.547228p-3f);
    p = MLA(p, f, 0x1.99a00ap-3f);
    p = MLA(p, f, -0x1.000228p-2f);
    p = MLA(p, f, 0x1.555554p-2f);
    const V z = f * f;
    V y = F(fma)(z * f, p, e * K(-2.12194440e-4));
    y = f + F(fma)(z, K(-0.5), y);
    y = F(fma)(e, K(0.693359375), y);
#endif
    y = F(select)(F(lt)(x, K(__builtin_inf())), y, x); /* +inf -> inf, NaN -> NaN */
    y = F(select)(F(eq)(x, K(0.0)), K(-__builtin_inf()), y);
    return F(select)(F(lt)(x, K(0.0)), K(__builtin_nan("")), y);
}

/* ---- tanh -------------------------------------------------------------------------------- */

/* tanh|x| = E / (E + 2), E = e^2|x| - 1 = 2^k (e^r - 1) + (2^k - 1): accurate near 0 too, where
 * E = 2|x| and tanh x = x. 2|x| is clamped at 20 (double 40), past where tanh rounds to 1, so
 * 2^k is one normal scale factor. The sign of x is put back last. */
RJ_INLINE V F(tanh)(V x)
{
    U k;
    const V u = F(vm_expm1_r)(F(min)(K(RJ_VM_F64 ? 40.0 : 20.0), F(abs)(x) * K(2.0)), &k);
    const V s = F(fromuint)((k + BIAS) << MANT);
    const V e = F(fma)(s, u, s - K(1.0));
    const V t = e / (e + K(2.0));
    return F(fromuint)(F(asuint)(t) | (F(asuint)(x) & SIGN));
}

/* ---- pow --------------------------------------------------------------------------------- */

/* x^y from r = |x|^y: the sign and the IEEE special cases (C99 Annex F). |x|^y already gives
 * the right 0 or inf for x = 0 or inf and for y = +-inf.
 *   y an odd integer, x negative (or -0, -inf): -|x|^y       x < 0 finite, y not an integer: NaN
 *   pow(x, +-0) = 1 and pow(1, y) = 1, even for NaN;           pow(-1, +-inf) = 1 */
RJ_INLINE V F(vm_pow_signs)(V x, V y, V r)
{
    const V ax = F(abs)(x), half_y = y * K(0.5);
    const M y_int = F(eq)(F(floor)(y), y);                 /* inf counts as an even integer */
    const M y_odd = y_int & F(ne)(F(floor)(half_y), half_y);
    r = F(select)(IMASK((F(asuint)(x) & SIGN) != 0) & y_odd, -r, r);
    r = F(select)(F(lt)(x, K(0.0)) & F(lt)(ax, K(__builtin_inf())) & MF(not)(y_int),
                  K(__builtin_nan("")), r);
    const M one = F(eq)(y, K(0.0)) | F(eq)(x, K(1.0))
                | (F(eq)(ax, K(1.0)) & F(eq)(F(abs)(y), K(__builtin_inf())));
    return F(select)(one, K(1.0), r);
}

#if RJ_VM_F64
/* double: e^(y log|x|). Error: log's error times y plus the rounding of y log|x|, about
 * (1 + |y ln x|) 2^-53 relative: under 1e-14 for |y ln x| < 50. */
RJ_INLINE V F(pow)(V x, V y) { return F(vm_pow_signs)(x, y, F(exp)(y * F(log)(F(abs)(x)))); }

/* For float pow: |x|^y = 2^(y log2|x|) in double, for x and y that were floats. float needs
 * y log2|x| to about 2^-30 absolute, more than float arithmetic holds but well within double,
 * so shorter polynomials than log's and exp's do (both fitted here, Remez):
 * log2 m = s P(s^2), s = (m - 1) / (m + 1), relative error 2^-37.8; 2^r for |r| <= 1/2,
 * 2^-29. The float result, rounded once from this, is within 0.53 ULP.
 * Converted floats need no denormal care; x = 0 and inf come out as log2 = -1023 and 1025,
 * which the clamp of y log2|x| to +-200 (beyond float's range either way) turns into 0 or
 * inf; NaN x must be caught by the caller. */
RJ_INLINE V F(vm_powf_core)(V ax, V y)
{
    const U ix = F(asuint)(ax) + (ONE_BITS - SQRTH_BITS);   /* as in log */
    const V e = F(fromuint)(TWO_MANT_BITS | (ix >> MANT)) - K(TWO_MANT + BIAS);
    const V f = F(fromuint)((ix & MANTMASK) + SQRTH_BITS) - K(1.0);
    const V s = f / (K(2.0) + f), z = s * s;
    V p = MLA(K(0.34077002265635786), z, 0.41167065960895866);
    p = MLA(p, z, 0.5770836174995894);
    p = MLA(p, z, 0.9617966731817916);
    p = MLA(p, z, 2.8853900817902045);
    V t = y * F(fma)(s, p, e);
    t = F(min)(K(200.0), F(max)(K(-200.0), t));
    const V u = t + K(SHIFTER);
    const V r = t - (u - K(SHIFTER));                       /* exact, |r| <= 1/2 */
    V q = MLA(K(0.0001534578910937378), r, 0.0013399957587004337);
    q = MLA(q, r, 0.009618489243708454);
    q = MLA(q, r, 0.055503287119397476);
    q = MLA(q, r, 0.24022646886090251);
    q = MLA(q, r, 0.6931472057670715);
    q = MLA(q, r, 1.000000000555048);
    return q * F(fromuint)((F(asuint)(u) - SHIFTER_BITS + BIAS) << MANT);
}
#else
/* float: |x|^y from the double core above (see there), then the special cases. */
RJ_INLINE V F(pow)(V x, V y)
{
    const V ax = F(abs)(x);
    /* for x = 0 or inf only y's sign matters, but a tiny y would undo the core's stand-in
     * log2 of -1023 or 1025: y becomes +-inf there (y = 0 and NaN are kept by the product) */
    const V yy = F(select)(F(eq)(ax, K(0.0)) | F(eq)(ax, K(__builtin_inf())), y * K(__builtin_inf()), y);
    const V r = F(vm_powf_wide)(ax, yy);
    return F(vm_pow_signs)(x, y, F(select)(F(ne)(x, x), x, r));
}
#endif

#undef F
#undef MF
#undef V
#undef U
#undef M
#undef T
#undef K
#undef MLA
#undef IMASK
#undef PARITY_SIGN
#undef ROUND_SHIFTED
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
#undef RJ_VM_CAT
#undef RJ_VM_CAT_
#undef RJ_VM_P
#undef RJ_VM_MP
#undef RJ_VM_V
#undef RJ_VM_U
#undef RJ_VM_M
#undef RJ_VM_F64
#endif /* RJ_VMATH_BODY */
