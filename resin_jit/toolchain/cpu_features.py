"""The x86-64 CPU features the ISA tiers need (isa.TIERS), found on every OS.

Names are /proc/cpuinfo's spelling, as isa.py uses them. The first source, on every OS, is the
processor: the _dispatch extension's cpu_registers() (csrc/dispatch_cpu.c) reads CPUID leaves 1
and 7 and XCR0, and from_registers() decodes them as numpy's npy_cpu_features.c does. A feature
counts only when the CPU has it and the OS saves its registers across a context switch: AVX, FMA
and AVX2 need the SSE and AVX state enabled in XCR0 (bits 1, 2); AVX-512 also the opmask and ZMM
state (bits 5, 6, 7). macOS enables the AVX-512 state per thread at its first AVX-512 instruction,
so there the kernel's word (hw.optional.avx512f) stands in for XCR0, and only from Darwin 21.3
(macOS 12.2): earlier kernels can corrupt the opmask registers on return from a signal handler
(golang/go#49233; Go's x/sys/cpu draws the same line).

The package also installs without a C compiler, and so without the extension. Then: /proc/cpuinfo
on Linux; sysctl on macOS (its names mapped through an explicit table); on Windows
IsProcessorFeaturePresent, which cannot tell FMA, POPCNT or AVX-512 DQ/BW/VL, so that path gives
at most the SSE4.1 tier.
"""
import os
import subprocess
import sys

# (register, bit) → feature, for the features isa.TIERS needs and the AVX they build on.
# Intel SDM vol. 2A, CPUID: leaf 1 ECX and EDX, leaf 7 (subleaf 0) EBX.
_BASE = {"sse2": ("leaf1_edx", 26), "sse4_1": ("leaf1_ecx", 19), "popcnt": ("leaf1_ecx", 23)}
_NEED_YMM = {"avx": ("leaf1_ecx", 28), "fma": ("leaf1_ecx", 12), "avx2": ("leaf7_ebx", 5)}
_NEED_ZMM = {"avx512dq": ("leaf7_ebx", 17), "avx512bw": ("leaf7_ebx", 30), "avx512vl": ("leaf7_ebx", 31)}
_AVX512F = ("leaf7_ebx", 16)
_OSXSAVE = ("leaf1_ecx", 27)          # the OS enabled XGETBV: XCR0 can be read
XCR0_YMM = 0b110                      # SSE (bit 1) and AVX (bit 2) state
XCR0_ZMM = 0b1110_0110                # and opmask (5), ZMM_Hi256 (6), Hi16_ZMM (7)


def _has(registers, where):
    register, bit = where
    return bool(int(registers.get(register, 0)) >> bit & 1)


def from_registers(registers):
    """The features the CPUID and XCR0 words in `registers` (the dict cpu_registers() returns) say
    this process can use. A pure function: tests give it any words. "darwin_avx512f" None (or
    absent) means XCR0 decides whether the AVX-512 state is saved; a bool is macOS's answer."""
    found = {name for name, where in _BASE.items() if _has(registers, where)}
    xcr0 = int(registers.get("xcr0", 0)) if _has(registers, _OSXSAVE) else 0
    if xcr0 & XCR0_YMM != XCR0_YMM or not _has(registers, _NEED_YMM["avx"]):
        return frozenset(found)       # YMM registers not saved by the OS: no AVX of any width
    found |= {name for name, where in _NEED_YMM.items() if _has(registers, where)}
    darwin = registers.get("darwin_avx512f")
    zmm_saved = xcr0 & XCR0_ZMM == XCR0_ZMM if darwin is None else bool(darwin)
    if zmm_saved and _has(registers, _AVX512F):
        found |= {"avx512f"} | {name for name, where in _NEED_ZMM.items() if _has(registers, where)}
    return frozenset(found)


DARWIN_AVX512_FIXED = (21, 3, 0)   # the first Darwin kernel that keeps the opmask registers intact


def darwin_keeps_avx512_state(release):
    """Whether a Darwin kernel of this release (os.uname().release, e.g. "21.6.0") keeps AVX-512's
    opmask registers across signal handlers; False for anything it cannot read."""
    parts = str(release).split(".")
    if len(parts) != 3 or not all(part.isdigit() for part in parts):
        return False
    return tuple(int(part) for part in parts) >= DARWIN_AVX512_FIXED


def _darwin_release():
    return os.uname().release if sys.platform == "darwin" else None


# The _dispatch extension's cpu_registers(), or None without it: handed in by the package's top
# (resin_jit/__init__.py), since a stage imports only the stages before it and the extension is
# the runtime's.
read_registers = None


def from_processor(read=None):
    """from_registers() of this CPU's words (macOS's AVX-512 word withdrawn on a kernel before the
    fix), or None where the extension is not built (or is one built before it could read them) or
    the CPU is not x86."""
    read = read or read_registers
    registers = read() if read is not None else None
    if registers is None:
        return None
    if registers.get("darwin_avx512f") and not darwin_keeps_avx512_state(_darwin_release()):
        registers = {**registers, "darwin_avx512f": False}
    return from_registers(registers)


def from_proc_cpuinfo(path="/proc/cpuinfo"):
    """The first "flags" (x86) or "Features" (ARM) line of Linux's /proc/cpuinfo, or None."""
    try:
        with open(path) as f:
            for line in f:
                if line.startswith(("flags", "Features")):
                    return frozenset(line.split(":", 1)[1].split())
    except OSError:
        return None
    return None


# macOS's machdep.cpu.features / machdep.cpu.leaf7_features words → /proc/cpuinfo's names. Any
# word not here is ignored. Apple Silicon has neither key (its NEON tier needs no features).
SYSCTL_NAMES = {"SSE2": "sse2", "SSE4.1": "sse4_1", "POPCNT": "popcnt", "AVX1.0": "avx", "FMA": "fma",
                "AVX2": "avx2", "AVX512F": "avx512f", "AVX512DQ": "avx512dq", "AVX512BW": "avx512bw",
                "AVX512VL": "avx512vl"}
SYSCTL_KEYS = ("machdep.cpu.features", "machdep.cpu.leaf7_features")


def from_sysctl_output(text):
    """The features named in `sysctl -n machdep.cpu.features machdep.cpu.leaf7_features`'s output."""
    return frozenset(SYSCTL_NAMES[word] for word in text.split() if word in SYSCTL_NAMES)


def from_sysctl(run=subprocess.run, release=None):
    """macOS without the extension: sysctl's words (what it prints for the keys it knows), without
    AVX-512 on a kernel before the opmask fix."""
    try:
        out = run(["sysctl", "-n", *SYSCTL_KEYS], capture_output=True, text=True, timeout=5).stdout
    except (OSError, subprocess.SubprocessError):
        return frozenset()
    found = from_sysctl_output(out or "")
    if not darwin_keeps_avx512_state(release if release is not None else _darwin_release()):
        found = frozenset(name for name in found if not name.startswith("avx512"))
    return found


# IsProcessorFeaturePresent's PF_ constants (winnt.h) → /proc/cpuinfo's names. There is no
# constant for FMA or POPCNT (the AVX2 tier needs both) or for AVX-512 DQ, BW or VL (the AVX-512
# tier needs them), and guessing them from AVX2 would crash a CPU (or a virtual machine) that
# lacks one: without the extension a Windows machine gets at most the SSE4.1 tier.
WINDOWS_FEATURES = {10: "sse2", 37: "sse4_1", 39: "avx", 40: "avx2", 41: "avx512f"}   # PF_XMMI64_..., PF_SSE4_1_...


def _kernel32():
    import ctypes
    return ctypes.WinDLL("kernel32")


def from_windows(kernel32=None):
    """Windows without the extension: what IsProcessorFeaturePresent answers, or nothing."""
    try:
        kernel32 = kernel32 if kernel32 is not None else _kernel32()
        present = kernel32.IsProcessorFeaturePresent
        return frozenset(name for number, name in WINDOWS_FEATURES.items() if present(number))
    except (ImportError, OSError, AttributeError):
        return frozenset()


def detect():
    """This host's features: from the processor where the extension can ask it, else from what the
    OS tells (see the module's docstring); empty when nothing answers."""
    found = from_processor()
    if found is None:
        found = from_proc_cpuinfo()
    if found is None and sys.platform == "darwin":
        found = from_sysctl()
    if found is None and sys.platform == "win32":
        found = from_windows()
    return found if found is not None else frozenset()
