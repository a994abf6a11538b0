/* vmath_pow.h (part of vmath_body.h) - pow, powi and cbrt; the float cores vmf_pow, vmf_cbrt.
 *
 * double pow: e^(y log|x|) with log|x| to about 2^-68 relative and y log|x| as a double-double,
 * because exp turns the absolute error of its argument (up to 745) into the relative error of
 * the result (with the log to 2^-64, as before c0 s^5 below was summed exactly, pow was off by
 * up to 0.85 ULP at the ends of its range). log(1 + f) = 2 atanh s = 2s + 2s^3/3 + s^5 P(s^2),
 * s = f / (2 + f): s as hi + lo, the first three terms in double-double, the rest of P in double
 * (P fitted here, Remez: 2^-72 relative to the log). At the 1-ULP level the log comes from a
 * table of 32 instead (no division) and the exp from vmath_exp.h's table core.
 */

#if RJ_VM_LEVEL != RJ_VM_LEVEL_HALF
/* The 1-ULP level's log|x| for pow, without a division: x = 2^e z, z in [0.711, 1.422) split
 * into 32 intervals of equal width in z's bits (i: z's top 5 bits past 0x3fe6c...), the one of
 * 1.0 centred on it; c_i their centres (1 for 1.0's), and tables of 1/c_i (invc) and log c_i as
 * hi + tail. log x = e ln2 + log c + log1p(rho), rho = z invc - 1 = r + rl exactly (z invc as a
 * double-double, r = z invc - 1 rounding nothing: |r| <= 2^-6), log1p(rho) = r - r^2/2 +
 * r^3 P(r) + rl / (1 + r) (P: 1/3 - r/4 + ... + r^8/11, the series: 2^-69 relative), e ln2 +
 * log c + r - r^2/2 summed as double-doubles: 2^-66 of log x (log x = rho where c = 1). */
#  ifndef RJ_VM_LOG32_TABLES
#    define RJ_VM_LOG32_TABLES
static const double rj_vm_log32_invc[32] __attribute__((aligned(64))) = {
    0x1.642c8590b2164p+0, 0x1.5c9882b931057p+0, 0x1.5555555555555p+0, 0x1.4e5e0a72f0539p+0,
    0x1.47ae147ae147bp+0, 0x1.4141414141414p+0, 0x1.3b13b13b13b14p+0, 0x1.3521cfb2b78c1p+0,
    0x1.2f684bda12f68p+0, 0x1.29e4129e4129ep+0, 0x1.2492492492492p+0, 0x1.1f7047dc11f70p+0,
    0x1.1a7b9611a7b96p+0, 0x1.15b1e5f75270dp+0, 0x1.1111111111111p+0, 0x1.0c9714fbcda3bp+0,
    0x1.0842108421084p+0, 0x1.0410410410410p+0, 0x1.0000000000000p+0, 0x1.f07c1f07c1f08p-1,
    0x1.e1e1e1e1e1e1ep-1, 0x1.d41d41d41d41dp-1, 0x1.c71c71c71c71cp-1, 0x1.bacf914c1bad0p-1,
    0x1.af286bca1af28p-1, 0x1.a41a41a41a41ap-1, 0x1.999999999999ap-1, 0x1.8f9c18f9c18fap-1,
    0x1.8618618618618p-1, 0x1.7d05f417d05f4p-1, 0x1.745d1745d1746p-1, 0x1.6c16c16c16c17p-1};
static const double rj_vm_log32_logc[32] __attribute__((aligned(64))) = {
    -0x1.522ae0738a3d7p-2, -0x1.3c25277333183p-2, -0x1.269621134db91p-2, -0x1.1178e8227e47ap-2,
    -0x1.f991c6cb3b37ap-3, -0x1.d1037f2655e7bp-3, -0x1.a93ed3c8ad9e5p-3, -0x1.823c16551a3c0p-3,
    -0x1.5bf406b543db0p-3, -0x1.365fcb0159014p-3, -0x1.1178e8227e47ap-3, -0x1.da7276384469ep-4,
    -0x1.9335e5d594988p-4, -0x1.4d3115d207eacp-4, -0x1.08598b59e3a06p-4, -0x1.894aa149fb34bp-5,
    -0x1.0415d89e74440p-5, -0x1.0205658935837p-6, 0x0.0p+0, 0x1.f829b0e7832f8p-6,
    0x1.f0a30c01162a8p-5, 0x1.6f0d28ae56b4ep-4, 0x1.e27076e2af2eap-4, 0x1.29552f81ff521p-3,
    0x1.5ff3070a793d6p-3, 0x1.9525a9cf456b6p-3, 0x1.c8ff7c79a9a20p-3, 0x1.fb9186d5e3e29p-3,
    0x1.1675cababa60fp-2, 0x1.2e8e2bae11d31p-2, 0x1.4618bc21c5ec2p-2, 0x1.5d1bdbf5809cap-2};
static const double rj_vm_log32_tail[32] __attribute__((aligned(64))) = {
    -0x1.3840b263acb43p-56, -0x1.152d81af5713ap-56, -0x1.e0efadd9db02ap-56, -0x1.b8ce2d07f1cb7p-56,
    -0x1.ecca0cdf30143p-58, 0x1.3f3adb7b71cbcp-58, -0x1.bcafa9de97202p-57, -0x1.6dcd318f4187ep-57,
    0x1.1f5b44c0df7f7p-61, -0x1.bea08d2dca256p-57, 0x1.0e63a5f01c693p-58, -0x1.401fa71733017p-58,
    0x1.478a85704ccb7p-58, -0x1.da7d0b1e10b2fp-60, 0x1.dd7009902bf32p-58, 0x1.2ba0b44cfaee5p-59,
    -0x1.c05cf1d753621p-59, -0x1.27c8e8416e717p-60, 0x0.0p+0, 0x1.33e3f04f1ef25p-60,
    0x1.85f325c5bbacdp-59, -0x1.20db323097324p-59, -0x1.61578001e015ap-60, 0x1.301771c407dc0p-57,
    -0x1.bc60efafc6f6cp-58, -0x1.26fb3e2b1d1dap-57, -0x1.4f689f8434011p-57, 0x1.355519b0de535p-57,
    0x1.ce63eab883727p-61, -0x1.1e99b72bd7bf2p-57, -0x1.7a42642661c62p-61, -0x1.7dc9c7c23801fp-56};
#  endif
#  define LOG32_OFF 0x3fe6c00000000000ull

/* tab[i] for each lane's i, the low 5 bits of iv's lanes (bit 4 also in high): on AVX-512 two
 * vpermi2pd over the table's four vectors and a blend, elsewhere a load a lane */
RJ_INLINE V F(vm_lookup32)(const double *tab, U iv, M high)
{
#  if RJ_VM_VEC && defined(RJ_ISA_AVX512)
    V lo = F(fromuint)(iv), hi = lo;
    __asm__("vpermi2pd %2, %1, %0" : "+v"(lo) : "v"(F(load)(tab)), "v"(F(load)(tab + 8)));
    __asm__("vpermi2pd %2, %1, %0" : "+v"(hi) : "v"(F(load)(tab + 16)), "v"(F(load)(tab + 24)));
    (void)high;            /* bit 4 of iv straight into a mask register: one blend */
    return KM_SEL(KM_BITS(iv, 16), hi, lo);
#  elif RJ_VM_VEC
    (void)high;
    V r;
    for (int l = 0; l < LANES; l++)
        r[l] = tab[iv[l] & 31];
    return r;
#  else
    (void)high;
    return tab[iv & 31];
#  endif
}

/* log|x| = hi + *lo for positive finite x (denormals too), as described above */
RJ_INLINE V F(vm_log_dd)(V x, V *lo)
{
#  if RJ_VM_VEC && defined(RJ_VD_GETEXP)   /* AVX-512: the same e and z, denormals too */
    const V m = RJ_VD_GETMANT(x), k = RJ_VD_GETEXP(x);
    const V e = F(select_ge)(m, K(0x1.6cp+0), k + K(1.0), k);   /* 2 LOG32_OFF on: the octave below */
    const V z = F(select_ge)(m, K(0x1.6cp+0), m * K(0.5), m);
    const U iv = (F(asuint)(z) + (ONE_BITS - LOG32_OFF)) >> (MANT - 5);
#  else
    const M tiny = F(lt)(x, K(MIN_NORMAL));
    const U ix = F(asuint)(F(select)(tiny, x * K(TWO_MANT), x)) + (ONE_BITS - LOG32_OFF);
    const V e = F(fromuint)(TWO_MANT_BITS | (ix >> MANT)) - K(TWO_MANT + BIAS) - F(select)(tiny, K(MANT), K(0.0));
    const V z = F(fromuint)((ix & MANTMASK) + LOG32_OFF);
    const U iv = ix >> (MANT - 5);
#  endif
    const M high = IMASK((iv & 16) != 0);
    const V invc = F(vm_lookup32)(rj_vm_log32_invc, iv, high);
    V rl, l1, l2, l3, l4;
    const V r = F(vm_two_prod)(z, invc, &rl) - K(1.0);                   /* exact */
    const V t1 = F(vm_fast_two_sum)(e * K(LN2_1), F(vm_lookup32)(rj_vm_log32_logc, iv, high), &l1);
    const V t2 = F(vm_fast_two_sum)(t1, r, &l2);
    const V ar2 = F(vm_two_prod)(r, K(-0.5) * r, &l3);                 /* -r^2/2 */
    const V hi = F(vm_fast_two_sum)(t2, ar2, &l4);
    const V r2 = r * r, r3 = r2 * r, r4 = r2 * r2;
    const V p01 = F(fma)(r, K(-0.25), K(1.0 / 3.0));
    const V p23 = F(fma)(r, K(-1.0 / 6.0), K(0.2));
    const V p45 = F(fma)(r, K(-0.125), K(1.0 / 7.0));
    const V p67 = F(fma)(r, K(-0.1), K(1.0 / 9.0));
    const V p = F(fma)(r4, F(fma)(r4, K(1.0 / 11.0), F(fma)(r2, p67, p45)), F(fma)(r2, p23, p01));
    /* rl / (1 + r) to 2^-77: rl (1 - r + r^2 - r^3) */
    const V small = F(fma)(e, K(LN2_2), F(vm_lookup32)(rj_vm_log32_tail, iv, high)) + F(fma)(rl, (r2 - r) - r3, rl);
    const V l = ((l1 + l2) + (l3 + l4)) + F(fma)(r3, p, small);
    return F(vm_fast_two_sum)(hi, l, lo);
}
#  undef LOG32_OFF
#else
/* log|x| = hi + *lo for positive finite x (denormals too) */
RJ_INLINE V F(vm_log_dd)(V x, V *lo)
{
    const M tiny = F(lt)(x, K(MIN_NORMAL));
    const V xs = F(select)(tiny, x * K(TWO_MANT), x);
    const U ix = F(asuint)(xs) + (ONE_BITS - SQRTH_BITS);
    const V e = F(fromuint)(TWO_MANT_BITS | (ix >> MANT)) - K(TWO_MANT + BIAS) - F(select)(tiny, K(MANT), K(0.0));
    const V f = F(fromuint)((ix & MANTMASK) + SQRTH_BITS) - K(1.0);
    /* s = f / (2 + f) as sh + sl, 2 + f = dh + dl exactly */
    V dl;
    const V dh = F(vm_fast_two_sum)(K(2.0), f, &dl);
    const V sh = f / dh;
    V pe;
    const V p = F(vm_two_prod)(sh, dh, &pe);
    const V sl = (((f - p) - pe) - sh * dl) / dh;
    /* s^3 = ch + cl, and 2/3 s^3 = th + tl */
    V zl, cl, tl;
    const V zh = F(vm_two_prod)(sh, sh, &zl);
    const V ch = F(vm_two_prod)(sh, zh, &cl);
    cl = cl + sh * zl;
    const V th = F(vm_two_prod)(ch, K(0x1.5555555555555p-1), &tl);      /* 2/3 = hi + 3.7e-17 */
    tl = tl + (K(0x1.5555555555555p-1) * cl + K(0x1.5555555555555p-55) * ch);
    /* P(z) = c0 + z Q(z): c0 s^5 (up to 2^-13 of the log) is summed as a double-double, so that
     * only s^7 Q carries rounding errors that matter (2^-71 of the log) */
    V q = MLA(K(0x1.e86c110327f4dp-4), zh, 0x1.de8c4b350b9c5p-4);
    q = MLA(q, zh, 0x1.111e4ba587de0p-3);
    q = MLA(q, zh, 0x1.3b1374a0dd64fp-3);
    q = MLA(q, zh, 0x1.745d17e643c98p-3);
    q = MLA(q, zh, 0x1.c71c71c637397p-3);
    q = MLA(q, zh, 0x1.249249249291bp-2);
    const V p_all = MLA(q, zh, 0x1.9999999999999p-2);
    V c5l, t5l;
    const V c5h = F(vm_two_prod)(ch, zh, &c5l);                        /* s^5 = c5h + c5l + ... */
    c5l = c5l + (ch * zl + cl * zh);
    const V t5h = F(vm_two_prod)(c5h, K(0x1.9999999999999p-2), &t5l);  /* c0 s^5 = t5h + t5l */
    t5l = t5l + K(0x1.9999999999999p-2) * c5l;
    /* the small terms: 2 sl (and its shares 2 s^2 sl of the cube and 5 s^4 P sl of s^5 P), tl,
     * t5l, s^7 Q */
    const V small = F(fma)(c5h * zh, q, tl + (K(2.0) * sl + sl * zh * F(fma)(K(5.0) * zh, p_all, K(2.0)))) + t5l;
    V l1, l2, l3;
    const V h1 = F(vm_fast_two_sum)(K(2.0) * sh, th, &l1);
    const V h1c = F(vm_fast_two_sum)(h1, t5h, &l3);
    /* e ln2 (ln2 = 6.93147180369123816490e-01 + 1.908e-10, e times the first exact) + h1c */
    const V h2 = F(vm_fast_two_sum)(e * K(6.93147180369123816490e-01), h1c, &l2);
    const V l = l2 + (l1 + (l3 + (small + e * K(1.90821492927058770002e-10))));
    return F(vm_fast_two_sum)(h2, l, lo);
}

#endif

/* x^y from r = |x|^y: the sign and the IEEE special cases (C99 Annex F). |x|^y already gives
 * the right 0 or inf for x = 0 or inf and for y = +-inf.
 *   y an odd integer, x negative (or -0, -inf): -|x|^y       x < 0 finite, y not an integer: NaN
 *   a NaN x or y: that NaN (x's first);                         pow(-1, +-inf) = 1
 *   pow(x, +-0) = 1 and pow(1, y) = 1, even for NaN */
RJ_INLINE V F(vm_pow_signs)(V x, V y, V r)
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

/* y log|x| as th + tl, clamped to [-760, 760] (past which the result is 0 or inf anyway), then
 * exp of the double-double. log 0 = -inf, log inf = inf and log NaN = NaN are set here. */
#if RJ_VM_VEC && defined(RJ_ISA_AVX512)
#  define POW_ORDINARY(x, y) (__builtin_ia32_cmppd512_mask(F(abs)(y), K(INF), 0x11, \
       __builtin_ia32_cmppd512_mask((x), K(INF), 0x11, __builtin_ia32_cmppd512_mask((x), K(0.0), 0x1e, \
       (unsigned char)-1, 4), 4), 4) == (unsigned char)-1)
#else
#  define POW_ORDINARY(x, y) !F(vm_any)(MF(not)(F(gt)((x), K(0.0)) & F(lt)((x), K(INF)) & F(lt)(F(abs)(y), K(INF))))
#endif
RJ_INLINE V F(pow)(V x, V y)
{
    const V ax = F(abs)(x);
    V ll;
    V lh = F(vm_log_dd)(ax, &ll);
    /* a vector of x > 0 finite and y finite only needs none of the special cases (the same bits) */
    const int ordinary = POW_ORDINARY(x, y);
    if (!ordinary)
        lh = F(select_eq)(ax, K(0.0), K(-INF), F(select_lt)(ax, K(INF), lh, ax));   /* inf, NaN */
    V te;
    const V th = F(vm_two_prod)(y, lh, &te);
    const V thc = F(min)(K(760.0), F(max)(K(-760.0), th));
    /* (log|x| = 0 exactly for x = +-1, where a y past 2^995 would make Dekker's te NaN) */
#if RJ_VM_VEC && defined(RJ_ISA_AVX512)   /* the same on mask registers: one blend */
    const V tl = KM_SEL(__builtin_ia32_cmppd512_mask(lh, K(0.0), 0x04, __builtin_ia32_cmppd512_mask(thc, th, 0x00,
                        (unsigned char)-1, 4), 4), te + y * ll, K(0.0));
#else
    const V tl = F(select)(F(eq)(thc, th) & F(ne)(lh, K(0.0)), te + y * ll, K(0.0));
#endif
#if RJ_VM_LEVEL == RJ_VM_LEVEL_HALF
    V r, small;
    const V t = F(vm_exp_k)(thc, tl, &r, &small, 1);
    const V ay = F(vm_exp_finish)(t, r, small);
#else   /* vmath_exp.h's table exp, e^(th + tl) = e^th (1 + tl) (|tl| < 2^-42: tl^2 is far below) */
    V head, small;
    const V t = F(vm_exp16_k)(thc, &head, &small, 0);
    const V ay = F(vm_exp16_scale)(head + F(fma)(head + small, tl, small), t);
#endif
    return ordinary ? ay : F(vm_pow_signs)(x, y, ay);
}
#undef POW_ORDINARY

/* x^k for the constants k = 0, 3, 4 and -2 (x^2, x^0.5, x^-1 and x^1 are x*x, sqrt, 1/x and x,
 * as numpy computes them): products as double-doubles hi + lo, rounded once. The products' error
 * terms are exact only well inside the normal range (Dekker's product without FMA overflows
 * near 2^1024 before the product does), so x is first scaled by an exact power of 2 into a safe
 * range, a tiny x up and a huge one down, and the result scaled back by back^2 (exact for a
 * normal result; 2^-600 wherever the result can be a denormal: x^3 and x^4 of a tiny x, x^-2 of
 * a huge one). A denormal result is rounded once, at the denormals' spacing, as vm_exp_finish
 * does: (hi + lo) 2^-600 = t 2^-1022 with t = (hi + lo) 2^422 < 1, rounded where 1 + t rounds.
 * Where a product is still not exact (overflow, underflow, zeros, inf, NaN) the plain products,
 * whose value is right there. */
RJ_INLINE V F(powi)(V x, int k)
{
    if (k == 0)
        return K(1.0);
    const double tiny_at = k == 3 ? 0x1p-300 : k == 4 ? 0x1p-230 : 0x1p-400;
    const double huge_at = k == 3 ? 0x1p300 : k == 4 ? 0x1p230 : 0x1p400;
    const double up = k == 3 ? 0x1p200 : k == 4 ? 0x1p150 : 0x1p300;   /* x^k gains 2^600 */
    const V ax = F(abs)(x);
    const M tiny = F(lt)(ax, K(tiny_at)), huge = F(gt)(ax, K(huge_at));
    const V xs = x * F(select)(tiny, K(up), F(select)(huge, K(1.0 / up), K(1.0)));
    const M gained = k == -2 ? huge : tiny;                /* xs^k = x^k 2^600 */
    const V back = F(select)(gained, K(0x1p-300), F(select)(tiny | huge, K(0x1p300), K(1.0)));
    V e, e2, hi, lo, dd, plain, smallest;
    const V p = F(vm_two_prod)(xs, xs, &e);
    if (k == 3) {
        plain = smallest = p * xs;
        hi = F(vm_two_prod)(p, xs, &e2);
        lo = e2 + e * xs;
        dd = hi + lo;
    } else if (k == 4) {
        plain = smallest = p * p;
        hi = F(vm_two_prod)(p, p, &e2);
        lo = e2 + K(2.0) * p * e;
        dd = hi + lo;
    } else {                                   /* -2: 1 / (p + e) = q (1 + rho) */
        plain = hi = K(1.0) / p;
        smallest = p;
        const V h = F(vm_two_prod)(plain, p, &e2);
        const V rho = ((K(1.0) - h) - e2) - plain * e;
        lo = plain * rho;
        dd = F(fma)(plain, rho, plain);
    }
    const M exact = F(gt)(F(abs)(smallest), K(0x1p-960)) & F(lt)(F(abs)(dd), K(INF));
    const V normal = F(select)(exact, dd, plain) * back * back;
    /* the denormal: |hi + lo| rounded as described, then the sign */
    const V sign = F(copysign)(K(1.0), hi);
    V tl;
    const V t = F(vm_fast_two_sum)(K(1.0), sign * hi * K(0x1p422), &tl);
    const V denormal = sign * (((t + (tl + sign * lo * K(0x1p422))) - K(1.0)) * K(0x1p-1022));
    return NAN_IN(x, F(select)(gained & exact & F(lt)(F(abs)(normal), K(MIN_NORMAL)), denormal, normal));
}

/* ---- float pow (see vmath_exp.h): |x|^y = 2^(y log2|x|) for x and y floats' values. float
 * needs y log2|x| to about 2^-30 absolute, well within double; 2^r for |r| <= 1/2 is a
 * polynomial fitted here (Remez, 2^-29). The float result, rounded once, is within 0.53 ULP.
 * x = 0 and inf come out as log2 = -1023 and 1025, which the clamp of y log2|x| to +-200
 * (beyond float's range either way) turns into 0 or inf: the caller makes y +-inf there, so
 * that a tiny y cannot undo that. NaN x must be caught by the caller. */
RJ_INLINE V F(vmf_pow_core)(V ax, V y)
{
    V t = y * F(vmf_log2_k)(ax);
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

RJ_INLINE V F(vmf_pow)(V x, V y)
{
    const V ax = F(abs)(x);
    const V yy = F(select)(F(eq)(ax, K(0.0)) | F(eq)(ax, K(INF)), y * K(INF), y);
    const V r = F(vmf_pow_core)(ax, yy);
    return F(vm_pow_signs)(x, y, r);
}

/* float x^k, k = 3, 4, -2 (and 0): the product in double, rounded to float by the caller; x^2
 * is exact in double, so each is one double rounding then one float rounding */
RJ_INLINE V F(vmf_powi)(V x, int k)
{
    const V p = x * x;
    return k == 0 ? K(1.0) : k == 3 ? p * x : k == 4 ? p * p : K(1.0) / p;
}

#if RJ_VM_LEVEL == RJ_VM_LEVEL_HALF
/* cbrt|x| = e^(log|x| / 3): the log as a double-double, divided by 3 as one (th = lh / 3 rounded;
 * lh - 3 th exactly, as lh - p - pe with 3 th = p + pe, p within a factor 2 of lh), then exp of
 * the double-double rounded once, as pow's. x's sign; +-0, +-inf and NaN are themselves. */
RJ_INLINE V F(cbrt)(V x)
{
    const V ax = F(abs)(x);
    V ll, pe;
    const V lh = F(vm_log_dd)(ax, &ll);
    const V th = lh / K(3.0);
    const V p = F(vm_two_prod)(th, K(3.0), &pe);
    const V tl = (((lh - p) - pe) + ll) / K(3.0);
    V r, small;
    const V t = F(vm_exp_k)(th, tl, &r, &small, 1);
    const V y = F(select)(F(eq)(ax, K(0.0)) | F(eq)(ax, K(INF)), ax, F(vm_exp_finish)(t, r, small));
    return NAN_IN(x, F(copysign)(y, x));
}
#else
/* x = m 2^e, m in [1, 2), for a positive finite x (denormals too): m, and e as a double */
RJ_INLINE V F(vm_mant_exp)(V x, V *e)
{
#  if RJ_VM_VEC && defined(RJ_VD_GETEXP)
    *e = RJ_VD_GETEXP(x);
    return RJ_VD_GETMANT(x);
#  else
    const M tiny = F(lt)(x, K(MIN_NORMAL));
    const U ix = F(asuint)(F(select)(tiny, x * K(TWO_MANT), x));
    *e = F(fromuint)(TWO_MANT_BITS | (ix >> MANT)) - K(TWO_MANT + BIAS) - F(select)(tiny, K(MANT), K(0.0));
    return F(fromuint)((ix & MANTMASK) | ONE_BITS);
#  endif
}

/* +-0, +inf and NaN (quietened) of cbrt|x| for a = |x|: the nibbles of simd.h's FIXUP */
#  define CBRT_CLASSES 0x00500822

/* cbrt|x| = cbrt(m 2^r) 2^q for |x| = m 2^(3q + r), r in {0, 1, 2} (q = floor((e + 1/2) / 3),
 * which no rounding can move: (e + 1/2) / 3 is a sixth from every integer): y0 = P(m) c(r) to
 * 2^-30.8 (P of degree 9 in m - 1.5, fitted here, 2^-30.8 relative; c(r) = 1 + r (a + b r) is
 * cbrt(2^r) at r = 0, 1, 2 to a rounding), then one Newton step y0 + (u - y0^3) / (3 y0^2),
 * u = m 2^r exactly, with y0^3 as a double-double so that u - y0^3 is exact but for y0 times the
 * low part of y0^2: the step leaves 2^-61, and its sum with y0 rounds once (0.5 ULP and a hair).
 * Scaling by 2^q is exact (the result is normal: |q| <= 358). x's sign. */
RJ_INLINE V F(cbrt)(V x)
{
    const V a = F(abs)(x);
    V e, sl, cl;
    const V m = F(vm_mant_exp)(a, &e);
    const V q = F(floor)(F(fma)(e, K(1.0 / 3.0), K(1.0 / 6.0)));
    const V r = F(fma)(q, K(-3.0), e);
    const V u = m * F(fma)(r, F(fma)(r, K(0.5), K(0.5)), K(1.0));          /* m 2^r: 1, 2, 4 */
    const V c = F(fma)(r, F(fma)(r, K(0x1.14b8b2228926cp-5), K(0x1.cf23503e16fbcp-3)), K(1.0));
    const V t = m - K(1.5);
    const V t2 = t * t;
    /* P(t) by Estrin's scheme (pairs, then pairs of pairs): a shorter chain than Horner's */
    const V p01 = F(fma)(t, K(0x1.047c706933166p-2), K(0x1.250bfe18a0d12p+0));
    const V p23 = F(fma)(t, K(0x1.5705a3532f80dp-6), K(-0x1.cf15e0cda6ebbp-5));
    const V p45 = F(fma)(t, K(0x1.2a7ea3217d8aep-8), K(-0x1.310740f8a18dfp-7));
    const V p67 = F(fma)(t, K(0x1.430730be722a6p-10), K(-0x1.301e05a6ab9f1p-9));
    const V p89 = F(fma)(t, K(0x1.1753566bd1cafp-11), K(-0x1.cb1ec7e2a026dp-11));
    const V t4 = t2 * t2;
    const V p0_3 = F(fma)(t2, p23, p01), p4_7 = F(fma)(t2, p67, p45);
    const V p = F(fma)(t4, F(fma)(t4, p89, p4_7), p0_3);
    const V y0 = p * c;
    const V sh = F(vm_two_prod)(y0, y0, &sl);
    const V ch = F(vm_two_prod)(y0, sh, &cl);
    const V d = ((u - ch) - F(fma)(y0, sl, cl)) / (K(3.0) * sh);
#  if RJ_VM_VEC && defined(RJ_VD_SCALEF)
    const V y = RJ_VD_FIXUP(RJ_VD_SCALEF(y0 + d, q), a, CBRT_CLASSES);
#  else
    V y = (y0 + d) * POW2(F(asuint)(q + K(SHIFTER)) - SHIFTER_BITS);
    /* +-0 and inf themselves; a + a: a denormal taken for a zero (MXCSR.DAZ) gives +0, as FIXUP's */
    y = F(select)(F(eq)(a, K(0.0)) | F(eq)(a, K(INF)), a + a, y);
    y = F(select_ne)(a, a, a + a, y);
#  endif
    return F(copysign)(y, x);
}
#  undef CBRT_CLASSES
#endif

/* float cbrt: |x|^(1/3) by vmf_pow_core (2^-29), then one Newton step y - (y^3 - |x|) / (3 y^2),
 * which squares the relative error (2^-52 after rounding) */
RJ_INLINE V F(vmf_cbrt)(V x)
{
    const V ax = F(abs)(x);
    const V y0 = F(vmf_pow_core)(ax, K(1.0 / 3.0));
    const V y = y0 - (y0 * y0 * y0 - ax) / (K(3.0) * y0 * y0);
    return NAN_IN(x, F(copysign)(F(select)(F(eq)(ax, K(0.0)) | F(eq)(ax, K(INF)), ax, y), x));
}
