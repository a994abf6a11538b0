"""No vector-math function wanders into denormals on ordinary arguments (tests/c/vmath_assists.c):
on Intel cores every operation with a denormal operand or result costs a microcode assist, and a
route a function computes and then selects away is paid for in every lane. float64 exp of
(0.1, 3) was once four times dearer than of (-700, 700) for this reason. The x86 sticky flags
(MXCSR's denormal-operand and underflow flags) say it without timing anything: on every x86 tier
this host runs, at every accuracy level on the best of them."""
import platform
import shutil
import subprocess
from pathlib import Path

import pytest

from resin_jit.codegen.resources import csrc_dir
from resin_jit.toolchain import isa

from support import TIERS

HARNESS = Path(__file__).parent / "c" / "vmath_assists.c"
CC = shutil.which("gcc") or shutil.which("cc")
FLAGS = ["-O2", "-std=gnu11", "-fno-math-errno", "-ffp-contract=off", "-Wall", "-Werror"]
X86_TIERS = [t for t in TIERS if t != "neon"]
LEVELS = {0.5: "RJ_VM_LEVEL_HALF", 1.0: "RJ_VM_LEVEL_ONE", 4.0: "RJ_VM_LEVEL_FOUR"}

pytestmark = [pytest.mark.skipif(CC is None, reason="no C compiler"),
              pytest.mark.skipif(platform.machine().lower() not in ("x86_64", "amd64"),
                                 reason="MXCSR's flags are x86's")]


def run_harness(tier, level, tmp_path):
    exe = tmp_path / f"assists_{tier}_{level}"
    subprocess.run([CC, *FLAGS, *isa.compile_flags(tier), f"-DRJ_VM_LEVEL={LEVELS[level]}", "-I", str(csrc_dir()),
                    str(HARNESS), "-o", str(exe), "-lm"], check=True, capture_output=True, text=True)
    return subprocess.run([str(exe)], capture_output=True, text=True, timeout=120)


CASES = [(tier, 1.0) for tier in X86_TIERS[:-1]] + [(X86_TIERS[-1], level) for level in LEVELS]


@pytest.mark.parametrize("tier,level", CASES)
def test_no_denormals_on_ordinary_arguments(tier, level, tmp_path):
    proc = run_harness(tier, level, tmp_path)
    assert proc.returncode == 0 and proc.stdout.startswith("PASS"), proc.stdout + proc.stderr


def test_the_harness_sees_a_denormal(tmp_path):
    """The flags are read: a function made to compute a denormal it throws away is reported."""
    csrc = tmp_path / "csrc"
    shutil.copytree(csrc_dir(), csrc)
    exp = csrc / "vmath_exp.h"
    # exp's result times a denormal, selected away in every lane: the route costs, the value not
    text = exp.read_text()
    scaled = "F(vm_exp16_scale)(head + small, t)"          # the default level's exp (every tier)
    text = text.replace(f"return NAN_IN(x, {scaled});",
                        "const V wasted = (head + small) * K(0x1p-1060);\n"
                        f"    return NAN_IN(x, F(select)(F(lt)(wasted, K(0.0)), wasted, {scaled}));")
    assert text != exp.read_text()
    exp.write_text(text)
    exe = tmp_path / "assists"
    subprocess.run([CC, *FLAGS, *isa.compile_flags(X86_TIERS[-1]), "-I", str(csrc), str(HARNESS), "-o", str(exe), "-lm"],
                   check=True, capture_output=True, text=True)
    proc = subprocess.run([str(exe)], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 1 and proc.stdout.splitlines()[0].startswith("double exp: denormal operand underflow"), \
        proc.stdout
