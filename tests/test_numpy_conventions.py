"""Issue 21, item 2: numpy's calling conventions. `kernel(xs, out=...)` as numpy's ufuncs take it
(the given arrays returned, None for one the call makes, straight from C when the arrays fit),
numpy's array methods on expressions, np.clip with None bounds, np.asarray(expr) refused with the
fix, arithmetic on masks as numpy's on bools, and a bool() error whose advice works."""
import numpy as np
import pytest

import resin_jit as rj
from resin_jit import audio
from resin_jit.front.canonical import canonicalize

XS = np.array([-2.0, -1.0, -0.0, 0.0, 0.5, 1.0, 2.0, np.inf, -np.inf, np.nan], np.float32)


def two_outputs(jit):
    x = rj.input("x")
    return jit.compile([x * 2.0 + 1.0, rj.sum(x)])


# -- kernel(..., out=...) ---------------------------------------------------------------------------

def test_out_gives_back_the_array_given_as_a_ufunc_does(any_jit):
    kernel = any_jit.compile(rj.input("x") * 2.0 + 1.0)
    want = kernel(XS)
    out = np.empty(10, np.float32)
    for spelling in (out, (out,), [out]):
        out[...] = 7.0
        assert kernel(XS, out=spelling) is out
        np.testing.assert_array_equal(out, want)
    made = kernel(XS, out=None)   # numpy's out=None: a new array
    assert made is not out and made.dtype == np.float32
    np.testing.assert_array_equal(made, want)
    np.testing.assert_array_equal(kernel(x=XS, out=out), want)


def test_out_of_several_outputs_takes_one_per_output_none_for_one_made(any_jit):
    kernel = two_outputs(any_jit)
    xs = np.arange(6, dtype=np.float32).reshape(2, 3)
    scaled, total = np.empty((2, 3), np.float32), np.empty(2, np.float32)
    got = kernel(xs, out=(scaled, total))
    assert type(got) is tuple and got[0] is scaled and got[1] is total
    np.testing.assert_array_equal(scaled, xs * 2 + 1)
    np.testing.assert_array_equal(total, xs.sum(axis=1))
    for out in ([None, total], (scaled, None)):
        first, second = kernel(xs, out=out)
        assert (first is scaled) == (out[0] is not None) and (second is total) == (out[1] is not None)
        np.testing.assert_array_equal(first, xs * 2 + 1)
        np.testing.assert_array_equal(second, xs.sum(axis=1))
        assert first.shape == (2, 3) and second.shape == (2,)


def test_numbers_broadcast_to_the_outputs_shape(any_jit):
    """np.add(2.0, 1.0, out=o) fills o: with no input array, the output gives the shape."""
    x, y = rj.input("x"), rj.input("y")
    kernel = any_jit.compile(x * y, inputs=[x, y])
    out = np.empty(5, np.float32)
    assert kernel(3.0, 2.0, out=out) is out
    np.testing.assert_array_equal(out, np.full(5, 6.0, np.float32))
    assert kernel(np.arange(5, dtype=np.float32), 2.0, out=out) is out
    np.testing.assert_array_equal(out, np.arange(5, dtype=np.float32) * 2)


def test_a_source_takes_its_length_from_out_or_n(any_jit):
    kernel = any_jit.compile(rj.param("level", 0.25) * 2.0)
    out = np.zeros(7, np.float32)
    assert kernel(out=out) is out and np.all(out == np.float32(0.5))
    out[...] = 0.0
    assert kernel(n=7, out=out) is out and np.all(out == np.float32(0.5))
    with pytest.raises(ValueError, match=r"'out0' has shape \(7,\), not the \(3,\) of n=3"):
        kernel(n=3, out=out)
    with pytest.raises(TypeError, match="needs the block length"):
        kernel(out=None)


def test_process_makes_the_outputs_given_as_none(any_jit):
    """process() wanted an array for every output, the 0-d reductions included."""
    kernel = two_outputs(any_jit)
    finite = XS[np.isfinite(XS)]
    scaled, total = np.empty(finite.size, np.float32), np.empty((), np.float32)
    assert kernel.process(finite, out=[scaled, None]) is None
    np.testing.assert_array_equal(scaled, finite * 2 + 1)
    assert kernel.process(finite, None, total) is None   # positional outputs too
    assert total == finite.sum()
    assert kernel.process(finite, out=None) is None      # every output made, none kept


def test_stateful_kernels_keep_their_state_through_out(any_jit):
    x = rj.input("x")
    kernel = any_jit.compile(audio.Biquad.lowpass(1000.0)(x))
    reference = any_jit.compile(audio.Biquad.lowpass(1000.0)(x))
    signal = np.sin(np.arange(512, dtype=np.float32) * 0.3)
    block = np.empty(256, np.float32)
    got = [kernel(signal[:256], out=block).copy(), kernel(signal[256:], out=block).copy()]
    np.testing.assert_array_equal(np.concatenate(got), reference(signal))
    kernel.reset()
    kernel.process(signal[:256], out=None)   # the outputs dropped, the state run on
    np.testing.assert_array_equal(kernel(signal[256:], out=block), got[1])


def test_out_errors_name_the_output_and_the_fix(any_jit):
    kernel = two_outputs(any_jit)
    xs = np.ones(4, np.float32)
    with pytest.raises(TypeError, match=r"has 2 outputs: out= takes a tuple of 2 arrays.*None for one the call makes"):
        kernel(xs, out=np.empty(4, np.float32))
    with pytest.raises(TypeError, match=r"out= gives 3 array\(s\) and this kernel has 2 output\(s\)"):
        kernel(xs, out=(None, None, None))
    with pytest.raises(TypeError, match=r"out= gives 1 array\(s\) and this process has 2 output\(s\)"):
        kernel.process(xs, out=[None])
    with pytest.raises(TypeError, match=r"output 'out0' must have dtype float32, not float64: pass np.empty\(\(4,\), "
                                        r"'float32'\), or None"):
        kernel(xs, out=(np.empty(4), None))
    with pytest.raises(ValueError, match=r"output 'out1' has shape \(4,\) where this call needs \(\).*"
                                         r"np.empty\(\(\), 'float32'\)"):
        kernel(xs, out=(None, np.empty(4, np.float32)))
    with pytest.raises(TypeError, match="output 'out0' must be a numpy.ndarray of float32, not list"):
        kernel(xs, out=([0.0] * 4, None))
    with pytest.raises(ValueError, match="input 'x' has shape"):
        kernel(xs, out=(np.empty(5, np.float32), None))


def test_out_on_the_call_is_the_fast_path(jit):
    """kernel(x, out=o) with arrays that fit goes from Python straight into the entry, as process
    does; a None among the outputs takes the slow path, which makes it."""
    kernel = two_outputs(jit)
    xs = np.arange(8, dtype=np.float32)
    scaled, total = np.empty(8, np.float32), np.empty((), np.float32)
    one = jit.compile(rj.input("x") * 3.0)
    fast, slow = kernel._fast_calls, kernel._slow_calls
    assert kernel(xs, out=(scaled, total))[0] is scaled
    kernel(x=xs, out=[scaled, total])
    kernel(xs, out=None)
    assert (kernel._fast_calls - fast, kernel._slow_calls - slow) == (3, 0)
    assert kernel(xs, out=(scaled, None))[0] is scaled
    assert (kernel._fast_calls - fast, kernel._slow_calls - slow) == (3, 1)
    fast, slow = one._fast_calls, one._slow_calls
    assert one(xs, out=scaled) is scaled and one(xs, out=(scaled,)) is scaled and one(2.0, out=scaled) is scaled
    assert (one._fast_calls - fast, one._slow_calls - slow) == (3, 0)
    np.testing.assert_array_equal(scaled, np.full(8, 6.0, np.float32))
    source = jit.compile(rj.param("level", 1.0) + 0.0)
    fast, slow = source._fast_calls, source._slow_calls
    assert source(out=scaled) is scaled
    assert (source._fast_calls - fast, source._slow_calls - slow) == (1, 0)


# -- methods on expressions ---------------------------------------------------------------------------

METHODS = {
    "sum": (lambda e: e.sum(), rj.sum), "mean": (lambda e: e.mean(), rj.mean), "max": (lambda e: e.max(), rj.max),
    "min": (lambda e: e.min(), rj.min), "argmax": (lambda e: e.argmax(), rj.argmax),
    "argmin": (lambda e: e.argmin(), rj.argmin), "prod": (lambda e: e.prod(), rj.prod),
    "clip": (lambda e: e.clip(-1, 0.5), lambda e: rj.clip(e, -1, 0.5)),
    "clip(max=)": (lambda e: e.clip(max=0.5), lambda e: rj.minimum(e, 0.5)),
}


@pytest.mark.parametrize("name", METHODS)
def test_each_method_is_the_rj_function(name):
    method, function = METHODS[name]
    x = rj.input("x")
    assert canonicalize([method(x * 2.0)]).key == canonicalize([function(x * 2.0)]).key


def test_methods_compute_numpys_values(any_jit):
    x = rj.input("x")
    ys = np.array([[3.0, -1.0, 4.0, 1.0, -5.0], [9.0, 2.0, -6.0, 5.0, 3.0]], np.float32)
    kernel = any_jit.compile([x.sum(), x.mean(), x.max(), x.min(), x.argmax(), x.argmin(), x.clip(-1, 2),
                              (x > 0).astype(np.float32), x.astype(bool)])
    got = kernel(ys)
    want = [ys.sum(axis=1), ys.mean(axis=1), ys.max(axis=1), ys.min(axis=1), ys.argmax(axis=1), ys.argmin(axis=1),
            ys.clip(-1, 2), (ys > 0).astype(np.float32), ys.astype(bool)]
    for g, w in zip(got, want):
        assert g.dtype == w.dtype or (g.dtype.kind == w.dtype.kind == "f")
        np.testing.assert_allclose(g, w, rtol=1e-6)


def test_methods_refuse_what_they_cannot_do():
    x = rj.input("x")
    assert canonicalize([x.sum(axis=-1)]).key == canonicalize([rj.sum(x)]).key
    with pytest.raises(TypeError, match="reduces over the samples"):
        x.sum(axis=0)
    with pytest.raises(TypeError, match="takes no out="):
        x.max(out=np.empty(()))
    with pytest.raises(TypeError, match=r"cannot be cast to int64.*rj.floor\(x\) or rj.rint\(x\)"):
        x.astype(np.int64)


# -- np.clip with None ------------------------------------------------------------------------------

def test_clip_with_none_is_no_bound_on_that_side(any_jit):
    """np.clip(x, 0, None) was "a constant must be a real number, not NoneType"."""
    x = rj.input("x")
    lo = rj.param("lo", -1.0)
    exprs = [np.clip(x, 0, None), rj.clip(x, None, 1), np.clip(x, min=-0.0), x.clip(None, 0.0), rj.clip(x, lo, None),
             rj.clip(x, None, None)]
    kernel = any_jit.compile(exprs)
    want = [np.clip(XS, 0, None), np.clip(XS, None, 1), np.maximum(XS, -0.0), np.minimum(XS, 0.0),
            np.maximum(XS, np.float32(-1)), XS]   # both None: x itself, as numpy 2.1 on gives
    for got, expected in zip(kernel(XS), want):
        np.testing.assert_array_equal(got, expected)
        np.testing.assert_array_equal(np.signbit(got), np.signbit(expected))
    with pytest.raises(TypeError, match=r"takes both bounds, None for no bound on a side: np.clip\(x, lo, None\)"):
        np.clip(x, 0)


# -- np.asarray(expr) ---------------------------------------------------------------------------------

def test_an_expression_is_not_an_array():
    """np.asarray(expr) quietly gave an object array."""
    x = rj.input("x")
    for convert in (np.asarray, np.array, lambda e: np.array([e, e]), lambda e: np.asarray([1.0, e])):
        with pytest.raises(TypeError, match=r"a graph to compile, not an array.*compile\(expr\).*kernel\(xs\)"):
            convert(x * 2.0)


def test_numpy_scalars_still_combine_with_expressions(any_jit):
    """numpy scalars on either side stay graph constants (np.float32(1) < x used to fail)."""
    x = rj.input("x")
    exprs = [np.float32(2) * x, x * np.float64(2), np.float32(1) < x, np.float64(0.5) >= x, np.float32(1) == x,
             np.bool_(True) & (x > 0), np.sum(x), np.maximum(np.float32(0), x)]
    got = any_jit.compile(exprs)(XS)
    with np.errstate(invalid="ignore"):
        want = [2 * XS, XS * 2, 1 < XS, 0.5 >= XS, XS == 1, XS > 0, np.float32(np.nan), np.maximum(0, XS)]
    for g, w in zip(got, want):
        np.testing.assert_array_equal(g, w)
        assert g.dtype == np.asarray(w).dtype


# -- masks as numpy's bools ---------------------------------------------------------------------------

MASK_OPS = {   # name: (on expressions, on numpy's bools)
    "m + n": lambda m, n: m + n, "m * n": lambda m, n: m * n, "maximum": np.maximum, "minimum": np.minimum,
    "where(m, m, n)": lambda m, n: np.where(m, m, n), "m ^ n": lambda m, n: m ^ n, "m & n": lambda m, n: m & n,
    "m | n": lambda m, n: m | n, "abs(m)": lambda m, n: abs(m), "logical_xor": np.logical_xor,
    "m + True": lambda m, n: m + True, "np.add": np.add, "bitwise_or": np.bitwise_or,
    "m * x": None, "m / n": lambda m, n: m / n, "m * 2": lambda m, n: m * 2, "m + 0.5": lambda m, n: m + 0.5,
}


def test_mask_arithmetic_is_numpys_bool_arithmetic(any_jit):
    """A bool plus a bool gave floats; numpy gives bools (`or`), and numbers for bool * float."""
    x = rj.input("x")
    m, n = x > 0, x < 1.5
    M, N = XS > 0, XS < 1.5
    exprs = [fn(m, n) if fn is not None else m * x for fn in MASK_OPS.values()]
    got = any_jit.compile(exprs)(XS)
    with np.errstate(all="ignore"):
        want = [fn(M, N) if fn is not None else M * XS for fn in MASK_OPS.values()]
    for name, g, w in zip(MASK_OPS, got, want):
        np.testing.assert_array_equal(g, w, err_msg=name)
        # bool where numpy gives bool; numbers where numpy gives numbers, in the kernel's dtype (m * 2
        # is numpy's int64 0 and 2: here float32, as every number of a float32 kernel)
        assert g.dtype == (np.bool_ if w.dtype == np.bool_ else np.float32), name


def test_mask_subtraction_and_negation_are_refused_with_what_works(any_jit):
    x = rj.input("x")
    m, n = x > 0, x < 1.5
    with pytest.raises(TypeError, match=r"a mask minus a mask is refused.*a \^ b.*a & ~b"):
        m - n
    with pytest.raises(TypeError, match=r"negative of a mask is refused.*~mask"):
        -m
    kernel = any_jit.compile([m ^ n, m & ~n, rj.where(m, 1.0, 0.0) - n, ~m, -rj.where(m, 1.0, 0.0)])
    M, N = XS > 0, XS < 1.5
    want = [M ^ N, M & ~N, M.astype(np.float32) - N, ~M, -M.astype(np.float32)]
    for g, w in zip(kernel(XS), want):
        np.testing.assert_array_equal(g, w)


def test_reductions_of_masks_and_comparisons_of_reduced_values(any_jit):
    """numpy's max and min of bools are bools; a comparison of reduced values (rj.sum(x) > 0) used
    to fail to build (a mask output was taken for one of every sample)."""
    x = rj.input("x")
    m = x > 0
    kernel = any_jit.compile([m.max(), m.min(), rj.max(m), rj.sum(x) > 0, m.argmax(),
                              m.sum(), m.mean(), x * 2])
    ys = np.array([[-1.0, 2.0, 3.0], [1.0, 2.0, 3.0], [-1.0, -2.0, -3.0]], np.float32)
    for rows in (ys, ys[0]):   # (channels,) values, and 0-d ones from 1-D input
        M = rows > 0
        want = [M.max(-1), M.min(-1), M.max(-1), rows.sum(-1) > 0, M.argmax(-1), M.sum(-1), M.mean(-1), rows * 2]
        for g, w in zip(kernel(rows), want):
            assert g.shape == w.shape
            # bool and int64 as numpy's; a count or mean of a mask in the kernel's dtype (numpy: int64, float64)
            assert g.dtype == w.dtype or (g.dtype == np.float32 and w.dtype.kind in "if")
            np.testing.assert_array_equal(g, w.astype(g.dtype))
    biggest, smallest = np.empty(3, np.bool_), np.empty(3, np.bool_)
    got = kernel(ys, out=(biggest, smallest) + (None,) * 6)
    assert got[0] is biggest and got[1] is smallest
    np.testing.assert_array_equal(biggest, (ys > 0).max(-1))


def test_float64_kernels_keep_mask_results_bool(any_jit):
    x = rj.input("x")
    kernel = any_jit.compile([(x > 0) + (x < 1), (x > 0) * x], dtype="float64")
    xs = XS.astype(np.float64)
    either, product = kernel(xs)
    assert either.dtype == np.bool_ and product.dtype == np.float64
    np.testing.assert_array_equal(either, (xs > 0) + (xs < 1))
    with np.errstate(invalid="ignore"):   # False * inf is NaN, here as in numpy
        np.testing.assert_array_equal(product, (xs > 0) * xs)


# -- bool() --------------------------------------------------------------------------------------------

def test_the_truth_value_error_advises_what_works(any_jit):
    """It advised "write a < x and x < b", which raises the same error."""
    x = rj.input("x")
    with pytest.raises(TypeError) as error:
        bool(-1 < x)
    message = str(error.value)
    assert "(a < x) & (x < b)" in message and "rj.where(mask, a, b)" in message
    assert "a < x and x < b" not in message
    with pytest.raises(TypeError, match="no truth value"):
        -1 < x < 1   # Python's chain is `and`: the same error, with the same advice
    kernel = any_jit.compile([(-1 < x) & (x < 1), rj.where((-1 < x) & (x < 1), x, 0.0)])
    inside, kept = kernel(XS)
    np.testing.assert_array_equal(inside, (-1 < XS) & (XS < 1))
    np.testing.assert_array_equal(kept, np.where((-1 < XS) & (XS < 1), XS, 0))
