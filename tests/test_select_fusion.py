"""A select on a comparison nothing else uses is emitted as one select_<comparison> (codegen/emit.py,
csrc/simd.h: a compare into a mask register and a masked move on AVX-512): numpy's np.where of each
comparison, bit for bit, on every tier, with gcc and with clang, NaN, infinities and signed zeros
among the values; and the comparison kept apart wherever something else needs it."""
import shutil

import numpy as np
import pytest

import resin_jit as rj

from support import TIERS, compiler_for, needs_native

COMPARISONS = {"lt": np.less, "le": np.less_equal, "gt": np.greater, "ge": np.greater_equal,
               "eq": np.equal, "ne": np.not_equal}
CLANG = shutil.which("clang")


def edge_values(dtype, n=1000, seed=0):
    rng = np.random.default_rng(seed)
    specials = np.array([np.nan, np.inf, -np.inf, 0.0, -0.0, 1.0, -1.0, np.finfo(dtype).tiny / 4], dtype)
    values = rng.standard_normal(n).astype(dtype)
    values[rng.integers(0, n, n // 4)] = rng.choice(specials, n // 4)
    return values


def graphs():
    """One graph per comparison: where(x OP y, x * 2, y - 1), the comparison used by the select only."""
    x, y = rj.input("x"), rj.input("y")
    ops = {"lt": x < y, "le": x <= y, "gt": x > y, "ge": x >= y, "eq": x == y, "ne": x != y}
    return {name: rj.where(mask, x * 2.0, y - 1.0) for name, mask in ops.items()}


def check_every_comparison(jit, dtype):
    xs, ys = edge_values(dtype, seed=1), edge_values(dtype, seed=2)
    ys[::7] = xs[::7]   # equal pairs
    for name, graph in graphs().items():
        kernel = jit.compile(graph, inputs=["x", "y"], dtype=dtype)
        assert f"_select_{name}_" in kernel.source, name   # (with the product: test_select_arithmetic.py)
        expected = np.where(COMPARISONS[name](xs, ys), xs * dtype(2), ys - dtype(1))
        got = kernel(xs, ys)
        np.testing.assert_array_equal(got.view(f"u{got.itemsize}"), expected.view(f"u{expected.itemsize}"), name)
        # a scalar y (broadcast) and a constant operand: the same rule
        got = kernel(xs, dtype(0.5))
        np.testing.assert_array_equal(got, np.where(COMPARISONS[name](xs, dtype(0.5)), xs * dtype(2), dtype(-0.5)))


@needs_native
@pytest.mark.parametrize("tier", TIERS)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_a_select_on_a_comparison_is_numpys_where_on_every_tier(tier, dtype):
    check_every_comparison(compiler_for(tier), dtype)


@needs_native
@pytest.mark.skipif(CLANG is None, reason="clang is not installed (Debian: apt-get install clang)")
@pytest.mark.parametrize("tier", TIERS)
def test_the_same_built_by_clang(tier, tmp_path):
    jit = rj.JitCompiler(rj.JitConfig(cc=CLANG, isa=tier, cache_dir=str(tmp_path)))
    check_every_comparison(jit, np.float32)
    check_every_comparison(jit, np.float64)


@needs_native
def test_a_comparison_something_else_uses_is_computed_apart():
    """Used twice, an output itself, or of two constants: the plain comparison and select."""
    x, y = rj.input("x"), rj.input("y")
    jit = compiler_for(TIERS[-1])
    mask = x > y
    twice = jit.compile([rj.where(mask, x, y), rj.where(mask, y, x)], inputs=["x", "y"])
    as_output = jit.compile([rj.where(mask, x, y), mask], inputs=["x", "y"])
    for kernel in (twice, as_output):
        assert "_select_gt(" not in kernel.source
    xs, ys = edge_values(np.float32, seed=3), edge_values(np.float32, seed=4)
    first, second = twice(xs, ys)
    np.testing.assert_array_equal(first, np.where(xs > ys, xs, ys))
    np.testing.assert_array_equal(second, np.where(xs > ys, ys, xs))
    values, flags = as_output(xs, ys)
    np.testing.assert_array_equal(flags, xs > ys)
    clipped = jit.compile(rj.clip(x, -1.0, 1.0))   # its NaN tests compare constants: left to the C compiler
    assert "_select_ne(" not in clipped.source
    np.testing.assert_array_equal(clipped(xs), np.clip(xs, -1, 1))
