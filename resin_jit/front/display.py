"""How an expression prints: as the Python that builds it, `clip(x * 2 + 1, -1, 1)`, with
parentheses only where Python's precedence needs them.

Operators print as operators, ops as resin_jit's function names (`minimum`, `where`, `sqrt`), the
forms rj.clip builds as `clip(...)`, inputs by name, parameters as `param('gain')`, constants as
numbers (integers without `.0`), and other nodes as their repr applied to their inputs. The masks
and conversions resin_jit inserts on its own (a number used as a condition, a mask used as a
number) do not print. Long expressions are cut with `...`."""
import math

from .vmath_table import FUNCTIONS

BINARY = {"add": ("+", 4), "sub": ("-", 4), "mul": ("*", 5), "div": ("/", 5), "remainder": ("%", 5),
          "floor_divide": ("//", 5), "mask_and": ("&", 3), "mask_or": ("|", 2), "lt": ("<", 1), "le": ("<=", 1),
          "gt": (">", 1), "ge": (">=", 1), "eq": ("==", 1), "ne": ("!=", 1)}
UNARY = {"neg": "-", "mask_not": "~"}
NAMES = {"min": "minimum", "max": "maximum", "select": "where", "abs": "abs"}
POWERS = {fn.name: fn.exponent for fn in FUNCTIONS if fn.build == "power"}   # x**3 is pow3(x)
UNARY_LEVEL, POWER_LEVEL, ATOM = 6, 7, 8
LONGEST = 400   # characters of one subexpression before it is cut


def expr_repr(expr):
    """The expression as Python source (see the module's docstring)."""
    return _render(expr, {})[0]


def _render(expr, seen):
    """(text, precedence level) of `expr`; `seen` holds what shared subexpressions gave."""
    key = id(expr)
    if key not in seen:
        text, level = _form(expr, seen)
        seen[key] = (text if len(text) <= LONGEST else text[:LONGEST - 3] + "...", level)
    return seen[key]


def _op(expr):
    key = expr.node.key()
    return key[1] if key[0] == "Op" else None


def _operand(expr, seen, weakest):
    """A child's text, in parentheses when its level is below `weakest`."""
    text, level = _render(expr, seen)
    return f"({text})" if level < weakest else text


def _clip_parts(expr):
    """(x, lo, hi) of the forms rj.clip builds, else None: where(lo != lo, lo, minimum(hi,
    maximum(lo, x))) for bounds of one value, minimum(maximum(x, lo), hi) for array bounds."""
    op, args = _op(expr), expr.args
    if op == "select" and _op(args[0]) == "ne" and _same(args[0].args[0], args[0].args[1], args[1]):
        inner = args[2]
        if _op(inner) == "min" and _op(inner.args[1]) == "max" and _same(inner.args[1].args[0], args[1]):
            return inner.args[1].args[1], args[1], inner.args[0]
    if op == "min" and _op(args[0]) == "max":
        return args[0].args[0], args[0].args[1], args[1]
    return None


def _same(*exprs):
    """Whether the expressions are one (a bound rj.clip used twice: one object, or equal leaves)."""
    first = exprs[0]
    return all(e is first or (not e.args and not first.args and e.node.key() == first.node.key()) for e in exprs)


def _form(expr, seen):
    node, args, op = expr.node, expr.args, _op(expr)
    kind = node.key()[0]
    if kind == "Input":
        return node.name, ATOM
    if kind == "Param":
        return f"param({node.name!r})", ATOM
    if kind == "Const":
        return _number(node.value)
    if kind == "Setting":   # a node's setting, a parameter named when the graph compiles: its value
        return _number(node.default)
    if op is None:
        return _node(expr, seen), ATOM
    clipped = _clip_parts(expr)
    if clipped is not None:
        return f"clip({', '.join(_render(a, seen)[0] for a in clipped)})", ATOM
    if op == "from_mask" or (op == "ne" and _is_zero(args[1]) and _is_condition(args[0])):
        return _render(args[0], seen)   # inserted by resin_jit: a mask as a number, a number as a mask
    if op in BINARY:
        symbol, level = BINARY[op]
        left = _operand(args[0], seen, level + (level == 1))   # comparisons do not chain
        return f"{left} {symbol} {_operand(args[1], seen, level + 1)}", level
    if op == "pow" or op in POWERS:
        return _power(expr, op, seen)
    if op in UNARY:
        return f"{UNARY[op]}{_operand(args[0], seen, UNARY_LEVEL)}", UNARY_LEVEL
    inner = ", ".join(_render(a, seen)[0] for a in args)
    return f"{NAMES.get(op, op)}({inner})", ATOM


def _power(expr, op, seen):
    if len(expr.args) == 2:
        base, exponent = _operand(expr.args[0], seen, ATOM), _operand(expr.args[1], seen, UNARY_LEVEL)
        return f"{base} ** {exponent}", POWER_LEVEL
    return f"{_operand(expr.args[0], seen, ATOM)} ** {_number(POWERS[op])[0]}", POWER_LEVEL


def _node(expr, seen):
    """Another node applied to its inputs: an audio node as it is built, `Gain(gain=0.5)(x)`."""
    node, texts = expr.node, [_render(a, seen)[0] for a in expr.args]
    settings, signals = getattr(node, "settings", None), getattr(node, "inputs", None)
    if isinstance(settings, tuple) and isinstance(signals, int) and len(texts) == signals + len(settings):
        named = ", ".join(f"{k}={v}" for k, v in zip(settings, texts[signals:]))
        return f"{type(node).__name__}({named})({', '.join(texts[:signals])})"
    return f"{node!r}({', '.join(texts)})" if texts else repr(node)


def _number(value):
    """(text, level) of a constant: integers without `.0`; a negative one is a unary minus."""
    negative_zero = value == 0 and math.copysign(1.0, value) < 0
    if math.isfinite(value) and value == int(value) and abs(value) < 1e16 and not negative_zero:
        text = str(int(value))
    else:
        text = repr(value) if math.isfinite(value) else f"float({str(value)!r})"
    return text, UNARY_LEVEL if text.startswith("-") else ATOM


def _is_zero(expr):
    return expr.node.key()[0] == "Const" and expr.node.value == 0.0


def _is_condition(expr):
    """Whether `expr` is a number used as a condition (not itself a mask): resin_jit compares it to 0."""
    return not getattr(expr.node, "mask", False)
