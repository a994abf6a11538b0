/* vmath_dd.h (part of vmath_body.h) - error-free sums and products, and the test for lanes
 * that need the slow path.
 *
 * two_sum(a, b, &e): a + b = s + e exactly (Knuth). fast_two_sum: the same when |a| >= |b| or
 * a = 0 (Dekker). two_prod(a, b, &e): a * b = p + e exactly, by an fma where the tier fuses and
 * by Dekker's product of Veltkamp halves elsewhere (exact for |a|, |b| < 2^995, float 2^114, and
 * products that do not underflow); both are exact, so every tier gets the same p and e.
 */
RJ_INLINE V F(vm_two_sum)(V a, V b, V *e)
{
    const V s = a + b, bb = s - a;
    *e = (a - (s - bb)) + (b - bb);
    return s;
}

RJ_INLINE V F(vm_fast_two_sum)(V a, V b, V *e)
{
    const V s = a + b;
    *e = b - (s - a);
    return s;
}

RJ_INLINE V F(vm_two_prod)(V a, V b, V *e)
{
    const V p = a * b;
#if RJ_HAS_FMA
    *e = F(fma)(a, b, -p);
#elif defined(__FP_FAST_FMA) && !RJ_VM_VEC   /* the scalar tier on a machine with fma */
    *e = __builtin_fma(a, b, -p);
#else
#  ifdef RJ_VM_FLOAT
    const V ca = a * K(4097.0), cb = b * K(4097.0);             /* 2^12 + 1: halves of 12 bits */
#  else
    const V ca = a * K(134217729.0), cb = b * K(134217729.0);   /* 2^27 + 1 */
#  endif
    const V ah = ca - (ca - a), al = a - ah, bh = cb - (cb - b), bl = b - bh;
    *e = ((ah * bh - p) + ah * bl + al * bh) + al * bl;
#endif
    return p;
}

/* Whether any lane of a mask is set (simd.h's, per tier). */
RJ_INLINE int F(vm_any)(M m) { return MF(any)(m); }

/* Masks for selects alone: on AVX-512 a compare into a mask register and one blend a select,
 * where a vector mask's select takes two instructions; elsewhere the vector masks.
 *   KM_GT(a, b), KM_AND_GT(k, a, b), KM_AND_LT(k, a, b)   (k &) a > b, a < b; NaN never
 *   KM_BITS(u, c)      (u & c) != 0 for an unsigned vector u
 *   KM_SEL(k, x, y)    k ? x : y per lane */
#if RJ_VM_VEC && defined(RJ_ISA_AVX512)
typedef unsigned char F(vm_km_t);
#  define KM_GT(a, b) __builtin_ia32_cmppd512_mask((a), (b), 0x1e, (unsigned char)-1, 4)
#  define KM_AND_GT(k, a, b) __builtin_ia32_cmppd512_mask((a), (b), 0x1e, (k), 4)
#  define KM_AND_LT(k, a, b) __builtin_ia32_cmppd512_mask((a), (b), 0x11, (k), 4)
#  define KM_BITS(u, c) __builtin_ia32_cmpq512_mask((rj_v8ll)((u) & (c)), (rj_v8ll){0}, 4, (unsigned char)-1)
#  if defined(__clang__)
#    define KM_SEL(k, x, y) __builtin_ia32_selectpd_512((k), (x), (y))
#  else
#    define KM_SEL(k, x, y) __builtin_ia32_blendmpd_512_mask((y), (x), (k))
#  endif
#else
typedef M F(vm_km_t);
#  define KM_GT(a, b) F(gt)((a), (b))
#  define KM_AND_GT(k, a, b) ((k) & F(gt)((a), (b)))
#  define KM_AND_LT(k, a, b) ((k) & F(lt)((a), (b)))
#  define KM_BITS(u, c) IMASK(((u) & (c)) != 0)
#  define KM_SEL(k, x, y) F(select)((k), (x), (y))
#endif

/* (nh + nl) / (dh + dl) = qh + *ql: the quotient rounded, then refined by its residual, which
 * the exact product qh dh makes exact but for nl and dl */
RJ_INLINE V F(vm_div_dd)(V nh, V nl, V dh, V dl, V *ql)
{
    const V qh = nh / dh;
    V pe;
    const V p = F(vm_two_prod)(qh, dh, &pe);
    *ql = (((nh - p) - pe) + (nl - qh * dl)) / dh;
    return qh;
}

/* sqrt(wh + wl) = sh + *sl, *sl = 0 for a zero root */
RJ_INLINE V F(vm_sqrt_dd)(V wh, V wl, V *sl)
{
    const V sh = F(sqrt)(wh);
    V pe;
    const V p = F(vm_two_prod)(sh, sh, &pe);
    *sl = F(select_gt)(sh, K(0.0), (((wh - p) - pe) + wl) / (K(2.0) * sh), K(0.0));
    return sh;
}
