"""A select on a comparison whose chosen value (or the other) is an add, sub, mul or div nothing else
uses is emitted as one select_[not_]<comparison>_<op> (codegen/emit.py, csrc/simd_select.h: on
AVX-512 a compare into a mask register and one masked instruction): numpy's np.where of it, bit for
bit, on every tier, with gcc and with clang, NaNs of two payloads (the first operand's wins, as in
numpy's loops), infinities, signed zeros and denormals among the values, on awkward lengths,
misaligned views and in place; and the arithmetic kept apart wherever something else needs it."""
import re
import shutil
import warnings

import numpy as np
import pytest

import resin_jit as rj
from resin_jit import audio

from support import TIERS, compiler_for, needs_native

COMPARISONS = {"lt": np.less, "le": np.less_equal, "gt": np.greater, "ge": np.greater_equal,
               "eq": np.equal, "ne": np.not_equal}
ARITHMETIC = {"add": np.add, "sub": np.subtract, "mul": np.multiply, "div": np.divide}
CLANG = shutil.which("clang")


def values(dtype, n, seed):
    """Random values, a quarter of them special: NaNs of two payloads, +-inf, +-0, a denormal."""
    rng = np.random.default_rng(seed)
    bits = np.dtype(f"u{np.dtype(dtype).itemsize}")
    other_nan = np.array([np.nan], dtype).view(bits) | bits.type(1)   # a NaN with another payload
    specials = np.array([np.nan, other_nan.view(dtype)[0], np.inf, -np.inf, 0.0, -0.0, 1.0, -2.0,
                         np.finfo(dtype).tiny / 4], dtype)
    out = rng.standard_normal(n).astype(dtype)
    out[rng.integers(0, n, n // 4)] = rng.choice(specials, n // 4)
    return out


def graph(cmp, op, branch):
    """where(x CMP y, OP(x, y), z), or with branch 2 where(x CMP y, z, OP(x, y))."""
    x, y, z = rj.input("x"), rj.input("y"), rj.input("z")
    mask = {"lt": x < y, "le": x <= y, "gt": x > y, "ge": x >= y, "eq": x == y, "ne": x != y}[cmp]
    arithmetic = {"add": x + y, "sub": x - y, "mul": x * y, "div": x / y}[op]
    return rj.where(mask, arithmetic, z) if branch == 1 else rj.where(mask, z, arithmetic)


def expected(cmp, op, branch, x, y, z):
    with np.errstate(all="ignore"):
        arithmetic = ARITHMETIC[op](x, y)
    return np.where(COMPARISONS[cmp](x, y), *((arithmetic, z) if branch == 1 else (z, arithmetic)))


def same_bits(got, want, what):
    kind = f"u{got.dtype.itemsize}"
    np.testing.assert_array_equal(got.view(kind), want.view(kind), what)


def check_every_case(jit, dtype, n=1000):
    x, y, z = values(dtype, n, 1), values(dtype, n, 2), values(dtype, n, 3)
    y[::7] = x[::7]   # equal pairs (and NaN with NaN)
    for cmp in COMPARISONS:
        for op in ARITHMETIC:
            for branch in (1, 2):
                what = f"{cmp} {op} branch {branch}"
                kernel = jit.compile(graph(cmp, op, branch), inputs=["x", "y", "z"], dtype=dtype)
                assert f"_select_{'' if branch == 1 else 'not_'}{cmp}_{op}(" in kernel.source, what
                same_bits(kernel(x, y, z), expected(cmp, op, branch, x, y, z), what)


@needs_native
@pytest.mark.parametrize("tier", TIERS)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_every_comparison_and_operation_is_numpys_where_on_every_tier(tier, dtype):
    check_every_case(compiler_for(tier), dtype)


@needs_native
@pytest.mark.skipif(CLANG is None, reason="clang is not installed (Debian: apt-get install clang)")
@pytest.mark.parametrize("tier", sorted({TIERS[0], TIERS[-1]}, key=TIERS.index))   # the asm's tier and the plainest
def test_the_same_built_by_clang(tier, tmp_path):
    jit = rj.JitCompiler(rj.JitConfig(cc=CLANG, isa=tier, cache_dir=str(tmp_path)))
    check_every_case(jit, np.float32, n=300)
    check_every_case(jit, np.float64, n=300)


@needs_native
@pytest.mark.parametrize("tier", TIERS)
def test_awkward_lengths_views_and_in_place(tier):
    """Every length across the vector width and the masked last vector, at every offset, and out=x."""
    jit = compiler_for(tier)
    kernel = jit.compile(graph("gt", "mul", 1), inputs=["x", "y", "z"], dtype=np.float32)
    x, y, z = values(np.float32, 200, 4), values(np.float32, 200, 5), values(np.float32, 200, 6)
    for n in (0, 1, 2, 15, 16, 17, 31, 33, 64, 100):
        for offset in (0, 1, 3):
            a, b, c = x[offset:offset + n], y[offset:offset + n], z[offset:offset + n]
            same_bits(kernel(a, b, c), expected("gt", "mul", 1, a, b, c), f"n={n} offset={offset}")
    inplace = x.copy()
    want = expected("gt", "mul", 1, x, y, z)
    kernel.process(inplace, y, z, inplace)
    same_bits(inplace, want, "out=x")


@needs_native
def test_arithmetic_something_else_uses_is_computed_apart():
    """Used twice, an output itself, or a fused multiply-add: the plain select (with one constant
    operand, the fused one)."""
    x, y, z = rj.input("x"), rj.input("y"), rj.input("z")
    jit = compiler_for(TIERS[-1])
    product = x * y
    twice = jit.compile([rj.where(x > y, product, z), product + z], inputs=["x", "y", "z"])
    as_output = jit.compile([rj.where(x > y, product, z), product], inputs=["x", "y", "z"])
    for kernel in (twice, as_output):
        assert "_select_gt_mul(" not in kernel.source and "_select_gt(" in kernel.source
    a, b, c = values(np.float32, 500, 7), values(np.float32, 500, 8), values(np.float32, 500, 9)
    with np.errstate(all="ignore"):
        first, second = twice(a, b, c)
        same_bits(first, np.where(a > b, a * b, c), "used twice")
        same_bits(second, a * b + c, "used twice, second")
    constant = jit.compile(rj.where(x > y, x * 0.5, z), inputs=["x", "y", "z"])
    assert "_select_gt_mul(" in constant.source
    same_bits(constant(a, b, c), np.where(a > b, a * np.float32(0.5), c), "a constant operand")
    fused = rj.JitCompiler(rj.JitConfig(isa=TIERS[-1], fastmath=True)).compile(
        rj.where(x > y, x * y + z, z), inputs=["x", "y", "z"])
    assert "_select_gt_add(" not in fused.source


def test_the_numpy_backend_gives_the_same(numpy_jit):
    kernel = numpy_jit.compile(graph("le", "div", 2), inputs=["x", "y", "z"], dtype=np.float64)
    x, y, z = values(np.float64, 300, 10), values(np.float64, 300, 11), values(np.float64, 300, 12)
    same_bits(kernel(x, y, z), expected("le", "div", 2, x, y, z), "numpy backend")


def shapes_of_use():
    """Graphs where the select and its arithmetic meet other things: the comparison's own operands
    in the arithmetic, a select inside another's arithmetic or value, parameters and constants in
    every position, a reduction of it, and a stateful node (one channel and several in SIMD lanes)."""
    x, y, z = rj.input("x"), rj.input("y"), rj.input("z")
    p = rj.param("p", 0.5)
    saw = audio.SawOsc(110.0)()
    return {
        "comparison's operands": rj.where(x > y, y - x, z),
        "nested": rj.where(x > y, rj.where(y < z, y / z, x + z), x * z),
        "select in the arithmetic": rj.where(x != z, rj.where(x > y, x, y) * z, y - x),
        "constants": rj.where(x >= 0.0, 3.0 / y, 0.5),
        "parameters": rj.where(x > p, x * p, p - z),
        "reduced": [rj.where(x > y, x * y, z), rj.max(rj.where(x < z, x - z, y))],
        "stateful": [rj.where(x > saw, x * y, saw - z), rj.where(y <= x, saw / x, y)],
    }


@needs_native
@pytest.mark.parametrize("tier", TIERS)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_shapes_of_use_give_the_numpy_backend_s_bits(tier, dtype):
    jit = compiler_for(tier)
    with pytest.MonkeyPatch.context() as patch, warnings.catch_warnings():
        patch.setenv("RESIN_JIT_DISABLE", "1")   # read when a kernel is compiled: the native ones first
        warnings.simplefilter("ignore", RuntimeWarning)
        numpy_jit = rj.JitCompiler()
        references = {name: numpy_jit.compile(g, inputs=["x", "y", "z"], dtype=dtype)
                      for name, g in shapes_of_use().items()}
    x, y, z = values(dtype, 301, 13), values(dtype, 301, 14), values(dtype, 301, 15)
    y[::7] = x[::7]
    clean = [np.where(v != v, 1.0, v).astype(dtype) for v in (x, y, z)]   # (which NaN a max gives: its order's)
    for name, g in shapes_of_use().items():
        kernel, reference = jit.compile(g, inputs=["x", "y", "z"], dtype=dtype), references[name]
        assert kernel.backend == "native" and reference.backend == "numpy", name
        assert re.search(r"_select_(not_)?(lt|le|gt|ge|eq|ne)_(add|sub|mul|div)\(", kernel.source), name
        a, b, c = clean if name == "reduced" else (x, y, z)
        for args in ((a, b, c), (np.stack([a, c]), np.stack([b, a]), np.stack([c, b]))):   # 1-D, (channels, n)
            with np.errstate(all="ignore"):
                got, want = kernel(*args), reference(*args)
            for stateful in (kernel, reference):
                stateful.reset()   # (a stateless kernel's does nothing)
            for k, (a, b) in enumerate(zip(*(r if isinstance(r, (list, tuple)) else [r] for r in (got, want)))):
                same_bits(np.asarray(a), np.asarray(b), f"{name} output {k} shape {np.shape(args[0])}")
