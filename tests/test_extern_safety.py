"""Issue 9: externs that would compute the wrong thing, or crash, are clear errors when the graph is built."""
import numpy as np
import pytest

import resin_jit as rj
from resin_jit.build import compile_library

from conftest import NATIVE, compiler_for

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
    library, _ = compile_library("double f(double v) { return v + 10; }", native.toolchain,
                                 ["-shared", "-fPIC", "-O1"], tmp_path, name="userlib")
    x = rj.input("x")
    from_library = rj.extern("f", "double(double)", library=str(library))
    compiled_in = rj.extern("f", "double(double)", c_source=CUBE)
    a = np.array([-2.0, 0.5, 3.0], np.float32)
    lib_out, src_out = native.compile([from_library(x), compiled_in(x)])(a)
    np.testing.assert_array_equal(lib_out, a + 10)
    np.testing.assert_array_equal(src_out, a ** 3)
