"""JSON from outside (a manifest), read within stated bounds before the parser meets it.

json.loads alone reads what it is given: a file of gigabytes (or /dev/zero) whole, an int of
4,000 digits converted digit by digit, 100,000 nested brackets recursed into (a RecursionError,
or with a raised recursion limit a crash). Here each is a ValueError saying which bound it broke.
"""
import itertools
import json
import re

_STRING = re.compile(r'"(?:[^"\\]|\\.)*"')
_NOT_BRACKET = re.compile(r"[^][{}]+")


def load(path, max_bytes, max_depth, max_digits):
    """The JSON value of the file at `path` (UTF-8), reading at most max_bytes + 1 bytes of it."""
    with open(path, "rb") as file:
        data = file.read(max_bytes + 1)
    return loads(data, max_bytes, max_depth, max_digits)


def loads(data, max_bytes, max_depth, max_digits):
    """The JSON value of `data` (bytes): at most max_bytes long, lists and objects nested at most
    max_depth deep, integers of at most max_digits digits; else ValueError."""
    if len(data) > max_bytes:
        raise ValueError(f"more than {max_bytes:,} bytes")
    text = data.decode("utf-8")
    if nesting_depth(text) > max_depth:
        raise ValueError(f"lists and objects nested more than {max_depth} deep")

    def bounded_int(digits):
        count = len(digits.lstrip("-"))
        if count > max_digits:
            raise ValueError(f"a number of {count} digits (at most {max_digits})")
        return int(digits)
    return json.loads(text, parse_int=bounded_int)


def nesting_depth(text):
    """How deep the brackets of JSON text nest, strings left out (text that is not JSON gets a
    depth too, and then the parser's own error)."""
    brackets = _NOT_BRACKET.sub("", _STRING.sub("", text))
    return max(itertools.accumulate(1 if b in "[{" else -1 for b in brackets), default=0)
