/* vmath_log.h (part of vmath_body.h) - log, log1p, log2, log10, arcsinh, arccosh, arctanh; the
 * float cores vmf_*.
 *
 * Every one of them is log(u) + c for some u and a small correction c, so they share one core:
 * x = 2^e (1 + f), 1 + f in [sqrt(1/2), sqrt 2) (adding 1 - sqrt(1/2) to the bits carries into
 * the exponent exactly when the mantissa is >= sqrt(1/2)'s; denormals are scaled first), then
 * fdlibm's e_log.c scheme: s = f / (2 + f), log(1 + f) = f - f^2/2 + s (f^2/2 + R(s^2)), R with
 * fdlibm's Lg1-Lg7 (within 2^-58.45), e ln2 added in two parts.
 */
typedef struct { V e, f, hfsq, sr; } F(vm_log_parts_t);
#define SQRT2 0x1.6a09e667f3bcdp+0        /* 2 sqrt(1/2) rounded, the bits of SQRTH_BITS doubled */
#define LOG_CLASSES 0x03530422            /* vm_log_special's answers by class (simd.h's FIXUP) */

RJ_INLINE F(vm_log_parts_t) F(vm_log_parts)(V x)
{
    F(vm_log_parts_t) p;
#if RJ_VM_VEC && defined(RJ_VD_GETEXP)   /* AVX-512: the same e and f, denormals too */
    const V m = RJ_VD_GETMANT(x), k = RJ_VD_GETEXP(x);
    p.e = F(select_ge)(m, K(SQRT2), k + K(1.0), k);   /* mantissas from SQRT2 on: the octave below */
    p.f = F(select_ge)(m, K(SQRT2), m * K(0.5), m) - K(1.0);
#else
    const M tiny = F(lt)(x, K(MIN_NORMAL));
    const V xs = F(select)(tiny, x * K(TWO_MANT), x);
    const U ix = F(asuint)(xs) + (ONE_BITS - SQRTH_BITS);
    /* e as a double without an int -> double conversion: 2^52 + biased exponent, minus both */
    p.e = F(fromuint)(TWO_MANT_BITS | (ix >> MANT)) - K(TWO_MANT + BIAS) - F(select)(tiny, K(MANT), K(0.0));
    p.f = F(fromuint)((ix & MANTMASK) + SQRTH_BITS) - K(1.0);
#endif
    const V s = p.f / (K(2.0) + p.f), z = s * s, w = z * z;
    V r1 = MLA(K(1.479819860511658591e-01), w, 1.818357216161805012e-01);
    r1 = MLA(r1, w, 2.857142874366239149e-01);
    r1 = MLA(r1, w, 6.666666666666735130e-01) * z;
    V r2 = MLA(K(1.531383769920937332e-01), w, 2.222219843214978396e-01);
    r2 = MLA(r2, w, 3.999999999940941908e-01) * w;
    p.hfsq = K(0.5) * p.f * p.f;
    p.sr = s * (p.hfsq + (r1 + r2));
    return p;
}

/* e ln2 + log(1 + f) + c, ln 2 = 6.93147180369123816490e-01 (e times it exact) + 1.908e-10 */
RJ_INLINE V F(vm_log_sum)(F(vm_log_parts_t) p, V c)
{
    return p.e * K(6.93147180369123816490e-01)
         - ((p.hfsq - (p.sr + (p.e * K(1.90821492927058770002e-10) + c))) - p.f);
}

/* y for a positive finite u; +inf -> inf, NaN -> itself quietened, +-0 -> -inf, below 0 -> the
 * default NaN */
RJ_INLINE V F(vm_log_special)(V u, V y)
{
#if RJ_VM_VEC && defined(RJ_VD_FIXUP)
    return RJ_VD_FIXUP(y, u, LOG_CLASSES);
#else
    y = F(select_lt)(u, K(INF), y, u + u);
    y = F(select_eq)(u, K(0.0), K(-INF), y);
    return F(select_lt)(u, K(0.0), K(NAN_), y);
#endif
}

RJ_INLINE V F(log)(V x) { return F(vm_log_special)(x, F(vm_log_sum)(F(vm_log_parts)(x), K(0.0))); }

/* log(u) + c + extra_e ln 2 for u > 0, c small (u, 0 for log itself) */
RJ_INLINE V F(vm_log_of)(V u, V c, V extra_e)
{
    F(vm_log_parts_t) p = F(vm_log_parts)(u);
    p.e = p.e + extra_e;
    return F(vm_log_special)(u, F(vm_log_sum)(p, c));
}

/* log(1 + th + tl): u = 1 + th rounded, log(u) corrected by what u lacks, over u */
RJ_INLINE V F(vm_log1p_dd)(V th, V tl)
{
    V err;
    const V u = F(vm_two_sum)(K(1.0), th, &err);
    return F(vm_log_of)(u, (err + tl) / u, K(0.0));
}

RJ_INLINE V F(log1p)(V x)
{
    return NAN_IN(x, F(select_lt)(F(abs)(x), K(0x1p-54), x, F(vm_log1p_dd)(x, K(0.0))));
}

/* log2 and log10: log(1 + f) as hi + lo with hi of 21 bits (FreeBSD's e_log2.c / e_log10.c
 * scheme), so that hi times the 32-bit head of 1/ln2 (1/ln10) is exact. */
RJ_INLINE V F(vm_log_hi)(F(vm_log_parts_t) p, V *lo)
{
    const V hi = F(fromuint)(F(asuint)(p.f - p.hfsq) & 0xffffffff00000000ull);
    *lo = ((p.f - hi) - p.hfsq) + p.sr;
    return hi;
}

RJ_INLINE V F(log2)(V x)
{
    const F(vm_log_parts_t) p = F(vm_log_parts)(x);
    V lo;
    const V hi = F(vm_log_hi)(p, &lo);
    const V val_hi = hi * K(0x1.7154765200000p+0);
    V val_lo = (lo + hi) * K(0x1.705fc2eefa200p-33) + lo * K(0x1.7154765200000p+0);
    const V w = p.e + val_hi;                              /* |e| >= |val_hi| unless e = 0 */
    val_lo = val_lo + ((p.e - w) + val_hi);
    return F(vm_log_special)(x, val_lo + w);
}

RJ_INLINE V F(log10)(V x)
{
    const F(vm_log_parts_t) p = F(vm_log_parts)(x);
    V lo;
    const V hi = F(vm_log_hi)(p, &lo);
    const V val_hi = hi * K(0x1.bcb7b15200000p-2);
    const V y2 = p.e * K(0x1.34413509f7800p-2);           /* log10(2): 42 bits, e times it exact */
    V val_lo = p.e * K(0x1.fef311f12b358p-46) + (lo + hi) * K(0x1.b9438ca9aadd5p-36) + lo * K(0x1.bcb7b15200000p-2);
    const V w = y2 + val_hi;
    val_lo = val_lo + ((y2 - w) + val_hi);
    return F(vm_log_special)(x, val_lo + w);
}

#if RJ_VM_LEVEL != RJ_VM_LEVEL_HALF && RJ_HAS_FMA
/* arcsinh|x| at the 1-ULP level, with FMA: log(|x| + s), s = sqrt(1 + x^2) as sh + sl (1 + x^2
 * from exact sums, sl from the root's exact residual), |x| + sh summed exactly: log(uh) + (ul +
 * sl) / uh (every term positive: nothing cancels); past 2^28 log(2|x|). One root and two
 * divisions (the log's own among them) where the 0.5-ULP level's three-way split takes two and
 * seven. */
RJ_INLINE V F(arcsinh)(V x)
{
    const V a = F(abs)(x);
    const M big = F(gt)(a, K(0x1p28));
    V a2l, wl, ul;
    const V a2h = F(vm_two_prod)(a, a, &a2l);
    const V wh = F(vm_two_sum)(K(1.0), a2h, &wl);                       /* 1 + x^2 */
    const V sh = F(sqrt)(wh);
    const V uh = F(vm_fast_two_sum)(sh, a, &ul);                         /* sh > |x| */
    /* (ul + sl) / uh, sl = (1 + x^2 - sh^2) / (2 sh), over one denominator */
    const V d2 = K(2.0) * sh;
    const V c2 = F(fma)(d2, ul, F(fma)(-sh, sh, wh) + (wl + a2l)) / (d2 * uh);
    const V u = F(select)(big, a, uh);
    const V c = F(select)(big, K(0.0), c2);
    V y = F(vm_log_of)(u, c, F(select)(big, K(1.0), K(0.0)));
    y = F(select_lt)(a, K(0x1p-28), a, y);
    return NAN_IN(x, F(copysign)(y, x));
}
#else
/* arcsinh|x| = log(2|x|) past 2^28, log(2|x| + 1 / (sqrt(x^2 + 1) + |x|)) past 2, and below
 * log1p(|x| + x^2 / (1 + sqrt(1 + x^2))), each argument a double-double: one log of an argument
 * chosen per lane. */
RJ_INLINE V F(arcsinh)(V x)
{
    const V a = F(abs)(x);
    const M big = F(gt)(a, K(0x1p28)), mid = F(gt)(a, K(2.0));
    V a2l, wl, sl, dl, gl, tl, err;
    const V a2h = F(vm_two_prod)(a, a, &a2l);
    const V wh = F(vm_two_sum)(K(1.0), a2h, &wl);                       /* 1 + x^2 */
    const V sh = F(vm_sqrt_dd)(wh, wl + a2l, &sl);
    const V dh = F(vm_fast_two_sum)(K(1.0), sh, &dl);                   /* 1 + sqrt(1 + x^2) */
    const V gh = F(vm_div_dd)(a2h, a2l, dh, dl + sl, &gl);
    const V th = F(vm_fast_two_sum)(a, gh, &tl);
    const V u1 = F(vm_two_sum)(K(1.0), th, &err);
    V ml;
    const V mh = F(vm_fast_two_sum)(K(2.0) * a, K(1.0) / (F(sqrt)(a * a + K(1.0)) + a), &ml);
    const V u = F(select)(big, a, F(select)(mid, mh, u1));
    const V c = F(select)(big, K(0.0), F(select)(mid, ml / mh, (err + (tl + gl)) / u1));
    V y = F(vm_log_of)(u, c, F(select)(big, K(1.0), K(0.0)));
    y = F(select_lt)(a, K(0x1p-28), a, y);
    return NAN_IN(x, F(copysign)(y, x));
}
#endif

/* arccosh x = log(2x) past 2^28, log(2x - 1 / (x + sqrt(x^2 - 1))) past 2, and below
 * log1p(t + sqrt(2t + t^2)), t = x - 1 (exact), each argument a double-double; NaN below 1. */
RJ_INLINE V F(arccosh)(V x)
{
    const V t = x - K(1.0);
    const M big = F(gt)(x, K(0x1p28)), mid = F(gt)(x, K(2.0));
    V t2l, wl, sl, ul, err;
    const V t2h = F(vm_two_prod)(t, t, &t2l);
    const V wh = F(vm_two_sum)(K(2.0) * t, t2h, &wl);                   /* 2t + t^2 */
    const V sh = F(vm_sqrt_dd)(wh, wl + t2l, &sl);
    const V uh = F(vm_two_sum)(t, sh, &ul);
    const V u1 = F(vm_two_sum)(K(1.0), uh, &err);
    V ml;
    const V mh = F(vm_fast_two_sum)(K(2.0) * x, K(-1.0) / (x + F(sqrt)(x * x - K(1.0))), &ml);
    const V u = F(select)(big, x, F(select)(mid, mh, u1));
    const V c = F(select)(big, K(0.0), F(select)(mid, ml / mh, (err + (ul + sl)) / u1));
    const V y = F(vm_log_of)(u, c, F(select)(big, K(1.0), K(0.0)));
    return NAN_IN(x, F(select_lt)(x, K(1.0), K(NAN_), y));
}

#if RJ_VM_LEVEL != RJ_VM_LEVEL_HALF && RJ_HAS_FMA
/* arctanh|x| at the 1-ULP level, with FMA: log(q) / 2 for q = (1 + |x|) / (1 - |x|) = qh + ql,
 * numerator and denominator exact double-doubles, log(qh) + ql / qh with ql / qh from the
 * quotient's exact residual over qh (1 - |x|): two divisions and the log's, where the 0.5-ULP
 * level takes four; +-inf at +-1, NaN beyond. */
RJ_INLINE V F(arctanh)(V x)
{
    const V a = F(abs)(x);
    V nl, dl;
    const V nh = F(vm_fast_two_sum)(K(1.0), a, &nl), dh = F(vm_fast_two_sum)(K(1.0), -a, &dl);
    const V qh = nh / dh;
    const V c = (F(fma)(-qh, dh, nh) + F(fma)(-qh, dl, nl)) / (qh * dh);
    V y = K(0.5) * F(vm_log_of)(qh, c, K(0.0));
    y = F(select_lt)(a, K(0x1p-28), a, y);
    return NAN_IN(x, F(select_gt)(a, K(1.0), K(NAN_), F(copysign)(y, x)));
}
#else
/* arctanh|x| = log1p(2|x| / (1 - |x|)) / 2, the quotient as a double-double; +-inf at +-1, NaN
 * beyond. */
RJ_INLINE V F(arctanh)(V x)
{
    const V a = F(abs)(x);
    V dl, ql;
    const V dh = F(vm_two_sum)(K(1.0), -a, &dl);
    const V qh = F(vm_div_dd)(a + a, K(0.0), dh, dl, &ql);
    V y = K(0.5) * F(vm_log1p_dd)(qh, ql);
    y = F(select_lt)(a, K(0x1p-28), a, y);
    return NAN_IN(x, F(select_gt)(a, K(1.0), K(NAN_), F(copysign)(y, x)));
}
#endif

/* ---- the float cores (see vmath_exp.h): log2 of a positive normal double as e + s P(s^2),
 * P of degree 4 fitted here (Remez, relative error 2^-37.8); 0 and inf come out as -1023 and
 * 1025, finite, for the callers to fix. */
RJ_INLINE V F(vmf_log2_k)(V x)
{
    const U ix = F(asuint)(x) + (ONE_BITS - SQRTH_BITS);
    const V e = F(fromuint)(TWO_MANT_BITS | (ix >> MANT)) - K(TWO_MANT + BIAS);
    const V f = F(fromuint)((ix & MANTMASK) + SQRTH_BITS) - K(1.0);
    const V s = f / (K(2.0) + f), z = s * s;
    V p = MLA(K(0.34077002265635786), z, 0.41167065960895866);
    p = MLA(p, z, 0.5770836174995894);
    p = MLA(p, z, 0.9617966731817916);
    p = MLA(p, z, 2.8853900817902045);
    return F(fma)(s, p, e);
}

RJ_INLINE V F(vmf_log)(V x) { return NAN_IN(x, F(vm_log_special)(x, F(vmf_log2_k)(x) * K(0x1.62e42fefa39efp-1))); }
RJ_INLINE V F(vmf_log2)(V x) { return NAN_IN(x, F(vm_log_special)(x, F(vmf_log2_k)(x))); }
RJ_INLINE V F(vmf_log10)(V x) { return NAN_IN(x, F(vm_log_special)(x, F(vmf_log2_k)(x) * K(0x1.34413509f79ffp-2))); }

/* log(1 + t) = log(u) + err/u for u = 1 + t rounded, err its rounding error; err/u is err to a
 * relative 2^-53 of the result for u < 2, and below 2^-52 of it (dropped) from 2 on: no division */
RJ_INLINE V F(vmf_log1p_of)(V t)
{
    V err;
    const V u = F(vm_two_sum)(K(1.0), t, &err);
    const V c = F(select_lt)(u, K(2.0), err, K(0.0));
    return F(vm_log_special)(u, F(fma)(F(vmf_log2_k)(u), K(0x1.62e42fefa39efp-1), c));
}

RJ_INLINE V F(vmf_log1p)(V x) { return NAN_IN(x, F(select_lt)(F(abs)(x), K(0x1p-30), x, F(vmf_log1p_of)(x))); }

/* arcsinh|x| = log(|x| + sqrt(x^2 + 1)): the sum is 1 + |x| within 2^-52 absolute, so from
 * |x| = 2^-10 on that is 2^-42 relative; below, |x| (1 - x^2/6 + 3x^4/40). A float's square
 * is exact in double, and cannot overflow there. */
RJ_INLINE V F(vmf_arcsinh)(V x)
{
    const V a = F(abs)(x), a2 = a * a, u = a + F(sqrt)(a2 + K(1.0));
    const V y = F(vm_log_special)(u, F(vmf_log2_k)(u) * K(0x1.62e42fefa39efp-1));
    const V small = a * F(fma)(a2, F(fma)(a2, K(0.075), K(-1.0 / 6.0)), K(1.0));
    return NAN_IN(x, F(copysign)(F(select_lt)(a, K(0x1p-10), small, y), x));
}

/* arccosh x = log(x + sqrt(x^2 - 1)): for a float x > 1, x^2 - 1 is exact in double and the sum
 * at least 1 + 2^-11.5, so its rounding is 2^-42 of the result; NaN below 1. */
RJ_INLINE V F(vmf_arccosh)(V x)
{
    const V y = F(vm_log_special)(x, F(vmf_log2_k)(x + F(sqrt)(x * x - K(1.0))) * K(0x1.62e42fefa39efp-1));
    return NAN_IN(x, F(select_lt)(x, K(1.0), K(NAN_), y));
}

/* arctanh|x| = log((1 + |x|) / (1 - |x|)) / 2, both exact in double for a float, from |x| = 2^-10
 * on (the quotient's rounding 2^-43 of the result there); below, |x| (1 + x^2/3 + x^4/5) */
RJ_INLINE V F(vmf_arctanh)(V x)
{
    const V a = F(abs)(x), a2 = a * a, u = (K(1.0) + a) / (K(1.0) - a);   /* inf at 1, < 0 beyond */
    const V y = F(vm_log_special)(u, K(0.5 * 0x1.62e42fefa39efp-1) * F(vmf_log2_k)(u));
    const V small = a * F(fma)(a2, F(fma)(a2, K(0.2), K(1.0 / 3.0)), K(1.0));
    const V r = F(copysign)(F(select_lt)(a, K(0x1p-10), small, y), x);
    return NAN_IN(x, F(select_gt)(a, K(1.0), K(NAN_), r));
}
#undef SQRT2
#undef LOG_CLASSES
