/* vmath_reduce.h - the large-argument reduction of sin, cos and tan (Payne and Hanek): for a
 * finite double x far from zero, x = (4k + q) pi/2 + r with |r| <= pi/4 + a hair, r as a
 * double-double, to about 2^-120 absolute.
 *
 * The vector functions reduce by Cody and Waite while |x| is moderate (vmath_trig.h); the rare
 * lanes beyond go one at a time through rj_vm_rem_pio2_big, and so do their scalar twins, so a
 * lane and its twin agree. Everything here is integer arithmetic and exact floating-point
 * operations (an fma or Dekker's product, both exact), so every tier gets the same r.
 *
 * x = m 2^e with m a 53-bit integer. Only the bits of 2/pi from 2^-(e-1) on matter for
 * x 2/pi mod 4 (the earlier ones give multiples of 4): 192 of them, times m (three 64 x 64-bit
 * products), leave the quadrant in bits 190-191 of the product and 128 bits of fraction below. The closest a double comes to
 * a multiple of pi/2 is about 2^-61 (Kahan and McDonald), so the fraction keeps at least 67
 * significant bits.
 */
#ifndef RJ_VMATH_REDUCE_H
#define RJ_VMATH_REDUCE_H

#if !defined(__SIZEOF_INT128__)
#  error "vmath_reduce.h needs unsigned __int128 (a 64-bit target)"
#endif

/* a * b = hi + *lo exactly, for |a|, |b| < 2^995 and a product that does not underflow */
static inline double rj_vm_exact_mul(double a, double b, double *lo)
{
    const double hi = a * b;
#if defined(__FP_FAST_FMA)
    *lo = __builtin_fma(a, b, -hi);
#else
    const double ca = a * 134217729.0, cb = b * 134217729.0;  /* Veltkamp: 2^27 + 1 */
    const double ah = ca - (ca - a), al = a - ah, bh = cb - (cb - b), bl = b - bh;
    *lo = ((ah * bh - hi) + ah * bl + al * bh) + al * bl;
#endif
    return hi;
}

static inline double rj_vm_pow2(int k) /* 2^k for a normal result */
{
    const uint64_t bits = (uint64_t)(k + 1023) << 52;
    double x;
    __builtin_memcpy(&x, &bits, sizeof x);
    return x;
}

/* r = *lo + the result, and *quadrant = q (0 to 3), for finite x with |x| >= 2^20. */
static __attribute__((noinline, cold, unused)) double rj_vm_rem_pio2_big(double x, double *lo, uint32_t *quadrant)
{
    /* the bits of 2/pi, after 64 zero bits: table bit 64 + i - 1 is 2/pi's bit 2^-i */
    static const uint64_t two_over_pi[21] = {
        0x0000000000000000ull, 0xa2f9836e4e441529ull, 0xfc2757d1f534ddc0ull, 0xdb6295993c439041ull,
        0xfe5163abdebbc561ull, 0xb7246e3a424dd2e0ull, 0x06492eea09d1921cull, 0xfe1deb1cb129a73eull,
        0xe88235f52ebb4484ull, 0xe99c7026b45f7e41ull, 0x3991d639835339f4ull, 0x9c845f8bbdf9283bull,
        0x1ff897ffde05980full, 0xef2f118b5a0a6d1full, 0x6d367ecf27cb09b7ull, 0x4f463f669e5fea2dull,
        0x7527bac7ebe5f17bull, 0x3d0739f78a5292eaull, 0x6bfb5fb11f8d5d08ull, 0x56033046fc7b6babull,
        0xf0cfbc209af4361dull,
    };
    typedef unsigned __int128 u128;
    uint64_t bits;
    __builtin_memcpy(&bits, &x, sizeof bits);
    const int e = (int)((bits >> 52) & 0x7ff) - 1075;
    const uint64_t m = (bits & 0x000fffffffffffffull) | (1ull << 52);

    /* the window: 2/pi's bits 2^-(e-1) to 2^-(e+190), three words, most significant first */
    const int start = e + 62, a = start >> 6, s = start & 63;
    uint64_t w[3];
    for (int i = 0; i < 3; i++)
        w[i] = s ? (two_over_pi[a + i] << s) | (two_over_pi[a + i + 1] >> (64 - s)) : two_over_pi[a + i];
    /* m w = p: x 2/pi mod 4 = p 2^-190, so the quadrant is in bits 190-191 of p */
    const u128 p0 = (u128)m * w[2], p1 = (u128)m * w[1], p2 = (u128)m * w[0];
    const u128 mid = (p0 >> 64) + (uint64_t)p1;
    const uint64_t l1 = (uint64_t)mid, l2 = (uint64_t)((mid >> 64) + (p1 >> 64) + (uint64_t)p2);
    uint32_t q = (uint32_t)(l2 >> 62);
    uint64_t fhi = (l2 << 2) | (l1 >> 62), flo = (l1 << 2) | ((uint64_t)p0 >> 62);
    double sign = 1.0;
    if (fhi >> 63) { /* a fraction of 1/2 or more: the next quadrant, fraction - 1 */
        q += 1;
        sign = -1.0;
        flo = ~flo + 1;
        fhi = ~fhi + (flo == 0);
    }
    if ((fhi | flo) == 0) { /* x an exact multiple of pi/2: only ever 0 */
        *lo = 0.0;
        *quadrant = q & 3;
        return 0.0;
    }
    const int lz = fhi ? __builtin_clzll(fhi) : 64 + __builtin_clzll(flo);
    if (lz >= 64) {
        fhi = flo << (lz - 64);
        flo = 0;
    } else if (lz) {
        fhi = (fhi << lz) | (flo >> (64 - lz));
        flo <<= lz;
    }
    /* the fraction = (fhi 2^64 + flo) 2^-(128 + lz), as top 53 bits + the next 64 */
    const double f_hi = (double)(fhi >> 11) * rj_vm_pow2(-53 - lz);
    const double f_lo = (double)((fhi << 53) | (flo >> 11)) * rj_vm_pow2(-117 - lz);
    double r_lo;
    const double r_hi = rj_vm_exact_mul(f_hi, 0x1.921fb54442d18p+0, &r_lo);   /* pi/2 as hi + lo */
    r_lo += f_hi * 0x1.1a62633145c07p-54 + f_lo * 0x1.921fb54442d18p+0;
    const double r = r_hi + r_lo;
    r_lo -= r - r_hi;
    if (x < 0) {
        sign = -sign;
        q = 0u - q;
    }
    *lo = sign * r_lo;
    *quadrant = q & 3;
    return sign * r;
}

#endif /* RJ_VMATH_REDUCE_H */
