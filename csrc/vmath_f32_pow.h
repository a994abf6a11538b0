/* vmath_f32_pow.h (part of vmath_fbody.h) - the float cores of vmath_pow.h's functions. */
