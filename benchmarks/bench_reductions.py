"""Issue 14's reductions, side by side: sum(x*y) and sqrt(mean(x*x)) as one fused pass, against
numpy (which makes the product, then reduces it) and numba's loop, at 44,100 and 1,000,000
samples, and an 8-channel RMS (one value per channel); and (issue 21) argmax beside numpy's, alone and
fused into a pipeline of reductions, which it must not slow by more than a fifth."""
import numpy as np

import resin_jit as rj

from .common import (SPEEDUP, TIME_RATIO, Target, fmt_time, medians, native_jit, optional_import, print_verdicts,
                     ratio, table)

SIZES = (44_100, 1_000_000)
ARGMAX_SIZE, QUICK_ARGMAX_SIZE = 10_000_000, 1_000_000
ARGMAX_PEER = 1.0        # rj.argmax >= 1x np.argmax
ARGMAX_IN_PIPELINE = 1.2   # the pipeline with argmax within 1.2x of the same without


def numba_peers():
    numba = optional_import("numba")
    if numba is None:
        return None

    @numba.njit
    def dot(x, y):
        total = 0.0
        for i in range(x.shape[0]):
            total += np.float64(x[i]) * np.float64(y[i])
        return np.float32(total)

    @numba.njit
    def rms(x):
        total = 0.0
        for i in range(x.shape[0]):
            total += np.float64(x[i]) * np.float64(x[i])
        return np.float32(np.sqrt(total / x.shape[0]))
    probe = np.ones(8, np.float32)
    dot(probe, probe)
    rms(probe)
    return dot, rms


def run(quick=False):
    with native_jit() as jit:
        if not jit:
            return
        x, y = rj.input("x"), rj.input("y")
        dot = jit.compile(rj.sum(x * y), inputs=[x, y])
        rms = jit.compile(rj.sqrt(rj.mean(x * x)))
        nb = numba_peers()
        for n in SIZES[:1] if quick else SIZES:
            xs, ys = (np.random.default_rng(s).standard_normal(n).astype(np.float32) for s in (1, 2))
            cases = {"resin_jit sum(x*y)": lambda: dot(xs, ys), "numpy np.sum(x*y)": lambda: np.sum(xs * ys),
                     "numpy np.dot(x, y)": lambda: np.dot(xs, ys),
                     "resin_jit sqrt(mean(x*x))": lambda: rms(xs),
                     "numpy np.sqrt(np.mean(x*x))": lambda: np.sqrt(np.mean(xs * xs))}
            if nb:
                cases["numba sum(x*y) loop"] = lambda: nb[0](xs, ys)
                cases["numba sqrt(mean(x*x)) loop"] = lambda: nb[1](xs)
            t = medians(cases, repeat=5 if quick else 21)
            mine = {"sum": t["resin_jit sum(x*y)"], "sqrt": t["resin_jit sqrt(mean(x*x))"]}
            rows = [(name, {"median": fmt_time(v),
                            "resin_jit speed-up": ratio(v, mine["sum" if "sum" in name or "dot" in name else "sqrt"])})
                    for name, v in t.items()]
            table(f"reductions over {n:,} float32 samples (isa {dot.isa}; ours accumulate in double)", rows)
        bank = np.random.default_rng(3).standard_normal((8, 44_100)).astype(np.float32)
        t = medians({"resin_jit, 8 channels at once": lambda: rms(bank),
                     "numpy, axis=1": lambda: np.sqrt(np.mean(bank * bank, axis=1))}, repeat=5 if quick else 21)
        table("RMS of 8 channels x 44,100", [(k, {"median": fmt_time(v), "resin_jit speed-up":
                                                   ratio(v, t["resin_jit, 8 channels at once"])}) for k, v in t.items()])
        print_verdicts(bench_argmax(jit, quick))


def bench_argmax(jit, quick):
    """rj.argmax of float32 and float64 beside np.argmax, and a fused pipeline of reductions with and
    without an argmax of one of its values. Returns the verdict rows."""
    n = QUICK_ARGMAX_SIZE if quick else ARGMAX_SIZE
    x, y = rj.input("x"), rj.input("y")
    d = abs(x - y)
    pipeline = [rj.mean(x * y), rj.max(d), rj.sqrt(rj.mean(x * x))]
    verdicts = []
    for dtype in ("float32", "float64"):
        xs, ys = (np.random.default_rng(s).standard_normal(n).astype(dtype) for s in (4, 5))
        argmax = jit.compile(rj.argmax(x), dtype=dtype)
        without = jit.compile(pipeline, inputs=[x, y], dtype=dtype)
        with_argmax = jit.compile(pipeline + [rj.argmax(d)], inputs=[x, y], dtype=dtype)
        assert int(argmax(xs)) == int(np.argmax(xs)) and int(with_argmax(xs, ys)[-1]) == int(np.argmax(np.abs(xs - ys)))
        t = medians({"resin_jit rj.argmax(x)": lambda: argmax(xs), "numpy np.argmax(x)": lambda: np.argmax(xs),
                     "resin_jit pipeline": lambda: without(xs, ys),
                     "resin_jit pipeline + argmax": lambda: with_argmax(xs, ys)}, repeat=5 if quick else 21)
        table(f"argmax over {n:,} {dtype} samples (isa {argmax.isa}); the pipeline: mean(x*y), max(|x-y|), "
              "sqrt(mean(x*x)), + argmax(|x-y|)", [(k, {"median": fmt_time(v)}) for k, v in t.items()])
        verdicts.append(Target(f"rj.argmax {dtype} n={n:,}", t["numpy np.argmax(x)"] / t["resin_jit rj.argmax(x)"],
                               -ARGMAX_PEER, SPEEDUP, "np.argmax"))
        verdicts.append(Target(f"the reductions pipeline with an argmax {dtype} n={n:,}",
                               t["resin_jit pipeline + argmax"] / t["resin_jit pipeline"], ARGMAX_IN_PIPELINE,
                               TIME_RATIO, "the same pipeline without the argmax"))
    return verdicts
