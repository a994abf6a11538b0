/* vmath_trig.h (part of vmath_body.h) - sin, cos, tan; the float cores vmf_*.
 *
 * x = n pi/2 + r, |r| <= pi/4, then a polynomial in r picked by n mod 4. While |x| < 1.6e6
 * (|n| < 2^20) r comes from Cody and Waite's reduction: pi/2 in four parts, the first three of
 * 33 bits so that n times each is exact, summed as a double-double r_hi + r_lo to about 2^-118
 * absolute. Lanes beyond go through the Payne-Hanek reduction (vmath_reduce.h), one at a time
 * and only when a vector holds one. inf gives the domain error's NaN, NaN itself.
 */
#define TWO_OVER_PI 0x1.45f306dc9c883p-1
#define TRIG_RESULT(x, y) NAN_IN((x), F(select_eq)(F(abs)(x), K(INF), K(NAN_), (y)))

typedef struct { V rh, rl, t; } F(vm_rem_t);
/* the lanes of big (|x| past the Cody-Waite range, or not finite) through Payne-Hanek: out of
 * line, so that the vector code around stays small and keeps its values in registers */
static __attribute__((noinline, cold, unused)) F(vm_rem_t) F(vm_rem_patch)(V x, F(vm_rem_t) r, M big)
{
    FOR_EACH_SET_LANE(big, l) {
        if (!(LANE(x, l) - LANE(x, l) == 0)) continue;      /* inf and NaN keep their NaN */
        uint32_t q;
        double lo;
        LANE(r.rh, l) = rj_vm_rem_pio2_big(LANE(x, l), &lo, &q);
        LANE(r.rl, l) = lo;
        LANE(r.t, l) = SHIFTER + (double)q;
    }
    return r;
}

/* The reduction: returns the shifter sum t whose low bits hold n mod 4, r_hi + *rl = r; lanes
 * beyond the range (and inf and NaN, which keep their NaN) go to the patch. */
RJ_INLINE V F(vm_rem_pio2)(V x, V *rh, V *rl)
{
    V t = ROUND_SHIFTED(x, TWO_OVER_PI);
    const V n = t - K(SHIFTER);
    V e1, e2;
    const V a = F(vm_two_sum)(x - n * K(0x1.921fb54400000p+0), -(n * K(0x1.0b4611a600000p-34)), &e1);
    const V b = F(vm_two_sum)(a, -(n * K(0x1.3198a2e000000p-69)), &e2);
    *rh = F(vm_fast_two_sum)(b, (e1 + e2) - n * K(0x1.b839a252049c1p-104), rl);
    const M big = MF(not)(F(lt)(F(abs)(x), K(1.6e6)));
    if (__builtin_expect(F(vm_any)(big), 0)) {
        F(vm_rem_t) r = {*rh, *rl, t};
        r = F(vm_rem_patch)(x, r, big);
        *rh = r.rh;
        *rl = r.rl;
        t = r.t;
    }
    return t;
}

/* sin(r + rl), |r| <= pi/4: r + r z S(z) + rl (1 - z/2), z = r^2; S of degree 6 fitted here
 * (Remez, relative error 2^-62.3) */
RJ_INLINE V F(vm_sin_k)(V r, V rl)
{
    const V z = r * r;
    V s = MLA(K(-0x1.991c2f804dd59p-41), z, 0x1.60fbd5fb0557dp-33);
    s = MLA(s, z, -0x1.ae6416ce45cc6p-26);
    s = MLA(s, z, 0x1.71de3a23e2a3bp-19);
    s = MLA(s, z, -0x1.a01a019ff38c4p-13);
    s = MLA(s, z, 0x1.111111111103ep-7);
    s = MLA(s, z, -0x1.5555555555555p-3);
    return r + F(fma)(r * z, s, rl - K(0.5) * z * rl);
}

/* cos(r + rl), |r| <= pi/4: 1 - z/2 + z^2 C(z) - r rl; w = 1 - z/2 rounds, and its rounding
 * error ((1 - w) - z/2, exact) goes back into the small part, as does the rounding error zl of
 * z = r^2 (which z/2 would carry into the result at up to a quarter of an ULP). C of degree 5
 * fitted here (Remez, 2^-63.3 relative to cos). */
RJ_INLINE V F(vm_cos_k)(V r, V rl)
{
    V zl;
    const V z = F(vm_two_prod)(r, r, &zl), hz = K(0.5) * z, w = K(1.0) - hz;
    V c = MLA(K(-0x1.8fe23efce0c79p-37), z, 0x1.1eea59a6019cap-29);
    c = MLA(c, z, -0x1.27e4f8be13993p-22);
    c = MLA(c, z, 0x1.a01a019dcd0dep-16);
    c = MLA(c, z, -0x1.6c16c16c15eb1p-10);
    c = MLA(c, z, 0x1.5555555555553p-5);
    return w + ((((K(1.0) - w) - hz) - K(0.5) * zl) + F(fma)(z * z, c, -(r * rl)));
}

/* sin x: sin r, cos r, -sin r, -cos r by quadrant; |x| < 2^-26 is its own sine */
RJ_INLINE V F(sin)(V x)
{
    V rh, rl;
    const U q = F(asuint)(F(vm_rem_pio2)(x, &rh, &rl));
    const V y = F(select)(IMASK((q & 1) != 0), F(vm_cos_k)(rh, rl), F(vm_sin_k)(rh, rl));
    const V s = F(fromuint)(F(asuint)(y) ^ ((q & 2) << (BITS - 2)));
    return TRIG_RESULT(x, F(select_lt)(F(abs)(x), K(0x1p-26), x, s));
}

/* cos x: cos r, -sin r, -cos r, sin r by quadrant */
RJ_INLINE V F(cos)(V x)
{
    V rh, rl;
    const U q = F(asuint)(F(vm_rem_pio2)(x, &rh, &rl));
    const V y = F(select)(IMASK((q & 1) != 0), F(vm_sin_k)(rh, rl), F(vm_cos_k)(rh, rl));
    return TRIG_RESULT(x, F(fromuint)(F(asuint)(y) ^ (((q + 1) & 2) << (BITS - 2))));
}

#if RJ_VM_LEVEL != RJ_VM_LEVEL_HALF && RJ_HAS_FMA
/* tan x at the 1-ULP level, with FMA: n = round(x 2/pi), x - n C1 is exact (a multiple of 2^-53
 * below 2 in magnitude) for C1 = pi/2 rounded, then r + rl = x - n (C1 + C2 + C3) from two more
 * fused steps, the second recovering the first's rounding error (to 2^-100 of r). tan(r + rl) =
 * r + c, c = r^3 T0 + r^5 p(z) + rl (1 + tan^2 r) with r^3 from exact products (r^3 T0, the
 * largest part of c, rounded once with the rest); in odd quadrants -1 / (r + c) from r + c as a
 * double-double, one Newton step on the division's exact residual (1 + qt h). (Without FMA,
 * the 0.5-ULP level's tan below.) */
#  if RJ_VM_VEC && defined(RJ_ISA_AVX512)
#    define TAN_ANY_BIG(x, r) ((__builtin_ia32_cmppd512_mask(F(abs)(x), K(1.6e6), 0x05, (unsigned char)-1, 4) \
                                | __builtin_ia32_cmppd512_mask(F(abs)(r), K(0x1p-26), 0x01, (unsigned char)-1, 4)) != 0)
/* +-inf: the default NaN (tiny x, their own tangent, are the slow path's: see tan) */
#    define TAN_RESULT(x, y) RJ_VD_FIXUP((y), (x), 0x00330022)
#  else
#    define TAN_ANY_BIG(x, r) F(vm_any)(MF(not)(F(lt)(F(abs)(x), K(1.6e6)) & F(ge)(F(abs)(r), K(0x1p-26))))
#    define TAN_RESULT(x, y) TRIG_RESULT((x), (y))
#  endif
RJ_INLINE V F(vm_rem_pio2_fused)(V x, V *rh, V *rl, int *slow)
{
    const V t = ROUND_SHIFTED(x, TWO_OVER_PI);
    const V n = t - K(SHIFTER);
    const V r1 = F(fma)(n, K(-0x1.921fb54442d18p+0), x);
    *rh = F(fma)(n, K(-0x1.1a62633145c07p-54), r1);
    *rl = F(fma)(n, K(0x1.f1976b7ed8fbcp-110), F(fma)(n, K(-0x1.1a62633145c07p-54), r1 - *rh));
    /* r1 - rh is exact but where r (below 2^-26) is far smaller than r1: those lanes, and the ones
     * past the range, take vm_rem_pio2's reduction */
    *slow = TAN_ANY_BIG(x, *rh);
    if (__builtin_expect(*slow, 0)) {
        V sh, sl;
        const V st = F(vm_rem_pio2)(x, &sh, &sl);
        const M slow = MF(not)(F(lt)(F(abs)(x), K(1.6e6)) & F(ge)(F(abs)(*rh), K(0x1p-26)));
        *rh = F(select)(slow, sh, *rh);
        *rl = F(select)(slow, sl, *rl);
        return F(select)(slow, st, t);
    }
    return t;
}

RJ_INLINE V F(tan)(V x)
{
    V rh, rl;
    int slow;
    const U q = F(asuint)(F(vm_rem_pio2_fused)(x, &rh, &rl, &slow));
    V zl, cl;
    const V z = F(vm_two_prod)(rh, rh, &zl);
    const V ch = F(vm_two_prod)(rh, z, &cl);                 /* r^3 = ch + cl + rh zl */
    V p = MLA(K(0x1.41733cbe197cbp-17), z, -0x1.863141c852552p-16);
    p = MLA(p, z, 0x1.8625a88591ea4p-15);
    p = MLA(p, z, -0x1.81991f8710975p-16);
    p = MLA(p, z, 0x1.10c3335af00bcp-14);
    p = MLA(p, z, 0x1.63c65e16125dfp-14);
    p = MLA(p, z, 0x1.fe15fb7788a01p-13);
    p = MLA(p, z, 0x1.34d1172487353p-11);
    p = MLA(p, z, 0x1.7daf4aa28c0ccp-10);
    p = MLA(p, z, 0x1.d6d3144e44e78p-9);
    p = MLA(p, z, 0x1.226e39514a014p-7);
    p = MLA(p, z, 0x1.664f4867d90f4p-6);
    p = MLA(p, z, 0x1.ba1ba1ba84408p-5);
    p = MLA(p, z, 0x1.1111111110b34p-3);
    const V t0 = F(fma)(ch, K(0x1.5555555555558p-2), rh);  /* tan r to 2^-7: for rl's factor */
    const V small = F(fma)(rl, F(fma)(t0, t0, K(1.0)), F(fma)(rh, zl, cl) * K(0x1.5555555555558p-2));
    const V c = F(fma)(ch, K(0x1.5555555555558p-2), F(fma)(ch * z, p, small));
    const V h = rh + c, hl = c - (h - rh);                   /* tan r = h + hl (|rh| > |c|) */
    const V qt = K(-1.0) / h;
    const V inv = F(fma)(qt, F(fma)(qt, hl, F(fma)(qt, h, K(1.0))), qt);
    V y = KM_SEL(KM_BITS(q, 1), inv, h);
    if (__builtin_expect(slow, 0))        /* (a tiny x's reduced argument is below 2^-26 too) */
        y = F(select_lt)(F(abs)(x), K(0x1p-27), x, y);
    return TAN_RESULT(x, y);
}
#  undef TAN_ANY_BIG
#  undef TAN_RESULT
#else
/* tan x: tan r in even quadrants, -1 / tan r in odd ones. tan(r + rl) = r + r^3 T(z) +
 * rl (1 + tan^2 r), T of degree 14 fitted here (Remez, 2^-59.5); the reciprocal is refined
 * by one Newton step on the unevaluated sum. |x| < 2^-27 is its own tangent. */
RJ_INLINE V F(tan)(V x)
{
    V rh, rl;
    const U q = F(asuint)(F(vm_rem_pio2)(x, &rh, &rl));
    const V z = rh * rh;
    V p = MLA(K(0x1.41733cbe197cbp-17), z, -0x1.863141c852552p-16);
    p = MLA(p, z, 0x1.8625a88591ea4p-15);
    p = MLA(p, z, -0x1.81991f8710975p-16);
    p = MLA(p, z, 0x1.10c3335af00bcp-14);
    p = MLA(p, z, 0x1.63c65e16125dfp-14);
    p = MLA(p, z, 0x1.fe15fb7788a01p-13);
    p = MLA(p, z, 0x1.34d1172487353p-11);
    p = MLA(p, z, 0x1.7daf4aa28c0ccp-10);
    p = MLA(p, z, 0x1.d6d3144e44e78p-9);
    p = MLA(p, z, 0x1.226e39514a014p-7);
    p = MLA(p, z, 0x1.664f4867d90f4p-6);
    p = MLA(p, z, 0x1.ba1ba1ba84408p-5);
    p = MLA(p, z, 0x1.1111111110b34p-3);
    /* r^3 = ch + cl from exact products; its leading term r^3 T0 (T0 ~ 1/3) as a double-double,
     * so that only the smaller rest r^5 (T(z) - T0) / z is rounded as a whole */
    V zl, cl, c0l, hl0;
    const V ch = F(vm_two_prod)(rh, F(vm_two_prod)(rh, rh, &zl), &cl);
    const V c0h = F(vm_two_prod)(ch, K(0x1.5555555555558p-2), &c0l);
    const V rest = F(fma)(ch * z, p, c0l + (cl + rh * zl) * K(0x1.5555555555558p-2));
    const V h0 = F(vm_two_sum)(rh, c0h, &hl0);
    const V t0 = h0 + rest;
    V hl;
    const V h = F(vm_fast_two_sum)(h0, hl0 + F(fma)(rl, K(1.0) + t0 * t0, rest), &hl);   /* tan r = h + hl */
    /* -1 / (h + hl) = qt (1 + eps), eps = 1 + qt (h + hl) from the exact product qt h */
    const V qt = K(-1.0) / h;
    V pe;
    const V ph = F(vm_two_prod)(qt, h, &pe);
    const V inv = F(fma)(qt, (K(1.0) + ph) + (pe + qt * hl), qt);
    const V y = F(select)(IMASK((q & 1) != 0), inv, h + hl);
    return TRIG_RESULT(x, F(select_lt)(F(abs)(x), K(0x1p-27), x, y));
}
#endif

/* ---- the float cores (see vmath_exp.h): x is a float's value. While |x| < 2^25 (|n| < 2^25)
 * r = ((x - n P1) - n P2) - n P3 with pi/2 in parts of 28, 28 and 53 bits (n times the first two
 * exact, x - n P1 exact too); Payne-Hanek beyond. */
RJ_INLINE V F(vmf_rem_pio2)(V x, V *r)
{
    V t = ROUND_SHIFTED(x, TWO_OVER_PI);
    const V n = t - K(SHIFTER);
    *r = ((x - n * K(0x1.921fb54000000p+0)) - n * K(0x1.10b4610000000p-30)) - n * K(0x1.a62633145c06ep-58);
    const M big = MF(not)(F(lt)(F(abs)(x), K(0x1p25)));
    if (__builtin_expect(F(vm_any)(big), 0)) {
        F(vm_rem_t) p = {*r, K(-0.0), t};      /* r + -0 is r, -0 included */
        p = F(vm_rem_patch)(x, p, big);
        *r = p.rh + p.rl;
        t = p.t;
    }
    return t;
}

/* sin r = r (1 + z S(z)), cos r = 1 + z C(z) for |r| <= pi/4: S, C of degree 3 fitted here
 * (Remez, relative errors 2^-36.8 and 2^-33.1); the product form keeps sin(-0) = -0 */
RJ_INLINE V F(vmf_sin_k)(V r, V z)
{
    V s = MLA(K(0x1.6cb76aa905e72p-19), z, -0x1.a00f3974a9aa5p-13);
    s = MLA(s, z, 0x1.11110877b79a3p-7);
    s = MLA(s, z, -0x1.5555554d9ee9dp-3);
    return r * F(fma)(z, s, K(1.0));
}

RJ_INLINE V F(vmf_cos_k)(V z)
{
    V c = MLA(K(0x1.9906c9e377211p-16), z, -0x1.6c07f41ffe37bp-10);
    c = MLA(c, z, 0x1.55553dba1b837p-5);
    c = MLA(c, z, -0x1.ffffffd5a8360p-2);
    return F(fma)(z, c, K(1.0));
}

RJ_INLINE V F(vmf_sin)(V x)
{
    V r;
    const U q = F(asuint)(F(vmf_rem_pio2)(x, &r));
    const V z = r * r;
    const V y = F(select)(IMASK((q & 1) != 0), F(vmf_cos_k)(z), F(vmf_sin_k)(r, z));
    return TRIG_RESULT(x, F(fromuint)(F(asuint)(y) ^ ((q & 2) << (BITS - 2))));
}

RJ_INLINE V F(vmf_cos)(V x)
{
    V r;
    const U q = F(asuint)(F(vmf_rem_pio2)(x, &r));
    const V z = r * r;
    const V y = F(select)(IMASK((q & 1) != 0), F(vmf_sin_k)(r, z), F(vmf_cos_k)(z));
    return TRIG_RESULT(x, F(fromuint)(F(asuint)(y) ^ (((q + 1) & 2) << (BITS - 2))));
}

/* tan = sin r / cos r, or -cos r / sin r in odd quadrants */
RJ_INLINE V F(vmf_tan)(V x)
{
    V r;
    const U q = F(asuint)(F(vmf_rem_pio2)(x, &r));
    const V z = r * r, s = F(vmf_sin_k)(r, z), c = F(vmf_cos_k)(z);
    const M odd = IMASK((q & 1) != 0);
    return TRIG_RESULT(x, F(select)(odd, -c, s) / F(select)(odd, s, c));
}

#undef TRIG_RESULT
