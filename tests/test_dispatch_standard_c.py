"""Issue 19, item 6: the dispatcher extension is standard C11, so MSVC builds it for the Windows
wheel (csrc/dispatch*.c and what they include from csrc/: dispatch.h, dispatch_kernel.h,
rj_abi.h). No MSVC here, so three views of it stand in:

- gcc and clang compile each file with -std=c11 -Wpedantic -Wvla -Wall -Wextra -Werror (Python's
  headers as system headers: their warnings are not ours). That rejects what is syntax: statement
  expressions, case ranges, zero-length arrays, `typeof`, VLAs, binary constants, `a ?: b`.
- what a compiler that is not GNU sees: each file preprocessed with no predefined macro but
  MSVC's (or a unix's, for a compiler that is neither GNU nor MSVC), every header but standard C's
  (those MSVC has), Python's and the system's own (windows.h; POSIX's on unix) missing. What is
  left must spell nothing of GNU C (__attribute__, __builtin_*, __typeof__, asm, __int128,
  __thread, __sync_*/__atomic_*), which -Wpedantic lets through, and on Windows no pthread_*.
- the byte order: without GNU's predefined __BYTE_ORDER__ (MSVC has none), the dispatcher still
  knows which byte order is foreign to this machine's numpy arrays.

And setup.py hands each compiler family its own spelling of the flags (MSVC: /O2 /W3 /std:c11).

Not here: a compile for a Windows target (mingw-w64, zig cc -target x86_64-windows-gnu). Python's
headers on this machine are Linux's: their pyconfig.h has POSIX headers included (select's) and
long 8 bytes wide, and no Windows pyconfig.h ships with this Python.
"""
import os
import re
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
CSRC = ROOT / "csrc"
SOURCES = sorted(CSRC.glob("dispatch*.c"))
PYTHON_INCLUDE = sysconfig.get_paths()["include"]
COMPILERS = {"gcc": shutil.which("gcc"), "clang": shutil.which("clang")}
if os.environ.get("CI") and not all(COMPILERS.values()):
    raise RuntimeError("CI must provide gcc and clang (.ci/run installs clang): the dispatcher is held to "
                       "standard C by both")
STRICT = ["-std=c11", "-Wpedantic", "-Wvla", "-Wall", "-Wextra", "-Wshadow", "-Werror"]

# Standard C headers MSVC has (not threads.h, stdatomic.h, complex.h, tgmath.h) and Python's: on a
# compiler that is not GNU, the dispatcher includes no other but its system's (each view's own).
STANDARD_HEADERS = ("assert.h ctype.h errno.h float.h inttypes.h iso646.h limits.h locale.h math.h setjmp.h "
                    "signal.h stdalign.h stdarg.h stdbool.h stddef.h stdint.h stdio.h stdlib.h string.h time.h "
                    "uchar.h wchar.h wctype.h Python.h structmember.h").split()
# Each compiler that is not GNU: its predefined macros (MSVC's for x64; a unix's and none of a
# compiler's), the system headers it has besides, and what its code may not name.
NON_GNU_VIEWS = {
    "msvc": (["-D_WIN32=1", "-D_WIN64=1", "-D_MSC_VER=1940", "-D_M_X64=100", "-D_M_AMD64=100"],
             ["windows.h", "intrin.h"], re.compile(r"\bpthread_\w+")),
    "unix": (["-D__unix__=1", "-D__unix=1", "-Dunix=1"],
             ["pthread.h", "unistd.h", "dlfcn.h", "fcntl.h", *(f"sys/{name}.h" for name in ("types", "stat", "mman"))],
             None),
}
GNU_SPELLINGS = re.compile(
    r"\b(__attribute__|__attribute|__builtin_\w+|__sync_\w+|__atomic_\w+|typeof|__typeof__|__typeof|"
    r"__extension__|asm|__asm__|__asm|__int128|__thread|__label__|__auto_type|__inline__|__alignof__|"
    r"__volatile__|__const__|__signed__|__real__|__imag__)\b")
STATEMENT_EXPRESSION = re.compile(r"\(\s*\{")
CASE_RANGE = re.compile(r"\bcase\b[^:;]*\.\.\.")
LITERALS = re.compile(r'"(?:\\.|[^"\\\n])*"|\'(?:\\.|[^\'\\\n])*\'')


def compiler(name):
    if COMPILERS[name] is None:
        pytest.skip(f"{name} is not installed")
    return COMPILERS[name]


def any_compiler():
    return COMPILERS["gcc"] or compiler("clang")


def run(command):
    return subprocess.run(command, capture_output=True, text=True, timeout=120)


@pytest.mark.parametrize("source", SOURCES, ids=lambda p: p.name)
@pytest.mark.parametrize("cc", list(COMPILERS))
def test_the_dispatcher_compiles_as_pedantic_c11(cc, source):
    proc = run([compiler(cc), *STRICT, "-isystem", PYTHON_INCLUDE, "-I", str(CSRC), "-fsyntax-only", str(source)])
    assert proc.returncode == 0 and not proc.stderr.strip(), proc.stderr


def seen_by_a_compiler_that_is_not_gnu(source, view, tmp_path):
    """The dispatcher's code after preprocessing with only the view's predefined macros, and only
    the headers it may include (empty stand-ins: Python's and the C library's GNU paths are theirs)."""
    macros, system_headers, _ = NON_GNU_VIEWS[view]
    stubs = tmp_path / "include"
    for header in STANDARD_HEADERS + system_headers:
        (stubs / header).parent.mkdir(parents=True, exist_ok=True)
        (stubs / header).write_text("")
    proc = run([any_compiler(), "-E", "-P", "-undef", "-nostdinc", *macros, "-I", str(stubs), "-I", str(CSRC),
                str(source)])
    assert proc.returncode == 0, f"{source.name} as a {view} compiler sees it:\n{proc.stderr}"
    return LITERALS.sub('""', proc.stdout)


@pytest.mark.parametrize("source", SOURCES, ids=lambda p: p.name)
@pytest.mark.parametrize("view", list(NON_GNU_VIEWS))
def test_a_compiler_that_is_not_gnu_sees_no_gnu_c(source, view, tmp_path):
    code = seen_by_a_compiler_that_is_not_gnu(source, view, tmp_path)
    assert "rj_" in code   # the view is of the dispatcher's code, not of nothing
    not_here = NON_GNU_VIEWS[view][2]
    found = sorted(set(GNU_SPELLINGS.findall(code)) | set(not_here.findall(code) if not_here else ()))
    found += [f"statement expression: {m.group()!r}" for m in STATEMENT_EXPRESSION.finditer(code)]
    found += [f"case range: {m.group()!r}" for m in CASE_RANGE.finditer(code)]
    assert not found, f"{source.name}, unguarded GNU C: {found}"


@pytest.mark.parametrize("gnu_byte_order_macros", [True, False], ids=["gnu", "msvc-like"])
@pytest.mark.parametrize("cc", list(COMPILERS))
def test_the_dispatcher_knows_the_foreign_byte_order_without_gnu_macros(cc, gnu_byte_order_macros, tmp_path):
    """A '>f8' array on a little-endian machine must not pass for a native one (and '<' must):
    numpy's descr byteorder read straight from the object (csrc/dispatch_args.c)."""
    foreign = ">" if sys.byteorder == "little" else "<"
    probe = tmp_path / "probe.c"
    probe.write_text(f'#include "dispatch_args.c"\n'
                     f'_Static_assert(RJ_FOREIGN_ORDER == \'{foreign}\', "the foreign byte order is {foreign}");\n')
    undefine = [] if gnu_byte_order_macros else ["-U__BYTE_ORDER__", "-U__ORDER_LITTLE_ENDIAN__",
                                                  "-U__ORDER_BIG_ENDIAN__"]
    proc = run([compiler(cc), *STRICT, *undefine, "-isystem", PYTHON_INCLUDE, "-I", str(CSRC), "-fsyntax-only",
                str(probe)])
    assert proc.returncode == 0, proc.stderr


# ---- setup.py: each compiler family its flags ------------------------------------------------------

def setup_arguments(monkeypatch):
    """What setup.py passes to setup(), read by running it with setup() recording instead."""
    import setuptools
    captured = {}
    monkeypatch.setattr(setuptools, "setup", lambda **arguments: captured.update(arguments))
    path = ROOT / "setup.py"
    exec(compile(path.read_text(), str(path), "exec"), {"__file__": str(path), "__name__": "setup_py"})
    return captured


@pytest.mark.parametrize("compiler_type, flags", [
    ("msvc", ["/O2", "/W3", "/std:c11"]),
    ("unix", ["-O2", "-Wall", "-Wshadow"]),
    ("mingw32", ["-O2", "-Wall", "-Wshadow"]),
])
def test_setup_builds_the_dispatcher_with_its_compiler_s_flags(compiler_type, flags, monkeypatch):
    from setuptools import Distribution
    from setuptools.command.build_ext import build_ext
    arguments = setup_arguments(monkeypatch)
    (extension,) = arguments["ext_modules"]
    assert extension.name == "resin_jit.runtime._dispatch" and extension.optional   # no compiler: numpy backend
    built = []
    monkeypatch.setattr(build_ext, "build_extensions", lambda self: built.extend(self.extensions))
    command = arguments["cmdclass"]["build_ext"](Distribution({"ext_modules": [extension]}))
    command.extensions = [extension]
    command.compiler = type("Compiler", (), {"compiler_type": compiler_type})()
    command.build_extensions()
    assert built == [extension] and extension.extra_compile_args == flags
