"""Issue 10: every documented way to call a kernel, straight into C when the arguments fit.

The C path (csrc/dispatch_kernel.c) and the Python slow path must agree on every value and
every error; the common forms must not enter Python at all (the kernel counts both paths);
a stateful kernel's calls from several threads run one at a time.
"""
import threading

import numpy as np
import pytest

import resin_jit as rj
from resin_jit import audio

from support import NATIVE, needs_native, normal

SIZES = [0, 1, 7, 64, 513, 1500]   # 513 and 1500 cross rj_samples.h's chunks of 512 with a tail


def graph():
    x, y = rj.input("x"), rj.input("y")
    return [rj.clip(x * y + 0.5, -1.0, 1.0), rj.sqrt(abs(y - x)) / (x * x + 1.0)]


def reference(x, y):
    x, y = np.float32(x), np.float32(y)
    with np.errstate(all="ignore"):
        return (np.clip(x * y + np.float32(0.5), np.float32(-1), np.float32(1)),
                np.sqrt(np.abs(y - x)) / (x * x + np.float32(1)))


@pytest.fixture
def kernel(jit):
    return jit.compile(graph(), inputs=["x", "y"])


def assert_same(got, want):
    for g, w in zip(got, want):
        np.testing.assert_array_equal(g, np.broadcast_to(w, np.shape(g)))


def test_every_form_runs_in_c_and_equals_numpy(kernel):
    for n in SIZES:
        xs, ys = normal(n, 1), normal(n, 2)
        want = reference(xs, ys)
        outs = [np.empty(n, np.float32), np.empty(n, np.float32)]
        slow_before = kernel._slow_calls
        assert_same(kernel(xs, ys), want)
        assert_same(kernel(x=xs, y=ys), want)
        assert_same(kernel(ys, x=xs), reference(xs, ys))     # named x, positional fills y
        kernel.process(xs, ys, *outs)
        assert_same(outs, want)
        outs[0][:] = outs[1][:] = np.nan
        kernel.process(xs, ys, out=outs)
        assert_same(outs, want)
        outs[0][:] = outs[1][:] = np.nan
        kernel.process(y=ys, x=xs, out=tuple(outs))
        assert_same(outs, want)
        assert kernel._slow_calls == slow_before, f"n={n}: a common call form went through Python"


@pytest.mark.parametrize("scalar", [0.75, 2, np.float32(0.75), np.float64(-1.5), np.int16(3), np.uint64(7)])
def test_numbers_broadcast_in_c(kernel, scalar):
    for n in SIZES:
        xs = normal(n, 3)
        before = kernel._slow_calls
        got = kernel(xs, scalar)
        assert_same(got, reference(xs, np.float32(float(scalar))))
        assert_same(kernel(scalar, xs), reference(np.float32(float(scalar)), xs))
        outs = [np.empty(n, np.float32), np.empty(n, np.float32)]
        kernel.process(xs, scalar, out=outs)
        assert_same(outs, reference(xs, np.float32(float(scalar))))
        assert kernel._slow_calls == before
    single = kernel(scalar, 0.5)   # numbers only: one sample, 0-d outputs as numpy gives (issue 21)
    assert single[0].shape == () and kernel._slow_calls == before
    zero_d = kernel(np.array(float(scalar), np.float32), 0.5)
    assert zero_d[0].shape == () and kernel._slow_calls == before
    assert_same(zero_d, reference(np.float32(float(scalar)), np.float32(0.5)))


def test_the_slow_path_gives_the_same_values(kernel):
    """Conversions (lists, float64, strided and misaligned views, 0-d arrays, 2-D broadcasts)
    take the slow path and give what the C path gives on the converted arrays."""
    xs, ys = normal(300, 4), normal(300, 5)
    want = reference(xs, ys)
    raw = np.empty(301 * 4 + 1, np.uint8)
    misaligned = raw[1:1 + 300 * 4].view(np.float32)
    misaligned[:] = xs
    strided = np.empty(600, np.float32)
    strided[::2] = xs
    for x_form in (xs.tolist(), xs.astype(np.float64), strided[::2], misaligned, np.asarray(xs)):
        before = kernel._slow_calls
        assert_same(kernel(x_form, ys), want)
        assert kernel._slow_calls == before + (x_form is not xs and not isinstance(x_form, np.ndarray)
                                              or x_form.dtype != np.float32 or not x_form.flags.c_contiguous
                                              or not x_form.flags.aligned)
    assert_same(kernel(np.float32(2.0) * np.ones((), np.float32), ys), reference(np.float32(2), ys))
    two_d = np.stack([xs, ys])
    assert_same(kernel(two_d, ys), reference(two_d, ys))        # (300,) broadcast over (2, 300)
    assert_same(kernel._call_slow(xs, ys), want)


def test_two_d_arrays_and_sizes_zero_and_one(kernel):
    for shape in [(3, 5), (1, 1), (2, 0), (0, 4)]:
        xs, ys = normal(int(np.prod(shape)), 6).reshape(shape), normal(int(np.prod(shape)), 7).reshape(shape)
        before = kernel._slow_calls
        got = kernel(xs, ys)
        assert got[0].shape == shape and kernel._slow_calls == before
        assert_same(got, reference(xs, ys))


def test_in_place_is_fast_and_partial_overlap_is_numpys_answer(kernel):
    xs, ys = normal(100, 8), normal(100, 9)
    want = reference(xs, ys)
    a, b = xs.copy(), ys.copy()
    before = kernel._slow_calls
    kernel.process(a, b, out=[a, b])   # each output is exactly an input's buffer: fine in place
    assert kernel._slow_calls == before
    assert_same([a, b], want)
    buf = np.concatenate([xs, np.zeros(1, np.float32)])
    out1 = np.empty(100, np.float32)
    kernel.process(buf[:100], ys, out=[buf[1:], out1])   # half in place: the slow path copies the input
    assert kernel._slow_calls == before + 1
    assert_same([buf[1:], out1], want)


def test_call_errors_are_the_slow_paths(kernel):
    xs = normal(8)
    with pytest.raises(TypeError, match="takes 2 input"):
        kernel(xs)
    with pytest.raises(TypeError, match="unexpected keyword argument.*'z'.*inputs are x, y"):
        kernel(xs, z=xs)
    with pytest.raises(TypeError, match="n= is the block length of a kernel without inputs"):
        kernel(xs, xs, n=3)
    with pytest.raises(TypeError, match="outputs as out="):
        kernel.process(x=xs, y=xs)
    with pytest.raises(ValueError, match="shape"):
        kernel.process(np.ones((4, 2), np.float32), np.ones((4, 2), np.float32),
                       out=[np.empty((2, 4), np.float32), np.empty((2, 4), np.float32)])
    with pytest.raises(ValueError, match="shape"):
        kernel.process(np.ones((4, 2), np.float32), np.ones((4, 2), np.float32),
                       np.empty((4, 2), np.float32), np.empty((2, 4), np.float32))
    big = np.empty(200, np.float32)
    with pytest.raises(ValueError, match="outputs 'out0' and 'out1' partly overlap"):
        kernel.process(xs, xs, out=[big[:8], big[4:12]])
    with pytest.raises(ValueError, match="read-only"):
        ro = np.empty(8, np.float32)
        ro.flags.writeable = False
        kernel.process(xs, xs, out=[ro, np.empty(8, np.float32)])


def test_shapes_must_match_on_the_fast_path_too(jit):
    """(4, 2) against (2, 4) holds the same 8 elements; the C path used to run it."""
    k = jit.compile(rj.input("x") * 2.0)
    with pytest.raises(ValueError, match=r"shape \(4, 2\).*\(2, 4\)"):
        k.process(np.ones((4, 2), np.float32), np.empty((2, 4), np.float32))
    simd = jit.compile_affine_simd(2.0, 1.0)
    with pytest.raises(ValueError, match="must be 1-D"):
        simd.process(np.ones((2, 4), np.float32), np.empty((2, 4), np.float32))


def test_sources_take_n(jit):
    k = jit.compile(rj.param("level", 0.25) * 2.0)
    before = k._slow_calls
    out = k(n=1000)
    assert out.shape == (1000,) and np.all(out == np.float32(0.5)) and k._slow_calls == before
    assert k(n=0).shape == (0,)
    for bad in (None, -1, 2.5, True):
        with pytest.raises(TypeError, match="needs the block length"):
            k(n=bad) if bad is not None else k()


def test_inputs_may_be_named_by_expression(jit):
    x, y = rj.input("x"), rj.input("y")
    k = jit.compile(y - x, inputs=[x, y])
    assert k.input_names == ["x", "y"]
    np.testing.assert_array_equal(k(np.float32([1, 2]), np.float32([10, 20])), np.float32([9, 18]))
    with pytest.raises(rj.JitError, match="inputs="):
        jit.compile(y - x, inputs=[x * 2, y])


def test_float64_kernels_and_dtype_mismatch(jit):
    x = rj.input("x")
    k = jit.compile(x * 3.0 + 1.0, dtype="float64")
    xs = normal(100, 10, np.float64)
    before = k._slow_calls
    np.testing.assert_array_equal(k(xs), xs * 3.0 + 1.0)
    assert k._slow_calls == before
    np.testing.assert_array_equal(k(xs.astype(np.float32)), xs.astype(np.float32).astype(np.float64) * 3.0 + 1.0)
    assert k._slow_calls == before + 1


def test_stateful_kernels_are_on_the_fast_path(jit):
    x = rj.input("x")
    synth = jit.compile(audio.Biquad.lowpass(1000.0)(x))
    ref = jit.compile(audio.Biquad.lowpass(1000.0)(x))
    signal = normal(2048, 11)
    block = np.empty(256, np.float32)
    expected = ref(signal)
    before = synth._slow_calls
    got = np.concatenate([synth(signal[i:i + 256]) for i in range(0, 1024, 256)]
                         + [synth.process(signal[i:i + 256], out=block) or block.copy() for i in range(1024, 2048, 256)])
    np.testing.assert_array_equal(got, expected)
    assert synth._slow_calls == before
    bank = np.stack([signal] * 3)
    first = synth(bank)                     # a new channel count: the slow path remakes the state
    assert synth._slow_calls == before + 1
    synth.reset()
    np.testing.assert_array_equal(synth(bank), first)
    assert synth._slow_calls == before + 1  # the same channel count again: straight into C


@pytest.mark.parametrize("channels", [1, 4])
def test_a_stateful_kernel_serves_one_thread_at_a_time(jit, channels):
    """Two threads calling one stateful kernel used to interleave inside its state (15% of rounds
    gave values neither serial order gives). Now every round equals one of the two orders."""
    x = rj.input("x")
    kernel = jit.compile(audio.OnePole.lowpass(500.0)(audio.Biquad.lowpass(2000.0)(x)))
    blocks = [normal(200_000 * channels, s).reshape(channels, -1) if channels > 1 else normal(200_000, s)
              for s in (12, 13)]

    def serial(order):
        kernel.reset()
        return [kernel(blocks[i]) for i in order]
    orders = {(0, 1): serial((0, 1)), (1, 0): serial((1, 0))}
    for _ in range(4):
        kernel.reset()
        results = [None, np.empty_like(blocks[1])]
        start = threading.Barrier(2)

        def allocating():
            start.wait()
            results[0] = kernel(blocks[0])

        def into_out():
            start.wait()
            kernel.process(blocks[1], out=results[1])
        threads = [threading.Thread(target=allocating), threading.Thread(target=into_out)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert any(all(np.array_equal(results[i], want[order.index(i)]) for i in (0, 1))
                   for order, want in orders.items())


def test_a_kernel_called_from_its_own_py_node_is_an_error(jit):
    holder = {}

    def reenter(v):
        holder["kernel"](np.ones(1, np.float32))
        return v
    holder["kernel"] = kernel = jit.compile(rj.py_node(reenter)(rj.input("x")))
    with pytest.raises(rj.JitError, match="called again from inside its own call"):
        kernel(np.ones(3, np.float32))
    np.testing.assert_array_equal(jit.compile(rj.py_node(lambda v: v + 1)(rj.input("x")))(np.ones(2, np.float32)),
                                  [2, 2])


@pytest.mark.skipif(not NATIVE, reason="no C compiler on this machine: native path untestable")
def test_numpy_backend_takes_every_form(numpy_jit):
    k = numpy_jit.compile(graph(), inputs=["x", "y"])
    xs, ys = normal(70, 14), normal(70, 15)
    want = reference(xs, ys)
    assert_same(k(xs, ys), want)
    assert_same(k(y=ys, x=xs), want)
    outs = [np.empty(70, np.float32), np.empty(70, np.float32)]
    k.process(xs, ys, out=outs)
    assert_same(outs, want)
    assert_same(k(xs, 0.5), reference(xs, np.float32(0.5)))


@needs_native
def test_calls_with_more_inputs_than_the_dispatcher_holds_fall_back_cleanly():
    xs = [rj.input(f"x{i}") for i in range(20)]
    total = xs[0]
    for v in xs[1:]:
        total = total + v
    jit = rj.JitCompiler()
    k = jit.compile([total, total * 2.0], inputs=[f"x{i}" for i in range(20)])
    arrays = [np.full(10, i, np.float32) for i in range(20)]
    out = k(*arrays)
    assert np.all(out[0] == sum(range(20))) and np.all(out[1] == 2 * sum(range(20)))


def test_zero_d_inputs_give_zero_d_outputs_on_every_path(any_jit):
    """Issue 21 item 1: numbers and 0-d arrays are one sample, and the outputs are 0-d, as numpy's
    ufuncs give: the C path (numbers, 0-d arrays of the dtype), the slow path (a float64 0-d array
    converted, a Python int) and the numpy backend alike; a reduction of one sample is 0-d too."""
    x, y = rj.input("x"), rj.input("y")
    kernel = any_jit.compile([x * 2 + y, x > y, rj.sum(x * y)], inputs=[x, y])
    for args in [(np.float32(1.5), 0.25), (np.array(1.5, np.float32), np.array(0.25, np.float32)),
                 (np.array(1.5), 0.25), (1.5, 0.25), (np.float64(1.5), np.array(0.25, np.float32))]:
        value, mask, total = kernel(*args)
        assert value.shape == mask.shape == total.shape == ()
        assert (float(value), bool(mask), float(total)) == (3.25, True, 0.375)
    one = kernel(np.ones(1, np.float32), 0.25)
    assert one[0].shape == (1,) and one[2].shape == ()   # a 1-D array of one sample stays 1-D
