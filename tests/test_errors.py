"""Issue 2: every bad input gets a clear TypeError/ValueError (or JitError), never a crash."""
import numpy as np
import pytest

import resin_jit as rj
from resin_jit.codegen import assemble
from resin_jit.front.nodes import Node

from support import needs_native


def test_bad_outputs_are_named(jit):
    k = jit.compile_affine_simd(1.0, 0.0)
    x = np.ones(8, np.float32)
    cases = [
        (np.ones(8, np.float64), TypeError, "dtype float32"),
        ([0.0] * 8, TypeError, "numpy.ndarray"),
        (np.ones(16, np.float32)[::2], ValueError, "C-contiguous"),
        (np.ones(7, np.float32), ValueError, "shape"),
        (np.ones((2, 8), np.float32), ValueError, "shape"),
        (np.ones(8, np.int32), TypeError, "dtype"),
    ]
    ro = np.ones(8, np.float32)
    ro.flags.writeable = False
    cases.append((ro, ValueError, "read-only"))
    for out, exc, words in cases:
        with pytest.raises(exc, match=words):
            k.process(x, out)


def test_bad_inputs_are_named(jit):
    k = jit.compile_affine_simd(1.0, 0.0)
    out = np.ones(3, np.float32)
    with pytest.raises(TypeError, match="input 'x'"):
        k.process(["a", "b", "c"], out)
    with pytest.raises(TypeError, match="input 'x'"):
        k.process(object(), out)
    with pytest.raises(ValueError, match="3-D"):
        k.process(np.ones((1, 1, 3)), out)
    with pytest.raises(TypeError, match="takes 1 input"):
        k.process(out)
    with pytest.raises(TypeError, match="takes 1 input"):
        k.process(out, out, out)
    with pytest.raises(TypeError, match="real number"):
        jit.compile_affine(1.0, 0.0).call_f32("2")
    with pytest.raises(ValueError, match="too large"):
        jit.compile_affine(1.0, 0.0).call_f32(10 ** 400)


def test_bad_constants_and_config():
    with pytest.raises(TypeError, match="real number"):
        rj.JitCompiler().compile_affine("1; system(\"rm\")", 0.0)
    with pytest.raises(TypeError, match="real number"):
        rj.JitCompiler().compile_affine_simd(1.0, None)
    with pytest.raises(ValueError, match="too large for a float"):
        rj.JitCompiler().compile_affine(10 ** 400, 0.0)
    with pytest.raises(ValueError, match="too large for a float"):
        rj.input("x") * -10 ** 400
    with pytest.raises(ValueError, match="too large for a float"):
        rj.JitCompiler().compile(rj.input("x") * rj.param("gain", 1.0)).set_param("gain", 10 ** 400)
    with pytest.raises(ValueError, match="unknown ISA tier"):
        rj.JitCompiler(rj.JitConfig(isa="pentium"))
    with pytest.raises(ValueError, match="opt_level"):
        rj.JitConfig(opt_level=7)
    with pytest.raises(TypeError, match="JitConfig"):
        rj.JitCompiler({"isa": "auto"})
    with pytest.raises(ValueError, match="dtype"):
        rj.JitConfig(dtype="float16")
    with pytest.raises(TypeError, match="fastmath"):
        rj.JitConfig(fastmath="yes")


def test_tier_the_host_cannot_run_is_a_clear_error():
    from resin_jit.toolchain.host import available_tiers
    foreign = "neon" if "neon" not in available_tiers() else "avx2"
    with pytest.raises(rj.JitError, match="cannot run on this host"):
        rj.JitCompiler(rj.JitConfig(isa=foreign))


def test_env_isa_forces_a_lower_tier(monkeypatch):
    monkeypatch.setenv("RESIN_JIT_ISA", "scalar")
    assert rj.JitCompiler().isa == "scalar"
    assert rj.JitCompiler(rj.JitConfig(isa="auto")).isa == "scalar"


class BrokenNode(Node):
    """A user node whose snippet is not C."""

    def key(self):
        return ("BrokenNode",)

    def emit(self, ctx, args):
        return "this is not C )("

    def evaluate(self, state, x):
        return x


@needs_native
def test_broken_snippet_gives_compile_error_with_compiler_output(tmp_path):
    jit = rj.JitCompiler(rj.JitConfig(cache_dir=tmp_path))
    g = rj.Graph()
    g.output(g.add(BrokenNode(), g.input("x")))
    with pytest.raises(rj.JitCompileError) as info:
        jit.compile(g.outputs)
    err = info.value
    assert "error" in err.output
    assert err.source_path and err.source_path.endswith(".c")
    assert "this is not C" in open(err.source_path).read()
    assert jit.stats["compiles"] == 0


def test_user_strings_never_reach_the_c_source():
    evil = 'x"; } int evil(void) { return 1; } /*'
    g = rj.Graph()
    g.output(g.add(rj.front.nodes.Affine(2.0, float("nan")), g.input(evil)))
    from resin_jit.front.canonical import canonicalize
    from resin_jit.front.plan import plan_kernel
    cg = canonicalize(g.outputs)
    source = assemble.kernel_source(cg, plan_kernel(cg, "float32"))
    assert "evil" not in source
    assert "__builtin_nanf" in source


@pytest.mark.parametrize("spelling", [np.float64, "f8", "d", np.dtype("float64"), "float64", "<f8"])
def test_dtype_takes_any_spelling_numpy_takes(spelling):
    """Issue 21 item 1: dtype= as np.dtype reads it, on compile and on JitConfig."""
    x = rj.input("x")
    kernel = rj.JitCompiler().compile(x * 2, dtype=spelling)
    assert kernel.dtype == np.float64 and kernel(np.ones(3)).dtype == np.float64
    assert rj.JitConfig(dtype=spelling).dtype == "float64"
    assert rj.JitCompiler(rj.JitConfig(dtype=spelling)).compile(x + 1).dtype == np.float64


@pytest.mark.parametrize("dtype, error, words", [
    ("int32", ValueError, "float32 or float64 .kernels compute in one of them., not int32"),
    (np.complex64, ValueError, "not complex64"), ("f16x", TypeError, "a numpy dtype or its name"),
    (3.5, TypeError, "a numpy dtype or its name")])
def test_a_dtype_kernels_do_not_compute_in_is_named(dtype, error, words):
    with pytest.raises(error, match=words):
        rj.JitCompiler().compile(rj.input("x") * 2, dtype=dtype)
    with pytest.raises(error, match=words):
        rj.JitConfig(dtype=dtype)
