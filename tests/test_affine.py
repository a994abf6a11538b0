"""Issue 2: the affine kernels, scalar and SIMD, against numpy on every tier and awkward input."""
import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from support import EDGE_VALUES, TIERS, assert_affine_close, compiler_for, needs_native

BIG = float(np.float32(1e30))
finite32 = st.floats(min_value=-BIG, max_value=BIG, allow_nan=False, width=32)


def test_the_documented_example(jit):
    assert jit.compile_affine(0.5, 1.0).call_f32(2.0) == 2.0
    out = np.empty(4, np.float32)
    jit.compile_affine_simd(0.5, 1.0).process([0, 1, 2, 3], out)
    assert out.tolist() == [1.0, 1.5, 2.0, 2.5]


def test_every_size_0_to_2048_and_44100(jit, numpy_jit):
    rng = np.random.default_rng(7)
    native = jit.compile_affine_simd(-1.75, 0.3)
    fallback = numpy_jit.compile_affine_simd(-1.75, 0.3)
    scalar = jit.compile_affine(-1.75, 0.3)
    for n in list(range(0, 2049)) + [44100]:
        x = rng.standard_normal(n).astype(np.float32)
        out, ref_out = np.full(n, np.nan, np.float32), np.full(n, np.nan, np.float32)
        native.process(x, out)
        fallback.process(x, ref_out)
        assert_affine_close(out, x, -1.75, 0.3)
        assert_affine_close(ref_out, x, -1.75, 0.3)
        if n in (1, 7, 8, 9, 63, 2048):
            scalar_out = np.array([scalar.call_f32(float(v)) for v in x], np.float32)
            np.testing.assert_array_equal(scalar_out, out)  # one lane rounds like the scalar function


def test_edge_values(jit):
    x = np.tile(EDGE_VALUES, 3)  # crosses the vector body and the tail
    for a, b in [(0.5, 1.0), (-2.0, 0.0), (1e38, -1e38), (0.0, np.inf), (np.nan, 1.0), (1e-40, 1e-45),
                 (-0.0, -0.0), (3.0, np.nan)]:
        out = np.empty_like(x)
        jit.compile_affine_simd(a, b).process(x, out)
        assert_affine_close(out, x, a, b)
        f = jit.compile_affine(a, b)
        for v, o in zip(x, out):
            got = f.call_f32(float(v))
            assert (np.isnan(got) and np.isnan(o)) or np.float32(got) == o


def test_signed_zero_and_denormals_survive(jit):
    out = np.empty(9, np.float32)
    jit.compile_affine_simd(1.0, -0.0).process(np.full(9, -0.0, np.float32), out)
    assert np.all(np.signbit(out))
    denormal = np.full(9, 1e-42, np.float32)
    jit.compile_affine_simd(1.0, 0.0).process(denormal, out)
    np.testing.assert_array_equal(out, denormal)  # no flush-to-zero


def test_misaligned_and_strided_views(jit):
    base = np.arange(100, dtype=np.float32)
    kernel = jit.compile_affine_simd(2.0, 1.0)
    for start in range(0, 9):
        x = base[start:start + 37]
        out_base = np.zeros(60, np.float32)
        out = out_base[start + 1:start + 38]
        kernel.process(x, out)
        np.testing.assert_array_equal(out, 2 * x + 1)
    out = np.zeros(50, np.float32)
    kernel.process(base[::2], out)
    np.testing.assert_array_equal(out, 2 * base[::2] + 1)
    raw = np.frombuffer(bytearray(4 * 20 + 1), dtype=np.float32, count=20, offset=1)  # not 4-byte aligned
    out = np.zeros(20, np.float32)
    kernel.process(raw, out)
    np.testing.assert_array_equal(out, 2 * raw + 1)


def test_inputs_of_any_array_like_and_in_place(jit):
    kernel = jit.compile_affine_simd(3.0, -1.0)
    out = np.empty(5, np.float32)
    for value in ([1, 2, 3, 4, 5], (1.0, 2.0, 3.0, 4.0, 5.0), np.arange(1, 6, dtype=np.float64),
                  np.arange(1, 6, dtype=np.int16)):
        kernel.process(value, out)
        assert out.tolist() == [2.0, 5.0, 8.0, 11.0, 14.0]
    x = np.arange(1, 20, dtype=np.float32)
    kernel.process(x, x)  # in place
    np.testing.assert_array_equal(x, 3 * np.arange(1, 20, dtype=np.float32) - 1)


def test_overlapping_input_and_output_give_numpys_answer(jit):
    kernel = jit.compile_affine_simd(1.0, 1.0)
    buf = np.arange(40, dtype=np.float32)
    expected = buf[:-1] + 1
    kernel.process(buf[:-1], buf[1:])  # the output starts one sample into the input
    np.testing.assert_array_equal(buf[1:], expected)


def test_returning_call(jit):
    kernel = jit.compile_affine_simd(2.0, 0.5)
    np.testing.assert_array_equal(kernel([1, 2, 3]), np.array([2.5, 4.5, 6.5], np.float32))
    assert kernel(np.zeros(0)).shape == (0,)


@needs_native
@settings(max_examples=60, deadline=None)
@given(a=finite32, b=finite32, xs=st.lists(finite32, min_size=0, max_size=40))
def test_many_coefficient_pairs(a, b, xs):
    x = np.array(xs, np.float32)
    out = np.empty_like(x)
    compiler_for(TIERS[-1]).compile_affine_simd(a, b).process(x, out)
    assert_affine_close(out, x, a, b)


def test_fallback_agrees_with_native(jit, numpy_jit):
    x = np.concatenate([EDGE_VALUES, np.random.default_rng(3).standard_normal(1000).astype(np.float32)])
    a, b = 0.731, -12.5
    native, ref = np.empty_like(x), np.empty_like(x)
    jit.compile_affine_simd(a, b).process(x, native)
    numpy_jit.compile_affine_simd(a, b).process(x, ref)
    assert_affine_close(native, x, a, b)
    assert_affine_close(ref, x, a, b)
    assert numpy_jit.compile_affine(a, b).call_f32(2.0) == pytest.approx(jit.compile_affine(a, b).call_f32(2.0))
