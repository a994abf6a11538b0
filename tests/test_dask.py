"""Issue 6 (part): Dask — a compiled kernel over chunked arrays and a partitioned VSA search,
on a LocalCluster with worker processes, equal to the single-process results."""
import numpy as np
import pytest

import resin_jit as rj
from resin_jit import audio
from resin_jit import dask as rj_dask
from resin_jit.vsa import ItemMemory, JitVSAEngine, TritVector

from support import needs_native

da = pytest.importorskip("dask.array", reason="dask is in the test extra: pip install -e '.[test]'")
distributed = pytest.importorskip("distributed")
dask = pytest.importorskip("dask")


@pytest.fixture(scope="module")
def client():
    cluster = distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None)
    with distributed.Client(cluster) as c:
        yield c
    cluster.close()


@needs_native
def test_kernel_over_a_chunked_array(client):
    jit = rj.JitCompiler()
    x = rj.input("x")
    kernel = jit.compile(rj.clip(x * 2.0 - 0.5, -1.0, 1.0))
    data = np.random.default_rng(0).standard_normal(200_000).astype(np.float32)
    got = rj_dask.map_blocks(kernel, da.from_array(data, chunks=30_000)).compute()
    np.testing.assert_array_equal(got, kernel(data))
    bank = jit.compile(audio.Biquad.lowpass(900.0)(x))
    channels = np.random.default_rng(1).standard_normal((6, 5000)).astype(np.float32)
    got = rj_dask.map_blocks(bank, da.from_array(channels, chunks=(2, 5000))).compute()
    bank.reset()
    np.testing.assert_array_equal(got, bank(channels))
    with pytest.raises(ValueError, match="channel axis only"):
        rj_dask.map_blocks(bank, da.from_array(channels, chunks=(2, 1000)))
    with pytest.raises(ValueError, match="one output"):
        rj_dask.map_blocks(jit.compile([x, x * 2.0]), da.from_array(data))


@needs_native
def test_a_stateful_kernel_starts_each_block_afresh_on_the_threaded_scheduler():
    """Dask's default scheduler runs blocks on threads sharing one kernel object: a block must not
    start from the state another block left, nor from what earlier calls left."""
    x = rj.input("x")
    bank = rj.JitCompiler().compile(audio.Biquad.lowpass(900.0)(x))
    channels = np.random.default_rng(2).standard_normal((12, 3000)).astype(np.float32)
    bank(channels)                                   # state left over from an earlier call
    bank.params["lowpass.q"] = 2.0
    with dask.config.set(scheduler="threads"):
        got = rj_dask.map_blocks(bank, da.from_array(channels, chunks=(3, -1))).compute()
    bank.reset()
    np.testing.assert_array_equal(got, bank(channels))


@needs_native
def test_top_k_over_a_partitioned_memory(client):
    rows = np.stack([TritVector.random(2000, seed=s).data for s in range(300)])
    queries = [TritVector(rows[17]), TritVector.random(2000, seed=999)]
    memory = da.from_array(rows, chunks=(70, 2000))
    indices, scores = rj_dask.similarity(queries, memory, k=5)
    engine = JitVSAEngine()
    for q, (idx, sc) in enumerate(zip(indices, scores)):
        ref_idx, ref_scores = engine.top_k(queries[q], ItemMemory(rows), 5)
        np.testing.assert_array_equal(idx, ref_idx)
        np.testing.assert_allclose(sc, ref_scores, rtol=1e-12)
    assert indices[0][0] == 17


def test_lazy_top_k_over_partitions_equals_the_whole_memory(client, tmp_path):
    """Issue 22: resin_jit.dask.top_k over ItemMemory partitions, saved files the workers map, and
    delayed partitions; nothing runs until compute(), which merges the partial top-k lists."""
    rng = np.random.default_rng(4)
    rows = rng.integers(-1, 2, (2_000, 500), dtype=np.int8)
    rows[1_500:1_510] = rows[5]                      # ties across partitions go to the lower row
    queries = rng.integers(-1, 2, (5, 500), dtype=np.int8)
    queries[1] = rows[5]
    parts = [ItemMemory(rows[:700]), ItemMemory(rows[700:1_300]), ItemMemory(rows[1_300:])]
    paths = [str(tmp_path / f"part{i}.rjm") for i in range(3)]
    for part, path in zip(parts, paths):
        part.save(path)
    delayed = [dask.delayed(ItemMemory)(rows[:1_000]), dask.delayed(ItemMemory)(rows[1_000:])]
    chunked = da.from_array(rows, chunks=((600, 0, 900, 500), (250, 250)))   # an empty chunk, two column chunks
    engine, whole = JitVSAEngine(), ItemMemory(rows)
    for metric in ("cosine", "dot", "hamming"):
        want = engine.top_k(queries, whole, 12, metric)
        for partitions in (parts, paths, delayed, chunked):
            lazy = rj_dask.top_k(queries, partitions, 12, metric)
            assert dask.is_dask_collection(lazy)
            indices, scores = lazy.compute()
            np.testing.assert_array_equal(indices, want[0])
            np.testing.assert_array_equal(scores, want[1])
    one = rj_dask.top_k(TritVector(rows[5]), paths, 3).compute()
    assert one[0].tolist() == [5, 1_500, 1_501] and one[1].tolist() == [1.0, 1.0, 1.0]
    with pytest.raises(TypeError, match="partitions must be a list"):
        rj_dask.top_k(queries, parts[0], 3)
    with pytest.raises(ValueError, match="at least one partition"):
        rj_dask.top_k(queries, [], 3)


@needs_native
def test_similarity_refuses_a_memory_of_no_trits_rather_than_casting_it():
    """Found in review (issue 22): a float memory holding 0.5 was cast to int8 (0) and searched."""
    rows = np.stack([TritVector.random(130, seed=s).data for s in range(6)]).astype(np.float64)
    query = [TritVector(rows[2].astype(np.int8))]
    indices, _ = rj_dask.similarity(query, da.from_array(rows, chunks=(3, 130)), k=1)
    assert indices.tolist() == [[2]]   # integral floats are trits
    for value, message in ((0.5, "non-integer"), (2.0, "trits must be -1, 0 or 1")):
        bad = rows.copy()
        bad[4, 7] = value
        with pytest.raises(ValueError, match=message):
            rj_dask.similarity(query, da.from_array(bad, chunks=(3, 130)), k=1)
