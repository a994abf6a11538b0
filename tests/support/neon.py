"""The NEON tier tested for real: a kernel's C source cross-built for AArch64 with the flags kernels
are built with (toolchain/build.py's, for the NEON tier), statically into one of the harnesses in
tests/c, which reads a call's inputs on stdin and writes its outputs to stdout; run under qemu."""
import subprocess
from pathlib import Path

from resin_jit.codegen.resources import csrc_dir
from resin_jit.toolchain.build import Toolchain

from . import CROSS_CC, QEMU

HARNESSES = Path(__file__).resolve().parent.parent / "c"


def build_for_qemu(source, harness, workdir, name="kernel_neon", defines=()):
    """`source` (a kernel's C) written to NAME.c in workdir and built with tests/c's `harness` into
    the static executable NAME there (its path is returned); `defines` are -D flags the harness reads."""
    kernel = Path(workdir) / f"{name}.c"
    kernel.write_text(source)
    exe = Path(workdir) / name
    flags = [f for f in Toolchain(CROSS_CC, "cross").flags("neon", 2) if f != "-shared"]
    subprocess.run([CROSS_CC, *flags, "-static", *defines, "-I", str(csrc_dir()), str(kernel), str(HARNESSES / harness),
                    "-o", str(exe), "-lm"], check=True, capture_output=True, text=True)
    return exe


def run_under_qemu(exe, payload, timeout=60):
    """What `exe` writes to stdout, run under qemu-aarch64 with `payload` (bytes) on its stdin."""
    return subprocess.run([QEMU, str(exe)], input=payload, capture_output=True, check=True, timeout=timeout).stdout
