"""Issue 22: bundles with float weights, summed in C in the weights' type (float32 weights in
float32, other floats in float64), row after row, so that every backend and tier gives numpy's
trits bit for bit: the order of the additions, the float32 sums compared with the threshold in
float64, and sums exactly at the threshold (ties: 0)."""
import numpy as np
import pytest

from resin_jit.vsa import JitVSAEngine, PackedBatch, TritVector
from resin_jit.vsa import batch_ops

from support import NATIVE
from support.vsa_batch import engine, majority, tier_engine, trits  # noqa: F401 (fixtures)


def bundled(engine, rows, weights, threshold=None):
    """The bundle of rows (dense and packed must agree), as an int8 array."""
    dense = engine.bundle(rows, weights=weights, threshold=threshold)
    packed = engine.bundle(PackedBatch(rows), weights=weights, threshold=threshold)
    assert dense == packed.unpack()
    return np.asarray(dense.data)


def test_rows_are_added_in_order(engine):
    """1e16 + 1 rounds to 1e16 in float64, so 1e16, 1, -1e16 added in order give 0 (any other order
    gives 1): the kernels add row after row, as numpy's reference does."""
    rows = np.ones((3, 70), np.int8)
    assert not bundled(engine, rows, np.array([1e16, 1.0, -1e16])).any()
    assert (bundled(engine, rows, np.array([1e16, -1e16, 1.0])) == 1).all()
    rows32 = np.ones((3, 70), np.int8)   # float32: 2**24 + 1 rounds to 2**24
    assert not bundled(engine, rows32, np.array([2.0 ** 24, 1.0, -2.0 ** 24], np.float32)).any()
    assert (bundled(engine, rows32, np.array([2.0 ** 24, 1.0, -2.0 ** 24], np.float64)) == 1).all()


def test_a_sum_at_the_threshold_is_no_trit(engine):
    rows = np.ones((3, 70), np.int8)
    rows[:, 5:] = -1
    w = np.array([0.5, 0.25, 0.25])
    assert not bundled(engine, rows, w, threshold=1.0).any()                 # |sum| == 1.0: not above
    assert np.array_equal(bundled(engine, rows, w, threshold=0.999), rows[0])
    # float32 sums compare in float64: 0.1f + 0.2f is float32(0.3), above the double 0.3 but equal to
    # float32(0.3) as a threshold (a comparison in float32 would give 0 for both)
    w32 = np.array([0.1, 0.2, 0.0], np.float32)
    assert np.array_equal(bundled(engine, rows, w32, threshold=0.3), rows[0])
    assert not bundled(engine, rows, w32, threshold=float(np.float32(0.3))).any()


def test_float32_and_float64_weights_match_numpy_on_every_tier(tier_engine):
    tier, engine = tier_engine
    rng = np.random.default_rng(4)
    for dim in (1, 31, 33, 65, 2049, 4100):   # tails of every vector width; more than one block of 2048
        for k in (1, 3, 8, 9, 17):            # groups of 8 rows and their remainders
            rows = trits((k, dim), dim + k, sparsity=0.2)
            for w in (rng.normal(size=k), rng.normal(size=k).astype(np.float32), rng.random(k).astype(np.float16),
                      np.linspace(-1, 1, k)):
                for threshold in (None, 0.25):
                    want = majority(rows[None], w, threshold or 0.0)[0]
                    assert np.array_equal(bundled(engine, rows, w, threshold), want), (tier, dim, k, w.dtype)


def test_groups_with_float32_weights_and_rows_holding_no_trits(engine):
    groups = trits((4, 6, 130), 9)
    w = np.linspace(-1, 2, 6).astype(np.float32)
    assert np.array_equal(engine.bundle(groups, axis=1, weights=w, threshold=0.5), majority(groups, w, 0.5))
    bad = groups[0].copy()
    bad[2, 7] = 9
    with pytest.raises(ValueError, match=r"holds 9 at index \(2, 7\)"):
        engine.bundle(bad, weights=w)


@pytest.mark.skipif(not NATIVE, reason="no C compiler on this machine: native path untestable")
def test_float_weights_split_across_threads_give_the_same_trits():
    engine = JitVSAEngine()
    rows = trits((40, 5000), 3)
    for w in (np.random.default_rng(1).normal(size=40), np.random.default_rng(2).normal(size=40).astype(np.float32)):
        for x in (rows, PackedBatch(rows)):
            one, two = (batch_ops.bundle(engine, x, weights=w, threads=t) for t in (1, 2))
            assert one == two == TritVector(majority(rows[None], w)[0])
