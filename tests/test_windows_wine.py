"""Issue 19 item 5: Windows x86-64, run here under wine (support.wine), on every x86 tier this CPU
runs (wine runs the host's instructions), against the same code run natively on Linux.

- The C harnesses of tests/c built for Windows by MinGW-w64's gcc print what they print built by
  gcc for Linux: simd.h's self-test and vmath's NaN rules line for line, vmath's function values
  (vmath_check h) hash for hash. (The self-test's references for fma and sqrt compute exactly,
  in 113 bits: MinGW-w64's fmaf, fma and sqrt are not correctly rounded.) vmath_check's battery
  measures against the C library's long double functions, and MinGW-w64's are not glibc's (sinl
  and sin of 1e22 give 0.4626, not -0.8522: the x87's reduction), so under wine only what needs
  no library is held of it: every vector lane and its scalar twin agree on every function.
- Generated kernels (support.cross_kernels: vector math on edge values, reductions, the demo's
  audio patch, a channel filter, a scalar function, VSA operations) compiled for Windows by zig cc
  (every tier) and by MinGW-w64's gcc (BUILDS), linked into one program with
  tests/c/call_harness.c, give the bytes resin_jit's native calls gave here (outputs, state,
  returned numbers), all in one wine run. gcc's are the same bytes throughout; zig's are too,
  but that where two NaNs meet in a stateful kernel's C arithmetic it may pick the other NaN, as
  it does on Linux (tests/test_compilers.py's LOOSE_NAN_BITS): a compiler's choice, not Windows'.
- The same kernels as DLLs, each loaded with LoadLibraryW and its rj_entry found by name
  (GetProcAddress), give the same bytes; a DLL exports exactly what its source marks RJ_EXPORT
  (linked so that nothing unmarked is exported: csrc/rj_abi.h's __declspec(dllexport) is what
  makes the entry visible).

Missing wine, MinGW-w64 or zig is a skip here and an error on CI (.ci/run installs them)."""
import os
import re
import subprocess
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from resin_jit.codegen.resources import csrc_dir
from resin_jit.front import vmath_table
from resin_jit.toolchain import isa

from support import TIERS, cross_kernels, crossrun, needs_native
from support.wine import COMPILERS, MINGW_CC, Wine, compile_kernel, exports, link_dll, link_harness, link_loader, \
    needs_wine

pytestmark = [needs_wine, needs_native]

HARNESSES = Path(__file__).parent / "c"
FLAGS = ["-O2", "-std=gnu11", "-fno-math-errno", "-ffp-contract=off", "-Wall", "-Werror"]
# harness: (libraries, arguments of the run whose output must be the same on both)
C_HARNESSES = {"simd_selftest": (["-lm"], ()), "vmath_nans": (["-lm"], ()),
               "vmath_check": (["-lm", "-lquadmath"], ("h", "30011"))}
# What a harness prints natively that is known without building it again: vmath_nans prints one
# line when every rule holds, and tests/test_vmath_nans_c.py holds that it does
PRINTS_NATIVELY = {"vmath_nans": lambda tier: f"tier {tier}: PASS\n"}


def in_parallel(fn, items):
    with ThreadPoolExecutor(os.cpu_count() or 2) as pool:
        return list(pool.map(fn, items))


@pytest.fixture(scope="module")
def wine(tmp_path_factory):
    session = Wine(tmp_path_factory.mktemp("wine"))
    yield session
    session.close()


@pytest.fixture(scope="module")
def c_harness(tmp_path_factory):
    """(name, tier, for Windows?) → tests/c's harness `name` built for the tier, once."""
    built = {}

    def build(key):
        if key not in built:
            name, tier, windows = key
            exe = tmp_path_factory.mktemp(name) / (f"{name}.exe" if windows else name)
            command = [MINGW_CC, "-static"] if windows else ["gcc"]
            proc = subprocess.run([*command, *FLAGS, *isa.compile_flags(tier), "-I", str(csrc_dir()),
                                   str(HARNESSES / f"{name}.c"), "-o", str(exe), *C_HARNESSES[name][0]],
                                  capture_output=True, text=True, timeout=600)
            assert proc.returncode == 0, f"{name} for {'Windows' if windows else 'Linux'}: {proc.stderr}"
            built[key] = exe
        return built[key]
    return build


def text(stdout):
    return stdout.decode().replace("\r\n", "\n")   # Windows's text mode ends lines with CR LF


@pytest.mark.parametrize("tier", TIERS)
def test_c_harnesses_print_under_wine_what_they_print_natively(tier, c_harness, wine):
    in_parallel(c_harness, [(name, tier, windows) for name in C_HARNESSES for windows in (False, True)
                            if windows or name not in PRINTS_NATIVELY])
    printed = {}
    for name, (_, args) in C_HARNESSES.items():
        if name in PRINTS_NATIVELY:
            printed[name] = PRINTS_NATIVELY[name](tier)
        else:
            native = subprocess.run([c_harness((name, tier, False)), *args], capture_output=True, timeout=600)
            assert native.returncode == 0, native.stdout[-3000:]
            printed[name] = text(native.stdout)
        windows = wine.run(c_harness((name, tier, True)), *args)
        assert text(windows.stdout) == printed[name] and windows.returncode == 0, \
            f"{name} {' '.join(args)}: under wine (exit {windows.returncode}):\n{text(windows.stdout)[-3000:]}\n" \
            f"natively:\n{printed[name][-3000:]}"
    assert printed["simd_selftest"].endswith(" passed, 0 failed\n")
    hashed = [line.split()[0] for line in printed["vmath_check"].splitlines()]
    assert sorted(hashed) == sorted(fn.name for fn in vmath_table.FUNCTIONS)   # every function, float and double


@pytest.mark.parametrize("tier", TIERS)
def test_vmath_lanes_and_twins_agree_under_wine(tier, c_harness, wine):
    """vmath_check's battery (coarse: q) under wine: every function ran, and no scalar twin differs
    from its vector lane. (Its errors are measured against MinGW-w64's long double functions.)"""
    proc = wine.run(c_harness(("vmath_check", tier, True)), "q")
    lines = [line for line in text(proc.stdout).splitlines() if "twin mismatches" in line]
    for fn in vmath_table.FUNCTIONS:
        for dtype in ("float", "double"):
            assert any(re.match(rf"\w+ +{dtype} {fn.name}\b", line) for line in lines), (fn.name, dtype, proc.stdout)
    mismatched = [line for line in lines if not re.search(r"twin mismatches 0 of [1-9]", line)]
    assert not mismatched, mismatched


@pytest.fixture(scope="module")
def native_cases():
    """Every tier's kernels and the calls resin_jit made of them natively here."""
    return [case for tier in TIERS for case in cross_kernels.cases(tier)]


# What each compiler builds: zig every tier's kernels; MinGW-w64's gcc those of the tiers whose
# vectors are wider than the 16 bytes Windows aligns its stack to (gcc realigns to spill them).
BUILDS = {"zig": TIERS, "mingw-gcc": [t for t in TIERS if t in ("avx2", "avx512")] or TIERS[-1:]}


@pytest.fixture(scope="module")
def windows_objects(native_cases, tmp_path_factory):
    """compiler → [(case, its kernel compiled for Windows at its tier: an object file)], made once."""
    made = {}

    def objects(compiler):
        if compiler not in made:
            folder = tmp_path_factory.mktemp(f"windows-{compiler}")
            cases = [case for case in native_cases if case.tier in BUILDS[compiler]]
            objects = in_parallel(lambda n: compile_kernel(cases[n].source, compiler, cases[n].tier, folder / f"k{n}.o"),
                                  range(len(cases)))
            made[compiler] = list(zip(cases, objects))
        return made[compiler]
    return objects


def assert_same_as_native(proc, cases, compiler):
    """The harness's replies are the native calls' bytes. zig puts a NaN that two NaNs make in a
    stateful kernel's C arithmetic (whose operands compilers may swap) where gcc does not, on Linux
    as on Windows: there (only) a NaN may be another (tests/test_compilers.py's LOOSE_NAN_BITS)."""
    assert proc.returncode == 0, f"exit {proc.returncode}: {proc.stderr.decode()[-2000:]}"
    different = crossrun.differences(cases, crossrun.replies(proc.stdout, cases),
                                     lambda case: compiler == "zig" and case.stateful)
    assert not different, "\n".join(different[:40])


@pytest.mark.parametrize("compiler", COMPILERS)
def test_kernels_linked_into_a_windows_program_give_linux_bits(compiler, windows_objects, wine, tmp_path):
    cases, objects = zip(*windows_objects(compiler))
    exe = link_harness(objects, [case.stateful for case in cases], tmp_path, "kernels")
    assert_same_as_native(wine.run(exe, payload=crossrun.requests(cases)), cases, compiler)


def test_kernel_dlls_export_what_is_marked_and_give_linux_bits(windows_objects, wine, tmp_path):
    cases, objects = zip(*windows_objects("zig"))
    dlls = in_parallel(lambda n: link_dll(objects[n], tmp_path / f"k{n}.dll"), range(len(objects)))
    for case, dll in zip(cases, dlls):
        marked = sorted(re.findall(r"^RJ_EXPORT\b[^(]*?\b(\w+)\s*\(", case.source, re.M))
        assert "rj_entry" in marked and exports(dll) == marked, (case.label, exports(dll), marked)
    loader = link_loader(tmp_path)
    assert_same_as_native(wine.run(loader, *(dll.name for dll in dlls), payload=crossrun.requests(cases)), cases, "zig")
