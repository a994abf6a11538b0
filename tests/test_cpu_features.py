"""Issue 19: the ISA tiers a host runs, from the processor on every OS (toolchain/cpu_features.py).

On this Linux host CPUID + XCR0 (the _dispatch extension's cpu_registers()) must give exactly what
/proc/cpuinfo gives. The decoding runs on register values written here from the Intel SDM (and
one recorded dump), so the OS-support rules are tested whatever this machine's CPU is; macOS's
sysctl path runs on outputs recorded on real Macs, Windows' IsProcessorFeaturePresent with a fake
kernel32. No tier is expected of this machine: it is an AVX2 or an AVX-512 CPU from run to run.
"""
import platform
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

from resin_jit.toolchain import cpu_features, host, isa, platforms

CPU_C = Path(__file__).resolve().parent.parent / "csrc" / "dispatch_cpu.c"
STRICT = ["-std=c11", "-Wpedantic", "-Wall", "-Wextra", "-Werror", "-Wmissing-prototypes", "-fsyntax-only"]
NEEDED = frozenset().union(*(tier.features for tier in isa.TIERS.values()))
X86_64 = host.architecture() == "x86_64"

# Where each feature is (Intel SDM vol. 2A, CPUID: leaf 1 ECX/EDX, leaf 7 subleaf 0 EBX), written
# out here rather than taken from the module under test.
BITS = {"sse2": ("leaf1_edx", 26), "sse4_1": ("leaf1_ecx", 19), "popcnt": ("leaf1_ecx", 23),
        "fma": ("leaf1_ecx", 12), "osxsave": ("leaf1_ecx", 27), "avx": ("leaf1_ecx", 28),
        "avx2": ("leaf7_ebx", 5), "avx512f": ("leaf7_ebx", 16), "avx512dq": ("leaf7_ebx", 17),
        "avx512bw": ("leaf7_ebx", 30), "avx512vl": ("leaf7_ebx", 31)}
SKYLAKE_X = tuple(BITS)   # every bit above: a CPU with all of them
XCR0_SSE_AVX, XCR0_ALL = 0x07, 0xE7   # x87|SSE|AVX state; and opmask, ZMM_Hi256, Hi16_ZMM
# cpu_registers() as recorded on an AMD EPYC (Zen 4) virtual machine, Linux: AVX-512 enabled.
RECORDED_ZEN4 = {"leaf1_ecx": 0xFFFA3203, "leaf1_edx": 0x178BFBFF, "leaf7_ebx": 0xF1BF07AB,
                 "xcr0": 0xE7, "darwin_avx512f": None}


def words(*features, xcr0=XCR0_ALL, darwin_avx512f=None):
    registers = {"leaf1_ecx": 0, "leaf1_edx": 0, "leaf7_ebx": 0, "xcr0": xcr0, "darwin_avx512f": darwin_avx512f}
    for name in features:
        register, bit = BITS[name]
        registers[register] |= 1 << bit
    return registers


def best(features):
    return host.tiers_with(features, "x86_64")[-1]


@pytest.mark.skipif(not (X86_64 and sys.platform.startswith("linux")),
                    reason="compares CPUID with Linux's /proc/cpuinfo: an x86-64 Linux host's test")
def test_cpuid_gives_what_proc_cpuinfo_gives_on_this_host():
    from resin_jit.runtime import _dispatch   # the tree's extension: the tests run with it built
    registers = _dispatch.cpu_registers()
    assert registers is not None and registers["darwin_avx512f"] is None
    cpuid, cpuinfo = cpu_features.from_registers(registers), cpu_features.from_proc_cpuinfo()
    for feature in sorted(NEEDED | {"avx"}):
        assert (feature in cpuid) == (feature in cpuinfo), f"{feature}: CPUID {feature in cpuid}, cpuinfo {feature in cpuinfo}"
    assert host.tiers_with(cpuid) == host.tiers_with(cpuinfo)
    assert host._cpu_flags() == cpuid                      # the processor is what the host asks first
    assert host.available_tiers() == host.tiers_with(cpuid)


def test_without_the_extensions_registers_linux_reads_proc_cpuinfo(monkeypatch):
    monkeypatch.setattr(cpu_features, "from_processor", lambda: None)
    monkeypatch.setattr(cpu_features, "from_proc_cpuinfo", lambda: frozenset({"sse2", "sse4_1"}))
    assert host.tiers_with(cpu_features.detect(), "x86_64") == ("scalar", "sse2", "sse4.1")


def test_an_extension_built_before_cpu_registers_is_not_the_processor(monkeypatch):
    import resin_jit
    from resin_jit.runtime import _dispatch
    assert cpu_features.read_registers == _dispatch.cpu_registers   # handed in by the package's top
    monkeypatch.delattr(_dispatch, "cpu_registers", raising=False)
    monkeypatch.setattr(cpu_features, "read_registers", getattr(_dispatch, "cpu_registers", None))
    assert cpu_features.from_processor() is None
    assert resin_jit.host_info()["isa_tiers"]


def test_every_tier_from_register_values_when_the_os_saves_every_state():
    assert cpu_features.from_registers(words(*SKYLAKE_X)) == NEEDED | {"avx"}
    assert host.tiers_with(cpu_features.from_registers(words(*SKYLAKE_X)), "x86_64") == (
        "scalar", "sse2", "sse4.1", "avx2", "avx512")
    assert best(cpu_features.from_registers(RECORDED_ZEN4)) == "avx512"


@pytest.mark.parametrize("xcr0", [XCR0_SSE_AVX, 0x27, 0x67, 0xA7, 0xC7], ids=hex)
def test_avx512_in_cpuid_but_zmm_state_not_enabled_by_the_os_is_no_avx512(xcr0):
    features = cpu_features.from_registers(words(*SKYLAKE_X, xcr0=xcr0))
    assert not any(name.startswith("avx512") for name in features)
    assert best(features) == "avx2"
    assert best(cpu_features.from_registers({**RECORDED_ZEN4, "xcr0": xcr0})) == "avx2"


@pytest.mark.parametrize("xcr0", [0x0, 0x1, 0x3, 0x5, 0xE3], ids=hex)
def test_without_the_ymm_state_there_is_no_avx_of_any_width(xcr0):
    features = cpu_features.from_registers(words(*SKYLAKE_X, xcr0=xcr0))
    assert features == {"sse2", "sse4_1", "popcnt"} and best(features) == "sse4.1"


def test_xcr0_is_not_believed_unless_the_os_enabled_xgetbv():
    no_osxsave = [name for name in SKYLAKE_X if name != "osxsave"]
    assert best(cpu_features.from_registers(words(*no_osxsave, xcr0=XCR0_ALL))) == "sse4.1"


@pytest.mark.parametrize("missing, tier", [("fma", "sse4.1"), ("popcnt", "sse4.1"), ("avx", "sse4.1"),
                                           ("avx2", "sse4.1"), ("avx512f", "avx2"), ("avx512vl", "avx2"),
                                           ("sse4_1", "sse2"), ("sse2", "scalar")])
def test_a_tier_needs_every_feature_of_it(missing, tier):
    assert best(cpu_features.from_registers(words(*(n for n in SKYLAKE_X if n != missing)))) == tier


def test_avx512_subsets_without_the_foundation_do_not_count():
    features = cpu_features.from_registers(words(*(n for n in SKYLAKE_X if n != "avx512f")))
    assert not any(name.startswith("avx512") for name in features)


def test_a_cpu_without_leaf_7_has_no_avx2():
    features = cpu_features.from_registers(words("sse2", "sse4_1", "popcnt", "fma", "osxsave", "avx"))
    assert "avx2" not in features and best(features) == "sse4.1"


def test_on_macos_the_kernels_word_replaces_xcr0_for_avx512():
    # A thread that has not yet run an AVX-512 instruction sees the ZMM state off in XCR0.
    assert best(cpu_features.from_registers(words(*SKYLAKE_X, xcr0=XCR0_SSE_AVX, darwin_avx512f=True))) == "avx512"
    assert best(cpu_features.from_registers(words(*SKYLAKE_X, xcr0=XCR0_ALL, darwin_avx512f=False))) == "avx2"


@pytest.mark.parametrize("release, kept", [("21.3.0", True), ("21.6.0", True), ("23.4.0", True),
                                           ("21.2.0", False), ("19.6.0", False), ("20.6.0", False),
                                           ("21.3", False), ("", False), (None, False), ("21.x.0", False)])
def test_avx512_only_from_the_darwin_kernel_that_keeps_the_opmask_registers(monkeypatch, release, kept):
    assert cpu_features.darwin_keeps_avx512_state(release) is kept
    monkeypatch.setattr(cpu_features, "_darwin_release", lambda: release)
    found = cpu_features.from_processor(lambda: words(*SKYLAKE_X, xcr0=XCR0_SSE_AVX, darwin_avx512f=True))
    assert best(found) == ("avx512" if kept else "avx2")


# `sysctl -n machdep.cpu.features machdep.cpu.leaf7_features` as real Macs print it (the values of
# `sysctl machdep.cpu.features machdep.cpu.leaf7_features` in the reports cited).
INTEL_MAC_AVX2 = (   # ggml-org/whisper.cpp#1250, Darwin 21.6.0
    "FPU VME DE PSE TSC MSR PAE MCE CX8 APIC SEP MTRR PGE MCA CMOV PAT PSE36 CLFSH DS ACPI MMX FXSR SSE "
    "SSE2 SS HTT TM PBE SSE3 PCLMULQDQ DTES64 MON DSCPL VMX EST TM2 SSSE3 FMA CX16 TPR PDCM SSE4.1 SSE4.2 "
    "x2APIC MOVBE POPCNT AES PCID XSAVE OSXSAVE SEGLIM64 TSCTMR AVX1.0 RDRAND F16C\n"
    "RDWRFSGS TSC_THREAD_OFFSET SGX BMI1 AVX2 SMEP BMI2 ERMS INVPCID FPU_CSDS MPX RDSEED ADX SMAP CLFSOPT "
    "IPT SGXLC MDCLEAR TSXFA IBRS STIBP L1DF ACAPMSR SSBD\n")
XEON_W_MAC_AVX512 = (   # leaf 7 line: a Xeon W Mac, BLAKE3-team/BLAKE3#232 (it reported no other
    # line; the leaf 1 line is whisper.cpp#1250's Intel Mac's)
    INTEL_MAC_AVX2.splitlines()[0] + "\n"
    "RDWRFSGS TSC_THREAD_OFFSET BMI1 HLE AVX2 FDPEO SMEP BMI2 ERMS INVPCID RTM PQM FPU_CSDS MPX PQE AVX512F "
    "AVX512DQ RDSEED ADX SMAP CLFSOPT CLWB IPT AVX512CD AVX512BW AVX512VL MDCLEAR TSXFA IBRS STIBP L1DF "
    "ACAPMSR SSBD\n")
THREADRIPPER_HACKINTOSH = (   # an AMD Threadripper 3970X running macOS, from a Hackintosh guide's README
    "FPU VME DE PSE TSC MSR PAE MCE CX8 APIC SEP MTRR PGE MCA CMOV PAT PSE36 CLFSH MMX FXSR SSE SSE2 HTT "
    "SSE3 PCLMULQDQ MON SSSE3 FMA CX16 SSE4.1 SSE4.2 MOVBE POPCNT AES XSAVE OSXSAVE AVX1.0 RDRAND F16C\n"
    "RDWRFSGS BMI1 AVX2 SMEP BMI2 PQM PQE RDSEED ADX SMAP CLFSOPT CLWB SHA UMIP RDPID\n")
APPLE_SILICON = subprocess.CompletedProcess(   # M1 Pro: no machdep.cpu.features (super-l/machine-code#1)
    ["sysctl"], 1, "", "sysctl: unknown oid 'machdep.cpu.features'\n")


def sysctl_printing(output):
    calls = []

    def run(command, **kwargs):
        calls.append(command)
        if isinstance(output, subprocess.CompletedProcess):
            return output
        return subprocess.CompletedProcess(command, 0, output, "")
    return run, calls


@pytest.mark.parametrize("output, tier", [(INTEL_MAC_AVX2, "avx2"), (XEON_W_MAC_AVX512, "avx512"),
                                          (THREADRIPPER_HACKINTOSH, "avx2")],
                         ids=["intel-avx2", "xeon-w-avx512", "amd"])
def test_sysctl_names_map_to_isa_names_on_real_macs(output, tier):
    run, calls = sysctl_printing(output)
    features = cpu_features.from_sysctl(run, release="22.6.0")
    assert calls == [["sysctl", "-n", "machdep.cpu.features", "machdep.cpu.leaf7_features"]]
    assert {"sse2", "sse4_1", "popcnt", "fma", "avx", "avx2"} <= features
    assert best(features) == tier
    assert features <= NEEDED | {"avx"}   # only names isa.py knows: sysctl's spellings never leak


def test_sysctl_avx512_only_on_a_kernel_that_keeps_the_opmask_registers():
    run, _ = sysctl_printing(XEON_W_MAC_AVX512)
    assert best(cpu_features.from_sysctl(run, release="20.6.0")) == "avx2"   # macOS 11.5


def test_apple_silicon_has_no_x86_features_and_runs_neon(monkeypatch):
    run, _ = sysctl_printing(APPLE_SILICON)
    assert cpu_features.from_sysctl(run, release="23.6.0") == frozenset()
    monkeypatch.setattr(platform, "machine", lambda: "arm64")
    monkeypatch.setattr(host, "_cpu_flags", lambda: pytest.fail("AArch64's tiers need no CPU features"))
    host.available_tiers.cache_clear()
    platforms.host.cache_clear()   # the machine is read once a process
    try:
        assert host.available_tiers() == ("scalar", "neon")
    finally:
        host.available_tiers.cache_clear()
        platforms.host.cache_clear()


class FakeKernel32:
    """IsProcessorFeaturePresent of a machine with the given PF_ constants; every call recorded."""

    def __init__(self, *present):
        self.present, self.asked = set(present), []

    def IsProcessorFeaturePresent(self, number):
        self.asked.append(number)
        return int(number in self.present)


PF_XMMI64, PF_SSE4_1, PF_AVX, PF_AVX2, PF_AVX512F = 10, 37, 39, 40, 41   # winnt.h


def test_windows_without_the_extension_gives_only_the_tiers_it_is_sure_of(monkeypatch):
    avx512_machine = FakeKernel32(PF_XMMI64, PF_SSE4_1, PF_AVX, PF_AVX2, PF_AVX512F)
    features = cpu_features.from_windows(avx512_machine)
    assert features == {"sse2", "sse4_1", "avx", "avx2", "avx512f"}
    assert sorted(avx512_machine.asked) == [PF_XMMI64, PF_SSE4_1, PF_AVX, PF_AVX2, PF_AVX512F]
    assert best(features) == "sse4.1"   # FMA, POPCNT, AVX-512 DQ/BW/VL: Windows cannot say
    assert best(cpu_features.from_windows(FakeKernel32(PF_XMMI64))) == "sse2"

    monkeypatch.setattr(sys, "platform", "win32")
    monkeypatch.setattr(cpu_features, "from_processor", lambda: None)
    monkeypatch.setattr(cpu_features, "from_proc_cpuinfo", lambda: None)
    monkeypatch.setattr(cpu_features, "_kernel32", lambda: avx512_machine)
    assert best(cpu_features.detect()) == "sse4.1"


def test_windows_without_kernel32_gives_nothing(monkeypatch):
    def no_kernel32():
        raise OSError("no kernel32 here")
    monkeypatch.setattr(cpu_features, "_kernel32", no_kernel32)
    assert cpu_features.from_windows() == frozenset()
    assert cpu_features.from_windows(object()) == frozenset()   # no IsProcessorFeaturePresent


def compiler(name):
    path = shutil.which(name)
    if path is None:
        pytest.skip(f"{name} is not installed")
    return path


@pytest.mark.parametrize("cc", ["gcc", "clang"])
def test_dispatch_cpu_c_is_standard_c_to_gcc_and_clang(cc):
    include = sysconfig.get_paths()["include"]
    proc = subprocess.run([compiler(cc), *STRICT, "-isystem", include, "-I", str(CPU_C.parent), str(CPU_C)],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr


# MSVC's documented signatures (learn.microsoft.com: __cpuid, __cpuidex, _xgetbv), and just enough
# of Python's API, so that the MSVC branch is compiled here with gcc and clang posing as MSVC.
FAKE_INTRIN_H = """void __cpuid(int cpuInfo[4], int function_id);
void __cpuidex(int cpuInfo[4], int function_id, int subfunction_id);
unsigned long long _xgetbv(unsigned int xcr);
"""
FAKE_DISPATCH_H = """#include <stddef.h>
typedef struct PyObject PyObject;
extern PyObject *Py_True, *Py_False, *Py_None;
PyObject *Py_BuildValue(const char *, ...);
PyObject *Py_NewRef(PyObject *);
#define Py_RETURN_NONE return Py_None
PyObject *rj_cpu_registers(PyObject *module, PyObject *unused);
"""


@pytest.mark.parametrize("cc", ["gcc", "clang"])
def test_dispatch_cpu_c_msvc_branch_compiles_against_msvcs_signatures(cc, tmp_path):
    (tmp_path / "intrin.h").write_text(FAKE_INTRIN_H)
    (tmp_path / "dispatch.h").write_text(FAKE_DISPATCH_H)
    source = tmp_path / "dispatch_cpu.c"
    source.write_text(CPU_C.read_text())
    as_msvc = ["-U__x86_64__", "-U__GNUC__", "-U__clang__", "-D_M_X64", "-D_MSC_VER=1930",
               "-Wno-builtin-macro-redefined", "-E", "-dM"]
    macros = subprocess.run([compiler(cc), *as_msvc, "-I", str(tmp_path), str(source)],
                            capture_output=True, text=True, timeout=120)
    assert "#define RJ_CPUID_MSVC 1" in macros.stdout, macros.stderr   # the branch really taken
    proc = subprocess.run([compiler(cc), *STRICT, *as_msvc[:-2], "-Wconversion", "-I", str(tmp_path), str(source)],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
