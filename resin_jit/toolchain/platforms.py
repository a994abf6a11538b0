"""Platforms: the operating system, architecture and C library a kernel library is built for.

A kernel's disk key (store/keys.py) names its platform by a tag, and a process looks for the keys
of its own platform. So the tag a layer is warmed under on another machine (`resin-jit warm
--platform macos-arm64`, cross-built with zig) must be the one a process on that platform computes
of itself: both come from `describe()`, which normalises what each OS reports (Windows says AMD64,
macOS arm64, Linux x86_64 and aarch64). Each platform also says how its shared libraries are named
(.so, .dylib, .dll) and what zig calls it.
"""
import functools
import os
import platform
import sys
from dataclasses import dataclass
from types import MappingProxyType

# What platform.machine() says, by OS → the architecture names resin_jit uses (isa.py's).
ARCHITECTURES = MappingProxyType({"x86_64": "x86_64", "amd64": "x86_64", "x64": "x86_64",
                                  "aarch64": "aarch64", "arm64": "aarch64", "armv8l": "aarch64"})
# A shared library's file name suffix, by sys.platform (every other system: ELF's .so).
LIBRARY_SUFFIXES = MappingProxyType({"darwin": ".dylib", "win32": ".dll", "cygwin": ".dll"})
ALL_LIBRARY_SUFFIXES = (".so", ".dylib", ".dll")
# zig's names (zig cc -target ARCH-OS-ABI). Linux builds link against glibc 2.17's symbols, so a
# library runs on every glibc manylinux2014 covers; macOS builds say 11.0, the first macOS on
# Apple Silicon, so one library serves every Mac that runs Python 3 wheels of either architecture.
ZIG_SYSTEMS = MappingProxyType({"linux": "linux", "darwin": "macos", "win32": "windows"})
ZIG_ABIS = MappingProxyType({("linux", "glibc"): "gnu.2.17", ("linux", "musl"): "musl", ("win32", "libc"): "gnu",
                             ("darwin", "libc"): ""})
ZIG_OS_VERSIONS = MappingProxyType({"darwin": ".11.0"})


@dataclass(frozen=True)
class Platform:
    name: str      # what `resin-jit warm --platform` takes, e.g. macos-arm64
    system: str    # sys.platform there
    arch: str      # normalised, as isa.py names it: x86_64, aarch64
    libc: str      # the C library's family: glibc, musl, or libc (the system's own)

    @property
    def tag(self):
        """What kernel keys say of the platform, e.g. linux-x86_64-glibc."""
        return f"{self.system}-{self.arch}-{self.libc}"

    @property
    def library_suffix(self):
        return LIBRARY_SUFFIXES.get(self.system, ".so")

    @property
    def is_elf(self):
        return self.system not in LIBRARY_SUFFIXES

    def zig_target(self):
        """zig's name of the platform, e.g. x86_64-linux-gnu.2.17, aarch64-macos.11.0,
        x86_64-windows-gnu; a ValueError for one zig is not known to serve here."""
        system = "linux" if self.system.startswith("linux") else self.system
        if system not in ZIG_SYSTEMS or (system, self.libc) not in ZIG_ABIS:
            raise ValueError(f"no zig target known for the platform {self.tag!r}")
        abi = ZIG_ABIS[system, self.libc]
        return f"{self.arch}-{ZIG_SYSTEMS[system]}{ZIG_OS_VERSIONS.get(system, '')}" + (f"-{abi}" if abi else "")

    def with_arch(self, arch):
        """The platform of the same system and C library on another architecture (NEON kernels
        cross-built on an x86-64 Linux are linux-aarch64's)."""
        return describe(self.system, arch, self.libc)


PLATFORMS = MappingProxyType({p.name: p for p in (
    Platform("linux-x86_64", "linux", "x86_64", "glibc"),
    Platform("linux-aarch64", "linux", "aarch64", "glibc"),
    Platform("linux-x86_64-musl", "linux", "x86_64", "musl"),
    Platform("macos-x86_64", "darwin", "x86_64", "libc"),
    Platform("macos-arm64", "darwin", "aarch64", "libc"),
    Platform("windows-x86_64", "win32", "x86_64", "libc"),
)})


def normalise_arch(machine):
    """resin_jit's name of the architecture platform.machine() reports (x86_64, aarch64)."""
    machine = (machine or "").lower()
    return ARCHITECTURES.get(machine, machine)


def c_library_family(system, gnu_libc_version):
    """"glibc" when os.confstr gave glibc's version string, "musl" on a Linux without it (musl
    says nothing), else "libc" (macOS's and Windows's C library is the system's own)."""
    words = (gnu_libc_version or "").split()
    if words:
        return words[0]
    return "musl" if system.startswith("linux") else "libc"


def describe(system, machine, libc):
    """The Platform of a process that sees sys.platform == system, platform.machine() == machine
    and this C library family: a row of PLATFORMS when one matches, else one named by its tag."""
    arch = normalise_arch(machine)
    for row in PLATFORMS.values():
        if (row.system, row.arch, row.libc) == (system, arch, libc):
            return row
    return Platform(f"{system}-{arch}-{libc}", system, arch, libc)


def _gnu_libc_version():
    try:
        return os.confstr("CS_GNU_LIBC_VERSION")
    except (AttributeError, ValueError, OSError):   # no confstr (Windows), or no such name (macOS)
        return None


@functools.lru_cache(maxsize=None)
def host():
    """The platform this process runs on."""
    return describe(sys.platform, platform.machine(), c_library_family(sys.platform, _gnu_libc_version()))


def named(name):
    """The Platform called `name` (a row of PLATFORMS), or a ValueError listing the names."""
    if name not in PLATFORMS:
        raise ValueError(f"unknown platform {name!r}; known: {', '.join(PLATFORMS)}")
    return PLATFORMS[name]
