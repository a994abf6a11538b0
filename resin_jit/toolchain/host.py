"""Host detection: architecture, the ISA tiers this machine can run, and the C compiler."""
import functools
import os
import platform
import shutil
import subprocess
import sys

from . import isa
from ..front.errors import JitError



def architecture():
    machine = platform.machine().lower()
    if machine in ("x86_64", "amd64"):
        return "x86_64"
    if machine in ("aarch64", "arm64"):
        return "aarch64"
    return machine


def _cpu_flags():
    """CPU feature flags in /proc/cpuinfo's spelling (Linux), or from sysctl (macOS)."""
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith(("flags", "Features")):
                    return set(line.split(":", 1)[1].split())
    except OSError:
        pass
    if sys.platform == "darwin":
        names = ["sysctl", "-n", "machdep.cpu.features", "machdep.cpu.leaf7_features"]
        try:
            out = subprocess.run(names, capture_output=True, text=True, timeout=5).stdout
        except (OSError, subprocess.SubprocessError):
            return set()
        return {w.lower().replace(".", "_") for w in out.split()}
    return set()


@functools.lru_cache(maxsize=None)
def available_tiers():
    """The ISA tiers this host can run, lowest first (isa.TIERS: its architecture's tiers whose
    CPU features the host has)."""
    tiers = isa.tiers_of(architecture())
    flags = _cpu_flags() if any(t.features for t in tiers) else set()
    return tuple(t.name for t in tiers if t.features <= flags)


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


def find_compiler(cc=None):
    """The C compiler to use: the argument (only it, if given), else $CC, else cc, gcc or clang; or None."""
    for candidate in (cc,) if cc else (os.environ.get("CC"), "cc", "gcc", "clang"):
        if candidate:
            path = shutil.which(candidate)
            if path:
                return os.path.realpath(path)
    return None


@functools.lru_cache(maxsize=None)
def compiler_version(path):
    """The first line of `cc --version`, or None when the compiler does not run."""
    try:
        proc = subprocess.run([path, "--version"], capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.SubprocessError):
        return None
    if proc.returncode != 0 or not proc.stdout:
        return None
    return proc.stdout.splitlines()[0].strip()


def host_info(cc=None) -> dict:
    """What this machine offers resin_jit: architecture, platform, the ISA tiers it can run and
    the best of them, the C compiler and its version, the Python version."""
    compiler = find_compiler(cc)
    return {
        "architecture": architecture(),
        "platform": sys.platform,
        "isa_tiers": list(available_tiers()),
        "best_isa": best_tier(),
        "compiler": compiler,
        "compiler_version": compiler_version(compiler) if compiler else None,
        "python": platform.python_version(),
    }
