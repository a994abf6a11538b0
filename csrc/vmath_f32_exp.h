/* vmath_f32_exp.h (part of vmath_fbody.h) - the float cores of vmath_exp.h's functions. */
