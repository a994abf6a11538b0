"""Issue 17, item 2: an output that is an input gives numpy's results.

`kernel.process(xs, out=[xs, r])` is what numpy users write (np.multiply(x, 2, out=x)). Every
template (block with its vector loop and scalar tail, reductions, stateful one channel, stateful
channels in SIMD lanes, stateful with reductions) must read each sample of an input before it
stores any output over it. The reference is the same kernel on copies: its out-of-place results
are held to numpy elsewhere.
"""
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

import resin_jit as rj
from resin_jit import audio

from support import EDGE_VALUES, TIERS, compiler_for, needs_native

x, y = rj.input("x"), rj.input("y")


def lowpass(signal):
    return audio.Biquad.lowpass(1000.0, q=0.7071)(signal)


# name -> (outputs, whether the kernel keeps state)
GRAPHS = {
    "block x*2, x": (lambda: [x * 2, x], False),
    "block x+1, x*y": (lambda: [x + 1, x * y], False),
    "block vmath": (lambda: [rj.sin(x), rj.exp(-abs(x)), x], False),
    "block mask": (lambda: [x * 0.5, x < y], False),
    "reduce sum": (lambda: [x * 2, rj.sum(x)], False),
    "reduce max": (lambda: [x * 2, rj.max(x)], False),
    "reduce mean, min": (lambda: [x - y, rj.mean(x * y), rj.min(y)], False),
    "reduce argmax (per sample loop)": (lambda: [x * 2, rj.argmax(x), rj.sum(x)], False),
    "stateful lowpass, x": (lambda: [lowpass(x), x], True),
    "stateful lowpass, x*y": (lambda: [lowpass(x) * y, x - y], True),
    "stateful lowpass, sum": (lambda: [lowpass(x), rj.sum(x)], True),
    "stateful lowpass, max, x": (lambda: [lowpass(x), rj.max(x), x], True),
}
SHAPES = [(0,), (1,), (7,), (37,), (4099,), (1, 64), (2, 33), (3, 1000), (9, 17)]


def inputs_for(kernel, shape, seed=0):
    rng = np.random.default_rng(seed)
    values = [rng.standard_normal(shape).astype(kernel.dtype) for _ in kernel.input_names]
    if values and values[0].size >= EDGE_VALUES.size:   # NaN, infinities, signed zeros, denormals
        values[0].reshape(-1)[:EDGE_VALUES.size] = EDGE_VALUES
    return values


def check_in_place(kernel, shape, stateful, target_input=0, target_output=0):
    """Run out of place on copies, then with output `target_output` being input `target_input`."""
    arrays = inputs_for(kernel, shape)
    expected = kernel(*[a.copy() for a in arrays])
    expected = expected if isinstance(expected, tuple) else (expected,)
    if stateful:
        kernel.reset()
    aliased = arrays[target_input]
    outputs = [aliased if j == target_output else np.empty_like(e) for j, e in enumerate(expected)]
    kernel.process(*arrays, out=outputs)
    for j, (got, want) in enumerate(zip(outputs, expected)):
        np.testing.assert_array_equal(got, want, err_msg=f"output {j} with out{target_output} = input {target_input}")


def in_place_cases(kernel):
    """(input, output) pairs that may alias: outputs of the input's dtype that hold every sample."""
    return [(i, j) for i in range(kernel.n_inputs) for j in range(kernel.n_outputs)
            if kernel.output_dtypes[j] == kernel.dtype and not kernel._per_row[j]]


@needs_native
@pytest.mark.parametrize("tier", TIERS)
@pytest.mark.parametrize("name", sorted(GRAPHS))
def test_an_output_that_is_an_input_gives_the_out_of_place_result(tier, name):
    make, stateful = GRAPHS[name]
    kernel = compiler_for(tier).compile(make(), inputs=[x, y])
    for shape in SHAPES:
        if shape[-1] == 0 and any(kernel._per_row) and "sum" not in name:
            continue   # min, max, argmax of no samples have no value (an error, tested elsewhere)
        for i, j in in_place_cases(kernel):
            if stateful:
                kernel.reset()
            check_in_place(kernel, shape, stateful, i, j)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("name", sorted(GRAPHS))
def test_the_numpy_backend_works_in_place_too(numpy_jit, name, dtype):
    make, stateful = GRAPHS[name]
    kernel = numpy_jit.compile(make(), inputs=[x, y], dtype=dtype)
    for shape in [(1,), (37,), (3, 50)]:
        for i, j in in_place_cases(kernel):
            if stateful:
                kernel.reset()
            check_in_place(kernel, shape, stateful, i, j)


@needs_native
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_in_place_with_a_number_broadcast_and_float64(dtype):
    kernel = rj.JitCompiler().compile([x * y + 1, rj.sum(x)], inputs=[x, y], dtype=dtype)
    xs = np.linspace(-3, 3, 2051).astype(dtype)
    want_values, want_sum = kernel(xs.copy(), 0.25)
    total = np.empty((), dtype)
    kernel.process(xs, 0.25, out=[xs, total])
    np.testing.assert_array_equal(xs, want_values)
    assert total == want_sum


@needs_native
def test_in_place_on_the_threaded_path():
    kernel = rj.JitCompiler().compile([x * 2 + 1, x], inputs=[x])
    xs = np.random.default_rng(3).standard_normal(1 << 21).astype(np.float32)
    want = kernel(xs.copy(), threads=1)
    kernel.process(xs, out=[xs, np.empty_like(xs)], threads=2)
    np.testing.assert_array_equal(xs, want[0])


@needs_native
def test_an_input_partly_under_an_output_is_read_before_it_is_overwritten():
    """numpy buffers a partly overlapping operand (np.add(a[:-1], 1, out=a[1:])); so do we."""
    kernel = rj.JitCompiler().compile(x + 1)
    base = np.arange(100, dtype=np.float32)
    expected = base.copy()
    np.add(expected[:-1], 1, out=expected[1:])
    kernel.process(base[:-1], out=base[1:])
    np.testing.assert_array_equal(base, expected)


@needs_native
def test_the_call_form_takes_out_as_numpy_does():
    """kernel(xs, out=xs), as np.multiply(xs, 2, out=xs): in place, the array returned itself, from
    C; a partly overlapping output (out=base[1:]) gives numpy's answer through the slow path."""
    kernel = rj.JitCompiler().compile(x * 2 + 1)
    xs = np.linspace(-3, 3, 1001).astype(np.float32)
    want = xs * 2 + 1
    fast, slow = kernel._fast_calls, kernel._slow_calls
    assert kernel(xs, out=xs) is xs
    np.testing.assert_array_equal(xs, want)
    assert (kernel._fast_calls - fast, kernel._slow_calls - slow) == (1, 0)
    base = np.arange(100, dtype=np.float32)
    expected = base.copy()
    np.add(expected[:-1] * 2, 1, out=expected[1:])
    shifted = base[1:]
    assert kernel(base[:-1], out=shifted) is shifted
    np.testing.assert_array_equal(base, expected)


@needs_native
def test_two_outputs_that_partly_overlap_are_an_error():
    kernel = rj.JitCompiler().compile([x + 1, x * 2])
    base = np.zeros(101, np.float32)
    with pytest.raises(ValueError, match="partly overlap"):
        kernel.process(np.ones(100, np.float32), out=[base[:-1], base[1:]])


OUTPUT_POOL = [lambda: x, lambda: y, lambda: x * y, lambda: x - 1.5, lambda: rj.minimum(x, y), lambda: -y,
               lambda: rj.sqrt(abs(x)), lambda: rj.sum(x), lambda: rj.max(y), lambda: rj.mean(x * y)]


@needs_native
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(picks=st.lists(st.integers(0, len(OUTPUT_POOL) - 1), min_size=1, max_size=4),
       n=st.sampled_from([1, 3, 16, 17, 100, 1030]), tier=st.sampled_from(TIERS), data=st.data())
def test_random_graphs_in_place(picks, n, tier, data):
    kernel = compiler_for(tier).compile([OUTPUT_POOL[p]() for p in picks], inputs=[x, y])
    cases = in_place_cases(kernel)
    if cases:
        i, j = data.draw(st.sampled_from(cases))
        check_in_place(kernel, (n,), False, i, j)
