"""Issue 11: csrc/vsa_dense.h and vsa_packed.h stand alone. Given only the macros their top
comments list (RJ_DIM and an operation's parameters) and the tier's flags, each compiles on its
own, warning-free, and every macro and function it adds is rj_/RJ_-prefixed, so a template may
include it beside other headers without names colliding."""
import re
import subprocess

import pytest

from resin_jit.toolchain import isa
from resin_jit.toolchain.host import find_compiler
from resin_jit.codegen.resources import csrc_dir

from support import TIERS, needs_native

# every optional section switched on: a reduction's terms and score, a bundle's count, a shift
GIVEN = {
    "dense": ["#define RJ_TOTALS(X) X(product) X(differ) X(nonzero_a) X(nonzero_b)"],
    "packed": ["#define RJ_TOTALS(X) X(same) X(opposite) X(differ) X(nonzero_x) X(nonzero_y)",
               "#define RJ_SCORE(t) (t.same - t.opposite)"],
}
ENTRY = {"dense": "rj_dense_bundle", "packed": "rj_similarity_normed"}   # one each of the entries listed
COMMON = ["#define RJ_DIM ((int64_t)1000)", "#define RJ_K 3", "#define RJ_SHIFT ((int64_t)5)"]


# gcc's, whatever CC says: -fkeep-inline-functions (every static inline function emitted, so that
# nm lists their names) is gcc's alone. clang and zig build these headers in tests/test_compilers.py.
GCC = find_compiler("gcc")


def compile_command(tier):
    return [GCC, "-std=gnu11", *isa.compile_flags(tier), "-I", str(csrc_dir())]


def macros(command, source):
    listing = subprocess.run([*command, "-E", "-dM", str(source)], capture_output=True, text=True, check=True).stdout
    return set(re.findall(r"^#define (\w+)", listing, re.M))


@needs_native
@pytest.mark.skipif(GCC is None, reason="listing every inline function's name needs gcc's -fkeep-inline-functions")
@pytest.mark.parametrize("layout", ["dense", "packed"])
@pytest.mark.parametrize("tier", sorted({"scalar", TIERS[-1]}))
def test_a_layout_header_stands_alone_with_rj_names(tmp_path, layout, tier):
    given = "\n".join(COMMON + GIVEN[layout]) + "\n"
    alone = tmp_path / "alone.c"
    alone.write_text(given + f'#include "vsa_{layout}.h"\n')
    system = tmp_path / "system.c"   # what the headers include from the C library
    system.write_text(given + "#include <stdint.h>\n#include <string.h>\n")
    command = compile_command(tier)
    obj = tmp_path / "alone.o"
    built = subprocess.run([*command, "-Wall", "-Wextra", "-Werror", "-O0", "-fkeep-inline-functions", "-c",
                            str(alone), "-o", str(obj)], capture_output=True, text=True)
    assert built.returncode == 0, built.stderr
    added = macros(command, alone) - macros(command, system)
    assert added and not {m for m in added if not m.startswith("RJ_")}
    symbols = subprocess.run(["nm", "--defined-only", str(obj)], capture_output=True, text=True, check=True).stdout
    functions = {line.split()[-1] for line in symbols.splitlines() if line.split()[1] in "tT"}
    assert ENTRY[layout] in functions and not {f for f in functions if not f.startswith("rj_")}
