"""resin_jit/front/abi.py states the call ABI of csrc/rj_abi.h, which every kernel and the _dispatch
extension are built against: the version (part of every kernel's key, so that no kernel built for
another ABI is loaded), the most buffers a call carries, and the status codes an entry returns.
Each is held here to the header's own #define, read from its text."""
import re

import pytest

from resin_jit.codegen.resources import csrc_dir
from resin_jit.front import abi
from resin_jit.runtime import load

DEFINE = re.compile(r"^[ \t]*#[ \t]*define[ \t]+(RJ_\w+)[ \t]+(-?\d+)\b", re.M)


def header_numbers():
    """{name: value} of each #define in rj_abi.h whose value is a plain integer."""
    return {name: int(value) for name, value in DEFINE.findall((csrc_dir() / "rj_abi.h").read_text())}


def test_the_header_is_read():
    """The reading itself finds the names the tests below compare (and no macro that is not a number)."""
    numbers = header_numbers()
    assert {"RJ_ABI_VERSION", "RJ_MAX_ARGS", "RJ_OK", "RJ_ERR_LENGTH", "RJ_ERR_ARGUMENT"} <= set(numbers), numbers
    assert "RJ_EXPORT" not in numbers and "RJ_ABI_H" not in numbers


def test_abi_version_is_the_headers():
    assert abi.ABI_VERSION == header_numbers()["RJ_ABI_VERSION"]


def test_max_args_is_the_headers():
    assert abi.MAX_ARGS == header_numbers()["RJ_MAX_ARGS"]


@pytest.mark.skipif(load._dispatch is None, reason="the _dispatch extension is not built here")
def test_the_built_dispatcher_has_the_headers_max_args():
    """The extension loaded now was built from the header it is held to (a stale build would not be)."""
    assert load._dispatch.MAX_ARGS == header_numbers()["RJ_MAX_ARGS"] == abi.MAX_ARGS


def test_status_codes_are_the_headers():
    """Every RJ_OK/RJ_ERR_* the header defines, and only those, with the header's values."""
    numbers = header_numbers()
    statuses = {name: value for name, value in numbers.items() if name == "RJ_OK" or name.startswith("RJ_ERR_")}
    assert abi.STATUS == statuses
    assert statuses["RJ_OK"] == 0 and len(set(statuses.values())) == len(statuses)   # distinct codes
