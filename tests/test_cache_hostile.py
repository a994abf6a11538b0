"""Issue 9: the disk cache against a hostile or broken world: directories that are not ours,
files swapped or replaced by something else, a full or read-only disk, libraries that do not load.

Processes are real subprocesses where it matters (test_cache_trust.py's probe); a tiny full or
read-only filesystem is a tmpfs mounted for the test (root only).
"""
import errno

import pytest

from resin_jit import build
from resin_jit.errors import JitCompileError

# -- the compiler says the disk stopped it ------------------------------------------------------------

FAKE_CC = """#!/bin/sh
if [ "$LC_ALL" = C ]; then echo "{english}"; else echo "ld: Schreiben fehlgeschlagen: kein Speicherplatz"; fi >&2
exit 1
"""


def fake_compiler(tmp_path, says):
    path = tmp_path / "fake-cc"
    path.write_text(FAKE_CC.format(english=says))
    path.chmod(0o755)
    return build.Toolchain(str(path), "fake 1.0")


@pytest.mark.parametrize("says, code", [
    ("/usr/bin/ld: final link failed: No space left on device", errno.ENOSPC),
    ("cc1: fatal error: error writing to /tmp/ccA.s: Disk quota exceeded", errno.EDQUOT),
    ("/usr/bin/ld: cannot open output file k.so: Read-only file system", errno.EROFS)])
def test_a_compiler_stopped_by_the_disk_raises_that_oserror(tmp_path, says, code):
    with pytest.raises(OSError) as caught:
        build.compile_library("int x;", fake_compiler(tmp_path, says), [], tmp_path)
    assert caught.value.errno == code and not isinstance(caught.value, JitCompileError)
    assert says in caught.value.__cause__.output  # what the compiler said is kept for whoever looks


def test_the_words_inside_a_compile_error_are_still_a_compile_error(tmp_path):
    says = 'k.c:3:7: error: expected identifier before string constant\\n    3 | int "No space left on device";'
    with pytest.raises(JitCompileError):
        build.compile_library("int x;", fake_compiler(tmp_path, says), [], tmp_path)
