"""Issue 10's benchmarks: every way to call a kernel, beside numba, numpy, numexpr, jax and the limit.

The graph is the 10-node one of bench_graph. The limit is the same loop written by hand in C,
built by resin_jit's own toolchain at -O3 -march=native and timed inside C, so it holds no
Python at all. Peers match the kernel's rounding: numba without fastmath, the C loop with
-ffp-contract=off. Each table's cases are sampled in turns (common.medians).
"""
import dataclasses
import tempfile

import numpy as np

import resin_jit as rj
from resin_jit import audio

from .bench_graph import SR, numpy_ten_node, ten_node_graph
from .common import (SPEEDUP, TIME_RATIO, Target, TimedInC, fmt_time, medians, native_jit, optional_import,
                     print_verdicts, ratio, table)

SIZES = (1, 64, 256, 4096, 44100, 1_000_000)
QUICK_SIZES = (64, 44100)
LOOP_SIZES = (44100, 1_000_000)   # issue 20's loop targets

HAND_LOOP = r"""
#include <stdint.h>
#include <time.h>
/* The 10-node graph as a C programmer writes it; gcc -O3 -march=native vectorises it. */
__attribute__((noinline)) static void ten(const float *restrict x, float *restrict out, int64_t n)
{
    for (int64_t i = 0; i < n; i++) {
        const float t = x[i] * 0.5f + 0.25f;
        const float y = t < -1.0f ? -1.0f : (t > 1.0f ? 1.0f : t);
        const float z = __builtin_fabsf(y) * 2.0f - y;
        out[i] = z > 0.5f ? z * z : y;
    }
}

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

double time_ten(const float *x, float *out, int64_t n, int64_t calls)
{
    const double start = now();
    for (int64_t c = 0; c < calls; c++) {
        ten(x, out, n);
        __asm__ volatile("" ::: "memory");   /* every call really happens */
    }
    return (now() - start) / (double)calls;
}
"""


def hand_loop(workdir):
    """time_ten(x, out, n, calls) from the hand-written loop, or None without a compiler."""
    import cffi
    from resin_jit.toolchain import build
    toolchain = build.find_toolchain()
    if toolchain is None:
        return None
    flags = ["-O3", "-march=native", "-ffp-contract=off", "-fno-math-errno", "-shared", "-fPIC", "-std=gnu11"]
    so, _ = build.compile_library(HAND_LOOP, toolchain, flags, workdir, name="hand_ten")
    ffi = cffi.FFI()
    ffi.cdef("double time_ten(const float *x, float *out, int64_t n, int64_t calls);")
    lib = ffi.dlopen(str(so))

    def timer(x, out):
        px, pout = ffi.from_buffer("float[]", x), ffi.from_buffer("float[]", out, require_writable=True)
        return TimedInC(lambda calls: lib.time_ten(px, pout, x.size, calls))
    timer.keep = (ffi, lib)
    return timer


def numba_peers():
    """(allocating, into out) numba versions of the 10-node graph, or None."""
    numba = optional_import("numba")
    if numba is None:
        return None

    @numba.njit
    def into(x, out):
        for i in range(x.shape[0]):
            t = x[i] * np.float32(0.5) + np.float32(0.25)
            y = np.float32(-1.0) if t < np.float32(-1.0) else (np.float32(1.0) if t > np.float32(1.0) else t)
            z = abs(y) * np.float32(2.0) - y
            out[i] = z * z if z > np.float32(0.5) else y

    @numba.njit
    def allocating(x):
        out = np.empty_like(x)
        into(x, out)
        return out
    probe = np.zeros(8, np.float32)
    allocating(probe)
    into(probe, probe.copy())
    return allocating, into


def numexpr_peer():
    try:
        import numexpr
    except ImportError:
        return None
    t = "(x * 0.5 + 0.25)"
    y = f"where({t} < -1, -1, where({t} > 1, 1, {t}))"
    z = f"(abs({y}) * 2 - {y})"
    expression = f"where({z} > 0.5, {z} * {z}, {y})"
    return lambda x, out: numexpr.evaluate(expression, local_dict={"x": x}, out=out, casting="unsafe")


def jax_peer():
    try:
        import jax
        import jax.numpy as jnp
    except ImportError:
        return None

    @jax.jit
    def ten(x):
        y = jnp.clip(x * np.float32(0.5) + np.float32(0.25), -1.0, 1.0)
        z = jnp.abs(y) * np.float32(2.0) - y
        return jnp.where(z > 0.5, z * z, y)
    return lambda x: ten(x).block_until_ready(), jnp.asarray


def stateless_cases(kernel, n, peers, timer):
    x = np.random.default_rng(n).standard_normal(n).astype(np.float32)
    out, tmp, mask = np.empty_like(x), np.empty_like(x), np.empty(n, bool)
    numpy_ten_node(x, out, tmp, mask)
    np.testing.assert_array_equal(kernel(x), out)
    cases = {"kernel(x)": lambda: kernel(x), "kernel(x=x)": lambda: kernel(x=x),
             "process(x, out=y)": lambda: kernel.process(x, out=out), "process(x, y)": lambda: kernel.process(x, out),
             "kernel(x, threads=1)": lambda: kernel(x, threads=1),
             "numpy, 10 ops in place": lambda: numpy_ten_node(x, out, tmp, mask),
             "np.empty(n) alone": lambda: np.empty(n, np.float32)}
    if peers["numba"]:
        allocating, into = peers["numba"]
        np.testing.assert_array_equal(allocating(x), out)
        cases["numba, allocating"] = lambda: allocating(x)
        cases["numba, into out"] = lambda: into(x, out)
    if peers["numexpr"]:
        cases["numexpr (all threads)"] = lambda: peers["numexpr"](x, out)
    if peers["jax"]:
        run, convert = peers["jax"]
        xj = convert(x)
        cases["jax.jit"] = lambda: run(xj)
    if timer:
        cases["limit: hand C loop, timed in C"] = timer(x, out)
    return cases


def bench_stateless(jit, sizes, peers, timer, repeat):
    kernel = jit.compile(ten_node_graph(), inputs=["x"])
    results = {}
    for n in sizes:
        t = medians(stateless_cases(kernel, n, peers, timer), repeat=repeat)
        results[n] = t
        limit = t.get("limit: hand C loop, timed in C")
        rows = [(name, {"median": fmt_time(v), "vs numba alloc": ratio(v, t.get("numba, allocating")),
                        "vs numba out": ratio(v, t.get("numba, into out")), "vs limit": ratio(v, limit)})
                for name, v in t.items()]
        table(f"10-node graph, n = {n:,} float32 (isa {kernel.isa}); ratios: this time / peer's", rows)
    return results


def bench_loops(jit, sizes, peers, nb, repeat):
    """Issue 20's loop targets: the 10-node graph's own loop (process into an output, no allocation)
    beside numba's same loop, each rounding as IEEE says and each with fastmath (FMA contraction)."""
    if not (peers["numba"] and nb):
        return {}
    fast = rj.JitCompiler(dataclasses.replace(jit.config, fastmath=True))
    exact, fused = jit.compile(ten_node_graph(), inputs=["x"]), fast.compile(ten_node_graph(), inputs=["x"])
    into, numba_fast = peers["numba"][1], nb[0]
    results = {}
    for n in sizes:
        x = np.random.default_rng(n).standard_normal(n).astype(np.float32)
        out = np.empty_like(x)
        t = results[n] = medians({"resin_jit process(x, y)": lambda: exact.process(x, out),
                                  "numba, exact": lambda: into(x, out),
                                  "resin_jit fastmath=True process(x, y)": lambda: fused.process(x, out),
                                  "numba fastmath=True": lambda: numba_fast(x, out)}, repeat=repeat)
        peer = {"resin_jit process(x, y)": "numba, exact", "resin_jit fastmath=True process(x, y)": "numba fastmath=True"}
        rows = [(name, {"median": fmt_time(v), "peer / this": ratio(t[peer[name]], v) if name in peer else "1.00x"})
                for name, v in t.items()]
        table(f"the loop: 10-node graph, n = {n:,} float32 (isa {exact.isa}); peer / this >= 1.00x: as fast", rows)
    return results


def bench_stateful(jit, sizes, nb_biquad, repeat):
    node = audio.Biquad.lowpass(1000.0, q=0.7071, sample_rate=SR)
    coefficients = node.coefficients   # computed once: numba gets them as plain floats
    synth = jit.compile(node(rj.input("x")))
    results = {}
    for n in sizes:
        x = np.random.default_rng(n).standard_normal(n).astype(np.float32)
        y = np.empty_like(x)
        cases = {"synth(x)": lambda: synth(x), "synth.process(x, out=y)": lambda: synth.process(x, out=y),
                 "synth.process(x, y)": lambda: synth.process(x, y)}
        if nb_biquad:
            cases["numba per-sample loop"] = lambda: nb_biquad(x, y, *coefficients)
        t = results[n] = medians(cases, repeat=repeat)
        rows = [(name, {"median": fmt_time(v), "numba / this": ratio(t.get("numba per-sample loop"), v)})
                for name, v in t.items()]
        table(f"biquad lowpass, mono, n = {n:,}", rows)
    bank_in = np.random.default_rng(8).standard_normal((8, 44100)).astype(np.float32)
    bank_out = np.empty_like(bank_in)
    cases = {"synth(bank)": lambda: synth(bank_in), "synth.process(bank, out=...)":
             lambda: synth.process(bank_in, out=bank_out)}
    if nb_biquad:
        def per_channel():
            for ch in range(8):
                nb_biquad(bank_in[ch], bank_out[ch], *coefficients)
        cases["numba, channel by channel"] = per_channel
    t = results["bank"] = medians(cases, repeat=repeat)
    rows = [(name, {"median": fmt_time(v), "numba / this": ratio(t.get("numba, channel by channel"), v)})
            for name, v in t.items()]
    table("biquad lowpass, 8 channels x 44,100 (channels across SIMD lanes)", rows)
    return results


def bench_memo(jit, repeat):
    expr = ten_node_graph()
    jit.compile(expr)
    t = medians({"compile(same expression)": lambda: jit.compile(expr),
                 "compile(ten_node_graph())": lambda: jit.compile(ten_node_graph()),
                 "ten_node_graph() alone": ten_node_graph}, repeat=repeat)
    rebuilt = t["compile(ten_node_graph())"] - t["ten_node_graph() alone"]
    rows = [("same expression object", {"median": fmt_time(t["compile(same expression)"]), "target": "<= 5 us"}),
            ("equal graph built again (compile only)", {"median": fmt_time(rebuilt), "target": "<= 25 us"}),
            ("  building that 10-node graph", {"median": fmt_time(t["ten_node_graph() alone"]), "target": "-"})]
    table("compiling a graph this compiler already returned", rows)
    return {"same": t["compile(same expression)"], "rebuilt": rebuilt}


def bench_dtypes(jit, repeat, n=64):
    """Issue 21 item 1: what following the inputs' dtype costs a call (a kernel compiled without
    dtype=, whose float64 variant the C path picks by the arrays' dtype) beside a kernel fixed at
    each dtype, the 10-node graph at n = 64. Returns the medians."""
    follows = jit.compile(ten_node_graph(), inputs=["x"])
    fixed = {d: jit.compile(ten_node_graph(), inputs=["x"], dtype=d) for d in ("float32", "float64")}
    xs = {d: np.random.default_rng(7).standard_normal(n).astype(d) for d in fixed}
    follows(xs["float64"])   # its float64 variant made before timing
    cases = {}
    for d in fixed:
        cases[f"fixed {d}: kernel(x)"] = lambda d=d: fixed[d](xs[d])
        cases[f"following: kernel(x {d})"] = lambda d=d: follows(xs[d])
    t = medians(cases, repeat=repeat)
    table(f"a kernel following its inputs' dtype beside kernels fixed at one, 10-node graph, n = {n}; "
          "the difference is the dtype check", [(k, {"median": fmt_time(v)}) for k, v in t.items()])
    return t


def verdicts(stateless, stateful, memo, loops=None, dtypes=None):
    """A Target for each of the issue's targets that this run measured."""
    out = []
    for n, t in (loops or {}).items():
        out += [Target(f"loop n={n:,}: process(x, y)", t["numba, exact"] / t["resin_jit process(x, y)"], -1.0,
                       SPEEDUP, "numba's exact loop"),
                Target(f"loop n={n:,}: fastmath process(x, y)",
                       t["numba fastmath=True"] / t["resin_jit fastmath=True process(x, y)"], -1.0, SPEEDUP,
                       "numba fastmath=True")]
    if 64 in stateless and "numba, allocating" in stateless[64]:
        t = stateless[64]
        out += [Target(f"n=64 {form}", t[form] / t[peer], bound, TIME_RATIO, f"numba, {peer.split(', ')[1]}")
                for form, peer, bound in (("kernel(x)", "numba, allocating", 1.0),
                                          ("process(x, out=y)", "numba, into out", 1.0),
                                          ("process(x, y)", "numba, into out", 1.0),
                                          ("kernel(x=x)", "numba, allocating", 1.3))]
    if 44100 in stateless and "limit: hand C loop, timed in C" in stateless[44100]:
        t = stateless[44100]
        limit = t["limit: hand C loop, timed in C"]
        for form in ("process(x, out=y)", "process(x, y)"):
            out.append(Target(f"n=44100 {form}", t[form] / limit, 1.1, TIME_RATIO, "the hand C loop"))
        for form in ("kernel(x)", "kernel(x=x)"):
            out.append(Target(f"n=44100 {form}", t[form] / (limit + t["np.empty(n) alone"]), 1.1, TIME_RATIO,
                              "the hand C loop + np.empty"))
    for n, t in stateful.items():
        if n != "bank" and "numba per-sample loop" in t:
            out.append(Target(f"biquad mono n={n:,}: synth.process(x, y)",
                              t["numba per-sample loop"] / t["synth.process(x, y)"], -1.0, SPEEDUP, "numba"))
    if "numba, channel by channel" in stateful.get("bank", {}):
        t = stateful["bank"]
        out.append(Target("8-channel biquad bank", t["numba, channel by channel"] / t["synth.process(bank, out=...)"],
                          -3.0, SPEEDUP, "numba, channel by channel"))
    for d in ("float32", "float64") if dtypes else ():
        out.append(Target(f"n=64 dtype check of a following kernel, {d} data",
                          (dtypes[f"following: kernel(x {d})"] - dtypes[f"fixed {d}: kernel(x)"]) * 1e9, 20.0,
                          "nanoseconds added to a call"))
    out += [Target("compile the same expression again", memo["same"] * 1e6, 5.0, "microseconds"),
            Target("compile an equal 10-node graph built again", memo["rebuilt"] * 1e6, 25.0, "microseconds")]
    return out


def run(quick=False):
    from .bench_graph import numba_kernels
    with native_jit() as jit:
        if not jit:
            return
        peers = {"numba": numba_peers(), "numexpr": numexpr_peer(), "jax": None if quick else jax_peer()}
        nb = numba_kernels()
        repeat = 5 if quick else 21
        with tempfile.TemporaryDirectory() as tmp:
            timer = hand_loop(tmp)
            stateless = bench_stateless(jit, QUICK_SIZES if quick else SIZES, peers, timer, repeat)
        loops = bench_loops(jit, LOOP_SIZES, peers, nb, repeat)
        stateful = bench_stateful(jit, (64, 44100) if quick else (64, 256, 4096, 44100), nb and nb[1], repeat)
        dtypes = bench_dtypes(jit, repeat)
        print_verdicts(verdicts(stateless, stateful, bench_memo(jit, repeat), loops, dtypes))
