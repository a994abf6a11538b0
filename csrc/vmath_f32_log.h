/* vmath_f32_log.h (part of vmath_fbody.h) - the float cores of vmath_log.h's functions: log,
 * log1p, log2, log10, arcsinh, arccosh, arctanh.
 *
 * As vmath_log.h, each is log(u) + c for some u and a small c, on one core: u = 2^e (1 + f),
 * 1 + f in [sqrt(1/2), sqrt 2) (adding 1 - sqrt(1/2) to the bits carries into the exponent
 * exactly when the mantissa is >= sqrt(1/2)'s; denormals are scaled first). log(1 + f) =
 * f - f^2/2 + f^3 P(f) with no division: f^2/2 exact as two floats, f - f^2/2 and e ln 2 + that
 * summed without error (vmath_dd.h), so that only f^3 P, and the last rounding, carry errors.
 * RJ_VM_LEVEL_FOUR has a core without the error-free sums (within 1.3 ULP with FMA, 2.3 without).
 * arcsinh, arccosh and arctanh take the log of u rounded, corrected by c = du / u from exact
 * residuals (one or two divisions, no double-float arithmetic on the argument).
 */
#define LN2F_HI 0x1.62e4p-1              /* ln 2 to 15 bits: e times it is exact */
#define LN2F_LO 0x1.7f7d1cp-20

typedef struct { V e, hi, lo; } F(vm_logf_t);   /* log u = e ln2 + hi + lo, |lo| << |hi| */

/* x = (1 + f) 2^e for a positive finite x (denormals too), 1 + f in [sqrt(1/2), sqrt 2): f,
 * exact, and e as a float. A mantissa from SQRT2F on is halved into the octave below. */
#define SQRT2F 0x1.6a09e6p+0f             /* 2 float(sqrt(1/2)), the bits of SQRTH_BITS doubled */
RJ_INLINE V F(vm_logf_split)(V x, V *e)
{
#if defined(RJ_VF_GETEXP)
    const V m = RJ_VF_GETMANT(x), k = RJ_VF_GETEXP(x);
    *e = F(select_ge)(m, K(SQRT2F), k + K(1.0), k);
    return F(select_ge)(m, K(SQRT2F), m * K(0.5), m) - K(1.0);
#else
    const M tiny = F(lt)(x, K(MIN_NORMAL));
    const V xs = F(select)(tiny, x * K(TWO_MANT), x);
    /* adding 1 - sqrt(1/2) to the bits carries into the exponent from SQRT2F on */
    const U ix = F(asuint)(xs) + (ONE_BITS - SQRTH_BITS);
    /* e as a float without an int -> float conversion: 2^23 + biased exponent, minus both */
    *e = F(fromuint)(TWO_MANT_BITS | (ix >> MANT)) - K(TWO_MANT + BIAS) - F(select)(tiny, K(MANT), K(0.0));
    return F(fromuint)((ix & MANTMASK) + SQRTH_BITS) - K(1.0);
#endif
}

/* P of degree 7 fitted here (Lawson's minimax on [sqrt(1/2) - 1, sqrt 2 - 1], error 2^-27.4 of
 * log(1 + f)) */
RJ_INLINE F(vm_logf_t) F(vm_logf_parts)(V x)
{
    F(vm_logf_t) p;
    const V f = F(vm_logf_split)(x, &p.e);
    V q = MLA(K(-0.0763443783f), f, 0.127615631f);
    q = MLA(q, f, -0.131601974f);
    q = MLA(q, f, 0.142017603f);
    q = MLA(q, f, -0.166233554f);
    q = MLA(q, f, 0.200012267f);
    q = MLA(q, f, -0.250008225f);
    q = MLA(q, f, 0.333333313f);
    V zl, hl;
    const V zh = F(vm_two_prod)(f, f, &zl);
    p.hi = F(vm_fast_two_sum)(f, K(-0.5) * zh, &hl);      /* |f| >= f^2/2 */
    p.lo = hl + F(fma)(zh * f, q, K(-0.5) * zl);
    return p;
}

/* e ln2 + hi + lo + c: |e ln2| >= 0.69 > |hi| unless e = 0 */
RJ_INLINE V F(vm_logf_sum)(F(vm_logf_t) p, V c)
{
    V yl;
    const V yh = F(vm_fast_two_sum)(p.e * K(LN2F_HI), p.hi, &yl);
    return yh + (yl + (p.lo + F(fma)(p.e, K(LN2F_LO), c)));
}

/* y for a positive finite u; +inf -> inf, NaN -> itself quietened, +-0 -> -inf, below 0 -> the
 * default NaN (on AVX-512 one fix-up by u's class: LOGF_CLASSES' nibbles, simd.h's FIXUP) */
#define LOGF_CLASSES 0x03530422
RJ_INLINE V F(vm_logf_special)(V u, V y)
{
#if defined(RJ_VF_FIXUP)
    return RJ_VF_FIXUP(y, u, LOGF_CLASSES);
#else
    y = F(select_lt)(u, K(INF), y, u + u);
    y = F(select_eq)(u, K(0.0), K(-INF), y);
    return F(select_lt)(u, K(0.0), K(NAN_), y);
#endif
}

#if RJ_VM_LEVEL == RJ_VM_LEVEL_FOUR
/* RJ_VM_LEVEL_FOUR: no error-free sums. log(1 + f) = f + f^2 Q(f), log_b(1 + f) = C f + f P(f)
 * (C = 1/ln b rounded), fitted here as vm_logf_parts' P (relative errors 2^-25.0 and 2^-25.2),
 * then e log_b(2) + that in two roundings. */
#define LOGF4_Q(f) MLA(MLA(MLA(MLA(MLA(MLA(MLA(K(0x1.65e246p-4f), f, -0x1.250268p-3f), f, 0x1.317da0p-3f), f, \
    -0x1.535ca0p-3f), f, 0x1.98d398p-3f), f, -0x1.0004a6p-2f), f, 0x1.5556f0p-2f), f, -0x1.fffffap-2f)
#define LOGF4_P8(f, c8, c7, c6, c5, c4, c3, c2, c1, c0) \
    MLA(MLA(MLA(MLA(MLA(MLA(MLA(MLA(K(c8), f, c7), f, c6), f, c5), f, c4), f, c3), f, c2), f, c1), f, c0)

/* log(u) + c + extra_e ln 2 for u > 0, c small */
RJ_INLINE V F(vm_logf_of)(V u, V c, V extra_e)
{
    V e;
    const V f = F(vm_logf_split)(u, &e);
    e = e + extra_e;
    const V t = F(fma)(f * f, LOGF4_Q(f), F(fma)(e, K(LN2F_LO), c));
    return F(vm_logf_special)(u, F(fma)(e, K(LN2F_HI), f + t));
}

RJ_INLINE V F(log)(V x) { return F(vm_logf_of)(x, K(0.0), K(0.0)); }

RJ_INLINE V F(log2)(V x)
{
    V e;
    const V f = F(vm_logf_split)(x, &e);
    const V p = LOGF4_P8(f, 0x1.01eb5ep-3f, -0x1.a88bdep-3f, 0x1.b9b996p-3f, -0x1.e957dep-3f, 0x1.26d438p-2f,
                         -0x1.715c78p-2f, 0x1.ec73d2p-2f, -0x1.715470p-1f, -0x1.3646d4p-26f);
    return F(vm_logf_special)(x, e + F(fma)(f, K(0x1.715476p+0f), f * p));
}

RJ_INLINE V F(log10)(V x)
{
    V e;
    const V f = F(vm_logf_split)(x, &e);
    const V p = LOGF4_P8(f, 0x1.367fccp-5f, -0x1.ff3592p-5f, 0x1.09f672p-4f, -0x1.269dbap-4f, 0x1.6301ecp-4f,
                         -0x1.bcc142p-4f, 0x1.287c66p-3f, -0x1.bcb7aap-3f, -0x1.6e936ap-26f);
    const V y = F(fma)(f, K(0x1.bcb7b2p-2f), F(fma)(f, p, e * K(0x1.3509f8p-18f)));
    return F(vm_logf_special)(x, F(fma)(e, K(0x1.344p-2f), y));
}
#undef LOGF4_Q
#undef LOGF4_P8
#else
RJ_INLINE V F(log)(V x) { return F(vm_logf_special)(x, F(vm_logf_sum)(F(vm_logf_parts)(x), K(0.0))); }

/* log(u) + c + extra_e ln 2 for u > 0, c small */
RJ_INLINE V F(vm_logf_of)(V u, V c, V extra_e)
{
    F(vm_logf_t) p = F(vm_logf_parts)(u);
    p.e = p.e + extra_e;
    return F(vm_logf_special)(u, F(vm_logf_sum)(p, c));
}

/* log2 and log10: e log_b(2) + (hi + lo) log_b(e), the product with log_b(e) = ch + cl as a
 * double-float, e log_b(2) too (its head of 15 bits, e times it exact) */
RJ_INLINE V F(vm_logf_base)(V x, T e2h, T e2l, T ch, T cl)
{
    const F(vm_logf_t) p = F(vm_logf_parts)(x);
    V pl, wl;
    const V ph = F(vm_two_prod)(p.hi, K(ch), &pl);
    const V wh = F(vm_fast_two_sum)(p.e * K(e2h), ph, &wl);   /* |e log_b 2| >= |ph| unless e = 0 */
    V small = F(fma)(p.hi, K(cl), p.lo * K(ch));
    if (e2l != 0.0f)                                              /* (log2's e log_2 2 is exact) */
        small = small + p.e * K(e2l);
    const V lo = wl + (pl + small);
    return F(vm_logf_special)(x, wh + lo);
}

RJ_INLINE V F(log2)(V x) { return F(vm_logf_base)(x, 1.0f, 0.0f, 0x1.715476p+0f, 0x1.4ae0cp-26f); }
RJ_INLINE V F(log10)(V x)
{
    return F(vm_logf_base)(x, 0x1.344p-2f, 0x1.3509f8p-18f, 0x1.bcb7b2p-2f, -0x1.5b235ep-27f);
}
#endif

/* log(1 + th + tl): u = 1 + th rounded, log(u) corrected by what u lacks, over u (th >= -1: the
 * larger of 1 and th is the larger in magnitude; extra_e -0 adds nothing, and folds away) */
RJ_INLINE V F(vm_log1pf_dd)(V th, V tl)
{
    V err;
    const V u = F(vm_fast_two_sum)(F(max)(K(1.0), th), F(min)(K(1.0), th), &err);
    return F(vm_logf_of)(u, (err + tl) / u, K(-0.0));
}

RJ_INLINE V F(log1p)(V x)
{
    return NAN_IN(x, F(select_lt)(F(abs)(x), K(0x1p-25), x, F(vm_log1pf_dd)(x, K(0.0))));
}

/* u = b + s rounded, s = sqrt(w + ew) (w rounded, ew what it lacks), and *c = du / u, du what u
 * lacks: the rounding of b + s (exact by a fast two-sum, the larger of b and s first: s_first)
 * and s's own, rho / 2s for rho = w + ew - s^2 (w - s^2 exact from s^2 as a double-float).
 * log(u) + c is log(b + sqrt(w + ew)) with one division. */
RJ_INLINE V F(vm_root_sum)(V b, V w, V ew, int s_first, V *c)
{
    V sl2, eu;
    const V s = F(sqrt)(w);
    const V sh2 = F(vm_two_prod)(s, s, &sl2);
    const V rho = ((w - sh2) - sl2) + ew;
    const V u = s_first ? F(vm_fast_two_sum)(s, b, &eu) : F(vm_fast_two_sum)(b, s, &eu);
    const V s2 = s + s;
    *c = F(fma)(s2, eu, rho) / (s2 * u);
    return u;
}

/* arcsinh|x| = log(2|x|) past 2^12, below log(|x| + sqrt(x^2 + 1)) as vm_root_sum's, x^2 + 1 =
 * w + ew exactly (1 - w is exact below 2^24, and so the rounding error of w = x^2 + 1) */
RJ_INLINE V F(arcsinh)(V x)
{
    const V a = F(abs)(x);
    const M big = F(gt)(a, K(0x1p12));
    V a2l, c;
    const V a2h = F(vm_two_prod)(a, a, &a2l);
    const V w = a2h + K(1.0);
    const V u = F(vm_root_sum)(a, w, ((K(1.0) - w) + a2h) + a2l, 1, &c);
    if (!F(vm_any)(MF(not)(F(ge)(a, K(0x1p-12)) & F(le)(a, K(0x1p12)))))   /* no lane needs a select */
        return F(copysign)(F(vm_logf_of)(u, c, K(-0.0)), x);
    V y = F(vm_logf_of)(F(select)(big, a, u), F(select)(big, K(0.0), c), F(select)(big, K(1.0), K(0.0)));
    y = F(select_lt)(a, K(0x1p-12), a, y);
    return NAN_IN(x, F(copysign)(y, x));
}

/* arccosh x = log(2x) past 2^12, below log(x + sqrt(x^2 - 1)) as vm_root_sum's, x^2 - 1 = w + ew
 * exactly (x^2 - w is exact by Sterbenz); 0 at 1, NaN below. */
RJ_INLINE V F(arccosh)(V x)
{
    const M big = F(gt)(x, K(0x1p12));
    V x2l, c;
    const V x2h = F(vm_two_prod)(x, x, &x2l);
    const V w = x2h - K(1.0);
    const V u = F(vm_root_sum)(x, w, ((x2h - w) - K(1.0)) + x2l, 0, &c);
    if (!F(vm_any)(MF(not)(F(gt)(x, K(1.0)) & F(le)(x, K(0x1p12)))))        /* no lane needs a select */
        return F(vm_logf_of)(u, c, K(-0.0));
    c = F(select)(big | F(le)(w, K(0.0)), K(0.0), c);            /* (0 / 0 at x = 1) */
    const V y = F(vm_logf_of)(F(select)(big, x, u), c, F(select)(big, K(1.0), K(0.0)));
    return NAN_IN(x, F(select_lt)(x, K(1.0), K(NAN_), y));
}

/* arctanh|x| = log(u) / 2, u = (1 + |x|) / (1 - |x|) rounded, corrected by c = du / u: the
 * numerator n + en and the denominator d + ed exact (two-sums), du = (n + en - u (d + ed)) / d
 * from u d as a double-float; +-inf at +-1, NaN beyond; |x| < 2^-12 gives x. */
RJ_INLINE V F(arctanh)(V x)
{
    const V a = F(abs)(x);
    const V n = K(1.0) + a, en = (K(1.0) - n) + a;
    const V d = K(1.0) - a, ed = (K(1.0) - d) - a;
    const V u = n / d;
    V pe;
    const V p = F(vm_two_prod)(u, d, &pe);
    const V r = (((n - p) - pe) + en) - u * ed;
    V y = K(0.5) * F(vm_logf_of)(u, r / n, K(-0.0));
    if (!F(vm_any)(MF(not)(F(ge)(a, K(0x1p-12)) & F(lt)(a, K(1.0)))))        /* no lane needs a select */
        return F(copysign)(y, x);
    y = F(select_lt)(a, K(0x1p-12), a, y);
    return NAN_IN(x, F(select_gt)(a, K(1.0), K(NAN_), F(copysign)(y, x)));
}

#undef LN2F_HI
#undef LN2F_LO
#undef LOGF_CLASSES
#undef SQRT2F
