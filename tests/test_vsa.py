"""Issue 4: the VSA engine against the plain numpy reference, dense and packed, on every tier."""
import json
import os
import subprocess
import sys
import textwrap

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

import resin_jit as rj
from resin_jit.vsa import ItemMemory, JitVSAEngine, PackedTritVector, TritVector
from resin_jit.vsa import reference as R

from conftest import NATIVE, TIERS, compiler_for, needs_native

ALL_DIMS = [1, 2, 7, 63, 64, 65, 127, 128, 1000, 1023, 4097, 10000, 59049, 70000]
FEW_DIMS = [1, 63, 65, 1023, 70000]
_engines = {}


def engine_for(tier):
    if tier not in _engines:
        _engines[tier] = JitVSAEngine(compiler_for(tier))
    return _engines[tier]


def cases():
    for tier in TIERS:
        for dim in (ALL_DIMS if tier == TIERS[-1] else FEW_DIMS):
            yield tier, dim


def check_all_operations(engine, dim, seed=0):
    a, b, c, d = (TritVector.random(dim, seed=seed + s, sparsity=0.3 if s == 3 else None) for s in range(4))
    da, db = a.data, b.data
    before = da.copy()
    for x, y in ((a, b), (a.pack(), b.pack()), (a, b.pack())):
        assert engine.dot(x, y) == R.dot(da, db)
        assert engine.hamming(x, y) == R.hamming(da, db)
        assert engine.cosine(x, y) == pytest.approx(R.cosine(da, db), abs=1e-12)
        bound = engine.bind(x, y)
        assert bound == TritVector(R.bind(da, db))
        assert engine.unbind(bound, y) == TritVector(np.where(db != 0, da, 0))  # exact where the key is non-zero
    for vectors in ([a, b], [a, b, c], [a, b, c, d], [a.pack(), b.pack(), c.pack()], [a] * 3 + [b] * 7):
        expected = R.bundle([np.asarray(v.unpack().data if isinstance(v, PackedTritVector) else v.data)
                             for v in vectors])
        got = engine.bundle(vectors)
        assert got == TritVector(expected)
        assert isinstance(got, PackedTritVector) == all(isinstance(v, PackedTritVector) for v in vectors)
    for shift in (1, -3, dim + 2):
        assert engine.permute(a, shift) == TritVector(np.roll(da, shift))
        assert engine.permute(a.pack(), shift) == TritVector(np.roll(da, shift))
    assert np.array_equal(a.data, before)  # inputs never change


@needs_native
@pytest.mark.parametrize("tier,dim", list(cases()))
def test_every_operation_equals_numpy(tier, dim):
    check_all_operations(engine_for(tier), dim)


def test_numpy_fallback_equals_reference(numpy_jit):
    engine = JitVSAEngine(numpy_jit)
    assert engine.backend == "numpy"
    for dim in (1, 65, 1000):
        check_all_operations(engine, dim, seed=5)


@needs_native
@settings(max_examples=50, deadline=None)
@given(st.lists(st.integers(-1, 1), min_size=1, max_size=300), st.integers(0, 2 ** 32 - 1))
def test_random_vectors(values, seed):
    a = TritVector(values)
    b = TritVector.random(len(values), seed=seed)
    engine = engine_for(TIERS[-1])
    assert engine.dot(a, b) == R.dot(a.data, b.data)
    assert engine.dot(a.pack(), b.pack()) == R.dot(a.data, b.data)
    assert engine.hamming(a.pack(), b.pack()) == R.hamming(a.data, b.data)
    assert a.pack().unpack() == a


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


PROBE = textwrap.dedent("""
    import json, sys
    import resin_jit as rj
    from resin_jit.vsa import JitVSAEngine, TritVector
    jit = rj.JitCompiler(rj.JitConfig(cache_dir=sys.argv[1]))
    engine = JitVSAEngine(jit)
    value = engine.dot(TritVector.random(777, seed=1), TritVector.random(777, seed=2))
    print(json.dumps({"value": value, "stats": jit.stats}))
""")


@needs_native
def test_a_new_process_loads_from_disk(tmp_path):
    env = {**os.environ, "RESIN_JIT_PREBUILT": ""}
    runs = [json.loads(subprocess.run([sys.executable, "-c", PROBE, str(tmp_path)], capture_output=True, text=True,
                                      check=True, env=env).stdout) for _ in range(2)]
    assert runs[0]["stats"]["compiles"] == 1
    assert runs[1]["stats"]["compiles"] == 0 and runs[1]["stats"]["disk_hits"] == 1
    assert runs[0]["value"] == runs[1]["value"] == R.dot(TritVector.random(777, seed=1).data,
                                                        TritVector.random(777, seed=2).data)


def test_errors():
    engine = JitVSAEngine(compiler_for(TIERS[-1]) if NATIVE else None)
    with pytest.raises(ValueError, match="outside -1..1"):
        TritVector([0, 1, 2])
    with pytest.raises(ValueError, match="non-integer"):
        TritVector([0.5, 1])
    with pytest.raises(ValueError, match="1-D"):
        TritVector(np.zeros((2, 2)))
    with pytest.raises(ValueError, match="dim"):
        TritVector.random(0)
    a, b = TritVector.random(10, seed=1), TritVector.random(11, seed=1)
    for op in (engine.dot, engine.hamming, engine.cosine, engine.bind):
        with pytest.raises(ValueError, match="different dimensions"):
            op(a, b)
        with pytest.raises(ValueError, match="different dimensions"):
            op(a.pack(), b.pack())
    with pytest.raises(ValueError, match="different dimensions"):
        engine.bundle([a, a, b])
    with pytest.raises(ValueError, match="at least 2"):
        engine.bundle([a])
    with pytest.raises(TypeError, match="TritVector"):
        engine.dot(a, [1, 0, -1])
    with pytest.raises(TypeError, match="shift"):
        engine.permute(a, 1.5)
    with pytest.raises(ValueError, match="both"):
        PackedTritVector(np.ones(1, np.uint64), np.ones(1, np.uint64), 10)
    with pytest.raises(ValueError, match="past the last"):
        PackedTritVector(np.array([1 << 20], np.uint64), np.zeros(1, np.uint64), 10)


def test_vector_basics():
    v = TritVector.random(100, seed=3, sparsity=0.9)
    assert len(v) == v.dim == 100 and np.count_nonzero(v.data) < 30
    assert TritVector.random(100, seed=3, sparsity=0.9) == v
    assert TritVector.zeros(5) == TritVector([0, 0, 0, 0, 0])
    assert np.array_equal(np.asarray(v), v.data) and np.array_equal(v.to_numpy(), v.data)
    assert TritVector.from_numpy(v.to_numpy()) == v and v.pack() == v and v.pack().unpack() == v
    assert v.data.flags.c_contiguous and v.data.dtype == np.int8
    engine = JitVSAEngine(compiler_for(TIERS[-1]) if NATIVE else None)
    assert engine.cosine(TritVector.zeros(9), TritVector.random(9, seed=1)) == 0.0


@needs_native
@pytest.mark.parametrize("metric", ["cosine", "dot", "hamming"])
def test_similarity_search(metric):
    engine = engine_for(TIERS[-1])
    rows = np.stack([TritVector.random(1000, seed=s).data for s in range(40)])
    memory = ItemMemory(rows, labels=[f"item{s}" for s in range(40)])
    queries = [TritVector.random(1000, seed=s) for s in (3, 17, 99)]
    expected = R.similarity(np.stack([q.data for q in queries]), rows, metric)
    np.testing.assert_allclose(engine.similarity(queries, memory, metric), expected, rtol=1e-12)
    np.testing.assert_allclose(engine.similarity(queries, memory, metric, threads=2), expected, rtol=1e-12)
    np.testing.assert_allclose(engine.similarity(queries[0].pack(), memory, metric), expected[:1], rtol=1e-12)
    listed = ItemMemory([TritVector(r) for r in rows])
    np.testing.assert_allclose(engine.similarity(queries, listed, metric), expected, rtol=1e-12)


def test_item_memory_top_k_and_cleanup():
    engine = JitVSAEngine(compiler_for(TIERS[-1]) if NATIVE else None)
    rows = np.stack([TritVector.random(512, seed=s).data for s in range(30)])
    memory = ItemMemory(rows, labels=[f"item{s}" for s in range(30)])
    noisy = rows[12].copy()
    noisy[:40] = 0
    indices, scores = memory.top_k(TritVector(noisy), 3, engine=engine)
    assert indices[0] == 12 and scores[0] > 0.9 and scores[0] >= scores[1] >= scores[2]
    assert memory.cleanup(TritVector(noisy), threshold=0.5, engine=engine) == "item12"
    with pytest.raises(KeyError, match="threshold"):
        memory.cleanup(TritVector.random(512, seed=1234), threshold=0.5, engine=engine)
    h_idx, h_scores = memory.top_k(TritVector(rows[5]), 2, metric="hamming", engine=engine)
    assert h_idx[0] == 5 and h_scores[0] == 0
    with pytest.raises(ValueError, match="dimension"):
        engine.similarity(TritVector.random(511, seed=1), memory)
    with pytest.raises(ValueError, match="metric"):
        engine.similarity(TritVector(rows[0]), memory, metric="euclid")
    with pytest.raises(ValueError, match="labels"):
        ItemMemory(rows, labels=["a"])
