"""What the vector-math tests share: each function under test (how to build it, numpy's function as
the reference, the samples that exercise it), and an mpmath reference (160 bits, so that errors
below an ULP are measured) with the error in ULP of a result against it.

The functions' bounds are README.md's, read in support/vmath_bounds.py."""
from dataclasses import dataclass

import mpmath as mp
import numpy as np

import resin_jit as rj

mp.mp.prec = 160   # the exact results reference() rounds: far below a float64 ULP

# -- the functions under test ------------------------------------------------------------------

F32_MAX = float(np.finfo(np.float32).max)


def spread(rng, lo, hi, n):
    """n values in [lo, hi]: log-uniform for 0 < lo, uniform otherwise."""
    if lo > 0:
        return np.exp(rng.uniform(np.log(lo), np.log(hi), n))
    return rng.uniform(lo, hi, n)


def both_signs(rng, lo, hi, n):
    return spread(rng, lo, hi, n) * rng.choice([-1.0, 1.0], n)


@dataclass(frozen=True)
class Fn:
    name: str            # README's row
    build: object        # expressions -> expression
    ref: object          # the numpy function (on float64 values: the reference)
    samples: object      # (rng, n) -> tuple of float64 arrays, one per argument
    arity: int = 1


def _power(k):
    return Fn(f"x**{k}", lambda x: rj.pow(x, k), lambda x: np.power(x, float(k)),
              lambda r, n: (both_signs(r, 1e-12, 1e12, n),))


FUNCTIONS = [
    Fn("sin", rj.sin, np.sin, lambda r, n: (np.concatenate([r.uniform(-10, 10, n), both_signs(r, 1e-30, F32_MAX, n)]),)),
    Fn("cos", rj.cos, np.cos, lambda r, n: (np.concatenate([r.uniform(-10, 10, n), both_signs(r, 1e-30, F32_MAX, n)]),)),
    Fn("tan", rj.tan, np.tan, lambda r, n: (np.concatenate([r.uniform(-10, 10, n), both_signs(r, 1e-30, F32_MAX, n)]),)),
    Fn("exp", rj.exp, np.exp, lambda r, n: (r.uniform(-104, 89, n),)),
    Fn("expm1", rj.expm1, np.expm1, lambda r, n: (np.concatenate([r.uniform(-20, 89, n), both_signs(r, 1e-30, 1, n)]),)),
    Fn("log", rj.log, np.log, lambda r, n: (spread(r, 1e-45, F32_MAX, n),)),
    Fn("log1p", rj.log1p, np.log1p, lambda r, n: (np.concatenate([r.uniform(-1, 1, n), both_signs(r, 1e-30, 1, n),
                                                               spread(r, 1, F32_MAX, n)]),)),
    Fn("log2", rj.log2, np.log2, lambda r, n: (spread(r, 1e-45, F32_MAX, n),)),
    Fn("log10", rj.log10, np.log10, lambda r, n: (spread(r, 1e-45, F32_MAX, n),)),
    Fn("sinh", rj.sinh, np.sinh, lambda r, n: (np.concatenate([r.uniform(-90, 90, n), both_signs(r, 1e-30, 1, n)]),)),
    Fn("cosh", rj.cosh, np.cosh, lambda r, n: (r.uniform(-90, 90, n),)),
    Fn("tanh", rj.tanh, np.tanh, lambda r, n: (np.concatenate([r.uniform(-10, 10, n), both_signs(r, 1e-30, 1, n)]),)),
    Fn("arcsin", rj.arcsin, np.arcsin, lambda r, n: (np.concatenate([r.uniform(-1, 1, n), both_signs(r, 1e-30, 1, n)]),)),
    Fn("arccos", rj.arccos, np.arccos, lambda r, n: (r.uniform(-1, 1, n),)),
    Fn("arctan", rj.arctan, np.arctan, lambda r, n: (both_signs(r, 1e-30, F32_MAX, n),)),
    Fn("arcsinh", rj.arcsinh, np.arcsinh, lambda r, n: (both_signs(r, 1e-30, F32_MAX, n),)),
    Fn("arccosh", rj.arccosh, np.arccosh, lambda r, n: (spread(r, 1, F32_MAX, n),)),
    Fn("arctanh", rj.arctanh, np.arctanh, lambda r, n: (np.concatenate([r.uniform(-1, 1, n), both_signs(r, 1e-30, 1, n)]),)),
    Fn("arctan2", rj.arctan2, np.arctan2, lambda r, n: (both_signs(r, 1e-30, 1e30, n), both_signs(r, 1e-30, 1e30, n)), 2),
    Fn("hypot", rj.hypot, np.hypot, lambda r, n: (both_signs(r, 1e-30, 1e30, n), both_signs(r, 1e-30, 1e30, n)), 2),
    Fn("pow", rj.pow, np.power, lambda r, n: (spread(r, 1e-3, 1e3, n), r.uniform(-12, 12, n)), 2),
    _power(3), _power(4), _power(-2),
    Fn("fmod", rj.fmod, np.fmod, lambda r, n: (both_signs(r, 1e-20, 1e20, n), both_signs(r, 1e-10, 1e10, n)), 2),
    Fn("copysign", rj.copysign, np.copysign, lambda r, n: (both_signs(r, 1e-30, 1e30, n), both_signs(r, 1e-30, 1e30, n)), 2),
    Fn("nextafter", rj.nextafter, np.nextafter, lambda r, n: (both_signs(r, 1e-30, 1e30, n), both_signs(r, 1e-30, 1e30, n)), 2),
    Fn("trunc", rj.trunc, np.trunc, lambda r, n: (np.concatenate([r.uniform(-1e3, 1e3, n), np.arange(-8, 8.5, 0.5)]),)),
    Fn("ceil", rj.ceil, np.ceil, lambda r, n: (np.concatenate([r.uniform(-1e3, 1e3, n), np.arange(-8, 8.5, 0.5)]),)),
    Fn("round", rj.round, np.rint, lambda r, n: (np.concatenate([r.uniform(-1e3, 1e3, n), np.arange(-8, 8.5, 0.5)]),)),
    Fn("sign", rj.sign, np.sign, lambda r, n: (r.uniform(-1, 1, n),)),
]
BY_NAME = {f.name: f for f in FUNCTIONS}


def compile_fn(jit, fn, dtype="float32"):
    xs = [rj.input(name) for name in ("x", "y")[:fn.arity]]
    return jit.compile(fn.build(*xs), inputs=[x for x in ("x", "y")[:fn.arity]], dtype=dtype)


# -- mpmath's exact results, and errors in ULP of them -----------------------------------------

MP = {
    "sin": mp.sin, "cos": mp.cos, "tan": mp.tan, "exp": mp.exp, "expm1": mp.expm1, "log": mp.log,
    "log1p": mp.log1p, "log2": lambda x: mp.log(x, 2), "log10": mp.log10, "sinh": mp.sinh, "cosh": mp.cosh,
    "tanh": mp.tanh, "arcsin": mp.asin, "arccos": mp.acos, "arctan": mp.atan, "arcsinh": mp.asinh,
    "arccosh": mp.acosh, "arctanh": mp.atanh, "arctan2": mp.atan2, "hypot": mp.hypot, "pow": mp.power,
    "x**3": lambda x: x ** 3, "x**4": lambda x: x ** 4, "x**-2": lambda x: x ** -2,
}
NUMPY = {"arctan2": np.arctan2, "hypot": np.hypot, "pow": np.power, "x**3": lambda x: x ** 3.0,
         "x**4": lambda x: x ** 4.0, "x**-2": lambda x: x ** -2.0}

# (lo, hi, both signs): log-uniform when lo > 0; each binary range gives x1 and x2
RANGES = {
    "sin": [(-10, 10, 0), (1e-300, 1e-5, 1), (-1.6e6, 1.6e6, 0), (1.6e6, 1e300, 1)],
    "cos": [(-10, 10, 0), (-1.6e6, 1.6e6, 0), (1.6e6, 1e300, 1)],
    "tan": [(-10, 10, 0), (1e-300, 1e-5, 1), (-1.6e6, 1.6e6, 0), (1.6e6, 1e300, 1)],
    "exp": [(-745, 709.7, 0), (-1, 1, 0)],
    "expm1": [(-1, 1, 0), (-50, 709.7, 0), (1e-300, 1e-3, 1)],
    "log": [(1e-300, 1e300, 0), (0.5, 2, 0), (5e-324, 2e-308, 0)],
    "log1p": [(-1, 1, 0), (1e-300, 1e300, 0), (1e-300, 1e-3, 1)],
    "log2": [(1e-300, 1e300, 0), (0.5, 2, 0)],
    "log10": [(1e-300, 1e300, 0), (0.5, 2, 0)],
    "sinh": [(-25, 25, 0), (-710, 710, 0), (1e-300, 1e-3, 1)],
    "cosh": [(-25, 25, 0), (-710, 710, 0)],
    "tanh": [(-20, 20, 0), (-1.5, 1.5, 0), (1e-300, 1e-3, 1)],
    "arcsin": [(-1, 1, 0), (1e-300, 1e-3, 1)],
    "arccos": [(-1, 1, 0)],
    "arctan": [(-10, 10, 0), (1e-300, 1e300, 1)],
    "arcsinh": [(-10, 10, 0), (1e-300, 1e300, 1)],
    "arccosh": [(1, 10, 0), (1, 1e300, 0)],
    "arctanh": [(-1, 1, 0), (1e-300, 1e-3, 1)],
    "arctan2": [((1e-300, 1e300, 1), (1e-300, 1e300, 1)), ((0.1, 10, 1), (0.1, 10, 1))],
    "hypot": [((1e-300, 1e300, 1), (1e-300, 1e300, 1)), ((0.5, 2, 1), (0.5, 2, 1))],
    "pow": [((1e-3, 1e3, 0), (-12, 12, 0)), ((1e-300, 1e300, 0), (-2, 2, 0))],
    "x**3": [(1e-100, 1e100, 1), (1, 1e6, 0), (1e-110, 1e-95, 1)],
    "x**4": [(1e-70, 1e70, 1), (1e-82, 1e-70, 1)],
    "x**-2": [(1e-150, 1e150, 1), (1e-160, 1e-150, 1)],
}


def _draw(rng, lo, hi, signs, n):
    v = np.exp(rng.uniform(np.log(lo), np.log(hi), n)) if lo > 0 else rng.uniform(lo, hi, n)
    return v * rng.choice([-1.0, 1.0], n) if signs else v


def correctly_rounded(exact):
    """exact (an mpf) rounded once to float64, denormals included (float() of an mpf rounds to 53
    bits first, which is twice for a denormal)."""
    if abs(exact) < mp.mpf(2) ** -1022:
        return float(mp.nint(exact * mp.mpf(2) ** 1074)) * 2.0 ** -1074
    return float(exact)


def reference(name, args):
    """(rounded, exact): the exact result (an mpf) and it correctly rounded, where the arguments
    and numpy's float64 result are finite and nonzero; numpy's result elsewhere (exact None): its
    NaN, infinities, signed zeros and the exact special cases (arctan2 of a zero), which mpmath
    has no signs for."""
    with np.errstate(all="ignore"):
        approx = NUMPY.get(name, getattr(np, name, None))(*args)
    rounded, exact = np.array(approx, np.float64), np.full(np.shape(approx), None, object)
    ordinary = np.isfinite(approx) & (approx != 0)
    for a in args:
        ordinary &= np.isfinite(a) & (a != 0)
    for i in np.flatnonzero(ordinary):
        value = MP[name](*(mp.mpf(float(a[i])) for a in args))
        if isinstance(value, mp.mpf):
            exact[i], rounded[i] = value, correctly_rounded(value)
    return rounded, exact


def ulp_errors_exact(got, rounded, exact):
    """|got - exact| in ULP of the correctly rounded result; where there is no exact value (numpy's
    special results) 0 for the same bits, else infinite; NaN, infinity and zero-sign mismatches
    are infinite."""
    err = np.zeros(got.shape)
    with np.errstate(all="ignore"):
        spacing = np.spacing(np.abs(rounded))
    for i in range(got.size):
        if exact[i] is not None and np.isfinite(got[i]) and got[i] != 0:
            err[i] = float(abs(mp.mpf(float(got[i])) - exact[i]) / mp.mpf(float(spacing[i])))
        elif not (np.isnan(got[i]) and np.isnan(rounded[i])):
            same = got[i] == rounded[i] and np.signbit(got[i]) == np.signbit(rounded[i])
            err[i] = 0.0 if same and exact[i] is None else np.inf
    return err
