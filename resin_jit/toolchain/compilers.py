"""C compiler families: how each is recognised, and the flags it builds a kernel with.

Kernels are built the same way by every compiler: the same C (csrc/ and templates/ are plain
GNU C that gcc and clang both take, with a feature test where they differ), the same tier flags
(isa.py), -ffp-contract=off, and so the same bits out (tests/test_compilers.py holds that). What
differs between families is spelled here, one row each: which flag turns a declaration that
contradicts a C library function into an error, and what a family needs besides (zig: its target
named, the target's baseline CPU, no sanitizer).

A family is recognised from the command (zig is "zig cc", whose clang does not say it is zig's)
or else from what `CC --version` prints. It goes into the toolchain memo and an entry's metadata;
it is not part of a kernel's key, because what the compiler is cannot change the results.
"""
import importlib.util
import os
import re
from dataclasses import dataclass
from types import MappingProxyType

# Every family's: GNU C (vector extensions, inline asm), a position-independent shared library
# that exports what rj_abi.h's RJ_EXPORT marks and nothing else, sqrt as one instruction, and the
# compiler's temporary files in pipes.
COMMON_FLAGS = ("-std=gnu11", "-fPIC", "-fno-math-errno", "-fvisibility=hidden", "-pipe")
SHARED_FLAGS = ("-shared",)
# -z defs: a symbol no library defines fails the build, with the linker naming it, instead of the
# dlopen (GNU ld, gold, lld and zig's linker). Apple's linker refuses undefined symbols already,
# and knows no -z.
ELF_NO_UNDEFINED = ("-Wl,-z,defs",)


@dataclass(frozen=True)
class Family:
    name: str
    errors: tuple = ()     # warnings made errors: a function declared with another type than the
                           # C library's is an error, not a call with the wrong arguments
    extra: tuple = ()      # what the family needs besides (zig: see ZIG)
    names_target: bool = False   # the family is told its target (Platform.zig_target), else builds for the host
    strip_pe: tuple = ()   # a Windows DLL's link: what keeps its debug database (a .pdb, 1 MB) from being written
    takes_march: bool = True   # the tier's -march= (NEON's armv8-a) is understood; zig reads it as a CPU name
    links_apart: bool = False  # compiled to an object, then linked by another run (see ZIG)
    tuning: tuple = ()     # flags that bound the compiler's work, not the code it makes (see GCC_TUNING)
    tuning_since: int = 0  # the first major version that takes them

    def tuning_flags(self, version):
        """`tuning` for the compiler whose version line is `version`, where its major version takes them."""
        found = re.search(r"\b(\d+)\.\d+", version or "")
        return self.tuning if self.tuning and found and int(found.group(1)) >= self.tuning_since else ()

    def tier_flags(self, flags):
        """The tier's flags (isa.py) as this family takes them."""
        return tuple(flag for flag in flags if self.takes_march or not flag.startswith("-march="))

    def compile_flags(self):
        """The flags of every kernel this family builds, before the tier's and the -O level."""
        return (*COMMON_FLAGS, *self.extra, *self.errors)

    def link_flags(self, target):
        """The flags that make a shared library for `target` (a platforms.Platform)."""
        return (*SHARED_FLAGS, *(ELF_NO_UNDEFINED if target.is_elf else ()),
                *(self.strip_pe if target.system == "win32" else ()))

    def target_flags(self, target):
        """The target, for a family that is told it (zig); none for one that builds for the host."""
        return ("-target", target.zig_target()) if self.names_target else ()

    def flags(self, target):
        """Every flag but the tier's, the -O level's and the contraction's, for kernels of the
        platform `target` (platforms.Platform)."""
        return [*self.compile_flags(), *self.target_flags(target), *self.link_flags(target)]


_CLANG_ERRORS = ("-Werror=incompatible-library-redeclaration",)
# zig cc builds for the CPU it runs on unless told otherwise (an AVX-512 "scalar" kernel under a
# key every x86-64 machine shares), and instruments code built without optimisation with UBSan
# (a kernel at -O0 would be another program): the baseline CPU of the target, plus the tier's
# flags, and no sanitizer. Told its target, it links against the C library stubs it carries
# instead of asking the system's C compiler where that one's are, four runs of `cc` a build.
# zig also writes debug information unless told not to (a library four times the size) and, for
# Windows, a .pdb beside the DLL. It reads -march=armv8-a as the CPU "armv8" less the feature "a"
# (an error): its -mcpu=baseline is that architecture's baseline already. And it builds compiler_rt
# and the C library stubs a library links with for the CPU features it is given (-mavx2...): once
# per tier and platform, 4-70 s each (Windows' C runtime the most), unless the link is a second run
# without the tier's flags, which builds them once per platform.
ZIG = Family("zig", _CLANG_ERRORS, ("-mcpu=baseline", "-fno-sanitize=all", "-g0"), names_target=True,
             strip_pe=("-s",), takes_march=False, links_apart=True)

# gcc's value numbering looks back through the stores before each load for one it makes
# redundant, up to 1,000 queries a load: in a loop body of many inlined functions that walk is a
# third of the build (the trig graph, a chain of 100 nodes: 30-45% of gcc's time). At 100 it made
# the same machine code for those kernels (compared instruction for instruction), and it cannot
# change a value: it only stops a search sooner. GCC 8 brought the parameter.
GCC_TUNING = ("--param=sccvn-max-alias-queries-per-access=100",)

FAMILIES = MappingProxyType({f.name: f for f in (
    Family("gcc", ("-Werror=builtin-declaration-mismatch",), tuning=GCC_TUNING, tuning_since=8),
    Family("clang", _CLANG_ERRORS),
    Family("apple-clang", _CLANG_ERRORS),
    ZIG,
    Family("cc"),          # a compiler none of the above: the common flags only, and the probe decides
)})

ZIG_SUBCOMMAND = ("cc",)


def is_zig(program):
    """True if `program` (a path or a name) is the zig binary (its pip package is ziglang)."""
    name = os.path.basename(program).lower()
    return name in ("zig", "zig.exe")


def ziglang_binary():
    """The zig binary of the ziglang package (pip install 'resin_jit[compiler]'), or None: the last
    compiler host.find_compiler_command tries. Found without importing the package (its import
    is not needed to run the binary, and a build must not cost a Python process): the package's
    folder from its import spec, and there an executable zig (zig.exe on Windows)."""
    try:
        spec = importlib.util.find_spec("ziglang")
    except (ImportError, ValueError):
        return None
    folders = list(spec.submodule_search_locations or ()) if spec else []
    for folder in folders:
        path = os.path.join(folder, "zig.exe" if os.name == "nt" else "zig")
        if os.path.isfile(path) and os.access(path, os.X_OK):
            return path
    return None


def is_ziglang_binary(path):
    """True if `path` is the ziglang package's zig binary (doctor says where a compiler came from)."""
    found = ziglang_binary()
    return bool(path) and found is not None and os.path.realpath(path) == os.path.realpath(found)


def zig_cache_env(folder):
    """The environment that puts zig's caches in `folder`, not ~/.cache/zig: its global cache (the
    C library stubs and compiler_rt it builds once, ~6 s) and its local one (per build), together."""
    return {"ZIG_GLOBAL_CACHE_DIR": str(folder), "ZIG_LOCAL_CACHE_DIR": str(folder)}


def recognise(command, version_text):
    """The Family of the compiler run as `command` (a sequence of words), given what its
    `--version` printed."""
    if command and is_zig(command[0]):
        return ZIG
    if re.search(r"^Apple (clang|LLVM) version", version_text, re.M):
        return FAMILIES["apple-clang"]
    if re.search(r"\bclang version \d", version_text):
        return FAMILIES["clang"]
    if re.search(r"\bgcc\b|\(GCC\)|Free Software Foundation", version_text, re.I):
        return FAMILIES["gcc"]
    name = os.path.basename(command[0]).lower() if command else ""   # a version line that says neither
    return FAMILIES["clang" if "clang" in name else "gcc" if "gcc" in name else "cc"]


def family(name):
    """The Family called `name` (FAMILIES), or a ValueError naming the known ones."""
    try:
        return FAMILIES[name]
    except (KeyError, TypeError):
        raise ValueError(f"unknown compiler family {name!r}; the families are {', '.join(FAMILIES)}") from None
