"""README.md's accuracy table, read: the worst error, in ULP, README.md states for each vector-math
function, dtype and tier (tests/test_vmath_bounds.py holds csrc/vmath.h's table and
tests/c/vmath_check.c's bounds to it; the Python accuracy tests measure against it)."""
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent.parent
README = ROOT / "README.md"

COLUMNS = ("float32_fma", "float32", "float64_fma", "float64")
# the rows the table must have; "exact" rows are bit for bit the correctly rounded result
FUNCTIONS = ("sin", "cos", "tan", "exp", "expm1", "log", "log1p", "log2", "log10", "sinh", "cosh", "tanh", "arcsin",
             "arccos", "arctan", "arcsinh", "arccosh", "arctanh", "arctan2", "hypot", "pow", "x**3", "x**4", "x**-2")
EXACT = ("trunc", "ceil", "round", "sign", "fmod", "copysign", "nextafter", "x**0")


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
