"""csrc/simd.h on every tier: tests/c/simd_selftest.c compiled for the tier and run.

x86 tiers run natively where this CPU has the instructions (/proc/cpuinfo flags); NEON, and
the scalar tier built for AArch64, are cross-compiled with aarch64-linux-gnu-gcc -static and
run under qemu-aarch64. A tier is skipped only when the CPU or the cross tools are missing,
and the skip says which. The self-test prints one line per mismatch and "N passed, M failed".
"""
import os
import platform
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from resin_jit.toolchain import host
from resin_jit.toolchain import isa

ROOT = Path(__file__).resolve().parent.parent
CSRC = ROOT / "csrc"
HEADER = CSRC / "simd.h"
SELFTEST = Path(__file__).resolve().parent / "c" / "simd_selftest.c"

# The tiers, from resin_jit's one table (isa.TIERS): x86 ones run here when the CPU has their
# features; the AArch64 ones (NEON, and the scalar tier built for AArch64) under qemu.
X86_TIERS = [t.name for t in isa.tiers_of("x86_64")]
AARCH64_TIERS = [t.name for t in isa.tiers_of("aarch64")]
# -fno-math-errno and -ffp-contract=off as kernels are built (resin_jit/toolchain/build.py; simd.h says
# why both matter); warnings are errors so the header stays clean for whoever includes it.
BASE_FLAGS = ["-fno-math-errno", "-ffp-contract=off", "-Wall", "-Wextra", "-Werror"]
OPT_LEVELS = ["-O0", "-O2", "-O3"]

IS_X86_64 = platform.machine().lower() in ("x86_64", "amd64")
IS_AARCH64 = platform.machine().lower() in ("aarch64", "arm64")


def run_selftest(command, run, workdir):
    exe = workdir / "simd_selftest"
    build = subprocess.run([*command, "-I", str(CSRC), str(SELFTEST), "-o", str(exe), "-lm"],
                           capture_output=True, text=True, timeout=300)
    assert build.returncode == 0, f"compile failed: {' '.join(command)}\n{build.stderr}"
    proc = subprocess.run([*run, str(exe)], capture_output=True, text=True, timeout=300)
    summary = proc.stdout.strip().splitlines()[-1] if proc.stdout.strip() else "(no output)"
    assert proc.returncode == 0 and re.fullmatch(r"\d+ passed, 0 failed", summary), (
        f"self-test failed (exit {proc.returncode}): {' '.join(command)}\n{proc.stdout[-6000:]}{proc.stderr}")
    assert int(summary.split()[0]) > 100_000  # every op really ran over the edge-value table


def x86_command(cc, tier):
    if not IS_X86_64:
        pytest.skip(f"host is {platform.machine()}, not x86-64: cannot run the {tier} tier")
    if tier not in host.available_tiers():
        missing = sorted(isa.TIERS[tier].features - host._cpu_flags())
        pytest.skip(f"this CPU lacks {', '.join(missing)}: cannot run the {tier} tier")
    return [cc, *BASE_FLAGS, *isa.compile_flags(tier)]


def aarch64_command(cc_name, tier):
    """(compile command, run prefix) for an AArch64 tier: native on an AArch64 host, otherwise
    cross-compiled and run under qemu-aarch64."""
    flags = [*isa.compile_flags(tier), "-march=armv8-a"]
    if IS_AARCH64:
        return [cc_name, *BASE_FLAGS, *flags], []
    qemu = shutil.which("qemu-aarch64")
    if cc_name == "clang":
        cc = [shutil.which("clang"), "--target=aarch64-linux-gnu"]
        tools = cc[0] and shutil.which("aarch64-linux-gnu-gcc")  # clang links with its libraries
    else:
        cc = [shutil.which("aarch64-linux-gnu-gcc")]
        tools = cc[0]
    if not (tools and qemu):
        if os.environ.get("CI"):  # .ci/run installs them: missing there is a broken CI, not a skip
            raise RuntimeError("CI must provide aarch64-linux-gnu-gcc and qemu-aarch64")
        pytest.skip(f"needs {'clang, ' if cc_name == 'clang' else ''}gcc-aarch64-linux-gnu and qemu-user "
                    f"to run the {tier} tier for AArch64")
    return [*cc, "-static", *BASE_FLAGS, *flags], [qemu]


def need(cc):
    if shutil.which(cc) is None:
        pytest.skip(f"{cc} is not installed")


@pytest.mark.parametrize("opt", OPT_LEVELS)
@pytest.mark.parametrize("tier", list(X86_TIERS))
def test_selftest_x86_gcc(tier, opt, tmp_path):
    need("gcc")
    run_selftest([*x86_command("gcc", tier), opt], [], tmp_path)


@pytest.mark.parametrize("opt", OPT_LEVELS)
@pytest.mark.parametrize("tier", list(AARCH64_TIERS))
def test_selftest_aarch64_gcc(tier, opt, tmp_path):
    command, run = aarch64_command("gcc", tier)
    run_selftest([*command, opt], run, tmp_path)


# clang must accept the header too (its builtins differ from GCC's in a few places).
@pytest.mark.parametrize("tier", list(X86_TIERS))
def test_selftest_x86_clang(tier, tmp_path):
    need("clang")
    run_selftest([*x86_command("clang", tier), "-O2"], [], tmp_path)


@pytest.mark.parametrize("tier", list(AARCH64_TIERS))
def test_selftest_aarch64_clang(tier, tmp_path):
    need("clang")
    command, run = aarch64_command("clang", tier)
    run_selftest([*command, "-O2"], run, tmp_path)


# ---- the header itself ----------------------------------------------------------------------

TINY_KERNEL = """
#include "simd.h"
void kernel(const float *x, float *y, long n)
{
    long i = 0;
    for (; i + RJ_VF_WIDTH <= n; i += RJ_VF_WIDTH)
        rj_vf_store(y + i, rj_vf_floor(rj_vf_load(x + i)));
    for (; i < n; i++) y[i] = rj_f_floor(x[i]);
}
"""


def test_header_includes_no_intrinsics_header():
    # <immintrin.h> and friends cost gcc ~0.25-0.5 s to parse, several times a whole kernel.
    includes = [name for header in ("simd.h", "rj_isa.h", "simd_select.h")
                for name in re.findall(r'^\s*#\s*include\s*[<"]([^>"]+)[>"]', (CSRC / header).read_text(), re.MULTILINE)]
    assert "stdint.h" in includes
    assert not [name for name in includes if "intrin" in name], includes
    assert set(includes) <= {"stdint.h", "arm_neon.h", "rj_isa.h", "simd_select.h"}, includes  # arm_neon.h: NEON only


@pytest.mark.parametrize("tier", list(X86_TIERS))
def test_x86_tiers_preprocess_without_intrinsics_headers(tier, tmp_path):
    """What gcc really reads for a kernel on each x86 tier: no *intrin.h anywhere."""
    need("gcc")
    if not IS_X86_64:
        pytest.skip(f"host is {platform.machine()}, not x86-64")
    flags = isa.compile_flags(tier)
    source = tmp_path / "kernel.c"
    source.write_text(TINY_KERNEL)
    proc = subprocess.run(["gcc", "-E", "-O2", "-fno-math-errno", *flags, "-I", str(CSRC),
                           str(source)], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    files = set(re.findall(r'^# \d+ "([^"]+)"', proc.stdout, re.MULTILINE))
    assert str(HEADER) in files or any(f.endswith("simd.h") for f in files)
    assert not [f for f in files if "intrin" in Path(f).name], sorted(files)


@pytest.mark.parametrize("defines,flags,message", [
    ([], [], "define exactly one of"),
    (["RJ_ISA_SSE2", "RJ_ISA_AVX2"], ["-mavx2", "-mfma"], "define exactly one of"),
    (["RJ_ISA_AVX2"], [], "RJ_ISA_AVX2 needs -mavx2 -mfma"),
    (["RJ_ISA_AVX2"], ["-mavx2"], "RJ_ISA_AVX2 needs -mavx2 -mfma"),
    (["RJ_ISA_SSE41"], [], "RJ_ISA_SSE41 needs -msse4.1"),
    (["RJ_ISA_AVX512"], ["-mavx512f", "-mfma"], "RJ_ISA_AVX512 needs"),
    (["RJ_ISA_NEON"], [], "RJ_ISA_NEON needs an AArch64 compiler"),
])
def test_wrong_tier_flags_fail_with_a_clear_message(defines, flags, message, tmp_path):
    need("gcc")
    if not IS_X86_64:
        pytest.skip(f"host is {platform.machine()}, not x86-64")
    source = tmp_path / "kernel.c"
    source.write_text(TINY_KERNEL)
    proc = subprocess.run(["gcc", "-fsyntax-only", *[f"-D{d}" for d in defines], *flags, "-I", str(CSRC),
                           str(source)], capture_output=True, text=True, timeout=60)
    assert proc.returncode != 0
    first_error = next((line for line in proc.stderr.splitlines() if "error" in line), "")
    assert message in first_error, proc.stderr  # the #error comes before any builtin's complaint
