"""The vector-math functions, as csrc/vmath_functions.h declares them: one row each, which the C
headers, the C battery and (through this module) the op table, the public functions rj.NAME and
the tests' accuracy bounds at each level (JitConfig(ulp=...)) all read, so that adding a function
is its algorithm, its rows and its README.md rows.

The header is read once, at import. Its rows are C macro calls whose arguments are identifiers,
decimal numbers and string literals; anything else is a ValueError naming the line.
"""
import importlib.resources
import re
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

HEADER = "vmath_functions.h"
COLUMNS = ("float32_fma", "float32", "float64_fma", "float64")   # the accuracy table's columns
# the accuracy levels (JitConfig(ulp=...)) by the names csrc/vmath.h gives them (RJ_VM_LEVEL_NAME):
# a function row's bounds are HALF's; RJ_VM_LEVEL_BOUNDS rows give the others'
LEVELS = {"HALF": 0.5, "ONE": 1.0, "FOUR": 4.0}
_BOUNDS = tuple(f"bound_{c}" for c in COLUMNS)
_FUNCTION_FIELDS = ("name", "numpy", "reference", *_BOUNDS, "summary", "returns")
# each row macro: its fields, and for a function its build (how its C comes to be) and arity
_ROWS = {
    "RJ_VM_UNARY": (_FUNCTION_FIELDS, "core", 1),
    "RJ_VM_BINARY": (_FUNCTION_FIELDS, "core", 2),
    "RJ_VM_TYPED_UNARY": (_FUNCTION_FIELDS, "typed", 1),
    "RJ_VM_TYPED_BINARY": (_FUNCTION_FIELDS, "typed", 2),
    "RJ_VM_POWER": (("name", "exponent", *_BOUNDS), "power", 1),
    "RJ_VM_LEVEL_BOUNDS": (("name", "level", *_BOUNDS), None, None),
    "RJ_VM_RANGE": (("name", "lo", "hi", "both_signs"), None, 1),
    "RJ_VM_RANGE2": (("name", "xlo", "xhi", "ylo", "yhi", "both_signs"), None, 2),
}
_TEXT_FIELDS = {"summary", "returns"}
_NAME_FIELDS = {"name", "numpy", "reference"}
_INT_FIELDS = {"exponent", "both_signs"}
_LEVEL_FIELDS = {"level"}


@dataclass(frozen=True)
class VmathFunction:
    """One declared function. `name` is its op (and, but for powers, rj.NAME and the C name
    rj_vX_NAME); `label` its row in README.md's accuracy table."""
    name: str
    arity: int
    build: str              # "core" (a double algorithm and a float core), "typed" or "power"
    numpy: str              # numpy's ufunc, numpy.NUMPY (a power: numpy.power with the exponent)
    reference: str          # the C battery's reference (libm's REFERENCE and REFERENCEl)
    bounds: tuple           # worst ULP for COLUMNS at the 0.5-ULP level; 0 is exact
    summary: str = ""
    returns: str = ""
    exponent: int = None    # a power's constant exponent
    # where its accuracy is measured: ranges, each one (lo, hi, both signs) per argument, drawn
    # log-uniform where lo > 0, uniform otherwise, with random signs where both signs is 1
    ranges: tuple = ()
    # ((ulp, bounds), ...): its worst ULP for COLUMNS at the other levels (a measured function's)
    level_bounds: tuple = ()

    @property
    def label(self):
        return f"x**{self.exponent}" if self.build == "power" else self.name

    @property
    def public(self):
        """Whether it is a function rj.NAME (powers are spelled x**k, rj.pow and np.power)."""
        return self.build != "power"

    @property
    def exact(self):
        return not any(self.bounds)

    @property
    def bound(self):
        """{column: worst ULP} (COLUMNS) at the 0.5-ULP level."""
        return dict(zip(COLUMNS, self.bounds))

    def bounds_at(self, ulp):
        """Its worst ULP for COLUMNS at accuracy level `ulp` (0.5, 1.0 or 4.0)."""
        if ulp not in LEVELS.values():
            raise ValueError(f"no accuracy level {ulp!r}; the levels are {', '.join(map(str, LEVELS.values()))}")
        return self.bounds if ulp == LEVELS["HALF"] or self.exact else dict(self.level_bounds)[ulp]

    def bound_at(self, ulp):
        """{column: worst ULP} (COLUMNS) at accuracy level `ulp`."""
        return dict(zip(COLUMNS, self.bounds_at(ulp)))

    @property
    def c_rule(self):
        """The op's C, in ops.py's notation."""
        if self.build == "power":
            return f"{{p}}_powi({{0}}, {self.exponent})"
        return f"{{p}}_{self.name}({', '.join(f'{{{k}}}' for k in range(self.arity))})"

    @property
    def numpy_function(self):
        """The numpy function of the operands that is the op's reference."""
        if self.build == "power":
            exponent = self.exponent
            return lambda x: np.power(x, exponent)
        return getattr(np, self.numpy)


_TOKEN = re.compile(r"""
    (?P<directive>^[ \t]*\#[^\n]*)          # a preprocessor line (the defaults, the #undefs)
  | (?P<comment>/\*.*?\*/|//[^\n]*)
  | (?P<space>\s+)
  | (?P<text>"[^"\\\n]*")                 # a string literal without escapes
  | (?P<name>[A-Za-z_]\w*)
  | (?P<number>[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)
  | (?P<punctuation>[(),])
  | (?P<other>.)""", re.M | re.S | re.X)


def _error(line, message):
    return ValueError(f"{HEADER} line {line}: {message}")


def _tokens(text):
    """(line, kind, token) of the rows: preprocessor lines, comments and spaces dropped."""
    line = 1
    for m in _TOKEN.finditer(text):
        if m.lastgroup == "other":
            raise _error(line, f"unexpected {m.group()!r}")
        if m.lastgroup not in ("directive", "comment", "space"):
            yield line, m.lastgroup, m.group()
        line += m.group().count("\n")


def _rows(text):
    """(line, macro, [(kind, value) per argument]) per row."""
    tokens = list(_tokens(text)) + [(None, "end", "")]
    i = 0
    while tokens[i][1] != "end":
        line, kind, macro = tokens[i]
        if kind != "name" or macro not in _ROWS or tokens[i + 1][2] != "(":
            raise _error(line, f"expected a row (one of {', '.join(_ROWS)}), got {macro!r}")
        args, i = [[]], i + 2
        while tokens[i][2] != ")":
            if tokens[i][1] == "end":
                raise _error(line, f"{macro} is not closed")
            if tokens[i][2] == "(":
                raise _error(tokens[i][0], "nested parentheses in a row")
            if tokens[i][2] == ",":
                args.append([])
            else:
                args[-1].append(tokens[i][1:])
            i += 1
        yield line, macro, [_argument(line, macro, parts) for parts in args]
        i += 1


def _argument(line, macro, parts):
    """One argument as (kind, value): ("text", its string literals joined, as C joins them),
    ("name", an identifier) or ("number", a float)."""
    if parts and all(kind == "text" for kind, _ in parts):
        return "text", "".join(token[1:-1] for _, token in parts)
    if len(parts) != 1:
        raise _error(line, f"{macro} has an argument that is not one identifier, number or string")
    kind, token = parts[0]
    return kind, float(token) if kind == "number" else token


def _field(line, macro, field, argument):
    """A row's field, checked for its kind."""
    kind, value = argument
    if field in _LEVEL_FIELDS:
        if kind != "name" or value not in LEVELS or value == "HALF":
            raise _error(line, f"{macro}'s {field} must be ONE or FOUR (a function's own row is HALF's), got {value!r}")
        return LEVELS[value]
    expected = "text" if field in _TEXT_FIELDS else "name" if field in _NAME_FIELDS else "number"
    if kind != expected or (kind == "name" and not re.fullmatch(r"[a-z_][a-z0-9_]*", value)):
        what = {"text": "a string", "name": "a lowercase C name", "number": "a number"}[expected]
        raise _error(line, f"{macro}'s {field} must be {what}, got {value!r}")
    if field == "both_signs" and value not in (0, 1):
        raise _error(line, f"{macro}'s {field} must be 0 or 1")
    if field in _INT_FIELDS and value != int(value):
        raise _error(line, f"{macro}'s {field} must be an integer")
    return int(value) if field in _INT_FIELDS else value


def _function(line, row, build, arity):
    """A function row as a VmathFunction (its ranges come after it)."""
    bounds = tuple(row.pop(b) for b in _BOUNDS)
    if any(b < 0 for b in bounds):
        raise _error(line, f"{row['name']!r} has a negative bound")
    if build == "power":
        row.update(numpy="power", reference=f"ref_{row['name']}")
    elif not isinstance(getattr(np, row["numpy"], None), np.ufunc) or getattr(np, row["numpy"]).nin != arity:
        raise _error(line, f"numpy.{row['numpy']} is not a numpy ufunc of {arity} argument(s)")
    return VmathFunction(arity=arity, build=build, bounds=bounds, **row)


def _range(line, row, arity):
    """A range row as (lo, hi, both signs) per argument."""
    signs = row["both_signs"]
    per_argument = (((row["lo"], row["hi"], signs),) if arity == 1 else
                    ((row["xlo"], row["xhi"], signs), (row["ylo"], row["yhi"], signs)))
    if any(lo >= hi for lo, hi, _ in per_argument):
        raise _error(line, f"an empty range for {row['name']!r}")
    return per_argument


def _level_bounds(line, row, fn, levels):
    """A RJ_VM_LEVEL_BOUNDS row of `fn` checked and added to `levels` ({ulp: bounds})."""
    bounds = tuple(row[b] for b in _BOUNDS)
    if fn.exact:
        raise _error(line, f"{fn.name!r} is exact at every level: it has no RJ_VM_LEVEL_BOUNDS rows")
    if any(b <= 0 for b in bounds):
        raise _error(line, f"{fn.name!r} has a bound of 0 or less at ulp={row['level']:g} (exact only in its own row)")
    if row["level"] in levels:
        raise _error(line, f"{fn.name!r} has two RJ_VM_LEVEL_BOUNDS rows at ulp={row['level']:g}")
    levels[row["level"]] = bounds


def parse(text):
    """The functions a vmath_functions.h text declares, in its order, each with its ranges and
    its bounds at every level."""
    functions, ranges, levels = {}, {}, {}
    for line, macro, args in _rows(text):
        fields, build, arity = _ROWS[macro]
        if len(args) != len(fields):
            raise _error(line, f"{macro} takes {len(fields)} arguments ({', '.join(fields)}), got {len(args)}")
        row = {f: _field(line, macro, f, a) for f, a in zip(fields, args)}
        name = row["name"]
        if macro == "RJ_VM_LEVEL_BOUNDS":
            if name not in functions:
                raise _error(line, f"{macro} for {name!r}, which is not a declared function")
            _level_bounds(line, row, functions[name], levels[name])
        elif build is None:
            if name not in functions or functions[name].arity != arity:
                raise _error(line, f"{macro} for {name!r}, which is not a declared function of {arity} argument(s)")
            ranges[name].append(_range(line, row, arity))
        elif name in functions:
            raise _error(line, f"{name!r} is declared twice")
        else:
            functions[name], ranges[name], levels[name] = _function(line, row, build, arity), [], {}
    others = sorted(set(LEVELS.values()) - {LEVELS["HALF"]})
    for name, fn in functions.items():
        if not ranges[name]:
            raise ValueError(f"{HEADER}: {name!r} has no RJ_VM_RANGE row")
        if not fn.exact and sorted(levels[name]) != others:
            raise ValueError(f"{HEADER}: {name!r} needs one RJ_VM_LEVEL_BOUNDS row for each of ONE and FOUR")
        functions[name] = replace(fn, ranges=tuple(ranges[name]), level_bounds=tuple(sorted(levels[name].items())))
    return tuple(functions.values())


def header_text():
    """csrc/vmath_functions.h's text: inside the package in a wheel (read as a resource, so a
    zipped package reads it too), beside it in a source tree (as codegen.resources finds csrc/,
    which front/ does not import: it is the first stage). None if neither has it."""
    try:
        return (importlib.resources.files("resin_jit") / "csrc" / HEADER).read_text(encoding="utf-8-sig")
    except (FileNotFoundError, NotADirectoryError):
        pass
    beside = Path(__file__).resolve().parent.parent.parent / "csrc" / HEADER
    return beside.read_text(encoding="utf-8-sig") if beside.is_file() else None


def _declared():
    """The declared functions. A copy of the package without csrc/ (a folder copied out of a
    source tree) is no installation of resin_jit: it cannot build kernels, and rj.sin would not
    exist; ImportError says so at once rather than an AttributeError later."""
    text = header_text()
    if text is None:
        raise ImportError(f"resin_jit: csrc/{HEADER} is in neither the package nor beside it: this copy of "
                          f"resin_jit is incomplete; install it with pip (pip install resin_jit, or pip install "
                          f"-e . in a source tree)")
    return parse(text)


FUNCTIONS = _declared()
BY_NAME = {fn.name: fn for fn in FUNCTIONS}
