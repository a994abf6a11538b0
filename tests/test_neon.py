"""Issue 2: the NEON tier's generated code, cross-compiled for AArch64 and run under qemu."""
import struct

import numpy as np
import pytest

import resin_jit as rj

from support import EDGE_VALUES, assert_affine_close, needs_neon
from support.neon import build_for_qemu, run_under_qemu

pytestmark = needs_neon


def run_neon(exe, x):
    """tests/c/neon_harness.c's kernel on x (float32)."""
    payload = struct.pack("<q", x.size) + x.astype("<f4").tobytes()
    return np.frombuffer(run_under_qemu(exe, payload), dtype="<f4")


@pytest.mark.parametrize("a,b", [(0.5, 1.0), (-3.25, 1e-40), (1e38, -1e38), (np.nan, 0.0)])
def test_neon_affine_matches_reference(tmp_path, a, b):
    source = rj.JitCompiler(rj.JitConfig(isa="scalar")).compile_affine_simd(a, b).source
    assert "RJ_ISA" not in source  # the tier is a -D flag: the same source serves NEON
    exe = build_for_qemu(source, "neon_harness.c", tmp_path)
    rng = np.random.default_rng(5)
    for n in (0, 1, 3, 4, 5, 17, 1000, 44100):
        x = np.concatenate([EDGE_VALUES, rng.standard_normal(n).astype(np.float32)])[:max(n, 0)]
        out = run_neon(exe, x)
        assert out.shape == x.shape
        assert_affine_close(out, x, a, b)
