/* vmath_inv.h (part of vmath_body.h) - arcsin, arccos, arctan, arctan2; the float cores vmf_*.
 *
 * arcsin and arccos evaluate one polynomial on z in [0, 1/4]: z = x^2 while |x| <= 1/2, else
 * z = (1 - |x|)/2 (exact) through arcsin|x| = pi/2 - 2 arcsin(sqrt z). arctan reduces |x| to
 * |t| <= 7/16 around 0, 1/2, 1, 3/2 or infinity (fdlibm's s_atan.c scheme) and adds arctan of
 * the centre as hi + lo.
 */
#define PIO2_HI 0x1.921fb54442d18p+0
#define PIO2_LO 0x1.1a62633145c07p-54   /* pi/2 - PIO2_HI */
#define PI_HI 0x1.921fb54442d18p+1
#define PI_LO 0x1.1a62633145c07p-53

/* arcsin s = s + s R(z), z = s^2 <= 1/4: R(z) = z A(z), A of degree 12 fitted here (Remez,
 * relative error of arcsin 2^-59.7) */
RJ_INLINE V F(vm_asin_r)(V z)
{
    V a = MLA(K(0x1.07c3511c1cda3p-5), z, -0x1.4c361b95e0a1fp-6);
    a = MLA(a, z, 0x1.5ad8d9e7d69a1p-6);
    a = MLA(a, z, 0x1.023ace780d0adp-8);
    a = MLA(a, z, 0x1.5f162926c63adp-7);
    a = MLA(a, z, 0x1.75eee78fd85fcp-7);
    a = MLA(a, z, 0x1.ca119b55b5283p-7);
    a = MLA(a, z, 0x1.1c4a937f13ab4p-6);
    a = MLA(a, z, 0x1.6e8bd4c64811bp-6);
    a = MLA(a, z, 0x1.f1c71afd2d5f8p-6);
    a = MLA(a, z, 0x1.6db6db70ccf96p-5);
    a = MLA(a, z, 0x1.33333333302afp-4);
    a = MLA(a, z, 0x1.5555555555562p-3);
    return z * a;
}

/* sqrt z as s_hi + *c: s_hi has 21 bits (so s_hi^2 is exact), *c the rest; 0 for z = 0 */
RJ_INLINE V F(vm_sqrt_split)(V z, V s, V *c)
{
    const V hi = F(fromuint)(F(asuint)(s) & 0xffffffff00000000ull);
    *c = F(select_gt)(s, K(0.0), (z - hi * hi) / (s + hi), K(0.0));
    return hi;
}

RJ_INLINE V F(arcsin)(V x)
{
    const V a = F(abs)(x);
    const M low = F(le)(a, K(0.5));
    const V z = F(select)(low, a * a, (K(1.0) - a) * K(0.5));
    const V s = F(sqrt)(z), r = F(vm_asin_r)(z);
    V c;
    const V hi = F(vm_sqrt_split)(z, s, &c);
    /* pi/2 - 2 (hi + c) - 2 s r: PIO2_HI - 2 hi is exact (hi has 21 bits), so the result is
     * rounded once, from that and the small rest */
    const V far = (K(PIO2_HI) - K(2.0) * hi) + ((K(PIO2_LO) - K(2.0) * c) - K(2.0) * s * r);
    V y = F(select)(low, F(fma)(a, r, a), far);
    y = F(select_lt)(a, K(0x1p-26), a, y);
    return NAN_IN(x, F(select_gt)(a, K(1.0), K(NAN_), F(copysign)(y, x)));
}

RJ_INLINE V F(arccos)(V x)
{
    const V a = F(abs)(x);
    const M low = F(le)(a, K(0.5)), neg = F(lt)(x, K(0.0));
    const V z = F(select)(low, a * a, (K(1.0) - a) * K(0.5));
    const V s = F(sqrt)(z), r = F(vm_asin_r)(z);
    V c;
    const V hi = F(vm_sqrt_split)(z, s, &c);
    /* pi/2 - arcsin x, from PIO2_HI - x exactly as mh + ml */
    V ml;
    const V mh = F(vm_two_sum)(K(PIO2_HI), -x, &ml);
    const V mid = mh + (ml + (K(PIO2_LO) - x * r));
    /* pi - 2 arcsin s = pi - 2 (hi + c) - 2 s r, PI_HI - 2 hi exact as in arcsin */
    const V left = (K(PI_HI) - K(2.0) * hi) + ((K(PI_LO) - K(2.0) * c) - K(2.0) * s * r);
    const V right = K(2.0) * (hi + (c + s * r));                        /* 2 arcsin s */
    return NAN_IN(x, F(select_gt)(a, K(1.0), K(NAN_), F(select)(low, mid, F(select)(neg, left, right))));
}

#if RJ_VM_LEVEL != RJ_VM_LEVEL_HALF && RJ_HAS_FMA
/* The 1-ULP level's arctan a - nd = hi + *rest for a >= 0 (inf too), nd minus a small
 * correction to the result (atan2's; the constant 0 folds away): centres 0, pi/4 and pi/2, t =
 * a, (a - 1) / (a + 1) or -1 / a, split at 7/16 and tan(3pi/8) (|t| <= 7/16: the middle
 * interval starts above tan(pi/8), where its cancelling sum cost up to 0.71 ULP), by one
 * division: numerator and denominator as exact double-doubles (fast_two_sum's error terms are
 * exact here for a in the middle interval, either side of 1), t = num q for q = 1/den, t_lo its residual over den (both
 * roundings). arctan t as vm_atan_k's (B, Remez 2^-61.6 on 7/16), hi + t summed exactly. */
RJ_INLINE V F(vm_atan_k)(V a, V nd, V *rest)
{
    const F(vm_km_t) mid = KM_GT(a, K(0.4375)), big = KM_GT(a, K(0x1.3504f333f9de6p+1));
    const V nh = a - K(1.0), dh = a + K(1.0);
    const V nl = a - (nh + K(1.0)), dl = a - (dh - K(1.0));
    const V num = KM_SEL(big, K(-1.0), KM_SEL(mid, nh, a));
    const V den = KM_SEL(big, a, KM_SEL(mid, dh, K(1.0)));
    const V numl = KM_SEL(big, K(0.0), KM_SEL(mid, nl, K(0.0)));
    const V denl = KM_SEL(big, K(0.0), KM_SEL(mid, dl, K(0.0)));
    const V q = K(1.0) / den, t = num * q;
    /* (past 2^900 the residual is not exact, and t_lo is far below an ULP anyway) */
    const V t_lo = KM_SEL(KM_GT(a, K(0x1p900)), K(0.0), F(fma)(-t, denl, F(fma)(-t, den, num) + numl) * q);
    const V hi = KM_SEL(big, K(PIO2_HI), KM_SEL(mid, K(0x1.921fb54442d18p-1), K(0.0)));
    const V lo = KM_SEL(big, K(PIO2_LO), KM_SEL(mid, K(0x1.1a62633145c07p-55), K(0.0)));
    const V z = t * t;
    V b = MLA(K(0x1.c4d6ccc0c74dap-7), z, -0x1.06b114aac45d6p-5);
    b = MLA(b, z, 0x1.6bcb12303c67bp-5);
    b = MLA(b, z, -0x1.aa2f57e82b9fdp-5);
    b = MLA(b, z, 0x1.e13c911e68ea0p-5);
    b = MLA(b, z, -0x1.1109a8b9508f2p-4);
    b = MLA(b, z, 0x1.3b133d43f272cp-4);
    b = MLA(b, z, -0x1.745d12936165ep-4);
    b = MLA(b, z, 0x1.c71c71a89a823p-4);
    b = MLA(b, z, -0x1.249249245a325p-3);
    b = MLA(b, z, 0x1.99999999993a5p-3);
    b = MLA(b, z, -0x1.5555555555554p-2);
    /* arctan(t + t_lo) = arctan t + t_lo / (1 + z), to t_lo z^2 */
    V sl;
    const V sh = F(vm_fast_two_sum)(hi, t, &sl);          /* |t| < hi, or hi = 0 */
    *rest = sl + ((F(fma)(t * z, b, lo) - nd) + F(fma)(-t_lo, z, t_lo));
    return sh;
}

RJ_INLINE V F(arctan)(V x)
{
    const V a = F(abs)(x);
    V rest;
    const V hi = F(vm_atan_k)(a, K(0.0), &rest);
    return NAN_IN(x, F(copysign)(hi + rest, x));          /* tiny a comes out as itself */
}

/* arctan2 at the 1-ULP level, with FMA: as the 0.5-ULP level's below, |y/x|'s rounding error d
 * from the fused residual over |x| (1 + t^2), pi - arctan by a fast sum; a vector whose
 * magnitudes all lie in [2^-900, 2^900] skips the scaling and the zero and infinite pairs (both
 * zero: 0 / 1, both infinite: 1 / 1). */
RJ_INLINE V F(arctan2)(V y, V x)
{
    V ax = F(abs)(x), ay = F(abs)(y);
    const V big = F(max)(ax, ay), least = F(min)(ax, ay);
    if (__builtin_expect(F(vm_any)(MF(not)(F(le)(big, K(0x1p900)) & F(ge)(least, K(0x1p-900)))), 0)) {
        const V scale = F(select_gt)(big, K(0x1p900), K(0x1p-600), F(select_lt)(big, K(0x1p-900), K(0x1p600), K(1.0)));
        ax = ax * scale;
        ay = ay * scale;
        const M zeros = F(eq)(ax, K(0.0)) & F(eq)(ay, K(0.0)), infs = F(eq)(ax, K(INF)) & F(eq)(ay, K(INF));
        ax = F(select)(zeros | infs, K(1.0), ax);
        ay = F(select)(zeros, K(0.0), F(select)(infs, K(1.0), ay));
    }
    const V t = ay / ax;
    V d = F(fma)(-t, ax, ay) / F(fma)(t, ay, ax);     /* the exact residual over ax (1 + t^2) */
    /* only where the residual was exact: nothing tiny, nothing overflowed */
    d = KM_SEL(KM_AND_LT(KM_AND_GT(KM_GT(t, K(0x1p-900)), ay, K(0x1p-960)), F(abs)(d), K(INF)), d, K(0.0));
    V rest, e;
    const V hi = F(vm_atan_k)(t, -d, &rest);
    const V s = F(vm_fast_two_sum)(K(PI_HI), -hi, &e);   /* pi - hi = s + e exactly */
    return NAN_IN2(y, x, F(copysign)(KM_SEL(KM_BITS(F(asuint)(x), SIGN), s + ((e + K(PI_LO)) - rest), hi + rest), y));
}
#else
/* arctan a - nd = hi + *rest for a >= 0 (inf too), nd minus a small correction to it (atan2's): t =
 * (a - c) / (1 + a c) for the centre c nearest a, arctan a = arctan c + arctan t, arctan c as
 * hi + lo; arctan t = t + t z B(z), B of degree 11 fitted here (Remez, 2^-61.6). The quotient t
 * is rounded, and so is its denominator: both errors go into t_lo, the residual of t as a
 * double-double (the numerator is exact, the product of t and the denominator exact by
 * vm_two_prod), and arctan c + t is summed exactly: the result is rounded once but for terms
 * below 2^-57 of it (measured within 0.64 ULP; 0.85 without t_lo and the exact sum). */
RJ_INLINE V F(vm_atan_k)(V a, V nd, V *rest)
{
    const M c1 = F(ge)(a, K(0.4375)), c2 = F(ge)(a, K(0.6875)), c3 = F(ge)(a, K(1.1875)),
            c4 = F(ge)(a, K(2.4375));
    /* numerator (exact) and denominator dh + dl of t, for the centres 0, 1/2, 1, 3/2, infinity */
    V l1, l2, l3, pl;    /* (fast_two_sum is exact where the first's exponent is the larger) */
    const V d1 = F(vm_fast_two_sum)(K(2.0), a, &l1), d2 = F(vm_fast_two_sum)(K(1.0), a, &l2);
    const V p3 = F(vm_fast_two_sum)(a, K(0.5) * a, &pl);                /* 1.5 a = p3 + pl */
    const V d3 = F(vm_fast_two_sum)(p3, K(1.0), &l3);
    V num = F(select)(c1, K(2.0) * a - K(1.0), a), dh = F(select)(c1, d1, K(1.0)), dl = F(select)(c1, l1, K(0.0));
    num = F(select)(c2, a - K(1.0), num);
    dh = F(select)(c2, d2, dh);
    dl = F(select)(c2, l2, dl);
    num = F(select)(c3, a - K(1.5), num);
    dh = F(select)(c3, d3, dh);
    dl = F(select)(c3, l3 + pl, dl);
    num = F(select)(c4, K(-1.0), num);
    dh = F(select)(c4, a, dh);
    dl = F(select)(c4, K(0.0), dl);
    /* t = num q, q = 1 / dh, both rounded: t_lo takes up both errors (one division) */
    const V q = K(1.0) / dh, t = num * q;
    V pe;
    const V p = F(vm_two_prod)(t, dh, &pe);
    /* (past 2^900 the product's error term is not exact, and t_lo is far below an ULP anyway) */
    const V t_lo = F(select_lt)(a, K(0x1p900), (((num - p) - pe) - t * dl) * q, K(0.0));
    V hi = F(select)(c1, K(0x1.dac670561bb4fp-2), K(0.0)), lo = F(select)(c1, K(0x1.a2b7f222f65e2p-56), K(0.0));
    hi = F(select)(c2, K(0x1.921fb54442d18p-1), hi);
    lo = F(select)(c2, K(0x1.1a62633145c07p-55), lo);
    hi = F(select)(c3, K(0x1.f730bd281f69bp-1), hi);
    lo = F(select)(c3, K(0x1.007887af0cbbdp-56), lo);
    hi = F(select)(c4, K(PIO2_HI), hi);
    lo = F(select)(c4, K(PIO2_LO), lo);
    const V z = t * t;
    V b = MLA(K(0x1.c4d6ccc0c74dap-7), z, -0x1.06b114aac45d6p-5);
    b = MLA(b, z, 0x1.6bcb12303c67bp-5);
    b = MLA(b, z, -0x1.aa2f57e82b9fdp-5);
    b = MLA(b, z, 0x1.e13c911e68ea0p-5);
    b = MLA(b, z, -0x1.1109a8b9508f2p-4);
    b = MLA(b, z, 0x1.3b133d43f272cp-4);
    b = MLA(b, z, -0x1.745d12936165ep-4);
    b = MLA(b, z, 0x1.c71c71a89a823p-4);
    b = MLA(b, z, -0x1.249249245a325p-3);
    b = MLA(b, z, 0x1.99999999993a5p-3);
    b = MLA(b, z, -0x1.5555555555554p-2);
    /* arctan(t + t_lo) = arctan t + t_lo / (1 + z), to t_lo z^2 */
    V sl;
    const V sh = F(vm_fast_two_sum)(hi, t, &sl);          /* |t| < hi, or hi = 0 */
    *rest = sl + (((t * z * b + lo) - nd) + (t_lo - t_lo * z));
    return sh;
}

RJ_INLINE V F(arctan)(V x)
{
    const V a = F(abs)(x);
    V rest;
    const V hi = F(vm_atan_k)(a, K(0.0), &rest);
    return NAN_IN(x, F(copysign)(F(select_lt)(a, K(0x1p-27), a, hi + rest), x));
}
#endif

#if RJ_VM_LEVEL == RJ_VM_LEVEL_HALF || !RJ_HAS_FMA
/* arctan2(y, x) = +-arctan|y/x| or +-(pi - arctan|y/x|) when x < 0 or x = -0, the sign y's.
 * |y/x| carries its rounding error t_lo into the core as t_lo / (1 + t^2), and pi - arctan is
 * summed from the parts. t_lo needs the product t |x| exact, so both magnitudes are first scaled
 * by 2^-+600 (exact, and the ratio the same) when the larger is beyond 2^+-900 (without, up to
 * 0.97 ULP there). Both zero: t = 0; both infinite: t = 1. */
RJ_INLINE V F(arctan2)(V y, V x)
{
    const V big = F(max)(F(abs)(x), F(abs)(y));
    const V scale = F(select_gt)(big, K(0x1p900), K(0x1p-600), F(select_lt)(big, K(0x1p-900), K(0x1p600), K(1.0)));
    const V ax = F(abs)(x) * scale, ay = F(abs)(y) * scale;
    V t = ay / ax;
    V pe;
    const V p = F(vm_two_prod)(t, ax, &pe);
    V d = (((ay - p) - pe) / ax) / F(fma)(t, t, K(1.0));
    /* only where the product was exact: its error term normal, nothing overflowed */
    d = F(select)(F(gt)(t, K(0x1p-900)) & F(gt)(ay, K(0x1p-960)) & F(lt)(F(abs)(d), K(INF)), d, K(0.0));
    t = F(select)(F(eq)(ax, K(0.0)) & F(eq)(ay, K(0.0)), K(0.0), t);
    t = F(select)(F(eq)(ax, K(INF)) & F(eq)(ay, K(INF)), K(1.0), t);
    V rest, e;
    const V hi = F(vm_atan_k)(t, -d, &rest);
    /* pi - (hi + rest): pi - hi exactly as s + e first */
    const V s = F(vm_two_sum)(K(PI_HI), -hi, &e);
    const M neg = IMASK((F(asuint)(x) & SIGN) != 0);
    return NAN_IN2(y, x, F(copysign)(F(select)(neg, s + ((e + K(PI_LO)) - rest), hi + rest), y));
}
#endif

/* ---- the float cores (see vmath_exp.h) */

/* arcsin s = s + s z Af(z), z <= 1/4, Af of degree 6 fitted here (Remez, 2^-35.0) */
RJ_INLINE V F(vmf_asin_k)(V s, V z)
{
    V a = MLA(K(0x1.1daf6d11360aap-5), z, 0x1.e659842bbbe2bp-8);
    a = MLA(a, z, 0x1.92e94831f4124p-6);
    a = MLA(a, z, 0x1.ed899a9f2036bp-6);
    a = MLA(a, z, 0x1.6dd713be95381p-5);
    a = MLA(a, z, 0x1.3332c730c4f80p-4);
    a = MLA(a, z, 0x1.555555bec16c4p-3);
    return F(fma)(s * z, a, s);
}

/* arcsin of s = |x| or of sqrt((1 - |x|)/2) */
RJ_INLINE V F(vmf_asin_half)(V a, M low)
{
    const V z = F(select)(low, a * a, (K(1.0) - a) * K(0.5));
    return F(vmf_asin_k)(F(select)(low, a, F(sqrt)(z)), z);
}

RJ_INLINE V F(vmf_arcsin)(V x)
{
    const V a = F(abs)(x);
    const M low = F(le)(a, K(0.5));
    const V s = F(vmf_asin_half)(a, low);
    return NAN_IN(x, F(select_gt)(a, K(1.0), K(NAN_), F(copysign)(F(select)(low, s, K(PIO2_HI) - K(2.0) * s), x)));
}

RJ_INLINE V F(vmf_arccos)(V x)
{
    const V a = F(abs)(x);
    const M low = F(le)(a, K(0.5));
    const V s = F(vmf_asin_half)(a, low);
    const V far = F(select_lt)(x, K(0.0), K(PI_HI) - K(2.0) * s, K(2.0) * s);
    return NAN_IN(x, F(select_gt)(a, K(1.0), K(NAN_), F(select)(low, K(PIO2_HI) - F(copysign)(s, x), far)));
}

/* arctan a for a >= 0: centres 0, pi/4 (t = (a - 1)/(a + 1)) and pi/2 (t = -1/a) leave
 * |t| <= tan(pi/8); Bf of degree 5 fitted here (Remez, 2^-34.5) */
RJ_INLINE V F(vmf_atan_k)(V a)
{
    const M mid = F(gt)(a, K(0x1.a827999fcef32p-2)), big = F(gt)(a, K(0x1.3504f333f9de6p+1));
    const V num = F(select)(big, K(-1.0), F(select)(mid, a - K(1.0), a));
    const V den = F(select)(big, a, F(select)(mid, a + K(1.0), K(1.0)));
    const V c = F(select)(big, K(PIO2_HI), F(select)(mid, K(0.5 * PIO2_HI), K(0.0)));
    const V t = num / den, z = t * t;
    V b = MLA(K(0x1.82122368760bfp-5), z, -0x1.5ac3da65f3b4bp-4);
    b = MLA(b, z, 0x1.c45cf81e897e1p-4);
    b = MLA(b, z, -0x1.247f4650c66e0p-3);
    b = MLA(b, z, 0x1.999925a838707p-3);
    b = MLA(b, z, -0x1.555554ed531dfp-2);
    return c + F(fma)(t * z, b, t);
}

RJ_INLINE V F(vmf_arctan)(V x) { return NAN_IN(x, F(copysign)(F(vmf_atan_k)(F(abs)(x)), x)); }

RJ_INLINE V F(vmf_arctan2)(V y, V x)
{
    const V ax = F(abs)(x), ay = F(abs)(y);
    V t = ay / ax;
    t = F(select)(F(eq)(ax, K(0.0)) & F(eq)(ay, K(0.0)), K(0.0), t);
    t = F(select)(F(eq)(ax, K(INF)) & F(eq)(ay, K(INF)), K(1.0), t);
    const V a = F(vmf_atan_k)(t);
    const M neg = IMASK((F(asuint)(x) & SIGN) != 0);
    return NAN_IN2(y, x, F(copysign)(F(select)(neg, K(PI_HI) - a, a), y));
}
