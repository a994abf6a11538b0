"""Build: one C translation unit → one shared library, by calling the C compiler directly.

Not through cffi's ffi.compile(): that imports setuptools (0.4 s) and chdir()s the whole
process, which is neither fast nor safe from threads. A kernel needs no Python.h (see
csrc/rj_abi.h), so a build is one gcc run of ~40 ms.
"""
import errno
import os
import re
import shlex
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from . import host, isa
from ..front.errors import JitCompileError, JitError
from ..codegen.resources import csrc_dir

# -z defs: a symbol no library defines fails the build, with the linker naming it, instead of the
# dlopen. A function declared with another type than GCC knows the library's by is an error, not a
# call with the wrong arguments. (Apple's linker refuses undefined symbols already, and knows no -z.)
BASE_FLAGS = ("-std=gnu11", "-shared", "-fPIC", "-fno-math-errno", "-fvisibility=hidden", "-pipe",
              "-Werror=builtin-declaration-mismatch", *(() if sys.platform == "darwin" else ("-Wl,-z,defs",)))
# The libraries a kernel may call into (libc is always linked): after the source, or the linker
# drops a library no object before it needed.
LINK_LIBRARIES = ("-lm",)
# Off: a multiply and an add round twice, as in numpy, and the same in vector loop and scalar
# tail. fast (JitConfig(fastmath=True)): the compiler may fuse them into one FMA (RJ_FP_CONTRACT
# tells csrc/simd.h to leave them as C operators it can fuse).
CONTRACT_FLAGS = {False: ("-ffp-contract=off",), True: ("-ffp-contract=fast", "-DRJ_FP_CONTRACT")}
# A disk that is full, over quota or read-only: the cache's business (it builds elsewhere), not a
# compile error. Recognised by the strerror text ending one of the compiler's lines, e.g.
# "ld: final link failed: No space left on device"; the compiler runs in the C locale to say it so.
DISK_ERRORS = {errno.ENOSPC: "No space left on device", errno.EDQUOT: "Disk quota exceeded",
               errno.EROFS: "Read-only file system"}


@dataclass(frozen=True)
class Toolchain:
    path: str
    version: str

    def flags(self, tier, opt_level, fastmath=False):
        return [f"-O{opt_level}", *BASE_FLAGS, *CONTRACT_FLAGS[fastmath], *isa.compile_flags(tier)]


def find_toolchain(cc=None, memo=None):
    """The compiler and its version, or None. The version is remembered per (path, mtime, size)
    in `memo` (an object with get(key) and put(key, value): the store's, store/memo.py), so a new
    process need not run `cc --version` before it can load from the cache."""
    path = host.find_compiler(cc)
    if path is None:
        return None
    st = os.stat(path)
    stamp = f"{path}|{st.st_mtime_ns}|{st.st_size}"
    known = memo.get(stamp) if memo else None
    if known:
        return Toolchain(path, known)
    version = host.compiler_version(path)
    if version is None:
        return None
    if memo:
        memo.put(stamp, version)
    return Toolchain(path, version)


def compile_library(source, toolchain, flags, workdir, name="kernel"):
    """Write `source` to workdir/name.c and compile it to workdir/name.so; returns (so, seconds)."""
    workdir = Path(workdir)
    c_path = workdir / f"{name}.c"
    so_path = workdir / f"{name}.so"
    c_path.write_text(source)
    command = [toolchain.path, *flags, "-I", str(csrc_dir()),
               "-o", str(so_path), str(c_path), *LINK_LIBRARIES]
    (workdir / f"{name}.cmd").write_text(shlex.join(command) + "\n")  # kept with RESIN_JIT_DEBUG=1
    start = time.perf_counter()
    try:
        proc = subprocess.run(command, capture_output=True, text=True, timeout=300,
                              env={**os.environ, "LC_ALL": "C"})
    except (OSError, subprocess.SubprocessError) as exc:
        raise JitError(f"could not run the C compiler {toolchain.path}: {exc}") from exc
    seconds = time.perf_counter() - start
    if proc.returncode != 0 or not so_path.exists():
        error = JitCompileError(f"C compiler failed on {c_path}", output=proc.stderr + proc.stdout,
                                source_path=str(c_path), command=command)
        code = disk_errno(error.output)
        if code is not None:
            raise OSError(code, DISK_ERRORS[code], str(workdir)) from error
        raise error
    return so_path, seconds


def disk_errno(output):
    """ENOSPC, EDQUOT or EROFS if the compiler's output says the disk stopped it, else None."""
    for code, text in DISK_ERRORS.items():
        if re.search(f": {text}$", output, re.M):
            return code
    return None


def probe(toolchain, workdir):
    """True if the toolchain builds a trivial shared library (a compiler that cannot is none)."""
    try:
        compile_library('#include "rj_abi.h"\nRJ_EXPORT int rj_entry(rj_call *c) { (void)c; return 0; }\n',
                        toolchain, toolchain.flags("scalar", 0), workdir, name="probe")
        return True
    except JitError:
        return False
