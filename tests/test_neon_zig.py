"""Issue 19 item 5: the NEON tier built by zig cc (-target aarch64-linux-gnu, as `resin-jit warm`
cross-builds a linux-aarch64 layer) as well as by gcc, run under qemu-aarch64 (support.neon).

- tests/c's harnesses built by zig print what gcc's print: simd.h's self-test, vmath's NaN rules,
  vmath's function values (vmath_check h, hash for hash).
- Generated kernels (support.cross_kernels: vector math on edge values, reductions, the demo's
  audio patch, a channel filter, a scalar function, VSA operations), linked with
  tests/c/call_harness.c and called as resin_jit called them natively here: zig's give gcc's
  bytes, outputs and state alike; and both give what this machine's x86-64 FMA tier gave, which
  rounds as NEON does: every value the same bits but a NaN's (AArch64's invalid-operation NaN has
  its sign clear), sums within README's bound (their order follows the vector width), and the
  state left out (its layout follows the vector width too).

Missing cross tools, qemu or zig is a skip here and an error on CI (.ci/run installs them)."""
import os
import subprocess
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from support import CROSS_CC, QEMU, TIERS, cross_kernels, crossrun, needs_native, needs_neon, zig_binary
from support.neon import COMPILERS, compile_kernel, link_call_harness

if os.environ.get("CI") and zig_binary() is None:
    raise RuntimeError("CI must provide zig (the ziglang package: .ci/run installs it) for the NEON tier built by zig")
pytestmark = [needs_neon, needs_native,
              pytest.mark.skipif(zig_binary() is None, reason="needs zig (pip install ziglang)")]

HARNESSES = Path(__file__).parent / "c"
# The x86-64 tier whose calls the AArch64 kernels repeat: one with fused multiply-adds, as NEON has
FMA_TIER = next((tier for tier in ("avx2", "avx512") if tier in TIERS), None)


def in_parallel(fn, items):
    with ThreadPoolExecutor(os.cpu_count() or 2) as pool:
        return list(pool.map(fn, items))


def build_c_harness(name, compiler, workdir):
    """tests/c's `name` for the NEON tier: its C compiled by `compiler` as kernels are (with -Wall
    -Werror), linked statically by the cross gcc."""
    obj = compile_kernel((HARNESSES / f"{name}.c").read_text(), workdir, f"{name}-{compiler}", compiler,
                         defines=["-Wall", "-Werror", "-I", str(HARNESSES)])
    exe = Path(workdir) / f"{name}-{compiler}"
    subprocess.run([CROSS_CC, "-static", str(obj), "-o", str(exe), "-lm"], check=True, capture_output=True, text=True)
    return exe


@pytest.mark.parametrize("name,args", [("simd_selftest", ()), ("vmath_nans", ()), ("vmath_check", ("h", "30011"))])
def test_c_harnesses_built_by_zig_print_what_gcc_s_print(name, args, tmp_path):
    exes = in_parallel(lambda compiler: build_c_harness(name, compiler, tmp_path), COMPILERS)
    printed = [subprocess.run([QEMU, str(exe), *args], capture_output=True, text=True, timeout=600) for exe in exes]
    assert [p.returncode for p in printed] == [0, 0] and printed[0].stdout == printed[1].stdout, \
        [p.stdout[-3000:] for p in printed]
    if name != "vmath_check":   # which prints a hash per function
        assert printed[0].stdout.rstrip().endswith(("PASS", " passed, 0 failed")), printed[0].stdout[-3000:]


@pytest.fixture(scope="module")
def kernels_on_aarch64(tmp_path_factory):
    """The kernels' calls made natively here (at FMA_TIER), and each compiler's NEON build's
    replies to them under qemu: (cases, {compiler: replies})."""
    cases = cross_kernels.cases(FMA_TIER or TIERS[-1])
    folder = tmp_path_factory.mktemp("neon-kernels")
    builds = [(compiler, n) for compiler in COMPILERS for n in range(len(cases))]
    objects = dict(zip(builds, in_parallel(
        lambda b: compile_kernel(cases[b[1]].source, folder, f"{b[0]}-k{b[1]}", b[0]), builds)))
    replies = {}
    for compiler in COMPILERS:
        exe = link_call_harness([objects[compiler, n] for n in range(len(cases))], [c.stateful for c in cases],
                                folder, f"kernels-{compiler}")
        proc = subprocess.run([QEMU, str(exe)], input=crossrun.requests(cases), capture_output=True, timeout=600)
        assert proc.returncode == 0, proc.stderr.decode()[-2000:]
        replies[compiler] = crossrun.replies(proc.stdout, cases)
    return cases, replies


def test_zig_s_neon_kernels_give_gcc_s_bits(kernels_on_aarch64):
    cases, replies = kernels_on_aarch64
    different = [f"{case.label} call {n}" for case, zig, gcc in zip(cases, replies["zig"], replies["gcc"])
                 for n, (a, b) in enumerate(zip(zig, gcc)) if crossrun.reply_bytes(a) != crossrun.reply_bytes(b)]
    assert not different, different
    assert all(reply.status == 0 for case_replies in replies["gcc"] for reply in case_replies)


@pytest.mark.parametrize("compiler", COMPILERS)
def test_neon_kernels_give_the_x86_fma_tier_s_values(compiler, kernels_on_aarch64):
    if FMA_TIER is None:
        pytest.skip("this CPU has no x86-64 tier with fused multiply-adds to hold NEON to")
    cases, replies = kernels_on_aarch64
    different = crossrun.differences(cases, replies[compiler], other_architecture=True)
    assert not different, "\n".join(different[:40])

