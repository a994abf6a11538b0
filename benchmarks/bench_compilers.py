"""Issue 19's compile times: a cold build (a kernel the cache lacks, nothing in memory) of the
10-node graph and of a trig graph by gcc, clang and zig cc (the ziglang package), each the median
of several builds on the best tier, with its ratio to gcc's (targets: clang within 1.3x, zig within 1.5x); and what
zig's first run ever costs (it builds its own caches once: timed here in a fresh cache of its own).

Each build's graph differs from the others in one constant, so that no compiler's own cache (zig
keeps one) serves a build from an earlier one.

Issue 20's (item 4): how a cold build grows with the graph, by gcc and clang: the trig graph at
each accuracy level (target 100 ms), a chain of elementwise nodes with a sine every tenth node at
10, 100, 1,000 and (full run only) 3,000 nodes (targets: 1,000 within 2 s, 3,000 within 6 s), and
the chain kernels' run time over 44,100 samples; in the full run, beside each chain of 100 nodes or
fewer, the same kernel with every function inlined (codegen/outline.py's choice turned off): what
building and running it cost before functions went out of line.
"""
import contextlib
import itertools
import shutil
import statistics
import tempfile
import time

import numpy as np

import resin_jit as rj
from resin_jit.codegen import outline
from resin_jit.store import libraries
from resin_jit.toolchain import compilers as families

from .common import fmt_time, median_seconds, ratio, table


def ten_node_graph(k):
    x = rj.input("x")
    y = rj.clip(x * 0.5 + (0.25 + k * 2.0 ** -20), -1.0, 1.0)
    z = abs(y) * 2.0 - y
    return rj.where(z > 0.5, z * z, y)


def trig_graph(k):
    x, y = rj.input("x"), rj.input("y")
    return rj.sin(x) * rj.cos(y) + rj.tan(x * (0.5 + k * 2.0 ** -20)) + rj.pow(abs(x), y)


GRAPHS = {"10-node graph": ten_node_graph, "trig graph (sin, cos, tan, pow)": trig_graph}


def chain(n, k):
    """n elementwise nodes after the input, every tenth a sine (issue 20's graph)."""
    y = rj.input("x")
    for i in range(n):
        if i % 10 == 9:
            y = rj.sin(y)
        else:
            y = y * (0.75 + k * 2.0 ** -30) if i % 3 == 0 else y + 0.125 if i % 3 == 1 else y - 0.0625
    return y


def cold_build(cc, graph, cache, kernels=None, **config):
    """(seconds of compile() end to end, seconds of the compiler's run) of `graph` built by `cc`
    into the cache directory `cache`, which does not hold it, with no kernel in memory. zig keeps
    its own caches in the cache directory's zig/ (store/zig_cache.py): a cache directory it has
    built in before is the usual case, a new one its first run. `config`: JitConfig's fields
    besides; `kernels` (a list) gets the kernel."""
    saved, libraries._memo = libraries._memo, {}
    try:
        jit = rj.JitCompiler(rj.JitConfig(cc=cc, cache_dir=cache, **config))
        jit.libraries.toolchain   # its version is looked up once per cache, not per build: not timed
        start = time.perf_counter()
        kernel = jit.compile(graph)
        seconds = time.perf_counter() - start
        if kernels is not None:
            kernels.append(kernel)
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
        scaling = {name: compilers[name] for name in ("gcc", "clang") if name in compilers}
        _trig_levels(scaling, caches, repeat)
        _chains(scaling, caches, repeat, quick)
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


# every graph a build of this module makes is new to the cache (another constant), whichever table
# builds it: a chain of ten nodes, its one sine inlined either way, is the same kernel in both forms
_GRAPH_NUMBERS = itertools.count(1 << 20)


def _median_build(cc, make, cache, repeat, **config):
    """(median seconds of compile(), of the compiler's run, the last kernel) of `repeat` cold builds."""
    kernels = []
    builds = [cold_build(cc, make(next(_GRAPH_NUMBERS)), cache, kernels, **config) for _ in range(repeat)]
    return statistics.median(b[0] for b in builds), statistics.median(b[1] for b in builds), kernels[-1]


def _trig_levels(compilers, caches, repeat):
    rows = []
    for ulp in (0.5, 1.0, 4.0):
        row = {}
        for name, cc in compilers.items():
            total, compiler, _ = _median_build(cc, trig_graph, caches[name], repeat, ulp=ulp)
            row[name], row[f"{name} (cc)"] = fmt_time(total), fmt_time(compiler)
        rows.append((f"trig graph, ulp={ulp}", row))
    table(f"compile scaling: a cold build of the trig graph (sin, cos, tan, pow) per accuracy level, median of {repeat}",
          rows, note="float32; target 100 ms at every level")


def _chains(compilers, caches, repeat, quick):
    x = np.linspace(-3.0, 3.0, 44_100).astype(np.float32)
    rows = []
    for n in (10, 100, 1000) if quick else (10, 100, 1000, 3000):
        forms = {"": outline.OUTLINE_AT} if quick or n > 100 else {"": outline.OUTLINE_AT, ", inlined": 1 << 30}
        row = {}
        for name, cc in compilers.items():
            for form, outline_at in forms.items():
                saved, outline.OUTLINE_AT = outline.OUTLINE_AT, outline_at
                try:
                    total, _, kernel = _median_build(cc, lambda k: chain(n, k), caches[name], 1 if n >= 1000 else repeat)
                finally:
                    outline.OUTLINE_AT = saved
                row[f"{name}{form}"] = fmt_time(total)
                row[f"{name}{form} run"] = fmt_time(median_seconds(lambda: kernel(x), repeat=5 if quick else 21))
        rows.append((f"chain of {n} nodes", row))
    table("compile scaling: a cold build of a chain with a sine every 10th node (compile() end to end), and its "
          "run over 44,100 float32 samples", rows,
          note="targets: 1,000 nodes within 2 s, 3,000 within 6 s, no slower to run; \"inlined\": every function "
               "inlined, as before codegen/outline.py")
