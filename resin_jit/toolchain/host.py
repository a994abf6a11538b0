"""Host detection: architecture, the ISA tiers this machine can run, and the C compiler."""
import functools
import os
import platform
import shlex
import shutil
import subprocess
import sys
import tempfile

from . import compilers, cpu_features, isa, platforms
from ..front.errors import JitError


def architecture():
    """This machine's architecture as isa.py names it (platforms.normalise_arch): x86_64, aarch64."""
    return platforms.host().arch


def c_library():
    """The C library's family: "glibc", "musl" on a Linux without glibc, else "libc"."""
    return platforms.host().libc


def _cpu_flags():
    """The CPU features this process can use, in /proc/cpuinfo's spelling (isa.py's): from CPUID and
    XCR0 where the extension is built, else what the OS tells (cpu_features.detect)."""
    return cpu_features.detect()


@functools.lru_cache(maxsize=None)
def available_tiers():
    """The ISA tiers this host can run, lowest first (isa.TIERS: its architecture's tiers whose
    CPU features the host has)."""
    tiers = isa.tiers_of(architecture())
    flags = _cpu_flags() if any(t.features for t in tiers) else frozenset()
    return tiers_with(flags)


def tiers_with(features, arch=None):
    """The names of the tiers of `arch` (this host's by default) whose CPU features are all among
    `features`, lowest first."""
    return tuple(t.name for t in isa.tiers_of(arch or architecture()) if t.features <= set(features))


def best_tier():
    return available_tiers()[-1]


def resolve_tier(name):
    """'auto' → the best tier; a named tier is checked against what the host can run."""
    name = (name or "auto").lower()
    if name == "auto":
        return best_tier()
    if name not in isa.TIERS:
        raise ValueError(f"unknown ISA tier {name!r}; known tiers: {', '.join(isa.TIERS)}")
    if name not in available_tiers():
        raise JitError(f"ISA tier {name!r} cannot run on this host; it can run: {', '.join(available_tiers())}")
    return name


def find_compiler_command(cc=None):
    """The C compiler to use, as a tuple of words (the program's real path, then the words that
    follow it, e.g. zig's "cc"): the argument (only it, if given), else $CC, else cc, gcc or clang,
    else the zig of the ziglang package (pip install 'resin_jit[compiler]'); or None. A name that
    is a program on PATH is the program; else it is split as a shell would ("zig cc", "ccache
    gcc"), and its first word must be one. The zig binary alone means "zig cc"."""
    for candidate in (cc,) if cc else (os.environ.get("CC"), "cc", "gcc", "clang"):
        command = _command_of(candidate) if candidate else None
        if command:
            return command
    zig = None if cc else compilers.ziglang_binary()
    return (os.path.realpath(zig), *compilers.ZIG_SUBCOMMAND) if zig else None


def _command_of(text):
    path = shutil.which(text)
    words = [] if path else _split(text)
    if not path and words:
        path = shutil.which(words[0])
    if not path:
        return None
    path = os.path.realpath(path)
    args = tuple(words[1:])
    if compilers.is_zig(path) and not args:
        args = compilers.ZIG_SUBCOMMAND
    return (path, *args)


def _split(text):
    try:
        return shlex.split(text)
    except ValueError:   # an unbalanced quote: no compiler by that name
        return []


def find_compiler(cc=None):
    """The path of the C compiler find_compiler_command() finds, or None."""
    command = find_compiler_command(cc)
    return command[0] if command else None


@functools.lru_cache(maxsize=None)
def compiler_identity(command):
    """(family name, version) of the compiler run as `command` (a tuple of words), from its
    `--version` (the version is the first line; zig's own version first, then its clang's), or
    None when it does not run."""
    text = _version_output(command, "--version")
    if text is None:
        return None
    family = compilers.recognise(command, text)
    version = text.splitlines()[0].strip()
    if family is compilers.ZIG:
        zig = _version_output(command[:1], "version")
        version = f"zig {zig.strip()} ({version})" if zig else version
    return family.name, version


def compiler_version(path):
    """The version line compiler_identity() gives `path` (a program, or a command), or None."""
    identity = compiler_identity(tuple(path) if isinstance(path, (tuple, list)) else (path,))
    return identity[1] if identity else None


def _version_output(command, option):
    if compilers.is_zig(command[0]):   # even `zig version` makes zig's cache folders: in one thrown away
        with tempfile.TemporaryDirectory(prefix="resin_jit-zig-") as folder:
            return _run_for_output(command, option, compilers.zig_cache_env(folder))
    return _run_for_output(command, option, {})


def _run_for_output(command, option, env):
    try:
        proc = subprocess.run([*command, option], capture_output=True, text=True, timeout=30,
                              env={**os.environ, "LC_ALL": "C", **env})
    except (OSError, subprocess.SubprocessError):
        return None
    if proc.returncode != 0 or not proc.stdout.strip():
        return None
    return proc.stdout


def host_info(cc=None) -> dict:
    """What this machine offers resin_jit: architecture, platform, the ISA tiers it can run and
    the best of them, the C compiler and its version, the Python version."""
    command = find_compiler_command(cc)
    identity = compiler_identity(command) if command else None
    return {
        "architecture": architecture(),
        "platform": sys.platform,
        "platform_name": platforms.host().name,
        "isa_tiers": list(available_tiers()),
        "best_isa": best_tier(),
        "compiler": command[0] if command else None,
        "compiler_command": list(command) if command else None,
        "compiler_family": identity[0] if identity else None,
        "compiler_version": identity[1] if identity else None,
        "python": platform.python_version(),
    }
