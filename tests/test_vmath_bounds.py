"""The accuracy table, stated three times, says the same each time: README.md (for users), the
comment table of csrc/vmath.h and the bounds tests/c/vmath_check.c holds every function to
(the C battery measures every float through each unary function, tier by tier). The Python
accuracy tests (test_vmath.py, test_vmath_accuracy.py) read their bounds from README.md here."""
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
HEADER = ROOT / "csrc" / "vmath.h"
CHECK = ROOT / "tests" / "c" / "vmath_check.c"

COLUMNS = ("float32_fma", "float32", "float64_fma", "float64")
# the rows the table must have; "exact" rows are bit for bit the correctly rounded result
FUNCTIONS = ("sin", "cos", "tan", "exp", "expm1", "log", "log1p", "log2", "log10", "sinh", "cosh", "tanh", "arcsin",
             "arccos", "arctan", "arcsinh", "arccosh", "arctanh", "arctan2", "hypot", "pow", "x**3", "x**4", "x**-2")
EXACT = ("trunc", "ceil", "round", "sign", "fmod", "copysign", "nextafter", "x**0")
# vmath_check.c's names for the powers
C_NAMES = {"x**3": "pow3", "x**4": "pow4", "x**-2": "powm2", "x**0": "pow0"}


def _number(text):
    return 0.0 if text.strip() == "exact" else float(text)


def readme_bounds():
    """{function: {column: worst ULP}} from README.md's accuracy table (exact rows are 0)."""
    table = {}
    for line in README.read_text().splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) != 5 or not cells[0].startswith("`"):
            continue
        for name in (n.strip("` ") for n in cells[0].split(",")):
            if name in FUNCTIONS or name in EXACT:
                table[name] = dict(zip(COLUMNS, map(_number, cells[1:])))
    return table


BOUNDS = readme_bounds()


def bound(name, dtype, tier):
    """The README's bound for `name` computed in `dtype` on `tier`."""
    fma = "_fma" if tier in ("avx2", "avx512", "neon") else ""
    return BOUNDS[name][f"{dtype}{fma}"]


def test_readme_table_has_every_function():
    assert set(BOUNDS) == set(FUNCTIONS) | set(EXACT)
    for name in EXACT:
        assert set(BOUNDS[name].values()) == {0.0}, name


def test_header_table_states_the_readme_numbers():
    """Each row of vmath.h's table: the function names, then the four numbers of README's row."""
    rows = {}
    for line in HEADER.read_text().split("*/")[0].splitlines():
        m = re.match(r"\s*\*\s+([a-z0-9*,\- ]+?)\s{2,}(exact|[0-9.]+)\s+(exact|[0-9.]+)\s+(exact|[0-9.]+)\s+(exact|[0-9.]+)\s*$",
                     line)
        if m:
            for name in m.group(1).split(","):
                rows[name.strip()] = dict(zip(COLUMNS, map(_number, m.groups()[1:])))
    assert rows == BOUNDS


def test_c_battery_holds_the_readme_numbers():
    """vmath_check.c's BOUNDS rows are {name, float32 FMA, float32, float64 FMA, float64}."""
    text = CHECK.read_text()
    rows = {m.group(1): dict(zip(COLUMNS, map(float, m.groups()[1:])))
            for m in re.finditer(r'\{"(\w+)", ([0-9.]+), ([0-9.]+), ([0-9.]+), ([0-9.]+)\}', text)}
    for name, row in BOUNDS.items():
        assert rows[C_NAMES.get(name, name)] == row, name
