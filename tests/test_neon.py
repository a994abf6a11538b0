"""Issue 2: the NEON tier's generated code, cross-compiled for AArch64 and run under qemu."""
import struct
import subprocess
from pathlib import Path

import numpy as np
import pytest

import resin_jit as rj
from resin_jit.toolchain import isa
from resin_jit.codegen.resources import csrc_dir

from conftest import CROSS_CC, EDGE_VALUES, QEMU, assert_affine_close, needs_neon

HARNESS = Path(__file__).parent / "c" / "neon_harness.c"

pytestmark = needs_neon


def build_neon(source, workdir):
    kernel = workdir / "kernel.c"
    kernel.write_text(source)
    exe = workdir / "kernel_neon"
    cmd = [CROSS_CC, "-O2", "-std=gnu11", "-static", "-fno-math-errno", *isa.compile_flags("neon"),
           "-I", str(csrc_dir()), str(kernel), str(HARNESS), "-o", str(exe), "-lm"]
    subprocess.run(cmd, check=True, capture_output=True, text=True)
    return exe


def run_neon(exe, x):
    payload = struct.pack("<q", x.size) + x.astype("<f4").tobytes()
    proc = subprocess.run([QEMU, str(exe)], input=payload, capture_output=True, check=True, timeout=60)
    return np.frombuffer(proc.stdout, dtype="<f4")


@pytest.mark.parametrize("a,b", [(0.5, 1.0), (-3.25, 1e-40), (1e38, -1e38), (np.nan, 0.0)])
def test_neon_affine_matches_reference(tmp_path, a, b):
    source = rj.JitCompiler(rj.JitConfig(isa="scalar")).compile_affine_simd(a, b).source
    assert "RJ_ISA" not in source  # the tier is a -D flag: the same source serves NEON
    exe = build_neon(source, tmp_path)
    rng = np.random.default_rng(5)
    for n in (0, 1, 3, 4, 5, 17, 1000, 44100):
        x = np.concatenate([EDGE_VALUES, rng.standard_normal(n).astype(np.float32)])[:max(n, 0)]
        out = run_neon(exe, x)
        assert out.shape == x.shape
        assert_affine_close(out, x, a, b)
