"""Issue 14's reductions, side by side: sum(x*y) and sqrt(mean(x*x)) as one fused pass, against
numpy (which makes the product, then reduces it) and numba's loop, at 44,100 and 1,000,000
samples, and an 8-channel RMS (one value per channel)."""
import numpy as np

import resin_jit as rj

from .common import fmt_time, medians, native_jit, optional_import, ratio, table

SIZES = (44_100, 1_000_000)


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
