"""What the vector-math tests share: each function csrc/vmath_functions.h declares (read through
resin_jit/front/vmath_table.py) as the tests use it (how to build it, numpy's function as the
reference, samples over its declared ranges), and an mpmath reference (160 bits, so that errors
below an ULP are measured) with the error in ULP of a result against it.

The functions' bounds are the declaration's too, read in support/vmath_bounds.py."""
from dataclasses import dataclass

import mpmath as mp
import numpy as np

import resin_jit as rj
from resin_jit.front import vmath_table

mp.mp.prec = 160   # the exact results reference() rounds: far below a float64 ULP

# -- the functions under test ------------------------------------------------------------------

F32_MAX = float(np.finfo(np.float32).max)


def _draw(rng, lo, hi, signs, n):
    """n values in [lo, hi]: log-uniform for 0 < lo, uniform otherwise; with random signs if signs."""
    v = np.exp(rng.uniform(np.log(lo), np.log(hi), n)) if lo > 0 else rng.uniform(lo, hi, n)
    return v * rng.choice([-1.0, 1.0], n) if signs else v


@dataclass(frozen=True)
class Fn:
    name: str            # README's row
    build: object        # expressions -> expression
    ref: object          # the numpy function (on float64 values: the reference)
    samples: object      # (rng, n) -> tuple of float64 arrays, one per argument
    arity: int = 1
    exact: bool = False  # correctly rounded always: its float32 reference is numpy's in float32


def _within_float32(lo, hi, signs):
    """A declared range cut to float32's finite values (where it can say something in float32)."""
    tiny = float(np.finfo(np.float32).smallest_subnormal)
    if lo > 0:
        return max(lo, tiny), min(hi, F32_MAX), signs
    return max(lo, -F32_MAX), min(hi, F32_MAX), signs


def _samples(declared):
    """(rng, n) -> n samples of each declared range (cut to float32's values; a range of doubles
    only, such as log's denormals, left out), per argument."""
    ranges = [[_within_float32(*argument) for argument in r] for r in declared.ranges]
    ranges = [r for r in ranges if all(lo < hi for lo, hi, _ in r)]

    def draw(rng, n):
        return tuple(np.concatenate([_draw(rng, *r[k], n) for r in ranges]) for k in range(declared.arity))
    return draw


def _fn(declared):
    if declared.build == "power":
        k = declared.exponent
        build = lambda x: rj.pow(x, k)      # noqa: E731 - x**k as users spell it
    else:
        build = getattr(rj, declared.name)
    return Fn(declared.label, build, declared.numpy_function, _samples(declared), declared.arity, declared.exact)


# every function csrc/vmath_functions.h declares, by its README row
FUNCTIONS = [_fn(declared) for declared in vmath_table.FUNCTIONS]
BY_NAME = {f.name: f for f in FUNCTIONS}


def compile_fn(jit, fn, dtype="float32", ulp=None):
    """fn's kernel of `dtype` at accuracy level `ulp` (default: jit's)."""
    xs = [rj.input(name) for name in ("x", "y")[:fn.arity]]
    return jit.compile(fn.build(*xs), inputs=[x for x in ("x", "y")[:fn.arity]], dtype=dtype, ulp=ulp)


# -- mpmath's exact results, and errors in ULP of them -----------------------------------------

# The mpmath function of each C99 <math.h> function whose mpmath name or branch differs (the others
# are mpmath's function of the same name), and of vmath_check.c's own ref_pow: a declared
# REFERENCE names the Python tests' reference too.
LIBM_IN_MPMATH = {
    "exp2": lambda x: mp.power(2, x), "log2": lambda x: mp.log(x, 2), "pow": mp.power, "ref_pow": mp.power,
    "cbrt": lambda x: mp.sign(x) * mp.cbrt(abs(x)),    # mpmath's cbrt of x < 0 is the principal, complex root
    "tgamma": mp.gamma, "lgamma": lambda x: mp.log(abs(mp.gamma(x))),
}
# Each measured (not exact) function of csrc/vmath_functions.h, by README row: its mpmath
# reference and its numpy function
MEASURED = [fn for fn in vmath_table.FUNCTIONS if not fn.exact]
MP = {fn.label: (lambda x, k=fn.exponent: x ** k) if fn.build == "power"
      else LIBM_IN_MPMATH.get(fn.reference) or getattr(mp, fn.reference) for fn in MEASURED}
NUMPY = {fn.label: fn.numpy_function for fn in MEASURED}

# (lo, hi, both signs): log-uniform when lo > 0; each binary range gives x1 and x2
RANGES = {fn.label: [r[0] if fn.arity == 1 else r for r in fn.ranges] for fn in MEASURED}


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
        approx = NUMPY[name](*args)
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
