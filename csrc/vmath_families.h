/* vmath_families.h (part of vmath.h) - a kernel parses the vector math it calls, not all of it.
 *
 * The functions come in families, each the algorithms of one file and its float sibling:
 *   EXP    exp expm1 sinh cosh tanh                 vmath_exp.h    vmath_f32_exp.h
 *   LOG    log log1p log2 log10 arcsinh arccosh arctanh
 *                                                   vmath_log.h    vmath_f32_log.h
 *   TRIG   sin cos tan                              vmath_trig.h   vmath_f32_trig.h  vmath_reduce.h
 *   INV    arcsin arccos arctan arctan2             vmath_inv.h    vmath_f32_inv.h
 *   POW    pow cbrt powi (x**k)                     vmath_pow.h    vmath_f32_pow.h
 *   HYPOT  hypot                                    vmath_misc.h   (its float core: vmath_f32_inv.h)
 *   FMOD   fmod remainder floor_divide              vmath_misc.h   vmath_divmod.h
 * and the exact functions (trunc, ceil, round, sign, copysign, nextafter: vmath_round.h) are in
 * every kernel, as are the bit views (asuint, fromuint).
 *
 * A kernel names the functions it calls before it includes vmath.h (resin_jit/codegen/assemble.py
 * writes the line):
 *   #define RJ_VM_FAMILIES (RJ_VM_FAMILY_OF(sin) | RJ_VM_FAMILY_OF(pow))
 * and gets their families and what those build on; an includer that names none (the C battery,
 * tests/c) gets every family. Parsing vmath.h whole is about a fifth of the build of a one-sine
 * kernel; a function outside the kernel's families is not declared at all, so a kernel that
 * calls one it did not name fails to build, naming it.
 *
 * A new function: its row below (the name as vmath_functions.h and the kernels spell it, and its
 * family), and if it builds on another family, that family's "needs" line below.
 */
#ifndef RJ_VMATH_FAMILIES_H
#define RJ_VMATH_FAMILIES_H

/* each function's family */
#define RJ_VM_FAMILY_exp EXP
#define RJ_VM_FAMILY_expm1 EXP
#define RJ_VM_FAMILY_sinh EXP
#define RJ_VM_FAMILY_cosh EXP
#define RJ_VM_FAMILY_tanh EXP
#define RJ_VM_FAMILY_log LOG
#define RJ_VM_FAMILY_log1p LOG
#define RJ_VM_FAMILY_log2 LOG
#define RJ_VM_FAMILY_log10 LOG
#define RJ_VM_FAMILY_arcsinh LOG
#define RJ_VM_FAMILY_arccosh LOG
#define RJ_VM_FAMILY_arctanh LOG
#define RJ_VM_FAMILY_sin TRIG
#define RJ_VM_FAMILY_cos TRIG
#define RJ_VM_FAMILY_tan TRIG
#define RJ_VM_FAMILY_arcsin INV
#define RJ_VM_FAMILY_arccos INV
#define RJ_VM_FAMILY_arctan INV
#define RJ_VM_FAMILY_arctan2 INV
#define RJ_VM_FAMILY_pow POW
#define RJ_VM_FAMILY_cbrt POW
#define RJ_VM_FAMILY_powi POW
#define RJ_VM_FAMILY_hypot HYPOT
#define RJ_VM_FAMILY_fmod FMOD
#define RJ_VM_FAMILY_remainder FMOD
#define RJ_VM_FAMILY_floor_divide FMOD
#define RJ_VM_FAMILY_trunc ALWAYS
#define RJ_VM_FAMILY_ceil ALWAYS
#define RJ_VM_FAMILY_round ALWAYS
#define RJ_VM_FAMILY_sign ALWAYS
#define RJ_VM_FAMILY_copysign ALWAYS
#define RJ_VM_FAMILY_nextafter ALWAYS
#define RJ_VM_FAMILY_asuint ALWAYS
#define RJ_VM_FAMILY_fromuint ALWAYS

/* the families as bits of RJ_VM_FAMILIES */
#define RJ_VM_FAM_ALWAYS 0
#define RJ_VM_FAM_EXP 0x01
#define RJ_VM_FAM_LOG 0x02
#define RJ_VM_FAM_TRIG 0x04
#define RJ_VM_FAM_INV 0x08
#define RJ_VM_FAM_POW 0x10
#define RJ_VM_FAM_HYPOT 0x20
#define RJ_VM_FAM_FMOD 0x40
#define RJ_VM_FAM_ALL 0x7f

/* RJ_VM_FAMILY_OF(sin): the bit of sin's family (RJ_VM_FAM_TRIG) */
#define RJ_VM_FAMILY_OF(NAME) RJ_VM_FAMILY_BIT(RJ_VM_FAMILY_##NAME)
#define RJ_VM_FAMILY_BIT(FAMILY) RJ_VM_FAMILY_BIT_(FAMILY)
#define RJ_VM_FAMILY_BIT_(FAMILY) RJ_VM_FAM_##FAMILY

#ifndef RJ_VM_FAMILIES
#  define RJ_VM_FAMILIES RJ_VM_FAM_ALL
#endif
#define RJ_VM_ASKED(FAMILY) ((RJ_VM_FAMILIES) & RJ_VM_FAM_##FAMILY)

/* RJ_VM_HAS_X: 1 where the kernel has family X, because it asked for it or for one that needs it
 * (a family's line names those that need it) */
#define RJ_VM_HAS_ALWAYS 1
#if RJ_VM_ASKED(FMOD)
#  define RJ_VM_HAS_FMOD 1
#else
#  define RJ_VM_HAS_FMOD 0
#endif
#if RJ_VM_ASKED(HYPOT)
#  define RJ_VM_HAS_HYPOT 1
#else
#  define RJ_VM_HAS_HYPOT 0
#endif
#if RJ_VM_ASKED(POW)
#  define RJ_VM_HAS_POW 1
#else
#  define RJ_VM_HAS_POW 0
#endif
#if RJ_VM_ASKED(INV) || RJ_VM_HAS_HYPOT        /* hypot's float core is in vmath_f32_inv.h */
#  define RJ_VM_HAS_INV 1
#else
#  define RJ_VM_HAS_INV 0
#endif
#if RJ_VM_ASKED(TRIG) || RJ_VM_HAS_INV         /* vmath_f32_inv.h: vmath_f32_trig.h's residual */
#  define RJ_VM_HAS_TRIG 1
#else
#  define RJ_VM_HAS_TRIG 0
#endif
#if RJ_VM_ASKED(EXP) || RJ_VM_HAS_POW          /* pow: e^(y log x) */
#  define RJ_VM_HAS_EXP 1
#else
#  define RJ_VM_HAS_EXP 0
#endif
#if RJ_VM_ASKED(LOG) || RJ_VM_HAS_POW
#  define RJ_VM_HAS_LOG 1
#else
#  define RJ_VM_HAS_LOG 0
#endif

/* RJ_VM_WHEN(NAME, MACRO): MACRO(NAME) where the kernel has NAME's family, else nothing (the rows
 * of vmath_functions.h that vmath.h turns into functions) */
#define RJ_VM_WHEN(NAME, MACRO) RJ_VM_WHEN_FAMILY(RJ_VM_FAMILY_##NAME, MACRO, NAME)
#define RJ_VM_WHEN_FAMILY(FAMILY, MACRO, NAME) RJ_VM_WHEN_FAMILY_(FAMILY, MACRO, NAME)
#define RJ_VM_WHEN_FAMILY_(FAMILY, MACRO, NAME) RJ_VM_WHEN_FLAG(RJ_VM_HAS_##FAMILY, MACRO, NAME)
#define RJ_VM_WHEN_FLAG(FLAG, MACRO, NAME) RJ_VM_WHEN_FLAG_(FLAG, MACRO, NAME)
#define RJ_VM_WHEN_FLAG_(FLAG, MACRO, NAME) RJ_VM_WHEN_##FLAG(MACRO, NAME)
#define RJ_VM_WHEN_0(MACRO, NAME)
#define RJ_VM_WHEN_1(MACRO, NAME) MACRO(NAME)

#endif /* RJ_VMATH_FAMILIES_H */
