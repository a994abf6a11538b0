"""Issue 22, item 1: batched bind, permute and bundle of 1,000 x 10,000 trits, one call per batch,
beside what a user writes without them, medians side by side in one run:
- numpy on the int8 (N, dim) array: A * B, np.roll(A, k, axis=1), np.sign((w[:, None] * A).sum(0));
- a loop of the single-vector engine operations over the batch's rows, from the same (N, dim)
  array to the same batch result (each row made a TritVector / taken from the PackedBatch, the
  results stacked), since that is the work a batch call replaces.
Dense batches are (N, dim) int8 arrays; packed ones PackedBatch (two bit planes, 4x less memory).
"""
import numpy as np

from resin_jit.vsa import JitVSAEngine, PackedBatch, TritVector

from .common import SPEEDUP, Target, fmt_time, medians, native_jit, print_verdicts, ratio, table

N, DIM, SHIFT = 1000, 10_000, 3
LOOP_TARGET, NUMPY_TARGET = 10, 20


def cases(engine, a, b, w, wf):
    """{operation: {peer or layout: callable}}: ours (dense, packed), numpy, the loops."""
    pa, pb = PackedBatch(a), PackedBatch(b)
    e, wf32 = engine, wf.astype(np.float32)
    return {
        "bind": {
            "dense": lambda: e.bind(a, b), "packed": lambda: e.bind(pa, pb), "numpy": lambda: a * b,
            "dense loop": lambda: np.stack([e.bind(TritVector(x), TritVector(y)).data for x, y in zip(a, b)]),
            "packed loop": lambda: PackedBatch([e.bind(pa[i], pb[i]) for i in range(N)])},
        "permute": {
            "dense": lambda: e.permute(a, SHIFT), "packed": lambda: e.permute(pa, SHIFT),
            "numpy": lambda: np.roll(a, SHIFT, axis=1),
            "dense loop": lambda: np.stack([e.permute(TritVector(x), SHIFT).data for x in a]),
            "packed loop": lambda: PackedBatch([e.permute(pa[i], SHIFT) for i in range(N)])},
        "bundle": {
            "dense": lambda: e.bundle(a), "packed": lambda: e.bundle(pa), "numpy": lambda: np.sign(a.sum(axis=0)),
            "dense loop": lambda: e.bundle([TritVector(x) for x in a]),
            "packed loop": lambda: e.bundle([pa[i] for i in range(N)])},
        "bundle, int weights": {
            "dense": lambda: e.bundle(a, weights=w), "packed": lambda: e.bundle(pa, weights=w),
            "numpy": lambda: np.sign((w[:, None] * a).sum(axis=0))},
        "bundle, float weights": {
            "dense": lambda: e.bundle(a, weights=wf), "packed": lambda: e.bundle(pa, weights=wf),
            "numpy": lambda: np.sign(wf @ a)},
        "bundle, float32 weights": {
            "dense": lambda: e.bundle(a, weights=wf32), "packed": lambda: e.bundle(pa, weights=wf32),
            "numpy": lambda: np.sign(wf32 @ a)},
        "bundle, threshold 2": {
            "dense": lambda: e.bundle(a, threshold=2), "packed": lambda: e.bundle(pa, threshold=2),
            "numpy": lambda: (lambda s: np.where(np.abs(s) > 2, np.sign(s), 0))(a.sum(axis=0, dtype=np.int64))},
    }


def run(quick=False):
    with native_jit() as jit:
        if not jit:
            return
        engine = JitVSAEngine(jit)
        rng = np.random.default_rng(0)
        a, b = (rng.integers(-1, 2, (N, DIM), dtype=np.int8) for _ in range(2))
        w, wf = rng.integers(1, 5, N), rng.random(N)
        rows, verdicts = [], []
        for op, fns in cases(engine, a, b, w, wf).items():
            t = medians(fns, repeat=3 if quick else 9, min_time=0.05)
            for layout in ("dense", "packed"):
                values = {"median": fmt_time(t[layout]), "numpy": fmt_time(t["numpy"]),
                          "vs numpy": ratio(t["numpy"], t[layout])}
                loop = t.get(f"{layout} loop")
                values.update({"loop": fmt_time(loop), "vs loop": ratio(loop, t[layout])} if loop else {})
                rows.append((f"{op}, {layout}", values))
                if op in ("bind", "permute", "bundle", "bundle, int weights"):
                    verdicts.append(Target(f"batched {op} {N} x {DIM}, {layout}", t["numpy"] / t[layout],
                                           -NUMPY_TARGET, SPEEDUP, f"numpy on int8 ({_NUMPY[op]})"))
                if loop:
                    verdicts.append(Target(f"batched {op} {N} x {DIM}, {layout}", loop / t[layout], -LOOP_TARGET,
                                           SPEEDUP, f"a loop of the single-vector engine.{op.split(',')[0]}"))
        table(f"VSA batches, {N} x {DIM} trits (isa {engine.jit.isa}), medians; noisy on a shared machine", rows,
              note="numpy: A * B, np.roll(A, 3, axis=1), np.sign(A.sum(0)), np.sign((w[:, None] * A).sum(0)), "
                   "np.sign(wf @ A) (wf float64 or float32); loops: each row made a vector, the single-vector operation, results stacked")
        print_verdicts(verdicts, "VSA batch targets")


_NUMPY = {"bind": "A * B", "permute": "np.roll(A, k, axis=1)", "bundle": "np.sign(A.sum(0))",
          "bundle, int weights": "np.sign((w[:, None] * A).sum(0))"}
