"""Issue 20 item 4: compile time that grows with the graph, not faster. A vector-math function
that a graph calls many times is compiled once per kernel, out of line (codegen/outline.py,
csrc/vmath_outline.h); the choice never changes a value: the scalar tail calls the vector
function on one lane, which is what a scalar twin is. Speed lives in benchmarks/bench_compilers.py."""
import re
import shutil

import numpy as np
import pytest

import resin_jit as rj
from resin_jit.codegen import outline
from resin_jit.store import libraries

from support import EDGE_VALUES, TIERS, needs_native, normal, RunningSum

pytestmark = needs_native


def chain(n):
    """n elementwise nodes after the input, every tenth a sine (the issue's graph)."""
    y = rj.input("x")
    for i in range(n):
        y = rj.sin(y) if i % 10 == 9 else (y * 0.75 if i % 3 == 0 else y + 0.125 if i % 3 == 1 else y - 0.0625)
    return y


def chain_reference(x, n):
    y = x.astype(np.float64)
    for i in range(n):
        y = np.sin(y) if i % 10 == 9 else (y * 0.75 if i % 3 == 0 else y + 0.125 if i % 3 == 1 else y - 0.0625)
    return y


def every_kind():
    """A graph calling unary and binary functions, trig (with its large-argument path), and exact ones."""
    x, y = rj.input("x"), rj.input("y")
    return (rj.sin(x) + rj.cos(y) * rj.tan(x) + rj.pow(abs(x), y) + rj.arctan2(y, x) + rj.exp(y * 0.25)
            + rj.log1p(abs(y)) + rj.floor(x) + x ** 3)


def loop_body(source):
    """The kernel's C from its loop function on: what calls the math."""
    return source[source.index("rj_body"):]


def test_a_function_called_many_times_is_compiled_once():
    jit = rj.JitCompiler()
    for dtype, macro, prefixes in (("float32", "RJ_OUTLINE_F1(sin)", ("vf", "f")),
                                   ("float64", "RJ_OUTLINE_D1(sin)", ("vd", "d"))):
        source = jit.source_of(chain(1000), dtype=dtype)
        assert source.count(macro) == 1 and '#include "vmath_outline.h"' in source
        body = loop_body(source)
        for prefix in prefixes:    # the vector body and the scalar tail: every sine through the one copy
            assert len(re.findall(rf"\brj_k_{prefix}_sin\(", body)) == 100
            assert not re.search(rf"\brj_{prefix}_sin\(", body)


def test_a_function_called_a_few_times_is_inlined():
    """The fastest code for a small graph: its few calls inlined, and exact functions always."""
    x = rj.input("x")
    few = rj.sin(x) * rj.sin(x * 0.5) if outline.OUTLINE_AT > 2 else rj.sin(x)
    source = rj.JitCompiler().source_of(few + rj.floor(x) + rj.floor(x * 2.0) + rj.floor(x * 3.0))
    assert "vmath_outline.h" not in source and "rj_k_" not in source
    assert re.search(r"\brj_vf_sin\(", loop_body(source)) and re.search(r"\brj_vf_floor\(", loop_body(source))


def test_a_graph_with_state_keeps_its_math_inlined():
    y = rj.input("x")
    for _ in range(outline.OUTLINE_AT + 2):
        y = rj.sin(y)
    source = rj.JitCompiler().source_of(RunningSum()(y))
    assert "rj_k_" not in source and source.count("rj_f_sin(") >= outline.OUTLINE_AT + 2


def awkward_inputs(dtype):
    """Edge values, a large argument (sin's Payne-Hanek lanes), and a length with a scalar tail."""
    x = np.concatenate([EDGE_VALUES.astype(dtype), normal(40, 1, dtype) * 4, np.array([1e7, -3e9], dtype)])
    return x, np.roll(x, 5)[::-1].copy()


def build(monkeypatch, graph, outline_at, **config):
    """The kernel of `graph` built afresh (no cache, no memo) with functions out of line from outline_at calls."""
    monkeypatch.setattr(outline, "OUTLINE_AT", outline_at)
    monkeypatch.setattr(libraries, "_memo", {})
    jit = rj.JitCompiler(rj.JitConfig(cache=False, **config))
    source = jit.source_of(graph, dtype=config.get("dtype"))
    assert ("rj_k_" in source) == (outline_at == 1)
    return jit.compile(graph)


LEVELS = [("float32", 0.5), ("float32", 1.0), ("float32", 4.0), ("float64", 1.0)]


@pytest.mark.parametrize("tier", TIERS)
@pytest.mark.parametrize("dtype,ulp", LEVELS)
def test_inline_and_out_of_line_give_the_same_bits(monkeypatch, tier, dtype, ulp):
    x, y = awkward_inputs(dtype)
    out = {}
    for outline_at in (1, 1 << 30):
        kernel = build(monkeypatch, every_kind(), outline_at, isa=tier, dtype=dtype, ulp=ulp)
        with np.errstate(all="ignore"):
            out[outline_at] = [kernel(x[:n], y[:n]) for n in (len(x), len(x) - 3, 1)]   # tails of every length
    for a, b in zip(*out.values()):
        np.testing.assert_array_equal(a.view(f"u{a.itemsize}"), b.view(f"u{b.itemsize}"))


@pytest.mark.skipif(not (shutil.which("gcc") and shutil.which("clang")), reason="needs gcc and clang")
def test_gcc_and_clang_build_the_same_out_of_line_kernel(monkeypatch):
    x, y = awkward_inputs("float32")
    out = []
    for cc in ("gcc", "clang"):
        with np.errstate(all="ignore"):
            out.append(build(monkeypatch, every_kind(), 1, cc=cc, isa=TIERS[-1])(x, y))
    np.testing.assert_array_equal(out[0].view("u4"), out[1].view("u4"))


@pytest.mark.parametrize("dtype,tolerance", [("float32", 2e-5), ("float64", 1e-13)])
def test_a_thousand_node_chain_gives_numpys_values(dtype, tolerance):
    """Every sine out of line, on the best tier and the scalar one; the chain contracts (each step
    by 0.75 or a sine), so the functions' rounding errors do not grow along it."""
    x = np.linspace(-4, 4, 1001).astype(dtype)
    for tier in {TIERS[0], TIERS[-1]}:
        out = rj.JitCompiler(rj.JitConfig(isa=tier)).compile(chain(1000), dtype=dtype)(x)
        assert out.dtype == dtype
        np.testing.assert_allclose(out, chain_reference(x, 1000), rtol=0, atol=tolerance)


def test_a_kernel_without_vector_math_does_not_parse_its_header():
    """csrc/vmath.h is included where the kernel's C names something of it, and only there."""
    x = rj.input("x")
    jit = rj.JitCompiler()
    arithmetic = rj.where(abs(x * 0.5 + 0.25) > 0.5, x * x, rj.clip(x, -1.0, 1.0))
    assert '#include "vmath.h"' not in jit.source_of(arithmetic)
    for graph in (arithmetic + rj.sin(x), arithmetic % 3.0, rj.trunc(arithmetic), arithmetic ** 3,
                  RunningSum()(arithmetic) + rj.exp(x)):
        assert '#include "vmath.h"' in jit.source_of(graph)
    xs = np.linspace(-3, 3, 37, dtype=np.float32)
    np.testing.assert_array_equal(jit.compile(arithmetic)(xs),
                                  np.where(np.abs(xs * np.float32(0.5) + np.float32(0.25)) > 0.5, xs * xs,
                                           np.clip(xs, -1, 1)))


def test_a_user_extern_that_calls_vector_math_gets_the_header():
    x = rj.input("x")
    twice_sine = rj.extern("my_twice_sine", "double(double)",
                           c_source="static double my_twice_sine(double v) { return 2.0 * rj_d_sin(v); }")
    jit = rj.JitCompiler(rj.JitConfig(dtype="float64"))
    assert '#include "vmath.h"' in jit.source_of(twice_sine(x * 2.0))
    xs = np.linspace(-3, 3, 37)
    np.testing.assert_allclose(jit.compile(twice_sine(x * 2.0))(xs), 2.0 * np.sin(xs * 2.0), rtol=1e-15, atol=1e-300)


def test_gcc_bounds_its_alias_walk_from_version_8():
    from resin_jit.toolchain import compilers
    gcc = compilers.FAMILIES["gcc"]
    assert gcc.tuning_flags("gcc (GCC) 12.2.0") == compilers.GCC_TUNING
    assert gcc.tuning_flags("x86_64-linux-gnu-gcc-12 (Debian 12.2.0-14) 12.2.0") == compilers.GCC_TUNING
    assert gcc.tuning_flags("gcc (GCC) 4.8.5 20150623 (Red Hat 4.8.5-44)") == ()
    assert compilers.FAMILIES["clang"].tuning_flags("clang version 14.0.6") == ()
