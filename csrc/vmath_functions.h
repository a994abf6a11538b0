/* vmath_functions.h - every vector-math function, declared once. Adding a function is its
 * algorithm (a vmath_*.h file), its rows here (the function, its ranges, its bounds at each
 * accuracy level), its place in vmath_f32.h's lists, its family in vmath_families.h and its row
 * in README.md's accuracy tables.
 *
 * The rows are read by
 *   vmath.h, vmath_float.h   the scalar twins rj_d_NAME, the float functions rj_f_NAME and
 *                            rj_vf_NAME, and the scalar tier's rj_vX_NAME (no other list of names)
 *   resin_jit/front/vmath_table.py   the op table (front/ops.py), the public functions rj.NAME
 *                            (front/functions.py) and the accuracy bounds the tests hold
 *   tests/c/vmath_check.c    the C battery: every function, its reference, bound and ranges
 *   tests/c/vmath_nans.c     the NaN rules of the RJ_VM_UNARY and RJ_VM_BINARY functions
 * so this file is plain data: no include guard; an includer defines the row macros it wants
 * before including it, and the others expand to nothing. Python parses it, so a row is a macro
 * name and its arguments (identifiers, decimal numbers, string literals with no backslashes),
 * and comments are C comments.
 *
 * The functions, in the order of README.md's table:
 *   RJ_VM_UNARY(NAME, NUMPY, REFERENCE, F32_FMA, F32, F64_FMA, F64, SUMMARY, RETURNS)
 *   RJ_VM_BINARY(same fields)
 *       an algorithm written once on vmath_body.h's value type: the double function F(NAME) and
 *       the float core F(vmf_NAME) (vmath_float.h). rj.NAME, the op NAME, rj_vX_NAME in C.
 *   RJ_VM_TYPED_UNARY(same fields), RJ_VM_TYPED_BINARY(same fields)
 *       exact functions whose file defines rj_f_NAME, rj_d_NAME and (vector tiers) rj_vf_NAME,
 *       rj_vd_NAME itself (vmath_round.h).
 *   RJ_VM_POWER(NAME, K, F32_FMA, F32, F64_FMA, F64)
 *       x**K for a constant K: the op NAME, rj_vX_powi(x, K); README's row x**K.
 * NUMPY is the numpy ufunc it matches (numpy.NUMPY); REFERENCE the libm function the C battery
 * measures it against (REFERENCE for float results, REFERENCEl for double ones; ref_NAME is
 * vmath_check_functions.h's own) and the mpmath function the Python tests do (of the same name,
 * or tests/support/vmath.py's LIBM_IN_MPMATH's where mpmath spells it otherwise, as cbrt's real root).
 * A power's references are pow(x, K) and mpmath's x**K. F32_FMA ... F64 are the accuracy README.md
 * states: the worst error measured, in ULP of the correctly rounded result, in float32 and
 * float64 on the tiers with FMA (AVX2, AVX-512, NEON) and on the others; 0 is "exact" (the
 * correctly rounded result, always). These are the bounds of the 0.5-ULP level (JitConfig(ulp=0.5),
 * RJ_VM_LEVEL_HALF); each measured function's bounds at the others are its rows
 *   RJ_VM_LEVEL_BOUNDS(NAME, LEVEL, F32_FMA, F32, F64_FMA, F64)     LEVEL: ONE or FOUR
 * at the end of this file, one per level; an exact function is exact at every level and has none.
 * SUMMARY and RETURNS are rj.NAME's docstring.
 *
 * The ranges each function's accuracy is measured on (the C battery's double samples, the
 * Python tests' samples against mpmath and numpy), at least one per function:
 *   RJ_VM_RANGE(NAME, LO, HI, BOTH_SIGNS)              log-uniform where LO > 0, else uniform;
 *                                                      BOTH_SIGNS 1: random signs
 *   RJ_VM_RANGE2(NAME, XLO, XHI, YLO, YHI, BOTH_SIGNS)  pairs, each argument as above
 */
#ifndef RJ_VM_UNARY
#  define RJ_VM_UNARY(...)
#endif
#ifndef RJ_VM_BINARY
#  define RJ_VM_BINARY(...)
#endif
#ifndef RJ_VM_TYPED_UNARY
#  define RJ_VM_TYPED_UNARY(...)
#endif
#ifndef RJ_VM_TYPED_BINARY
#  define RJ_VM_TYPED_BINARY(...)
#endif
#ifndef RJ_VM_POWER
#  define RJ_VM_POWER(...)
#endif
#ifndef RJ_VM_LEVEL_BOUNDS
#  define RJ_VM_LEVEL_BOUNDS(...)
#endif
#ifndef RJ_VM_RANGE
#  define RJ_VM_RANGE(...)
#endif
#ifndef RJ_VM_RANGE2
#  define RJ_VM_RANGE2(...)
#endif

RJ_VM_UNARY(sin, sin, sin, 0.502, 0.502, 0.73, 0.78,
            "Sine, elementwise (numpy.sin).", "sin(x), over the whole range of x; NaN for +-inf.")
RJ_VM_RANGE(sin, -10, 10, 0) RJ_VM_RANGE(sin, 1e-300, 1e-5, 1) RJ_VM_RANGE(sin, -1.6e6, 1.6e6, 0)
RJ_VM_RANGE(sin, 1.6e6, 1e22, 1) RJ_VM_RANGE(sin, 1e22, 1.7e308, 1)

RJ_VM_UNARY(cos, cos, cos, 0.502, 0.502, 0.73, 0.8,
            "Cosine, elementwise (numpy.cos).", "cos(x), over the whole range of x; NaN for +-inf.")
RJ_VM_RANGE(cos, -10, 10, 0) RJ_VM_RANGE(cos, -1.6e6, 1.6e6, 0) RJ_VM_RANGE(cos, 1.6e6, 1.7e308, 1)

RJ_VM_UNARY(tan, tan, tan, 0.502, 0.502, 0.75, 0.77,
            "Tangent, elementwise (numpy.tan).", "tan(x), over the whole range of x; NaN for +-inf.")
RJ_VM_RANGE(tan, -10, 10, 0) RJ_VM_RANGE(tan, 1e-300, 1e-5, 1) RJ_VM_RANGE(tan, -1.6e6, 1.6e6, 0)
RJ_VM_RANGE(tan, 1.6e6, 1.7e308, 1)

RJ_VM_UNARY(arcsin, arcsin, asin, 0.501, 0.501, 0.66, 0.66,
            "Inverse sine, elementwise (numpy.arcsin).", "arcsin(x) in [-pi/2, pi/2]; NaN for |x| > 1.")
RJ_VM_RANGE(arcsin, -1, 1, 0) RJ_VM_RANGE(arcsin, 1e-300, 1e-3, 1)

RJ_VM_UNARY(arccos, arccos, acos, 0.501, 0.501, 0.65, 0.65,
            "Inverse cosine, elementwise (numpy.arccos).", "arccos(x) in [0, pi]; NaN for |x| > 1.")
RJ_VM_RANGE(arccos, -1, 1, 0)

RJ_VM_UNARY(arctan, arctan, atan, 0.501, 0.501, 0.65, 0.65,
            "Inverse tangent, elementwise (numpy.arctan).", "arctan(x) in [-pi/2, pi/2].")
RJ_VM_RANGE(arctan, -10, 10, 0) RJ_VM_RANGE(arctan, 1e-300, 1e300, 1)

RJ_VM_BINARY(arctan2, arctan2, atan2, 0.501, 0.501, 0.65, 0.65,
             "Angle of the point (x2, x1), elementwise (numpy.arctan2).",
             "arctan(x1/x2) in the quadrant of (x2, x1), in [-pi, pi]; the signs of zeros as C's atan2.")
RJ_VM_RANGE2(arctan2, 1e-300, 1e300, 1e-300, 1e300, 1) RJ_VM_RANGE2(arctan2, 0.1, 10, 0.1, 10, 1)

RJ_VM_BINARY(hypot, hypot, hypot, 0.5, 0.5, 0.51, 0.51,
             "Hypotenuse, elementwise (numpy.hypot).",
             "sqrt(x1**2 + x2**2) without intermediate overflow or underflow; inf if either is infinite.")
RJ_VM_RANGE2(hypot, 1e-300, 1e300, 1e-300, 1e300, 1) RJ_VM_RANGE2(hypot, 0.5, 2, 0.5, 2, 1)

RJ_VM_UNARY(exp, exp, exp, 0.502, 0.502, 0.64, 0.66,
            "Exponential, elementwise (numpy.exp).", "e**x; inf on overflow, denormals and 0 below.")
RJ_VM_RANGE(exp, -745.2, 709.8, 0) RJ_VM_RANGE(exp, -1, 1, 0) RJ_VM_RANGE(exp, -104, 89, 0)

RJ_VM_UNARY(expm1, expm1, expm1, 0.508, 0.508, 0.75, 0.75,
            "e**x - 1, elementwise (numpy.expm1).", "e**x - 1, accurate for x near 0.")
RJ_VM_RANGE(expm1, -1, 1, 0) RJ_VM_RANGE(expm1, -50, 709.8, 0) RJ_VM_RANGE(expm1, 1e-300, 1e-3, 1)

RJ_VM_UNARY(log, log, log, 0.501, 0.501, 0.88, 0.88,
            "Natural logarithm, elementwise (numpy.log).", "log(x); -inf at 0, NaN below.")
RJ_VM_RANGE(log, 1e-300, 1e300, 0) RJ_VM_RANGE(log, 0.5, 2, 0) RJ_VM_RANGE(log, 4.9e-324, 2.2e-308, 0)

RJ_VM_UNARY(log1p, log1p, log1p, 0.501, 0.501, 0.89, 0.89,
            "log(1 + x), elementwise (numpy.log1p).", "log(1 + x), accurate for x near 0; -inf at -1, NaN below.")
RJ_VM_RANGE(log1p, -1, 1, 0) RJ_VM_RANGE(log1p, 1e-300, 1e300, 0) RJ_VM_RANGE(log1p, 1e-300, 1e-3, 1)

RJ_VM_UNARY(log2, log2, log2, 0.501, 0.501, 0.89, 0.89,
            "Base-2 logarithm, elementwise (numpy.log2).", "log2(x), exact for powers of 2; -inf at 0, NaN below.")
RJ_VM_RANGE(log2, 1e-300, 1e300, 0) RJ_VM_RANGE(log2, 0.5, 2, 0)

RJ_VM_UNARY(log10, log10, log10, 0.501, 0.501, 0.78, 0.78,
            "Base-10 logarithm, elementwise (numpy.log10).", "log10(x); -inf at 0, NaN below.")
RJ_VM_RANGE(log10, 1e-300, 1e300, 0) RJ_VM_RANGE(log10, 0.5, 2, 0)

RJ_VM_UNARY(sinh, sinh, sinh, 0.507, 0.507, 0.68, 0.68,
            "Hyperbolic sine, elementwise (numpy.sinh).", "sinh(x); +-inf on overflow.")
RJ_VM_RANGE(sinh, -25, 25, 0) RJ_VM_RANGE(sinh, -710.4, 710.4, 0) RJ_VM_RANGE(sinh, 1e-300, 1e-3, 1)

RJ_VM_UNARY(cosh, cosh, cosh, 0.502, 0.502, 0.63, 0.65,
            "Hyperbolic cosine, elementwise (numpy.cosh).", "cosh(x); inf on overflow.")
RJ_VM_RANGE(cosh, -25, 25, 0) RJ_VM_RANGE(cosh, -710.4, 710.4, 0)

RJ_VM_UNARY(tanh, tanh, tanh, 0.507, 0.507, 0.65, 0.65,
            "Hyperbolic tangent, elementwise (numpy.tanh).", "tanh(x) in [-1, 1].")
RJ_VM_RANGE(tanh, -20, 20, 0) RJ_VM_RANGE(tanh, -1.5, 1.5, 0) RJ_VM_RANGE(tanh, 1e-300, 1e-3, 1)

RJ_VM_UNARY(arcsinh, arcsinh, asinh, 0.501, 0.501, 0.9, 0.9,
            "Inverse hyperbolic sine, elementwise (numpy.arcsinh).", "arcsinh(x).")
RJ_VM_RANGE(arcsinh, -10, 10, 0) RJ_VM_RANGE(arcsinh, 1e-300, 1e300, 1)

RJ_VM_UNARY(arccosh, arccosh, acosh, 0.501, 0.501, 0.88, 0.88,
            "Inverse hyperbolic cosine, elementwise (numpy.arccosh).", "arccosh(x); NaN below 1.")
RJ_VM_RANGE(arccosh, 1, 10, 0) RJ_VM_RANGE(arccosh, 1, 1e300, 0)

RJ_VM_UNARY(arctanh, arctanh, atanh, 0.501, 0.501, 0.88, 0.88,
            "Inverse hyperbolic tangent, elementwise (numpy.arctanh).", "arctanh(x); +-inf at +-1, NaN beyond.")
RJ_VM_RANGE(arctanh, -1, 1, 0) RJ_VM_RANGE(arctanh, 1e-300, 1e-3, 1)

/* (the C battery samples more pairs for pow: vmath_check.c's pow_battery) */
RJ_VM_BINARY(pow, power, ref_pow, 0.529, 0.529, 0.57, 0.57,
             "First argument raised to the second, elementwise (numpy.power).",
             "x1**x2 with C99's special cases; for a constant exponent of 2, 0.5, -1, 1, 0, 3, 4 or -2, "
             "exactly numpy's result (see pow_rewrite).")
RJ_VM_RANGE2(pow, 1e-3, 1e3, -12, 12, 0) RJ_VM_RANGE2(pow, 1e-300, 1e300, -2, 2, 0)

RJ_VM_UNARY(cbrt, cbrt, cbrt, 0.5, 0.5, 0.57, 0.57,
            "Cube root, elementwise (numpy.cbrt).", "The real cube root of x, with x's sign; +-0 and +-inf for themselves.")
RJ_VM_RANGE(cbrt, -10, 10, 0) RJ_VM_RANGE(cbrt, 1e-300, 1e300, 1) RJ_VM_RANGE(cbrt, 4.9e-324, 2.2e-308, 1)

RJ_VM_POWER(pow3, 3, 0.5, 0.5, 0.51, 0.51)
RJ_VM_RANGE(pow3, 1e-100, 1e100, 1) RJ_VM_RANGE(pow3, 1, 1e6, 0) RJ_VM_RANGE(pow3, 1e-110, 1e-95, 1)

RJ_VM_POWER(pow4, 4, 0.5, 0.5, 0.51, 0.51)
RJ_VM_RANGE(pow4, 1e-70, 1e70, 1) RJ_VM_RANGE(pow4, 1e-82, 1e-70, 1)

RJ_VM_POWER(pow_m2, -2, 0.5, 0.5, 0.51, 0.51)
RJ_VM_RANGE(pow_m2, 1e-150, 1e150, 1) RJ_VM_RANGE(pow_m2, 1e-160, 1e-150, 1)

/* the exact functions */
RJ_VM_TYPED_UNARY(trunc, trunc, trunc, 0, 0, 0, 0,
                  "Truncation toward zero, elementwise (numpy.trunc).", "x without its fraction, with x's sign.")
RJ_VM_RANGE(trunc, 1e-10, 1e17, 1) RJ_VM_RANGE(trunc, -1000, 1000, 0)

RJ_VM_TYPED_UNARY(ceil, ceil, ceil, 0, 0, 0, 0,
                  "Ceiling, elementwise (numpy.ceil).", "The smallest integer not below x; -0.0 for x in (-1, -0].")
RJ_VM_RANGE(ceil, 1e-10, 1e17, 1) RJ_VM_RANGE(ceil, -1000, 1000, 0)

RJ_VM_TYPED_UNARY(round, rint, nearbyint, 0, 0, 0, 0,
                  "Round to the nearest integer, halves to even (numpy.round, numpy.rint).",
                  "The integer nearest x; 0.5 -> 0.0, 1.5 -> 2.0, -0.5 -> -0.0.")
RJ_VM_RANGE(round, 1e-10, 1e17, 1) RJ_VM_RANGE(round, -1000, 1000, 0)

RJ_VM_TYPED_UNARY(sign, sign, ref_sign, 0, 0, 0, 0,
                  "Sign, elementwise (numpy.sign).", "1.0, -1.0 or 0.0 (for either zero); NaN for NaN.")
RJ_VM_RANGE(sign, -1, 1, 0)

RJ_VM_BINARY(fmod, fmod, fmod, 0, 0, 0, 0,
             "Remainder of division, elementwise (numpy.fmod, C's fmod).",
             "x1 - n*x2 for n = trunc(x1/x2), exact, with the sign of x1 (zeros too); NaN for x2 = 0 or x1 infinite.")
RJ_VM_RANGE2(fmod, 1e-300, 1e300, 1e-300, 1e300, 1) RJ_VM_RANGE2(fmod, 1, 1e10, 1e-3, 1e3, 1)

RJ_VM_TYPED_BINARY(copysign, copysign, copysign, 0, 0, 0, 0,
                   "x1 with the sign of x2, elementwise (numpy.copysign).", "|x1| with x2's sign bit.")
RJ_VM_RANGE2(copysign, 1e-300, 1e300, 1e-300, 1e300, 1)

RJ_VM_TYPED_BINARY(nextafter, nextafter, ref_nextafter, 0, 0, 0, 0,
                   "Next representable value after x1 toward x2, elementwise (numpy.nextafter).",
                   "The neighbour of x1 toward x2; x2 if they are equal; NaN if either is NaN.")
RJ_VM_RANGE2(nextafter, 1e-300, 1e300, 1e-300, 1e300, 1)

RJ_VM_POWER(pow0, 0, 0, 0, 0, 0)
RJ_VM_RANGE(pow0, -10, 10, 0) RJ_VM_RANGE(pow0, 1e-300, 1e300, 1)

/* The bounds at the other accuracy levels (JitConfig(ulp=1.0) and (ulp=4.0), csrc/vmath.h's
 * RJ_VM_LEVEL_ONE and RJ_VM_LEVEL_FOUR): one row per measured function and level, the columns as
 * above. A function that takes the double route at a level (vmath_f32.h's RJ_VMF_WIDE_ROWS) has
 * the HALF level's numbers there. To measure a level again, tier class by tier class:
 *   PYTHONPATH=.:tests python tests/support/vmath_battery.py ONE     (or FOUR; --help)
 * which prints these rows from the C battery's measurements. */

/* 1 ULP */
RJ_VM_LEVEL_BOUNDS(sin,     ONE, 0.722, 0.772, 0.73, 0.78)
RJ_VM_LEVEL_BOUNDS(cos,     ONE, 0.72, 0.769, 0.73, 0.8)
RJ_VM_LEVEL_BOUNDS(tan,     ONE, 0.855, 0.769, 0.85, 0.77)
RJ_VM_LEVEL_BOUNDS(arcsin,  ONE, 0.604, 0.628, 0.66, 0.66)
RJ_VM_LEVEL_BOUNDS(arccos,  ONE, 0.602, 0.615, 0.65, 0.65)
RJ_VM_LEVEL_BOUNDS(arctan,  ONE, 0.754, 0.754, 0.66, 0.65)
RJ_VM_LEVEL_BOUNDS(arctan2, ONE, 0.77, 0.792, 0.68, 0.65)
RJ_VM_LEVEL_BOUNDS(hypot,   ONE, 0.5, 0.5, 0.51, 0.51)
RJ_VM_LEVEL_BOUNDS(exp,     ONE, 0.848, 0.868, 0.79, 0.79)
RJ_VM_LEVEL_BOUNDS(expm1,   ONE, 0.748, 0.751, 0.54, 0.54)
RJ_VM_LEVEL_BOUNDS(log,     ONE, 0.606, 0.606, 0.88, 0.88)
RJ_VM_LEVEL_BOUNDS(log1p,   ONE, 0.608, 0.615, 0.89, 0.89)
RJ_VM_LEVEL_BOUNDS(log2,    ONE, 0.589, 0.589, 0.89, 0.89)
RJ_VM_LEVEL_BOUNDS(log10,   ONE, 0.588, 0.594, 0.78, 0.78)
RJ_VM_LEVEL_BOUNDS(sinh,    ONE, 0.783, 0.812, 0.61, 0.62)
RJ_VM_LEVEL_BOUNDS(cosh,    ONE, 0.782, 0.818, 0.64, 0.64)
RJ_VM_LEVEL_BOUNDS(tanh,    ONE, 0.639, 0.768, 0.59, 0.59)
RJ_VM_LEVEL_BOUNDS(arcsinh, ONE, 0.707, 0.709, 0.9, 0.9)
RJ_VM_LEVEL_BOUNDS(arccosh, ONE, 0.648, 0.654, 0.88, 0.88)
RJ_VM_LEVEL_BOUNDS(arctanh, ONE, 0.669, 0.703, 0.88, 0.88)
RJ_VM_LEVEL_BOUNDS(pow,     ONE, 0.76, 0.78, 0.79, 0.79)
RJ_VM_LEVEL_BOUNDS(cbrt,    ONE, 0.502, 0.502, 0.51, 0.51)
RJ_VM_LEVEL_BOUNDS(pow3,    ONE, 0.5, 0.5, 0.51, 0.51)
RJ_VM_LEVEL_BOUNDS(pow4,    ONE, 0.5, 0.5, 0.51, 0.51)
RJ_VM_LEVEL_BOUNDS(pow_m2,  ONE, 0.5, 0.5, 0.51, 0.51)

/* 4 ULP */
RJ_VM_LEVEL_BOUNDS(sin,     FOUR, 2.291, 2.291, 0.73, 0.78)
RJ_VM_LEVEL_BOUNDS(cos,     FOUR, 2.43, 2.384, 0.73, 0.8)
RJ_VM_LEVEL_BOUNDS(tan,     FOUR, 0.855, 0.769, 0.85, 0.77)
RJ_VM_LEVEL_BOUNDS(arcsin,  FOUR, 0.604, 0.628, 0.66, 0.66)
RJ_VM_LEVEL_BOUNDS(arccos,  FOUR, 0.602, 0.615, 0.65, 0.65)
RJ_VM_LEVEL_BOUNDS(arctan,  FOUR, 0.754, 0.754, 0.66, 0.65)
RJ_VM_LEVEL_BOUNDS(arctan2, FOUR, 0.77, 0.792, 0.68, 0.65)
RJ_VM_LEVEL_BOUNDS(hypot,   FOUR, 1.01, 1.17, 0.51, 0.51)
RJ_VM_LEVEL_BOUNDS(exp,     FOUR, 0.98, 1.007, 0.79, 0.79)
RJ_VM_LEVEL_BOUNDS(expm1,   FOUR, 2.002, 2.113, 0.54, 0.54)
RJ_VM_LEVEL_BOUNDS(log,     FOUR, 0.606, 0.606, 0.88, 0.88)
RJ_VM_LEVEL_BOUNDS(log1p,   FOUR, 0.608, 0.615, 0.89, 0.89)
RJ_VM_LEVEL_BOUNDS(log2,    FOUR, 0.589, 0.589, 0.89, 0.89)
RJ_VM_LEVEL_BOUNDS(log10,   FOUR, 0.588, 0.594, 0.78, 0.78)
RJ_VM_LEVEL_BOUNDS(sinh,    FOUR, 1.291, 1.285, 0.61, 0.62)
RJ_VM_LEVEL_BOUNDS(cosh,    FOUR, 1.0, 1.0, 0.64, 0.64)
RJ_VM_LEVEL_BOUNDS(tanh,    FOUR, 0.639, 0.768, 0.59, 0.59)
RJ_VM_LEVEL_BOUNDS(arcsinh, FOUR, 0.707, 0.709, 0.9, 0.9)
RJ_VM_LEVEL_BOUNDS(arccosh, FOUR, 0.648, 0.654, 0.88, 0.88)
RJ_VM_LEVEL_BOUNDS(arctanh, FOUR, 0.669, 0.703, 0.88, 0.88)
RJ_VM_LEVEL_BOUNDS(pow,     FOUR, 0.81, 0.89, 0.79, 0.79)
RJ_VM_LEVEL_BOUNDS(cbrt,    FOUR, 0.502, 0.502, 0.51, 0.51)
RJ_VM_LEVEL_BOUNDS(pow3,    FOUR, 1.288, 1.288, 0.51, 0.51)
RJ_VM_LEVEL_BOUNDS(pow4,    FOUR, 1.902, 1.902, 0.51, 0.51)
RJ_VM_LEVEL_BOUNDS(pow_m2,  FOUR, 1.904, 1.904, 0.51, 0.51)

#undef RJ_VM_UNARY
#undef RJ_VM_BINARY
#undef RJ_VM_TYPED_UNARY
#undef RJ_VM_TYPED_BINARY
#undef RJ_VM_POWER
#undef RJ_VM_LEVEL_BOUNDS
#undef RJ_VM_RANGE
#undef RJ_VM_RANGE2
