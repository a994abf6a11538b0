/* vmath.h - the elementwise math of kernels, on rj_vf / rj_vd and their scalar twins.
 *
 *   rj_vX_NAME(x), rj_vX_NAME(x, y): every function vmath_functions.h declares, one row each
 *   rj_vX_powi(x, k): x^k for its RJ_VM_POWER rows' k
 *   rj_vX_remainder(x, y), rj_vX_floor_divide(x, y): numpy's % and // (vmath_divmod.h)
 *   rj_f_* / rj_d_*: the scalar twins, bit for bit one lane of the vector version on the same tier
 *
 * NaN, infinities, signed zeros, denormals and domain errors as numpy (C99 Annex F): round is
 * numpy's round / rint (half to even), fmod has the sign of x, sign(-0.0) = 0.0. A NaN argument
 * comes out as itself (quietened; of two, the first, but nextafter's y first, as numpy), and a
 * domain error (log of a negative, arcsin(2), inf % 1, 0 // 0) gives the NaN an invalid
 * operation makes on the machine, RJ_VM_DEFAULT_NAN, as numpy's do: each function decides its
 * NaN explicitly, so a lane and its scalar twin agree on it too.
 *
 * The double algorithms are written once, in vmath_body.h and the files it includes, and
 * instantiated once, for rj_vd (for double on the scalar tier); a scalar twin is the vector
 * function on a vector holding its argument in lane 0, and so agrees with every lane by
 * construction, and kernels parse the algorithms once. A float function, at the half-ULP level,
 * runs a core written for floats' values in double arithmetic and rounds once (vmath_float.h), so
 * every float result is within a hair of half an ULP; at the 1- and 4-ULP levels it computes in
 * float on full-width vectors (vmath_f32.h: its cores are written once, in vmath_f32_*.h, for
 * rj_vf, the twins being lane 0 as for double). fma is simd.h's rj_*_fma (fused on tiers with FMA,
 * multiply-then-add on the others): tiers that have FMA (AVX2, AVX-512, NEON) give identical
 * results, as do the tiers without (scalar, SSE2, SSE4.1).
 * No intrinsics headers: simd.h's operations, C operators, integer views of the bits and a few
 * compiler builtins. Two slow paths run lane by lane, only when a vector holds such a lane:
 * sin, cos and tan of |x| >= 1.6e6 (double; float 2^25) reduce by Payne and Hanek
 * (vmath_reduce.h), and fmod with a quotient of 2^52 or more (float 2^29) calls libm's fmod,
 * exact like every fmod result.
 *
 * Every function is declared once, in vmath_functions.h, with the accuracy it is held to (README.md
 * states the same table; tests/test_vmath_bounds.py checks it): the worst error measured, in ULP
 * of the correctly rounded result, rounded up with at least 0.005 to spare: float over every 7th
 * float bit pattern (tests/c/vmath_check.c f NAME 7), double by a search of each function's range
 * against long double (vmath_check.c d NAME LO HI N, millions of samples where the errors were
 * largest; pow and arctan2 against quad precision), and both against mpmath on numpy's
 * validation tables, adversarial and random inputs (tests/test_vmath_reference.py); FMA tiers and
 * the others. The tests hold each function to it on every tier.
 * Polynomials are fitted for these files (Remez, minimax relative error; the fit's error is
 * given beside each) except fdlibm's (Sun) e_log.c R for double log.
 */
#ifndef RJ_VMATH_H
#define RJ_VMATH_H

#include "simd.h"
#include "vmath_families.h"   /* which of the functions below a kernel has */

/* Accuracy levels (JitConfig(ulp=...), which a kernel's source defines RJ_VM_LEVEL to):
 *   RJ_VM_LEVEL_HALF  float functions by the double cores rounded once: within a hair of 0.5 ULP
 *   RJ_VM_LEVEL_ONE   float functions computed in float on full-width vectors, within 1 ULP
 *   RJ_VM_LEVEL_FOUR  numpy's own class of bound (up to 4 ULP) where that buys speed
 * The double functions are the same at every level but where a row of vmath_functions.h's
 * RJ_VM_LEVEL_BOUNDS says otherwise. */
#define RJ_VM_LEVEL_HALF 0
#define RJ_VM_LEVEL_ONE 1
#define RJ_VM_LEVEL_FOUR 2
#ifndef RJ_VM_LEVEL
#  define RJ_VM_LEVEL RJ_VM_LEVEL_ONE
#endif

/* The NaN of an invalid operation (0/0, inf - inf, sqrt(-1)) on this machine: sign set on x86
 * (0xfff8000000000000, 0xffc00000 as a float), clear on AArch64. */
#if defined(__x86_64__) || defined(__i386__)
#  define RJ_VM_DEFAULT_NAN (-__builtin_nan(""))
#else
#  define RJ_VM_DEFAULT_NAN __builtin_nan("")
#endif

/* The bits of a value as an unsigned integer of its size, and back. memcpy is how C spells a
 * reinterpretation for scalars; for GCC vectors a cast of an equally sized vector is one. */
RJ_INLINE uint32_t rj_f_asuint(float x) { uint32_t u; __builtin_memcpy(&u, &x, sizeof u); return u; }
RJ_INLINE float rj_f_fromuint(uint32_t u) { float x; __builtin_memcpy(&x, &u, sizeof x); return x; }
RJ_INLINE uint64_t rj_d_asuint(double x) { uint64_t u; __builtin_memcpy(&u, &x, sizeof u); return u; }
RJ_INLINE double rj_d_fromuint(uint64_t u) { double x; __builtin_memcpy(&x, &u, sizeof x); return x; }
#if !RJ_VECTOR_BYTES   /* the scalar tier: its "vectors" are scalars */
RJ_INLINE uint32_t rj_vf_asuint(float x) { return rj_f_asuint(x); }
RJ_INLINE float rj_vf_fromuint(uint32_t u) { return rj_f_fromuint(u); }
RJ_INLINE uint64_t rj_vd_asuint(double x) { return rj_d_asuint(x); }
RJ_INLINE double rj_vd_fromuint(uint64_t u) { return rj_d_fromuint(u); }
#endif
#if RJ_VECTOR_BYTES
typedef uint32_t rj_vfu __attribute__((vector_size(RJ_VECTOR_BYTES)));
typedef uint64_t rj_vdu __attribute__((vector_size(RJ_VECTOR_BYTES)));
RJ_INLINE rj_vfu rj_vf_asuint(rj_vf x) { return (rj_vfu)x; }
RJ_INLINE rj_vf rj_vf_fromuint(rj_vfu u) { return (rj_vf)u; }
RJ_INLINE rj_vdu rj_vd_asuint(rj_vd x) { return (rj_vdu)x; }
RJ_INLINE rj_vd rj_vd_fromuint(rj_vdu u) { return (rj_vd)u; }
#endif

#include "vmath_round.h"
#if RJ_VM_HAS_TRIG
#  include "vmath_reduce.h"
#endif

#if RJ_VECTOR_BYTES
#define RJ_VM_P rj_vd
#define RJ_VM_MP rj_md
#define RJ_VM_V rj_vd
#define RJ_VM_U rj_vdu
#define RJ_VM_M rj_md
#define RJ_VM_VEC 1
#include "vmath_body.h"
/* The scalar twins: lane 0 of the vector function, the other lanes 0 (one instantiation
 * fewer to parse in every kernel; a twin is then its lane by construction). */
RJ_INLINE rj_vd rj_vm_lane0(double x) { rj_vd v = {0}; v[0] = x; return v; }
#define RJ_VM_TWIN1(NAME) RJ_INLINE double rj_d_##NAME(double x) { return rj_vd_##NAME(rj_vm_lane0(x))[0]; }
#define RJ_VM_TWIN2(NAME) \
    RJ_INLINE double rj_d_##NAME(double x, double y) { return rj_vd_##NAME(rj_vm_lane0(x), rj_vm_lane0(y))[0]; }
/* of each declared function (vmath_functions.h) of the kernel's families, the double function
 * and its float core vmf_* */
#define RJ_VM_TWINS1(NAME) RJ_VM_TWIN1(NAME) RJ_VM_TWIN1(vmf_##NAME)
#define RJ_VM_TWINS2(NAME) RJ_VM_TWIN2(NAME) RJ_VM_TWIN2(vmf_##NAME)
#define RJ_VM_UNARY(NAME, ...) RJ_VM_WHEN(NAME, RJ_VM_TWINS1)
#define RJ_VM_BINARY(NAME, ...) RJ_VM_WHEN(NAME, RJ_VM_TWINS2)
#include "vmath_functions.h"
#if RJ_VM_HAS_POW
RJ_INLINE double rj_d_powi(double x, int k) { return rj_vd_powi(rj_vm_lane0(x), k)[0]; }
RJ_INLINE double rj_d_vmf_powi(double x, int k) { return rj_vd_vmf_powi(rj_vm_lane0(x), k)[0]; }
#endif
#undef RJ_VM_TWIN1
#undef RJ_VM_TWIN2
#undef RJ_VM_TWINS1
#undef RJ_VM_TWINS2
#else
#define RJ_VM_P rj_d
#define RJ_VM_MP rj_mds
#define RJ_VM_V double
#define RJ_VM_U uint64_t
#define RJ_VM_M int
#define RJ_VM_VEC 0
#include "vmath_body.h"
#endif

#include "vmath_float.h"
#if RJ_VM_LEVEL != RJ_VM_LEVEL_HALF
#  include "vmath_f32.h"
#endif
#if RJ_VM_HAS_FMOD
#  include "vmath_divmod.h"
#endif

#undef LN2_1
#undef LN2_2
#undef LOG2E
#undef LN2_16_1
#undef LN2_16_2
#undef TWO_OVER_PI
#undef PIO2_HI
#undef PIO2_LO
#undef PI_HI
#undef PI_LO
#endif /* RJ_VMATH_H */
