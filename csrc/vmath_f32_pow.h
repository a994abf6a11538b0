/* vmath_f32_pow.h (part of vmath_fbody.h) - the float cores of vmath_pow.h's functions: pow,
 * cbrt, and powi at RJ_VM_LEVEL_FOUR.
 *
 * pow: e^(y log|x|) as vmath_pow.h's, in float: log|x| as a double-float to about 2^-33.5
 * relative and y log|x| as one, because exp turns the absolute error of its argument (up to 104)
 * into the relative error of the result (2^-27 at most: an eighth of an ULP).
 */
#define LN2F_HI 0x1.62e4p-1              /* ln 2 to 15 bits: e times it is exact */
#define LN2F_LO 0x1.7f7d1cp-20

/* log|x| = hi + *lo for positive finite x (denormals too), by vmath_f32_log.h's table core: x =
 * z 2^e, r = z c_i - 1 exact, log x = e ln2 - log c_i + log(1 + r), log(1 + r) = r - r^2/2 +
 * r^3 P(r), r - r^2/2 as a double-float (r^2 exact as two parts), P of degree 4 (fitted here,
 * 2^-35 of log(1 + r)) in float: r^3 P is below 2^-9.6 of the logarithm, so about 2^-33.5 of it. */
RJ_INLINE V F(vm_logf_dd)(V x, V *lo)
{
    V e, zl, hl, sl;
    U i;
    const V z = F(vm_logf_tsplit)(x, &e, &i);
    const V r = F(vm_logf_r)(z, F(vm_logf_lookup)(rj_vm_logf_c, i));
    const V zh = F(vm_two_prod)(r, r, &zl);
    const V h = F(vm_fast_two_sum)(r, K(-0.5) * zh, &hl);                       /* |r| >= r^2/2 */
    const V a = e * K(LN2F_HI) + F(vm_logf_lookup)(rj_vm_logf_head[0], i);     /* exact */
    const V s = F(vm_fast_two_sum)(a, h, &sl);                                   /* a = 0, or |a| > |h| */
    V p = MLA(K(0x1.12334ap-3f), r, -0x1.55c8a6p-3f);
    p = MLA(p, r, 0x1.99a522p-3f);
    p = MLA(p, r, -0x1.fffff6p-3f);
    p = MLA(p, r, 0x1.555554p-2f);
    const V small = F(fma)(F(fma)(zh, r, zl * r), p, F(fma)(K(-0.5), zl, hl + sl)
                                     + F(fma)(e, K(LN2F_LO), F(vm_logf_lookup)(rj_vm_logf_tail[0], i)));
    return F(vm_fast_two_sum)(s, small, lo);
}

/* x^y from r = |x|^y: the sign and the IEEE special cases, as vmath_pow.h's vm_pow_signs */
RJ_INLINE V F(vm_powf_signs)(V x, V y, V r)
{
    const V ax = F(abs)(x), half_y = y * K(0.5);
    const M y_int = F(eq)(F(floor)(y), y);                 /* inf counts as an even integer */
    const M y_odd = y_int & F(ne)(F(floor)(half_y), half_y);
    r = F(select)(IMASK((F(asuint)(x) & SIGN) != 0) & y_odd, -r, r);
    r = F(select)(F(lt)(x, K(0.0)) & F(lt)(ax, K(INF)) & MF(not)(y_int), K(NAN_), r);
    r = NAN_IN2(x, y, r);
    const M one = F(eq)(y, K(0.0)) | F(eq)(x, K(1.0))
                | (F(eq)(ax, K(1.0)) & F(eq)(F(abs)(y), K(INF)));
    return F(select)(one, K(1.0), r);
}

/* |x|^y from lh + ll = log|x| (+-inf, NaN as they come): y log|x| as th + tl, clamped to
 * [-150, 150] (past which the result is 0 or inf anyway, and vm_expf_finish's scales stay
 * normal), then exp of the double-float rounded once */
RJ_INLINE V F(vm_powf_exp)(V lh, V ll, V y)
{
    V te, a, small;
    const V th = F(vm_two_prod)(y, lh, &te);
    const V thc = F(min)(K(150.0), F(max)(K(-150.0), th));
    /* (log|x| = 0 exactly for x = +-1, where a huge y would make Dekker's te NaN) */
    const V tl = F(select)(F(eq)(thc, th) & F(ne)(lh, K(0.0)), te + y * ll, K(0.0));
    const V t = F(vm_expf_k)(thc, tl, &a, &small, 0);
    return F(vm_expf_finish)(t, a, small);
}

/* A vector of x > 0 finite and y finite needs no special case (y = 0 and x = 1 give 1 exactly):
 * it skips them. Elsewhere log 0 = -inf, log inf = inf and log NaN = NaN are set, and
 * vm_powf_signs' cases. */
RJ_INLINE V F(pow)(V x, V y)
{
    const V ax = F(abs)(x);
    V ll;
    const V lh = F(vm_logf_dd)(ax, &ll);
    const M ordinary = F(gt)(x, K(0.0)) & F(lt)(x, K(INF)) & F(lt)(F(abs)(y), K(INF));
    const int all_ordinary = !F(vm_any)(MF(not)(ordinary));
    /* one exp for both paths (inlined once: a third of pow's build); 0, inf and NaN need their log */
    const V lhs = all_ordinary ? lh : F(select_eq)(ax, K(0.0), K(-INF), F(select_lt)(ax, K(INF), lh, ax));
    const V p = F(vm_powf_exp)(lhs, ll, y);
    return all_ordinary ? p : F(vm_powf_signs)(x, y, p);
}

/* x^k for the constants k = 0, 3, 4 and -2 at RJ_VM_LEVEL_FOUR: the plain float products (x^-2 as
 * (1/x)^2: x^2 would overflow where x^-2 is a denormal), within 2 ULP. At RJ_VM_LEVEL_ONE
 * vmath_f32.h takes the double route, x^k in double rounded once: within a hair of 0.5 ULP, and
 * three times as fast on AVX2 as these products as double-floats (float's error-free products
 * need Dekker's splitting without FMA, and rescaling to keep it exact). */
#if RJ_VM_LEVEL == RJ_VM_LEVEL_FOUR
RJ_INLINE V F(powi)(V x, int k)
{
    if (k == 0)
        return K(1.0);
    if (k == -2) {
        const V r = K(1.0) / x;
        return r * r;
    }
    const V p = x * x;
    return k == 3 ? p * x : p * p;
}
#endif

/* x = m 2^e, m in [1, 2), for a positive finite x (denormals too): m, and e as a float */
RJ_INLINE V F(vm_split)(V x, V *e)
{
#if defined(RJ_VF_GETEXP)
    *e = RJ_VF_GETEXP(x);
    return RJ_VF_GETMANT(x);
#else
    const M tiny = F(lt)(x, K(MIN_NORMAL));
    const U ix = F(asuint)(F(select)(tiny, x * K(TWO_MANT), x));
    *e = F(fromuint)(TWO_MANT_BITS | (ix >> MANT)) - K(TWO_MANT + BIAS) - F(select)(tiny, K(MANT), K(0.0));
    return F(fromuint)((ix & MANTMASK) | ONE_BITS);
#endif
}

/* +-0, +inf and NaN (quietened) of cbrt|x| for a = |x|: CBRTF_CLASSES' nibbles (simd.h's FIXUP) */
#define CBRTF_CLASSES 0x00500822

/* cbrt|x| = cbrt(m 2^r) 2^q for |x| = m 2^(3q + r), r in {0, 1, 2}: y0 = P(m) cbrt(2^r) to
 * 2^-16.5 (P of degree 4 in m - 1.5, fitted here by Lawson's minimax, 2^-16.7 relative), then
 * one Newton step y0 + (u - y0^3) / (3 y0^2), u = m 2^r, with y0^3 as a double-float so that
 * u - y0^3 is exact but for y0 times the low part of y0^2: the step leaves 2^-32, and its sum
 * with y0 rounds once. Scaling by 2^q is exact (|q| <= 50). x's sign. */
RJ_INLINE V F(cbrt)(V x)
{
    const V a = F(abs)(x);
    V e, sl, cl;
    const V m = F(vm_split)(a, &e);
    const V q = F(floor)(e * K(0x1.555556p-2f));              /* e / 3 rounded up a hair: floor is exact */
    const V r = F(fma)(q, K(-3.0), e);
    const V u = F(select_eq)(r, K(1.0), m + m, F(select_eq)(r, K(2.0), K(4.0) * m, m));
    const V c = F(select_eq)(r, K(1.0), K(0x1.428a3p+0f), F(select_eq)(r, K(2.0), K(0x1.965feap+0f), K(1.0)));
    const V t = m - K(1.5);
    V p = MLA(K(-0x1.5b7778p-7f), t, 0x1.701c92p-6f);
    p = MLA(p, t, -0x1.cda512p-5f);
    p = MLA(p, t, 0x1.0462d6p-2f);
    p = MLA(p, t, 0x1.250bbcp+0f);
    const V y0 = p * c;
    const V sh = F(vm_two_prod)(y0, y0, &sl);
    const V ch = F(vm_two_prod)(y0, sh, &cl);
    const V d = ((u - ch) - F(fma)(y0, sl, cl)) / (K(3.0) * sh);
#if defined(RJ_VF_SCALEF)
    const V y = RJ_VF_FIXUP(RJ_VF_SCALEF(y0 + d, q), a, CBRTF_CLASSES);
#else
    V y = (y0 + d) * POW2(F(asuint)(q + K(SHIFTER)) - SHIFTER_BITS);
    /* +-0 and inf themselves; a + a: a denormal taken for a zero (MXCSR.DAZ) gives +0, as FIXUP's */
    y = F(select)(F(eq)(a, K(0.0)) | F(eq)(a, K(INF)), a + a, y);
    y = F(select_ne)(a, a, a + a, y);
#endif
    return F(copysign)(y, x);
}

#undef LN2F_HI
#undef LN2F_LO
#undef CBRTF_CLASSES
