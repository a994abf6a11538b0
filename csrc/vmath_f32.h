/* vmath_f32.h - the float functions at the 1-ULP and 4-ULP levels (included by vmath.h after
 * vmath_float.h when RJ_VM_LEVEL is RJ_VM_LEVEL_ONE or above).
 *
 * A function with a float core (vmath_fbody.h's files) computes in float on full-width vectors;
 * its scalar twin rj_f_NAME is lane 0 of the vector function, as the double twins are, so a
 * sample gives the same bits in a vector body and in a scalar tail. A function listed in
 * RJ_VMF_WIDE_ROWS has no float core (yet, or because the double route is as fast): it is
 * vmath_float.h's rj_vf_wide_NAME, the double core rounded once. Every function of
 * vmath_functions.h's RJ_VM_UNARY and RJ_VM_BINARY rows is in exactly one of the two lists.
 */
#include "vmath_fbody.h"

/* the functions with a float core only at the 4-ULP level: at the 1-ULP level the double route
 * is as fast as a float core refined to 1 ULP */
#if RJ_VM_LEVEL >= RJ_VM_LEVEL_FOUR
#  define RJ_VMF_FOUR_ROWS(ROW1, ROW2) ROW2(hypot)
#  define RJ_VMF_ONE_ROWS(ROW1, ROW2)
#else
#  define RJ_VMF_FOUR_ROWS(ROW1, ROW2)
#  define RJ_VMF_ONE_ROWS(ROW1, ROW2) ROW2(hypot)
#endif
/* the functions with a float core, and those by the double route: ROW1 unary, ROW2 binary */
#define RJ_VMF_CORE_ROWS(ROW1, ROW2)                                                              \
    ROW1(exp) ROW1(expm1) ROW1(sinh) ROW1(cosh) ROW1(tanh)                                        \
    ROW1(log) ROW1(log1p) ROW1(log2) ROW1(log10) ROW1(arcsinh) ROW1(arccosh) ROW1(arctanh)       \
    ROW2(pow) ROW1(cbrt)                                                                          \
    ROW1(sin) ROW1(cos) ROW1(tan) ROW1(arcsin) ROW1(arccos) ROW1(arctan) ROW2(arctan2)             \
    RJ_VMF_FOUR_ROWS(ROW1, ROW2)
#define RJ_VMF_WIDE_ROWS(ROW1, ROW2)                                                              \
    RJ_VMF_ONE_ROWS(ROW1, ROW2)                                                                   \
    ROW2(fmod)
/* x**k for the constant k of RJ_VM_POWER rows: a float core, or the double route (at
 * RJ_VM_LEVEL_ONE, where it is the faster: vmath_f32_pow.h) */
#define RJ_VMF_POWI_CORE (RJ_VM_LEVEL == RJ_VM_LEVEL_FOUR)

#if RJ_VECTOR_BYTES
RJ_INLINE rj_vf rj_vm_lane0f(float x) { rj_vf v = {0}; v[0] = x; return v; }
#  define RJ_VMF_TWIN1(NAME) RJ_INLINE float rj_f_##NAME(float x) { return rj_vf_##NAME(rj_vm_lane0f(x))[0]; }
#  define RJ_VMF_TWIN2(NAME) \
    RJ_INLINE float rj_f_##NAME(float x, float y) { return rj_vf_##NAME(rj_vm_lane0f(x), rj_vm_lane0f(y))[0]; }
#else   /* the scalar tier: rj_vf is float, and the float core is the twin */
#  define RJ_VMF_TWIN1(NAME) RJ_INLINE float rj_f_##NAME(float x) { return rj_vf_##NAME(x); }
#  define RJ_VMF_TWIN2(NAME) RJ_INLINE float rj_f_##NAME(float x, float y) { return rj_vf_##NAME(x, y); }
#endif
#define RJ_VMF_WIDE1(NAME)                                                                       \
    RJ_INLINE rj_vf rj_vf_##NAME(rj_vf x) { return rj_vf_wide_##NAME(x); }                       \
    RJ_INLINE float rj_f_##NAME(float x) { return rj_f_wide_##NAME(x); }
#define RJ_VMF_WIDE2(NAME)                                                                       \
    RJ_INLINE rj_vf rj_vf_##NAME(rj_vf x, rj_vf y) { return rj_vf_wide_##NAME(x, y); }           \
    RJ_INLINE float rj_f_##NAME(float x, float y) { return rj_f_wide_##NAME(x, y); }
/* of the kernel's families (vmath_families.h) */
#define RJ_VMF_CORE1(NAME) RJ_VM_WHEN(NAME, RJ_VMF_TWIN1)
#define RJ_VMF_CORE2(NAME) RJ_VM_WHEN(NAME, RJ_VMF_TWIN2)
#define RJ_VMF_WIDE1_IF(NAME) RJ_VM_WHEN(NAME, RJ_VMF_WIDE1)
#define RJ_VMF_WIDE2_IF(NAME) RJ_VM_WHEN(NAME, RJ_VMF_WIDE2)
RJ_VMF_CORE_ROWS(RJ_VMF_CORE1, RJ_VMF_CORE2)
RJ_VMF_WIDE_ROWS(RJ_VMF_WIDE1_IF, RJ_VMF_WIDE2_IF)
#if RJ_VM_HAS_POW && RJ_VMF_POWI_CORE
#  if RJ_VECTOR_BYTES
RJ_INLINE float rj_f_powi(float x, int k) { return rj_vf_powi(rj_vm_lane0f(x), k)[0]; }
#  else
RJ_INLINE float rj_f_powi(float x, int k) { return rj_vf_powi(x, k); }
#  endif
#elif RJ_VM_HAS_POW
RJ_INLINE rj_vf rj_vf_powi(rj_vf x, int k) { return rj_vf_wide_powi(x, k); }
RJ_INLINE float rj_f_powi(float x, int k) { return rj_f_wide_powi(x, k); }
#endif
#undef RJ_VMF_FOUR_ROWS
#undef RJ_VMF_ONE_ROWS
#undef RJ_VMF_TWIN1
#undef RJ_VMF_TWIN2
#undef RJ_VMF_WIDE1
#undef RJ_VMF_WIDE2
#undef RJ_VMF_CORE1
#undef RJ_VMF_CORE2
#undef RJ_VMF_WIDE1_IF
#undef RJ_VMF_WIDE2_IF
