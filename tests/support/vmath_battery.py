"""The C battery, tests/c/vmath_check.c, built for a tier and an accuracy level and run
(tests/test_vmath_c.py), each binary built once a session; and, run as a script, a level's bounds
measured on the host's best tier and its partner (the tier classes of the accuracy tables: with
FMA and without), printed as csrc/vmath_functions.h's RJ_VM_LEVEL_BOUNDS rows:

    PYTHONPATH=.:tests python tests/support/vmath_battery.py ONE [--stride 7] [--samples 200000]

float32 columns: the worst error over every STRIDE-th float bit pattern (binary functions: random
bit patterns and their ranges), rounded up to 0.001 (0.5 at least: correctly rounded wherever
measured). float64 columns: SAMPLES random doubles of each declared range, rounded up with 0.005
to spare, never below the declared value (which a longer search found: README.md says how). Each
row ends with the measured values as a comment. Replace the level's rows in the header with them,
then README.md's table of the level with what tests/test_vmath_bounds.py says it should read.
"""
import argparse
import math
import os
import platform
import shutil
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from resin_jit.codegen.resources import csrc_dir
from resin_jit.front import vmath_table
from resin_jit.toolchain import isa
from resin_jit.toolchain.host import available_tiers

CHECK = Path(__file__).resolve().parent.parent / "c" / "vmath_check.c"
CC = shutil.which("gcc") or shutil.which("cc")
CROSS_CC = shutil.which("aarch64-linux-gnu-gcc")
QEMU = shutil.which("qemu-aarch64")
FLAGS = ["-O2", "-std=gnu11", "-fno-math-errno", "-ffp-contract=off", "-Wall", "-Werror"]
LEVELS = {ulp: name for name, ulp in vmath_table.LEVELS.items()}   # 0.5 -> "HALF", ...
TIERS = list(available_tiers())
NATIVE_ARCH = {"arm64": "aarch64", "amd64": "x86_64"}.get(platform.machine().lower(), platform.machine().lower())


def _emulated(tier):
    """Whether `tier` is another architecture's (NEON on x86-64): cross-built, run under qemu."""
    return isa.TIERS[tier].arch not in (None, NATIVE_ARCH)


def _best(fma):
    """The host's best tier with (or without) FMA, or None."""
    return next((t for t in reversed(TIERS) if isa.TIERS[t].fma == fma), None)


# the tiers the full battery runs on at every level: the best with FMA and the best without, one of
# each of the accuracy tables' tier classes (the others get a coarser battery, and the same hashes)
FULL_TIERS = tuple(t for t in (_best(True), _best(False)) if t)

_built = {}


def command(tier, level, exe, csrc=None):
    """The command that builds vmath_check.c for `tier` at accuracy level `level` (HALF, ONE or
    FOUR) into `exe`, against `csrc` (default: the package's csrc/)."""
    define = f"-DRJ_VM_LEVEL=RJ_VM_LEVEL_{level}"
    if _emulated(tier):
        cmd, libs = [CROSS_CC, "-static", *FLAGS, define, *isa.compile_flags(tier)], ["-lm"]
    elif NATIVE_ARCH != "x86_64":   # quad precision (pow's reference) is x86-64's libquadmath
        cmd, libs = [CC, *FLAGS, define, *isa.compile_flags(tier)], ["-lm"]
    else:
        cmd, libs = [CC, *FLAGS, define, *isa.compile_flags(tier)], ["-lm", "-lquadmath"]
    return [*cmd, "-I", str(csrc or csrc_dir()), str(CHECK), "-o", str(exe), *libs]


def build(tier, level, folder):
    """vmath_check.c built for `tier` at accuracy level `level` in `folder`, or the binary built
    earlier this session."""
    if (tier, level) not in _built:
        exe = Path(folder) / f"vmath_check_{tier}_{level}"
        subprocess.run(command(tier, level, exe), check=True, capture_output=True, text=True)
        _built[tier, level] = exe
    return _built[tier, level]


def build_all(pairs, folder):
    """Every (tier, level) of `pairs` built, as many at once as there are cores."""
    with ThreadPoolExecutor(os.cpu_count() or 1) as pool:
        list(pool.map(lambda pair: build(*pair, folder), pairs))


def run(tier, exe, *args):
    cmd = ([QEMU] if _emulated(tier) else []) + [str(exe), *args]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=3600)


# -- measuring a level's bounds ------------------------------------------------------------------

def worst_errors(tier, level, folder, stride, samples):
    """{function: (float32 worst, float64 worst)} measured by the battery's `w` mode."""
    proc = run(tier, build(tier, level, folder), "w", str(stride), str(samples))
    if proc.returncode:
        raise RuntimeError(proc.stdout + proc.stderr)
    found = {}
    for line in proc.stdout.splitlines():
        if line.startswith("worst "):
            _, name, _, f, _, d = line.split()
            found[name] = (float(f), float(d))
    return found


def _float32(worst):
    return max(0.5, math.ceil(worst * 1000 - 1e-9) / 1000)


def _float64(worst, declared):
    return max(declared, math.ceil((worst + 0.005) * 100 - 1e-9) / 100)


def level_rows(level, measured):
    """RJ_VM_LEVEL_BOUNDS rows for `level` from {tier: worst_errors(...)} of the FULL_TIERS."""
    by_class = {isa.TIERS[t].fma: errors for t, errors in measured.items()}
    rows = []
    for fn in vmath_table.FUNCTIONS:
        if fn.exact:
            continue
        declared = fn.bound_at(vmath_table.LEVELS[level])
        cells, notes = [], []
        for dtype in ("float32", "float64"):
            for fma in (True, False):
                column = f"{dtype}{'_fma' if fma else ''}"
                if fma not in by_class:      # no tier of this class here: the declared value stays
                    cells.append(declared[column])
                    notes.append(f"{column} not measured")
                    continue
                worst = by_class[fma][fn.name][dtype == "float64"]
                cells.append(_float32(worst) if dtype == "float32" else _float64(worst, declared[column]))
                notes.append(f"{worst:.4f}")
        rows.append(f"RJ_VM_LEVEL_BOUNDS({fn.name + ',':8} {level}, {', '.join(f'{c:g}' for c in cells)})"
                    f"  /* measured {', '.join(notes)} */")
    return rows


def main(argv=None):
    parser = argparse.ArgumentParser(description="Measure an accuracy level's bounds (csrc/vmath_functions.h's "
                                                 "RJ_VM_LEVEL_BOUNDS rows) with tests/c/vmath_check.c.")
    parser.add_argument("level", choices=[n for n in vmath_table.LEVELS if n != "HALF"])
    parser.add_argument("--stride", type=int, default=7, help="every STRIDE-th float bit pattern (README's: 7)")
    parser.add_argument("--samples", type=int, default=200_000, help="random doubles per declared range")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as folder:
        build_all([(t, args.level) for t in FULL_TIERS], folder)
        with ThreadPoolExecutor(len(FULL_TIERS)) as pool:
            measured = dict(zip(FULL_TIERS, pool.map(
                lambda t: worst_errors(t, args.level, folder, args.stride, args.samples), FULL_TIERS)))
    print(f"/* {args.level}: measured on {', '.join(FULL_TIERS)}, every {args.stride}-th float, "
          f"{args.samples} doubles a range */")
    print("\n".join(level_rows(args.level, measured)))


if __name__ == "__main__":
    sys.exit(main())
