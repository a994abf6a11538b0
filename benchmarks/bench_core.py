"""Issue 2's benchmarks: the affine kernel, compile latency, and call overhead.

Every row is a median measured in this run, side by side with its peers.
"""
import json
import os
import subprocess
import sys
import tempfile
import textwrap

import numpy as np

import resin_jit as rj
from resin_jit.toolchain.build import find_toolchain
from resin_jit.runtime.load import LoadedLibrary

from .common import fmt_time, median_seconds, medians, native_jit, optional_import, ratio, table

HAND_AVX2 = r"""
#include <immintrin.h>
#include "rj_abi.h"
/* The loop a C programmer would write by hand: 8 floats per step with FMA, scalar tail. */
RJ_EXPORT int rj_entry(rj_call *c) {
    const float *x = c->ptr[0]; float *y = c->ptr[1]; int64_t n = c->len[0], i = 0;
    const __m256 a = _mm256_set1_ps((float)c->num[0]), b = _mm256_set1_ps((float)c->num[1]);
    for (; i + 8 <= n; i += 8) _mm256_storeu_ps(y + i, _mm256_fmadd_ps(_mm256_loadu_ps(x + i), a, b));
    for (; i < n; i++) y[i] = (float)c->num[0] * x[i] + (float)c->num[1];
    return 0;
}
"""


def hand_written_avx2(workdir):
    """The benchmark's own AVX2 loop, built here and called through the same dispatcher."""
    from resin_jit.toolchain import build
    toolchain = find_toolchain()
    so, _ = build.compile_library(HAND_AVX2, toolchain, toolchain.flags("avx2", 2), workdir, name="hand_avx2")
    lib = LoadedLibrary(so)
    return lib.caller("fFxx", "v", None)


def numba_affine():
    numba = optional_import("numba")
    if numba is None:
        return None

    @numba.njit(cache=False)
    def affine(x, out, a, b):
        for i in range(x.shape[0]):
            out[i] = a * x[i] + b
    x = np.zeros(8, np.float32)
    affine(x, x.copy(), np.float32(0.5), np.float32(1.0))
    return affine


def bench_affine(jit, n=44100):
    x = np.random.default_rng(0).standard_normal(n).astype(np.float32)
    out = np.empty_like(x)
    kernel = jit.compile_affine_simd(0.5, 1.0)
    a, b = np.float32(0.5), np.float32(1.0)

    def numpy_in_place():
        np.multiply(x, a, out=out)
        np.add(out, b, out=out)

    cases = {"resin_jit": lambda: kernel.process(x, out), "numpy in place": numpy_in_place}
    nb = numba_affine()
    if nb is not None:
        cases["numba njit"] = lambda: nb(x, out, a, b)
    with tempfile.TemporaryDirectory() as tmp:
        if "avx2" in rj.host_info()["isa_tiers"] and find_toolchain() is not None:
            hand = hand_written_avx2(tmp)
            cases["hand AVX2 C"] = lambda: hand(x, out, 0.5, 1.0)
        timings = medians(cases)
    rows = [(name, {"median": fmt_time(t), "resin_jit speedup": ratio(t, timings["resin_jit"])})
            for name, t in timings.items()]
    table(f"affine y = 0.5*x + 1 on {n} float32 samples (isa {kernel.isa})", rows,
          "targets: within 1.1x of the hand-written AVX2 loop; >= 3x faster than numpy in place")
    return timings


DISK_PROBE = textwrap.dedent("""
    import json, sys, time
    import resin_jit as rj
    jit = rj.JitCompiler(rj.JitConfig(cache_dir=sys.argv[1]))
    start = time.perf_counter()
    jit.compile_affine_simd(0.25, 3.0)
    print(json.dumps({"seconds": time.perf_counter() - start, "stats": jit.stats}))
""")


def bench_compile_latency(repeat=7):
    cold, disk = [], []
    with tempfile.TemporaryDirectory() as tmp:
        for i in range(repeat):
            jit = rj.JitCompiler(rj.JitConfig(cache_dir=os.path.join(tmp, f"cold{i}")))
            cold.append(_time_once(lambda: jit.compile_affine_simd(1.0 + i * 1e-3, 2.0)))
        warm_dir = os.path.join(tmp, "warm")
        rj.JitCompiler(rj.JitConfig(cache_dir=warm_dir)).compile_affine_simd(0.25, 3.0)
        for _ in range(repeat):
            out = subprocess.run([sys.executable, "-c", DISK_PROBE, warm_dir], capture_output=True, text=True,
                                 check=True)
            result = json.loads(out.stdout.strip().splitlines()[-1])
            assert result["stats"]["compiles"] == 0, result
            disk.append(result["seconds"])
        jit = rj.JitCompiler(rj.JitConfig(cache_dir=warm_dir))
        jit.compile_affine_simd(0.25, 3.0)
        memo = median_seconds(lambda: jit.compile_affine_simd(0.25, 3.0))
    med = lambda xs: sorted(xs)[len(xs) // 2]  # noqa: E731
    rows = [("cold (empty cache, gcc)", {"median": fmt_time(med(cold)), "target": "<= 100 ms"}),
            ("from disk, new process", {"median": fmt_time(med(disk)), "target": "<= 2 ms"}),
            ("in-process memo hit", {"median": fmt_time(memo), "target": "<= 10 us"})]
    table("compile latency of compile_affine_simd", rows)
    return {"cold": med(cold), "disk": med(disk), "memo": memo}


def _time_once(fn):
    import time
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def bench_call_overhead(jit, n=64):
    x = np.ones(n, np.float32)
    out = np.empty_like(x)
    kernel = jit.compile_affine_simd(0.5, 1.0)
    timings = {"resin_jit process": median_seconds(lambda: kernel.process(x, out))}
    nb = numba_affine()
    a, b = np.float32(0.5), np.float32(1.0)
    if nb is not None:
        timings["numba njit dispatch"] = median_seconds(lambda: nb(x, out, a, b))
    timings["numpy in place"] = median_seconds(lambda: (np.multiply(x, a, out=out), np.add(out, b, out=out)))
    rows = [(name, {"median": fmt_time(t), "resin_jit speedup": ratio(t, timings["resin_jit process"])})
            for name, t in timings.items()]
    table(f"call overhead: affine on n = {n}", rows, "target: no worse than numba's dispatcher")
    return timings


def run(quick=False):
    with native_jit() as jit:
        if not jit:
            return
        bench_affine(jit)
        bench_call_overhead(jit)
    bench_compile_latency(repeat=3 if quick else 7)
