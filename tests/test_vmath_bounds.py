"""The accuracy table is declared once, with the functions, in csrc/vmath_functions.h (the C battery,
tests/c/vmath_check.c, holds every function to it by including that file); README.md states it
for users, row for row. The Python accuracy tests (test_vmath.py, test_vmath_accuracy.py,
test_vmath_reference.py) read their bounds from the declaration through
tests/support/vmath_bounds.py."""
from support.vmath_bounds import BOUNDS, COLUMNS, DECLARED, EXACT, FUNCTIONS, README


def _cell(value):
    return "exact" if value == 0 else f"{value:g}"


def declared_table():
    """README.md's accuracy table as the declaration gives it, one line a row."""
    rows = [f"| `{name}` | {' | '.join(_cell(BOUNDS[name][c]) for c in COLUMNS)} |" for name in FUNCTIONS]
    rows.append(f"| {', '.join(f'`{name}`' for name in EXACT)} | {' | '.join(['exact'] * len(COLUMNS))} |")
    return rows


def readme_table():
    """README.md's accuracy table: its lines that start with a function's name in backticks."""
    return [line.strip() for line in README.read_text().splitlines()
            if line.startswith("| `") and line.count("|") == len(COLUMNS) + 2]


def test_readme_states_the_declared_table():
    """Row for row, in the declaration's order (a function added to csrc/vmath_functions.h needs
    its README row, and a changed bound its README cell)."""
    expected = "\n".join(declared_table())
    assert "\n".join(readme_table()) == expected, f"README.md's accuracy table should read:\n{expected}"


def test_declared_bounds_are_measured_errors():
    """A function is exact in every column or in none; a measured worst error is at least half an
    ULP (a correctly rounded result is that far from the exact one at worst) and every function
    is faithful (below one ULP)."""
    for fn in DECLARED:
        assert fn.exact or all(0.5 <= b < 1 for b in fn.bounds), (fn.label, fn.bounds)
