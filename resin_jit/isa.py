"""One table per ISA tier: the macro that selects csrc/simd.h's layer, compiler flags, lane counts.

A wider tier starts from the tier below and overrides only what differs (as pystencils'
instruction-set tables do). The op-to-C rules themselves live in ops.py and are the same
for every tier, because csrc/simd.h gives every tier the same names.
"""
from types import MappingProxyType

_SCALAR = {"macro": "RJ_ISA_SCALAR", "flags": (), "lanes": {"float32": 1, "float64": 1}, "arch": None}
_SSE2 = {**_SCALAR, "macro": "RJ_ISA_SSE2", "flags": ("-msse2",), "lanes": {"float32": 4, "float64": 2},
         "arch": "x86_64"}
_SSE41 = {**_SSE2, "macro": "RJ_ISA_SSE41", "flags": ("-msse4.1",)}
_AVX2 = {**_SSE41, "macro": "RJ_ISA_AVX2", "flags": ("-mavx2", "-mfma", "-mpopcnt"), "lanes": {"float32": 8, "float64": 4}}
_AVX512 = {**_AVX2, "macro": "RJ_ISA_AVX512",
           "flags": ("-mavx512f", "-mavx512dq", "-mavx512vl", "-mavx512bw", "-mfma", "-mpopcnt"),
           "lanes": {"float32": 16, "float64": 8}}
_NEON = {**_SSE2, "macro": "RJ_ISA_NEON", "flags": ("-march=armv8-a",), "arch": "aarch64"}

TIERS = MappingProxyType({
    "scalar": _SCALAR,
    "sse2": _SSE2,
    "sse4.1": _SSE41,
    "avx2": _AVX2,
    "avx512": _AVX512,
    "neon": _NEON,
})


def tier(name):
    return TIERS[name]


def compile_flags(name):
    """The flags that select a tier: its -m options and the macro csrc/simd.h switches on."""
    t = TIERS[name]
    return list(t["flags"]) + [f"-D{t['macro']}"]
