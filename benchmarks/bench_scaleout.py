"""Issue 6's benchmarks: a 10-node graph on 10M samples with 1 and 2 threads; batched VSA search."""
import os
import time

import numpy as np

import resin_jit as rj
from resin_jit.vsa import ItemMemory, JitVSAEngine

from .bench_graph import sqrt_div_graph, ten_node_graph
from .common import native_jit, fmt_time, median_seconds, ratio, table


def bench_threads(jit):
    x = np.random.default_rng(0).standard_normal(10_000_000).astype(np.float32)
    out = np.empty_like(x)
    rows = []
    v = rj.input("x")
    heavy = rj.tanh(rj.sin(v) * rj.exp(v * 0.1)) + rj.cos(v)
    for name, graph in (("10-node graph", ten_node_graph()), ("10-node graph with sqrt and div", sqrt_div_graph()),
                        ("transcendental graph (compute-bound)", heavy)):
        kernel = jit.compile(graph)
        one = median_seconds(lambda: kernel.process(x, out, threads=1), repeat=9)
        two = median_seconds(lambda: kernel.process(x, out, threads=2), repeat=9)
        rows.append((f"{name}, 1 thread", {"median": fmt_time(one), "speedup": "1.00x"}))
        rows.append((f"{name}, 2 threads", {"median": fmt_time(two), "speedup": ratio(one, two)}))
    table(f"10,000,000 float32 samples on {os.cpu_count()} cores (target: >= 1.8x with 2 threads)", rows)


def random_planes(n, dim, seed):
    """(n, words) planes of random trits: disjoint, and zero past the last trit."""
    words = (dim + 63) // 64
    rng = np.random.default_rng(seed)
    pos = rng.integers(0, 2 ** 63, (n, words), dtype=np.uint64) | rng.integers(0, 2, (n, words), dtype=np.uint64) << 63
    neg = rng.integers(0, 2 ** 63, (n, words), dtype=np.uint64) & ~pos
    pos[:, -1] >>= np.uint64(64 * words - dim)
    neg[:, -1] >>= np.uint64(64 * words - dim)
    return pos, neg


def bench_search(engine, quick):
    n, dim, nq = (20_000 if quick else 100_000), 10_000, 100
    start = time.perf_counter()
    memory = ItemMemory.from_planes(*random_planes(n, dim, 1), dim)
    qpos, qneg = random_planes(nq, dim, 2)
    setup = time.perf_counter() - start
    rows = []
    for threads in (1, 2):
        t = median_seconds(lambda: engine.similarity_planes(qpos, qneg, memory, "cosine", threads=threads), repeat=3)
        rows.append((f"{threads} thread(s)", {"median": fmt_time(t), "queries/s": f"{nq / t:,.0f}",
                                             "vector pairs/s": f"{nq * n / t:,.3g}"}))
    table(f"batched cosine: {nq} queries against {n:,} x {dim:,} packed vectors (setup {setup:.1f} s)", rows)


def run(quick=False):
    with native_jit() as jit:
        if jit:
            bench_threads(jit)
            bench_search(JitVSAEngine(jit), quick)
