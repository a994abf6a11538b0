/* vsa.h - the integer SIMD layer for ternary hypervectors (trits -1, 0, +1).
 *
 * It builds on rj_isa.h (the tier) and needs nothing of simd.h (the float layer). On x86 it
 * includes no intrinsics header (<immintrin.h> alone costs GCC ~0.5 s to parse, ten times a whole
 * kernel): GCC vector extensions give the arithmetic, and the few byte operations with no generic
 * form call the compiler's __builtin_ia32_* functions directly, which is all the intrinsics
 * headers do. NEON includes <arm_neon.h> (cheap there). It takes nothing from the including file
 * but the tier's RJ_ISA_* macro; vsa_dense.h and vsa_packed.h build the operations on it.
 *
 * Dense vectors are int8 arrays. Packed vectors are one uint64 buffer: RJ_WORDS_OF(dim) words of
 * the positive plane, as many of the negative plane (bit i of word w is trit 64*w + i; bits past
 * the dimension are zero), then one guard word holding the dimension, which kernels check so that
 * vectors of different dimensions but the same word count are told apart.
 *
 * Dense trits, RJ_VB_WIDTH of them per vector:
 *   rj_vb                   a vector of int8 trits;  rj_vb_load(p) / rj_vb_store(p, v), unaligned
 *   rj_vb_load_keep(p)      a load kept in a register (for a vector two terms read)
 *   rj_vb_mul(a, b)         the trit product per lane (psignb where the tier has it)
 *   rj_vb_nonzero(a)        1 where a != 0, else 0 (bit 0 is set in both 0x01 and 0xff)
 *   rj_vb_sum(v)            the sum of the lanes as int64 (lanes within -128..127)
 *   rj_vb_bits(m)           a lane mask (0 / -1 per lane) as bits, lane l in bit l
 *   RJ_VB_LAST_MASK(k)      -1 in the last k lanes, 0 elsewhere (a constant when k is): for the
 *                           final vector of a reduction, loaded overlapping the one before it
 *   RJ_VB_FLUSH             steps of +-1 an int8 lane takes before it must be widened (127)
 *
 * Packed words, RJ_PQ_WORDS uint64 per rj_pq:
 *   rj_pq                   RJ_PQ_WORDS words;  rj_pq_load(p) / rj_pq_store(p, v), unaligned
 *   RJ_PQ_LAST_MASK(k)      all ones in the last k word lanes (as RJ_VB_LAST_MASK)
 *   rj_pc                   a population-count accumulator: rj_pc_zero(),
 *   rj_pc_add(acc, v)       acc plus the set bits of v,   rj_pc_total(acc) as int64;
 *                           at most RJ_PC_FLUSH adds between a zero and its total
 *   rj_popcount64(w)        the set bits of one word (popcnt, or a SWAR count without it)
 *   rj_csa(&high, a, b, c)  a carry-save adder; RJ_PC_CSA says whether counts should use them
 *   RJ_WORDS_OF(dim)        the words per plane of a packed vector of dim trits,
 *   RJ_PACKED_LEN_OF(dim)   and its buffer's length, guard included
 *
 *   rj_cosine(dot, na, nb)  dot / sqrt(na * nb) from the counts of non-zero trits; 0.0 if one is 0
 */
#ifndef RJ_VSA_H
#define RJ_VSA_H

#include <stdint.h>
#include <string.h>

#include "rj_isa.h"

/* The byte width of one trit vector and which instructions build the operations.
 * AVX-512 keeps 32-byte vectors: AVX-512BW has neither psignb nor a byte multiply at 512 bits,
 * and on AMD Zen 4 (double-pumped 512-bit units) the wider registers would gain nothing; its
 * EVEX encodings (e.g. three-input logic) still come from the -mavx512* flags. */
#if defined(RJ_ISA_AVX2) || defined(RJ_ISA_AVX512)
#  if !defined(__AVX2__)
#    error "RJ_ISA_AVX2 / RJ_ISA_AVX512 need -mavx2 (or -mavx512*)"
#  endif
#  define RJ_VB_WIDTH 32
#  define RJ_VSA_X86_AVX2 1
#elif defined(RJ_ISA_SSE41)
#  define RJ_VB_WIDTH 16
#  define RJ_VSA_X86_SSSE3 1
#elif defined(RJ_ISA_SSE2)
#  define RJ_VB_WIDTH 16
#  define RJ_VSA_X86_SSE2 1
#elif defined(RJ_ISA_NEON)
#  include <arm_neon.h>
#  define RJ_VB_WIDTH 16
#else
#  define RJ_VB_WIDTH 8   /* plain C: the compiler picks what an 8-byte vector becomes */
#endif

#define RJ_VB_FLUSH 127

#define RJ_WORDS_OF(dim) (((dim) + 63) / 64)
#define RJ_PACKED_LEN_OF(dim) (2 * RJ_WORDS_OF(dim) + 1)

static inline double rj_cosine(int64_t dot, int64_t na, int64_t nb)
{
    return (na == 0 || nb == 0) ? 0.0 : (double)dot / __builtin_sqrt((double)na * (double)nb);
}

typedef int8_t rj_vb __attribute__((vector_size(RJ_VB_WIDTH)));
typedef uint8_t rj_vu8 __attribute__((vector_size(RJ_VB_WIDTH)));   /* the same bytes, wrapping */
typedef char rj_vc __attribute__((vector_size(RJ_VB_WIDTH)));        /* what the x86 byte builtins take */
typedef long long rj_vq __attribute__((vector_size(RJ_VB_WIDTH)));   /* ... and what psadbw gives */

static inline rj_vb rj_vb_load(const int8_t *p) { rj_vb v; memcpy(&v, p, sizeof v); return v; }
static inline void rj_vb_store(int8_t *p, rj_vb v) { memcpy(p, &v, sizeof v); }

/* A load whose value stays in a register. For a vector used by two terms (cosine reads each
 * trit for the product and for its norm), GCC otherwise folds the second use into another
 * memory operand: twice the loads, and the load ports become the limit. The empty asm makes
 * the value opaque, so it is loaded once. */
static inline rj_vb rj_vb_load_keep(const int8_t *p)
{
    rj_vb v = rj_vb_load(p);
#if defined(RJ_ISA_AVX512)
    __asm__("" : "+v"(v));   /* any of the 32 EVEX registers */
#elif defined(RJ_VSA_X86_AVX2) || defined(RJ_VSA_X86_SSSE3) || defined(RJ_VSA_X86_SSE2)
    __asm__("" : "+x"(v));
#elif defined(RJ_ISA_NEON)
    __asm__("" : "+w"(v));
#endif
    return v;
}

static inline rj_vb rj_vb_mul(rj_vb a, rj_vb b)
{
#if defined(RJ_VSA_X86_AVX2)
    return (rj_vb)__builtin_ia32_psignb256((rj_vc)a, (rj_vc)b);   /* a negated where b < 0, 0 where b == 0 */
#elif defined(RJ_VSA_X86_SSSE3)
    return (rj_vb)__builtin_ia32_psignb128((rj_vc)a, (rj_vc)b);
#elif defined(RJ_ISA_NEON)
    return (rj_vb)((rj_vu8)a * (rj_vu8)b);   /* one mul.16b; unsigned, as a byte that is no trit may overflow */
#else
    /* no byte multiply: 1 where both are non-zero, negated where the signs differ */
    const rj_vb both = a & b & 1;
    const rj_vb negate = (rj_vb)((a ^ b) < 0) & -both;
    return (both ^ negate) - negate;
#endif
}

static inline rj_vb rj_vb_nonzero(rj_vb a) { return a & 1; }

/* Bit l set where lane l of a comparison mask (0 or -1 per lane) is set: pmovmskb on x86. */
static inline uint64_t rj_vb_bits(rj_vb m)
{
#if defined(RJ_VSA_X86_AVX2)
    return (uint32_t)__builtin_ia32_pmovmskb256((rj_vc)m);
#elif defined(RJ_VSA_X86_SSSE3) || defined(RJ_VSA_X86_SSE2)
    return (uint32_t)__builtin_ia32_pmovmskb128((rj_vc)m);
#else
    uint64_t bits = 0;
    for (int l = 0; l < RJ_VB_WIDTH; l++) bits |= (uint64_t)(m[l] & 1) << l;
    return bits;
#endif
}

static inline int64_t rj_vb_sum(rj_vb v)
{
#if defined(RJ_VSA_X86_AVX2)
    /* psadbw sums unsigned bytes: bias the lanes by 128 (flip the sign bit), take it off after */
    const rj_vq s = (rj_vq)__builtin_ia32_psadbw256((rj_vc)v ^ (char)0x80, (rj_vc){0});
    return s[0] + s[1] + s[2] + s[3] - 128 * RJ_VB_WIDTH;
#elif defined(RJ_VSA_X86_SSSE3) || defined(RJ_VSA_X86_SSE2)
    const rj_vq s = (rj_vq)__builtin_ia32_psadbw128((rj_vc)v ^ (char)0x80, (rj_vc){0});
    return s[0] + s[1] - 128 * RJ_VB_WIDTH;
#elif defined(RJ_ISA_NEON)
    return vaddlvq_s8((int8x16_t)v);
#else
    int64_t total = 0;
    for (int l = 0; l < RJ_VB_WIDTH; l++) total += v[l];
    return total;
#endif
}

#if RJ_VB_WIDTH == 32
#  define RJ_VB_IOTA ((rj_vb){0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, \
                              21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31})
#elif RJ_VB_WIDTH == 16
#  define RJ_VB_IOTA ((rj_vb){0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15})
#else
#  define RJ_VB_IOTA ((rj_vb){0, 1, 2, 3, 4, 5, 6, 7})
#endif
#define RJ_VB_LAST_MASK(k) ((rj_vb)(RJ_VB_IOTA >= (int8_t)(RJ_VB_WIDTH - (k))))

/* ---- population counts over packed words ---------------------------------------------------- */

/* One word. With popcnt (x86 -mpopcnt) or on AArch64 the builtin is one instruction; elsewhere
 * GCC would call libgcc, so count in SWAR steps instead. */
static inline int64_t rj_popcount64(uint64_t w)
{
#if defined(__POPCNT__) || defined(__aarch64__)
    return __builtin_popcountll(w);
#else
    w -= (w >> 1) & 0x5555555555555555ull;
    w = (w & 0x3333333333333333ull) + ((w >> 2) & 0x3333333333333333ull);
    w = (w + (w >> 4)) & 0x0f0f0f0f0f0f0f0full;
    return (int64_t)((w * 0x0101010101010101ull) >> 56);
#endif
}

#if defined(RJ_VSA_X86_AVX2) || defined(RJ_VSA_X86_SSSE3) || defined(RJ_VSA_X86_SSE2) || defined(RJ_ISA_NEON)
#  define RJ_PQ_WORDS (RJ_VB_WIDTH / 8)
typedef uint64_t rj_pq __attribute__((vector_size(RJ_VB_WIDTH)));
/* rj_pc: per-byte counts (each add puts at most 8 in a byte: 31 adds stay below 256), made a
 * total by psadbw / a widening add only when asked. Unsigned: a count above 127 is no overflow. */
typedef unsigned char rj_pc __attribute__((vector_size(RJ_VB_WIDTH)));
#  define RJ_PC_FLUSH 31
static inline rj_pc rj_pc_zero(void) { return (rj_pc){0}; }
static inline rj_pc rj_pc_add(rj_pc acc, rj_pq v)
{
#  if defined(RJ_VSA_X86_AVX2) || defined(RJ_VSA_X86_SSSE3)
    /* nibble lookup (pshufb): the count of each 4-bit half, two lookups a byte */
    const rj_vc lut =
#    if RJ_VB_WIDTH == 32
        {0, 1, 1, 2, 1, 2, 2, 3, 1, 2, 2, 3, 2, 3, 3, 4, 0, 1, 1, 2, 1, 2, 2, 3, 1, 2, 2, 3, 2, 3, 3, 4};
#      define RJ_PSHUFB __builtin_ia32_pshufb256
#    else
        {0, 1, 1, 2, 1, 2, 2, 3, 1, 2, 2, 3, 2, 3, 3, 4};
#      define RJ_PSHUFB __builtin_ia32_pshufb128
#    endif
    const rj_vc low = (rj_vc)v & 0x0f, high = (rj_vc)(v >> 4) & 0x0f;
    return acc + (rj_pc)RJ_PSHUFB(lut, low) + (rj_pc)RJ_PSHUFB(lut, high);
#    undef RJ_PSHUFB
#  elif defined(RJ_ISA_NEON)
    return acc + (rj_pc)vcntq_u8((uint8x16_t)v);
#  else
    /* SSE2: the SWAR count on both words at once, down to counts per byte */
    v -= (v >> 1) & 0x5555555555555555ull;
    v = (v & 0x3333333333333333ull) + ((v >> 2) & 0x3333333333333333ull);
    v = (v + (v >> 4)) & 0x0f0f0f0f0f0f0f0full;
    return acc + (rj_pc)v;
#  endif
}
static inline int64_t rj_pc_total(rj_pc acc)
{
#  if defined(RJ_VSA_X86_AVX2)
    const rj_vq s = (rj_vq)__builtin_ia32_psadbw256((rj_vc)acc, (rj_vc){0});
    return s[0] + s[1] + s[2] + s[3];
#  elif defined(RJ_ISA_NEON)
    return vaddlvq_u8((uint8x16_t)acc);
#  else
    const rj_vq s = (rj_vq)__builtin_ia32_psadbw128((rj_vc)acc, (rj_vc){0});
    return s[0] + s[1];
#  endif
}
#else
/* Plain C: one word at a time. Without popcnt, SWAR byte counts accumulate in a word (31 adds
 * stay below 256 per byte) and are summed at the total; with it, a plain running count. */
#  define RJ_PQ_WORDS 1
typedef uint64_t rj_pq;
#  if defined(__POPCNT__) || defined(__aarch64__)
#    define RJ_PC_FLUSH (1 << 30)
typedef int64_t rj_pc;
static inline rj_pc rj_pc_zero(void) { return 0; }
static inline rj_pc rj_pc_add(rj_pc acc, rj_pq v) { return acc + __builtin_popcountll(v); }
static inline int64_t rj_pc_total(rj_pc acc) { return acc; }
#  else
#    define RJ_PC_FLUSH 31
typedef uint64_t rj_pc;
static inline rj_pc rj_pc_zero(void) { return 0; }
static inline rj_pc rj_pc_add(rj_pc acc, rj_pq v)
{
    v -= (v >> 1) & 0x5555555555555555ull;
    v = (v & 0x3333333333333333ull) + ((v >> 2) & 0x3333333333333333ull);
    return acc + ((v + (v >> 4)) & 0x0f0f0f0f0f0f0f0full);
}
static inline int64_t rj_pc_total(rj_pc acc)
{
    acc = (acc & 0x00ff00ff00ff00ffull) + ((acc >> 8) & 0x00ff00ff00ff00ffull);   /* 16-bit sums */
    return (int64_t)((acc * 0x0001000100010001ull) >> 48);
}
#  endif
#endif

/* RJ_PC_CSA: whether counting pays for a carry-save stage first (Harley-Seal): four inputs go
 * through three carry-save adders (a full adder per bit, bitwise; one instruction each with
 * AVX-512's three-input logic) into one count of weight 4, plus running "ones" and "twos" words
 * counted once at the end. Worth it where a count is several instructions (nibble lookups,
 * SWAR); not where it is one (NEON cnt, x86 popcnt on a word). */
#if defined(RJ_ISA_NEON) || (RJ_PQ_WORDS == 1 && (defined(__POPCNT__) || defined(__aarch64__)))
#  define RJ_PC_CSA 0
#else
#  define RJ_PC_CSA 1
#endif

/* The carry-save adder: *high gets the carries of a + b + c (bitwise), the result the sums. On
 * AVX-512 each is one three-input logic instruction (majority 0xe8, parity 0x96): GCC makes four
 * instructions of the generic form. */
#if defined(RJ_ISA_AVX512) && RJ_PQ_WORDS == 4 && RJ_HAS_BUILTIN(__builtin_ia32_pternlogq256_mask)
typedef long long rj_v4di __attribute__((vector_size(32)));
#  define RJ_TERNLOG(a, b, c, imm) \
    ((rj_pq)__builtin_ia32_pternlogq256_mask((rj_v4di)(a), (rj_v4di)(b), (rj_v4di)(c), (imm), (unsigned char)0xff))
static inline rj_pq rj_csa(rj_pq *high, rj_pq a, rj_pq b, rj_pq c)
{
    *high = RJ_TERNLOG(a, b, c, 0xe8);
    return RJ_TERNLOG(a, b, c, 0x96);
}
#else
static inline rj_pq rj_csa(rj_pq *high, rj_pq a, rj_pq b, rj_pq c)
{
    const rj_pq u = a ^ b;
    *high = (a & b) | (u & c);
    return u ^ c;
}
#endif

static inline rj_pq rj_pq_load(const uint64_t *p) { rj_pq v; memcpy(&v, p, sizeof v); return v; }
static inline void rj_pq_store(uint64_t *p, rj_pq v) { memcpy(p, &v, sizeof v); }
/* -1 in the last k word lanes, 0 elsewhere: for a plane's last group, loaded overlapping the
 * one before it (a memcpy'd partial load would stall on store forwarding). */
#if RJ_PQ_WORDS == 4
#  define RJ_PQ_IOTA ((rj_pq){0, 1, 2, 3})
#elif RJ_PQ_WORDS == 2
#  define RJ_PQ_IOTA ((rj_pq){0, 1})
#else
#  define RJ_PQ_IOTA ((rj_pq)0)
#endif
#define RJ_PQ_LAST_MASK(k) ((rj_pq)(RJ_PQ_IOTA >= (uint64_t)(RJ_PQ_WORDS - (k))))

/* The first n < RJ_PQ_WORDS words; the rest read as zero / are not written. */
static inline rj_pq rj_pq_load_part(const uint64_t *p, int64_t n)
{
    rj_pq v;
    memset(&v, 0, sizeof v);
    memcpy(&v, p, (size_t)n * 8);
    return v;
}
static inline void rj_pq_store_part(uint64_t *p, rj_pq v, int64_t n) { memcpy(p, &v, (size_t)n * 8); }

#endif /* RJ_VSA_H */
