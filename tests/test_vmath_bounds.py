"""The accuracy tables are declared once, with the functions, in csrc/vmath_functions.h: a
function's row gives its bounds at the 0.5-ULP level, its RJ_VM_LEVEL_BOUNDS rows those at 1 and
4 ULP (the C battery, tests/c/vmath_check.c, holds every function to the table of the level it is
built at by including that file); README.md states one table per level, row for row. The Python
accuracy tests (test_vmath.py, test_vmath_accuracy.py, test_vmath_reference.py) read their bounds
from the declaration through tests/support/vmath_bounds.py."""
import re

import pytest

from resin_jit.config import ULP_LEVELS

from support.vmath_bounds import COLUMNS, DECLARED, EXACT, FUNCTIONS, LEVELS, README, bounds_at

HEADER = re.compile(r"^\| function, ulp=(\S+) \| float32, FMA tiers \| float32, other tiers \| "
                    r"float64, FMA tiers \| float64, other tiers \|$")


def _cell(value):
    return "exact" if value == 0 else f"{value:g}"


def declared_table(ulp):
    """README.md's accuracy table at level `ulp` as the declaration gives it, one line a row."""
    bounds = bounds_at(ulp)
    rows = [f"| `{name}` | {' | '.join(_cell(bounds[name][c]) for c in COLUMNS)} |" for name in FUNCTIONS]
    rows.append(f"| {', '.join(f'`{name}`' for name in EXACT)} | {' | '.join(['exact'] * len(COLUMNS))} |")
    return rows


def readme_tables():
    """{ulp: its table's rows} of README.md: each table opens with a HEADER naming its level; its
    rows are the lines after it that start with a function's name in backticks."""
    tables, rows = {}, None
    for line in README.read_text().splitlines():
        line = line.strip()
        if m := HEADER.match(line):
            rows = tables.setdefault(float(m.group(1)), [])
        elif rows is not None and line.startswith("| `") and line.count("|") == len(COLUMNS) + 2:
            rows.append(line)
        elif not line.startswith("| ---"):
            rows = None
    return tables


def test_the_levels_are_the_configs():
    assert sorted(LEVELS.values()) == sorted(ULP_LEVELS)


def test_readme_has_one_table_per_level():
    assert sorted(readme_tables()) == sorted(ULP_LEVELS)


@pytest.mark.parametrize("ulp", ULP_LEVELS)
def test_readme_states_the_declared_table(ulp):
    """Row for row, in the declaration's order (a function added to csrc/vmath_functions.h needs
    its README row in every table, and a changed bound its README cell)."""
    expected = "\n".join(declared_table(ulp))
    assert "\n".join(readme_tables().get(ulp, [])) == expected, \
        f"README.md's accuracy table at ulp={ulp:g} should read:\n{expected}"


@pytest.mark.parametrize("ulp", ULP_LEVELS)
def test_declared_bounds_are_measured_errors(ulp):
    """A function is exact in every column or in none; a measured worst error is at least half an
    ULP (a correctly rounded result is that far from the exact one at worst) and within the
    level: below one ULP (faithful) at 0.5 and 1, at most 4 ULP at 4."""
    for fn in DECLARED:
        bounds = fn.bounds_at(ulp)
        within = (lambda b: b <= ulp) if ulp > 1 else (lambda b: b < 1)
        assert fn.exact or all(0.5 <= b and within(b) for b in bounds), (fn.label, ulp, bounds)
