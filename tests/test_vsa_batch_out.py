"""Issue 22: out= on the batch operations (bind, permute, bundle; dense (N, dim) int8 arrays and
PackedBatch), as numpy's ufuncs take it: the result written into out and out returned, the same
trits as out of place (numpy's answer written out here), on every tier and on the numpy backend;
out that is an input or overlaps one; strided, transposed and odd-offset outs; the errors."""
import numpy as np
import pytest

from resin_jit.vsa import JitVSAEngine, PackedBatch, TritVector
from resin_jit.vsa import batch_ops

from support import NATIVE
from support.vsa_batch import engine, majority, tier_engine, trits  # noqa: F401 (fixtures)

DIMS = [1, 65, 1000]   # 65: a tail past the last whole vector of trits on every tier


def test_out_gets_the_out_of_place_result_and_is_returned(tier_engine):
    _, engine = tier_engine
    for dim in DIMS:
        a, b = trits((6, dim), 1), trits((6, dim), 2, sparsity=0.3)
        pa, pb = PackedBatch(a), PackedBatch(b)
        for shift in (0, 1, -3, dim + 2):
            out = np.full((6, dim), 7, np.int8)
            assert engine.permute(a, shift, out=out) is out and np.array_equal(out, np.roll(a, shift, axis=1))
            packed = PackedBatch.zeros(6, dim)
            assert engine.permute(pa, shift, out=packed) is packed
            assert np.array_equal(packed.dense(), np.roll(a, shift, axis=1)) and packed == engine.permute(pa, shift)
        for x, y, want in ((a, b, a * b), (a, TritVector(b[2]), a * b[2]), (b[2:3], a, a * b[2])):
            out = np.full((6, dim), 7, np.int8)
            assert engine.bind(x, y, out=out) is out and np.array_equal(out, want)
        for x, y, want in ((pa, pb, a * b), (pa, TritVector(b[2]).pack(), a * b[2]), (pb[2:3], pa, a * b[2])):
            packed = PackedBatch.zeros(6, dim)
            assert engine.bind(x, y, out=packed) is packed and np.array_equal(packed.dense(), want)
        w = np.arange(6) - 2
        out = np.full(dim, 7, np.int8)
        assert engine.bundle(a, weights=w, out=out) is out and np.array_equal(out, majority(a[None], w)[0])
        one = PackedBatch.zeros(1, dim)
        assert engine.bundle(pa, threshold=1, out=one) is one
        assert np.array_equal(one.dense()[0], majority(a[None], None, 1)[0])
        groups = trits((3, 5, dim), 4)
        out = np.full((3, dim), 7, np.int8)
        assert engine.bundle(groups, axis=1, out=out) is out and np.array_equal(out, majority(groups))


def test_an_out_that_is_an_input_gives_the_out_of_place_result(tier_engine):
    """bind(A, B, out=A) is elementwise (the kernels read each vector before writing it; the last,
    overlapping one first); permute(A, k, out=A) and every other overlap copy the input first."""
    _, engine = tier_engine
    for dim in DIMS:
        a, b = trits((6, dim), 1), trits((6, dim), 2)
        for run, want in ((lambda x, y: engine.bind(x, y, out=x), a * b),
                          (lambda x, y: engine.bind(y, x, out=x), a * b),
                          (lambda x, y: engine.bind(x, x, out=x), a * a),
                          (lambda x, y: engine.bind(x, x[0], out=x), a * a[0]),      # a row of out, broadcast
                          (lambda x, y: engine.bind(x, x[:1], out=x), a * a[:1]),
                          (lambda x, y: engine.permute(x, 5, out=x), np.roll(a, 5, axis=1)),
                          (lambda x, y: engine.permute(x, -1, out=x), np.roll(a, -1, axis=1))):
            x = a.copy()
            assert run(x, b) is x and np.array_equal(x, want), dim
            packed = PackedBatch(a)
            assert run(packed, PackedBatch(b)) is packed and np.array_equal(packed.dense(), want), dim
        x = a.copy()   # shifted overlaps: out rows 1.. over the inputs' rows 0..
        engine.bind(x[:-1], b[:-1], out=x[1:])
        assert np.array_equal(x[1:], a[:-1] * b[:-1]) and np.array_equal(x[0], a[0])
        x = a.copy()
        engine.permute(x[1:], 2, out=x[:-1])
        assert np.array_equal(x[:-1], np.roll(a[1:], 2, axis=1))
        x = a.copy()
        assert np.array_equal(engine.bundle(x, out=x[3]), majority(a[None])[0])   # out is a row bundled
        packed = PackedBatch(a)
        assert engine.bundle(packed, out=packed[2:3]) is not None
        assert np.array_equal(packed.dense()[2], majority(a[None])[0]) and np.array_equal(packed.dense()[:2], a[:2])


def test_strided_transposed_and_odd_offset_outs_work(engine):
    a, b = trits((5, 130), 1), trits((5, 130), 2)
    transposed = np.empty((130, 5), np.int8).T
    strided = np.zeros((5, 260), np.int8)[:, ::2]
    odd = np.empty(5 * 130 + 1, np.int8)[1:].reshape(5, 130)
    for out in (transposed, strided, odd):
        assert engine.bind(a, b, out=out) is out and np.array_equal(out, a * b)
        assert engine.permute(a, 9, out=out) is out and np.array_equal(out, np.roll(a, 9, axis=1))
    bigger = np.zeros((2, 260), np.int8)
    assert np.array_equal(engine.bundle(a, out=bigger[1, ::2]), majority(a[None])[0]) and not bigger[0].any()
    rows = PackedBatch.zeros(10, 130)
    every_other = rows[::2]   # a strided PackedBatch: written through a buffer, then copied in
    assert not every_other.rows.flags.c_contiguous
    assert engine.bind(PackedBatch(a), PackedBatch(b), out=every_other) is every_other
    assert np.array_equal(rows.dense()[::2], a * b) and not rows.dense()[1::2].any()


@pytest.mark.skipif(not NATIVE, reason="no C compiler on this machine: native path untestable")
def test_out_with_threads_splitting_rows_groups_and_positions():
    engine = JitVSAEngine()
    a, b = trits((9, 1000), 3), trits((9, 1000), 4)
    out = np.empty((9, 1000), np.int8)
    assert batch_ops.bind(engine, a, b, threads=2, out=out) is out and np.array_equal(out, a * b)
    x = a.copy()
    batch_ops.permute(engine, x, 7, threads=2, out=x)
    assert np.array_equal(x, np.roll(a, 7, axis=1))
    one = np.empty(1000, np.int8)
    batch_ops.bundle(engine, a, weights=np.arange(9) - 2, threads=2, out=one)
    assert np.array_equal(one, majority(a[None], np.arange(9) - 2)[0])
    groups, out = trits((8, 5, 200), 6), np.empty((8, 200), np.int8)
    assert np.array_equal(batch_ops.bundle(engine, groups, axis=1, threads=2, out=out), majority(groups))


def test_an_out_that_does_not_fit_is_named(engine):
    a = trits((4, 65), 1)
    pa = PackedBatch(a)
    with pytest.raises(TypeError, match=r"out must have dtype int8 \(trits\), not int16; the result has shape "
                                        r"\(4, 65\): pass np.empty\(\(4, 65\), np.int8\)"):
        engine.bind(a, a, out=np.empty((4, 65), np.int16))
    with pytest.raises(ValueError, match=r"out has shape \(65, 4\); the result has shape \(4, 65\) \(int8\)"):
        engine.permute(a, 1, out=np.empty((65, 4), np.int8))
    with pytest.raises(ValueError, match=r"out has shape \(4, 65\); the result has shape \(65,\)"):
        engine.bundle(a, out=np.empty((4, 65), np.int8))
    read_only = np.empty((4, 65), np.int8)
    read_only.flags.writeable = False
    with pytest.raises(ValueError, match="out is read-only"):
        engine.bind(a, a, out=read_only)
    with pytest.raises(TypeError, match=r"int8 numpy array of shape \(4, 65\), not a PackedBatch"):
        engine.bind(a, a, out=PackedBatch(a))
    with pytest.raises(TypeError, match=r"PackedBatch of 4 vectors of dimension 65, not a numpy array.*"
                                        r"PackedBatch.zeros\(4, 65\)"):
        engine.bind(pa, pa, out=np.empty((4, 65), np.int8))
    with pytest.raises(ValueError, match=r"out is a PackedBatch of 3 vectors of dimension 65; the result is 4"):
        engine.permute(pa, 1, out=PackedBatch.zeros(3, 65))
    with pytest.raises(ValueError, match=r"the result is 1 vectors of dimension 65"):
        engine.bundle(pa, out=PackedBatch.zeros(1, 64))
    with pytest.raises(TypeError, match="not list"):
        engine.bind(a, a, out=[[0] * 65] * 4)
    v = TritVector(a[0])
    with pytest.raises(ValueError, match="drop out="):
        engine.bind(v, v, out=np.empty(65, np.int8))
    with pytest.raises(ValueError, match="drop out="):
        engine.permute(v, 1, out=np.empty(65, np.int8))
    before = a.copy()
    with pytest.raises(ValueError, match=r"holds 5 at index \(1, 3\)"):   # checked before anything is written
        bad = a.copy()
        bad[1, 3] = 5
        engine.bind(bad, a, out=np.empty((4, 65), np.int8))
    assert np.array_equal(a, before)


def test_packed_batch_zeros():
    z = PackedBatch.zeros(3, 70)
    assert len(z) == 3 and z.dim == 70 and not z.dense().any() and z == PackedBatch(np.zeros((3, 70), np.int8))
    with pytest.raises(ValueError, match="n must be an int >= 0"):
        PackedBatch.zeros(-1, 70)
