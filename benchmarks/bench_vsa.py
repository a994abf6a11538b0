"""Issue 4's benchmarks: each VSA operation against the numpy a user would write and a Python loop.

Medians, measured side by side in one run. The numpy peers work on arrays prepared outside the
timing (int32 copies for the dots, float32 for the batched search), as a user's would be.
"""

import numpy as np

from resin_jit.vsa import ItemMemory, JitVSAEngine, TritVector

from .common import (SPEEDUP, Target, native_jit, fmt_time, median_seconds, paired_medians, print_verdicts, ratio,
                     table)


DIMS = (1024, 10000, 59049)
OPERATIONS = ("dot", "cosine", "bundle of 3", "permute", "hamming", "bind", "packed dot", "packed cosine")
# The targets: speedup over the numpy peer at 10,000 (packed dot also at 59,049).
TARGETS = {("dot", 10000): 15, ("cosine", 10000): 30, ("bundle of 3", 10000): 10, ("permute", 10000): 5,
           ("hamming", 10000): 4, ("packed dot", 10000): 25, ("packed dot", 59049): 50}
BATCH_TARGET = 5
PEERS = {"dot": "numpy int32 np.dot", "cosine": "numpy int32 dot / sqrt(nonzero counts)",   # timed beside
         "bundle of 3": "numpy np.sign(int16 sum)", "permute": "numpy np.roll", "hamming": "numpy count_nonzero(a != b)",
         "bind": "numpy a * b (int8)", "packed dot": "numpy int32 np.dot", "packed cosine": "numpy int32 cosine"}


def numpy_peers(a, b, c):
    """What a user would write in numpy on int8 trit arrays (int32 copies made once, outside)."""
    a32, b32 = a.astype(np.int32), b.astype(np.int32)

    def cosine():   # trit-aware: |v|^2 is the count of non-zero trits
        na, nb = np.count_nonzero(a32), np.count_nonzero(b32)
        return float(np.dot(a32, b32)) / np.sqrt(float(na) * float(nb)) if na and nb else 0.0
    return {
        "dot": lambda: int(np.dot(a32, b32)),
        "cosine": cosine,
        "bundle of 3": lambda: np.sign(a.astype(np.int16) + b + c).astype(np.int8),
        "permute": lambda: np.roll(a, 17),
        "hamming": lambda: int(np.count_nonzero(a != b)),
        "bind": lambda: a * b,
        "packed dot": lambda: int(np.dot(a32, b32)),
        "packed cosine": cosine,
    }


def generic_cosine(a32, b32):
    """The textbook formula, as a user who does not think of trits writes it."""
    return lambda: float(np.dot(a32, b32) / (np.linalg.norm(a32) * np.linalg.norm(b32)))


def python_loops(a, b, c):
    """Pure Python over lists of ints: the interpreter baseline (what the original's docs compare with)."""
    al, bl, cl = a.tolist(), b.tolist(), c.tolist()
    n = len(al)

    def cosine():
        dot = sum(x * y for x, y in zip(al, bl))
        na, nb = sum(1 for x in al if x), sum(1 for y in bl if y)
        return dot / (na * nb) ** 0.5 if na and nb else 0.0

    def bundle():
        return [(s > 0) - (s < 0) for s in (x + y + z for x, y, z in zip(al, bl, cl))]
    return {
        "dot": lambda: sum(x * y for x, y in zip(al, bl)),
        "cosine": cosine,
        "bundle of 3": bundle,
        "permute": lambda: [al[(i - 17) % n] for i in range(n)],
        "hamming": lambda: sum(1 for x, y in zip(al, bl) if x != y),
        "bind": lambda: [x * y for x, y in zip(al, bl)],
    }


def ours(engine, a, b, c):
    pa, pb = a.pack(), b.pack()
    return {"dot": lambda: engine.dot(a, b), "cosine": lambda: engine.cosine(a, b),
            "bundle of 3": lambda: engine.bundle([a, b, c]), "permute": lambda: engine.permute(a, 17),
            "hamming": lambda: engine.hamming(a, b), "bind": lambda: engine.bind(a, b),
            "packed dot": lambda: engine.dot(pa, pb), "packed cosine": lambda: engine.cosine(pa, pb)}


def bench_operations(engine, quick):
    rows, verdicts = [], []
    repeat = 7 if quick else 21
    for dim in DIMS:
        a, b, c = (TritVector.random(dim, seed=s) for s in range(3))
        mine, peers = ours(engine, a, b, c), numpy_peers(a.data, b.data, c.data)
        loops = python_loops(a.data, b.data, c.data) if dim == DIMS[0] else {}
        for name in OPERATIONS:
            if quick and name.startswith("packed") and (name, dim) not in TARGETS:
                continue
            mine[name]()   # the first call compiles (or loads) the kernel
            t_ours, t_np = paired_medians(mine[name], peers[name], repeat=repeat)
            values = {"resin_jit": fmt_time(t_ours), "numpy": fmt_time(t_np), "vs numpy": ratio(t_np, t_ours)}
            if name in loops:
                t_py = median_seconds(loops[name], repeat=3, number=1 if quick else None, min_time=0.005)
                values["python loop"], values["vs python"] = fmt_time(t_py), ratio(t_py, t_ours)
            target = TARGETS.get((name, dim))
            if target:
                values["target"] = f">= {target}x"
                verdicts.append(Target(f"{name} @ {dim}", t_np / t_ours, -target, SPEEDUP, PEERS[name]))
            rows.append((f"{name} @ {dim}", values))
            if name == "cosine" and dim == 10000:
                a32, b32 = a.data.astype(np.int32), b.data.astype(np.int32)
                t_ours, t_gen = paired_medians(mine[name], generic_cosine(a32, b32), repeat=repeat)
                rows.append(("  cosine @ 10000 vs np.linalg.norm formula",
                             {"numpy": fmt_time(t_gen), "vs numpy": ratio(t_gen, t_ours)}))
    table(f"VSA operations (isa {engine.jit.isa}): resin_jit vs numpy (and a Python loop at {DIMS[0]}), medians",
          rows, note="numpy peers: int32 np.dot; cosine = int32 dot / sqrt(count_nonzero products); "
                     "np.sign(int16 sum); np.roll; np.count_nonzero(a != b); a * b (int8)")
    return verdicts


def bench_batched(engine, quick):
    n, dim = 1000, 10000
    rows = np.stack([TritVector.random(dim, seed=s).data for s in range(n)])
    memory = ItemMemory(rows)
    query = TritVector.random(dim, seed=12345)
    mem32, q32 = rows.astype(np.float32), query.data.astype(np.float32)
    repeat = 5 if quick else 11
    out, verdict = [], None
    for threads in (1, 2):
        t, t_np = paired_medians(lambda: engine.similarity(query, memory, "cosine", threads=threads),
                                 lambda: mem32 @ q32, repeat=repeat, min_time=0.1)
        if not out:
            out.append(("numpy float32 memory @ query (dots only)", {"median": fmt_time(t_np), "vs numpy": "1.00x"}))
        verdict = t_np / t if verdict is None else max(verdict, t_np / t)
        out.append((f"resin_jit packed cosine, {threads} thread(s)", {"median": fmt_time(t), "vs numpy": ratio(t_np, t)}))
    table(f"batched cosine: 1 query against {n} x {dim} packed vectors (target >= {BATCH_TARGET}x numpy)", out)
    return [Target(f"batched cosine 1 x {n} x {dim}", verdict, -BATCH_TARGET, SPEEDUP,
                   "numpy float32 memory @ query (dots only)")]


def run(quick=False):
    with native_jit() as jit:
        if not jit:
            return
        engine = JitVSAEngine(jit)
        verdicts = bench_operations(engine, quick) + bench_batched(engine, quick)
        print_verdicts(verdicts, "VSA targets")
