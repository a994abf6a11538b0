"""`resin-jit demo`: a short tour of what resin_jit does, with timings against numpy."""
import statistics
import time

import numpy as np

from . import JitCompiler, host_info


def _median(fn, repeat=31):
    fn()
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - start)
    return statistics.median(samples)


def _us(seconds):
    return f"{seconds * 1e6:8.1f} us"


def tour_affine(jit):
    print("\n1. affine y = 0.5*x + 1, one node through node → C snippet → template → gcc → cache → load")
    start = time.perf_counter()
    scalar = jit.compile_affine(0.5, 1.0)
    block = jit.compile_affine_simd(0.5, 1.0)
    print(f"   compiled (or loaded) both kernels in {(time.perf_counter() - start) * 1e3:.1f} ms "
          f"[isa {block.isa}, backend {jit.backend}]")
    print(f"   scalar: call_f32(2.0) = {scalar.call_f32(2.0)}")
    out = np.empty(4, np.float32)
    block.process([0, 1, 2, 3], out)
    print(f"   block:  process([0, 1, 2, 3], out) → {out.tolist()}")
    x = np.random.default_rng(1).standard_normal(44100).astype(np.float32)
    y = np.empty_like(x)
    a, b = np.float32(0.5), np.float32(1.0)
    t_rj = _median(lambda: block.process(x, y))
    t_np = _median(lambda: (np.multiply(x, a, out=y), np.add(y, b, out=y)))
    print(f"   44100 samples: resin_jit {_us(t_rj)}   numpy in place {_us(t_np)}   ({t_np / t_rj:.1f}x)")


def run(args=None):
    info = host_info()
    print(f"resin_jit demo on {info['architecture']} with tiers {', '.join(info['isa_tiers'])}; "
          f"compiler: {info['compiler_version'] or 'none'}")
    jit = JitCompiler()
    tour_affine(jit)
    print(f"\nstats: {jit.stats}")
    return 0
