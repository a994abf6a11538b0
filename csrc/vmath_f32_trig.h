/* vmath_f32_trig.h (part of vmath_fbody.h) - the float cores of vmath_trig.h's functions: sin,
 * cos, tan in float arithmetic, within 1 ULP.
 *
 * x = n pi/2 + r, then a polynomial in r picked by n mod 4, as vmath_trig.h does. r is kept as
 * an unevaluated sum r_hi + r_lo of two floats: the closest a float below 2^25 comes to a
 * multiple of pi/2 is 2^-27.8 (x = 0x1.f9cbe2p+7), so a rounded r alone would lose up to a
 * quarter of its bits there. While |x| < 12800 (|n| < 2^13) Cody and Waite's reduction gives it:
 * pi/2 in five parts, the first four of 11 bits so that n times each is exact; x - n P1 - n P2 is
 * then exact too, n P3 is subtracted with its rounding error kept, n P4 and n P5 go into r_lo.
 * That error is fma(-n, P3, r2 - r_hi), exact: n P3 is (below 2^-10.6, a multiple of 2^-34);
 * where |n P3| > |r2| / 2 both are multiples of 2^-34 and r2 - r_hi, within |n P3| + ulp(r_hi) / 2,
 * fits 24 bits; elsewhere r_hi is within [r2/2, 2 r2] (Sterbenz); the error of a sum is a float.
 * Every operation there is exact but the last two, so FMA tiers and the others agree. Lanes beyond (and inf and NaN, which keep their NaN) are reduced one at a time in double: Cody and
 * Waite's double reduction below 2^20, Payne and Hanek's (vmath_reduce.h) above.
 */
#define TRIG_RESULTF(x, y) NAN_IN((x), F(select_eq)(F(abs)(x), K(INF), K(NAN_), (y)))
#define PIO2F_1 0x1.92p+0f                /* pi/2 in parts of 11, 11, 11, 11 and 24 bits */
#define PIO2F_2 0x1.fb4p-12f
#define PIO2F_3 0x1.444p-24f
#define PIO2F_4 0x1.68cp-39f
#define PIO2F_5 0x1.1a6264p-54f
#define TRIGF_FAST 12800.0f               /* |n| < 2^13: n times an 11-bit part is exact */
/* whether any lane has |x| >= TRIGF_FAST or is NaN: on AVX-512 a compare into a mask register and
 * its test (not less than, unordered true), where the vector mask's round trip takes two more */
#if RJ_VM_VEC && defined(RJ_ISA_AVX512)
#  define TRIGF_ANY_BIG(x) (__builtin_ia32_cmpps512_mask(F(abs)(x), K(TRIGF_FAST), 0x15, (unsigned short)-1, 4) != 0)
#else
#  define TRIGF_ANY_BIG(x) F(vm_any)(MF(not)(F(lt)(F(abs)(x), K(TRIGF_FAST))))
#endif

/* num - q den exactly (tan here, and vmath_f32_inv.h), q within an ULP of num / den (the residual
 * is a float then): one fma where the tier fuses, the exact product's two parts elsewhere */
RJ_INLINE V F(vmf32_residual)(V num, V q, V den)
{
#if RJ_HAS_FMA
    return F(fma)(-q, den, num);
#else
    V pe;
    const V p = F(vm_two_prod)(q, den, &pe);
    return (num - p) - pe;
#endif
}

/* the lanes of big through double: r_hi + r_lo = r rounded twice (to 2^-48 of r), t = the
 * shifter sum holding n mod 4 */
static __attribute__((noinline, cold, unused)) void F(vmf_rem_patch)(V x, V *rh, V *rl, V *t, M big)
{
    FOR_EACH_SET_LANE(big, l) {
        const double xd = LANE(x, l);
        if (!(xd - xd == 0)) continue;                 /* inf and NaN keep their NaN */
        double r, lo = 0.0;
        uint32_t q;
        if (__builtin_fabs(xd) < 0x1p20) {             /* pi/2 in 28, 28 and 53 bits, |n| < 2^20 */
            const double s = xd * TWO_OVER_PI + 0x1.8p52, n = s - 0x1.8p52;
            q = (uint32_t)rj_d_asuint(s) & 3;
            r = ((xd - n * 0x1.921fb54000000p+0) - n * 0x1.10b4610000000p-30) - n * 0x1.a62633145c06ep-58;
        } else {
            r = rj_vm_rem_pio2_big(xd, &lo, &q);
        }
        const float hi = (float)r;
        LANE(*rh, l) = hi;
        LANE(*rl, l) = (float)((r - (double)hi) + lo);
        LANE(*t, l) = SHIFTER + (float)q;
    }
}

/* The reduction: returns the shifter sum t whose low bits hold n mod 4; r = *rh + *rl. */
RJ_INLINE V F(vmf_trig_reduce)(V x, V *rh, V *rl)
{
    V t = ROUND_SHIFTED(x, TWO_OVER_PI);
    const V nn = K(SHIFTER) - t;       /* -n (+0 for n = 0: r_hi = +0 for x = -0, which they select) */
    const V r2 = F(fma)(nn, K(PIO2F_2), F(fma)(nn, K(PIO2F_1), x));      /* exact */
    *rh = F(fma)(nn, K(PIO2F_3), r2);
    const V e = F(fma)(nn, K(PIO2F_3), r2 - *rh);   /* rh's rounding error, exact: see above */
    *rl = F(fma)(nn, K(PIO2F_5), F(fma)(nn, K(PIO2F_4), e));
    if (__builtin_expect(TRIGF_ANY_BIG(x), 0)) {      /* (copies: the fast path keeps its registers) */
        V h = *rh, l = *rl, tt = t;
        F(vmf_rem_patch)(x, &h, &l, &tt, MF(not)(F(lt)(F(abs)(x), K(TRIGF_FAST))));
        *rh = h, *rl = l, t = tt;
    }
    return t;
}

/* sin(r_hi + r_lo) = r_hi + (r_lo (1 - z/2) + r_hi z S(z)), z = r_hi^2, |r| <= pi/4 (r_lo cos r_hi
 * to its second term: r_lo z/2 is up to a fifth of an ULP): S of degree 3 in
 * float coefficients fitted here (Lawson minimax, each coefficient rounded to float before the
 * next is refitted: 2^-32.6 relative to sin) */
RJ_INLINE V F(vmf32_sin_k)(V rh, V rl, V z)
{
    V s = MLA(K(0x1.7cd428p-19f), z, -0x1.a05bb2p-13f);
    s = MLA(s, z, 0x1.111176p-7f);
    s = MLA(s, z, -0x1.555556p-3f);
    return F(fma)(rh * z, s, F(fma)(K(-0.5f) * z, rl, rl));   /* sin = r_hi + this */
}

/* cos(r_hi + r_lo) = 1 - z/2 + z^2 C(z) - r_hi r_lo: w = 1 - z/2 rounds, and its rounding error
 * ((1 - w) - z/2, exact) and that of z = r_hi^2 (zl, exact by vm_two_prod) go into the small
 * part, as in vmath_trig.h's vm_cos_k. C of degree 2 fitted here (as S: 2^-33.0 relative). */
RJ_INLINE V F(vmf32_cos_k)(V rh, V rl, V z, V zl, V *lo)
{
    const V hz = K(0.5f) * z, w = K(1.0f) - hz;
    V c = MLA(K(0x1.99e904p-16f), z, -0x1.6c0c2ap-10f);
    c = MLA(c, z, 0x1.55554ap-5f);
    *lo = (((K(1.0f) - w) - hz) - K(0.5f) * zl) + F(fma)(z * z, c, -(rh * rl));
    return w;                                                   /* cos = this + *lo */
}

/* sin r and cos r rounded, *sh and *ch, and their rounding errors *sl and *cl (fast_two_sum:
 * the kernels' small parts are below a tenth of the large ones); returns n's bits */
RJ_INLINE U F(vmf32_sincos)(V x, V *sh, V *sl, V *ch, V *cl)
{
    V rh, rl, zl, lo;
    const U q = F(asuint)(F(vmf_trig_reduce)(x, &rh, &rl));
    const V z = F(vm_two_prod)(rh, rh, &zl);
    *sh = F(vm_fast_two_sum)(rh, F(vmf32_sin_k)(rh, rl, z), sl);
    const V w = F(vmf32_cos_k)(rh, rl, z, zl, &lo);
    *ch = F(vm_fast_two_sum)(w, lo, cl);
    return q;
}

#if RJ_VM_LEVEL >= RJ_VM_LEVEL_FOUR
/* sin and cos at the 4-ULP level: r rounded to one float (the parts as above, each step
 * rounded: r to about 2^-23 relative), sin r = r + r z S(z), cos r = 1 + z (z C(z) - 1/2): up
 * to 2.5 ULP. (tan keeps the 1-ULP scheme: the quotient of these is up to 3.6 ULP.) */
RJ_INLINE U F(vmf32_sincos4)(V x, V *sh, V *ch)
{
    V t = ROUND_SHIFTED(x, TWO_OVER_PI);
    const V nn = K(SHIFTER) - t;
    V r = F(fma)(nn, K(PIO2F_3), F(fma)(nn, K(PIO2F_2), F(fma)(nn, K(PIO2F_1), x)));
    r = F(fma)(nn, K(PIO2F_5), F(fma)(nn, K(PIO2F_4), r));
    if (__builtin_expect(TRIGF_ANY_BIG(x), 0)) {
        V rl = K(0.0f);
        F(vmf_rem_patch)(x, &r, &rl, &t, MF(not)(F(lt)(F(abs)(x), K(TRIGF_FAST))));
        r = r + rl;
    }
    const V z = r * r;
    V s = MLA(K(0x1.7cd428p-19f), z, -0x1.a05bb2p-13f);
    s = MLA(s, z, 0x1.111176p-7f);
    s = MLA(s, z, -0x1.555556p-3f);
    V c = MLA(K(0x1.99e904p-16f), z, -0x1.6c0c2ap-10f);
    c = MLA(c, z, 0x1.55554ap-5f);
    *sh = F(fma)(r * z, s, r);
    *ch = F(fma)(z, F(fma)(z, c, K(-0.5f)), K(1.0f));
    return F(asuint)(t);
}
#  define RJ_VMF_SINCOS(x, sh, ch) F(vmf32_sincos4)((x), (sh), (ch))
#else
#  define RJ_VMF_SINCOS(x, sh, ch) F(vmf32_sincos)((x), (sh), &(V){0}, (ch), &(V){0})
#endif

/* sin x: sin r, cos r, -sin r, -cos r by quadrant; sin(-0) = -0 (the sum above gives +0) */
RJ_INLINE V F(sin)(V x)
{
    V sh, ch;
    const U q = RJ_VMF_SINCOS(x, &sh, &ch);
    const V y = F(select)(IMASK((q & 1) != 0), ch, sh);
    const V s = F(fromuint)(F(asuint)(y) ^ ((q & 2) << (BITS - 2)));
    return TRIG_RESULTF(x, F(select_eq)(x, K(0.0f), x, s));
}

/* cos x: cos r, -sin r, -cos r, sin r by quadrant */
RJ_INLINE V F(cos)(V x)
{
    V sh, ch;
    const U q = RJ_VMF_SINCOS(x, &sh, &ch);
    const V y = F(select)(IMASK((q & 1) != 0), sh, ch);
    return TRIG_RESULTF(x, F(fromuint)(F(asuint)(y) ^ (((q + 1) & 2) << (BITS - 2))));
}

/* tan x: T = tan(r_hi + r_lo) = r_hi + (r_hi^3 T(z) + r_lo sec^2 r) as Th + Tl, or -1/T in odd
 * quadrants, by one division refined by its exact residual (y = q + q (1 - q Th - q Tl)). z = r_hi^2
 * and r_hi^3 = r_hi z are kept with their rounding errors (exact: tan r - r is up to 27% of tan r,
 * so its own rounding is all it may add); T of degree 6, positive coefficients, fitted as S
 * (2^-29.6 relative to tan); sec^2 r = 1 + z (c0 + c1 z) to 2^-7.7; tan(-0) = -0 */
RJ_INLINE V F(tan)(V x)
{
    V rh, rl, zl, cl, tl;
    const U q = F(asuint)(F(vmf_trig_reduce)(x, &rh, &rl));
    const V z = F(vm_two_prod)(rh, rh, &zl);
    const V c = F(vm_two_prod)(rh, z, &cl);
    V p = MLA(K(0x1.1e8aecp-8f), z, 0x1.9ed15p-14f);
    p = MLA(p, z, 0x1.62c8p-7f);
    p = MLA(p, z, 0x1.5cc136p-6f);
    p = MLA(p, z, 0x1.bad9bep-5f);
    p = MLA(p, z, 0x1.110d9ep-3f);
    p = MLA(p, z, 0x1.55556p-2f);
    const V sec2 = F(fma)(z, MLA(K(0x1.22b95ep+0f), z, 0x1.cf9104p-1f), K(1.0f));
    const V rest = F(fma)(F(fma)(rh, zl, cl), p, rl * sec2);
#if RJ_HAS_FMA
    const V th = F(vm_fast_two_sum)(rh, F(fma)(c, p, rest), &tl);
#else    /* without fma, c p's rounding kept too (0.96 ULP otherwise) */
    V cpl, e1;
    const V cp = F(vm_two_prod)(c, p, &cpl), s1 = F(vm_fast_two_sum)(rh, cp, &e1);
    const V th = F(vm_fast_two_sum)(s1, e1 + (cpl + rest), &tl);
#endif
    const V rcp = K(1.0f) / th;
    const V ncot = F(fma)(-rcp, F(fma)(-rcp, tl, F(vmf32_residual)(K(1.0f), rcp, th)), -rcp);
    const V y = F(select)(IMASK((q & 1) != 0), ncot, th);
    return TRIG_RESULTF(x, F(select_eq)(x, K(0.0f), x, y));
}

#undef TRIG_RESULTF
#undef RJ_VMF_SINCOS
#undef PIO2F_1
#undef PIO2F_2
#undef PIO2F_3
#undef PIO2F_4
#undef PIO2F_5
#undef TRIGF_FAST
#undef TRIGF_ANY_BIG
