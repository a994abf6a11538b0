"""Issue 21 item 1: a kernel compiled without dtype= computes in its inputs' dtype, as numpy's
ufuncs do (float32 stays float32, float64 stays float64, integers and mixtures promote as numpy
promotes), each variant compiled on first use and then called from C; a kernel fixed at float32
converts float64 data with a warning, once."""
import pickle
import warnings

import numpy as np
import pytest

import resin_jit as rj
from resin_jit import audio

from support import NATIVE


def exact_graph():
    """Operations numpy rounds once (so float64 results must equal numpy's bit for bit)."""
    x, y = rj.input("x"), rj.input("y")
    return [x * 2 + y, rj.sqrt(abs(x - y)), rj.maximum(x, y) / 3, x < y], [x, y]


def numpy_exact(x, y):
    return [x * 2 + y, np.sqrt(np.abs(x - y)), np.maximum(x, y) / 3, x < y]


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_each_dtype_computes_in_itself_and_equals_numpy(any_jit, dtype):
    outputs, inputs = exact_graph()
    kernel = any_jit.compile(outputs, inputs=inputs)
    rng = np.random.default_rng(1)
    xs, ys = (rng.standard_normal(1001).astype(dtype) for _ in range(2))
    got = kernel(xs, ys)
    for g, w in zip(got, numpy_exact(xs, ys)):
        assert g.dtype == w.dtype
        np.testing.assert_array_equal(g, w)


@pytest.mark.parametrize("args, dtype", [
    ((np.ones(4, np.float32), np.ones(4, np.float32)), "float32"),
    ((np.ones(4, np.float32), 1.5), "float32"),                    # a Python number does not widen
    ((np.ones(4, np.float32), np.float64(1.5)), "float64"),        # a numpy float64 scalar does (NEP 50)
    ((np.ones(4, np.float32), np.ones(4)), "float64"),
    ((np.arange(4), 1.0), "float64"),                              # int64 -> float64, as np.sin gives
    ((np.arange(4, dtype=np.int16), 1.0), "float32"),              # int16 -> float32
    ((np.ones(4, bool), 2.0), "float32"),
    ((2.0, 1.0), "float64"),                                       # Python numbers alone: float64
    ((np.float32(2.0), np.float32(1.0)), "float32"),
    (([1.0, 2.0], 1.0), "float64")])                               # a list is float64 to numpy
def test_mixed_inputs_promote_as_numpy_promotes(any_jit, args, dtype):
    x, y = rj.input("x"), rj.input("y")
    kernel = any_jit.compile(x * 2 + y, inputs=[x, y])
    for _ in range(2):   # the second time from C where it can
        got = kernel(*args)
        assert got.dtype == dtype
        np.testing.assert_array_equal(got, np.asarray(args[0], np.float64) * 2 + np.asarray(args[1], np.float64))


@pytest.mark.skipif(not NATIVE, reason="the C call path needs the native backend")
def test_the_float64_variant_is_called_from_c_after_its_first_use(jit):
    x = rj.input("x")
    kernel = jit.compile(x * 3 - 1)
    assert kernel.dtypes == ("float32",)
    a32, a64 = np.ones(64, np.float32), np.ones(64)
    kernel(a32)
    kernel(a64)   # made here (the slow path compiles or loads it)
    assert kernel.dtypes == ("float32", "float64")
    slow, fast64 = kernel._slow_calls, kernel._sibling._fast_calls
    for _ in range(5):
        assert kernel(a64).dtype == np.float64 and kernel(a32).dtype == np.float32
        kernel.process(a64, out=np.empty(64))
    assert kernel._slow_calls == slow and kernel._sibling._fast_calls == fast64 + 10


def test_parameters_are_set_on_every_variant_and_state_is_per_dtype(any_jit):
    x = rj.input("x")
    kernel = any_jit.compile(audio.OnePole.lowpass(500.0)(x * rj.param("gain", 2.0)), sample_rate=8000)
    kernel.params["gain"] = 3.0
    ones32, ones64 = np.ones(50, np.float32), np.ones(50)
    first32 = kernel(ones32)
    first64 = kernel(ones64)   # a new variant: the parameter set before it was made applies
    np.testing.assert_allclose(first64, first32, rtol=1e-5)
    kernel.params["gain"] = 1.0   # after: both
    second32, second64 = kernel(ones32), kernel(ones64)
    np.testing.assert_allclose(second64, second32, rtol=1e-5)   # each carried its own state on
    assert second64[-1] < first64[-1]
    kernel.reset()
    np.testing.assert_allclose(kernel(ones64), kernel(ones32), rtol=1e-5)


def test_outputs_given_choose_the_dtype_as_numpy_s_out_does(any_jit):
    x = rj.input("x")
    kernel = any_jit.compile(x / 3)
    xs = np.linspace(0, 1, 9)
    out32 = np.empty(9, np.float32)
    assert kernel(xs, out=out32) is out32   # float64 data, float32 out: computed in float32
    np.testing.assert_array_equal(out32, xs.astype(np.float32) / np.float32(3))
    out64 = np.empty(9)
    kernel.process(xs.astype(np.float32), out=out64)   # float32 data into a float64 out: float64
    np.testing.assert_array_equal(out64, xs.astype(np.float32).astype(np.float64) / 3)


def test_a_following_kernel_pickles_as_one(any_jit):
    x = rj.input("x")
    kernel = any_jit.compile(x * rj.param("g", 2.0) + 0.1)
    kernel.params["g"] = 5.0
    again = pickle.loads(pickle.dumps(kernel))
    assert type(again) is type(kernel)
    assert again(np.ones(3)).dtype == np.float64 and again(np.ones(3, np.float32)).dtype == np.float32
    np.testing.assert_array_equal(again(np.ones(3)), np.full(3, 5.1))


def test_a_kernel_fixed_at_float32_warns_once_naming_the_loss(any_jit):
    x = rj.input("x")
    fixed = any_jit.compile(x + 1e-9, dtype=np.float32)
    with pytest.warns(rj.PrecisionWarning, match="input 'x' is float64 and this kernel computes in float32.*"
                                                 "dtype=np.float64") as caught:
        assert fixed(np.ones(3)).dtype == np.float32
    assert caught[0].filename == __file__   # the user's line
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        fixed(np.ones(3))                   # once per kernel
        any_jit.compile(x + 2e-9)(np.ones(3))   # a following kernel never narrows


def test_the_float64_variant_keeps_what_float32_loses(any_jit):
    """The issue's example: x + 1e-9 on 1.0."""
    kernel = any_jit.compile(rj.input("x") + 1e-9)
    assert kernel(np.ones(1))[0] == 1.0 + 1e-9


@pytest.mark.skipif(not NATIVE, reason="the C type's checks")
def test_a_sibling_is_only_a_kernel_of_the_same_inputs_and_outputs(jit):
    x, y = rj.input("x"), rj.input("y")
    kernel = jit.compile(x + y, inputs=[x, y])
    for bad in (object(), 3, jit.compile(x * 2), jit.compile([x + y, x - y], inputs=[x, y]), kernel):
        with pytest.raises(TypeError, match="a kernel's sibling is a bound Kernel of the same inputs and outputs"):
            kernel._sibling = bad


@pytest.mark.parametrize("value", [None, [1.0, None], np.array([None, 2.0], object)])
def test_none_is_not_a_number_on_any_kernel(any_jit, value):
    """np.asarray(None, float) is NaN without a word; numpy's ufuncs refuse None: so do kernels,
    following and fixed alike."""
    x = rj.input("x")
    for kernel in (any_jit.compile(x * 2), any_jit.compile(x * 2, dtype="float32")):
        with pytest.raises(TypeError, match="input 'x' cannot be converted .*None is not a number"):
            kernel(value)
