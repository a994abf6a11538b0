/* vmath_f32_trig.h (part of vmath_fbody.h) - the float cores of vmath_trig.h's functions. */
