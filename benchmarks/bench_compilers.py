"""Issue 19's compile times: a cold build (a kernel the cache lacks, nothing in memory) of the
10-node graph and of a trig graph by gcc, clang and zig cc (the ziglang package), each the median
of several builds on the best tier, with its ratio to gcc's (targets: clang within 1.3x, zig within 1.5x); and what
zig's first run ever costs (it builds its own caches once: timed here in a fresh cache of its own).

Each build's graph differs from the others in one constant, so that no compiler's own cache (zig
keeps one) serves a build from an earlier one.
"""
import contextlib
import shutil
import statistics
import tempfile
import time

import resin_jit as rj
from resin_jit.store import libraries
from resin_jit.toolchain import compilers as families

from .common import fmt_time, ratio, table


def ten_node_graph(k):
    x = rj.input("x")
    y = rj.clip(x * 0.5 + (0.25 + k * 2.0 ** -20), -1.0, 1.0)
    z = abs(y) * 2.0 - y
    return rj.where(z > 0.5, z * z, y)


def trig_graph(k):
    x, y = rj.input("x"), rj.input("y")
    return rj.sin(x) * rj.cos(y) + rj.tan(x * (0.5 + k * 2.0 ** -20)) + rj.pow(abs(x), y)


GRAPHS = {"10-node graph": ten_node_graph, "trig graph (sin, cos, tan, pow)": trig_graph}


def cold_build(cc, graph, cache):
    """(seconds of compile() end to end, seconds of the compiler's run) of `graph` built by `cc`
    into the cache directory `cache`, which does not hold it, with no kernel in memory. zig keeps
    its own caches in the cache directory's zig/ (store/zig_cache.py): a cache directory it has
    built in before is the usual case, a new one its first run."""
    saved, libraries._memo = libraries._memo, {}
    try:
        jit = rj.JitCompiler(rj.JitConfig(cc=cc, cache_dir=cache))
        jit.libraries.toolchain   # its version is looked up once per cache, not per build: not timed
        start = time.perf_counter()
        jit.compile(graph)
        seconds = time.perf_counter() - start
        assert jit.stats["compiles"] == 1, jit.stats
        return seconds, jit.stats["compile_seconds"]
    finally:
        libraries._memo = saved


def zig_first_run(zig, graph):
    """A cold build by zig into a new cache directory: zig's caches empty, as on a machine where it never ran."""
    with tempfile.TemporaryDirectory() as cache:
        return cold_build(zig, graph, cache)


def run(quick=False):
    repeat = 1 if quick else 5
    compilers = {"gcc": shutil.which("gcc"), "clang": shutil.which("clang"), "zig cc": families.ziglang_binary()}
    compilers = {name: cc for name, cc in compilers.items() if cc}
    if "gcc" not in compilers:
        print("no gcc here: nothing to compare compile times with")
        return
    with contextlib.ExitStack() as stack:
        caches = {name: stack.enter_context(tempfile.TemporaryDirectory()) for name in compilers}
        _compare(compilers, caches, repeat)
    if "zig cc" in compilers and not quick:
        firsts = [zig_first_run(compilers["zig cc"], ten_node_graph(k)) for k in range(repeat)]
        total, compiler = (statistics.median(t[i] for t in firsts) for i in (0, 1))
        table(f"compilers: zig's first run ever (its caches empty), the 10-node graph, median of {repeat}",
              [("zig cc, first run", {"compile()": fmt_time(total), "compiler's run": fmt_time(compiler)})])


def _compare(compilers, caches, repeat):
    counter = iter(range(1, 1 << 30))
    for name, cc in compilers.items():   # each compiler's first run (zig's caches) is not a cold build's cost
        cold_build(cc, ten_node_graph(next(counter)), caches[name])
    rows = []
    for title, make in GRAPHS.items():
        times = {name: [] for name in compilers}
        for _ in range(repeat):   # in turns: a machine that slows down mid-run slows all alike
            for name, cc in compilers.items():
                times[name].append(cold_build(cc, make(next(counter)), caches[name]))
        medians = {name: [statistics.median(t[i] for t in samples) for i in (0, 1)]
                   for name, samples in times.items()}
        row = {}
        for name, (total, compiler) in medians.items():
            row[f"{name}"] = fmt_time(total)
            row[f"{name} (cc)"] = fmt_time(compiler)
            if name != "gcc":
                row[f"{name} / gcc"] = ratio(total, medians["gcc"][0])
        rows.append((title, row))
    table(f"compilers: a cold build, median of {repeat} (compile() end to end; cc: the compiler's run)", rows,
          note=f"tier {rj.host_info()['best_isa']}; targets: clang within 1.3x gcc, zig within 1.5x")
