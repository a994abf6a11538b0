"""csrc/vmath.h in C, tier by tier (tests/c/vmath_check.c): every declared function's float
accuracy over a stride through all float bit patterns and its double accuracy on random samples
over its ranges, held to the accuracy csrc/vmath_functions.h declares (README.md states it,
checked by test_vmath_bounds.py); the IEEE special values; and that each scalar twin matches its
vector lane bit for bit. Then that tiers which round alike give identical results for every
function: every FMA tier (AVX2, AVX-512, NEON) one set, every other tier another."""
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from resin_jit.toolchain import isa
from resin_jit.codegen.resources import csrc_dir
from resin_jit.front import vmath_table

from support import CAN_RUN_NEON, CROSS_CC, QEMU, TIERS, needs_neon

CHECK = Path(__file__).parent / "c" / "vmath_check.c"
CC = shutil.which("gcc") or shutil.which("cc")
FLAGS = ["-O2", "-std=gnu11", "-fno-math-errno", "-ffp-contract=off", "-Wall", "-Werror"]
FMA_TIERS = {"avx2", "avx512", "neon"}

pytestmark = pytest.mark.skipif(CC is None, reason="no C compiler")

_built = {}


def build(tier, tmp_path_factory):
    if tier not in _built:
        exe = tmp_path_factory.mktemp("vmath") / f"vmath_check_{tier}"
        if tier == "neon":
            cmd, libs = [CROSS_CC, "-static", *FLAGS, *isa.compile_flags("neon")], ["-lm"]
        else:   # pow's reference in quad precision (vmath_check.c)
            cmd, libs = [CC, *FLAGS, *isa.compile_flags(tier)], ["-lm", "-lquadmath"]
        subprocess.run([*cmd, "-I", str(csrc_dir()), str(CHECK), "-o", str(exe), *libs],
                       check=True, capture_output=True, text=True)
        _built[tier] = exe
    return _built[tier]


def run(tier, exe, *args):
    cmd = ([QEMU] if tier == "neon" else []) + [str(exe), *args]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=600)


@pytest.mark.parametrize("tier", TIERS)
def test_battery(tier, tmp_path_factory):
    proc = run(tier, build(tier, tmp_path_factory))
    assert proc.returncode == 0 and proc.stdout.rstrip().endswith("PASS"), proc.stdout + proc.stderr
    for fn in vmath_table.FUNCTIONS:     # every declared function, in float and in double
        for dtype in ("float", "double"):
            assert re.search(rf"^ok +{dtype} {fn.name}\b", proc.stdout, re.M), (fn.name, dtype)


@needs_neon
def test_battery_neon(tmp_path_factory):
    proc = run("neon", build("neon", tmp_path_factory), "q")   # qemu is slow: a coarser stride
    assert proc.returncode == 0 and proc.stdout.rstrip().endswith("PASS"), proc.stdout + proc.stderr


def test_tiers_that_round_alike_agree(tmp_path_factory):
    tiers = list(TIERS) + (["neon"] if CAN_RUN_NEON else [])
    hashes = {}
    for tier in tiers:
        proc = run(tier, build(tier, tmp_path_factory), "h", "30011")
        assert proc.returncode == 0, proc.stderr
        hashes[tier] = proc.stdout
    for group in (FMA_TIERS, set(isa.TIERS) - FMA_TIERS):
        seen = {tier: hashes[tier] for tier in tiers if tier in group}
        assert len(set(seen.values())) <= 1, seen
