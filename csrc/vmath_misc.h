/* vmath_misc.h (part of vmath_body.h) - hypot and fmod; the float cores vmf_*. */

/* sqrt(x^2 + y^2) without overflow or underflow: the larger magnitude a is scaled into
 * [2^-450, 2^450] by 2^-+600 (exact), the squares summed as a double-double, the root refined
 * by one Newton step on that sum, and scaled back. A denormal result is rounded once, at the
 * denormals' spacing, as vm_exp_finish does: (h + corr) 2^-600 = t 2^-1022 with t < 1 rounded
 * where 1 + t rounds. inf beats NaN, as in C. */
RJ_INLINE V F(hypot)(V x, V y)
{
    const V ax = F(abs)(x), ay = F(abs)(y);
    const V a = F(max)(ax, ay), b = F(min)(ax, ay);
    const M big = F(gt)(a, K(0x1p450)), small = F(lt)(a, K(0x1p-450));
    const V scale = F(select)(big, K(0x1p-600), F(select)(small, K(0x1p600), K(1.0)));
    const V unscale = F(select)(big, K(0x1p600), F(select)(small, K(0x1p-600), K(1.0)));
    const V as = a * scale, bs = b * scale;
    V ae, be, se, he;
    const V a2 = F(vm_two_prod)(as, as, &ae), b2 = F(vm_two_prod)(bs, bs, &be);
    const V s = F(vm_fast_two_sum)(a2, b2, &se);
    const V h = F(sqrt)(s);
    const V hh = F(vm_two_prod)(h, h, &he);
    const V corr = F(select_gt)(h, K(0.0), (((s - hh) - he) + (se + (ae + be))) / (K(2.0) * h), K(0.0));
    V r = (h + corr) * unscale;
    const M denormal = small & F(lt)(r, K(MIN_NORMAL));
    if (__builtin_expect(F(vm_any)(denormal), 0)) {      /* rare: both arguments below 2^-1022 */
        V tl;
        const V t = F(vm_fast_two_sum)(K(1.0), h * K(0x1p422), &tl);
        r = F(select)(denormal, ((t + (tl + corr * K(0x1p422))) - K(1.0)) * K(0x1p-1022), r);
    }
    return F(select)(F(eq)(ax, K(INF)) | F(eq)(ay, K(INF)), K(INF), NAN_IN2(x, y, r));
}

/* The IEEE cases of fmod: NaN for a NaN (the first), x infinite or y zero (the domain error's);
 * x itself when |x| < |y| (y = +-inf included). *slow: the lanes left for libm (huge quotients). */
RJ_INLINE V F(vm_fmod_cases)(V x, V y, V fast, M fast_ok, M *slow)
{
    const V ax = F(abs)(x), ay = F(abs)(y);
    const M invalid = F(ne)(x, x) | F(ne)(y, y) | F(eq)(ax, K(INF)) | F(eq)(ay, K(0.0));
    const M trivial = F(lt)(ax, ay);
    *slow = MF(not)(invalid | trivial | fast_ok);
    return NAN_IN2(x, y, F(select)(invalid, K(NAN_), F(select)(trivial, x, fast)));
}

/* the lanes of slow through libm's fmod, which is exact as is every result here */
static __attribute__((noinline, cold, unused)) V F(vm_fmod_lanes)(V x, V y, V r, M slow)
{
    FOR_EACH_SET_LANE(slow, l) LANE(r, l) = __builtin_fmod(LANE(x, l), LANE(y, l));
    return r;
}

RJ_INLINE V F(vm_fmod_slow)(V x, V y, V r, M slow)
{
    return __builtin_expect(F(vm_any)(slow), 0) ? F(vm_fmod_lanes)(x, y, r, slow) : r;
}

/* fmod as C and numpy: x - q y with q = trunc(x / y), exact, with the sign of x (zeros too).
 * |x| - q |y| is exact from the exact product q |y| = p + pe (|x| - p cancels exactly); q may
 * be one too large where |x|/|y| rounded up to an integer, leaving r in (-|y|, 0): r + |y|.
 * Valid while q < 2^52 and |y| is inside [2^-960, 2^995) (the product's error term stays
 * normal); other lanes go to libm. */
RJ_INLINE V F(fmod)(V x, V y)
{
    const V ax = F(abs)(x), ay = F(abs)(y), ratio = ax / ay;
    const V q = F(trunc)(ratio);
    V pe;
    const V p = F(vm_two_prod)(q, ay, &pe);
    V r = (ax - p) - pe;
    r = F(select_lt)(r, K(0.0), r + ay, r);
    const M ok = F(lt)(ratio, K(0x1p52)) & F(ge)(ay, K(0x1p-960)) & F(lt)(ay, K(0x1p995));
    M slow;
    const V res = F(vm_fmod_cases)(x, y, F(copysign)(r, x), ok, &slow);
    return F(vm_fmod_slow)(x, y, res, slow);
}

/* ---- the float cores (see vmath_exp.h) */

/* float values: for q < 2^29, q |y| is exact in double (29 + 24 bits), and so is |x| - q |y| */
RJ_INLINE V F(vmf_fmod)(V x, V y)
{
    const V ax = F(abs)(x), ay = F(abs)(y), ratio = ax / ay;
    V r = ax - F(trunc)(ratio) * ay;
    r = F(select_lt)(r, K(0.0), r + ay, r);
    M slow;
    const V res = F(vm_fmod_cases)(x, y, F(copysign)(r, x), F(lt)(ratio, K(0x1p29)), &slow);
    return F(vm_fmod_slow)(x, y, res, slow);
}

/* float values: the squares are exact in double and their sum cannot overflow */
RJ_INLINE V F(vmf_hypot)(V x, V y)
{
    const V r = NAN_IN2(x, y, F(sqrt)(x * x + y * y));
    return F(select)(F(eq)(F(abs)(x), K(INF)) | F(eq)(F(abs)(y), K(INF)), K(INF), r);
}
