"""csrc/vmath.h through compiled kernels, on every tier the host runs: each elementwise function
within README.md's bound of a float64 reference (float32 kernels; float64 ones against mpmath in
test_vmath_accuracy.py), with numpy's NaN, infinities, signed zeros and domain edges, the same
value whether a sample falls in the vector loop or the scalar tail, one vector loop per graph,
and x**k for constant k as numpy computes it."""
import zlib

import mpmath as mp
import numpy as np
import pytest

import resin_jit as rj
from resin_jit.front.functions import pow_rewrite
from resin_jit.front.nodes import Const

from support import TIERS, compiler_for
from support.vmath import BY_NAME, FUNCTIONS, MP, compile_fn, reference as mp_reference, ulp_errors_exact
from support.vmath_bounds import bound


def ulp_errors(got, ref):
    """|got - ref| in ULP of ref rounded to got's dtype; a NaN mismatch, an infinity or a zero of
    the wrong sign is an infinite error."""
    dtype = got.dtype
    got64 = got.astype(np.float64)
    with np.errstate(all="ignore"):
        rounded = ref.astype(dtype)            # overflows to inf as numpy's float32 result would
        spacing = np.spacing(np.abs(rounded)).astype(np.float64)
        spacing[spacing == 0] = float(np.finfo(dtype).smallest_subnormal)
        err = np.abs(got64 - ref) / spacing
    same = (got == rounded) & (np.signbit(got) == np.signbit(rounded))
    err[same | (np.isnan(got) & np.isnan(ref))] = 0.0
    special = np.isnan(got) ^ np.isnan(ref) | ((np.isinf(got) | np.isinf(rounded) | (got == 0) & (rounded == 0)) & ~same)
    err[special & ~(np.isnan(got) & np.isnan(ref))] = np.inf
    return err


def run(kernel, args, dtype):
    with np.errstate(all="ignore"):
        return kernel(*[a.astype(dtype) for a in args])


def reference(fn, args, dtype):
    """numpy on float64 values, for float32 arguments; in float32 itself for the exact functions
    (copysign's and nextafter's float64 result differs)."""
    with np.errstate(all="ignore"):
        if fn.exact and dtype == "float32":
            return fn.ref(*[a.astype(np.float32) for a in args]).astype(np.float64)
        return fn.ref(*[a.astype(dtype).astype(np.float64) for a in args])


def errors(fn, args, got, dtype):
    """ULP errors of got: float32 against float64 numpy, float64 against mpmath."""
    if dtype == "float64" and fn.name in MP:
        return ulp_errors_exact(got, *mp_reference(fn.name, [a.astype(np.float64) for a in args]))
    return ulp_errors(got, reference(fn, args, dtype))


@pytest.mark.parametrize("name", sorted(BY_NAME))
def test_float32_within_the_stated_bound(jit, name):
    fn = BY_NAME[name]
    args = fn.samples(np.random.default_rng(zlib.crc32(name.encode())), 3000)
    kernel = compile_fn(jit, fn)
    got = run(kernel, args, np.float32)
    err = ulp_errors(got, reference(fn, args, "float32"))
    worst = int(np.argmax(err))
    assert err[worst] <= bound(name, "float32", jit.config), \
        f"{name}{tuple(a[worst].astype(np.float32) for a in args)} = {got[worst]!r}, {err[worst]:.3f} ULP"


SPECIALS = np.array([0.0, -0.0, np.inf, -np.inf, np.nan, 1.0, -1.0, 0.5, -0.5, 2.0, -2.0, 1.5, -2.5, 3.0,
                     1e-45, -1e-45, 1.1754942e-38, 3.4028235e38, -3.4028235e38, 88.7, 89.5, -103.9, -87.5,
                     1.0000001, 0.99999994, -0.99999994, 1e30, -1e30, 710.0, -746.0, 1e-310, 1.7976931348623157e308])


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("name", sorted(BY_NAME))
def test_special_values_as_numpy(jit, name, dtype):
    """NaN where numpy gives NaN, numpy's infinities and zeros with their signs, the rest within
    the bound; for binary functions every pair of the special values."""
    fn = BY_NAME[name]
    if fn.arity == 1:
        args = (SPECIALS,)
    else:
        args = (np.repeat(SPECIALS, SPECIALS.size), np.tile(SPECIALS, SPECIALS.size))
    got = run(compile_fn(jit, fn, dtype), args, dtype)
    err = errors(fn, args, got, dtype)
    bad = np.flatnonzero(err > bound(name, dtype, jit.config))
    assert bad.size == 0, [(tuple(a[i] for a in args), got[i], err[i]) for i in bad[:5]]


# numpy's answers at the domain edges and the signed zeros, spelled out (float32 and float64)
HALF_PI, THREE_QUARTER_PI = float(mp.pi / 2), float(3 * mp.pi / 4)
EDGES = [
    ("arcsin", (1.0000001,), np.nan), ("arcsin", (-1.0,), -HALF_PI), ("arccos", (1.0,), 0.0),
    ("arccos", (-1.0000001,), np.nan), ("arccosh", (1.0,), 0.0), ("arccosh", (0.99999994,), np.nan),
    ("arctanh", (1.0,), np.inf), ("arctanh", (-1.0,), -np.inf), ("arctanh", (1.0000001,), np.nan),
    ("log1p", (-1.0,), -np.inf), ("log1p", (-1.0000001,), np.nan), ("log1p", (-0.0,), -0.0),
    ("expm1", (-0.0,), -0.0), ("expm1", (-np.inf,), -1.0), ("sinh", (-0.0,), -0.0), ("tanh", (-np.inf,), -1.0),
    ("log2", (8.0,), 3.0), ("log2", (0.0,), -np.inf), ("log10", (-1.0,), np.nan), ("log10", (1000.0,), 3.0),
    ("arctan2", (0.0, -0.0), float(mp.pi)), ("arctan2", (-0.0, -0.0), -float(mp.pi)), ("arctan2", (0.0, 0.0), 0.0),
    ("arctan2", (-0.0, 0.0), -0.0), ("arctan2", (np.inf, -np.inf), THREE_QUARTER_PI), ("arctan2", (-1.0, 0.0), -HALF_PI),
    ("hypot", (np.inf, np.nan), np.inf), ("hypot", (np.nan, -np.inf), np.inf), ("hypot", (3.0, 4.0), 5.0),
    ("fmod", (-4.0, 2.0), -0.0), ("fmod", (5.5, -2.0), 1.5), ("fmod", (1.0, 0.0), np.nan), ("fmod", (np.inf, 1.0), np.nan),
    ("fmod", (1.0, np.inf), 1.0), ("fmod", (1e30, 3.0), None), ("round", (2.5,), 2.0), ("round", (-0.5,), -0.0),
    ("round", (1.5,), 2.0), ("trunc", (-0.7,), -0.0), ("ceil", (-0.5,), -0.0), ("sign", (-0.0,), 0.0),
    ("sign", (np.nan,), np.nan), ("nextafter", (0.0, -1.0), None), ("nextafter", (1.0, 1.0), 1.0),
    ("copysign", (3.0, -0.0), -3.0), ("x**-2", (0.0,), np.inf), ("x**3", (-0.0,), -0.0),
    ("pow", (-8.0, 1.0 / 3.0), np.nan), ("pow", (np.nan, 0.0), 1.0), ("pow", (1.0, np.nan), 1.0),
    ("sin", (1e30,), None), ("cos", (-1e22,), None), ("tan", (1e35,), None),
]


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("name, args, expected", EDGES)
def test_domain_edges(jit, name, args, expected, dtype):
    """The value stated (None: numpy's own result on the dtype), bit for bit where it is exact."""
    fn = BY_NAME[name]
    values = [np.array([a]) for a in args]
    got = run(compile_fn(jit, fn, dtype), values, dtype)[0]
    if expected is None:
        assert errors(fn, values, np.array([got]), dtype)[0] <= bound(name, dtype, jit.config), (args, got)
    elif np.isnan(expected):
        assert np.isnan(got)
    elif name in ("arcsin", "arctan2") and abs(expected) not in (0.0, np.inf):
        assert got == np.array(expected).astype(dtype)      # correctly rounded pi fractions
    else:
        assert got == expected and np.signbit(got) == np.signbit(expected), got


@pytest.mark.parametrize("name", sorted(BY_NAME))
def test_vector_loop_and_tail_agree(jit, name):
    """A sample's value does not depend on where it falls: every length 0-34, and 67, against the
    67-long run (float32 and float64)."""
    fn = BY_NAME[name]
    full_args = [a[:67] for a in fn.samples(np.random.default_rng(1), 67)]
    for dtype in ("float32", "float64"):
        kernel = compile_fn(jit, fn, dtype)
        full = run(kernel, full_args, dtype)
        for n in list(range(35)) + [67]:
            part = run(kernel, [a[:n] for a in full_args], dtype)
            np.testing.assert_array_equal(part.view(np.uint32 if dtype == "float32" else np.uint64),
                                          full[:n].view(np.uint32 if dtype == "float32" else np.uint64))


def test_graphs_stay_one_vector_loop():
    x, y = rj.input("x"), rj.input("y")
    graph = sum(fn.build(*(x, y)[:fn.arity]) for fn in FUNCTIONS)
    source = rj.JitCompiler().source_of(graph, inputs=["x", "y"])
    for op in ("sin", "arcsinh", "arctan2", "hypot", "fmod", "nextafter", "round", "powi", "pow"):
        assert f"rj_vf_{op}(" in source, op
    assert "not vectorisable" not in source


def test_large_trigonometric_arguments():
    """The reduction holds over the whole float range (issue 14: sin(1e30f) gave 1.0)."""
    kernel = compiler_for(TIERS[-1]).compile(rj.sin(rj.input("x")))
    assert kernel(np.array([1e30], np.float32))[0] == np.float32(np.sin(np.float64(np.float32(1e30))))


# ---- x**k for constant k -------------------------------------------------------------------

POWER_INPUTS = np.array([0.0, -0.0, 1.0, -1.0, 2.0, -3.0, 0.1, 123.0, 1e-30, -1e-30, 1e30, np.inf, -np.inf, np.nan,
                         1e-45, 3.4028235e38, 7.25, -0.5])


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("k", [2, 0.5, -1, 1, 0])
def test_constant_powers_are_numpy_bit_for_bit(jit, k, dtype):
    """numpy does not call pow for these: x*x, sqrt, 1/x, x and 1.0 (its power loop's fast
    paths, and ndarray ** 2, ** -1, ** 0.5); rj.pow gives the same bits."""
    x = rj.input("x")
    got = run(jit.compile(rj.pow(x, k), dtype=dtype), [POWER_INPUTS], dtype)
    with np.errstate(all="ignore"):
        expected = POWER_INPUTS.astype(dtype) ** k
    np.testing.assert_array_equal(got, expected)
    assert np.array_equal(np.signbit(got), np.signbit(expected))


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("k", [2, 3, 4, -1, -2])
def test_integer_powers_exact(jit, k, dtype):
    """x**k for x = 1..1000 (issue 14: float64 x**2 was wrong for 892 of them): exact wherever the
    result is representable, as numpy, through rj.pow and through the general pow of x**y; within
    the stated bound of the exact power elsewhere (x*x and 1/x: correctly rounded)."""
    xs = np.arange(1.0, 1001.0)
    x, y = rj.input("x"), rj.input("y")
    powers = [mp.mpf(int(v)) ** k for v in xs]
    rounded = np.array([float(p) for p in powers])
    representable = np.array([mp.mpf(float(np.array(r).astype(dtype))) == p for p, r in zip(powers, rounded)])
    special = run(jit.compile(rj.pow(x, k), dtype=dtype), [xs], dtype)
    general = run(jit.compile(x ** y, inputs=["x", "y"], dtype=dtype), [xs, np.full_like(xs, k)], dtype)
    expected = rounded.astype(dtype)
    np.testing.assert_array_equal(special[representable], expected[representable])
    np.testing.assert_array_equal(general[representable], expected[representable])
    exact = np.array(powers, object)
    errors_of = ((lambda got: ulp_errors(got, rounded)) if dtype == "float32"
                 else (lambda got: ulp_errors_exact(got, rounded, exact)))
    assert errors_of(special).max() <= (0.5 if k in (2, -1) else bound(f"x**{k}", dtype, jit.config))
    assert errors_of(general).max() <= bound("pow", dtype, jit.config)


def test_pow_rewrite_covers_numpy_special_exponents_only():
    x = rj.input("x")
    for k, op in [(2, "mul"), (2.0, "mul"), (np.float32(0.5), "sqrt"), (-1, "div"), (0, "pow0"), (3, "pow3"),
                  (np.int64(4), "pow4"), (-2, "pow_m2"), (rj.Expr(Const(3.0)), "pow3")]:
        assert pow_rewrite(x, k).node.op == op, (k, op)
        assert rj.pow(x, k).node.op == op, (k, op)
    assert pow_rewrite(x, 1) is x
    for other in (2.5, -3, 5, float("nan"), True, "2", rj.input("y"), None, 1 << 2000):
        assert pow_rewrite(x, other) is None, other
    assert rj.pow(x, 2.5).node.op == "pow"


def test_numpy_backend_runs_every_function(numpy_jit):
    for fn in FUNCTIONS:
        args = [a.astype(np.float32) for a in fn.samples(np.random.default_rng(2), 20)]
        kernel = compile_fn(numpy_jit, fn)
        with np.errstate(all="ignore"):
            expected = fn.ref(*args)
        np.testing.assert_allclose(run(kernel, args, np.float32), expected, rtol=2e-6, equal_nan=True)


def test_arguments_that_are_not_numbers_are_type_errors():
    x = rj.input("x")
    with pytest.raises(TypeError, match="real number"):
        rj.arctan2(x, "y")
    with pytest.raises(TypeError, match="real number"):
        rj.sinh([1.0])
    with pytest.raises(TypeError):
        rj.hypot(x)
