"""Issue 14: expressions speak numpy. numpy's ufuncs and functions on an expression build graph
nodes, == and != give masks, and a comparison or mask output is a bool array on every backend."""
import numpy as np
import pytest

import resin_jit as rj
from resin_jit import audio

from support import NATIVE

XS = np.array([-2.0, -1.0, -0.0, 0.0, 0.5, 1.0, 2.0, np.inf, -np.inf, np.nan], np.float32)


def test_numpy_ufuncs_on_expressions_build_the_graph(any_jit):
    x = rj.input("x")
    expr = np.sin(x) + np.maximum(x, 0) * np.float32(2) - np.minimum(x, np.float64(0.5)) + np.abs(x) \
        + np.sqrt(np.abs(x)) + np.floor(x) + np.negative(x) + np.positive(x) + np.exp(np.tanh(x)) \
        + np.where(x > 0, x, -x) + np.clip(x, -1, 1) + np.divide(x, 4) + np.multiply(3, x)
    assert isinstance(expr, rj.Expr)
    with np.errstate(all="ignore"):
        want = (np.sin(XS) + np.maximum(XS, 0) * np.float32(2) - np.minimum(XS, np.float32(0.5)) + np.abs(XS)
                + np.sqrt(np.abs(XS)) + np.floor(XS) - XS + XS + np.exp(np.tanh(XS)) + np.where(XS > 0, XS, -XS)
                + np.clip(XS, -1, 1) + XS / np.float32(4) + np.float32(3) * XS)
    got = any_jit.compile(expr)(XS)
    finite = np.isfinite(want)
    np.testing.assert_allclose(got[finite], want[finite], rtol=1e-5)
    np.testing.assert_array_equal(np.isnan(got), np.isnan(want))


def test_what_resin_jit_lacks_is_a_type_error_naming_it():
    x = rj.input("x")
    for call, name in ((lambda: np.fmin(x, 1.0), "numpy.fmin"), (lambda: np.add.reduce(x), "numpy.add.reduce"),
                       (lambda: np.linalg.norm(x), "numpy.norm"), (lambda: np.isnan(x), "numpy.isnan")):
        with pytest.raises(TypeError, match=f"resin_jit has no {name} for expressions"):
            call()
    with pytest.raises(TypeError, match="takes no out="):
        np.add(x, 1.0, out=np.empty(3, np.float32))
    with pytest.raises(TypeError, match="pass the array as an input"):
        np.add(x, np.ones(3, np.float32))
    with pytest.raises(TypeError, match="no truth value until it runs"):
        bool(np.maximum(x, 0))


def test_equality_gives_masks_and_expressions_stay_hashable(any_jit):
    """x == 1.0 used to be Python's False (and != True), so rj.where(x == 1.0, a, b) failed."""
    x = rj.input("x")
    eq, ne = x == 1.0, x != 2.0
    assert isinstance(eq, rj.Expr) and isinstance(ne, rj.Expr)
    assert len({x, eq, ne, x}) == 3 and {x: 1}[x] == 1   # hashed by identity, as dict keys and set members
    kernel = any_jit.compile([rj.where(x == 1.0, 5.0, 6.0), eq, ne, 1.0 == x])
    picked, eq_out, ne_out, flipped = kernel(XS)
    np.testing.assert_array_equal(picked, np.where(XS == 1, np.float32(5), np.float32(6)))
    np.testing.assert_array_equal(eq_out, XS == 1)
    np.testing.assert_array_equal(ne_out, XS != 2)
    np.testing.assert_array_equal(flipped, XS == 1)


def test_masks_are_bool_outputs_on_every_backend(any_jit):
    """jit.compile(x < 1.0) used to fail natively (an incompatible rj_vf_store) while the numpy
    backend gave 1.0/0.0: now both give numpy's bools, beside number outputs of any dtype."""
    x, y = rj.input("x"), rj.input("y")
    for dtype in ("float32", "float64"):
        xs, ys = XS.astype(dtype), XS[::-1].astype(dtype)
        kernel = any_jit.compile([x < 1.0, ~(x < 1), (x > 0) & (y > 0), (x < y) | (y != y), x * 2.0],
                                 inputs=[x, y], dtype=dtype)
        outs = kernel(xs, ys)
        want = [xs < 1, ~(xs < 1), (xs > 0) & (ys > 0), (xs < ys) | (ys != ys), xs * 2]
        assert [o.dtype for o in outs] == [np.bool_] * 4 + [np.dtype(dtype)]
        for got, expected in zip(outs, want):
            np.testing.assert_array_equal(got, expected)
        for n in (0, 1, 5, 17, 100, 1000):   # vector body, scalar tail, broadcast chunks
            a = np.linspace(-1, 2, n).astype(dtype)
            np.testing.assert_array_equal(kernel(a, 0.5)[0], a < 1)
            assert kernel(a, 0.5)[0].view(np.uint8).max(initial=0) <= 1   # true is 1, as numpy's bools


def test_mask_outputs_of_stateful_graphs_and_channels(any_jit):
    x = rj.input("x")
    kernel = any_jit.compile([x > 0.25, audio.OnePole.lowpass(300.0)(x) > 0.1])
    signal = np.abs(np.sin(np.linspace(0, 20, 4 * 300))).astype(np.float32).reshape(4, 300)
    over, smooth = kernel(signal)
    assert over.dtype == smooth.dtype == np.bool_ and over.shape == smooth.shape == (4, 300)
    np.testing.assert_array_equal(over, signal > np.float32(0.25))
    assert smooth.view(np.uint8).max() <= 1 and 0 < smooth.sum() < smooth.size


@pytest.mark.skipif(not NATIVE, reason="no C compiler on this machine: native path untestable")
def test_mask_outputs_into_arrays_you_own():
    jit = rj.JitCompiler()
    x = rj.input("x")
    kernel = jit.compile([x * 2.0, x < 0.0])
    doubled, negative = np.empty(10, np.float32), np.empty(10, bool)
    before = kernel._slow_calls
    kernel.process(XS, out=[doubled, negative])
    assert kernel._slow_calls == before   # straight into C
    np.testing.assert_array_equal(negative, XS < 0)
    with pytest.raises(TypeError, match="output 'out1' must have dtype bool"):
        kernel.process(XS, out=[doubled, np.empty(10, np.float32)])


SPECIAL = [0.0, -0.0, 1.0, -1.0, 2.5, -2.5, 3.0, -7.0, 0.1, -0.1, 1e-30, -1e-30, 1e30, -1e30, np.inf, -np.inf, np.nan,
           1e-45, 0.5, 1.5, 1e20, 3.3]


def same_bits(got, want):
    """Equal values with equal signs (zeros included), NaN where numpy has NaN."""
    return np.all((got == want) & (np.signbit(got) == np.signbit(want)) | (np.isnan(got) & np.isnan(want)))


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_remainder_and_floor_division_are_numpys_bit_for_bit(any_jit, dtype):
    """x % y has the divisor's sign and x // y rounds down, with numpy's zeros, infinities and NaN."""
    x, y = rj.input("x"), rj.input("y")
    quotient, remainder = divmod(x, y)
    kernel = any_jit.compile([x % y, x // y, quotient, remainder, np.remainder(x, y), np.mod(x, y),
                              np.floor_divide(x, y), *np.divmod(x, y), rj.fmod(x, y)], inputs=[x, y], dtype=dtype)
    pairs = np.array([(a, b) for a in SPECIAL for b in SPECIAL], dtype).T
    rng = np.random.default_rng(0)
    spread = (rng.standard_normal((2, 4000)) * 10.0 ** rng.integers(-8, 9, (2, 4000))).astype(dtype)
    for a, b in (pairs, spread):
        got = kernel(a, b)
        with np.errstate(all="ignore"):
            want_mod, want_div = np.remainder(a, b), np.floor_divide(a, b)
            wants = [want_mod, want_div, want_div, want_mod, want_mod, want_mod, want_div, want_div, want_mod,
                     np.fmod(a, b)]
        for j, (g, w) in enumerate(zip(got, wants)):
            assert same_bits(g, w), (j, a[~((g == w) | np.isnan(w))][:5], b[~((g == w) | np.isnan(w))][:5])


def test_constant_powers_are_numpys_whichever_way_they_are_written(any_jit):
    """x**2 is x*x, x**0.5 sqrt(x), x**-1 1/x, as numpy computes them, through **, np.power,
    rj.pow, np.square and np.reciprocal alike."""
    x = rj.input("x")
    kernel = any_jit.compile([x ** 2, np.power(x, 2), rj.pow(x, 2.0), np.square(x), x ** 0.5, x ** -1,
                              np.reciprocal(x), 2.0 ** x, np.fabs(x), np.round(x)], dtype="float64")
    values = np.concatenate([np.arange(1.0, 1001.0), np.array(SPECIAL), np.linspace(-3, 3, 101)])
    got = kernel(values)
    with np.errstate(all="ignore"):
        wants = [values ** 2, values ** 2, values ** 2, np.square(values), values ** 0.5, values ** -1.0,
                 np.reciprocal(values), None, np.fabs(values), np.round(values)]
    for j, (g, w) in enumerate(zip(got, wants)):
        if w is not None:
            assert same_bits(g, w), j
    np.testing.assert_allclose(got[7][:50], 2.0 ** values[:50], rtol=1e-15)
    with pytest.raises(TypeError, match="numpy.round on an expression takes no decimals"):
        np.round(x, 2)


def test_bools_are_constant_masks_and_real_values_have_numpys_complex_vocabulary(any_jit):
    """What numexpr's expressions use on real arrays: True/False, .real, .imag, conj, copy,
    ones_like, zeros_like, and numpy's own names for them."""
    x = rj.input("x")
    values = np.array([-1.5, 0.0, 2.0, np.nan], np.float32)
    kernel = any_jit.compile([x + True, rj.where(False, x, -x), x.real, x.imag + x, rj.conj(x), np.conjugate(x),
                              rj.copy(x), np.copy(x), x + rj.ones_like(x), x * rj.zeros_like(x), np.real(x),
                              np.imag(x) + 2.0], inputs=[x])
    with np.errstate(all="ignore"):
        wants = [values + True, -values, values, values, values, values, values, values, values + 1, values * 0,
                 values, np.imag(values) + np.float32(2)]
    for j, (got, want) in enumerate(zip(kernel(values), wants)):
        np.testing.assert_array_equal(got, want.astype(np.float32), err_msg=str(j))
    constant = any_jit.compile(rj.ones_like(x) > 0.5)   # no input left: the length is given
    assert constant(n=3).tolist() == [True, True, True]
    np.testing.assert_array_equal(any_jit.compile(x < 5)(np.array([4.0, 6.0], np.float32)), [True, False])
    np.testing.assert_array_equal(any_jit.compile(rj.where(True, x, 0.0) + False)(values), values)
