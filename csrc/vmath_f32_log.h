/* vmath_f32_log.h (part of vmath_fbody.h) - the float cores of vmath_log.h's functions: log,
 * log1p, log2, log10, arcsinh, arccosh, arctanh.
 *
 * As vmath_log.h, each is log(u) + c for some u and a small c, on one core, the same at RJ_VM_LEVEL_ONE
 * and RJ_VM_LEVEL_FOUR (a cheaper core at 4 ULP was slower than this one): x = z 2^e, z in [3/4, 3/2),
 * c_i ~ 1/z to 5 bits from a table of 16, so r = z c_i - 1 is exact and small (|r| < 1/16), and
 * log_b x = e log_b 2 - log_b c_i (a head and a tail from tables) + a cubic in r: no division and no
 * double-float arithmetic on the argument.
 * arcsinh, arccosh and arctanh take the log of u rounded, corrected by c = du / u from exact
 * residuals (one or two divisions, no double-float arithmetic on the argument).
 */
#define LN2F_HI 0x1.62e4p-1              /* ln 2 to 15 bits: e times it is exact */
#define LN2F_LO 0x1.7f7d1cp-20

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

/* The table core (the logarithms' at RJ_VM_LEVEL_ONE and FOUR, pow's at every level): x = z 2^e, z in [3/4, 3/2)
 * and in the i-th sixteenth of that octave; c_i = 1/z to 5 bits (1 in the two sixteenths beside
 * 1), so that r = z c_i - 1 is exact (|r| < 1/16), and log_b x = e log_b(2) - log_b(c_i) +
 * log_b(1 + r), log_b(1 + r) = C r + r^2 C Q(r) (C = 1/ln b), Q of degree 3 (fitted here, 2^-27.8
 * of log(1 + r)). e log_b(2)'s head plus -log_b(c_i)'s (on 2^-16) is exact, and its sum with C r
 * (two parts unless C = 1) is summed without error; the rest, below 2^-5 of the result, in float:
 * about 0.52 ULP. */
#ifndef RJ_VM_LOGF16_TABLES
#  define RJ_VM_LOGF16_TABLES
static const float rj_vm_logf_c[16] __attribute__((aligned(64))) = {
    0x1p+0f, 0x1.dp-1f, 0x1.cp-1f, 0x1.ap-1f, 0x1.9p-1f, 0x1.8p-1f, 0x1.7p-1f, 0x1.6p-1f, 0x1.5p+0f,
    0x1.4p+0f, 0x1.3p+0f, 0x1.3p+0f, 0x1.2p+0f, 0x1.1p+0f, 0x1.1p+0f, 0x1p+0f};
/* -log_b(c_i) = head + tail for b = e, 2, 10 */
static const float rj_vm_logf_head[3][16] __attribute__((aligned(64))) = {
    {0.0f, 0x1.933p-4f, 0x1.1178p-3f, 0x1.a94p-3f, 0x1.f99p-3f, 0x1.2698p-2f, 0x1.522cp-2f, 0x1.7fbp-2f,
     -0x1.1674p-2f, -0x1.c9p-3f, -0x1.5ffp-3f, -0x1.5ffp-3f, -0x1.e27p-4f, -0x1.f0ap-5f, -0x1.f0ap-5f,
     0.0f},
    {0.0f, 0x1.22d8p-3f, 0x1.8a88p-3f, 0x1.32cp-2f, 0x1.6cbp-2f, 0x1.a9p-2f, 0x1.e7ep-2f, 0x1.14c6p-1f,
     -0x1.91bcp-2f, -0x1.49a8p-2f, -0x1.fbcp-3f, -0x1.fbcp-3f, -0x1.5cp-3f, -0x1.664p-4f, -0x1.664p-4f,
     0.0f},
    {0.0f, 0x1.5e4p-5f, 0x1.db2p-5f, 0x1.716p-4f, 0x1.b72p-4f, 0x1.ffcp-4f, 0x1.25b8p-3f, 0x1.4d4p-3f,
     -0x1.e3cp-4f, -0x1.8cfp-4f, -0x1.31bp-4f, -0x1.31bp-4f, -0x1.a3p-5f, -0x1.af4p-6f, -0x1.af4p-6f, 0.0f}};
static const float rj_vm_logf_tail[3][16] __attribute__((aligned(64))) = {
    {0.0f, 0x1.797566p-18f, 0x1.d044fcp-20f, -0x1.2c3752p-19f, 0x1.c6cb3cp-19f, -0x1.deecb2p-18f,
     -0x1.1f8c76p-18f, -0x1.7109fap-20f, -0x1.cababap-18f, 0x1.070cacp-20f, -0x1.83853cp-18f,
     -0x1.83853cp-18f, -0x1.db8abcp-22f, -0x1.86008cp-20f, -0x1.86008cp-20f, 0.0f},
    {0.0f, 0x1.6e155ap-18f, 0x1.80abfcp-19f, -0x1.1c8f12p-22f, 0x1.ed0cbap-19f, -0x1.a39fbep-20f,
     -0x1.40358ep-19f, -0x1.3e032ep-18f, 0x1.5db83ap-20f, 0x1.ed0cbap-20f, -0x1.6b9026p-19f,
     -0x1.6b9026p-19f, -0x1.a39fbep-19f, 0x1.20a6dep-21f, 0x1.20a6dep-21f, 0.0f},
    {0.0f, -0x1.a65206p-19f, -0x1.c25132p-18f, -0x1.798e4cp-19f, 0x1.cd1716p-20f, -0x1.ea21c4p-23f,
     0x1.410ad8p-18f, 0x1.fc13aep-18f, 0x1.f2a79p-19f, -0x1.838864p-20f, -0x1.82ae24p-19f,
     -0x1.82ae24p-19f, -0x1.53ac14p-18f, -0x1.f92bp-18f, -0x1.f92bp-18f, 0.0f}};
#endif
#define LOGF_OFF 0x3f400000u

/* tab[i] for i the low 4 bits of each lane: on AVX-512 one vpermps, on AVX2 two and a blend,
 * elsewhere a load a lane */
RJ_INLINE V F(vm_logf_lookup)(const float *tab, U i)
{
#if RJ_VM_VEC && defined(RJ_ISA_AVX512)
    V r;
    __asm__("vpermps %2, %1, %0" : "=v"(r) : "v"(i), "m"(*(const V *)tab));
    return r;
#elif RJ_VM_VEC && defined(RJ_ISA_AVX2)
    V lo, hi;
    __asm__("vpermps %2, %1, %0" : "=x"(lo) : "x"(i), "m"(*(const V *)tab));
    __asm__("vpermps %2, %1, %0" : "=x"(hi) : "x"(i), "m"(*(const V *)(tab + 8)));
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

/* x = z 2^e for a positive finite x (denormals too), z in [3/4, 3/2) exact, e as a float, and *i
 * holding z's sixteenth of that octave in its low 4 bits (z's bits from the 19th: 8-15 below 1,
 * 0-7 above; adding 1/4 to the bits carries into the exponent from 3/2 on) */
RJ_INLINE V F(vm_logf_tsplit)(V x, V *e, U *i)
{
#if defined(RJ_VF_GETEXP)
    const V z = __builtin_ia32_getmantps512_mask(x, 7, x, RJ_ALL16, 4);   /* interval 3: [3/4, 3/2) */
    *e = RJ_VF_GETEXP(x) - RJ_VF_GETEXP(z);
#else
    const M tiny = F(lt)(x, K(MIN_NORMAL));
    const U ix = F(asuint)(F(select)(tiny, x * K(TWO_MANT), x)) + (ONE_BITS - LOGF_OFF);
    *e = F(fromuint)(TWO_MANT_BITS | (ix >> MANT)) - K(TWO_MANT + BIAS) - F(select)(tiny, K(MANT), K(0.0));
    const V z = F(fromuint)((ix & MANTMASK) + LOGF_OFF);
#endif
    *i = F(asuint)(z) >> 19;
    return z;
}

/* r = z c_i - 1, exact (without FMA: z's last 5 bits apart, so that both products are exact) */
RJ_INLINE V F(vm_logf_r)(V z, V c)
{
#if RJ_HAS_FMA
    return F(fma)(z, c, K(-1.0));
#else
    const V zh = F(fromuint)(F(asuint)(z) & 0xffffffe0u);
    return (zh * c - K(1.0)) + (z - zh) * c;
#endif
}

/* log_b(z 2^e) + c from r = z c_i - 1, for the base's row b of the tables, e2h + e2l = log_b(2) (e e2h exact),
 * ch + cl = 1/ln b, C Q's coefficients q3..q0 */
RJ_INLINE V F(vm_logf_tab)(V r, V e, U i, V c, int b, T e2h, T e2l, T ch, T cl, T q3, T q2, T q1, T q0)
{
    V tl = K(0.0), sl;
    const V th = ch == 1.0f ? r : F(vm_two_prod)(r, K(ch), &tl);
    const V a = (e2h == 1.0f ? e : e * K(e2h)) + F(vm_logf_lookup)(rj_vm_logf_head[b], i);
    const V s = F(vm_fast_two_sum)(a, th, &sl);     /* a = 0, or |a| >= 0.026 > |th| */
    V lo = F(fma)(e, K(e2l), F(vm_logf_lookup)(rj_vm_logf_tail[b], i) + c) + sl;
    if (ch != 1.0f)
        lo = F(fma)(r, K(cl), lo + tl);
    const V q = MLA(MLA(MLA(K(q3), r, q2), r, q1), r, q0);
    return s + F(fma)(r * r, q, lo);
}

/* log(u) + c + extra_e ln 2 for u > 0, c small (-0 for c or extra_e adds nothing, and folds away) */
RJ_INLINE V F(vm_logf_of)(V u, V c, V extra_e)
{
    V e;
    U i;
    const V z = F(vm_logf_tsplit)(u, &e, &i);
    const V r = F(vm_logf_r)(z, F(vm_logf_lookup)(rj_vm_logf_c, i));
    return F(vm_logf_special)(u, F(vm_logf_tab)(r, e + extra_e, i, c, 0, LN2F_HI, LN2F_LO, 1.0f, 0.0f,
                                                 0x1.88a45cp-3f, -0x1.005096p-2f, 0x1.555872p-2f, -0x1.fffff8p-2f));
}

RJ_INLINE V F(log)(V x) { return F(vm_logf_of)(x, K(-0.0), K(-0.0)); }

RJ_INLINE V F(log2)(V x)
{
    V e;
    U i;
    const V z = F(vm_logf_tsplit)(x, &e, &i);
    return F(vm_logf_special)(x, F(vm_logf_tab)(F(vm_logf_r)(z, F(vm_logf_lookup)(rj_vm_logf_c, i)), e, i, K(-0.0), 1, 1.0f, -0.0f, 0x1.715476p+0f, 0x1.4ae0cp-26f,
                                                0x1.1b3b3ap-2f, -0x1.71c8b8p-2f, 0x1.ec751cp-2f, -0x1.71547p-1f));
}

RJ_INLINE V F(log10)(V x)
{
    V e;
    U i;
    const V z = F(vm_logf_tsplit)(x, &e, &i);
    return F(vm_logf_special)(x, F(vm_logf_tab)(F(vm_logf_r)(z, F(vm_logf_lookup)(rj_vm_logf_c, i)), e, i, K(-0.0), 2, 0x1.344p-2f, 0x1.3509f8p-18f, 0x1.bcb7b2p-2f,
                                                -0x1.5b235ep-27f, 0x1.550b66p-4f, -0x1.bd43aep-4f, 0x1.287d2ap-3f,
                                                -0x1.bcb7aap-3f));
}

/* log1p x = log(u) + err/u, u = 1 + x rounded and err what it lacks (a fast two-sum, the larger
 * of 1 and x first). For |x| < 1/32 (where c_i = 1 and e = 0) r is x itself and err/u is 0: no
 * rounding of err/u where it is as large as the result. */
RJ_INLINE V F(log1p)(V x)
{
    V e, err;
    U i;
    const V u = F(vm_fast_two_sum)(F(max)(K(1.0), x), F(min)(K(1.0), x), &err);
    const V z = F(vm_logf_tsplit)(u, &e, &i);
    const V ax = F(abs)(x);
    const V r = F(select_lt)(ax, K(0x1p-5), x, F(vm_logf_r)(z, F(vm_logf_lookup)(rj_vm_logf_c, i)));
    const V du = F(select_lt)(ax, K(0x1p-5), K(0.0), err / u);
    const V y = F(vm_logf_tab)(r, e, i, du, 0, LN2F_HI, LN2F_LO, 1.0f, 0.0f, 0x1.88a45cp-3f, -0x1.005096p-2f,
                               0x1.555872p-2f, -0x1.fffff8p-2f);
    return F(select_eq)(x, K(0.0), x, F(vm_logf_special)(u, y));      /* -0 itself */
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

#undef LOGF_OFF
#undef LN2F_HI
#undef LN2F_LO
#undef LOGF_CLASSES
