/* rj_isa.h - which ISA tier a kernel is built for, and what that tier has.
 *
 * Exactly one RJ_ISA_* macro, given on the command line (resin_jit/toolchain/isa.py's table holds each
 * tier's macro and flags), picks the tier; simd.h (float vectors) and vsa.h (trit vectors) both
 * build on what this header works out from it:
 *
 *   RJ_VECTOR_BYTES   the tier's register width in bytes (0: the scalar tier)
 *   RJ_ISA_NAME       the tier's name, as resin_jit spells it
 *   RJ_HAS_FMA        1 if it has fused multiply-add
 *   RJ_HAS_ROUND      1 if it has a round-down instruction
 *   RJ_INLINE         what every helper of the headers is declared with
 *   RJ_HAS_BUILTIN(B) 1 if the compiler has builtin B (a feature test, never a compiler's name)
 *
 * A tier whose -m flags are missing fails here first, before the puzzling errors about builtins
 * further down.
 */
#ifndef RJ_ISA_H
#define RJ_ISA_H

#if defined(RJ_ISA_SCALAR) + defined(RJ_ISA_SSE2) + defined(RJ_ISA_SSE41) + defined(RJ_ISA_AVX2) \
    + defined(RJ_ISA_AVX512) + defined(RJ_ISA_NEON) != 1
#  error "rj_isa.h: define exactly one of RJ_ISA_SCALAR, RJ_ISA_SSE2, RJ_ISA_SSE41, RJ_ISA_AVX2, RJ_ISA_AVX512, RJ_ISA_NEON"
#endif

#if defined(RJ_ISA_AVX512)
#  if !(defined(__AVX512F__) && defined(__AVX512DQ__) && defined(__AVX512VL__) && defined(__AVX512BW__) && defined(__FMA__))
#    error "RJ_ISA_AVX512 needs -mavx512f -mavx512dq -mavx512vl -mavx512bw -mfma"
#  endif
#  define RJ_VECTOR_BYTES 64
#  define RJ_ISA_NAME "avx512"
#elif defined(RJ_ISA_AVX2)
#  if !(defined(__AVX2__) && defined(__FMA__))
#    error "RJ_ISA_AVX2 needs -mavx2 -mfma"
#  endif
#  define RJ_VECTOR_BYTES 32
#  define RJ_ISA_NAME "avx2"
#elif defined(RJ_ISA_SSE41)
#  if !defined(__SSE4_1__)
#    error "RJ_ISA_SSE41 needs -msse4.1"
#  endif
#  define RJ_VECTOR_BYTES 16
#  define RJ_ISA_NAME "sse4.1"
#elif defined(RJ_ISA_SSE2)
#  if !defined(__SSE2__)
#    error "RJ_ISA_SSE2 needs -msse2 on x86"
#  endif
#  define RJ_VECTOR_BYTES 16
#  define RJ_ISA_NAME "sse2"
#elif defined(RJ_ISA_NEON)
#  if !defined(__aarch64__)
#    error "RJ_ISA_NEON needs an AArch64 compiler (e.g. aarch64-linux-gnu-gcc -march=armv8-a)"
#  endif
#  include <arm_neon.h>   /* only x86 compile latency matters; this one is cheap enough */
#  define RJ_VECTOR_BYTES 16
#  define RJ_ISA_NAME "neon"
#else
#  define RJ_VECTOR_BYTES 0
#  define RJ_ISA_NAME "scalar"
#endif

#if defined(RJ_ISA_AVX2) || defined(RJ_ISA_AVX512) || defined(RJ_ISA_NEON)
#  define RJ_HAS_FMA 1
#else
#  define RJ_HAS_FMA 0
#endif

/* SSE2 and the scalar tier have no round-down instruction: floor is computed (see below). */
#if defined(RJ_ISA_SSE41) || defined(RJ_ISA_AVX2) || defined(RJ_ISA_AVX512) || defined(RJ_ISA_NEON)
#  define RJ_HAS_ROUND 1
#else
#  define RJ_HAS_ROUND 0
#endif

/* Whether the compiler has builtin B: gcc 10 and later and every clang answer __has_builtin; a
 * compiler that cannot is taken to have none, and gets each user's portable fallback. */
#if defined(__has_builtin)
#  define RJ_HAS_BUILTIN(B) __has_builtin(B)
#else
#  define RJ_HAS_BUILTIN(B) 0
#endif

/* always_inline: kernels built at -O0 (for debugging) still get straight-line code. */
#define RJ_INLINE static inline __attribute__((always_inline))
#endif /* RJ_ISA_H */
