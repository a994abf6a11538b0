/* vmath_divmod.h (part of vmath.h) - numpy's remainder (x % y) and floor_divide (x // y) on
 * floats, from fmod, for every value type: rj_f, rj_d and, on vector tiers, rj_vf, rj_vd.
 *
 * As numpy computes them (npy_divmod, numpy/_core/src/npymath/npy_math_internal.h.src):
 *   mod = fmod(x, y), exact; where it is non-zero and its sign differs from y's, mod + y
 *   (Python's rule: the remainder has the divisor's sign); a zero remainder takes y's sign.
 *   The quotient is (x - mod) / y, one less where mod moved, snapped to the nearest integer
 *   (its floor, plus one where the fraction left exceeds 0.5); a zero quotient takes the
 *   sign of x / y. For y = 0: remainder fmod's NaN, quotient x / y (+-inf, or NaN for 0 / 0).
 * Written with selects, so every lane takes the same path; each step is one IEEE operation in
 * the type of V, as numpy's float loops do it in the array's dtype.
 */
#ifndef RJ_VMATH_DIVMOD_H
#define RJ_VMATH_DIVMOD_H

#define RJ_VM_DIVMOD(P, V, T, M, MP)                                                               \
    /* the remainder, and through *quotient the unsnapped quotient moved alike */                  \
    RJ_INLINE V P##_vm_python_mod(V x, V y, V *quotient)                                           \
    {                                                                                              \
        const V zero = P##_set1((T)0), mod = P##_fmod(x, y), q = (x - mod) / y;                   \
        const M y_neg = P##_lt(y, zero), mod_neg = P##_lt(mod, zero);                             \
        const M signs_differ = MP##_or(MP##_and(y_neg, MP##_not(mod_neg)), MP##_and(MP##_not(y_neg), mod_neg)); \
        const M move = MP##_and(P##_ne(mod, zero), signs_differ);                                  \
        *quotient = P##_select(move, q - P##_set1((T)1), q);                                       \
        return P##_select(P##_eq(mod, zero), P##_copysign(zero, y), P##_select(move, mod + y, mod)); \
    }                                                                                              \
    RJ_INLINE V P##_remainder(V x, V y)                                                            \
    {                                                                                              \
        V quotient;                                                                                \
        return P##_vm_python_mod(x, y, &quotient);                                                 \
    }                                                                                              \
    RJ_INLINE V P##_floor_divide(V x, V y)                                                         \
    {                                                                                              \
        V q;                                                                                       \
        (void)P##_vm_python_mod(x, y, &q);                                                         \
        const V zero = P##_set1((T)0), below = P##_floor(q);                                      \
        const V snapped = P##_select(P##_gt(q - below, P##_set1((T)0.5)), below + P##_set1((T)1), below); \
        const V quotient = P##_select(P##_ne(q, zero), snapped, P##_copysign(zero, x / y));       \
        return P##_select(P##_eq(y, zero), x / y, quotient);                                       \
    }
RJ_VM_DIVMOD(rj_f, float, float, int, rj_mfs)
RJ_VM_DIVMOD(rj_d, double, double, int, rj_mds)
#if RJ_VECTOR_BYTES
RJ_VM_DIVMOD(rj_vf, rj_vf, float, rj_mf, rj_mf)
RJ_VM_DIVMOD(rj_vd, rj_vd, double, rj_md, rj_md)
#else
RJ_INLINE float rj_vf_remainder(float x, float y) { return rj_f_remainder(x, y); }
RJ_INLINE double rj_vd_remainder(double x, double y) { return rj_d_remainder(x, y); }
RJ_INLINE float rj_vf_floor_divide(float x, float y) { return rj_f_floor_divide(x, y); }
RJ_INLINE double rj_vd_floor_divide(double x, double y) { return rj_d_floor_divide(x, y); }
#endif
#undef RJ_VM_DIVMOD

#endif /* RJ_VMATH_DIVMOD_H */
