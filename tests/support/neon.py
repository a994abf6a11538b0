"""The NEON tier tested for real: a kernel's C source cross-built for AArch64 with the flags kernels
are built with (toolchain/build.py's, for the NEON tier), statically into one of the harnesses in
tests/c, which reads a call's inputs on stdin and writes its outputs to stdout; run under qemu.

A kernel is compiled by gcc (aarch64-linux-gnu-gcc) or by zig cc (-target aarch64-linux-gnu, as
`resin-jit warm` cross-builds a linux-aarch64 layer); the cross gcc links either. zig's own static
link would first build a C library for the target (musl: ~3 minutes here, once per zig cache)."""
import os
import subprocess
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from resin_jit.codegen.resources import csrc_dir
from resin_jit.toolchain import compilers
from resin_jit.toolchain import isa
from resin_jit.toolchain.build import Toolchain
from resin_jit.vsa import kernels

from . import CROSS_CC, QEMU, zig_binary

HARNESSES = Path(__file__).resolve().parent.parent / "c"
COMPILERS = ("gcc", "zig")
# The symbols a kernel defines for its caller; each gets a suffix where many kernels share a program.
KERNEL_SYMBOLS = ("rj_entry", "rj_scalar", "rj_state_size", "rj_state_lanes", "rj_state_init")


def kernel_flags(compiler, tier="neon"):
    """The flags resin_jit builds a kernel of `tier` for AArch64 Linux with, by `compiler` ("gcc",
    the cross gcc, or "zig"), for an object to link statically: the command's words after the
    program's."""
    toolchain = Toolchain(CROSS_CC, "cross", "gcc") if compiler == "gcc" else Toolchain(zig_binary(), "zig", "zig")
    flags = [f for f in toolchain.flags(tier, 2) if f != "-shared" and not f.startswith("-Wl,")]
    if compiler == "zig":   # zig cc reads -march=armv8-a (isa.py's NEON flag) as the CPU "armv8", which it
        flags = [f for f in flags if not f.startswith("-march=")]   # does not know; its -mcpu=baseline is armv8-a
    return [*toolchain.args, *flags, "-I", str(csrc_dir())]


def compile_kernel(source, workdir, name, compiler="gcc", tier="neon", defines=()):
    """`source` written to NAME.c in workdir and compiled by `compiler` to NAME.o there, its path."""
    kernel, obj = Path(workdir) / f"{name}.c", Path(workdir) / f"{name}.o"
    kernel.write_text(source)
    program = CROSS_CC if compiler == "gcc" else zig_binary()
    env = {**os.environ, **compilers.zig_cache_env(Path(workdir) / "zig-cache")}
    subprocess.run([program, *kernel_flags(compiler, tier), *defines, "-c", str(kernel), "-o", str(obj)],
                   check=True, capture_output=True, text=True, env=env)
    return obj


def build_for_qemu(source, harness, workdir, name="kernel_neon", defines=(), compiler="gcc"):
    """`source` (a kernel's C) written to NAME.c in workdir, compiled by `compiler` and built with
    tests/c's `harness` into the static executable NAME there (its path is returned); `defines`
    are -D flags the harness reads."""
    exe = Path(workdir) / name
    obj = compile_kernel(source, workdir, name, compiler, defines=defines)
    subprocess.run([CROSS_CC, "-O2", "-static", *defines, "-I", str(csrc_dir()), str(obj), str(HARNESSES / harness),
                    "-o", str(exe), "-lm"], check=True, capture_output=True, text=True)
    return exe


def link_call_harness(objects, stateful, workdir, name):
    """tests/c/call_harness.c linked statically with the kernel objects (each a renamed copy: its
    symbols end in _<n>) for qemu; `stateful` says which kernels keep state."""
    workdir = Path(workdir)
    (workdir / "call_entries.h").write_text(
        "#define RJ_ENTRIES(X) " + " ".join(f"X({n})" for n in range(len(objects))) + "\n"
        "#define RJ_STATEFUL(X) " + " ".join(f"X({n})" for n, s in enumerate(stateful) if s) + "\n")
    objcopy = CROSS_CC[:-len("gcc")] + "objcopy"
    renamed = []
    for n, obj in enumerate(objects):
        renamed.append(Path(obj).with_name(f"{Path(obj).stem}_{n}.o"))
        subprocess.run([objcopy, *(f"--redefine-sym={s}={s}_{n}" for s in KERNEL_SYMBOLS), str(obj), str(renamed[-1])],
                       check=True, capture_output=True, text=True)
    exe = workdir / name
    subprocess.run([CROSS_CC, "-O2", "-std=gnu11", "-Wall", "-Werror", "-static", "-DRJ_LINKED_ENTRIES",
                    "-I", str(csrc_dir()), "-I", str(workdir), str(HARNESSES / "call_harness.c"), *map(str, renamed),
                    "-o", str(exe), "-lm"], check=True, capture_output=True, text=True)
    return exe


def run_under_qemu(exe, payload, timeout=60):
    """What `exe` writes to stdout, run under qemu-aarch64 with `payload` (bytes) on its stdin."""
    return subprocess.run([QEMU, str(exe)], input=payload, capture_output=True, check=True, timeout=timeout).stdout


def build_vsa_harness(tmp_path, selected):
    """One static AArch64 program (tests/c/vsa_harness.c) of the VSA kernels `selected`, (tier, op,
    layout, dim, k) each, entry n renamed rj_entry_n, cross-built into tmp_path."""
    objects = []

    def compile_one(n):
        tier, op, layout, dim, k = selected[n]
        src = tmp_path / f"k{n}.c"
        src.write_text(kernels.source(op, layout, dim, k if op in ("bundle", "permute") else None))
        obj = tmp_path / f"k{n}.o"
        subprocess.run([CROSS_CC, "-O2", "-std=gnu11", "-fno-math-errno", "-ffp-contract=off", *isa.compile_flags(tier),
                        f"-Drj_entry=rj_entry_{n}", "-I", str(csrc_dir()), "-c", str(src), "-o", str(obj)],
                       check=True, capture_output=True, text=True)
        return obj
    with ThreadPoolExecutor(os.cpu_count() or 2) as pool:
        objects = list(pool.map(compile_one, range(len(selected))))
    (tmp_path / "vsa_entries.h").write_text(
        "#define RJ_ENTRIES(X) " + " ".join(f"X({n})" for n in range(len(selected))) + "\n")
    exe = tmp_path / "vsa_neon"
    subprocess.run([CROSS_CC, "-O2", "-static", "-I", str(csrc_dir()), "-I", str(tmp_path), str(HARNESSES / "vsa_harness.c"),
                    *map(str, objects), "-o", str(exe)], check=True, capture_output=True, text=True)
    return exe
