"""The fields of a `resin-jit warm` manifest entry: a checker per kind of field, each returning
what is wrong with a value or None, and the bounds every value is held to (LIMITS)."""
import math

# Every size a manifest can state, so that no manifest makes the compiler (or the parser) work
# without end: a Mix of 20,000 weights took 91 s and 2 GiB (64 take 0.4 s). The built-in manifest
# is 2 KB of 42 entries, lists of at most 2 numbers, nested 3 deep (4 with a Mix's weights). A recorded
# graph (graph_entry.py) is nested 5 deep and holds at most "nodes" nodes (the demo's patch: 61).
LIMITS = {"bytes": 1 << 20, "depth": 6, "entries": 4096, "list": 64, "names": 16, "text": 64, "digits": 16,
          "magnitude": 2 ** 53, "nodes": 2048}


def _shown(value, limit=60):
    """repr(value), cut short: a message quotes what is wrong, not a megabyte of it."""
    return _cut(repr(value), limit)


def _cut(text, limit):
    return text if len(text) <= limit else text[:limit - 3] + "..."


def _real(value):
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return f"must be a number, not {type(value).__name__}"
    if isinstance(value, float) and not math.isfinite(value):
        return f"must be finite, not {value}"
    if abs(value) > LIMITS["magnitude"]:   # compared as is: a huge int is never converted to float
        return f"must be at most 2**53 in magnitude, not {_shown(value)}"
    return None


def _int_in(lo, hi):
    def check(value):
        if isinstance(value, bool) or not isinstance(value, int) or not lo <= value <= hi:
            return f"must be an int from {lo} to {hi}, not {_shown(value)}"
        return None
    return check


def _one_of(names):
    def check(value):
        if not isinstance(value, str) or value not in names:
            return f"must be one of {', '.join(names)}; got {_shown(value)}"
        return None
    return check


def _bool(value):
    return None if isinstance(value, bool) else f"must be true or false, not {_shown(value)}"


def _text(value):
    return None if len(value) <= LIMITS["text"] else f"must be at most {LIMITS['text']} characters long"


def _argument(value):
    """An audio node's argument: a number, a string (a mode) or a list of numbers (Mix weights)."""
    if isinstance(value, str):
        return _text(value)
    if isinstance(value, list):
        return _list_of(_real)(value)
    return _real(value)


def _list_of(check):
    def checker(value):
        if not isinstance(value, list):
            return f"must be a list, not {type(value).__name__}"
        if len(value) > LIMITS["list"]:
            return f"must be a list of at most {LIMITS['list']} items, not {len(value)}"
        return next((f"[{i}] {p}" for i, p in enumerate(map(check, value)) if p), None)
    return checker


def _names_to(check):
    def checker(value):
        if not isinstance(value, dict) or not all(isinstance(k, str) and not _text(k) for k in value):
            return f"must be an object of named values (names of at most {LIMITS['text']} characters)"
        if len(value) > LIMITS["names"]:
            return f"must hold at most {LIMITS['names']} names, not {len(value)}"
        return next((f"[{k!r}] {p}" for k, p in ((k, check(v)) for k, v in value.items()) if p), None)
    return checker


