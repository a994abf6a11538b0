"""tests/c/vmath_nans.c on every tier, built by gcc and by clang, and for AArch64 (NEON and its
scalar tier) under qemu: a domain error gives the machine's invalid-operation NaN, a NaN argument
comes out as itself and of two the first (nextafter: y's), in every vector lane and in the scalar
twin alike. The kernels' side of the same rules is tests/test_vmath_nans.py; this one also holds
the AArch64 build and clang (which constant-folds more than gcc, and knows fewer builtins)."""
import shutil
import subprocess
from pathlib import Path

import pytest

from resin_jit.toolchain import isa
from resin_jit.codegen.resources import csrc_dir

from support import CROSS_CC, QEMU, TIERS, needs_neon

SOURCE = Path(__file__).parent / "c" / "vmath_nans.c"
FLAGS = ["-O2", "-std=gnu11", "-fno-math-errno", "-ffp-contract=off", "-Wall", "-Werror"]
COMPILERS = [cc for cc in ("gcc", "clang") if shutil.which(cc)]

pytestmark = pytest.mark.skipif(not COMPILERS, reason="no C compiler")


def build_and_run(command, tmp_path, runner=()):
    exe = tmp_path / "vmath_nans"
    subprocess.run([*command, "-I", str(csrc_dir()), str(SOURCE), "-o", str(exe), "-lm"],
                   check=True, capture_output=True, text=True)
    return subprocess.run([*runner, str(exe)], capture_output=True, text=True, timeout=300)


@pytest.mark.parametrize("cc", COMPILERS)
@pytest.mark.parametrize("tier", TIERS)
def test_nan_rules(tier, cc, tmp_path):
    proc = build_and_run([shutil.which(cc), *FLAGS, *isa.compile_flags(tier)], tmp_path)
    assert proc.returncode == 0 and proc.stdout.rstrip().endswith("PASS"), proc.stdout + proc.stderr


@needs_neon
@pytest.mark.parametrize("tier", ["neon", "scalar"])
def test_nan_rules_aarch64(tier, tmp_path):
    """AArch64's invalid-operation NaN has the sign clear: the header's RJ_VM_DEFAULT_NAN follows."""
    proc = build_and_run([CROSS_CC, "-static", *FLAGS, *isa.compile_flags(tier)], tmp_path, runner=[QEMU])
    assert proc.returncode == 0 and proc.stdout.rstrip().endswith("PASS"), proc.stdout + proc.stderr
