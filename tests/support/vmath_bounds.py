"""The accuracy tables, as csrc/vmath_functions.h declares them (read through
resin_jit/front/vmath_table.py): the worst error, in ULP, of each vector-math function by its
README.md row, dtype, tier and accuracy level (JitConfig(ulp=...)). tests/test_vmath_bounds.py
holds README.md's tables to it; the Python accuracy tests measure against it."""
from pathlib import Path

from resin_jit.front.vmath_table import COLUMNS, LEVELS, FUNCTIONS as DECLARED  # noqa: F401 - for the tests
from resin_jit.toolchain import isa

ROOT = Path(__file__).resolve().parent.parent.parent
README = ROOT / "README.md"

# README's rows: the measured functions, then the exact ones (bit for bit the correctly rounded
# result, on one row)
FUNCTIONS = tuple(fn.label for fn in DECLARED if not fn.exact)
EXACT = tuple(fn.label for fn in DECLARED if fn.exact)
BY_LABEL = {fn.label: fn for fn in DECLARED}


def bounds_at(ulp):
    """{README row: {column: worst ULP}} at accuracy level `ulp`."""
    return {fn.label: fn.bound_at(ulp) for fn in DECLARED}


BOUNDS = bounds_at(LEVELS["HALF"])


def bound(name, dtype, config, ulp=None):
    """The declared bound for README row `name` computed in `dtype` by kernels of `config` (a
    JitConfig: its tier, isa, and its accuracy level, resolved_ulp(), or `ulp` where given, as
    compile(..., ulp=) overrides the config's)."""
    fma = "_fma" if isa.TIERS[config.isa].fma else ""
    return BY_LABEL[name].bound_at(config.resolved_ulp() if ulp is None else ulp)[f"{dtype}{fma}"]
