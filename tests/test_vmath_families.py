"""Issue 20 item 4: a kernel parses the vector math it calls, not all of csrc/vmath.h. The kernel's
source names the functions it calls (codegen/assemble.py's vmath_families), and
csrc/vmath_families.h includes their families and what those build on. Every function alone, at
every level, on the best tier here and the scalar one, must compile: that holds the families'
"needs" lines (pow on exp and log, ...) to what the algorithms call."""
import re
import subprocess
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest

import resin_jit as rj
from resin_jit.codegen import assemble
from resin_jit.codegen.resources import csrc_dir
from resin_jit.front import vmath_table
from resin_jit.toolchain import isa

from support import TIERS
from support.vmath_battery import CC, LEVELS

pytestmark = pytest.mark.skipif(CC is None, reason="no C compiler")

# every name a kernel may call vmath.h's functions by (assemble._VMATH_CALLS), with its arity
CALLABLE = {**{fn.name: fn.arity for fn in vmath_table.FUNCTIONS if fn.build != "power"},
            "powi": 1, "remainder": 2, "floor_divide": 2}
HOST_TIERS = sorted({TIERS[-1], "scalar"})


def families_table():
    """{function: family} as csrc/vmath_families.h declares it."""
    text = (csrc_dir() / "vmath_families.h").read_text()
    return dict(re.findall(r"^#define RJ_VM_FAMILY_(\w+) (\w+)$", text, re.M))


def unit(names, level, calls):
    """C that names the functions `names` as a kernel does, includes vmath.h at `level` and calls
    each function of `calls` in float and double, vector and scalar."""
    lines = [f"#define RJ_VM_LEVEL RJ_VM_LEVEL_{level}",
             assemble.vmath_families(" ".join(f"rj_vf_{name}" for name in names)),
             '#include "rj_abi.h"', '#include "simd.h"', '#include "vmath.h"']
    for k, name in enumerate(calls):
        args = "x, 3" if name == "powi" else ", ".join(["x"] * CALLABLE[name])
        for prefix, ctype in (("rj_vf", "rj_vf"), ("rj_vd", "rj_vd"), ("rj_f", "float"), ("rj_d", "double")):
            lines.append(f"{ctype} call{k}_{prefix}({ctype} x) {{ return {prefix}_{name}({args}); }}")
    return "\n".join(lines) + "\n"


def syntax_check(source, tier):
    """gcc's (or cc's) verdict on `source` for `tier`: (ok, messages); an undeclared function is an error."""
    cmd = [CC, "-fsyntax-only", "-std=gnu11", "-Werror=implicit-function-declaration", *isa.compile_flags(tier),
           "-I", str(csrc_dir()), "-x", "c", "-"]
    proc = subprocess.run(cmd, input=source, capture_output=True, text=True)
    return proc.returncode == 0, proc.stderr


def test_every_function_a_kernel_calls_has_a_family():
    table = families_table()
    assert set(CALLABLE) <= set(table), set(CALLABLE) - set(table)
    families = set(re.findall(r"^#define RJ_VM_FAM_(\w+) ", (csrc_dir() / "vmath_families.h").read_text(), re.M))
    assert set(table.values()) <= families


@pytest.mark.parametrize("tier", HOST_TIERS)
def test_every_function_compiles_with_its_family_alone(tier):
    jobs = [(name, level) for name in CALLABLE for level in LEVELS.values()]
    with ThreadPoolExecutor(2) as pool:
        verdicts = list(pool.map(lambda job: syntax_check(unit([job[0]], job[1], [job[0]]), tier), jobs))
    failed = [(job, messages[:400]) for job, (ok, messages) in zip(jobs, verdicts) if not ok]
    assert not failed, failed


def test_a_kernel_of_one_family_has_none_of_the_others():
    ok, messages = syntax_check(unit(["sin"], "ONE", ["sin", "exp"]), TIERS[-1])
    assert not ok and "rj_vf_exp" in messages
    assert syntax_check(unit(["sin", "exp"], "ONE", ["sin", "exp"]), TIERS[-1])[0]
    # pow builds on exp and log: they come with it
    assert syntax_check(unit(["pow"], "ONE", ["pow", "exp", "log"]), TIERS[-1])[0]
    assert not syntax_check(unit(["pow"], "ONE", ["sin"]), TIERS[-1])[0]


def test_a_kernel_names_the_functions_it_calls():
    x, y = rj.input("x"), rj.input("y")
    jit = rj.JitCompiler()
    source = jit.source_of(rj.sin(x) * rj.pow(abs(x), y) + x % y + x ** 3)
    line = next(line for line in source.splitlines() if line.startswith("#define RJ_VM_FAMILIES"))
    assert set(re.findall(r"RJ_VM_FAMILY_OF\((\w+)\)", line)) == {"sin", "pow", "remainder", "powi"}
    outlined = jit.source_of(rj.cos(x) + rj.cos(x * 2.0) + rj.cos(x * 3.0))   # out of line: rj_k_vf_cos
    assert "RJ_VM_FAMILIES (RJ_VM_FAMILY_OF(cos))" in outlined
    assert assemble.vmath_families("rj_vf_asuint(x)") == "#define RJ_VM_FAMILIES (RJ_VM_FAMILY_OF(asuint))"
    assert assemble.vmath_families("") == "#define RJ_VM_FAMILIES (0)"


@pytest.mark.parametrize("ulp", LEVELS)
def test_kernels_of_a_few_families_give_numpys_values(ulp):
    x, y = rj.input("x"), rj.input("y")
    kernel = rj.JitCompiler(rj.JitConfig(ulp=ulp)).compile(rj.sin(x) * rj.cos(y) + rj.tan(x * 0.5)
                                                           + rj.pow(abs(x), y))
    xs = np.linspace(-3, 3, 101, dtype=np.float32)
    ys = np.linspace(2, -2, 101, dtype=np.float32)
    xd, yd = xs.astype(np.float64), ys.astype(np.float64)
    want = np.sin(xd) * np.cos(yd) + np.tan(xd * 0.5) + np.power(np.abs(xd), yd)
    np.testing.assert_allclose(kernel(xs, ys), want, rtol=3e-6 * ulp, atol=3e-6)
