"""The accuracy table, stated three times, says the same each time: README.md (for users), the
comment table of csrc/vmath.h and the bounds tests/c/vmath_check.c holds every function to
(the C battery measures every float through each unary function, tier by tier). The Python
accuracy tests (test_vmath.py, test_vmath_accuracy.py) read their bounds from README.md through
tests/support/vmath_bounds.py."""
import re

from support.vmath_bounds import BOUNDS, COLUMNS, EXACT, FUNCTIONS, ROOT, _number

HEADER = ROOT / "csrc" / "vmath.h"
CHECK = ROOT / "tests" / "c" / "vmath_check.c"
# vmath_check.c's names for the powers
C_NAMES = {"x**3": "pow3", "x**4": "pow4", "x**-2": "powm2", "x**0": "pow0"}


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
