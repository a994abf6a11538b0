/* simd_select.h (included by simd.h) - a select whose chosen value is an arithmetic result:
 *
 *   P_select_CMP_OP(a, b, x, y, z)      is select_CMP(a, b, OP(x, y), z)
 *   P_select_not_CMP_OP(a, b, x, y, z)  is select_CMP(a, b, z, OP(x, y))
 *
 * for CMP in lt, le, gt, ge, eq, ne and OP in add, sub, mul, div, and every prefix (rj_f, rj_d,
 * rj_vf, rj_vd). The graph compiler writes them where nothing else uses the comparison or the
 * arithmetic (codegen/emit.py). On AVX-512 each is a compare into a mask register and one masked
 * instruction that computes and chooses at once (vmulps zmm{k}); the generic form takes one
 * instruction more, a tenth of a light loop such as the call benchmark's (the instruction count,
 * not the memory, bounds it). The operands keep their order, as simd.h's ordered add and mul, so
 * that a NaN is the same whichever loop computes the sample; a lane not chosen computes nothing.
 */
#ifndef RJ_SIMD_SELECT_H
#define RJ_SIMD_SELECT_H

#define RJ_SELECT_ARITH(P, V, CMP, OP)                                                            \
    RJ_INLINE V P##_select_##CMP##_##OP(V a, V b, V x, V y, V z)                                  \
    {                                                                                             \
        return P##_select_##CMP(a, b, P##_##OP(x, y), z);                                         \
    }                                                                                             \
    RJ_INLINE V P##_select_not_##CMP##_##OP(V a, V b, V x, V y, V z)                              \
    {                                                                                             \
        return P##_select_##CMP(a, b, z, P##_##OP(x, y));                                         \
    }

/* AVX-512: the comparison (NOT its negation: unordered lanes count as not CMP, as in C) into a
 * mask register, then the operation merged into z under it. K the mask type, S the suffix. */
#define RJ_MASKED_ARITH(P, V, K, S, CMP, NOT, OP)                                                 \
    RJ_INLINE V P##_select_##CMP##_##OP(V a, V b, V x, V y, V z)                                  \
    {                                                                                             \
        const K k = RJ_CMP_MASK_##S(a, b, RJ_CMP_##CMP);                                          \
        __asm__("v" #OP "p" #S " %2, %1, %0%{%3%}" : "+v"(z) : "v"(x), "vm"(y), "Yk"(k));         \
        return z;                                                                                 \
    }                                                                                             \
    RJ_INLINE V P##_select_not_##CMP##_##OP(V a, V b, V x, V y, V z)                              \
    {                                                                                             \
        const K k = RJ_CMP_MASK_##S(a, b, NOT);                                                   \
        __asm__("v" #OP "p" #S " %2, %1, %0%{%3%}" : "+v"(z) : "v"(x), "vm"(y), "Yk"(k));         \
        return z;                                                                                 \
    }

#define RJ_SELECT_ARITH_OPS(MAKE, ...)                                                            \
    MAKE(__VA_ARGS__, add) MAKE(__VA_ARGS__, sub) MAKE(__VA_ARGS__, mul) MAKE(__VA_ARGS__, div)
#define RJ_SELECT_ARITH_ALL(P, V)                                                                 \
    RJ_SELECT_ARITH_OPS(RJ_SELECT_ARITH, P, V, lt) RJ_SELECT_ARITH_OPS(RJ_SELECT_ARITH, P, V, le) \
    RJ_SELECT_ARITH_OPS(RJ_SELECT_ARITH, P, V, gt) RJ_SELECT_ARITH_OPS(RJ_SELECT_ARITH, P, V, ge) \
    RJ_SELECT_ARITH_OPS(RJ_SELECT_ARITH, P, V, eq) RJ_SELECT_ARITH_OPS(RJ_SELECT_ARITH, P, V, ne)

RJ_SELECT_ARITH_ALL(rj_f, float)
RJ_SELECT_ARITH_ALL(rj_d, double)
#if defined(RJ_ISA_AVX512)
/* the negations: _CMP_NLT_US, _CMP_NLE_US, _CMP_NGT_US, _CMP_NGE_US, _CMP_NEQ_UQ, _CMP_EQ_OQ */
#  define RJ_CMP_MASK_s(a, b, PRED) __builtin_ia32_cmpps512_mask((a), (b), (PRED), RJ_ALL16, 4)
#  define RJ_CMP_MASK_d(a, b, PRED) __builtin_ia32_cmppd512_mask((a), (b), (PRED), RJ_ALL8, 4)
#  define RJ_MASKED_ALL(P, V, K, S)                                                              \
    RJ_SELECT_ARITH_OPS(RJ_MASKED_ARITH, P, V, K, S, lt, 0x05)                                   \
    RJ_SELECT_ARITH_OPS(RJ_MASKED_ARITH, P, V, K, S, le, 0x06)                                   \
    RJ_SELECT_ARITH_OPS(RJ_MASKED_ARITH, P, V, K, S, gt, 0x0a)                                   \
    RJ_SELECT_ARITH_OPS(RJ_MASKED_ARITH, P, V, K, S, ge, 0x09)                                   \
    RJ_SELECT_ARITH_OPS(RJ_MASKED_ARITH, P, V, K, S, eq, 0x04)                                   \
    RJ_SELECT_ARITH_OPS(RJ_MASKED_ARITH, P, V, K, S, ne, 0x00)
RJ_MASKED_ALL(rj_vf, rj_vf, unsigned short, s)
RJ_MASKED_ALL(rj_vd, rj_vd, unsigned char, d)
#else
RJ_SELECT_ARITH_ALL(rj_vf, rj_vf)
RJ_SELECT_ARITH_ALL(rj_vd, rj_vd)
#endif

#endif /* RJ_SIMD_SELECT_H */
