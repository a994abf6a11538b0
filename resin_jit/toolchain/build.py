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
import time
from dataclasses import dataclass
from pathlib import Path

from . import compilers, host, isa, platforms
from ..front.errors import JitCompileError, JitError
from ..codegen.resources import csrc_dir

# The libraries a kernel may call into (libc is always linked): after the source, or the linker
# drops a library no object before it needed.
LINK_LIBRARIES = ("-lm",)
# A separate link step's level (compilers.Family.links_apart): zig builds compiler_rt at the level
# of the command that links (without one, unoptimised: 18 s instead of 5 s, once per cache), and
# one level for every kernel builds it once.
LINK_OPT_LEVEL = "-O2"
# A multiply and an add round twice, as in numpy, and the same in vector loop and scalar tail,
# whichever compiler builds them. JitConfig(fastmath=True) fuses them too, but not through the
# compiler's contraction (gcc and clang fuse different ones): resin_jit emits the fused ops itself
# (front/fusion.py).
CONTRACT_FLAG = "-ffp-contract=off"
# A disk that is full, over quota or read-only: the cache's business (it builds elsewhere), not a
# compile error. Recognised by the strerror text ending one of the compiler's lines, e.g.
# "ld: final link failed: No space left on device"; the compiler runs in the C locale to say it so.
DISK_ERRORS = {errno.ENOSPC: "No space left on device", errno.EDQUOT: "Disk quota exceeded",
               errno.EROFS: "Read-only file system"}


@dataclass(frozen=True)
class Toolchain:
    """A C compiler: its program's path, its version line, its family (compilers.FAMILIES; by
    default recognised from the path and version) and the words that follow the program on every
    command line (zig's "cc"), and what it needs in its environment (zig: where its caches are,
    store/zig_cache.py), as (name, value) pairs."""
    path: str
    version: str
    family: str = ""
    args: tuple = ()
    env: tuple = ()

    def __post_init__(self):
        if not self.family:
            object.__setattr__(self, "family", compilers.recognise((self.path,), self.version).name)
        compilers.family(self.family)   # a ValueError for a name no table row has
        if self.family == compilers.ZIG.name and not self.args:
            object.__setattr__(self, "args", compilers.ZIG_SUBCOMMAND)
        object.__setattr__(self, "args", tuple(self.args))
        object.__setattr__(self, "env", tuple(self.env))

    @property
    def command(self):
        """The words every compiler command line starts with."""
        return (self.path, *self.args)

    def link_flags(self, target):
        """The flags of a separate link step for the platform `target` (platforms.Platform), or None
        where one run compiles and links (compilers.Family.links_apart)."""
        family = compilers.family(self.family)
        if not family.links_apart:
            return None
        return [LINK_OPT_LEVEL, *family.extra, *family.target_flags(target), *family.link_flags(target)]

    def flags(self, tier, opt_level, target=None):
        """The command line's flags for a kernel of `tier` on the platform `target` (default: this
        one, or its system on the tier's architecture)."""
        family = compilers.family(self.family)
        target = target or platforms.host().with_arch(isa.TIERS[tier].arch or platforms.host().arch)
        return [f"-O{opt_level}", *family.flags(target), *family.tuning_flags(self.version), CONTRACT_FLAG,
                *family.tier_flags(isa.compile_flags(tier))]


# The toolchain memo's key for a compiler: its command and the program file's stamp. The value is
# the family and the version line, a newline between (which no version line holds); the "2|" keeps
# older versions' entries (the version line alone, under the path and stamp) out of the way.
def _memo_key(command, st):
    return f"2|{shlex.join(command)}|{st.st_mtime_ns}|{st.st_size}"


def _remembered(value):
    """(family, version) of a memo's value, or None for one not of this form."""
    family, newline, version = value.partition("\n")
    return (family, version) if newline and family in compilers.FAMILIES and version else None


def find_toolchain(cc=None, memo=None):
    """The compiler (host.find_compiler_command: the argument, $CC, cc, gcc, clang, ziglang's zig),
    its family and its version, or None. Family and version are remembered per command and program stamp in
    `memo` (an object with get(key) and put(key, value): the store's, store/memo.py), so a new
    process need not run `cc --version` before it can load from the cache."""
    command = host.find_compiler_command(cc)
    if command is None:
        return None
    key = _memo_key(command, os.stat(command[0]))
    known = _remembered(memo.get(key) or "") if memo else None
    if known is None:
        known = host.compiler_identity(command)
        if known is None:
            return None
        if memo:
            memo.put(key, "\n".join(known))
    family, version = known
    return Toolchain(command[0], version, family, command[1:])


def compile_library(source, toolchain, flags, workdir, name="kernel", suffix=None, link_flags=None):
    """Write `source` to workdir/name.c and compile it to the shared library workdir/name + suffix
    (default: this platform's, .so, .dylib or .dll); returns (library, seconds). With `link_flags`
    (Toolchain.link_flags: zig's) it is compiled to an object first and linked by a second run."""
    workdir = Path(workdir)
    c_path = workdir / f"{name}.c"
    so_path = workdir / f"{name}{suffix or platforms.host().library_suffix}"
    c_path.write_text(source)
    include = ["-I", str(csrc_dir())]
    if link_flags is None:
        commands = [[*toolchain.command, *flags, *include, "-o", str(so_path), str(c_path), *LINK_LIBRARIES]]
    else:
        object_path = workdir / f"{name}.o"
        commands = [[*toolchain.command, *flags, *include, "-c", "-o", str(object_path), str(c_path)],
                    [*toolchain.command, *link_flags, "-o", str(so_path), str(object_path), *LINK_LIBRARIES]]
    (workdir / f"{name}.cmd").write_text("".join(shlex.join(c) + "\n" for c in commands))  # kept with RESIN_JIT_DEBUG=1
    start = time.perf_counter()
    for command in commands:
        _run(command, toolchain, c_path, workdir)
    if not so_path.exists():
        raise JitCompileError(f"C compiler made no library from {c_path}", output="", source_path=str(c_path),
                              command=commands[-1])
    return so_path, time.perf_counter() - start


def _run(command, toolchain, c_path, workdir):
    """Run one compiler command; a JitCompileError with its output if it fails (an OSError if the
    disk stopped it)."""
    try:
        proc = subprocess.run(command, capture_output=True, text=True, timeout=300,
                              env={**os.environ, "LC_ALL": "C", **dict(toolchain.env)})
    except (OSError, subprocess.SubprocessError) as exc:
        raise JitError(f"could not run the C compiler {toolchain.path}: {exc}") from exc
    if proc.returncode != 0:
        error = JitCompileError(f"C compiler failed on {c_path}", output=proc.stderr + proc.stdout,
                                source_path=str(c_path), command=command)
        code = disk_errno(error.output)
        if code is not None:
            raise OSError(code, DISK_ERRORS[code], str(workdir)) from error
        raise error


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
                        toolchain, toolchain.flags("scalar", 0), workdir, name="probe",
                        link_flags=toolchain.link_flags(platforms.host()))
        return True
    except JitError:
        return False
