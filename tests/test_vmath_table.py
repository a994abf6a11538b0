"""Each vector-math function is declared once, in csrc/vmath_functions.h: the op table, the public
functions rj.NAME, the C headers' lists and the C battery all come from its row
(resin_jit/front/vmath_table.py reads it). Held here: every declared function is an op and (but
for powers) a public function with the declared docstring; malformed rows are clear errors; and
a function added to a copy of the source tree as only its row, its algorithm and its place in
vmath_f32.h's list of functions by the double route is a working
rj.NAME on every tier, measured by the C battery."""
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import resin_jit as rj
from resin_jit.front import vmath_table
from resin_jit.front.ops import OPS

from support import NATIVE, TIERS

ROOT = Path(__file__).resolve().parent.parent


def test_every_declared_function_is_an_op_and_a_public_function():
    x, y = rj.input("x"), rj.input("y")
    for fn in vmath_table.FUNCTIONS:
        op = OPS[fn.name]
        assert (op.c, op.arity, op.mask) == (fn.c_rule, fn.arity, False), fn.name
        if not fn.public:
            assert rj.pow(x, fn.exponent).node.op == fn.name
            continue
        public = getattr(rj, fn.name)
        assert fn.name in rj.__all__ and public.__doc__.startswith(fn.summary) and fn.returns in public.__doc__
        assert public(*(x, y)[:fn.arity]).node.op == fn.name
        assert op.numpy is getattr(np, fn.numpy)


def test_the_header_parses_as_declared():
    """A few rows read back field by field."""
    sin, pow_, cube = (vmath_table.BY_NAME[n] for n in ("sin", "pow", "pow3"))
    assert (sin.arity, sin.build, sin.numpy, sin.reference) == (1, "core", "sin", "sin")
    assert sin.bounds == (0.502, 0.502, 0.73, 0.78) and sin.summary == "Sine, elementwise (numpy.sin)."
    assert sin.ranges[0] == ((-10.0, 10.0, 0),) and len(sin.ranges) == 5
    assert pow_.ranges[0] == ((1e-3, 1e3, 0), (-12.0, 12.0, 0)) and "see pow_rewrite" in pow_.returns
    assert (cube.label, cube.c_rule, cube.exponent, cube.public) == ("x**3", "{p}_powi({0}, 3)", 3, False)
    assert vmath_table.BY_NAME["round"].numpy_function is np.rint


def test_bounds_per_level():
    """A function row's bounds are the 0.5-ULP level's, its RJ_VM_LEVEL_BOUNDS rows the others';
    an exact function is exact at every level."""
    (fn,) = vmath_table.parse(MEASURED)
    assert fn.bounds == fn.bounds_at(0.5) == (0.5, 0.5, 0.6, 0.6)
    assert fn.bounds_at(1.0) == (0.6, 0.6, 0.7, 0.7) and fn.bounds_at(4) == (2.5, 3.0, 0.7, 0.8)
    assert fn.bound_at(4.0) == {"float32_fma": 2.5, "float32": 3.0, "float64_fma": 0.7, "float64": 0.8}
    (exact,) = vmath_table.parse(ROW)
    assert [exact.bounds_at(u) for u in (0.5, 1.0, 4.0)] == [(0, 0, 0, 0)] * 3
    with pytest.raises(ValueError, match="no accuracy level 2.0; the levels are 0.5, 1.0, 4.0"):
        fn.bounds_at(2.0)
    for declared in vmath_table.FUNCTIONS:      # the header: every function at every level
        assert all(len(declared.bounds_at(u)) == 4 for u in vmath_table.LEVELS.values()), declared.name


def test_strings_are_joined_and_keep_what_looks_like_comments():
    (fn,) = vmath_table.parse('RJ_VM_BINARY(m, hypot, hypot, 0.5, 0.5, 0.5, 0.5, "x1 // x2 " "/* y */", "z") // c\n'
                              'RJ_VM_RANGE2(m, 1e-3, 1e3, -1, 1, 1)' + LEVEL_ROWS.format(name="m"))
    assert (fn.summary, fn.returns, fn.arity) == ("x1 // x2 /* y */", "z", 2)
    assert fn.ranges == (((1e-3, 1e3, 1), (-1.0, 1.0, 1)),)


ROW = ('RJ_VM_UNARY(magnitude, absolute, fabs, 0, 0, 0, 0, "Absolute value.", "|x|.")\n'
       'RJ_VM_RANGE(magnitude, -1, 1, 0)\n')
# a measured function's bounds at the 1-ULP and 4-ULP levels
LEVEL_ROWS = ("\nRJ_VM_LEVEL_BOUNDS({name}, ONE, 0.6, 0.6, 0.7, 0.7)"
              "\nRJ_VM_LEVEL_BOUNDS({name}, FOUR, 2.5, 3, 0.7, 0.8)\n")
MEASURED = ROW.replace(", 0, 0, 0, 0,", ", 0.5, 0.5, 0.6, 0.6,") + LEVEL_ROWS.format(name="magnitude")


@pytest.mark.parametrize("text, message", [
    (ROW.replace("absolute", "no_such_ufunc"), "numpy.no_such_ufunc is not a numpy ufunc of 1"),
    (ROW.replace("absolute", "add"), "numpy.add is not a numpy ufunc of 1"),
    (ROW.replace(", 0, 0, 0, 0,", ", 0, 0, 0,"), "takes 9 arguments"),
    (ROW.replace('"|x|."', "abs"), "returns must be a string"),
    (ROW.replace("fabs", '"fabs"'), "reference must be a lowercase C name"),
    (ROW.replace("-1, 1, 0)", "1, -1, 0)"), "an empty range"),
    (ROW.replace("-1, 1, 0)", "-1, 1, 2)"), "both_signs must be 0 or 1"),
    (ROW + ROW, "declared twice"),
    (ROW.split("\n")[0], "has no RJ_VM_RANGE row"),
    ("RJ_VM_RANGE(magnitude, -1, 1, 0)\n" + ROW, "not a declared function"),
    (ROW.replace("RJ_VM_RANGE(", "RJ_VM_RANGE2("), "takes 6 arguments"),
    (ROW + "RJ_VM_SOMETHING(magnitude)\n", "line 6: expected a row"),
    (ROW.replace('"|x|."', '"|x|\\n"'), "unexpected"),
    (ROW.replace(", 0, 0, 0, 0,", ", 0, 0, 0, (0),"), "nested parentheses"),
    (ROW[:-2], "is not closed"),
    (MEASURED.replace("FOUR", "HALF"), "level must be ONE or FOUR (a function's own row is HALF's), got 'HALF'"),
    (MEASURED.replace("FOUR", "TWO"), "level must be ONE or FOUR"),
    (MEASURED.replace("FOUR", "4"), "level must be ONE or FOUR (a function's own row is HALF's), got 4.0"),
    (MEASURED.replace("FOUR", "ONE"), "two RJ_VM_LEVEL_BOUNDS rows at ulp=1"),
    (MEASURED.replace("FOUR, 2.5", "FOUR, 0"), "a bound of 0 or less at ulp=4"),
    (MEASURED.split("RJ_VM_LEVEL_BOUNDS(magnitude, FOUR")[0], "needs one RJ_VM_LEVEL_BOUNDS row for each of ONE and FOUR"),
    (MEASURED.replace("RJ_VM_LEVEL_BOUNDS(magnitude", "RJ_VM_LEVEL_BOUNDS(other"), "for 'other', which is not a declared"),
    (ROW + LEVEL_ROWS.format(name="magnitude"), "'magnitude' is exact at every level: it has no RJ_VM_LEVEL_BOUNDS"),
])
def test_malformed_rows_are_clear_errors(text, message):
    """(after a comment and a preprocessor line, which the parser skips, counting lines)"""
    with pytest.raises(ValueError, match=re.escape(message)):
        vmath_table.parse("/* a comment\n */\n#define X 1\n" + text)


# A function added as its row and its algorithm (and its place in vmath_f32.h's list of the functions
# that take the double route at the 1- and 4-ULP levels, and its family in vmath_families.h: that
# of vmath_misc.h, where its algorithm goes), nothing else: |x| by another name.
NEW_ROW = ('RJ_VM_UNARY(magnitude, absolute, fabs, 0, 0, 0, 0,\n'
           '            "Absolute value, elementwise (numpy.absolute).", "|x|.")\n'
           'RJ_VM_RANGE(magnitude, -10, 10, 0)\n')
WIDE_LIST = "#define RJ_VMF_WIDE_ROWS(ROW1, ROW2)"     # vmath_f32.h's functions by the double route
NEW_ALGORITHM = ("RJ_INLINE V F(magnitude)(V x) { return F(abs)(x); }\n"
                 "RJ_INLINE V F(vmf_magnitude)(V x) { return F(abs)(x); }\n")
NEW_FAMILY = "#define RJ_VM_FAMILY_magnitude FMOD\n"


@pytest.fixture(scope="module")
def tree_with_a_new_function(tmp_path_factory):
    """A copy of the package, csrc/ and templates/ whose only changes are NEW_ROW in
    vmath_functions.h, NEW_ALGORITHM in vmath_misc.h, magnitude in vmath_f32.h's WIDE_LIST and
    NEW_FAMILY in vmath_families.h."""
    tree = tmp_path_factory.mktemp("tree")
    ignore = shutil.ignore_patterns("__pycache__", "prebuilt", "codegen_fingerprint")
    for folder in ("resin_jit", "csrc", "templates"):
        shutil.copytree(ROOT / folder, tree / folder, ignore=ignore)
    header = tree / "csrc" / "vmath_functions.h"
    text = header.read_text()
    at = text.index("#undef RJ_VM_UNARY")
    header.write_text(text[:at] + NEW_ROW + "\n" + text[at:])
    with open(tree / "csrc" / "vmath_misc.h", "a") as f:
        f.write(NEW_ALGORITHM)
    f32 = tree / "csrc" / "vmath_f32.h"      # at the 1- and 4-ULP levels: the double route
    assert WIDE_LIST in f32.read_text()
    f32.write_text(f32.read_text().replace(WIDE_LIST, WIDE_LIST + " ROW1(magnitude)", 1))
    families = tree / "csrc" / "vmath_families.h"
    text = families.read_text()
    at = text.index("/* the families as bits")
    families.write_text(text[:at] + NEW_FAMILY + "\n" + text[at:])
    return tree


@pytest.mark.skipif(not NATIVE, reason="no C compiler on this machine")
def test_a_new_function_is_a_working_public_function(tree_with_a_new_function, tmp_path):
    tree = tree_with_a_new_function
    script = (
        "import numpy as np, resin_jit as rj\n"
        "assert 'magnitude' in rj.__all__ and rj.magnitude.__doc__.startswith('Absolute value')\n"
        "x = np.array([-2.5, 0.0, -0.0, 3.0, -np.inf, 1e-40] * 7, np.float32)\n"
        f"for tier in {TIERS!r}:\n"
        "    for dtype in ('float32', 'float64'):\n"
        "        k = rj.JitCompiler(rj.JitConfig(isa=tier)).compile(rj.magnitude(rj.input('x')), dtype=dtype)\n"
        "        assert 'rj_vf_magnitude(' in rj.JitCompiler().source_of(rj.magnitude(rj.input('x')))\n"
        "        got, want = k(x.astype(dtype)), np.abs(x.astype(dtype))\n"
        "        bits = f'u{got.itemsize}'\n"
        "        assert np.array_equal(got.view(bits), want.view(bits)), (tier, dtype, got)\n"
        "print('ok')\n")
    env = {**os.environ, "PYTHONPATH": str(tree), "RESIN_JIT_CACHE_DIR": str(tmp_path / "cache")}
    proc = subprocess.run([sys.executable, "-c", script], env=env, cwd=tmp_path, capture_output=True, text=True,
                          timeout=600)
    assert proc.returncode == 0 and proc.stdout.strip() == "ok", proc.stdout + proc.stderr


@pytest.mark.skipif(shutil.which("gcc") is None, reason="no C compiler")
def test_a_new_function_is_in_the_c_battery(tree_with_a_new_function, tmp_path):
    """vmath_check.c builds it, with its twins, from the row: every 4099th float bit pattern and
    random doubles against libm's fabs, 0 ULP."""
    exe = tmp_path / "vmath_check"
    csrc, source = tree_with_a_new_function / "csrc", ROOT / "tests" / "c" / "vmath_check.c"
    subprocess.run(["gcc", "-O1", "-std=gnu11", "-fno-math-errno", "-ffp-contract=off", "-Wall", "-Werror",
                    "-DRJ_ISA_SCALAR", "-I", str(csrc), str(source), "-o", str(exe), "-lm", "-lquadmath"],
                   check=True, capture_output=True, text=True)
    for args in (["f", "magnitude", "4099"], ["d", "magnitude", "-10", "10", "10000"]):
        proc = subprocess.run([str(exe), *args], capture_output=True, text=True, timeout=300)
        assert proc.returncode == 0 and "worst 0 " in proc.stdout and "twin mismatches 0 " in proc.stdout, proc.stdout
