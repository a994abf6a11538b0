/* vmath_f32_exp.h (part of vmath_fbody.h) - the float cores of vmath_exp.h's functions: exp,
 * expm1, sinh, cosh, tanh.
 *
 * e^(x + xl) = 2^k e^r as in vmath_exp.h: k = round(x / ln2) by the shifter trick, ln 2 in two
 * parts, the first of 15 bits so that k times it is exact (|k| < 2^9) and so is x minus that
 * product; the result is 2^k (1 + a + small) with a = x - k LN2F_HI exact and small = the rest.
 * exp rounds a + small, then 1 plus it; expm1, sinh and cosh sum 2^k - 1, 2^k a and 2^k small
 * (or their double-float quotients) without error but for the last rounding (vmath_dd.h), and at
 * ulp=4 round more plainly; those are sinh's and cosh's routes from |x| = 7.9375 on. tanh, and sinh
 * and cosh below, need no exp: a polynomial on each of 16 intervals of |x|, its coefficients from a
 * table (vmath_f32_hyp_tables.h). 1 ULP and 4 ULP levels alike but where noted.
 */
#define LN2F_HI 0x1.62e4p-1              /* ln 2 to 15 bits */
#define LN2F_LO 0x1.7f7d1cp-20           /* ln 2 - LN2F_HI, to 2^-44 */
#define LOG2EF 0x1.715476p+0

/* whether any lane has a > b (ANY_LT: a < b), NaN never: on AVX-512 a compare into a mask register
 * and its test, where the vector mask's round trip would take two instructions more */
#if RJ_VM_VEC && defined(RJ_ISA_AVX512)
#  define ANY_GT(a, b) (__builtin_ia32_cmpps512_mask((a), (b), 0x1e, (unsigned short)-1, 4) != 0)
#  define ANY_LT(a, b) (__builtin_ia32_cmpps512_mask((a), (b), 0x11, (unsigned short)-1, 4) != 0)
#else
#  define ANY_GT(a, b) F(vm_any)(F(gt)((a), (b)))
#  define ANY_LT(a, b) F(vm_any)(F(lt)((a), (b)))
#endif

/* e^(x + xl) = 2^k (1 + *a + *small), returning the shifter sum t holding k: *a = x - k LN2F_HI
 * (exact), *small = e^r - 1 - *a for r = *a + xl - k LN2F_LO, |r| <= ln2/2 (a hair more without
 * FMA), e^r - 1 - r = r^2 P(r): P of degree 5 fitted here (Lawson's minimax, relative error of
 * e^r 2^-34; at RJ_VM_LEVEL_FOUR degree 4, 2^-28). Given sq (not NULL), r^2/2 (a twelfth of e^r)
 * is taken out of *small exactly, as *sq: its rounding would cost expm1 and tanh up to 0.45 ULP
 * where 2^k - 1 cancels. */
RJ_INLINE V F(vm_expf_k)(V x, V xl, V *a, V *small, V *sq)
{
    const V t = ROUND_SHIFTED(x, LOG2EF);
    const V k = t - K(SHIFTER);
    *a = F(fma)(k, K(-LN2F_HI), x);
    const V b = F(fma)(k, K(-LN2F_LO), xl);
    const V r = *a + b;
#if RJ_VM_LEVEL == RJ_VM_LEVEL_FOUR
    V p = MLA(K(0.00138131308f), r, 0.00836942438f);
    p = MLA(p, r, 0.041668456f);
    p = MLA(p, r, 0.166665152f);
#else
    V p = MLA(K(0.000197892587f), r, 0.00139457616f);
    p = MLA(p, r, 0.0083335042f);
    p = MLA(p, r, 0.0416662805f);
    p = MLA(p, r, 0.166666657f);
#endif
    if (sq) {   /* r^2 P = r^2/2 + r^3 (P - 1/2): the first exactly, as zh + zl */
        V zl;
        const V zh = F(vm_two_prod)(r, r, &zl);
        *sq = K(0.5) * zh;
        *small = F(fma)(zh * r, p, F(fma)(K(0.5), zl, b));
    } else {
        *small = F(fma)(r * r, MLA(p, r, 0.5f), b);
    }
    return t;
}

/* 2^(k/2) twice: the factors 2^floor(k/2) and 2^ceil(k/2) of 2^k, both normal for |k| < 252,
 * so that a product that overflows comes out inf (vmath_exp.h's vm_exp_finish) */
RJ_INLINE V F(vm_expf_half_scale)(V t, V *s2)
{
    const U k = F(asuint)(t) - SHIFTER_BITS;
    *s2 = F(fromuint)(((k + 2 * BIAS + 1) << (MANT - 1)) & EXPMASK);
    return F(fromuint)(((k + 2 * BIAS) << (MANT - 1)) & EXPMASK);
}

/* 2^k (1 + a + small) rounded once, |k| < 252. Where the result is a denormal the sum is
 * scaled by 2^(k + 126) instead, rounded at the denormals' spacing by adding and subtracting 1
 * (exact: it is below 1 there), then scaled by 2^-126, exactly, as vm_exp_finish does; only
 * vectors that hold such a lane pay for it. */
RJ_INLINE V F(vm_expf_finish)(V t, V a, V small)
{
    V e, hl;
    const V m = F(vm_fast_two_sum)(K(1.0), a, &e);
#if defined(RJ_VF_SCALEF)
    const V normal = RJ_VF_SCALEF(m + (e + small), t - K(SHIFTER));
#else
    V s2;
    const V s1 = F(vm_expf_half_scale)(t, &s2);
    const V normal = (m + (e + small)) * s1 * s2;
#endif
    const M under = F(lt)(normal, K(MIN_NORMAL));
    if (!F(vm_any)(under))
        return normal;
    const V scale = POW2(F(asuint)(t) - SHIFTER_BITS + 126);
    const V h = F(vm_fast_two_sum)(K(1.0), m * scale, &hl);
    const V denormal = ((h + (hl + (e + small) * scale)) - K(1.0)) * K(0x1p-126);
    return F(select)(under, denormal, normal);
}

/* 2^k (1 + a + sq + small) - 1 = hi + *lo for -126 <= k <= 127: (2^k - 1) + 2^k a + 2^k sq +
 * 2^k small, each product exact, summed without error but for the last rounding */
RJ_INLINE V F(vm_expm1f_dd)(V t, V a, V sq, V small, V *lo)
{
    const V s = POW2(F(asuint)(t) - SHIFTER_BITS);
    V cl, hl, gl;
    const V c = F(vm_two_sum)(s, K(-1.0), &cl);
    const V h = F(vm_two_sum)(c, s * a, &hl);
    const V g = F(vm_two_sum)(h, s * sq, &gl);
    return F(vm_fast_two_sum)(g, gl + (hl + (cl + s * small)), lo);
}

/* the same rounded plainly, for RJ_VM_LEVEL_FOUR: 2^k (a + small) + (2^k - 1), one rounding of
 * a + small that 2^k - 1 can enlarge where it cancels (within 1.5 ULP) */
RJ_INLINE V F(vm_expm1f_plain)(V t, V a, V small)
{
    const V s = POW2(F(asuint)(t) - SHIFTER_BITS);
    return F(fma)(s, a + small, s - K(1.0));
}

/* x clamped to [-104, 89], beyond which the result is 0 or inf anyway (NaN passes); 2^k (1 + (a +
 * small)), the sum e^r - 1 rounded first (a quarter ULP at most where e^r < 1), and vm_expf_finish's
 * route where the result is a denormal */
RJ_INLINE V F(exp)(V x)
{
    V a, small;
    const V t = F(vm_expf_k)(F(min)(K(89.0), F(max)(K(-104.0), x)), K(0.0), &a, &small, 0);
    const V m = K(1.0) + (a + small);
#if defined(RJ_VF_SCALEF)
    const V y = RJ_VF_SCALEF(m, t - K(SHIFTER));
#else
    V s2;
    const V y = m * F(vm_expf_half_scale)(t, &s2) * s2;
#endif
    if (ANY_LT(x, K(-87.0)))    /* below e^-87.34 the result is a denormal */
        return NAN_IN(x, F(select_lt)(x, K(-87.0), F(vm_expf_finish)(t, a, small), y));
    return NAN_IN(x, y);
}

/* c - a b with one rounding at most: exact where the tier fuses (c near a b), by Dekker's exact
 * product elsewhere, whose c - p is exact too (Sterbenz) */
RJ_INLINE V F(vm_residualf)(V c, V a, V b)
{
#if RJ_HAS_FMA
    return F(fma)(-a, b, c);
#else
    V e;
    const V p = F(vm_two_prod)(a, b, &e);
    return (c - p) - e;
#endif
}

/* e^x = 2^k (1 + *a + *small) as vm_expf_k, for expm1 and the hyperbolics, where 2^k (1 + a) - 1
 * may cancel and small's error must stay far below an ULP of a: with r = a + b (b = -k ln2_lo),
 * e^r - 1 - a = b + r^2/2 + r^3 Q(r), where r^2/2 = (a a + 2ab + b^2)/2 takes a a exactly (a two-
 * product, halved), so the rounding of r enters only the cubic term, and every tier rounds the sum
 * once more at most. */
RJ_INLINE V F(vm_expf_ka)(V x, V *a, V *small)
{
    const V t = ROUND_SHIFTED(x, LOG2EF);
    const V k = t - K(SHIFTER);
    *a = F(fma)(k, K(-LN2F_HI), x);
    const V b = k * K(-LN2F_LO), r = *a + b;
    V q = MLA(K(0.000197892587f), r, 0.00139457616f);
    q = MLA(q, r, 0.0083335042f);
    q = MLA(q, r, 0.0416662805f);
    q = MLA(q, r, 0.166666657f);
    V al;
    const V ah = F(vm_two_prod)(*a, *a, &al);
    const V sl = F(fma)(b, F(fma)(*a, K(2.0), b), al);       /* r^2 - a a */
    *small = F(fma)(ah, K(0.5), F(fma)(r * r * r, q, F(fma)(sl, K(0.5), b)));
    return t;
}

/* s (1 + a + small) = hi + *lo for a power of two s: s + s a summed without error (|a| < 1/2), s
 * small (exact) added to the error term. Not normalised: *lo is up to a tenth of hi, and rounded
 * at 2^-24 of itself, far below an ULP of the sums it enters. */
RJ_INLINE V F(vm_scaled_expf_dd)(V s, V a, V small, V *lo)
{
    V e;
    const V h = F(vm_fast_two_sum)(s, s * a, &e);
    *lo = F(fma)(s, small, e);
    return h;
}

#if RJ_VM_LEVEL == RJ_VM_LEVEL_FOUR
/* e^x - 1: below -18 it rounds to -1; from 64 on the exp route (the -1 is far below an ULP, and
 * k reaches 128 there); |x| < 2^-25 gives x (and keeps the sign of a zero). */
RJ_INLINE V F(expm1)(V x)
{
    const V xc = F(min)(K(89.0), F(max)(K(-18.0), x));
    V a, small, s2, me;
    const V t = F(vm_expf_k)(xc, K(0.0), &a, &small, 0);
    const V e = F(vm_expm1f_plain)(t, a, small);
    const V s1 = F(vm_expf_half_scale)(t, &s2);
    const V m = F(vm_fast_two_sum)(K(1.0), a, &me);
    const V big = (m + (me + small)) * s1 * s2;
    const V y = F(select_gt)(xc, K(64.0), big, e);
    return NAN_IN(x, F(select_lt)(F(abs)(x), K(0x1p-25), x, y));
}
#else
/* e^x - 1 beyond the main path's [-16, 16]: 2^k (1 + a + small) - 1 with 1 + a exact
 * (|x| >= 1), x clamped to [-18, 64] (below -18 it rounds to -1); above 64 the -1 is far below an
 * ULP: e^x by exp's exact route (vm_expf_finish, 2^k kept normal up to overflow), not F(exp),
 * whose cheaper rounding would cost expm1 its bound there */
RJ_INLINE V F(vm_expm1f_far)(V x)
{
    V a, small, ab, smallb;
    const V t = F(vm_expf_k)(F(min)(K(64.0), F(max)(K(-18.0), x)), K(0.0), &a, &small, 0);
    const V s = POW2(F(asuint)(t) - SHIFTER_BITS), m = K(1.0) + a;
    const V low = F(fma)(s, m + small, K(-1.0));
    const V high = F(fma)(s, small, K(-1.0)) + s * m;
    const V tb = F(vm_expf_k)(F(min)(K(89.0), x), K(0.0), &ab, &smallb, 0);
    return F(select_gt)(x, K(64.0), F(vm_expf_finish)(tb, ab, smallb), F(select_lt)(x, K(0.0), low, high));
}

/* e^x - 1 = 2^k (1 + a + small) - 1, -23 <= k <= 23 (x in [-16, 16]; beyond, vm_expm1f_far,
 * only in vectors that hold such a lane), s = 2^k, s - 1 exact. k >= 0: (s - 1) + s a is exact
 * (a is a multiple of x's ULP), so (s - 1 + s a) + s small rounds once; k < 0: |e^x - 1| >= 0.29
 * and s (a + small) is at most 0.41 s: its rounding costs a quarter ULP at k = -1.
 * |x| < 2^-25 gives x (and keeps the sign of a zero). */
RJ_INLINE V F(expm1)(V x)
{
    V a, small;
    const V t = F(vm_expf_ka)(x, &a, &small);
    const V s = POW2(F(asuint)(t) - SHIFTER_BITS), s1 = s - K(1.0);
    const V up = F(fma)(s, small, F(fma)(s, a, s1));
    V y = F(select_lt)(t, K(SHIFTER), F(fma)(s, a + small, s1), up);
    const V ax = F(abs)(x);
    if (ANY_GT(ax, K(16.0)))
        y = F(select_gt)(ax, K(16.0), F(vm_expm1f_far)(x), y);
    return NAN_IN(x, F(select_lt)(ax, K(0x1p-25), x, y));
}
#endif

/* e^|x| / 2 = 2^(k-1) (hi + *lo) (|x| <= 90: 2^(k-1) as the two normal factors *s1 *s2), for
 * sinh and cosh */
RJ_INLINE V F(vm_half_expf_dd)(V a, V *lo, V *s1, V *s2)
{
    V ea, sq, small, me, ge;
    const V t = F(vm_expf_k)(a, K(0.0), &ea, &small, &sq);
    const V m = F(vm_fast_two_sum)(K(1.0), ea, &me);
    const V g = F(vm_fast_two_sum)(m, sq, &ge);
    *s1 = F(vm_expf_half_scale)(t - K(1.0), s2);
    return F(vm_fast_two_sum)(g, ge + (me + small), lo);   /* normalised: vm_div_dd needs *lo small */
}

/* e^a / 2 for a > 88 (clamped at 90, beyond which sinh and cosh are inf anyway), rounded once
 * and scaled by two normal factors */
RJ_INLINE V F(vm_half_expf_far)(V a)
{
    V ea, small, s2;
    const V t = F(vm_expf_k)(F(min)(K(90.0), a), K(0.0), &ea, &small, 0);
    const V s1 = F(vm_expf_half_scale)(t - K(1.0), &s2);
    return ((K(1.0) + ea) + small) * s1 * s2;
}

/* H = e^a / 2 = hi + *hl for 0 <= a <= 88 (k <= 127: 2^(k-1) normal), and 1 / (4H) = r + *rl: the
 * quotient rounded, then refined by its residual, exact but for the rounding of q hl (H taken as
 * at most 2^40, where the residual's product stays finite: beyond, 1 / (4H) is far below H's ULP) */
RJ_INLINE V F(vm_half_expf_pair)(V a, V *hl, V *r, V *rl)
{
    V ea, small;
    const V t = F(vm_expf_ka)(a, &ea, &small);
    const V s = POW2(F(asuint)(t) - SHIFTER_BITS - 1);
    const V hh = F(vm_scaled_expf_dd)(s, ea, small, hl);
    const V hc = F(min)(hh, K(0x1p40));
    const V q = K(0.25) / (hc + *hl);
    const V rho = F(fma)(-q, *hl, F(vm_residualf)(K(0.25), q, hc));
    *rl = rho * (K(4.0) * q);
    *r = q;
    return hh;
}

#if RJ_VM_LEVEL == RJ_VM_LEVEL_FOUR
/* sinh|x| = (E + E / (E + 1)) / 2, E = e^|x| - 1: within 2.5 ULP; past 64 e^|x| / 2 alone;
 * |x| < 2^-12 gives x. */
RJ_INLINE V F(vm_sinhf_exp)(V x)
{
    const V a = F(min)(K(90.0), F(abs)(x));
    const M big = F(gt)(a, K(64.0));
    V ea, small, me, s2;
    const V t = F(vm_expf_k)(a, K(0.0), &ea, &small, 0);
    const V e = F(vm_expm1f_plain)(t, ea, small);
    const V m = F(vm_fast_two_sum)(K(1.0), ea, &me);
    const V s1 = F(vm_expf_half_scale)(t - K(1.0), &s2);
    V y = F(select)(big, (m + (me + small)) * s1 * s2, K(0.5) * (e + e / (e + K(1.0))));
    y = F(select_lt)(a, K(0x1p-12), a, y);
    return NAN_IN(x, F(copysign)(y, x));
}

/* cosh|x| = H + 1 / (4H), H = e^|x| / 2, in float: within 1.5 ULP */
RJ_INLINE V F(vm_coshf_exp)(V x)
{
    const V a = F(min)(K(90.0), F(abs)(x));
    V ml, s1, s2;
    const V mh = F(vm_half_expf_dd)(a, &ml, &s1, &s2);
    const V h = (mh + ml) * s1 * s2;
    return NAN_IN(x, h + K(0.25) / h);
}
#else
/* sinh|x| = H - 1 / (4H), H = e^|x| / 2, both as double-floats (vm_half_expf_pair; H >= 1/2 >=
 * 1 / (4H)), summed and rounded once; past 88 H alone (vm_half_expf_far, only in vectors that
 * hold such a lane; inf past 89.42); |x| < 2^-12 gives x. */
RJ_INLINE V F(vm_sinhf_exp)(V x)
{
    const V a = F(abs)(x);
    V hl, r, rl, sl;
    const V hh = F(vm_half_expf_pair)(a, &hl, &r, &rl);
    const V sh = F(vm_fast_two_sum)(hh, -r, &sl);
    V y = sh + (sl + (hl - rl));
    if (ANY_GT(a, K(88.0)))
        y = F(select_gt)(a, K(88.0), F(vm_half_expf_far)(a), y);
    y = F(select_lt)(a, K(0x1p-12), a, y);
    return NAN_IN(x, F(copysign)(y, x));
}

/* cosh|x| = H + 1 / (4H), as sinh */
RJ_INLINE V F(vm_coshf_exp)(V x)
{
    const V a = F(abs)(x);
    V hl, r, rl, cl;
    const V hh = F(vm_half_expf_pair)(a, &hl, &r, &rl);
    const V ch = F(vm_fast_two_sum)(hh, r, &cl);
    V y = ch + (cl + (hl + rl));
    if (ANY_GT(a, K(88.0)))
        y = F(select_gt)(a, K(88.0), F(vm_half_expf_far)(a), y);
    return NAN_IN(x, y);
}
#endif

#include "vmath_f32_hyp_tables.h"

/* tab[j] for j the low four bits of each lane of i: on AVX-512 one vpermps, on AVX2 two and a
 * blend, elsewhere a load a lane */
RJ_INLINE V F(vm_lookup16f)(const float *tab, U i)
{
#if RJ_VM_VEC && defined(RJ_ISA_AVX512)
    V r;
    __asm__("vpermps %2, %1, %0" : "=v"(r) : "v"(i), "v"(F(load)(tab)));
    return r;
#elif RJ_VM_VEC && defined(RJ_ISA_AVX2)
    const V lo = __builtin_ia32_permvarsf256(F(load)(tab), (rj_mf)i);
    const V hi = __builtin_ia32_permvarsf256(F(load)(tab + 8), (rj_mf)i);
    return F(select)(IMASK((i & 8) != 0), hi, lo);
#elif RJ_VM_VEC
    V r;
    for (int l = 0; l < LANES; l++)
        r[l] = tab[i[l] & 15];
    return r;
#else
    return tab[i & 15];
#endif
}

/* tanh|x| = c0 + y (c1 + y (c2 + ... + y c7)), y = |x| - b exact, b and the c's those of |x|'s
 * interval (vmath_f32_hyp_tables.h: half octaves from 0.0625 to 12, each polynomial to 2^-27.4
 * and c0 within 2^-9 ULP of tanh(b)); y (c1 + ...) is at most a fifth of the result, so its
 * roundings cost a tenth of an ULP beside the last one. Below 0.0625, y = |x| and c0 = y, c1 = 0
 * (x + x^2 (c2 + ...), odd in effect): on AVX-512 the lookup of c0 masked. |x| clamped at 11.5
 * (inf too), where it is 1; a NaN passes (min's second operand) and so comes out as x + x would. */
#define TANHF_C(j) F(vm_lookup16f)(rj_vm_tanhf_table[j], i)
RJ_INLINE V F(tanh)(V x)
{
    const V a = RJ_VF_MINPS(K(11.5), F(abs)(x));
    const U i = F(asuint)(RJ_VF_MAXPS(a, K(0.046875))) >> 22;
    const V y = a - TANHF_C(0);
    V r = F(fma)(TANHF_C(8), y, TANHF_C(7));
    r = F(fma)(r, y, TANHF_C(6));
    r = F(fma)(r, y, TANHF_C(5));
    r = F(fma)(r, y, TANHF_C(4));
    r = F(fma)(r, y, TANHF_C(3));
    r = F(fma)(r, y, TANHF_C(2));
#if RJ_VM_VEC && defined(RJ_ISA_AVX512)
    V c0 = y;
    const unsigned short big = __builtin_ia32_cmpps512_mask(a, K(0.0625), 0x1d, (unsigned short)-1, 4);
    __asm__("vpermps %2, %1, %0%{%3%}" : "+v"(c0) : "v"(i), "v"(F(load)(rj_vm_tanhf_table[1])), "Yk"(big));
#else
    const V c0 = F(select_lt)(a, K(0.0625), y, TANHF_C(1));
#endif
    const V t = F(fma)(r, y, c0);                           /* >= 0 */
    return F(fromuint)(F(asuint)(t) | (F(asuint)(x) & SIGN));
}
#undef TANHF_C

/* sinh|x| and cosh|x| below 7.9375 as tanh|x| (vmath_f32_hyp_tables.h: intervals of 1/2, each
 * polynomial to 2^-28.9, the index the top four mantissa bits of |x| + 8): y (c1 + ...) is at most
 * 0.58 of sinh's result (on [0.5, 1)), 0.28 of cosh's; sinh's c0 below 1/2 is y. Vectors with a lane
 * beyond take those lanes from the exp routes above (inf and overflow among them); NaN passes. */
#define HYPF_C(j) F(vm_lookup16f)(tab[j], i)
RJ_INLINE V F(vm_hypf_poly)(const float (*tab)[16], V a, int odd)
{
    const V a8 = a + K(8.0);                                /* (rounded: 8.5 from a hair below 1/2) */
    const U i = F(asuint)(a8) >> 19;
    const V y = a - HYPF_C(0);
    V r = F(fma)(HYPF_C(8), y, HYPF_C(7));
    r = F(fma)(r, y, HYPF_C(6));
    r = F(fma)(r, y, HYPF_C(5));
    r = F(fma)(r, y, HYPF_C(4));
    r = F(fma)(r, y, HYPF_C(3));
    r = F(fma)(r, y, HYPF_C(2));
#if RJ_VM_VEC && defined(RJ_ISA_AVX512)
    V c0 = y;
    const unsigned short big = __builtin_ia32_cmpps512_mask(a8, K(8.5), 0x1d, (unsigned short)-1, 4);
    __asm__("vpermps %2, %1, %0%{%3%}" : "+v"(c0) : "v"(i), "v"(F(load)(tab[1])), "Yk"(big));
#else
    const V c0 = odd ? F(select_lt)(a8, K(8.5), y, HYPF_C(1)) : HYPF_C(1);
#endif
#if RJ_HAS_FMA
    return F(fma)(r, y, odd ? c0 : HYPF_C(1));
#else   /* without fma, r y's rounding would cost up to a quarter of an ULP: exact, and c0 + r y too */
    V pe, e;
    const V p = F(vm_two_prod)(r, y, &pe);
    const V h = F(vm_fast_two_sum)(odd ? c0 : HYPF_C(1), p, &e);   /* |c0| > |r y| */
    return h + (e + pe);
#endif
}
#undef HYPF_C

RJ_INLINE V F(sinh)(V x)
{
    const V a = F(abs)(x);
    V y = F(fromuint)(F(asuint)(F(vm_hypf_poly)(rj_vm_sinhf_table, a, 1)) | (F(asuint)(x) & SIGN));
    if (ANY_GT(a, K(7.9375)))
        y = F(select_gt)(a, K(7.9375), F(vm_sinhf_exp)(x), y);
    return y;
}

RJ_INLINE V F(cosh)(V x)
{
    const V a = F(abs)(x);
    V y = F(vm_hypf_poly)(rj_vm_coshf_table, a, 0);
    if (ANY_GT(a, K(7.9375)))
        y = F(select_gt)(a, K(7.9375), F(vm_coshf_exp)(x), y);
    return NAN_IN(x, y);
}

#undef ANY_GT
#undef ANY_LT
#undef LN2F_HI
#undef LN2F_LO
#undef LOG2EF
