/* vmath_f32_inv.h (part of vmath_fbody.h) - the float cores of vmath_inv.h's functions. */
