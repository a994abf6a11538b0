/* vmath_f32_exp.h (part of vmath_fbody.h) - the float cores of vmath_exp.h's functions: exp,
 * expm1, sinh, cosh, tanh.
 *
 * e^(x + xl) = 2^k e^r as in vmath_exp.h: k = round(x / ln2) by the shifter trick, ln 2 in two
 * parts, the first of 15 bits so that k times it is exact (|k| < 2^9) and so is x minus that
 * product; the result is 2^k (1 + a + small) with a = x - k LN2F_HI exact and small = the rest,
 * so that the only rounding that matters is the last one (and in expm1, sinh, cosh and tanh the
 * sums around it are error-free, vmath_dd.h). 1 ULP and 4 ULP levels alike but where noted.
 */
#define LN2F_HI 0x1.62e4p-1              /* ln 2 to 15 bits */
#define LN2F_LO 0x1.7f7d1cp-20           /* ln 2 - LN2F_HI, to 2^-44 */
#define LOG2EF 0x1.715476p+0

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

/* x clamped to [-104, 89], beyond which the result is 0 or inf anyway (NaN passes) */
RJ_INLINE V F(exp)(V x)
{
    V a, small;
    const V t = F(vm_expf_k)(F(min)(K(89.0), F(max)(K(-104.0), x)), K(0.0), &a, &small, 0);
    return NAN_IN(x, F(vm_expf_finish)(t, a, small));
}

/* e^x - 1: below -18 it rounds to -1; from 64 on the exp route (the -1 is far below an ULP, and
 * k reaches 128 there); |x| < 2^-25 gives x (and keeps the sign of a zero). */
RJ_INLINE V F(expm1)(V x)
{
    const V xc = F(min)(K(89.0), F(max)(K(-18.0), x));
    V a, small, s2, me;
#if RJ_VM_LEVEL == RJ_VM_LEVEL_FOUR
    const V t = F(vm_expf_k)(xc, K(0.0), &a, &small, 0);
    const V e = F(vm_expm1f_plain)(t, a, small);
    const V sq = K(0.0);
#else
    V sq, lo;
    const V t = F(vm_expf_k)(xc, K(0.0), &a, &small, &sq);
    const V hi = F(vm_expm1f_dd)(t, a, sq, small, &lo);
    const V e = hi + lo;
#endif
    const V s1 = F(vm_expf_half_scale)(t, &s2);
    const V m = F(vm_fast_two_sum)(K(1.0), a, &me);
    const V big = (m + (me + (sq + small))) * s1 * s2;
    const V y = F(select_gt)(xc, K(64.0), big, e);
    return NAN_IN(x, F(select_lt)(F(abs)(x), K(0x1p-25), x, y));
}

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

/* sinh|x| = H - 1 / (4H) with H = e^|x| / 2, both as double-floats (H >= 1/2 >= 1 / (4H));
 * past 64 H alone, rounded once and then scaled (inf past 89.42: and Dekker's product, of
 * vm_div_dd without FMA, would overflow past 2^114); |x| < 2^-12 gives x. */
RJ_INLINE V F(sinh)(V x)
{
    const V a = F(min)(K(90.0), F(abs)(x));
    const M big = F(gt)(a, K(64.0));
#if RJ_VM_LEVEL == RJ_VM_LEVEL_FOUR   /* (E + E / (E + 1)) / 2, E = e^|x| - 1: within 2.5 ULP */
    V ea, small, me, s2;
    const V t = F(vm_expf_k)(a, K(0.0), &ea, &small, 0);
    const V e = F(vm_expm1f_plain)(t, ea, small);
    const V m = F(vm_fast_two_sum)(K(1.0), ea, &me);
    const V s1 = F(vm_expf_half_scale)(t - K(1.0), &s2);
    V y = F(select)(big, (m + (me + small)) * s1 * s2, K(0.5) * (e + e / (e + K(1.0))));
#else
    V ml, s1, s2, ql, sl;
    const V mh = F(vm_half_expf_dd)(a, &ml, &s1, &s2);
    const V hh = F(select)(big, K(1.0), mh * s1 * s2), hl = ml * s1 * s2;
    const V qh = F(vm_div_dd)(K(0.25), K(0.0), hh, hl, &ql);
    const V sh = F(vm_fast_two_sum)(hh, -qh, &sl);
    V y = F(select)(big, (mh + ml) * s1 * s2, sh + (sl + (hl - ql)));
#endif
    y = F(select_lt)(a, K(0x1p-12), a, y);
    return NAN_IN(x, F(copysign)(y, x));
}

/* cosh|x| = H + 1 / (4H), as sinh */
RJ_INLINE V F(cosh)(V x)
{
    const V a = F(min)(K(90.0), F(abs)(x));
    V ml, s1, s2;
    const V mh = F(vm_half_expf_dd)(a, &ml, &s1, &s2);
#if RJ_VM_LEVEL == RJ_VM_LEVEL_FOUR   /* H + 1 / (4H) in float: within 1.5 ULP */
    const V h = (mh + ml) * s1 * s2;
    return NAN_IN(x, h + K(0.25) / h);
#else
    V ql, sl;
    const M big = F(gt)(a, K(64.0));
    const V hh = F(select)(big, K(1.0), mh * s1 * s2), hl = ml * s1 * s2;
    const V qh = F(vm_div_dd)(K(0.25), K(0.0), hh, hl, &ql);
    const V sh = F(vm_fast_two_sum)(hh, qh, &sl);
    return NAN_IN(x, F(select)(big, (mh + ml) * s1 * s2, sh + (sl + (hl + ql))));
#endif
}

/* tanh|x| = E / (E + 2), E = e^2|x| - 1 as a double-float and the quotient too; 2|x| clamped at
 * 20, where tanh rounds to 1; |x| < 2^-12 gives x. */
RJ_INLINE V F(tanh)(V x)
{
    const V a = F(abs)(x);
#if RJ_VM_LEVEL == RJ_VM_LEVEL_FOUR   /* in float: within 2 ULP */
    V ea, small;
    const V t = F(vm_expf_k)(F(min)(K(20.0), K(2.0) * a), K(0.0), &ea, &small, 0);
    const V e = F(vm_expm1f_plain)(t, ea, small);
    const V q = e / (e + K(2.0));
#else
    V ea, sq, small, el, dl, ql;
    const V t = F(vm_expf_k)(F(min)(K(20.0), K(2.0) * a), K(0.0), &ea, &small, &sq);
    const V eh = F(vm_expm1f_dd)(t, ea, sq, small, &el);
    const V dh = F(vm_two_sum)(eh, K(2.0), &dl);
    const V qh = F(vm_div_dd)(eh, el, dh, dl + el, &ql);
    const V q = qh + ql;
#endif
    const V y = F(select_lt)(a, K(0x1p-12), a, q);
    return NAN_IN(x, F(copysign)(y, x));
}

#undef LN2F_HI
#undef LN2F_LO
#undef LOG2EF
