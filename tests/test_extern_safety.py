"""Issue 9: externs that would compute the wrong thing, or crash, are clear errors when the graph is built."""
import math

import numpy as np
import pytest

import resin_jit as rj
from resin_jit import audio
from resin_jit.toolchain.build import Toolchain, compile_library
from resin_jit.vsa import kernels as vsa_kernels

from support import CROSS_CC, NATIVE, RunningSum, compiler_for, needs_neon

CUBE = "static double f(double v) { return v * v * v; }"
SQUARE = "static double f(double v) { return v * v; }"


@pytest.fixture
def native():
    """One native compiler: what is tested here does not depend on the tier."""
    if not NATIVE:
        pytest.skip("no C compiler on this machine: native path untestable")
    return compiler_for("scalar")


def test_two_definitions_of_one_c_name_are_an_error_naming_both(native):
    x = rj.input("x")
    cube, square = (rj.extern("f", "double(double)", c_source=src) for src in (CUBE, SQUARE))
    with pytest.raises(rj.JitError, match=r"C name 'f' .* different definitions, "
                                          r"'static double f\(double v\) \{ return v \* v \* v; \}' and "
                                          r"'static double f\(double v\) \{ return v \* v; \}'"):
        native.compile([cube(x), square(x)])


def test_a_c_source_beside_a_c_library_extern_of_its_name_is_an_error(native):
    x = rj.input("x")
    mine = rj.extern("fabs", "double(double)", c_source="static double fabs(double v) { return v + 1; }")
    libc = rj.extern("fabs", "double(double)")
    with pytest.raises(rj.JitError, match=r"C name 'fabs' .* 'static double fabs.*' and 'double fabs\(double\);'"):
        native.compile(mine(x) + libc(x))


def test_one_name_with_one_definition_is_one_function(native):
    x = rj.input("x")
    a = np.array([-2.0, 0.5, 3.0], np.float32)
    cube, again = (rj.extern("f", "double(double)", c_source=CUBE) for _ in range(2))
    np.testing.assert_array_equal(native.compile(cube(x) + again(x))(a), 2 * a ** 3)
    # one c_source defining the functions of two externs goes into the kernel once
    both = "static double g(double v) { return v + 1; }\nstatic double h(double v) { return v - 1; }"
    g, h = (rj.extern(name, "double(double)", c_source=both) for name in ("g", "h"))
    np.testing.assert_array_equal(native.compile(g(x) * h(x))(a), (a + 1) * (a - 1))


def test_a_library_extern_and_a_c_source_of_one_name_do_not_clash(native, tmp_path):
    """A library= extern is called through a pointer: its name never enters the kernel's C."""
    library, _ = compile_library("double f(double v) { return v + 10; }", native.libraries.toolchain,
                                 ["-shared", "-fPIC", "-O1"], tmp_path, name="userlib")
    x = rj.input("x")
    from_library = rj.extern("f", "double(double)", library=str(library))
    compiled_in = rj.extern("f", "double(double)", c_source=CUBE)
    a = np.array([-2.0, 0.5, 3.0], np.float32)
    lib_out, src_out = native.compile([from_library(x), compiled_in(x)])(a)
    np.testing.assert_array_equal(lib_out, a + 10)
    np.testing.assert_array_equal(src_out, a ** 3)


@pytest.mark.parametrize("stateful", [False, True], ids=["block", "stateful"])
def test_an_extern_no_header_declares_fails_the_build_naming_it(native, stateful):
    x = rj.input("x")
    graph = rj.extern("nosuchfn", "float(float)")(x)
    graph = graph + RunningSum()(x) if stateful else graph
    with pytest.raises(rj.JitCompileError, match=r"extern 'nosuchfn' is not a C library function an extern can "
                                                 r"call: <math.h> declares none of that name \(give c_source= or "
                                                 r"library=\)") as caught:
        native.compile(graph)
    assert "nosuchfn" in caught.value.output and caught.value.source_path


def test_an_extern_its_c_source_only_declares_fails_the_link_naming_it(native):
    x = rj.input("x")
    graph = rj.extern("nosuchfn", "float(float)", c_source="float nosuchfn(float);")(x)
    with pytest.raises(rj.JitCompileError, match=r"extern 'nosuchfn' is declared but defined nowhere"):
        native.compile(graph)


@pytest.mark.parametrize("stateful", [False, True], ids=["block", "stateful"])
@pytest.mark.parametrize("name,signature", [("erf", "float(float)"), ("memcpy", "double(double)")])
def test_an_extern_typed_unlike_its_c_library_function_fails_the_build(native, name, signature, stateful):
    """Declared as it is not, erf computed garbage (38527.8 for 0.5) and memcpy crashed the process.
    (A stateful kernel includes <string.h>, so there memcpy conflicts with its declaration.)"""
    x = rj.input("x")
    graph = rj.extern(name, signature)(x)
    graph = graph + RunningSum()(x) if stateful else graph
    with pytest.raises(rj.JitCompileError, match=rf"extern '{name}' clashes with a C library function of "
                                                 "another type"):
        native.compile(graph)


def test_c_library_externs_link_against_libm(native):
    """Kernels are linked with -z defs, so the math library must be linked in by name."""
    x = rj.input("x")
    a = np.linspace(-2, 2, 9).astype(np.float32)
    out = native.compile(rj.extern("erff", "float(float)")(x) + rj.extern("cbrt", "double(double)")(x))(a)
    expected = [np.float32(math.erf(v)) + np.float32(np.cbrt(np.float64(v))) for v in a]
    np.testing.assert_allclose(out, expected, rtol=1e-6, atol=1e-6)


@needs_neon
def test_every_kind_of_kernel_links_on_aarch64_and_an_undefined_symbol_does_not(tmp_path):
    """The link flags work with the AArch64 toolchain too: block, channel, stateful, extern and VSA
    kernels cross-link as shared libraries; a kernel calling a missing function does not."""
    x, y = rj.input("x"), rj.input("y")
    generator = rj.JitCompiler(rj.JitConfig(isa="scalar"))
    sources = [generator.source_of(rj.sin(x) * y + 0.1, inputs=["x", "y"]),
               generator.source_of([x * y, audio.Biquad.lowpass(1000.0)(x)], inputs=["x", "y"]),
               generator.source_of(audio.Noise()() + audio.Delay(3, unit="samples")(x)),
               generator.source_of(rj.extern("erff", "float(float)")(x)),
               vsa_kernels.source("cosine", "packed", 1000), vsa_kernels.source("bundle", "dense", 1000, 3)]
    cross = Toolchain(CROSS_CC, "cross")
    flags = cross.flags("neon", 2)
    assert "-Wl,-z,defs" in flags
    for k, source in enumerate(sources):
        library, _ = compile_library(source, cross, flags, tmp_path, name=f"kernel{k}")
        assert library.read_bytes()[18:20] == b"\xb7\x00"  # ELF e_machine: EM_AARCH64
    missing = rj.extern("nosuchfn", "float(float)", c_source="float nosuchfn(float);")
    with pytest.raises(rj.JitCompileError, match="undefined reference to .nosuchfn"):
        compile_library(generator.source_of(missing(x)), cross, flags, tmp_path, name="missing")
