"""Issue 17 items 9, 11 and 14: a C library extern is checked against the C library's own header,
with gcc and with clang; a library= that does not load is a JitError naming it; a str subclass
given as a name, signature, library or c_source never puts its own text into the C."""
import math
import os
import shutil

import numpy as np
import pytest

import resin_jit as rj
from resin_jit.toolchain.build import compile_library

from support import NATIVE, compiler_for

CUBE = "static double cube(double v) { return v * v * v; }"
UNDECLARED = "is not a C library function an extern can call: <math.h> declares none of that name"
CLASHES = "clashes with a C library function of another type"


@pytest.fixture(params=["gcc", "clang"])
def compiler(request, tmp_path, new_process):
    """A compiler of the scalar tier driving gcc or clang, with a cache of its own and no kernel
    loaded (kernels are keyed by graph, not by compiler: gcc's must not stand in for clang's build)."""
    if not NATIVE:
        pytest.skip("no C compiler on this machine: native path untestable")
    cc = shutil.which(request.param)
    if cc is None:
        pytest.skip(f"{request.param} is not installed")
    new_process()
    jit = rj.JitCompiler(rj.JitConfig(cc=cc, isa="scalar", cache_dir=tmp_path / "cache"))
    assert jit.backend == "native" and os.path.realpath(jit.libraries.toolchain.path) == os.path.realpath(cc)
    return jit


@pytest.mark.parametrize("name, signature, words", [
    ("system", "double(double)", UNDECLARED),   # ran /bin/sh on whatever the double's bits pointed at
    ("unlink", "double(double)", UNDECLARED),
    ("erff", "double(double)", CLASHES),        # a builtin of gcc's, not of clang's: it built there
    ("sin", "float(float)", CLASHES),
    ("hypotf", "float(float, double)", CLASHES),
])
def test_an_extern_contradicting_the_c_library_is_a_compile_error(compiler, name, signature, words):
    args = [rj.input("x")] * (signature.count(",") + 1)
    with pytest.raises(rj.JitCompileError, match=rf"extern '{name}' {words}") as caught:
        compiler.compile(rj.extern(name, signature)(*args))
    assert name in caught.value.output


@pytest.mark.parametrize("name, c_source", [
    ("sinf", "double sinf(double v) { return v + 1; }"),
    ("erff", "float erff(float v, float w) { return v + w; }"),
])
def test_a_c_source_redefining_a_c_library_function_with_another_type_is_named(compiler, name, c_source):
    """Without <math.h> the compiler still knows the function: gcc's mismatch and clang's
    incompatible redeclaration are both errors (clang used to warn that gcc's flag was unknown,
    and build a kernel whose call it may fold as the library function's)."""
    args = [rj.input("x")] * (c_source.count(",") + 1)
    signature = "double(double)" if name == "sinf" else "float(float, float)"
    with pytest.raises(rj.JitCompileError, match=rf"extern '{name}' {CLASHES}"):
        compiler.compile(rj.extern(name, signature, c_source=c_source)(*args))


def test_an_extern_of_the_c_library_s_own_signature_works(compiler):
    x, y = rj.input("x"), rj.input("y")
    graph = [rj.extern("erff", "float(float)")(x), rj.extern("cbrt", "float64(float64)")(x),
             rj.extern("hypot", "double(double, double)")(x, y)]
    a = np.linspace(-3, 3, 13).astype(np.float32)
    b = np.float32(0.75)
    erf, cbrt, hypot = compiler.compile(graph, inputs=["x", "y"])(a, b)
    assert compiler.stats["compiles"] == 1
    np.testing.assert_array_equal(erf, [np.float32(math.erf(v)) for v in a])
    np.testing.assert_allclose(cbrt, np.cbrt(a.astype(np.float64)), rtol=1e-7)
    np.testing.assert_allclose(hypot, np.hypot(a.astype(np.float64), b), rtol=1e-7)


def test_only_kernels_calling_the_c_library_include_its_header():
    """The header costs compile time: kernels of c_source or library= externs do without it."""
    x = rj.input("x")
    generator = rj.JitCompiler(rj.JitConfig(isa="scalar"))
    assert "#include <math.h>" in generator.source_of(rj.extern("erff", "float(float)")(x) + rj.sin(x))
    for graph in (rj.sin(x) * 2.0, rj.extern("cube", "double(double)", c_source=CUBE)(x),
                  rj.extern("cbrt", "double(double)", library="libm.so.6")(x)):
        assert "<math.h>" not in generator.source_of(graph)


def test_a_c_source_reusing_a_math_h_name_beside_a_c_library_extern_is_named():
    """The one cost of the header: beside a C library extern, a c_source may not define a name of
    <math.h>'s (alone, it may, as before)."""
    if not NATIVE:
        pytest.skip("no C compiler on this machine: native path untestable")
    x = rj.input("x")
    mine = rj.extern("j0", "double(double)", c_source="static double j0(double v) { return v + 1; }")
    native = compiler_for("scalar")
    a = np.array([0.5, 2.0], np.float32)
    np.testing.assert_array_equal(native.compile(mine(x))(a), a + 1)
    with pytest.raises(rj.JitCompileError, match=r"extern 'j0': its c_source defines a name <math.h> declares"):
        native.compile(rj.extern("erff", "float(float)")(x) + mine(x))


@pytest.mark.parametrize("backend", ["native", "numpy"])
def test_a_library_that_does_not_load_is_a_jit_error_naming_it(tmp_path, backend, numpy_jit):
    """cffi 2 has no ffi.error: naming it in the except clause raised AttributeError instead."""
    if backend == "native" and not NATIVE:
        pytest.skip("no C compiler on this machine: native path untestable")
    jit = compiler_for("scalar") if backend == "native" else numpy_jit
    (tmp_path / "text.so").write_text("not a shared library")
    x = rj.input("x")
    for library in (tmp_path / "missing.so", tmp_path / "text.so", "libm.so.6"):
        name = "nosuchfn" if library == "libm.so.6" else "f"
        graph = rj.extern(name, "double(double)", library=library)(x)
        with pytest.raises(rj.JitError, match=f"cannot load {name} from the library '{library}'"):
            jit.compile(graph)(np.ones(3, np.float32))


class Disguised(str):
    """A str whose formatting, printing and encoding say something other than its characters."""
    PAYLOAD = "rj_planted"

    def __format__(self, spec):
        return f"{self.PAYLOAD}(void); int {self.PAYLOAD}_v = 1; double {self.PAYLOAD}"

    def __str__(self):
        return self.PAYLOAD

    def __repr__(self):
        return self.PAYLOAD

    def encode(self, *args, **kwargs):
        return self.PAYLOAD.encode()


class Path(os.PathLike):
    def __init__(self, path):
        self.path = path

    def __fspath__(self):
        return self.path


def test_a_str_subclass_never_puts_its_own_text_into_the_c():
    if not NATIVE:
        pytest.skip("no C compiler on this machine: native path untestable")
    x = rj.input("x")
    native = compiler_for("scalar")
    erf = rj.extern(Disguised("erff"), Disguised("float(float)"))(x)
    cube = rj.extern(Disguised("cube"), "double(double)", c_source=Disguised(CUBE))(x)
    source = native.source_of([erf, cube])
    assert Disguised.PAYLOAD not in source and "float erff(float);" in source and CUBE in source
    assert cube.node.key() == rj.extern("cube", "double(double)", c_source=CUBE)(x).node.key()
    a = np.array([-1.0, 0.5, 2.0], np.float32)
    got_erf, got_cube = native.compile([erf, cube])(a)
    np.testing.assert_array_equal(got_erf, [np.float32(math.erf(v)) for v in a])
    np.testing.assert_array_equal(got_cube, a ** 3)


def test_a_library_path_of_any_kind_is_a_plain_str(tmp_path):
    if not NATIVE:
        pytest.skip("no C compiler on this machine: native path untestable")
    native = compiler_for("scalar")
    library, _ = compile_library("double f(double v) { return v + 10; }", native.libraries.toolchain,
                                 ["-shared", "-fPIC", "-O1"], tmp_path, name="userlib")
    x = rj.input("x")
    a = np.array([1.0, 2.0], np.float32)
    for given in (Disguised(str(library)), Path(Disguised(str(library))), os.fsencode(library)):
        graph = rj.extern("f", "double(double)", library=given)(x)
        assert type(graph.node.library) is str and graph.node.library == str(library)
        np.testing.assert_array_equal(native.compile(graph)(a), a + 10)
    for bad in ("", "lib\0m.so"):
        with pytest.raises(ValueError, match="library must name a shared library file"):
            rj.extern("f", "double(double)", library=bad)


@pytest.mark.parametrize("name, signature, numpy_fn", [
    ("erff", "float(float)", np.vectorize(math.erf)), ("erf", "double(double)", np.vectorize(math.erf)),
    ("hypotf", "float(float, float)", np.hypot), ("pow", "double(double, double)", np.power),
    ("cbrt", "double(double)", np.cbrt), ("fma", "double(double, double, double)", lambda a, b, c: a * b + c)])
def test_a_c_library_extern_runs_on_the_numpy_backend_through_the_c_library(numpy_jit, name, signature, numpy_fn):
    """Issue 21 item 6: without a C compiler, a <math.h> extern is the C library's own function,
    called through cffi (no reference= needed), with the prototype the header gives it."""
    x, y, z = rj.input("x"), rj.input("y"), rj.input("z")
    arity = signature.count(",") + 1
    kernel = numpy_jit.compile(rj.extern(name, signature)(*[x, y, z][:arity]), inputs=[x, y, z][:arity],
                               dtype="float64")
    args = [np.linspace(0.1, 2.0, 7) + k for k in range(arity)]
    np.testing.assert_allclose(kernel(*args), numpy_fn(*args), rtol=1e-6)


@pytest.mark.parametrize("name, signature", [
    ("system", "double(double)"), ("unlink", "double(double)"),   # not <math.h>'s: never called
    ("erf", "float(float)"), ("sinf", "double(double)"),          # <math.h>'s, but not that prototype
    ("pow", "double(double)")])
def test_the_numpy_backend_calls_no_c_function_but_math_h_s_with_its_prototype(numpy_jit, name, signature):
    with pytest.raises(rj.JitError, match=f"extern {name!r}: without a C compiler only <math.h>'s functions"):
        numpy_jit.compile(rj.extern(name, signature)(rj.input("x")))(np.ones(3, np.float32))


def test_an_extern_with_c_source_and_no_reference_names_the_fix_on_numpy(numpy_jit):
    with pytest.raises(rj.JitError, match="has no numpy reference: pass reference="):
        numpy_jit.compile(rj.extern("cube", "double(double)", c_source=CUBE)(rj.input("x")))(np.ones(3, np.float32))
    cube = CUBE.replace("cube", "cube3")   # (an extern is its name, signature and C: one node per such triple)
    with_reference = numpy_jit.compile(rj.extern("cube3", "double(double)", c_source=cube,
                                                 reference=lambda v: v ** 3)(rj.input("x")))
    np.testing.assert_array_equal(with_reference(np.arange(3, dtype=np.float32)), [0, 1, 8])
