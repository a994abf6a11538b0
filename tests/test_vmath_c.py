"""csrc/vmath.h in C, tier by tier and accuracy level by level (tests/c/vmath_check.c, built with
-DRJ_VM_LEVEL=RJ_VM_LEVEL_HALF, _ONE or _FOUR by tests/support/vmath_battery.py): every declared
function's float accuracy over a stride through all float bit patterns and its double accuracy on
random samples over its ranges, held to the accuracy csrc/vmath_functions.h declares at that level
(README.md states it, checked by test_vmath_bounds.py); the IEEE special values; and that each
scalar twin matches its vector lane bit for bit. Then that tiers which round alike give identical
results for every function at every level: every FMA tier (AVX2, AVX-512, NEON) one set, every
other tier another.

The full battery runs at every level on the host's best tier with FMA and its best without (one
of each tier class of the tables, support.vmath_battery.FULL_TIERS) and on every tier at the
default level; elsewhere a 7 times coarser one (and the hashes, which tie every tier to its
class's full run)."""
import re
import shutil
import subprocess

import pytest

from resin_jit.codegen.resources import csrc_dir
from resin_jit.front import vmath_table
from resin_jit.toolchain import isa

from support import CAN_RUN_NEON, TIERS, needs_neon
from support.vmath_battery import CC, FULL_TIERS, LEVELS, NATIVE_ARCH, build, build_all, command, run

DEFAULT = LEVELS[1.0]     # vmath.h's RJ_VM_LEVEL without a define, and JitConfig's default
FMA_TIERS = {t for t in isa.TIERS if isa.TIERS[t].fma}
NEON = ["neon"] if CAN_RUN_NEON and "neon" not in TIERS else []   # emulated, where the host has it not

pytestmark = pytest.mark.skipif(CC is None, reason="no C compiler")


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    """Where this session's batteries are built: every tier at every level, at once."""
    path = tmp_path_factory.mktemp("vmath")
    build_all([(tier, level) for level in LEVELS.values() for tier in TIERS + NEON], path)
    return path


def passes(proc):
    return proc.returncode == 0 and proc.stdout.rstrip().endswith("PASS")


@pytest.mark.parametrize("level", LEVELS.values())
@pytest.mark.parametrize("tier", TIERS)
def test_battery(tier, level, folder):
    full = tier in FULL_TIERS or level == DEFAULT
    proc = run(tier, build(tier, level, folder), *([] if full else ["q"]))
    assert passes(proc), proc.stdout + proc.stderr
    assert proc.stdout.startswith(f"tier {tier} level {level}\n"), proc.stdout[:100]
    for fn in vmath_table.FUNCTIONS:     # every declared function, in float and in double
        for dtype in ("float", "double"):
            assert re.search(rf"^ok +{dtype} {fn.name}\b", proc.stdout, re.M), (fn.name, dtype)


@needs_neon
def test_battery_neon(folder):
    proc = run("neon", build("neon", DEFAULT, folder), "q")   # qemu is slow: a coarser stride
    assert passes(proc), proc.stdout + proc.stderr


@pytest.mark.parametrize("level", LEVELS.values())
def test_tiers_that_round_alike_agree(level, folder):
    """(NEON's hashes under qemu are the cost: a 10 times coarser stride at the other levels)"""
    hashes = {}
    for tier in TIERS + NEON:
        proc = run(tier, build(tier, level, folder), "h", "30011" if level == DEFAULT else "300007")
        assert proc.returncode == 0, proc.stderr
        hashes[tier] = proc.stdout
    for group in (FMA_TIERS, set(isa.TIERS) - FMA_TIERS):
        seen = {tier: hashes[tier] for tier in hashes if tier in group}
        assert len(set(seen.values())) <= 1, seen


@pytest.mark.skipif(NATIVE_ARCH != "x86_64", reason="MXCSR's DAZ is x86's")
@pytest.mark.parametrize("level", LEVELS.values())
def test_fma_tiers_agree_with_denormals_as_zeros(level, folder):
    """A process that set MXCSR's DAZ (a library may): AVX-512's vgetexp, vgetmant and vfixupimm take a
    denormal as a zero, as every comparison and operation elsewhere does, and so must the generic
    code (cbrt of a denormal gave the denormal itself on AVX2 but +-0 on AVX-512)."""
    hashes = {}
    for tier in (t for t in TIERS if t in FMA_TIERS):
        proc = run(tier, build(tier, level, folder), "z", "30011")
        assert proc.returncode == 0, proc.stderr
        hashes[tier] = proc.stdout
    assert len(set(hashes.values())) <= 1, hashes


def test_the_battery_holds_the_levels_bounds(tmp_path):
    """The battery holds a function to its RJ_VM_LEVEL_BOUNDS row at that level, not to another
    level's: with sin's FOUR row made stricter than anything measures, the FOUR battery fails on
    float sin alone."""
    csrc = tmp_path / "csrc"
    shutil.copytree(csrc_dir(), csrc)
    header = csrc / "vmath_functions.h"
    row = re.compile(r"RJ_VM_LEVEL_BOUNDS\(sin, +FOUR, [^,]+, [^,]+,")
    assert row.search(header.read_text())
    header.write_text(row.sub("RJ_VM_LEVEL_BOUNDS(sin, FOUR, 0.1, 0.1,", header.read_text()))
    exe = tmp_path / "vmath_check"
    subprocess.run(command("scalar", "FOUR", exe, csrc), check=True, capture_output=True, text=True)
    proc = run("scalar", exe, "q")
    failed = [line.split()[1:3] for line in proc.stdout.splitlines() if line.startswith("FAIL ")]
    assert proc.returncode == 1 and failed == [["float", "sin,"]], proc.stdout


def test_the_measuring_mode_prints_every_function(folder):
    """vmath_check.c's w mode (support/vmath_battery.py measures a level's bounds with it): each
    function's worst error in float and in double, within the level's bounds."""
    tier = FULL_TIERS[0]
    for level in LEVELS.values():
        proc = run(tier, build(tier, level, folder), "w", "400009", "200")
        assert proc.returncode == 0 and proc.stdout.startswith(f"tier {tier} level {level}\n"), proc.stdout
        fma = "_fma" if isa.TIERS[tier].fma else ""
        for fn in vmath_table.FUNCTIONS:
            m = re.search(rf"^worst {fn.name} float (\S+) double (\S+)$", proc.stdout, re.M)
            bound = fn.bound_at(vmath_table.LEVELS[level])
            assert m and float(m.group(1)) <= bound[f"float32{fma}"] and float(m.group(2)) <= bound[f"float64{fma}"], \
                (fn.name, level, m and m.group())
