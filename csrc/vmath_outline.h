/* vmath_outline.h - a kernel's vector-math functions compiled once, out of line (included after
 * vmath.h by a kernel that calls one; resin_jit/codegen/outline.py decides which functions).
 *
 * Inlined, every call of sin in a kernel is another copy of sin's code for the C compiler to
 * optimise, and the loop body that holds them grows with the graph: optimising one body of a
 * hundred sines takes the compiler minutes. Out of line, a function's code is compiled once per
 * kernel and called; a call costs a few cycles beside a function of a hundred.
 *
 *   RJ_OUTLINE_F1(NAME), RJ_OUTLINE_F2(NAME): float functions of one and two arguments
 *   RJ_OUTLINE_D1(NAME), RJ_OUTLINE_D2(NAME): the same for double
 *
 * each define rj_k_vX_NAME, the vector function rj_vX_NAME out of line, and rj_k_X_NAME, the
 * scalar one: lane 0 of rj_k_vX_NAME (the other lanes 0). A scalar twin rj_X_NAME gives the same
 * bits as one lane of its vector function (vmath.h), so the scalar tail shares the vector body's
 * one copy of the code and a sample's value depends neither on where it falls nor on whether a
 * kernel inlines its functions. On the scalar tier a "vector" is one value.
 */
#ifndef RJ_VMATH_OUTLINE_H
#define RJ_VMATH_OUTLINE_H

#include "vmath.h"

/* never inlined; unused where a kernel calls a function from one of its loops only */
#define RJ_OUTLINE static __attribute__((noinline, unused))

#if RJ_VECTOR_BYTES
RJ_INLINE rj_vf rj_k_vf_lane0(float x) { rj_vf v = {0}; v[0] = x; return v; }
RJ_INLINE rj_vd rj_k_vd_lane0(double x) { rj_vd v = {0}; v[0] = x; return v; }
#  define RJ_K_FIRST_LANE(v) ((v)[0])
#else
RJ_INLINE float rj_k_vf_lane0(float x) { return x; }
RJ_INLINE double rj_k_vd_lane0(double x) { return x; }
#  define RJ_K_FIRST_LANE(v) (v)
#endif

/* rj_k_VP_NAME out of line on vectors V, and rj_k_SP_NAME on scalars T as its lane 0 */
#define RJ_OUTLINE_UNARY(VP, SP, V, T, NAME)                                                       \
    RJ_OUTLINE V rj_k_##VP##_##NAME(V x) { return rj_##VP##_##NAME(x); }                           \
    RJ_INLINE T rj_k_##SP##_##NAME(T x) { return RJ_K_FIRST_LANE(rj_k_##VP##_##NAME(rj_k_##VP##_lane0(x))); }
#define RJ_OUTLINE_BINARY(VP, SP, V, T, NAME)                                                      \
    RJ_OUTLINE V rj_k_##VP##_##NAME(V x, V y) { return rj_##VP##_##NAME(x, y); }                   \
    RJ_INLINE T rj_k_##SP##_##NAME(T x, T y)                                                       \
    {                                                                                              \
        return RJ_K_FIRST_LANE(rj_k_##VP##_##NAME(rj_k_##VP##_lane0(x), rj_k_##VP##_lane0(y)));    \
    }

#define RJ_OUTLINE_F1(NAME) RJ_OUTLINE_UNARY(vf, f, rj_vf, float, NAME)
#define RJ_OUTLINE_F2(NAME) RJ_OUTLINE_BINARY(vf, f, rj_vf, float, NAME)
#define RJ_OUTLINE_D1(NAME) RJ_OUTLINE_UNARY(vd, d, rj_vd, double, NAME)
#define RJ_OUTLINE_D2(NAME) RJ_OUTLINE_BINARY(vd, d, rj_vd, double, NAME)

#endif /* RJ_VMATH_OUTLINE_H */
