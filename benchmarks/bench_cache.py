"""The cache's benchmarks: `resin-jit warm` across cores against building the same kernels one by
one in a single process, the same for every tier of the architecture (issue 13), a new process
loading a prebuilt kernel with and without a compiler, the key of a 10-node graph in a new
process, and a soak of the many-processes-one-key race (target: zero failures and zero wrong
results in 1,000 rounds).

Every figure is measured in this run; each sample starts from an empty cache directory.
"""
import json
import multiprocessing
import os
import shutil
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
manifest, root, jobs, isa = json.loads(sys.argv[1]), sys.argv[2], int(sys.argv[3]), sys.argv[4]
start = time.perf_counter()
if jobs:
    statuses = [r[2] for r in warm.warm(manifest, root, jobs=jobs, progress=False, isa=isa).results]
else:
    statuses = [warm.build_entry(entry, tier, root)[0] for entry in manifest for tier in warm.tiers_for(isa, entry)]
print(json.dumps([time.perf_counter() - start, statuses]))
"""


def timed(manifest, jobs, isa="auto"):
    """Seconds to build every kernel into an empty cache, in a fresh process with resin_jit imported
    (as `resin-jit warm` is): jobs=0 one by one in that process, else `warm` with that many workers
    (their start-up included)."""
    with tempfile.TemporaryDirectory() as root:
        proc = subprocess.run([sys.executable, "-c", TIMED, json.dumps(manifest), root, str(jobs), isa],
                              capture_output=True, text=True, check=True)
        seconds, statuses = json.loads(proc.stdout.splitlines()[-1])
    assert "failed" not in statuses, statuses
    return seconds, len(statuses)


def bench_warm(name, manifest, repeat, isa="auto"):
    cores = os.cpu_count() or 1
    serial, kernels = _median(lambda: timed(manifest, 0, isa), repeat)
    one, _ = _median(lambda: timed(manifest, 1, isa), repeat)
    parallel, _ = _median(lambda: timed(manifest, cores, isa), repeat)
    return (f"{name} ({kernels} kernels)",
            {"one by one": fmt_time(serial), "warm -j 1": fmt_time(one), f"warm -j {cores}": fmt_time(parallel),
             "speed-up": ratio(serial, parallel)})


CROSS = """
import json, sys, time
from resin_jit import warm
manifest, root, targets = json.loads(sys.argv[1]), sys.argv[2], json.loads(sys.argv[3])
start = time.perf_counter()
report = warm.warm(manifest, root, jobs=int(sys.argv[4]), progress=False, platforms=targets)
print(json.dumps([time.perf_counter() - start, [r[3] for r in report.results]]))
"""


def cross_warm(manifest, targets, jobs):
    """(seconds, kernels) of warming `manifest` for the platforms `targets` into an empty layer."""
    with tempfile.TemporaryDirectory() as root:
        proc = subprocess.run([sys.executable, "-c", CROSS, json.dumps(manifest), root, json.dumps(targets), str(jobs)],
                              capture_output=True, text=True, check=True)
        seconds, statuses = json.loads(proc.stdout.splitlines()[-1])
    assert "failed" not in statuses, statuses
    return seconds, len(statuses)


def bench_cross_platforms(repeat, manifest, name, only=None):
    """The built-in manifest for every platform but this one, cross-built with zig (its caches in
    the user's resin_jit cache: its first build for a platform, ~6 s, for Windows ~100 s, is paid
    once per machine, by the first call here when they are cold), with one worker per core."""
    from resin_jit.toolchain import compilers, platforms
    if compilers.ziglang_binary() is None and shutil.which("zig") is None:
        print("   (no zig: pip install 'resin_jit[compiler]' to cross-build layers)")
        return None
    targets = [name for name in platforms.PLATFORMS if name != platforms.host().name and (only is None or name in only)]
    cores = os.cpu_count() or 1
    first, _ = cross_warm([{"kind": "affine_simd", "a": 1.0, "b": 0.0}], targets, cores)
    seconds, kernels = _median(lambda: cross_warm(manifest, targets, cores), repeat)
    return (f"{name} for {', '.join(targets) if only else f'{len(targets)} other platforms'} ({kernels} kernels, every tier)",
            {"one kernel each, first": fmt_time(first), f"warm -j {cores}": fmt_time(seconds),
             "per kernel": fmt_time(seconds / kernels)})


def _median(measure, repeat):
    """(median seconds, kernels) of `repeat` runs of measure() -> (seconds, kernels)."""
    runs = [measure() for _ in range(repeat)]
    return statistics.median(r[0] for r in runs), runs[0][1]


# -- a new process: its first kernel from a prebuilt layer, and a key --------------------------------

FIRST_RESULT = """
import json, sys, time
import numpy as np
import resin_jit as rj
x = np.arange(64, dtype=np.float32)
start = time.perf_counter()
jit = rj.JitCompiler()
y = jit.compile_affine_simd(0.5, 1.0)(x)
first = time.perf_counter() - start
from resin_jit.front.canonical import canonicalize
g = rj.input("v")
g = rj.where(abs(rj.clip(g * 0.5 + 0.25, -1.0, 1.0)) * 2.0 - g > 0.5, g * g, g)
cg = canonicalize([g], dtype="float32")
start = time.perf_counter()
jit.libraries.key(("block", "float32", cg.ident))
key = time.perf_counter() - start
print(json.dumps({"first": first, "key": key, "stats": jit.stats, "backend": y.dtype.name and jit.backend,
                  "toolchain": jit.libraries.toolchain is not None}))
"""


def new_process(layer, no_compiler, user_cache):
    """One new process's (first result, key) seconds, from `layer`, with or without a compiler."""
    env = {**os.environ, "RESIN_JIT_PREBUILT": layer, "RESIN_JIT_CACHE_DIR": user_cache}
    if no_compiler:   # beside the cache, not in it: a folder resin_jit did not make would make it not a cache
        empty = user_cache + "-no-compilers"
        os.makedirs(empty, exist_ok=True)
        hidden = os.path.join(empty, "site", "ziglang")   # a ziglang package without its zig shadows the real one
        os.makedirs(hidden, exist_ok=True)
        open(os.path.join(hidden, "__init__.py"), "w").close()
        env = {k: v for k, v in env.items() if k != "CC"}
        env["PATH"] = empty
        env["PYTHONPATH"] = os.pathsep.join(filter(None, (os.path.dirname(hidden), env.get("PYTHONPATH"))))
    proc = subprocess.run([sys.executable, "-c", FIRST_RESULT], capture_output=True, text=True, env=env, check=True)
    result = json.loads(proc.stdout.splitlines()[-1])
    assert result["stats"]["prebuilt_hits"] == 1 and result["stats"]["compiles"] == 0, result
    assert result["toolchain"] == (not no_compiler), result
    return result["first"], result["key"]


def bench_new_process(repeat):
    with tempfile.TemporaryDirectory() as tmp:
        layer = os.path.join(tmp, "layer")
        assert warm.warm([{"kind": "affine_simd", "a": 0.5, "b": 1.0}], layer, progress=False).ok()
        rows, figures = [], {}
        for no_compiler in (False, True):
            runs = [new_process(layer, no_compiler, os.path.join(tmp, f"user{no_compiler}")) for _ in range(repeat)]
            first, key = statistics.median(r[0] for r in runs), statistics.median(r[1] for r in runs)
            figures[no_compiler] = first, key
            rows.append((f"{'no' if no_compiler else 'a'} C compiler on PATH",
                         {"first result": fmt_time(first), "target": "<= 2 ms",
                          "10-node key": fmt_time(key), "key target": "<= 1 ms"}))
    table("a new process (resin_jit imported): JitCompiler() to its first result from a prebuilt layer, "
          f"and one key (medians of {repeat} processes)", rows)
    return figures


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


def first_of_each_kind(manifest):
    """The first entry of each kind (demo, audio, vsa): --quick's manifest, which keeps every kind of
    build in the run (the CLI test runs it so the benchmark cannot rot) at a fraction of the cost."""
    kinds = {}
    for entry in manifest:
        kinds.setdefault(entry["kind"], entry)
    return list(kinds.values())


def run(quick=False):
    repeat = 1 if quick else 3
    cores = os.cpu_count() or 1
    # first, on a quiet machine: right after the warm runs the disk is still writing their files back
    bench_new_process(3 if quick else 11)
    affine = [{"kind": "affine_simd", "a": float(a), "b": 0.5} for a in range(1, 5 if quick else 33)]
    manifest, name = ((first_of_each_kind(warm.builtin_manifest()), "built-in manifest, one entry of each kind")
                      if quick else (warm.builtin_manifest(), "built-in manifest"))
    rows = [bench_warm(name, manifest, repeat), bench_warm("affine kernels", affine, repeat)]
    if not quick:
        rows.append(bench_warm(f"built-in manifest, --isa all ({', '.join(warm.tiers_for('all'))})",
                               warm.builtin_manifest(), 1, isa="all"))
    table("warm: compiling a manifest (medians, each from an empty cache)", rows,
          note=f"one by one = build_entry in one running process; warm = worker processes, start-up included; "
               f"{cores} cores")
    # --quick: one platform, whose C library stubs zig builds in seconds on a cold cache (Windows': ~100 s)
    cross = bench_cross_platforms(1, *(([{"kind": "affine_simd", "a": 2.0, "b": 0.0}], "one kernel", ("linux-aarch64",))
                                       if quick else (warm.builtin_manifest(), "built-in manifest")))
    if cross:
        table("warm --platform: layers for the other platforms, cross-built with zig", [cross],
              note="first = a one-kernel manifest for each platform (zig's one-time build of each platform's C "
                   "library stubs when its caches are cold, ~0 when warm); then the whole manifest, from an empty layer")
    rounds = 20 if quick else 1000
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
