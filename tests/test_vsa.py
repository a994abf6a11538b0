"""Issue 4: the VSA engine against the plain numpy reference, dense and packed, on every tier.

Kernels are compiled per (operation, dimension): a session fixture builds the ones these tests
use for each tier in a thread pool (gcc runs in parallel), into a private cache directory, so
the tests themselves run on the memo.
"""
import json
import os
import pickle
import re
import subprocess
import sys
import textwrap
import threading
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

import resin_jit as rj
from resin_jit.vsa import ItemMemory, JitVSAEngine, PackedTritVector, TritVector
from resin_jit.vsa import kernels, reference as R, search
from resin_jit.vsa.engine import RECYCLE
from resin_jit.vsa.vectors import _dense, _packed

from support import NATIVE, TIERS, needs_native

ALL_DIMS = [1, 2, 7, 63, 64, 65, 1000, 1023, 10000, 59049, 70000]
# Lower tiers: below and above each vector width (8, 16, 32 trits), a word (64), and large
# enough for the int8 flush blocks (124 vectors).
FEW_DIMS = [7, 17, 33, 1023, 70000]
BUNDLE_COUNTS = (2, 3, 5, 40)   # 40 > the 31 inline buffers: the stacked kernel
PACKED_BUNDLE_COUNTS = (2, 3, 40)


def shifts_for(dim):
    return (1, -3, dim + 2)


def dims_for(tier):
    return ALL_DIMS if tier == TIERS[-1] else FEW_DIMS


def kernels_for(dim, full=True):
    """Every (op, layout, k) check_all_operations() runs at `dim` (what the warm-up builds).
    Lower tiers (full=False) skip permute, whose C (memcpy, word shifts) no tier changes."""
    ops = [(op, layout, None) for op in ("dot", "hamming", "cosine", "bind") for layout in ("dense", "packed")]
    ops += [("pack", "dense", None)]
    counts, packed_counts = (BUNDLE_COUNTS, PACKED_BUNDLE_COUNTS) if full else ((3, 40), (3, 40))
    ops += [("bundle", "dense", k) if k <= kernels.MAX_INLINE_BUNDLE else ("bundle_stacked", "dense", None)
            for k in counts]
    ops += [("bundle", "packed", k) if k <= kernels.MAX_INLINE_BUNDLE else ("bundle_stacked", "packed", None)
            for k in packed_counts]
    if full:
        ops += [("permute", layout, s % dim) for s in shifts_for(dim) for layout in ("dense", "packed")]
    return set(ops)


@pytest.fixture(scope="session")
def engines(tmp_path_factory):
    """One engine per tier on a private cache directory, its kernels built in parallel."""
    if not NATIVE:
        pytest.skip("no C compiler on this machine: native path untestable")
    cache = tmp_path_factory.mktemp("vsa-cache")
    made = {tier: JitVSAEngine(rj.JitCompiler(rj.JitConfig(isa=tier, cache_dir=cache))) for tier in TIERS}
    jobs = [(tier, op, layout, dim, k) for tier in TIERS for dim in dims_for(tier)
            for op, layout, k in kernels_for(dim, full=tier == TIERS[-1])]

    def build(job):
        tier, op, layout, dim, k = job
        made[tier].jit.libraries.get(("vsa", op, layout, dim, -1 if k is None else k),
                               lambda: kernels.source(op, layout, dim, k))
    with ThreadPoolExecutor(os.cpu_count() or 2) as pool:
        list(pool.map(build, jobs))
    return made


def check_all_operations(engine, dim, seed=0, full=True):
    a, b, c, d = (TritVector.random(dim, seed=seed + s, sparsity=0.3 if s == 3 else None) for s in range(4))
    da, db = a.data, b.data
    before = [v.data.copy() for v in (a, b, c, d)]
    for v in (a, d):
        packed = engine.pack(v)
        assert type(packed) is PackedTritVector and np.array_equal(packed._buf, v.pack()._buf)
    for x, y in ((a, b), (a.pack(), b.pack()), (a, b.pack()), (a.pack(), b)):
        assert engine.dot(x, y) == R.dot(da, db)
        assert engine.hamming(x, y) == R.hamming(da, db)
        assert engine.cosine(x, y) == R.cosine(da, db)   # the same IEEE operations: bit for bit
        bound = engine.bind(x, y)
        assert type(bound) is type(x) and bound == TritVector(R.bind(da, db))
        assert engine.unbind(bound, y) == TritVector(np.where(db != 0, da, 0))  # exact where the key is non-zero
    assert engine.dot(a, a) == np.count_nonzero(da) and engine.cosine(a, a) == (1.0 if da.any() else 0.0)
    many = [TritVector.random(dim, seed=100 + s) for s in range(max(BUNDLE_COUNTS))]
    for k in BUNDLE_COUNTS if full else (3, 40):
        group = [a, b, c, d, *many][:k]
        expected = TritVector(R.bundle([v.data for v in group]))
        assert engine.bundle(group) == expected
        if k in PACKED_BUNDLE_COUNTS:
            packed = engine.bundle([v.pack() for v in group])
            assert type(packed) is PackedTritVector and packed == expected
            assert np.array_equal(packed._buf, expected.pack()._buf)   # canonical: zero padding, guard
    assert engine.bundle([a, a, b.pack()]) == TritVector(R.bundle([da, da, db]))   # mixed: first's layout
    for shift in shifts_for(dim) if full else ():
        rolled = engine.permute(a, shift)
        assert type(rolled) is TritVector and rolled == TritVector(np.roll(da, shift))
        packed = engine.permute(a.pack(), shift)
        assert type(packed) is PackedTritVector and packed == rolled
        assert np.array_equal(packed._buf, rolled.pack()._buf)
    for v, old in zip((a, b, c, d), before):
        assert np.array_equal(v.data, old)   # inputs never change


@needs_native
@pytest.mark.parametrize("tier", TIERS)
def test_every_operation_equals_numpy(engines, tier):
    for dim in dims_for(tier):
        check_all_operations(engines[tier], dim, full=tier == TIERS[-1])


@needs_native
def test_edge_values(engines):
    engine = engines[TIERS[-1]]
    for dim in (1, 63, 65, 1023, 70000):
        ones, minus, zeros = (TritVector(np.full(dim, v, np.int8)) for v in (1, -1, 0))
        assert engine.dot(ones, minus) == -dim and engine.dot(minus, minus) == dim
        assert engine.dot(ones.pack(), minus.pack()) == -dim
        assert engine.hamming(ones, minus) == dim and engine.hamming(zeros.pack(), ones.pack()) == dim
        assert engine.cosine(ones, minus) == -1.0 and engine.cosine(zeros, ones) == 0.0
        assert engine.cosine(zeros.pack(), zeros.pack()) == 0.0
        assert engine.bundle([ones, minus]) == zeros and engine.bundle([ones, minus, minus]) == minus
        assert engine.bundle([ones.pack(), minus.pack()]) == zeros


@needs_native
@settings(max_examples=60, deadline=None)
@given(st.sampled_from([1, 7, 63, 65, 1000]), st.integers(0, 2 ** 32 - 1), st.floats(0.0, 1.0))
def test_random_vectors(engines, dim, seed, sparsity):
    engine = engines[TIERS[-1]]
    a = TritVector.random(dim, seed=seed, sparsity=sparsity)
    b = TritVector.random(dim, seed=seed + 1)
    assert engine.dot(a, b) == R.dot(a.data, b.data) == engine.dot(a.pack(), b.pack())
    assert engine.hamming(a, b) == R.hamming(a.data, b.data) == engine.hamming(a.pack(), b.pack())
    assert engine.cosine(a, b) == R.cosine(a.data, b.data) == engine.cosine(a.pack(), b.pack())
    assert engine.bind(a.pack(), b.pack()) == engine.bind(a, b) == TritVector(R.bind(a.data, b.data))
    assert a.pack().unpack() == a and PackedTritVector.from_dense(a.data) == a


@needs_native
def test_results_are_new_vectors(engines):
    engine = engines[TIERS[-1]]
    a, b = TritVector.random(65, seed=1), TritVector.random(65, seed=2)
    for result, inputs in ((engine.bind(a, b), (a, b)), (engine.bundle([a, b, a]), (a, b)),
                           (engine.permute(a, 0), (a,)), (engine.bind(a.pack(), b.pack()), (a.pack(), b.pack()))):
        for v in inputs:
            assert result is not v and not np.shares_memory(result._buf, v._buf)
    copy = engine.permute(a, 0)
    assert copy == a and copy is not a


@pytest.mark.parametrize("backend", ["numpy", "native"])
def test_results_are_read_only_to_users(request, backend):
    """An engine result's buffer stays writable for the engine, but a user writing into it used to
    corrupt it silently: bind(a, b).data[:] = 7 then dot(r, r) gave -1192 instead of 49000."""
    if backend == "native" and not NATIVE:
        pytest.skip("no C compiler on this machine: native path untestable")
    engine = JitVSAEngine(request.getfixturevalue("numpy_jit")) if backend == "numpy" else JitVSAEngine()
    a, b = TritVector.random(1000, seed=1), TritVector.random(1000, seed=2)
    for r in (engine.bind(a, b), engine.bundle([a, b, a]), engine.permute(a, 3), engine.bind(a.pack(), b.pack())):
        for view in ((r.data, np.asarray(r)) if type(r) is TritVector else (r.pos, r.neg)):
            with pytest.raises(ValueError, match="read-only"):
                view[:] = 7
    r = engine.bind(a, b)
    assert engine.dot(r, r) == int(np.count_nonzero(a.data * b.data))


@needs_native
def test_held_results_are_never_recycled(engines):
    """Result buffers are reused only once nothing else refers to them: results kept (or whose
    .data is kept) stay intact however many operations follow."""
    engine = engines[TIERS[-1]]
    for dim in (65, 1023):
        a, b, c = (TritVector.random(dim, seed=s) for s in range(3))
        for make in (lambda: engine.bind(a, b), lambda: engine.bundle([a, b, c]), lambda: engine.permute(a, 1),
                     lambda: engine.bind(a.pack(), b.pack()), lambda: engine.bundle([a.pack(), b.pack(), c.pack()]),
                     lambda: engine.permute(a.pack(), 1)):
            expected = make()
            snapshot = expected._buf.copy()
            kept = [make() for _ in range(10)]
            views = [make().data if type(expected) is TritVector else make().pos for _ in range(5)]
            for _ in range(20):
                make()   # dropped at once: these may share buffers
            assert all(np.array_equal(k._buf, snapshot) for k in kept)
            assert len({id(k._buf) for k in kept}) == len(kept)
            assert all(np.array_equal(v, snapshot[:len(v)]) for v in views)
            assert np.array_equal(expected._buf, snapshot)
            if RECYCLE:   # and a dropped result's buffer is what the next result gets
                address = make()._buf.ctypes.data
                assert make()._buf.ctypes.data == address


@needs_native
def test_stats_count_hits_and_misses(tmp_path):
    engine = JitVSAEngine(rj.JitCompiler(rj.JitConfig(cache_dir=tmp_path)))
    a, b = TritVector.random(333, seed=1), TritVector.random(333, seed=2)
    engine.dot(a, b)
    assert engine.stats == {"jit_hits": 0, "jit_misses": 1, "total_ops": 1, "cache_size": 1, "hit_rate": 0.0}
    engine.dot(a, b)
    engine.dot(b, a)
    engine.hamming(a, b)
    s = engine.stats
    assert (s["jit_hits"], s["jit_misses"], s["total_ops"], s["cache_size"]) == (2, 2, 4, 2)
    assert s["hit_rate"] == 0.5
    engine.bundle([a, b, a])
    engine.bundle([b, a, b])
    engine.permute(a, 5)
    engine.permute(a, 5 - 333)   # the same kernel: shifts are taken modulo the dimension
    engine.dot(a.pack(), b.pack())
    with pytest.raises(ValueError):
        engine.dot(a, TritVector.random(334, seed=1))   # refused: not an operation
    s = engine.stats
    assert (s["jit_hits"], s["jit_misses"], s["total_ops"], s["cache_size"]) == (4, 5, 9, 5)


PROBE = textwrap.dedent("""
    import json, sys
    import resin_jit as rj
    from resin_jit.vsa import JitVSAEngine, TritVector
    jit = rj.JitCompiler(rj.JitConfig(cache_dir=sys.argv[1]))
    engine = JitVSAEngine(jit)
    a, b = TritVector.random(777, seed=1), TritVector.random(777, seed=2)
    value = [engine.dot(a, b), engine.dot(a, b), engine.cosine(a.pack(), b.pack())]
    print(json.dumps({"value": value, "stats": jit.stats, "engine": engine.stats}))
""")


@needs_native
def test_a_new_process_loads_from_disk(tmp_path):
    env = {**os.environ, "RESIN_JIT_PREBUILT": ""}
    runs = [json.loads(subprocess.run([sys.executable, "-c", PROBE, str(tmp_path)], capture_output=True, text=True,
                                      check=True, env=env).stdout) for _ in range(2)]
    assert runs[0]["stats"]["compiles"] == 2
    assert runs[1]["stats"]["compiles"] == 0 and runs[1]["stats"]["disk_hits"] == 2
    assert runs[1]["engine"]["jit_misses"] == 2 and runs[1]["engine"]["jit_hits"] == 1
    a, b = TritVector.random(777, seed=1).data, TritVector.random(777, seed=2).data
    assert runs[0]["value"] == runs[1]["value"] == [R.dot(a, b), R.dot(a, b), R.cosine(a, b)]


FALLBACK = textwrap.dedent("""
    import json, warnings
    import numpy as np
    warnings.simplefilter("ignore")
    from resin_jit.vsa import ItemMemory, JitVSAEngine, TritVector
    engine = JitVSAEngine()
    out = {"backend": engine.backend}
    for dim in (1, 65, 1000):
        a, b, c = (TritVector.random(dim, seed=s) for s in range(3))
        pa, pb = a.pack(), b.pack()
        out[dim] = [engine.dot(a, b), engine.dot(pa, pb), engine.hamming(a, pb), engine.cosine(pa, b),
                    engine.bind(a, b).data.tolist(), engine.bind(pa, pb).unpack().data.tolist(),
                    engine.bundle([a, b, c]).data.tolist(), engine.bundle([pa, pb]).unpack().data.tolist(),
                    engine.permute(a, -7).data.tolist(), engine.permute(pa, 3).unpack().data.tolist(),
                    engine.similarity([a, b], ItemMemory([a, b, c]), "cosine").tolist(),
                    engine.similarity(a, ItemMemory([a, b, c]), "hamming").tolist()]
    out["stats"] = engine.stats
    print(json.dumps(out))
""")


def fallback_values(engine, dim):
    from resin_jit.vsa import ItemMemory
    a, b, c = (TritVector.random(dim, seed=s) for s in range(3))
    pa, pb = a.pack(), b.pack()
    return [engine.dot(a, b), engine.dot(pa, pb), engine.hamming(a, pb), engine.cosine(pa, b),
            engine.bind(a, b).data.tolist(), engine.bind(pa, pb).unpack().data.tolist(),
            engine.bundle([a, b, c]).data.tolist(), engine.bundle([pa, pb]).unpack().data.tolist(),
            engine.permute(a, -7).data.tolist(), engine.permute(pa, 3).unpack().data.tolist(),
            engine.similarity([a, b], ItemMemory([a, b, c]), "cosine").tolist(),
            engine.similarity(a, ItemMemory([a, b, c]), "hamming").tolist()]


@needs_native
def test_numpy_fallback_process_equals_native(engines):
    env = {**os.environ, "RESIN_JIT_DISABLE": "1"}
    got = json.loads(subprocess.run([sys.executable, "-c", FALLBACK], capture_output=True, text=True, check=True,
                                    env=env).stdout)
    assert got["backend"] == "numpy"
    for dim in (1, 65, 1000):
        assert got[str(dim)] == fallback_values(engines[TIERS[-1]], dim)
    assert got["stats"]["jit_misses"] == got["stats"]["total_ops"] == 3 * 12 and got["stats"]["jit_hits"] == 0


def test_numpy_backend_in_process(numpy_jit):
    engine = JitVSAEngine(numpy_jit)
    assert engine.backend == "numpy"
    for dim in (1, 65, 1000):
        check_all_operations(engine, dim, seed=5)
    assert engine.stats["cache_size"] == 0 and engine.stats["jit_misses"] == engine.stats["total_ops"] > 0


@pytest.mark.parametrize("backend", ["numpy", "native"])
def test_errors(request, backend):
    if backend == "native" and not NATIVE:
        pytest.skip("no C compiler on this machine: native path untestable")
    engines = [JitVSAEngine(request.getfixturevalue("numpy_jit")) if backend == "numpy"
               else request.getfixturevalue("engines")[TIERS[-1]]]
    with pytest.raises(ValueError, match="outside -1..1"):
        TritVector([0, 1, 2])
    with pytest.raises(ValueError, match="outside -1..1"):
        TritVector(np.array([0, -2], np.int8))
    with pytest.raises(ValueError, match="outside -1..1"):   # would wrap to -1 in a cast to int64
        TritVector(np.array([2 ** 64 - 1, 1], np.uint64))
    with pytest.raises(ValueError, match="outside -1..1"):   # would wrap to 1 in a cast to int8
        TritVector(np.array([257, 0], np.int64))
    with pytest.raises(ValueError, match="non-integer"):
        TritVector([0.5, 1])
    with pytest.raises(ValueError, match="non-integer"):
        TritVector([np.nan, 1])
    with pytest.raises(ValueError, match="1-D"):
        TritVector(np.zeros((2, 2)))
    with pytest.raises(ValueError, match="at least one"):
        TritVector([])
    with pytest.raises(ValueError, match="dtype"):
        TritVector(["a", "b"])
    for bad in (0, -3, 2.5, True):
        with pytest.raises(ValueError, match="dim"):
            TritVector.random(bad)
    with pytest.raises(ValueError, match="sparsity"):
        TritVector.random(10, sparsity=1.5)
    with pytest.raises(ValueError, match="both"):
        PackedTritVector(np.ones(1, np.uint64), np.ones(1, np.uint64), 10)
    with pytest.raises(ValueError, match="past the last"):
        PackedTritVector(np.array([1 << 20], np.uint64), np.zeros(1, np.uint64), 10)
    with pytest.raises(ValueError, match="words per plane"):
        PackedTritVector(np.zeros(2, np.uint64), np.zeros(2, np.uint64), 10)
    for engine in engines:
        a, b = TritVector.random(100, seed=1), TritVector.random(101, seed=1)
        c = TritVector.random(120, seed=1)   # same word count as 100 when packed: the guard word tells
        for op in (engine.dot, engine.hamming, engine.cosine, engine.bind, engine.unbind):
            for x, y in ((a, b), (a.pack(), b.pack()), (a.pack(), c.pack()), (a, c.pack()), (a.pack(), c)):
                with pytest.raises(ValueError, match="different dimensions"):
                    op(x, y)
            with pytest.raises(TypeError, match="TritVector"):
                op(a, [1, 0, -1])
            with pytest.raises(TypeError, match="TritVector"):
                op(a.data, a)
        op = engine.dot
        op(a, a)   # the kernel exists now: the hot path must refuse too
        with pytest.raises(ValueError, match="different dimensions"):
            op(a, b)
        with pytest.raises(ValueError, match="different dimensions"):
            op(a.pack(), c.pack())
        for vectors in ([a, a, b], [a.pack(), a.pack(), c.pack()], [a] * 40 + [b], [a, a.pack(), c]):
            with pytest.raises(ValueError, match="different dimensions"):
                engine.bundle(vectors)
        engine.bundle([a, a, a])
        with pytest.raises(ValueError, match="different dimensions"):
            engine.bundle([a, a, b])
        with pytest.raises(ValueError, match="at least 2"):
            engine.bundle([a])
        with pytest.raises(ValueError, match="at least 2"):
            engine.bundle([])
        with pytest.raises(TypeError, match="TritVector"):
            engine.bundle([a, "x"])
        for shift in (1.5, True, "1", None):
            with pytest.raises(TypeError, match="shift"):
                engine.permute(a, shift)
        with pytest.raises(TypeError, match="TritVector"):
            engine.permute([1, 0], 1)
        assert engine.permute(a, np.int64(3)) == TritVector(np.roll(a.data, 3))


@pytest.mark.parametrize("backend", ["numpy", "native"])
def test_vectors_of_different_dimensions_are_named(request, backend):
    """Every operation refuses vectors of different dimensions with one ValueError naming each
    dimension among them, whatever the layouts, both on first use (the general path) and once
    its kernel is hot: then the kernel's slow path explains, and nothing on the hot path catches
    that (bundle's used to catch it and let the general path say it again)."""
    if backend == "native" and not NATIVE:
        pytest.skip("no C compiler on this machine: native path untestable")
    jit = request.getfixturevalue("numpy_jit") if backend == "numpy" else request.getfixturevalue("engines")[TIERS[-1]].jit
    engine = JitVSAEngine(jit)   # a new engine: nothing hot yet
    a, b, c = (TritVector.random(n, seed=1) for n in (100, 101, 120))   # 100 and 120 pack to as many words
    pa, pb, pc = a.pack(), b.pack(), c.pack()
    pairs = [(a, b), (a, c), (pa, pc), (pa, pb), (a, pc), (pa, c), (pa, b)]
    bundles = [[a, a, b], [a, b, c], [pa, pa, pc], [pa, pb, pc], [a, pa, c], [pa, a, b], [a, b], [pa, pc],
               [a] * 4 + [c], [pa] * 4 + [pb], [a] * 39 + [b], [pa] * 39 + [pc], (a, a, b)]
    operations = (engine.dot, engine.hamming, engine.cosine, engine.bind)

    def named(vectors):
        return "^" + re.escape(f"vectors of different dimensions: {sorted({len(v) for v in vectors})}") + "$"
    for hot in (False, True):
        if hot:   # the kernels at 100 trits, in both layouts
            for op in operations:
                op(a, a), op(pa, pa)
            for n in (2, 3, 5):
                engine.bundle([a] * n), engine.bundle([pa] * n)
        for op in operations:
            for x, y in pairs:
                with pytest.raises(ValueError, match=named((x, y))):
                    op(x, y)
        for vectors in bundles:
            with pytest.raises(ValueError, match=named(vectors)):
                engine.bundle(vectors)


def test_vector_basics():
    v = TritVector.random(100, seed=3, sparsity=0.9)
    assert len(v) == v.dim == 100 and np.count_nonzero(v.data) < 30
    assert TritVector.random(100, seed=3, sparsity=0.9) == v
    assert TritVector.random(100, seed=4) != TritVector.random(100, seed=5)
    assert TritVector.random(50, sparsity=1.0) == TritVector.zeros(50)
    assert np.count_nonzero(TritVector.random(50, seed=1, sparsity=0.0).data) == 50
    assert TritVector.zeros(5) == TritVector([0, 0, 0, 0, 0])
    assert np.array_equal(np.asarray(v), v.data) and np.array_equal(v.to_numpy(), v.data)
    assert np.asarray(v, np.float32).dtype == np.float32
    assert not np.asarray(v).flags.writeable and v.to_numpy().flags.writeable
    assert TritVector.from_numpy(v.to_numpy()) == v and v.pack() == v and v.pack().unpack() == v
    assert v.data.flags.c_contiguous and v.data.dtype == np.int8 and not v.data.flags.writeable
    assert TritVector([True, False]) == TritVector([1, 0]) and TritVector([1.0, -1.0]) == TritVector([1, -1])
    assert TritVector(np.array([1, -1, 0], np.int64)).data.dtype == np.int8
    p = v.pack()
    assert p.dim == len(p) == 100 and p.pos.dtype == np.uint64 and p.pos.shape == (2,) and p.neg.shape == (2,)
    assert PackedTritVector(p.pos, p.neg, 100) == p and hash(p) == hash(v)
    assert np.array_equal(np.asarray(p), v.data) and TritVector(p) == v
    assert int(p.pos[0] & p.neg[0]) == 0 and (v == p) and (p == v) and v != TritVector.zeros(100)
    assert v != "not a vector" and {v: 1}[TritVector(v.data)] == 1
    assert "dim=100" in repr(v) and "dim=100" in repr(p)


def test_constructors_put_buffers_on_a_cache_line():
    """The README's 64-byte alignment: every constructor's buffer starts on a cache line (through
    resin_jit.front.abi.aligned_empty), whatever the alignment of what it copies."""
    raw = np.zeros(8 * 5 + 3, np.uint8)
    odd = np.frombuffer(raw.data, np.uint64, count=4, offset=3)
    v = TritVector.random(1000, seed=1)
    made = [TritVector(np.zeros(1001, np.int8)[1:]), v, TritVector.random(77, seed=2, sparsity=0.5),
            TritVector.zeros(65), TritVector(v), v.pack(), PackedTritVector.from_dense(v.data),
            PackedTritVector(odd[:2], odd[2:], 100), pickle.loads(pickle.dumps(v.pack())),
            pickle.loads(pickle.dumps(v))]
    assert all(m._buf.ctypes.data % 64 == 0 for m in made)


def test_odd_inputs_are_copied_into_shape():
    rng = np.random.default_rng(0)
    base = rng.integers(-1, 2, 2001).astype(np.int8)
    strided = TritVector(base[::2])
    assert strided == TritVector(base[::2].copy()) and strided.data.flags.c_contiguous
    raw = np.zeros(8 * 4 + 3, np.uint8)
    unaligned = np.frombuffer(raw.data, np.uint64, count=4, offset=3)
    assert unaligned.ctypes.data % 8 != 0
    p = PackedTritVector(unaligned[:2], unaligned[2:], 100)
    assert p == TritVector.zeros(100) and p._buf.ctypes.data % 8 == 0
    wide = rng.integers(-1, 2, (5, 300)).astype(np.int32)
    fortran = np.asfortranarray(wide.astype(np.int8))
    assert ItemMemory(fortran).dense().tolist() == ItemMemory(wide).dense().tolist() == wide.tolist()


@needs_native
def test_kernels_take_views_and_unaligned_buffers(engines):
    """Buffers the dispatcher cannot pass (strided, unaligned) reach the kernel's slow path, which
    copies them into shape; the results are the same."""
    engine = engines[TIERS[-1]]
    rng = np.random.default_rng(1)
    for dim in (7, 65, 1023):
        a, b = TritVector.random(dim, seed=1), TritVector.random(dim, seed=2)
        strided = _dense(np.repeat(a.data, 2)[::2])
        assert not strided._buf.flags.c_contiguous
        raw = np.zeros(a.pack()._buf.nbytes + 1, np.uint8)
        raw[1:] = a.pack()._buf.view(np.uint8)
        unaligned = _packed(np.frombuffer(raw.data, np.uint64, offset=1), dim)
        assert unaligned._buf.ctypes.data % 8 != 0
        for x in (strided, unaligned):
            assert engine.dot(x, b) == R.dot(a.data, b.data)
            assert engine.cosine(x, b.pack()) == R.cosine(a.data, b.data)
            assert engine.bind(x, b) == TritVector(R.bind(a.data, b.data))
            assert engine.permute(x, 3) == TritVector(np.roll(a.data, 3))
            assert engine.bundle([x, b, b]) == TritVector(R.bundle([a.data, b.data, b.data]))
    del rng


@needs_native
def test_threads_call_the_engine_at_once(engines):
    engine = engines[TIERS[-1]]
    vectors = [TritVector.random(70000, seed=s) for s in range(8)]
    expected = [R.dot(vectors[i].data, vectors[i - 1].data) for i in range(8)]
    engine.dot(vectors[0], vectors[1])
    results, barrier = {}, threading.Barrier(4)

    def work(t):
        barrier.wait()
        results[t] = [engine.dot(vectors[i], vectors[i - 1]) for i in range(8) for _ in range(20)][::20]
    threads = [threading.Thread(target=work, args=(t,)) for t in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert all(r == expected for r in results.values())


@needs_native
@pytest.mark.parametrize("metric", ["cosine", "dot", "hamming"])
def test_similarity_search(engines, metric):
    engine = engines[TIERS[-1]]
    for dim in (65, 1000):
        rows = np.stack([TritVector.random(dim, seed=s, sparsity=0.2 * (s % 3)).data for s in range(40)])
        rows[7] = 0   # an all-zero item: cosine 0
        memory = ItemMemory(rows, labels=[f"item{s}" for s in range(40)])
        queries = [TritVector.random(dim, seed=s) for s in (3, 17, 99)] + [TritVector.zeros(dim)]
        expected = R.similarity(np.stack([q.data for q in queries]), rows, metric)
        np.testing.assert_array_equal(engine.similarity(queries, memory, metric), expected)
        np.testing.assert_array_equal(engine.similarity(queries, memory, metric, threads=2), expected)
        np.testing.assert_array_equal(engine.similarity(queries, memory, metric, threads=3), expected)
        np.testing.assert_array_equal(engine.similarity(queries[0].pack(), memory, metric), expected[:1])
        np.testing.assert_array_equal(engine.similarity(np.stack([q.data for q in queries]), memory, metric),
                                      expected)
        listed = ItemMemory([TritVector(r) if i % 2 else TritVector(r).pack() for i, r in enumerate(rows)])
        np.testing.assert_array_equal(engine.similarity(queries, listed, metric), expected)
        np.testing.assert_array_equal(engine.similarity(queries, rows, metric), expected)   # any memory-like
        qpos, qneg = queries[1].pack().pos[None, :], queries[1].pack().neg[None, :]
        np.testing.assert_array_equal(engine.similarity_planes(qpos, qneg, memory, metric), expected[1:2])


@needs_native
def test_similarity_threads_split_large_memories(engines, monkeypatch):
    engine = engines[TIERS[-1]]
    rows = np.stack([TritVector.random(4097, seed=s).data for s in range(300)])
    memory = ItemMemory(rows)
    query = TritVector.random(4097, seed=1000)
    before = engine.stats["total_ops"]
    one = engine.similarity(query, memory, threads=1)
    many = engine.similarity(query, memory, threads=4)
    np.testing.assert_array_equal(one, many)
    assert engine.stats["total_ops"] == before + 2   # a split search is still one operation
    monkeypatch.setattr(search, "THREAD_THRESHOLD_WORDS", 1)
    np.testing.assert_array_equal(engine.similarity(query, memory), one)
    with pytest.raises(ValueError, match="threads"):
        engine.similarity(query, memory, threads=0)


def test_everything_pickles():
    v = TritVector.random(100, seed=1)
    p = v.pack()
    memory = ItemMemory([TritVector.random(64, seed=s) for s in range(5)], labels=list("abcde"))
    assert pickle.loads(pickle.dumps(v)) == v and pickle.loads(pickle.dumps(p)) == p
    assert type(pickle.loads(pickle.dumps(p))) is PackedTritVector
    clone = pickle.loads(pickle.dumps(memory))
    assert clone.labels == memory.labels and np.array_equal(clone.dense(), memory.dense())
    assert pickle.loads(pickle.dumps(v, protocol=5)).data.flags.c_contiguous
    engine = JitVSAEngine(rj.JitCompiler()) if NATIVE else None
    if engine is not None:
        again = pickle.loads(pickle.dumps(engine))
        assert type(again) is JitVSAEngine and again.backend == engine.backend
        assert again.dot(v, v) == 100 - int(np.count_nonzero(v.data == 0))
        assert again.cleanup(memory.vector(2), clone, threshold=0.9) == "c"
