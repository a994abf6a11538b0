/* vsa.h - the integer SIMD layer for ternary hypervectors (trits -1, 0, +1).
 *
 * Dense vectors are int8 arrays; packed vectors are two bit planes (positive, negative) of
 * uint64 words. The tier comes from simd.h's RJ_VECTOR_BYTES (0 on the scalar tier, where a
 * "vector" here is one 8-byte word handled with plain C).
 *
 *   rj_vb           a vector of RJ_VB_WIDTH int8 trits;  rj_vb_load / rj_vb_store (unaligned)
 *   rj_vb_mul(a,b)  the trit product (a * b per lane; psignb where the tier has it)
 *   rj_popcount64   population count of one word
 *
 * Reductions accumulate per-lane int8 counts for at most RJ_VB_FLUSH steps (127 steps of +-1
 * cannot overflow an int8 lane), then widen them into an int64 total.
 */
#ifndef RJ_VSA_H
#define RJ_VSA_H

#include <stdint.h>
#include <string.h>
#include "simd.h"

#define RJ_VB_FLUSH 127

/* AVX-512 uses the AVX2 width here: AVX-512BW has neither a byte multiply nor psignb, and
 * 256-bit psignb and pshufb are what make trits fast. */
#if RJ_VECTOR_BYTES == 0
#  define RJ_VB_BYTES 8
#elif RJ_VECTOR_BYTES >= 32
#  define RJ_VB_BYTES 32
#  define RJ_VSA_AVX2 1
#else
#  define RJ_VB_BYTES RJ_VECTOR_BYTES
#endif
#define RJ_VB_WIDTH RJ_VB_BYTES

typedef int8_t rj_vb __attribute__((vector_size(RJ_VB_BYTES)));
typedef char rj_vc __attribute__((vector_size(RJ_VB_BYTES)));   /* what the byte builtins take */

static inline rj_vb rj_vb_load(const int8_t *p) { rj_vb v; memcpy(&v, p, sizeof v); return v; }
static inline void rj_vb_store(int8_t *p, rj_vb v) { memcpy(p, &v, sizeof v); }

/* a * b for trits: psignb(a, b) negates a where b < 0 and zeroes it where b == 0, which is the
 * product exactly. Without SSSE3 there is no byte multiply either, so the product is built from
 * bit operations: 1 where both are non-zero, negated where their signs differ. */
static inline rj_vb rj_vb_mul(rj_vb a, rj_vb b)
{
#if defined(RJ_VSA_AVX2)
    return (rj_vb)__builtin_ia32_psignb256((rj_vc)a, (rj_vc)b);
#elif defined(RJ_ISA_SSE41)
    return (rj_vb)__builtin_ia32_psignb128((rj_vc)a, (rj_vc)b);
#else
    const rj_vb both = a & b & 1;
    const rj_vb negate = (rj_vb)((a ^ b) < 0) & -both;
    return (both ^ negate) - negate;
#endif
}

/* Sum of the int8 lanes (each in -127..127) as int64. psadbw sums unsigned bytes, so the lanes
 * are biased by 128 first (xor of the sign bit) and the bias taken off the total. */
static inline int64_t rj_vb_sum(rj_vb v)
{
#if defined(RJ_VSA_AVX2)
    typedef long long rj_v4q __attribute__((vector_size(32)));
    const rj_v4q sums = (rj_v4q)__builtin_ia32_psadbw256((rj_vc)v ^ (char)0x80, (rj_vc){0});
    return sums[0] + sums[1] + sums[2] + sums[3] - 128 * RJ_VB_WIDTH;
#elif defined(RJ_ISA_SSE2) || defined(RJ_ISA_SSE41)
    typedef long long rj_v2q __attribute__((vector_size(16)));
    const rj_v2q sums = (rj_v2q)__builtin_ia32_psadbw128((rj_vc)v ^ (char)0x80, (rj_vc){0});
    return sums[0] + sums[1] - 128 * RJ_VB_WIDTH;
#else
    int64_t total = 0;
    for (int l = 0; l < RJ_VB_WIDTH; l++) total += v[l];
    return total;
#endif
}

static inline int rj_popcount64(uint64_t w)
{
    return __builtin_popcountll(w);
}

/* Packed planes are read RJ_PQ_LANES words at a time and counted into an rj_pc accumulator:
 * on AVX2 per-byte counts from a nibble lookup (pshufb), which 31 steps cannot overflow (31 * 8
 * < 256), turned into a total by psadbw only at each flush; elsewhere a plain popcount total. */
#if defined(RJ_VSA_AVX2)
#  define RJ_PQ_LANES 4
#  define RJ_PC_FLUSH 31
typedef uint64_t rj_pq __attribute__((vector_size(32)));
typedef rj_vc rj_pc;
static inline rj_pc rj_pc_count(rj_pq v)
{
    const rj_vc lut = {0, 1, 1, 2, 1, 2, 2, 3, 1, 2, 2, 3, 2, 3, 3, 4,
                       0, 1, 1, 2, 1, 2, 2, 3, 1, 2, 2, 3, 2, 3, 3, 4};
    const rj_vc low = (rj_vc)v & 0x0f;
    const rj_vc high = (rj_vc)(v >> 4) & 0x0f;
    return __builtin_ia32_pshufb256(lut, low) + __builtin_ia32_pshufb256(lut, high);
}
static inline int64_t rj_pc_total(rj_pc bytes)
{
    const rj_pq sums = (rj_pq)__builtin_ia32_psadbw256(bytes, (rj_vc){0});
    return (int64_t)(sums[0] + sums[1] + sums[2] + sums[3]);
}
#else
#  define RJ_PQ_LANES 1
#  define RJ_PC_FLUSH (1 << 30)
typedef uint64_t rj_pq;
typedef int64_t rj_pc;
static inline rj_pc rj_pc_count(rj_pq v) { return rj_popcount64(v); }
static inline int64_t rj_pc_total(rj_pc total) { return total; }
#endif

static inline rj_pq rj_pq_load(const uint64_t *p) { rj_pq v; memcpy(&v, p, sizeof v); return v; }

#endif /* RJ_VSA_H */
