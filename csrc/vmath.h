/* vmath.h - sin, cos, tan, exp, log, tanh and pow on rj_vf / rj_vd and their scalar twins.
 *
 * PLACEHOLDER: each lane calls libm. Correct, but not yet a vector implementation.
 */
#ifndef RJ_VMATH_H
#define RJ_VMATH_H

#include <math.h>
#include "simd.h"

#define RJ_SCALAR_MATH(P, T, SUFFIX)                                                                \
    static inline T P##_sin(T x) { return sin##SUFFIX(x); }                                        \
    static inline T P##_cos(T x) { return cos##SUFFIX(x); }                                        \
    static inline T P##_tan(T x) { return tan##SUFFIX(x); }                                        \
    static inline T P##_exp(T x) { return exp##SUFFIX(x); }                                        \
    static inline T P##_log(T x) { return log##SUFFIX(x); }                                        \
    static inline T P##_tanh(T x) { return tanh##SUFFIX(x); }                                      \
    static inline T P##_pow(T x, T y) { return pow##SUFFIX(x, y); }

RJ_SCALAR_MATH(rj_f, float, f)
RJ_SCALAR_MATH(rj_d, double, )

#if RJ_VECTOR_BYTES == 0
#define rj_vf_sin rj_f_sin
#define rj_vf_cos rj_f_cos
#define rj_vf_tan rj_f_tan
#define rj_vf_exp rj_f_exp
#define rj_vf_log rj_f_log
#define rj_vf_tanh rj_f_tanh
#define rj_vf_pow rj_f_pow
#define rj_vd_sin rj_d_sin
#define rj_vd_cos rj_d_cos
#define rj_vd_tan rj_d_tan
#define rj_vd_exp rj_d_exp
#define rj_vd_log rj_d_log
#define rj_vd_tanh rj_d_tanh
#define rj_vd_pow rj_d_pow
#else
#define RJ_LANEWISE(P, V, S, W, NAME)                                                               \
    static inline V P##_##NAME(V x) { V r; for (int l = 0; l < W; l++) r[l] = S##_##NAME(x[l]); return r; }
#define RJ_LANEWISE2(P, V, S, W, NAME)                                                              \
    static inline V P##_##NAME(V x, V y) { V r; for (int l = 0; l < W; l++) r[l] = S##_##NAME(x[l], y[l]); return r; }
#define RJ_VECTOR_MATH(P, V, S, W)                                                                  \
    RJ_LANEWISE(P, V, S, W, sin) RJ_LANEWISE(P, V, S, W, cos) RJ_LANEWISE(P, V, S, W, tan)            \
    RJ_LANEWISE(P, V, S, W, exp) RJ_LANEWISE(P, V, S, W, log) RJ_LANEWISE(P, V, S, W, tanh)          \
    RJ_LANEWISE2(P, V, S, W, pow)
RJ_VECTOR_MATH(rj_vf, rj_vf, rj_f, RJ_VF_WIDTH)
RJ_VECTOR_MATH(rj_vd, rj_vd, rj_d, RJ_VD_WIDTH)
#endif

#endif /* RJ_VMATH_H */
