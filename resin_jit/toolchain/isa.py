"""The ISA tiers: one table, from which host detection, compiler flags and the tests all derive.

Each tier names the macro that selects csrc/rj_isa.h's layer, the compiler flags that enable its
instructions, the CPU features a host needs to run it (as /proc/cpuinfo spells them) and the
architecture it belongs to (None: every architecture). Within an architecture, tiers are listed
lowest first; a wider tier starts from the one below and overrides what differs, as pystencils'
instruction-set tables do. The op-to-C rules (front/ops.py) are the same for every tier, because
csrc/simd.h gives every tier the same names.
"""
from dataclasses import dataclass, replace
from types import MappingProxyType


@dataclass(frozen=True)
class Tier:
    name: str
    macro: str
    flags: tuple = ()           # compiler flags that enable the tier's instructions
    features: frozenset = frozenset()   # CPU features (/proc/cpuinfo names) it needs
    arch: "str | None" = None   # None: any architecture
    fma: bool = False           # has fused multiply-add (csrc/rj_isa.h's RJ_HAS_FMA): fastmath's fused
                                # ops (front/fusion.py) round once here, twice (as unfused) elsewhere

    def compile_flags(self):
        """The flags that select the tier: its -m options and the macro the headers switch on."""
        return [*self.flags, f"-D{self.macro}"]


_SCALAR = Tier("scalar", "RJ_ISA_SCALAR")
_SSE2 = Tier("sse2", "RJ_ISA_SSE2", ("-msse2",), frozenset({"sse2"}), "x86_64")
_SSE41 = replace(_SSE2, name="sse4.1", macro="RJ_ISA_SSE41", flags=("-msse4.1",),
                 features=_SSE2.features | {"sse4_1"})
_AVX2 = replace(_SSE41, name="avx2", macro="RJ_ISA_AVX2", flags=("-mavx2", "-mfma", "-mpopcnt"),
                features=_SSE41.features | {"avx2", "fma", "popcnt"}, fma=True)
_AVX512 = replace(_AVX2, name="avx512", macro="RJ_ISA_AVX512",
                  flags=("-mavx512f", "-mavx512dq", "-mavx512vl", "-mavx512bw", "-mfma", "-mpopcnt"),
                  features=_AVX2.features | {"avx512f", "avx512dq", "avx512vl", "avx512bw"})
_NEON = Tier("neon", "RJ_ISA_NEON", ("-march=armv8-a",), frozenset(), "aarch64", fma=True)  # Advanced SIMD is mandatory

TIERS = MappingProxyType({t.name: t for t in (_SCALAR, _SSE2, _SSE41, _AVX2, _AVX512, _NEON)})


def tiers_of(arch):
    """The tiers an architecture has, lowest first (the scalar tier is everyone's)."""
    return tuple(t for t in TIERS.values() if t.arch in (None, arch))


def compile_flags(name):
    return TIERS[name].compile_flags()
