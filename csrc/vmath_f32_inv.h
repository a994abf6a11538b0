/* vmath_f32_inv.h (part of vmath_fbody.h) - the float cores of vmath_inv.h's arcsin, arccos,
 * arctan and arctan2 (within 1 ULP at the 1-ULP and 4-ULP levels alike), and of vmath_misc.h's
 * hypot at the 4-ULP level, in float arithmetic.
 *
 * Each result is a constant (0, or a multiple of pi/4 as hi + lo) plus a leading float b summed
 * exactly (fast_two_sum), plus the rest rounded once: b's polynomial tail, the constant's lo and
 * b's own rounding error to first order (a quotient's from its exact residual, a root's likewise),
 * so that the rounding of a sum of floats a few percent of the result is all that adds to the
 * final one. One division (arctan, arctan2) or one root (arcsin, arccos) a vector; the reciprocals
 * the corrections need come from the quotient itself or by one Newton step. Polynomials in float
 * coefficients fitted here (Lawson minimax, each coefficient rounded to float before the next is
 * refitted). vmf32_residual is vmath_f32_trig.h's.
 */
#define PIO2F_HI 0x1.921fb6p+0f           /* pi/2 rounded to float, and the rest */
#define PIO2F_LO -0x1.777a5cp-25f
#define PIO4F_HI 0x1.921fb6p-1f
#define PIO4F_LO -0x1.777a5cp-26f
#define PIF_HI 0x1.921fb6p+1f
#define PIF_LO -0x1.777a5cp-24f

/* arcsin s = s + s z A(z), z = s^2 <= 1/4: A of degree 5 (2^-31.7 relative to arcsin) */
RJ_INLINE V F(vmf32_asin_a)(V z)
{
    V a = MLA(K(0x1.347a2ap-5f), z, 0x1.d5e588p-7f);
    a = MLA(a, z, 0x1.04c7e2p-5f);
    a = MLA(a, z, 0x1.6ca858p-5f);
    a = MLA(a, z, 0x1.3338a8p-4f);
    return MLA(a, z, 0x1.55554cp-3f);
}

/* the steps arcsin and arccos share, for a = |x|: z = a^2 up to 1/2, else (1 - a)/2 (exact); *s =
 * sqrt z rounded and *d = 2 (sqrt z - *s) = (z - s^2)/s from the exact residual, 0 up to 1/2 (1/s
 * to 2^-6 by one Newton step from the exponent's complement, 2 at s = 0 and finite); returns A(z).
 * (Selects on the comparison itself: one masked move each on AVX-512.) */
RJ_INLINE V F(vmf32_asin_parts)(V a, V *z, V *s, V *d)
{
    *z = F(select_le)(a, K(0.5f), a * a, F(fma)(a, K(-0.5f), K(0.5f)));
    *s = F(sqrt)(*z);
    const V r0 = F(fromuint)(0x7ef311c3u - F(asuint)(*s));
    *d = F(select_le)(a, K(0.5f), K(0.0f), F(vmf32_residual)(*z, *s, *s) * (r0 * F(fma)(-*s, r0, K(2.0f))));
    return F(vmf32_asin_a)(*z);
}

/* arcsin |x| = a + a z A(z) up to 1/2; beyond, pi/2 - 2 arcsin s = pi/2 - 2s - (d + 2 s z A(z)), s =
 * sqrt((1 - a)/2) + d/2, pi/2 - 2s summed exactly (fast_two_sum: 2s <= 1) and the rest rounded once */
RJ_INLINE V F(arcsin)(V x)
{
    const V a = F(abs)(x);
    V z, s, d, e;
    const V poly = F(vmf32_asin_parts)(a, &z, &s, &d);
    const V b = F(select_le)(a, K(0.5f), a, K(-2.0f) * s);
    const V h = F(vm_fast_two_sum)(F(select_le)(a, K(0.5f), K(0.0f), K(PIO2F_HI)), b, &e);
    const V y = h + F(fma)(b * z, poly, (e + F(select_le)(a, K(0.5f), K(0.0f), K(PIO2F_LO))) - d);
    return NAN_IN(x, F(select_gt)(a, K(1.0f), K(NAN_), F(fromuint)(F(asuint)(y) | (F(asuint)(x) & SIGN))));
}

/* arccos: |x| <= 1/2 as pi/2 - x - x z A(z); x > 1/2 as 2 arcsin s = 2s + (d + 2 s z A(z)), x < -1/2
 * as pi - 2 arcsin s; c + b summed exactly (fast_two_sum: |b| < c, or c = 0) */
RJ_INLINE V F(arccos)(V x)
{
    const V a = F(abs)(x);
    V z, s, d, e;
    const V poly = F(vmf32_asin_parts)(a, &z, &s, &d);
    const U sx = F(asuint)(x) & SIGN;
    const V b = F(select_le)(a, K(0.5f), -x, F(fromuint)(F(asuint)(K(2.0f) * s) ^ sx));
    const V c = F(select_le)(a, K(0.5f), K(PIO2F_HI), F(select_lt)(x, K(0.0f), K(PIF_HI), K(0.0f)));
    const V cl = F(select_le)(a, K(0.5f), K(PIO2F_LO), F(select_lt)(x, K(0.0f), K(PIF_LO), K(0.0f)));
    const V h = F(vm_fast_two_sum)(c, b, &e);
    const V y = h + F(fma)(b * z, poly, (e + cl) + F(fromuint)(F(asuint)(d) ^ sx));
    return NAN_IN(x, F(select_gt)(a, K(1.0f), K(NAN_), y));
}

/* arctan t - t = t w for |t| <= 1/2: w = z P(z), z = t^2, P of degree 5 (2^-31.7 relative to
 * arctan t) */
/* arctan'(t) = 1/(1 + z) for z <= 1/4, to 2^-7.3: the factor of t's rounding error t_lo */
#define ATAN_D(z) MLA(K(-0x1.970e4ap-1f), (z), 0x1.fcd1dcp-1f)

RJ_INLINE V F(vmf32_atan_w)(V t, V *z)
{
    *z = t * t;
    const V z2 = *z * *z;
    const V p01 = MLA(K(0x1.999744p-3f), *z, -0x1.555552p-2f), p23 = MLA(K(0x1.c07268p-4f), *z, -0x1.24503p-3f);
    const V p45 = MLA(K(0x1.3fd554p-5f), *z, -0x1.480d4p-4f);
    return *z * F(fma)(z2, F(fma)(z2, p45, p23), p01);
}

/* arctan a = k pi/4 + arctan t, |t| <= 1/2: k = 0, t = a below 1/2; k = 1, t = (a - 1)/(a + 1) up
 * to 2; k = 2, t = -1/a beyond (a clamped to 2^60: arctan is pi/2 rounded from 2^25 on). The
 * numerator a u - v and the denominator a v + u (u, v = 1 or 0 by the interval) are exact but a + 1,
 * whose rounding error dl is (fast_two_sum: a < 2); t is rounded, and its error t_lo = (num - t den
 * - t dl) / den enters to first order, as t_lo ATAN_D(z) (t = num (1/den) is within an ULP or so,
 * and exact for k = 0, where t_lo is 0). k pi/4 + t is summed exactly (fast_two_sum: |t| < pi/4),
 * the rest rounded once. */
RJ_INLINE V F(arctan)(V x)
{
    const V a = RJ_VF_MINPS(F(abs)(x), K(0x1p60f));         /* (NaN: 2^60, and NAN_IN below) */
    const V u = F(select_gt)(a, K(2.0f), K(0.0f), K(1.0f)), v = F(select_ge)(a, K(0.5f), K(1.0f), K(0.0f));
    const V num = F(fma)(a, u, -v), den = F(fma)(a, v, u), dl = F(fma)(a, v, u - den);
    const V rcp = K(1.0f) / den, t = num * rcp;
    const V t_lo = F(fma)(-t, dl, F(vmf32_residual)(num, t, den)) * rcp;
    V z, e;
    const V w = F(vmf32_atan_w)(t, &z);
    const V k = v - u;                                      /* k - 1 */
    const V h = F(vm_fast_two_sum)(F(fma)(k, K(PIO4F_HI), K(PIO4F_HI)), t, &e);
    const V lo = F(fma)(t, w, e + F(fma)(t_lo, ATAN_D(z), F(fma)(k, K(PIO4F_LO), K(PIO4F_LO))));
    return NAN_IN(x, F(fromuint)(F(asuint)(h + lo) | (F(asuint)(x) & SIGN)));   /* h + lo >= 0 */
}

/* arctan2's magnitudes p <= q where q is outside [2^-60, 2^60] (zeros, infinities, NaN): both
 * scaled by 2^-64 above and 2^100 below (exact but where p underflows, and then p/q < 2^-26:
 * arctan2's tiny lanes); q = inf: p/q taken as 1 if p is inf too, else 0; both zero: 0 */
static __attribute__((noinline, cold, unused)) void F(vmf32_atan2_scale)(V *p, V *q)
{
    const M inf = F(eq)(*q, K(INF)), zero = F(eq)(*q, K(0.0f));
    const V scale = F(select_gt)(*q, K(0x1p60f), K(0x1p-64f), F(select_lt)(*q, K(0x1p-60f), K(0x1p100f), K(1.0f)));
    *p = F(select)(inf, F(select_eq)(*p, K(INF), K(1.0f), K(0.0f)), F(select)(zero, K(0.0f), *p * scale));
    *q = F(select)(MF(or)(inf, zero), K(1.0f), *q * scale);
}

/* arctan2(y, x) = +-(k pi/4 + arctan t), the sign y's: with p <= q the magnitudes, t = S (p - q)/(p +
 * q), k = 1 where p >= q/2, t = S p/q, k = 0 below (|t| <= 1/2), arctan's steps (vmf32_atan_w, t's
 * error to first order, the sum); S = -1 and k = 2 - k where |y| > |x| (pi/2 - arctan), S = -1 and
 * k = 4 - k where x < 0 or x = -0 (pi - arctan), S = 1 and k = 2 + k where both. pi/4 in a part of
 * 22 bits, exact times k <= 4. Where p/q < 2^-26 and k = 0 the result is p/q rounded, by a division
 * (t = p (1/q) rounds twice, and its correction may underflow). */
RJ_INLINE V F(arctan2)(V y, V x)
{
    const V ax = F(abs)(x), ay = F(abs)(y);
    V p = RJ_VF_MINPS(ax, ay), q = RJ_VF_MAXPS(ax, ay);     /* (NaN: NAN_IN2 below) */
    if (__builtin_expect(F(vm_any)(MF(not)(F(ge)(q, K(0x1p-60f)) & F(le)(q, K(0x1p60f)))), 0))
        F(vmf32_atan2_scale)(&p, &q);
    const U sbits = (F(asuint)(x) ^ F(asuint)(F(select_gt)(ay, ax, K(-0.0f), K(0.0f)))) & SIGN;
    const U four = (U)-(F(asuint)(x) >> 31) & 0x40800000u;           /* 4.0f where x < 0 or x = -0 */
    const V m = F(select_ge)(p + p, q, K(1.0f), K(0.0f));
    const V num = F(fromuint)(F(asuint)(F(fma)(q, -m, p)) ^ sbits);
    const V den = F(fma)(p, m, q), dl = F(fma)(p, m, q - den);
    const V rcp = K(1.0f) / den, t = num * rcp;
    const V t_lo = F(fma)(-t, dl, F(vmf32_residual)(num, t, den)) * rcp;
    V z, e;
    const V w = F(vmf32_atan_w)(t, &z);
    const V k = F(select_gt)(ay, ax, K(2.0f), F(fromuint)(four)) + F(fromuint)(F(asuint)(m) ^ sbits);
    const V h = F(vm_fast_two_sum)(k * K(0x1.921fb8p-1f), t, &e);
    const V lo = F(fma)(t, w, e + F(fma)(t_lo, ATAN_D(z), k * K(-0x1.5dde98p-24f)));
    V r = h + lo;
    const M tiny = F(lt)(r, K(0x1p-26f));                          /* k = 0 and t < 2^-26 */
    if (__builtin_expect(F(vm_any)(tiny), 0)) r = F(select)(tiny & F(gt)(ax, K(0.0f)), ay / ax, r);   /* (0/0: r = 0) */
    return NAN_IN2(y, x, F(fromuint)(F(asuint)(r) | (F(asuint)(y) & SIGN)));   /* r >= 0 */
}

#if RJ_VM_LEVEL >= RJ_VM_LEVEL_FOUR
/* hypot (at the 4-ULP level only: at the 1-ULP level the double route is faster than this with
 * the refinement 1 ULP needs): the larger magnitude scaled by 2^-70 past 2^60 and by 2^100 below
 * 2^-40 (exact; the squares then neither overflow nor underflow), the root of a^2 + b^2 in one
 * fma, scaled back: the sum's error (up to 3/4 of an ULP of it, 1 without fma) halves in the
 * root, which rounds once more (measured 1.01 ULP, 1.17 without fma). inf beats NaN, as in C. */
RJ_INLINE V F(hypot)(V x, V y)
{
    const V ax = F(abs)(x), ay = F(abs)(y);
    const V a = F(max)(ax, ay), b = F(min)(ax, ay);
    const M big = F(gt)(a, K(0x1p60f)), small = F(lt)(a, K(0x1p-40f));
    const V scale = F(select)(big, K(0x1p-70f), F(select)(small, K(0x1p100f), K(1.0f)));
    const V unscale = F(select)(big, K(0x1p70f), F(select)(small, K(0x1p-100f), K(1.0f)));
    const V as = a * scale, bs = b * scale;
    const V r = F(sqrt)(F(fma)(as, as, bs * bs)) * unscale;
    return F(select)(F(eq)(ax, K(INF)) | F(eq)(ay, K(INF)), K(INF), NAN_IN2(x, y, r));
}
#endif

#undef PIO2F_HI
#undef PIO2F_LO
#undef PIO4F_HI
#undef PIO4F_LO
#undef PIF_HI
#undef PIF_LO
#undef ATAN_D
