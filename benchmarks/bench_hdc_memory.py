"""Issue 22's search at scale: batched top-k streamed over a large packed item memory, in RAM and
memory-mapped from a file saved by ItemMemory.save, beside faiss's IndexBinaryFlat on the same
bits (the two planes concatenated: 2 * dim bits per vector) with the same threads.

Medians, measured side by side in one run. The memory is made of random planes (no trit both +1
and -1), packed directly: building 100,000 dense 10,000-trit vectors first would take 1 GB.
"""
import os
import tempfile

import numpy as np

from resin_jit.runtime import parallel
from resin_jit.vsa import ItemMemory, JitVSAEngine
from resin_jit.vsa.vectors import words_for

from .common import (SPEEDUP, TIME_RATIO, Target, fmt_time, medians, native_jit, optional_import, print_verdicts,
                     ratio, table)

FULL = (100_000, 10_000, 64, 10)    # memory rows, dim, queries, k
QUICK = (3_000, 1_000, 8, 5)
FAISS_TARGET = 2.0                  # faiss's time / ours
MMAP_TARGET = 1.5                   # mapped time / in-RAM time, the pages cached


def random_planes(n, dim, seed):
    """(pos, neg) uint64 planes (n, words) of random trits, about a third each of -1, 0, +1."""
    rng = np.random.default_rng(seed)
    words = words_for(dim)
    a = rng.integers(0, 2**64, (n, words), dtype=np.uint64, endpoint=False)
    b = rng.integers(0, 2**64, (n, words), dtype=np.uint64, endpoint=False)
    pos, neg = a & b, a & ~b          # + where a&b, - where a&~b: no overlap
    if dim % 64:
        mask = np.uint64((1 << (dim % 64)) - 1)
        pos[:, -1] &= mask
        neg[:, -1] &= mask
    return pos, neg


def faiss_case(faiss, memory, queries, k, threads):
    """search(): faiss IndexBinaryFlat over the planes as 2 * words * 64 bits, or None without faiss."""
    if faiss is None:
        return None
    words = words_for(memory.dim)
    index = faiss.IndexBinaryFlat(2 * words * 64)
    index.add(np.ascontiguousarray(memory.rows[:, :2 * words]).view(np.uint8))
    q = np.ascontiguousarray(queries.rows[:, :2 * words]).view(np.uint8)

    def search():
        faiss.omp_set_num_threads(threads)
        return index.search(q, k)
    return search


def run(quick=False):
    with native_jit() as jit:
        if not jit:
            return
        n, dim, nq, k = QUICK if quick else FULL
        engine, faiss, threads = JitVSAEngine(jit), optional_import("faiss"), parallel.usable_cores()
        memory = ItemMemory.from_planes(*random_planes(n, dim, 0), dim)
        queries = ItemMemory.from_planes(*random_planes(nq, dim, 1), dim)
        with tempfile.TemporaryDirectory() as tmp:
            path = os.path.join(tmp, "memory.rjm")
            memory.save(path)
            mapped = ItemMemory.load(path, mmap=True)   # checked: every row read once
            batch = [queries.vector(i) for i in range(nq)]
            cases = {"resin_jit in RAM": lambda: engine.top_k(batch, memory, k, "hamming", threads),
                     "resin_jit memory-mapped": lambda: engine.top_k(batch, mapped, k, "hamming", threads)}
            search = faiss_case(faiss, memory, queries, k, threads)
            if search is not None:
                cases["faiss IndexBinaryFlat"] = search
            times = medians(cases, repeat=3 if quick else 7, min_time=0.01)
            del mapped
        report(times, n, dim, nq, k, threads)


def report(times, n, dim, nq, k, threads):
    ours, faiss_t = times["resin_jit in RAM"], times.get("faiss IndexBinaryFlat")
    rows = [(name, {"median": fmt_time(t), "vs faiss": ratio(faiss_t, t) if faiss_t else "-"})
            for name, t in times.items()]
    if faiss_t is None:
        rows.append(("faiss IndexBinaryFlat", {"median": "faiss not installed", "vs faiss": "-"}))
    size = n * (2 * words_for(dim) + 1) * 8 / 1e6
    table(f"top-{k} of {nq} queries over {n:,} x {dim:,} packed ({size:.0f} MB), hamming, {threads} thread(s)", rows,
          note="faiss: IndexBinaryFlat on the same 2 x words x 64 bits (hamming over both planes), same threads")
    targets = [Target(f"memory-mapped top-k {n:,} x {dim:,}", times["resin_jit memory-mapped"] / ours, MMAP_TARGET,
                      TIME_RATIO, "the same memory in RAM")]
    if faiss_t is not None:
        targets.insert(0, Target(f"batched top-k {nq} x {n:,} x {dim:,}", faiss_t / ours, -FAISS_TARGET, SPEEDUP,
                                 "faiss IndexBinaryFlat"))
    print_verdicts(targets, "HDC memory targets")
