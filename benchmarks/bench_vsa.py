"""Issue 4's benchmarks: each VSA operation against the numpy a user would write and a Python loop."""

import numpy as np

from resin_jit.vsa import ItemMemory, JitVSAEngine, TritVector

from .common import native_jit, fmt_time, median_seconds, ratio, table

DIMS = (1024, 10000, 59049)
TARGETS_AT_10000 = {"dot": 15, "cosine": 30, "bundle of 3": 10, "permute": 5, "hamming": 4, "packed dot": 25}


def numpy_peers(a, b, c):
    """What a user would write in numpy, on int8 vectors (int32 arrays made once, outside the timing)."""
    a32, b32 = a.astype(np.int32), b.astype(np.int32)
    na, nb = np.count_nonzero(a), np.count_nonzero(b)
    return {
        "dot": lambda: int(np.dot(a32, b32)),
        "cosine": lambda: float(np.dot(a32, b32)) / np.sqrt(float(np.count_nonzero(a)) * float(np.count_nonzero(b)))
        if na and nb else 0.0,
        "bundle of 3": lambda: np.sign(a.astype(np.int16) + b + c).astype(np.int8),
        "permute": lambda: np.roll(a, 17),
        "hamming": lambda: int(np.count_nonzero(a != b)),
        "packed dot": lambda: int(np.dot(a32, b32)),
    }


def python_dot(a, b):
    return sum(x * y for x, y in zip(a, b))


def bench_operations(engine, quick):
    rows, misses = [], []
    for dim in DIMS:
        a, b, c = (TritVector.random(dim, seed=s) for s in range(3))
        pa, pb = a.pack(), b.pack()
        ours = {"dot": lambda: engine.dot(a, b), "cosine": lambda: engine.cosine(a, b),
                "bundle of 3": lambda: engine.bundle([a, b, c]), "permute": lambda: engine.permute(a, 17),
                "hamming": lambda: engine.hamming(a, b), "packed dot": lambda: engine.dot(pa, pb)}
        peers = numpy_peers(a.data, b.data, c.data)
        for name, fn in ours.items():
            t_ours, t_np = median_seconds(fn), median_seconds(peers[name])
            values = {"resin_jit": fmt_time(t_ours), "numpy": fmt_time(t_np), "speedup": ratio(t_np, t_ours)}
            if name == "dot" and dim == 1024:
                al, bl = a.data.tolist(), b.data.tolist()
                values["python loop"] = fmt_time(median_seconds(lambda: python_dot(al, bl), repeat=5))
            target = TARGETS_AT_10000.get(name) if dim == 10000 else (50 if name == "packed dot" and dim == 59049
                                                                      else None)
            if target:
                values["target"] = f">= {target}x"
                if t_np / t_ours < target:
                    misses.append(f"{name} at {dim}: {t_np / t_ours:.1f}x < {target}x")
            rows.append((f"{name} @ {dim}", values))
    table(f"VSA operations (isa {engine.jit.isa}): resin_jit vs numpy, medians", rows)
    print("misses: " + ("; ".join(misses) if misses else "none"))


def bench_batched(engine, quick):
    n, dim = 1000, 10000
    rows = np.stack([TritVector.random(dim, seed=s).data for s in range(n)])
    memory = ItemMemory(rows)
    query = TritVector.random(dim, seed=12345)
    mem32, q32 = rows.astype(np.float32), query.data.astype(np.float32)
    t_np = median_seconds(lambda: mem32 @ q32, repeat=11)
    out = [("numpy float32 memory @ query", {"median": fmt_time(t_np), "speedup": "1.00x"})]
    for threads in (1, 2):
        t = median_seconds(lambda: engine.similarity(query, memory, "cosine", threads=threads), repeat=11)
        out.append((f"resin_jit packed cosine, {threads} thread(s)", {"median": fmt_time(t), "speedup": ratio(t_np, t)}))
    table(f"batched cosine: 1 query against {n} x {dim} packed vectors (target >= 5x numpy)", out)


def run(quick=False):
    with native_jit() as jit:
        if not jit:
            return
        engine = JitVSAEngine(jit)
        bench_operations(engine, quick)
        bench_batched(engine, quick)
