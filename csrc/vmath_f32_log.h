/* vmath_f32_log.h (part of vmath_fbody.h) - the float cores of vmath_log.h's functions. */
