"""The accuracy table, as csrc/vmath_functions.h declares it (read through
resin_jit/front/vmath_table.py): the worst error, in ULP, of each vector-math function by its
README.md row, dtype and tier. tests/test_vmath_bounds.py holds README.md's table to it; the
Python accuracy tests measure against it."""
from pathlib import Path

from resin_jit.front.vmath_table import COLUMNS, FUNCTIONS as DECLARED  # noqa: F401 - COLUMNS for the tests

ROOT = Path(__file__).resolve().parent.parent.parent
README = ROOT / "README.md"

# README's rows: the measured functions, then the exact ones (bit for bit the correctly rounded
# result, on one row)
FUNCTIONS = tuple(fn.label for fn in DECLARED if not fn.exact)
EXACT = tuple(fn.label for fn in DECLARED if fn.exact)
BOUNDS = {fn.label: fn.bound for fn in DECLARED}


def bound(name, dtype, tier):
    """The declared bound for README row `name` computed in `dtype` on `tier`."""
    fma = "_fma" if tier in ("avx2", "avx512", "neon") else ""
    return BOUNDS[name][f"{dtype}{fma}"]
