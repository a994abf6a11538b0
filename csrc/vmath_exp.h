/* vmath_exp.h (part of vmath_body.h) - exp, expm1, sinh, cosh and tanh; the float cores vmf_*.
 *
 * e^x = 2^k e^r: k = round(x / ln2) by the shifter trick, r = x - k ln2 with ln 2 in two parts,
 * the first of 42 bits so that k times it is exact (|k| < 2^11) and so is x minus that product.
 */
#define LN2_1 0x1.62e42fefa3800p-1
#define LN2_2 0x1.ef35793c76730p-45
#define LOG2E 0x1.71547652b82fep+0

/* e^(x + xl) = 2^k (1 + r + *small): returns the shifter sum holding k; r + *small is
 * e^(x + xl - k ln2) - 1 as an unevaluated sum, |r| <= ln2 / 2 (a hair more), with
 * e^r = 1 + r + r^2/2 + r^3 Q(r), Q of degree 9 fitted here (Remez, relative error 2^-60.3).
 * *small's own rounding errors come to about 0.15 ULP of e^r (exp: precise = 0); precise = 1
 * sums r^2/2 exactly from r^2 as a double-double, so that only the smaller r^3 Q(r) carries
 * rounding errors: for e^r - 1 (expm1, sinh, tanh), which is about r, they would reach 0.45 ULP,
 * and pow, which is costly anyway, gains 0.09 ULP. */
/* Q(r) of e^r = 1 + r + r^2/2 + r^3 Q(r) (Remez, relative error 2^-60.3 over |r| <= ln2/2) */
RJ_INLINE V F(vm_exp_q)(V r)
{
    V q = MLA(K(0x1.1e3d2bdd4728ep-29), r, 0x1.af6be7efdecf3p-26);
    q = MLA(q, r, 0x1.27e5b4471ee47p-22);
    q = MLA(q, r, 0x1.71ddf020c6fa0p-19);
    q = MLA(q, r, 0x1.a01a01368f089p-16);
    q = MLA(q, r, 0x1.a01a01b37e3afp-13);
    q = MLA(q, r, 0x1.6c16c16c3048ep-10);
    q = MLA(q, r, 0x1.111111110ec5dp-7);
    q = MLA(q, r, 0x1.5555555555503p-5);
    return MLA(q, r, 0x1.555555555555bp-3);
}

RJ_INLINE V F(vm_exp_k)(V x, V xl, V *r, V *small, int precise)
{
    const V t = ROUND_SHIFTED(x, LOG2E);
    const V k = t - K(SHIFTER);
    V rl;
    const V rh = F(vm_two_sum)(x - k * K(LN2_1), xl - k * K(LN2_2), &rl);
    V q = F(vm_exp_q)(rh);
    *r = rh;
    if (precise) {
        V zl;
        const V zh = F(vm_two_prod)(rh, rh, &zl);
        *small = K(0.5) * zh + (((K(0.5) * zl + rh * rl) + rl) + zh * rh * q);
    } else {
        q = MLA(q, rh, 0.5);
        *small = rl + F(fma)(rh * rh, q, rh * rl);   /* e^(rh + rl) - 1 - rh, to second order in rl */
    }
    return t;
}

/* 2^k (1 + r + small) for the k in the shifter sum t (|k| < 2046), rounded once: 2^k applied as
 * two normal factors 2^floor(k/2) 2^ceil(k/2) to the rounded sum, so that results that overflow
 * come out inf; where the result is a denormal the sum is scaled by 2^(k + 1022) instead, rounded
 * at the denormals' spacing by adding and subtracting 1 (exact: it is below 1 there), then
 * scaled by 2^-1022, exactly. The denormal route is computed in every lane (its result is
 * selected away where the result is normal) from k clamped to at most -1000: unclamped, an
 * ordinary k made its scale a tiny or denormal number and its products denormals, which cost
 * a microcode assist each on Intel cores (exp of (0.1, 3) ran 4x dearer than of (-700, 700)). */
RJ_INLINE V F(vm_exp_finish)(V t, V r, V small)
{
    V e, hl;
    const V m = F(vm_fast_two_sum)(K(1.0), r, &e);
#if RJ_VM_VEC && defined(RJ_VD_SCALEF)
    const V normal = RJ_VD_SCALEF(m + (e + small), t - K(SHIFTER));      /* the same, one instruction */
#else
    const U k = F(asuint)(t) - SHIFTER_BITS;
    /* biased exponent of 2^floor(k/2) = (k + 2 BIAS) >> 1, put in place by one left shift */
    const V s1 = F(fromuint)(((k + 2 * BIAS) << (MANT - 1)) & EXPMASK);
    const V s2 = F(fromuint)(((k + 2 * BIAS + 1) << (MANT - 1)) & EXPMASK);
    const V normal = (m + (e + small)) * s1 * s2;
#endif
    const V scale = POW2(F(asuint)(F(min)(t, K(SHIFTER - 1000.0))) - SHIFTER_BITS + 1022);
    const V h = F(vm_fast_two_sum)(K(1.0), m * scale, &hl);
    const V denormal = ((h + (hl + (e + small) * scale)) - K(1.0)) * K(0x1p-1022);
    return F(select_lt)(normal, K(MIN_NORMAL), denormal, normal);
}

/* 2^k (1 + r + small) - 1 = hi + *lo for -1022 <= k <= 1023: (2^k - 1) + 2^k r + 2^k small, each
 * product exact, so no cancellation is lost for k near 0 */
RJ_INLINE V F(vm_expm1_dd)(V t, V r, V small, V *lo)
{
    const V s = POW2(F(asuint)(t) - SHIFTER_BITS);
    V cl, al;
    const V c = F(vm_two_sum)(s, K(-1.0), &cl);
    const V a = F(vm_two_sum)(c, s * r, &al);
    return F(vm_fast_two_sum)(a, al + (cl + s * small), lo);
}

#if RJ_VM_LEVEL != RJ_VM_LEVEL_HALF
/* ---- the 1-ULP level's exp core: e^x = 2^k 2^(j/16) e^r, n = 16 k + j = round(16 x / ln2) by
 * the shifter trick (j = n mod 16 is the low 4 bits of the shifter sum t), r = x - n ln2/16 with
 * ln2/16 in two parts, the first of 38 bits so that n times it is exact (|n| < 2^15) and so is x
 * minus that product; |r| <= ln2/32 (a hair more). 2^(j/16) = head + tail from two tables of 16
 * (head rounded to double, tail the rest), e^r = 1 + p, p = r + r^2 Q(r), Q of degree 5 fitted
 * here (Remez-like, 2^-65.5 absolute, 2^-60 relative to p). head (1 + p) + tail = head +
 * (head p + tail): the second term is below 2^-5.5 of the first, so its roundings cost a
 * fortieth of an ULP: about 0.51 ULP before the 2^k. */
#  ifndef RJ_VM_EXP16_TABLES
#    define RJ_VM_EXP16_TABLES
static const double rj_vm_exp16_head[16] __attribute__((aligned(64))) = {
    0x1.0000000000000p+0, 0x1.0b5586cf9890fp+0, 0x1.172b83c7d517bp+0, 0x1.2387a6e756238p+0,
    0x1.306fe0a31b715p+0, 0x1.3dea64c123422p+0, 0x1.4bfdad5362a27p+0, 0x1.5ab07dd485429p+0,
    0x1.6a09e667f3bcdp+0, 0x1.7a11473eb0187p+0, 0x1.8ace5422aa0dbp+0, 0x1.9c49182a3f090p+0,
    0x1.ae89f995ad3adp+0, 0x1.c199bdd85529cp+0, 0x1.d5818dcfba487p+0, 0x1.ea4afa2a490dap+0};
static const double rj_vm_exp16_tail[16] __attribute__((aligned(64))) = {
    0x0.0p+0, 0x1.8a62e4adc610bp-54, -0x1.19041b9d78a76p-55, 0x1.9b07eb6c70573p-54,
    0x1.6f46ad23182e4p-55, 0x1.ada0911f09ebcp-55, 0x1.d4397afec42e2p-56, 0x1.6324c054647adp-54,
    -0x1.bdd3413b26456p-54, -0x1.41577ee04992fp-55, 0x1.6e9f156864b27p-54, 0x1.c7c46b071f2bep-56,
    0x1.7a1cd345dcc81p-54, 0x1.11065895048ddp-55, 0x1.2ed02d75b3707p-55, -0x1.e9c23179c2893p-54};
#  endif
#  define LN2_16_1 0x1.62e42fefa0000p-5
#  define LN2_16_2 0x1.cf79abc9e3b3ap-44

/* tab[j] for j the low 4 bits of each lane of t: on AVX-512 one vpermi2pd over the table's two
 * vectors, elsewhere a load a lane */
RJ_INLINE V F(vm_lookup16)(const double *tab, V t)
{
#  if RJ_VM_VEC && defined(RJ_ISA_AVX512)
    V r = t;
    __asm__("vpermi2pd %2, %1, %0" : "+v"(r) : "v"(F(load)(tab)), "v"(F(load)(tab + 8)));
    return r;
#  elif RJ_VM_VEC
    const U j = F(asuint)(t) & 15;
    V r;
    for (int l = 0; l < LANES; l++)
        r[l] = tab[j[l]];
    return r;
#  else
    return tab[F(asuint)(t) & 15];
#  endif
}

/* the reduction: returns the shifter sum t holding n, and r with e^r - 1 = r + r2 q; given rl
 * (not null), r's rounding error (r + rl is x - n ln2/16 to 2^-100). lean: Q of degree 4
 * instead (2^-56.2 absolute: a tenth of an ULP of exp, too much for e^r - 1 itself) */
RJ_INLINE V F(vm_exp16_r)(V x, V *r, V *rl, V *r2, V *q, int lean)
{
    const V t = ROUND_SHIFTED(x, 0x1.71547652b82fep+4);            /* 16 / ln2 */
    const V n = t - K(SHIFTER);
    const V r1 = F(fma)(n, K(-LN2_16_1), x);                       /* exact */
    *r = F(fma)(n, K(-LN2_16_2), r1);
    if (rl)
        *rl = F(fma)(n, K(-LN2_16_2), r1 - *r);                    /* r1 - r is exact */
    *r2 = *r * *r;
    if (lean) {
        const V l01 = F(fma)(*r, K(0x1.555555548f72ap-3), K(0.5));
        const V l23 = F(fma)(*r, K(0x1.11123abda0b92p-7), K(0x1.555555547f01ep-5));
        *q = F(fma)(*r2, F(fma)(*r2, K(0x1.6c183ff889767p-10), l23), l01);
        return t;
    }
    const V q01 = F(fma)(*r, K(0x1.55555555555c2p-3), K(0x1.0000000000006p-1));
    const V q23 = F(fma)(*r, K(0x1.11111105dc060p-7), K(0x1.555555544eecbp-5));
    const V q45 = F(fma)(*r, K(0x1.a02cb700a6596p-13), K(0x1.6c186602b1d4fp-10));
    *q = F(fma)(*r2, F(fma)(*r2, q45, q23), q01);
    return t;
}

/* e^x = 2^floor(n/16) (*head + *small) for |x| <= 746: returns the shifter sum t holding n;
 * *small = head p + tail, p = e^r - 1 (lean: vm_exp16_r's) */
RJ_INLINE V F(vm_exp16_k)(V x, V *head, V *small, int lean)
{
    V r, r2, q;
    const V t = F(vm_exp16_r)(x, &r, 0, &r2, &q, lean);
    *head = F(vm_lookup16)(rj_vm_exp16_head, t);
    *small = F(fma)(*head, F(fma)(r2, q, r), F(vm_lookup16)(rj_vm_exp16_tail, t));
    return t;
}

/* y 2^floor(n/16) for the shifter sum t holding n (-17300 < n < 16400), rounded once: AVX-512's
 * vscalef, which floors its exponent, or two normal factors 2^floor(n/32) 2^floor((n + 16)/32)
 * (so that results that overflow come out inf, and a denormal one is rounded once) */
RJ_INLINE V F(vm_exp16_scale)(V y, V t)
{
#  if RJ_VM_VEC && defined(RJ_VD_SCALEF)
    return RJ_VD_SCALEF(y, (t - K(SHIFTER)) * K(0.0625));
#  else
    const U n = F(asuint)(t) - SHIFTER_BITS;
    const V s1 = F(fromuint)(((n + 32 * BIAS) << (MANT - 5)) & EXPMASK);
    const V s2 = F(fromuint)(((n + 32 * BIAS + 16) << (MANT - 5)) & EXPMASK);
    return y * s1 * s2;
#  endif
}

/* 2^floor(n/16) as a double, for -16352 <= n < 16384 (a normal power of 2) */
RJ_INLINE V F(vm_exp16_pow2)(V t)
{
    return F(fromuint)(((F(asuint)(t) - SHIFTER_BITS + 16 * BIAS) << (MANT - 4)) & EXPMASK);
}
#endif

/* x clamped to [-746, 710], beyond which the result is 0 or inf anyway (NaN passes).
 * The half-ULP level rounds 1 + r + small once, as vm_exp_finish does (0.64 ULP); the others
 * take vm_exp16_k's head + small rounded (0.56 ULP), then 2^floor(n/16) applied (one rounding
 * more where the result is a denormal: 0.79 ULP there): a table of 16 and a polynomial of degree
 * 7 instead of 12, a quarter fewer operations. */
RJ_INLINE V F(exp)(V x)
{
    const V xc = F(min)(K(710.0), F(max)(K(-746.0), x));
#if RJ_VM_LEVEL == RJ_VM_LEVEL_HALF
    V r, small;
    const V t = F(vm_exp_k)(xc, K(0.0), &r, &small, 0);
    return NAN_IN(x, F(vm_exp_finish)(t, r, small));
#else
    V head, small;
    const V t = F(vm_exp16_k)(xc, &head, &small, 1);
    return NAN_IN(x, F(vm_exp16_scale)(head + small, t));
#endif
}

#if RJ_VM_LEVEL != RJ_VM_LEVEL_HALF
/* 2^-floor(n/16) for the shifter sum t holding n (2^-1000 where n > 16000; t is never NaN here) */
RJ_INLINE V F(vm_exp16_inverse_pow2)(V t)
{
    const U n = F(asuint)(RJ_VD_MINPS(t, K(SHIFTER + 16000.0)));
    return F(fromuint)(((SHIFTER_BITS + 16 * BIAS + 15) - n) << (MANT - 4) & EXPMASK);
}

/* e^x - 1 = 2^k ((head - 2^-k) + head r + lo), lo = head (r^2 q + rl) + tail (1 + r), k =
 * floor(n/16) (vm_exp16_r): head - 2^-k = c + cl exactly (two_sum: c is exact for -1 <= k <= 52),
 * c + head r = a + ae with a rounded once by an fma and ae its rounding error (c - a is exact,
 * and so is the product inside the second fma), so that nothing is lost where they cancel (x near
 * 0: there head r is as large as the result, and r's rounding error rl and tail r are half an ULP
 * of it); lo + ae + cl (below 2^-5 of the result) in double; a + that rounded once, then scaled
 * exactly (vscalef or two factors: inf past 709.78). Without FMA, head r and its sum with c as
 * double-doubles instead (Dekker's product: 1.01 ULP by the unfused fma). Below -40 it rounds to -1 (2^-k
 * is 0 past x = 11090 ln2/16: the -1 is far below an ULP there). The result has x's sign, -0 for -0. */
RJ_INLINE V F(expm1)(V x)
{
    const V xc = F(min)(K(710.0), F(max)(K(-40.0), x));
    V r, rl, r2, q;
    const V t = F(vm_exp16_r)(xc, &r, &rl, &r2, &q, 0);
    const V head = F(vm_lookup16)(rj_vm_exp16_head, t), tail = F(vm_lookup16)(rj_vm_exp16_tail, t);
    const V s = F(vm_exp16_inverse_pow2)(t);
    const V c = head - s, cb = c - head;
    const V cl = (head - (c - cb)) - (s + cb);                      /* two_sum's error, s negated */
#  if RJ_HAS_FMA
    const V a = F(fma)(head, r, c), ae = F(fma)(head, r, c - a);
#  else
    V pl, hl;                                    /* the same by a double-double product and sum */
    const V a = F(vm_fast_two_sum)(c, F(vm_two_prod)(head, r, &pl), &hl), ae = pl + hl;
#  endif
    const V lo = F(fma)(head, F(fma)(r2, q, rl), F(fma)(tail, r, tail) + (ae + cl));
    return NAN_IN(x, F(copysign)(F(vm_exp16_scale)(a + lo, t), x));
}
#else
/* e^x - 1: below -40 it rounds to -1; near overflow (k = 1024) the exp route, where the -1 is
 * far below an ULP; |x| < 2^-54 gives x (and keeps the sign of a zero). */
RJ_INLINE V F(expm1)(V x)
{
    const V xc = F(min)(K(710.0), F(max)(K(-40.0), x));
    V r, small;
    const V t = F(vm_exp_k)(xc, K(0.0), &r, &small, 1);
    V lo;
    const V hi = F(vm_expm1_dd)(t, r, small, &lo);
    V y = F(select_gt)(xc, K(709.0), F(vm_exp_finish)(t, r, small), hi + lo);
    return NAN_IN(x, F(select_lt)(F(abs)(x), K(0x1p-54), x, y));
}
#endif

#if RJ_VM_LEVEL != RJ_VM_LEVEL_HALF
/* e^a = 2^k (*eh + *el) (vm_exp16_k's head + small, normalised) and e^-a = 2^k (*inv + *invl)
 * for 0 <= a <= 711: *inv + *invl = 2^-2k / (eh + el) to 2^-100 (one division, its residual by
 * two FMAs), with 2^-2k for k <= 500 (beyond, a normal power far below an ULP of e^a) */
RJ_INLINE V F(vm_exp16_pair)(V a, V *eh, V *el, V *inv, V *invl)
{
    V head, small;
    const V t = F(vm_exp16_k)(a, &head, &small, 0);
    const U n = F(asuint)(F(min)(t, K(SHIFTER + 8000.0))) - SHIFTER_BITS;
    const V s2 = F(fromuint)(ONE_BITS - ((n >> 4) << (MANT + 1)));      /* 2^-2k */
    *eh = F(vm_fast_two_sum)(head, small, el);
    const V u = K(1.0) / *eh;
#  if RJ_HAS_FMA
    const V rest = F(fma)(-u, *eh, K(1.0));                 /* 1 - u eh, exactly */
#  else
    V pl;
    const V rest = (K(1.0) - F(vm_two_prod)(u, *eh, &pl)) - pl;  /* the same, by Dekker's product */
#  endif
    const V ul = u * F(fma)(-u, *el, rest);
    *inv = s2 * u;
    *invl = s2 * ul;
    return t;
}

/* (e^|x| - e^-|x|) / 2 from vm_exp16_pair, head - inv as a double-double (where they cancel,
 * below 0.35, sinh|x| = a + a^3 P(a^2) instead: P of degree 4 fitted here, 2^-57.5 relative),
 * the sum rounded once and scaled by 2^(k-1) (vscalef or two factors: finite up to 710.47). */
RJ_INLINE V F(sinh)(V x)
{
    const V a = F(min)(K(711.0), F(abs)(x));
    V eh, el, inv, invl, hl;
    const V t = F(vm_exp16_pair)(a, &eh, &el, &inv, &invl);
    const V h = F(vm_fast_two_sum)(eh, -inv, &hl);
    const V big = F(vm_exp16_scale)(K(0.5) * (h + (hl + (el - invl))), t);
    const V z = a * a;
    V p = MLA(K(0x1.af3b401a12952p-26), z, 0x1.71de0c7205307p-19);
    p = MLA(p, z, 0x1.a01a01a826ea8p-13);
    p = MLA(p, z, 0x1.1111111110904p-7);
    p = MLA(p, z, 0x1.5555555555557p-3);
    const V y = F(select_lt)(a, K(0.35), F(fma)(a * z, p, a), big);
    return NAN_IN(x, F(copysign)(y, x));
}

/* (e^|x| + e^-|x|) / 2 = 2^(k-1) (E + 2^-2k / E), E = head + small (vm_exp16_k) = eh + el
 * normalised: no cancellation (a sum of positive terms, the quotient at most 1 and the sum at
 * least 2); the quotient q = 2^-2k u, u = 1 / eh rounded, less q u el (its first order in el),
 * head + q as a double-double, the sum rounded once and scaled (finite up to 710.47): u's
 * rounding costs an eighth of an ULP at most, and saves refining the quotient. */
RJ_INLINE V F(cosh)(V x)
{
    const V a = F(min)(K(711.0), F(abs)(x));
    V head, small, el, hl;
    const V t = F(vm_exp16_k)(a, &head, &small, 0);
    const U n = F(asuint)(F(min)(t, K(SHIFTER + 8000.0))) - SHIFTER_BITS;
    const V s2 = F(fromuint)(ONE_BITS - ((n >> 4) << (MANT + 1)));      /* 2^-2k, k <= 500 */
    const V eh = F(vm_fast_two_sum)(head, small, &el);
    const V u = K(1.0) / eh, q = s2 * u;
    const V h = F(vm_fast_two_sum)(head, q, &hl);
    return NAN_IN(x, F(vm_exp16_scale)(K(0.5) * (h + (hl + F(fma)(-q * u, el, small))), t));
}
#else
/* sinh|x| = (E + E / (E + 1)) / 2 from E = e^|x| - 1, all as double-doubles (both terms
 * positive); beyond 22, e^|x| / 2 (scaled by 2^(k-1), so finite up to 710.47). */
RJ_INLINE V F(sinh)(V x)
{
    const V a = F(min)(K(711.0), F(abs)(x));
    V r, small, el, dl, ql, sl;
    const V t = F(vm_exp_k)(a, K(0.0), &r, &small, 1);
    const V eh = F(vm_expm1_dd)(t, r, small, &el);
    const V dh = F(vm_two_sum)(eh, K(1.0), &dl);
    const V qh = F(vm_div_dd)(eh, el, dh, dl + el, &ql);
    const V sh = F(vm_two_sum)(eh, qh, &sl);
    V y = F(select_gt)(a, K(22.0), F(vm_exp_finish)(t - K(1.0), r, small), K(0.5) * (sh + (sl + (el + ql))));
    y = F(select_lt)(a, K(0x1p-28), a, y);
    return NAN_IN(x, F(copysign)(y, x));
}

/* cosh|x|: 1 + E^2 / (2 (1 + E)) while k = 0 (|x| < ln2/2, where E = r + small), then
 * (e^|x| + e^-|x|) / 2 as double-doubles, and beyond 22 e^|x| / 2 as in sinh. */
RJ_INLINE V F(cosh)(V x)
{
    const V a = F(min)(K(711.0), F(abs)(x));
    V r, small, me, ml, il, sl;
    const V t = F(vm_exp_k)(a, K(0.0), &r, &small, 0);
    const V e0 = r + small;
    /* e^|x| = eh + el: (1 + r + small) 2^k, normalised, then one exact scale while k <= 32 */
    const V s = POW2(F(asuint)(t) - SHIFTER_BITS);
    const V m = F(vm_fast_two_sum)(K(1.0), r, &me);
    const V mh = F(vm_fast_two_sum)(m, me + small, &ml);
    const V eh = mh * s, el = ml * s;
    const V ih = F(vm_div_dd)(K(1.0), K(0.0), eh, el, &il);
    const V sh = F(vm_fast_two_sum)(eh, ih, &sl);
    const V y = F(select_lt)(a, K(0.3465), K(1.0) + (e0 * e0) / (K(2.0) + K(2.0) * e0),
                          K(0.5) * (sh + (sl + (el + il))));
    return NAN_IN(x, F(select_gt)(a, K(22.0), F(vm_exp_finish)(t - K(1.0), r, small), y));
}

#endif

#if RJ_VM_LEVEL != RJ_VM_LEVEL_HALF
/* tanh|x| = S / C, S = e^a - e^-a and C = e^a + e^-a (a = |x| clamped at 20, where tanh is 1) as
 * double-doubles from vm_exp16_pair, both over 2^k (which cancels): S as sinh's, below 0.35
 * 2 (a + a^3 P(a^2)) with its rounding error; q = Sh w, w = 1 / Ch (a couple of ULP), corrected
 * by (Sh - q Ch + Sl - q Cl) w (the residual exact but for a rounding 2^-52 below the result)
 * in one FMA: within a hair of S / C, rounded once. One division. */
RJ_INLINE V F(tanh)(V x)
{
    const V a = F(min)(K(20.0), F(abs)(x));
    V eh, el, inv, invl, sl, cl, bl;
    F(vm_exp16_pair)(a, &eh, &el, &inv, &invl);
    const V ch = F(vm_fast_two_sum)(eh, inv, &cl);
    cl = cl + (el + invl);
    const V big = F(vm_fast_two_sum)(eh, -inv, &bl);
    bl = bl + (el - invl);
    const V z = a * a, a3 = a * z;
    V p = MLA(K(0x1.af3b401a12952p-26), z, 0x1.71de0c7205307p-19);
    p = MLA(p, z, 0x1.a01a01a826ea8p-13);
    p = MLA(p, z, 0x1.1111111110904p-7);
    p = MLA(p, z, 0x1.5555555555557p-3);
    const V sp = F(fma)(a3, p, a);                                  /* a + a^3 P, and its error: */
    const V spl = F(fma)(a3, p, a - sp);                            /* a - sp is exact */
    const M low = F(lt)(a, K(0.35));
    const V sh = F(select)(low, K(2.0) * sp, big);
    sl = F(select)(low, K(2.0) * spl, bl);
    const V w = K(1.0) / ch;
    const V q = sh * w;
#  if RJ_HAS_FMA
    const V rest = F(fma)(-q, ch, sh);                              /* sh - q ch */
#  else
    V pl;
    const V rest = (sh - F(vm_two_prod)(q, ch, &pl)) - pl;
#  endif
    const V y = F(fma)(F(fma)(-q, cl, rest + sl), w, q);
    return NAN_IN(x, F(copysign)(y, x));
}
#else
/* tanh|x| = -E / (E + 2) with E = e^-2|x| - 1 below 1, 1 - 2 / (E + 2) with E = e^2|x| - 1 from
 * 1 on (2|x| clamped at 40, where tanh is 1), as double-doubles; |x| < 2^-28 gives x. */
RJ_INLINE V F(tanh)(V x)
{
    const V a = F(abs)(x);
    const M low = F(lt)(a, K(1.0));
    V r, small, el, dl, ql, ql2, ol;
    const V t = F(vm_exp_k)(F(select)(low, K(-2.0) * a, F(min)(K(40.0), K(2.0) * a)), K(0.0), &r, &small, 1);
    const V eh = F(vm_expm1_dd)(t, r, small, &el);
    const V dh = F(vm_two_sum)(eh, K(2.0), &dl);
    const V qh = F(vm_div_dd)(eh, el, dh, dl + el, &ql);              /* E / (E + 2) */
    const V q2h = F(vm_div_dd)(K(2.0), K(0.0), dh, dl + el, &ql2);    /* 2 / (E + 2) */
    const V oh = F(vm_fast_two_sum)(K(1.0), -q2h, &ol);
    V y = F(select)(low, -(qh + ql), oh + (ol - ql2));
    y = F(select_lt)(a, K(0x1p-28), a, y);
    return NAN_IN(x, F(copysign)(y, x));
}

#endif

/* ---- the float cores: x is a float's value, the result is rounded to float by the caller, so
 * 2^-33 relative is plenty (a 0.5 ULP float result, but for 2^-9 ULP). */

/* e^x = 2^k (1 + *p): e^r - 1 = r + r^2 Qf(r), Qf of degree 5 fitted here (Remez, 2^-33.2). */
RJ_INLINE V F(vmf_exp_k)(V x, V *p)
{
    const V t = ROUND_SHIFTED(x, LOG2E);
    const V k = t - K(SHIFTER);
    const V r = (x - k * K(LN2_1)) - k * K(LN2_2);
    V q = MLA(K(0x1.a17e0849c6dfdp-13), r, 0x1.6da76becddfc8p-10);
    q = MLA(q, r, 0x1.1110ab6f50a74p-7);
    q = MLA(q, r, 0x1.5554708f37d3ep-5);
    q = MLA(q, r, 0x1.555555742f345p-3);
    q = MLA(q, r, 0x1.0000004572d5dp-1);
    *p = F(fma)(r * r, q, r);
    return t;
}

/* x clamped to [-104, 89]: there 2^k is one normal double, and beyond float's result is 0 or inf */
RJ_INLINE V F(vmf_exp)(V x)
{
    V p;
    const V t = F(vmf_exp_k)(F(min)(K(89.0), F(max)(K(-104.0), x)), &p);
    return NAN_IN(x, (K(1.0) + p) * POW2(F(asuint)(t) - SHIFTER_BITS));
}

/* 2^k p + (2^k - 1) for x in [-30, 89] (-1 and inf beyond) */
RJ_INLINE V F(vmf_expm1_of)(V x)
{
    V p;
    const V t = F(vmf_exp_k)(x, &p);
    const V s = POW2(F(asuint)(t) - SHIFTER_BITS);
    return F(fma)(s, p, s - K(1.0));
}

RJ_INLINE V F(vmf_expm1)(V x)
{
    const V y = F(vmf_expm1_of)(F(min)(K(89.0), F(max)(K(-30.0), x)));
    return NAN_IN(x, F(select_lt)(F(abs)(x), K(0x1p-30), x, y));
}

RJ_INLINE V F(vmf_sinh)(V x)
{
    const V e = F(vmf_expm1_of)(F(min)(K(100.0), F(abs)(x)));
    return NAN_IN(x, F(copysign)(K(0.5) * (e + e / (e + K(1.0))), x));
}

RJ_INLINE V F(vmf_cosh)(V x)
{
    V p;
    const V t = F(vmf_exp_k)(F(min)(K(100.0), F(abs)(x)), &p);
    const V e = (K(1.0) + p) * POW2(F(asuint)(t) - SHIFTER_BITS);
    return NAN_IN(x, K(0.5) * e + K(0.5) / e);
}

RJ_INLINE V F(vmf_tanh)(V x)
{
    const V e = F(vmf_expm1_of)(F(min)(K(40.0), K(2.0) * F(abs)(x)));
    return NAN_IN(x, F(copysign)(e / (e + K(2.0)), x));
}
