"""What the tests share: plain helpers and facts about this machine (pytest's fixtures are in
conftest.py). No test file imports another test file; what two of them need lives here:

- here: the tiers this host runs and a compiler for each, zig's binary where installed, the
  markers that skip what the host cannot test, edge values, the affine reference, a small
  user-written stateful node, seeded data and the `resin-jit` command in a new process;
- support.cache: a kernel run in this process or in a new one, and what the cache saw;
- support.fork: a forked child, and a kernel's lock held by another thread across the fork;
- support.neon: a kernel cross-built for AArch64 (by gcc or zig) into a tests/c harness, run under qemu;
- support.wine: programs and kernels cross-built for Windows x86-64, run under wine;
- support.crossrun, support.cross_kernels: kernels called natively here, and the same calls made
  of them where they run emulated (tests/c/call_harness.c's requests and replies);
- support.audio: the sample rate, test signal and filter references of the audio tests;
- support.vmath, support.vmath_bounds: the vector-math functions under test, their mpmath
  reference, and their accuracy tables, as csrc/vmath_functions.h declares them;
- support.vmath_battery: the C battery (tests/c/vmath_check.c) built per tier and accuracy level,
  and (as a script) a level's bounds measured.
"""
import itertools
import os
import shutil
from pathlib import Path
import subprocess
import sys
import tempfile

# Tests never touch the user's cache: one private directory for the whole session. Set before
# resin_jit is imported (conftest.py imports this package first), and for anything run as a script.
os.environ.setdefault("RESIN_JIT_CACHE_DIR", tempfile.mkdtemp(prefix="resin_jit-tests-"))

import numpy as np  # noqa: E402
import pytest  # noqa: E402

import resin_jit as rj  # noqa: E402
from resin_jit.toolchain.compilers import ziglang_binary as zig_binary  # noqa: E402,F401 - for the tests
from resin_jit.toolchain.host import available_tiers  # noqa: E402

NATIVE = rj.JitCompiler().backend == "native"
TIERS = list(available_tiers())   # on an AArch64 host: scalar and NEON, natively
needs_native = pytest.mark.skipif(not NATIVE, reason="no C compiler on this machine: native path untestable")

# The NEON tier runs for real: cross-compiled for AArch64 and run under qemu.
CROSS_CC = shutil.which("aarch64-linux-gnu-gcc")
QEMU = shutil.which("qemu-aarch64")
CAN_RUN_NEON = bool(CROSS_CC and QEMU)
if not CAN_RUN_NEON and os.environ.get("CI"):
    raise RuntimeError("CI must provide aarch64-linux-gnu-gcc and qemu-aarch64 for the NEON tests "
                       "(.ci/run installs them)")
needs_neon = pytest.mark.skipif(not CAN_RUN_NEON, reason="needs gcc-aarch64-linux-gnu and qemu-user")



CACHE_ENV = ("RESIN_JIT_PREBUILT", "RESIN_JIT_CACHE_MAX_BYTES", "RESIN_JIT_DEBUG")  # no cache test inherits these
_compilers = {}


def compiler_for(tier):
    """One JitCompiler per ISA tier for the session (kernels are memoised per process anyway)."""
    if tier not in _compilers:
        _compilers[tier] = rj.JitCompiler(rj.JitConfig(isa=tier))
    return _compilers[tier]


def normal(shape, seed=0, dtype=np.float32):
    """Seeded standard-normal samples of `shape` (a length or a tuple), in `dtype`."""
    return np.random.default_rng(seed).standard_normal(shape).astype(dtype)


def no_compiler_env(folder, **extra):
    """This process's environment as on a machine with no C compiler: PATH without cc, gcc or
    clang, CC unset, and the ziglang package (where installed here) hidden behind one that has no
    zig binary. `folder` holds the empty bin and that package; `extra` is added."""
    empty, site = Path(folder) / "no-compiler-bin", Path(folder) / "no-compiler-site"
    empty.mkdir(parents=True, exist_ok=True)
    (site / "ziglang").mkdir(parents=True, exist_ok=True)
    (site / "ziglang" / "__init__.py").touch()
    env = {k: v for k, v in os.environ.items() if k != "CC"}
    env.update(PATH=str(empty), PYTHONPATH=os.pathsep.join(filter(None, (str(site), os.environ.get("PYTHONPATH")))))
    return {**env, **extra}


def run_cli(*args, timeout=300, **env):
    """`python -m resin_jit ARGS` in a new process, with `env` added to this one's environment."""
    return subprocess.run([sys.executable, "-m", "resin_jit", *args], capture_output=True, text=True,
                          env={**os.environ, **env}, timeout=timeout)


EDGE_VALUES = np.array([0.0, -0.0, 1.0, -1.0, 1e-45, -1e-45, 1.1754942e-38, 1e-40, np.inf, -np.inf, np.nan,
                        1e38, -1e38, 3.4028235e38, 0.5, 123456.789, -7.25], dtype=np.float32)


def affine_reference(x, a, b):
    """a*x+b in float64, rounded once to float32 (the fused result, up to rare double rounding).
    The constants are float32, as in the kernel."""
    with np.errstate(all="ignore"):
        a, b = np.float64(np.float32(a)), np.float64(np.float32(b))
    return (a * x.astype(np.float64) + b).astype(np.float32)


def assert_affine_close(out, x, a, b):
    """Within float32 rounding of a*x+b, whether or not the multiply-add was fused."""
    with np.errstate(all="ignore"):
        ref = affine_reference(x, a, b)
        a, b = np.float64(np.float32(a)), np.float64(np.float32(b))
        scale = np.abs(a * x.astype(np.float64)) + abs(b)
    exact = ~np.isfinite(ref) | ~np.isfinite(scale)
    np.testing.assert_array_equal(out[exact], ref[exact])
    err = np.abs(out[~exact].astype(np.float64) - ref[~exact])
    bound = 2.0 ** -22 * scale[~exact] + 2.0 ** -148
    bad = err > bound
    assert not bad.any(), f"{bad.sum()} values off: x={x[~exact][bad][:5]} out={out[~exact][bad][:5]}"


class RunningSum(rj.Node):
    """y[i] = y[i-1] + x[i], the state carried across calls: the smallest stateful node, written
    as a user would write one."""
    category = rj.JitCategory.STATEFUL
    channel_simd = True

    def emit(self, ctx, args):
        acc = ctx.state("acc", 0.0)
        ctx.emit(f"{acc} = {ctx.dop('add', acc, ctx.to_double(args[0]))};")
        return ctx.from_double(acc)

    def initial_state(self):
        return {"acc": 0.0}

    def evaluate(self, state, x):
        out = np.fromiter(itertools.accumulate(map(float, x), initial=state["acc"]), np.float64)[1:]
        if out.size:
            state["acc"] = float(out[-1])
        return out
