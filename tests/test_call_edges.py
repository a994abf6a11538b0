"""Issue 17, items 8 and 14: stateful kernels given no channels, complex inputs, reductions of nothing."""
import numpy as np
import pytest

import resin_jit as rj
from resin_jit import audio


x = rj.input("x")
STATEFUL = {
    "filter": lambda: [audio.Biquad.lowpass(1000.0)(x)],
    "filter and a sum": lambda: [audio.Biquad.lowpass(1000.0)(x), rj.sum(x)],
}


def first(result):
    return result[0] if isinstance(result, tuple) else result


def outputs_for(kernel, shape):
    return [np.empty(shape[:-1] if per_row else shape, d) for d, per_row in zip(kernel.output_dtypes, kernel._per_row)]


def _stateful_kernel(request, name):
    if request.param == "numpy":
        return request.getfixturevalue("numpy_jit").compile(STATEFUL[name]())
    if not rj.JitCompiler().backend == "native":
        pytest.skip("no C compiler on this machine")
    return rj.JitCompiler().compile(STATEFUL[name]())


@pytest.fixture(params=["native", "numpy"])
def backend(request):
    return request


@pytest.mark.parametrize("name", sorted(STATEFUL))
@pytest.mark.parametrize("shape", [(0, 5), (0, 0)])
@pytest.mark.parametrize("channels", [1, 3])
def test_no_channels_is_a_clear_error_and_the_state_carries_on(backend, name, shape, channels):
    kernel = _stateful_kernel(backend, name)
    signal = np.random.default_rng(1).standard_normal((channels, 200)).astype(np.float32)
    whole = first(kernel(signal))
    kernel.reset()
    np.testing.assert_array_equal(first(kernel(signal[:, :100])), whole[:, :100])
    with pytest.raises(ValueError, match="no channels"):
        kernel(np.ones(shape, np.float32))
    with pytest.raises(ValueError, match="no channels"):
        kernel.process(np.ones(shape, np.float32), out=outputs_for(kernel, shape))
    np.testing.assert_array_equal(first(kernel(signal[:, 100:])), whole[:, 100:])   # not restarted


@pytest.mark.parametrize("value", [np.array([1 + 2j, 3 - 1j]), np.complex64(1 + 1j), 1j, [1.0, 2j]])
def test_complex_inputs_are_refused_not_silently_made_real(backend, value):
    kernel = (backend.getfixturevalue("numpy_jit") if backend.param == "numpy" else rj.JitCompiler()).compile(x * 2)
    with pytest.raises(TypeError, match="complex"):
        kernel(value)
    with pytest.raises(TypeError, match="complex"):
        kernel.process(value, out=np.empty(np.shape(value) or (1,), np.float32))


@pytest.mark.parametrize("op", ["max", "min", "argmax", "argmin"])
def test_a_reduction_without_identity_over_rows_of_no_samples_raises_as_numpy_does(backend, op):
    kernel = (backend.getfixturevalue("numpy_jit") if backend.param == "numpy" else rj.JitCompiler()).compile(
        getattr(rj, op)(x))
    for shape in [(0,), (0, 0), (3, 0)]:
        with pytest.raises(ValueError):
            getattr(np, op)(np.ones(shape, np.float32), axis=-1)
        with pytest.raises(ValueError, match="no samples"):
            kernel(np.ones(shape, np.float32))
    # (0, 5): no rows, each of five samples: numpy gives an empty result, and so do we
    assert getattr(np, op)(np.ones((0, 5), np.float32), axis=-1).shape == (0,)
    assert kernel(np.ones((0, 5), np.float32)).shape == (0,)


class Shouting(str):
    def __str__(self):
        return "SHOUT"

    def __hash__(self):
        raise TypeError("unhashable")


def test_an_input_named_by_a_str_subclass_is_its_plain_text():
    kernel = rj.JitCompiler().compile(rj.input(Shouting("level")) * 2)
    assert kernel.input_names == ["level"] and type(kernel.input_names[0]) is str
    np.testing.assert_array_equal(kernel(level=np.ones(3, np.float32)), 2.0)


@pytest.mark.parametrize("name", ["out", "n", "threads"])
def test_the_calls_own_keywords_cannot_name_an_input(name):
    with pytest.raises(ValueError, match="cannot name an input"):
        rj.input(name)


@pytest.mark.parametrize("value", [np.array(["1.5", "2"]), np.array(["2020-01-01"], "datetime64[D]"),
                                   np.array([1], "timedelta64[s]"), np.array([b"ab"])])
def test_text_and_dates_are_not_numbers(backend, value):
    kernel = (backend.getfixturevalue("numpy_jit") if backend.param == "numpy" else rj.JitCompiler()).compile(x * 2)
    with pytest.raises(TypeError, match="holds no numbers"):
        kernel(value)
