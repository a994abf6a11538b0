"""Issue 5's benchmarks: `resin-jit warm` across cores against compiling the same kernels one by
one in a single process, and a soak of the many-processes-one-key race (target: zero failures
and zero wrong results in 1,000 rounds).

Every figure is measured in this run; each sample starts from an empty cache directory.
"""
import json
import multiprocessing
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ProcessPoolExecutor

import numpy as np

from resin_jit import warm

from .common import fmt_time, ratio, table

TIMED = """
import json, sys, time
from resin_jit import warm
manifest, root, jobs = json.loads(sys.argv[1]), sys.argv[2], int(sys.argv[3])
start = time.perf_counter()
if jobs:
    statuses = [r[1] for r in warm.warm(manifest, root, jobs=jobs, progress=False).results]
else:
    statuses = [r[1] for r in warm.compile_here(manifest, cache_dir=root, use_layers=False)]
print(json.dumps([time.perf_counter() - start, statuses]))
"""


def timed(manifest, jobs):
    """Seconds to build every kernel into an empty cache, in a fresh process with resin_jit imported
    (as `resin-jit warm` is): jobs=0 one by one in that process, else `warm` with that many workers
    (their start-up included)."""
    with tempfile.TemporaryDirectory() as root:
        proc = subprocess.run([sys.executable, "-c", TIMED, json.dumps(manifest), root, str(jobs)],
                              capture_output=True, text=True, check=True)
        seconds, statuses = json.loads(proc.stdout.splitlines()[-1])
    assert "failed" not in statuses, statuses
    return seconds


def bench_warm(name, manifest, repeat):
    cores = os.cpu_count() or 1
    with tempfile.TemporaryDirectory() as root:  # a first warm finds what this host skips (e.g. no resin_jit.vsa)
        report = warm.warm(manifest, root, jobs=cores, progress=False)
    runnable = [entry for entry, status, _, _ in report.results if status != "skipped"]
    serial = statistics.median(timed(runnable, 0) for _ in range(repeat))
    one = statistics.median(timed(runnable, 1) for _ in range(repeat))
    parallel = statistics.median(timed(runnable, cores) for _ in range(repeat))
    return (f"{name} ({len(runnable)} kernels)",
            {"one by one": fmt_time(serial), "warm -j 1": fmt_time(one), f"warm -j {cores}": fmt_time(parallel),
             "speed-up": ratio(serial, parallel)})


# -- the soak: every round, threads here and in a few worker processes ask for one new key at once --

_soak_jits = {}


def soak_worker(root, a, threads):
    """`threads` threads compile and run y = a*x + 1 together; (compiles, wrong results, errors)."""
    import resin_jit as rj
    jit = _soak_jits.get(root) or _soak_jits.setdefault(root, rj.JitCompiler(rj.JitConfig(cache_dir=root)))
    x = np.arange(61, dtype=np.float32)
    expected = (np.float32(a) * x + np.float32(1.0)).tolist()
    wrong, errors, barrier = [], [], threading.Barrier(threads)
    before = jit.stats["compiles"]

    def work():
        barrier.wait()
        try:
            out = np.empty_like(x)
            jit.compile_affine_simd(a, 1.0).process(x, out)
            wrong.append(out.tolist() != expected)
        except Exception as exc:  # noqa: BLE001 - counted as a failure
            errors.append(repr(exc))
    pool = [threading.Thread(target=work) for _ in range(threads)]
    for t in pool:
        t.start()
    for t in pool:
        t.join()
    return jit.stats["compiles"] - before, sum(wrong), errors


def soak(rounds, processes=2, threads=4):
    failures = wrong = 0
    first_errors = []
    with tempfile.TemporaryDirectory() as root, \
            ProcessPoolExecutor(processes, mp_context=multiprocessing.get_context("spawn")) as pool:
        list(pool.map(soak_worker, [root] * processes, [0.5] * processes, [1] * processes))  # workers up
        start = time.perf_counter()
        for r in range(rounds):
            a = 1.0 + r / 1024.0  # a new key every round; exact in float32, so results compare exactly
            futures = [pool.submit(soak_worker, root, a, threads) for _ in range(processes)]
            outcomes = [soak_worker(root, a, threads)] + [f.result() for f in futures]
            errors = [e for o in outcomes for e in o[2]]
            wrong += sum(o[1] for o in outcomes)
            if errors or sum(o[0] for o in outcomes) != 1 or any(o[1] for o in outcomes):
                failures += 1
                first_errors += errors[:1]
        seconds = time.perf_counter() - start
    return failures, wrong, seconds, first_errors[:3]


def run(quick=False):
    repeat = 1 if quick else 3
    cores = os.cpu_count() or 1
    affine = [{"kind": "affine_simd", "a": float(a), "b": 0.5} for a in range(1, 17 if quick else 33)]
    rows = [bench_warm("built-in manifest", warm.builtin_manifest(), repeat),
            bench_warm("affine kernels", affine, repeat)]
    table("warm: compiling a manifest (medians, each from an empty cache)", rows,
          note=f"one by one = compile_here in one running process; warm = worker processes, start-up included; "
               f"{cores} cores")
    rounds = 100 if quick else 1000
    processes, threads = 2, 4
    failures, wrong, seconds, errors = soak(rounds, processes, threads)
    table(f"soak: {rounds} rounds, each a new kernel asked for by {threads} threads in each of "
          f"{processes + 1} processes at once",
          [("many processes, one key", {"rounds": str(rounds), "failures": str(failures),
                                        "wrong results": str(wrong), "per round": fmt_time(seconds / rounds),
                                        "total": fmt_time(seconds)})],
          note="a failure: an exception, a wrong result, or the key compiled other than exactly once")
    for error in errors:
        print(f"   first errors: {error}")
