/* vmath_float.h - the float functions by the double cores vmf_* of vmath_body.h (included by
 * vmath.h after both double instantiations): at RJ_VM_LEVEL_HALF they are the float functions
 * rj_f_NAME and rj_vf_NAME; at the other levels they are named rj_f_wide_NAME and rj_vf_wide_NAME,
 * and vmath_f32.h uses them for the functions it has no float core of (RJ_VMF_WIDE_ROWS).
 *
 * A float function widens its argument to double (exact), runs a core written for floats'
 * values in double arithmetic (2^-33 relative or better), and rounds the result to float once:
 * within a hair of 0.5 ULP of the correctly rounded float. The scalar twin is the same on one
 * value, the vector form on the two halves of an rj_vf (vcvtps2pd / fcvtl there and back), so
 * twin and lane agree bit for bit. The functions are vmath_functions.h's RJ_VM_UNARY and
 * RJ_VM_BINARY rows (those with a float core vmf_NAME): each block includes it with its own row
 * macros.
 */
#if RJ_VM_LEVEL == RJ_VM_LEVEL_HALF
#  define RJ_VM_WIDE(P, NAME) P##_##NAME
#else
#  define RJ_VM_WIDE(P, NAME) P##_wide_##NAME
#endif
#define RJ_VM_SCALAR1(NAME) \
    RJ_INLINE float RJ_VM_WIDE(rj_f, NAME)(float x) { return (float)rj_d_vmf_##NAME((double)x); }
#define RJ_VM_SCALAR2(NAME) \
    RJ_INLINE float RJ_VM_WIDE(rj_f, NAME)(float x, float y) { return (float)rj_d_vmf_##NAME((double)x, (double)y); }
#define RJ_VM_UNARY(NAME, ...) RJ_VM_WHEN(NAME, RJ_VM_SCALAR1)   /* the kernel's families only */
#define RJ_VM_BINARY(NAME, ...) RJ_VM_WHEN(NAME, RJ_VM_SCALAR2)
#include "vmath_functions.h"
#if RJ_VM_HAS_POW
RJ_INLINE float RJ_VM_WIDE(rj_f, powi)(float x, int k) { return (float)rj_d_vmf_powi((double)x, k); }
#endif
#undef RJ_VM_SCALAR1
#undef RJ_VM_SCALAR2

#if RJ_VECTOR_BYTES
#  define RJ_VM_LOW(v) rj_vf_low_half(v)      /* simd.h's halves */
#  define RJ_VM_HIGH(v) rj_vf_high_half(v)
#  define RJ_VM_JOIN(a, b) rj_vf_join((a), (b))
#  define RJ_VM_NARROW(v) __builtin_convertvector((v), rj_vf_half)
#  define RJ_VM_VECTOR1(NAME)                                                                       \
    RJ_INLINE rj_vf RJ_VM_WIDE(rj_vf, NAME)(rj_vf x)                                                           \
    {                                                                                               \
        return RJ_VM_JOIN(RJ_VM_NARROW(rj_vd_vmf_##NAME(RJ_VD_WIDEN(RJ_VM_LOW(x)))),                \
                          RJ_VM_NARROW(rj_vd_vmf_##NAME(RJ_VD_WIDEN(RJ_VM_HIGH(x)))));              \
    }
#  define RJ_VM_VECTOR2(NAME)                                                                       \
    RJ_INLINE rj_vf RJ_VM_WIDE(rj_vf, NAME)(rj_vf x, rj_vf y)                                              \
    {                                                                                               \
        return RJ_VM_JOIN(                                                                          \
            RJ_VM_NARROW(rj_vd_vmf_##NAME(RJ_VD_WIDEN(RJ_VM_LOW(x)), RJ_VD_WIDEN(RJ_VM_LOW(y)))),   \
            RJ_VM_NARROW(rj_vd_vmf_##NAME(RJ_VD_WIDEN(RJ_VM_HIGH(x)), RJ_VD_WIDEN(RJ_VM_HIGH(y))))); \
    }
#define RJ_VM_UNARY(NAME, ...) RJ_VM_WHEN(NAME, RJ_VM_VECTOR1)
#define RJ_VM_BINARY(NAME, ...) RJ_VM_WHEN(NAME, RJ_VM_VECTOR2)
#include "vmath_functions.h"
#  if RJ_VM_HAS_POW
RJ_INLINE rj_vf RJ_VM_WIDE(rj_vf, powi)(rj_vf x, int k)
{
    return RJ_VM_JOIN(RJ_VM_NARROW(rj_vd_vmf_powi(RJ_VD_WIDEN(RJ_VM_LOW(x)), k)),
                      RJ_VM_NARROW(rj_vd_vmf_powi(RJ_VD_WIDEN(RJ_VM_HIGH(x)), k)));
}
#  endif
#  undef RJ_VM_VECTOR1
#  undef RJ_VM_VECTOR2
#  undef RJ_VM_NARROW
#  undef RJ_VM_LOW
#  undef RJ_VM_HIGH
#  undef RJ_VM_JOIN
#else
/* The scalar tier: a "vector" is one value, so the vector names are the twins. */
#  define RJ_VM_ALIAS(NAME) RJ_INLINE float rj_vf_##NAME(float x) { return rj_f_##NAME(x); }     \
                            RJ_INLINE double rj_vd_##NAME(double x) { return rj_d_##NAME(x); }
#  define RJ_VM_ALIAS2(NAME) RJ_INLINE float rj_vf_##NAME(float x, float y) { return rj_f_##NAME(x, y); } \
                             RJ_INLINE double rj_vd_##NAME(double x, double y) { return rj_d_##NAME(x, y); }
#  define RJ_VM_WIDE_ALIAS(NAME) \
    RJ_INLINE float RJ_VM_WIDE(rj_vf, NAME)(float x) { return RJ_VM_WIDE(rj_f, NAME)(x); }     \
    RJ_INLINE double rj_vd_##NAME(double x) { return rj_d_##NAME(x); }
#  define RJ_VM_WIDE_ALIAS2(NAME) \
    RJ_INLINE float RJ_VM_WIDE(rj_vf, NAME)(float x, float y) { return RJ_VM_WIDE(rj_f, NAME)(x, y); } \
    RJ_INLINE double rj_vd_##NAME(double x, double y) { return rj_d_##NAME(x, y); }
#  define RJ_VM_UNARY(NAME, ...) RJ_VM_WHEN(NAME, RJ_VM_WIDE_ALIAS)
#  define RJ_VM_BINARY(NAME, ...) RJ_VM_WHEN(NAME, RJ_VM_WIDE_ALIAS2)
#  define RJ_VM_TYPED_UNARY(NAME, ...) RJ_VM_ALIAS(NAME)
#  define RJ_VM_TYPED_BINARY(NAME, ...) RJ_VM_ALIAS2(NAME)
#  include "vmath_functions.h"
#  if RJ_VM_HAS_POW
RJ_INLINE float RJ_VM_WIDE(rj_vf, powi)(float x, int k) { return RJ_VM_WIDE(rj_f, powi)(x, k); }
RJ_INLINE double rj_vd_powi(double x, int k) { return rj_d_powi(x, k); }
#  endif
#  undef RJ_VM_ALIAS
#  undef RJ_VM_ALIAS2
#  undef RJ_VM_WIDE_ALIAS
#  undef RJ_VM_WIDE_ALIAS2
#endif
#undef RJ_VM_WIDE
