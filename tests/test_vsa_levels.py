"""Issue 22, ID-level encoding and the Classifier's training in C: csrc/vsa_record.h and
csrc/vsa_learn.h against numpy written out here, on every tier and on the numpy backend, at
awkward dimensions and feature counts, with ties; LevelEncoder and Classifier(encoder="levels")
with scikit-learn's conventions; the errors."""
import json
import os
import pickle
import warnings
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest

import resin_jit as rj
from resin_jit.vsa import Classifier, Codebook, JitVSAEngine, LevelCodebook, LevelEncoder, RecordEncoder
from resin_jit.toolchain import cpu_features
from resin_jit.vsa import kernels, learn_ops, record_ops
from resin_jit.vsa.vectors import pack_buffer, unpack_buffer

from support import NATIVE, TIERS

DIMS = [1, 63, 64, 65, 10_000, 100_003]
LOWER_DIMS = [1, 65, 1000]
OPS = ("record_rows", "class_add", "class_quantise", "transpose", "dots_update", "class_retrain", "class_dots")
FIT_OPS = ("record_rows", "class_add", "class_quantise", "class_retrain", "class_dots")   # what a fit of encoder="levels" uses


# transpose and dots_update alone on the plain C tier and the widest (the tiers between transpose and
# update dots inside class_retrain, tested on each); the retraining not at the widest tier's largest dim
STANDALONE_TIERS = (TIERS[0], TIERS[-1])


def dims_for(tier):
    return DIMS if tier == TIERS[-1] else LOWER_DIMS


def retrain_dims(tier):
    return dims_for(tier)[:-1] if tier == TIERS[-1] else dims_for(tier)


def builds(tier, op, dim):
    """Whether the fixture builds op at (tier, dim): what the tests below call (ASan builds are slow)."""
    if op in ("transpose", "dots_update"):
        return tier in STANDALONE_TIERS
    return op != "class_retrain" or dim in retrain_dims(tier)


@pytest.fixture(scope="module")
def tier_engines(tmp_path_factory):
    """One engine per tier on a private cache, the kernels built in parallel."""
    if not NATIVE:
        pytest.skip("no C compiler on this machine: native path untestable")
    cache = tmp_path_factory.mktemp("vsa-levels-cache")
    made = {tier: JitVSAEngine(rj.JitCompiler(rj.JitConfig(isa=tier, cache_dir=cache))) for tier in TIERS}
    jobs = [(tier, op, dim) for tier in TIERS for dim in dims_for(tier) for op in OPS if builds(tier, op, dim)]

    def build(job):
        tier, op, dim = job
        made[tier].jit.libraries.get(*kernels.request(op, "packed", dim))
    with ThreadPoolExecutor(os.cpu_count() or 2) as pool:
        list(pool.map(build, jobs))
    return made


def numpy_records(index, keys, values):
    """The bundle of bind(key j, values[index[r, j]]) over j, written out: sign of the int sum, ties 0."""
    totals = (keys[None, :, :].astype(np.int64) * values[index]).sum(axis=1)
    return np.sign(totals).astype(np.int8)


def books(features, levels, dim, sparse, seed):
    rng = np.random.default_rng(seed)
    if sparse:   # general trits: zeros among the keys and values (two planes counted)
        keys, values = (rng.integers(-1, 2, (n, dim)).astype(np.int8) for n in (features, levels))
    else:        # +-1 only (one plane counted)
        keys, values = ((rng.integers(0, 2, (n, dim)) * 2 - 1).astype(np.int8) for n in (features, levels))
    return keys, values


# 15-17, 33: the +-1 path's sixteen at a time and its rest; 300: counts past 255 take the wide path (and
# blocks of 13 rows); 1100: keys and values too many to stage (+-1 rows counted on the general path)
@pytest.mark.parametrize("features", [1, 2, 7, 8, 15, 16, 17, 33, 64, 300, 1100])
@pytest.mark.parametrize("sparse", [False, True])
def test_record_rows_equal_numpy_on_every_tier(tier_engines, features, sparse):
    for tier, engine in tier_engines.items():
        for dim in dims_for(tier):
            if dim > 10_000 and features > 64 or dim > 1000 and features > 300:
                continue
            keys, values = books(features, 5, dim, sparse, seed=dim + features)
            index = np.random.default_rng(features).integers(0, 5, (37, features))
            want = numpy_records(index, keys, values)
            got = record_ops.encode_packed(engine, index, pack_buffer(keys), pack_buffer(values), dim)
            assert np.array_equal(unpack_buffer(got, dim), want), (tier, dim)
            assert np.array_equal(record_ops.encode_dense(index, keys, values), want)   # the numpy backend's


def test_ties_bundle_to_zero(tier_engines):
    """Two features whose products cancel everywhere: every trit of the record is 0 (an even count of +-1
    products ties); one more feature breaks every tie its way."""
    for tier, engine in tier_engines.items():
        dim = 65
        key = np.where(np.arange(dim) % 3 == 0, 1, -1).astype(np.int8)
        keys, values = np.stack([key, key, key]), np.stack([np.ones(dim, np.int8), -np.ones(dim, np.int8)])
        two = record_ops.encode_packed(engine, np.array([[0, 1]]), pack_buffer(keys[:2]), pack_buffer(values), dim)
        assert not unpack_buffer(two, dim).any(), tier
        three = record_ops.encode_packed(engine, np.array([[0, 1, 1]]), pack_buffer(keys), pack_buffer(values), dim)
        assert np.array_equal(unpack_buffer(three, dim)[0], -key), tier


def test_rows_are_split_across_threads_alike(tier_engines):
    engine = tier_engines[TIERS[-1]]
    keys, values = books(64, 17, 1000, False, seed=4)
    index = np.random.default_rng(5).integers(0, 17, (301, 64))
    one = record_ops.encode_packed(engine, index, pack_buffer(keys), pack_buffer(values), 1000, threads=1)
    three = record_ops.encode_packed(engine, index, pack_buffer(keys), pack_buffer(values), 1000, threads=3)
    assert np.array_equal(one, three) and np.array_equal(unpack_buffer(one, 1000), numpy_records(index, keys, values))


@pytest.mark.parametrize("rows", [3, 40, 600])   # row by row, bit-sliced, and chunks of 255 rows
def test_class_sums_and_quantisation_equal_numpy_on_every_tier(tier_engines, rows):
    for tier, engine in tier_engines.items():
        for dim in dims_for(tier):
            rng = np.random.default_rng(dim + rows)
            trits = rng.integers(-1, 2, (rows, dim)).astype(np.int8)
            labels = rng.integers(0, 3, rows)
            acc = rng.integers(-50, 50, (3, dim)).astype(np.int32)
            want = acc.astype(np.int64) - 7 * np.stack([trits[labels == k].sum(axis=0) for k in range(3)])
            assert learn_ops.add_rows(engine, acc, pack_buffer(trits), labels, -7)
            assert np.array_equal(acc, want), (tier, dim)
            minus = rng.integers(0, 3, rows)   # a retraining pass: + to one label, - from another, in one call
            want += 3 * np.stack([trits[labels == k].sum(axis=0) - trits[minus == k].sum(axis=0) for k in range(3)])
            assert learn_ops.add_rows(engine, acc, pack_buffer(trits), labels, 3, minus=minus)
            assert np.array_equal(acc, want), (tier, dim)
            if dim > 1:   # the extremes of int32 among the magnitudes bisected
                acc[1, 0], acc[2, -1] = -2 ** 31, 2 ** 31 - 1
            for cut_rank in sorted({0, 1, dim // 3, dim}):
                model, norms = np.zeros((3, pack_buffer(trits[:1]).shape[1]), np.uint64), np.zeros(3, np.int64)
                assert learn_ops.quantise(engine, acc, np.array([0, 2, 1]), cut_rank, model, norms)
                magnitude = np.abs(acc.astype(np.int64))
                cut = np.sort(magnitude, axis=1)[:, cut_rank - 1:cut_rank] if cut_rank else 0
                quantised = np.where(magnitude > cut, np.sign(acc), 0)
                assert np.array_equal(unpack_buffer(model, dim), quantised), (tier, dim, cut_rank)
                assert np.array_equal(norms, np.maximum(np.count_nonzero(quantised, axis=1), 1))


@pytest.mark.parametrize("rows", [1, 63, 64, 65, 700])
def test_dots_follow_the_changed_trits_on_every_tier(tier_engines, rows):
    """The samples transposed by position, then a class vector's changed trits applied to their dots:
    the dots with the new vectors, exactly (a few trits changed, and most of them). On the plain C
    and widest tiers; on every tier through the retraining (below)."""
    for tier in STANDALONE_TIERS:
        engine = tier_engines[tier]
        for dim in dims_for(tier):
            if dim > 10_000 and rows > 64:
                continue
            rng = np.random.default_rng(dim * rows)
            trits = rng.integers(-1, 2, (rows, dim)).astype(np.int8)
            cols = learn_ops.transpose(engine, pack_buffer(trits), dim)
            qw = (rows + 63) // 64
            bits = (cols.reshape(dim, 2, qw)[..., None] >> np.arange(64, dtype=np.uint64)) & np.uint64(1)
            bits = bits.transpose(1, 0, 2, 3).reshape(2, dim, 64 * qw)[:, :, :rows]
            assert np.array_equal(bits[0].T, trits > 0) and np.array_equal(bits[1].T, trits < 0), (tier, dim)
            for share in (0.01, 0.9):
                old = rng.integers(-1, 2, (2, dim)).astype(np.int8)
                new = np.where(rng.random((2, dim)) < share, rng.integers(-1, 2, (2, dim)), old).astype(np.int8)
                dots = np.zeros((rows, 3))
                dots[:, [2, 0]] = trits.astype(np.int64) @ old.T
                learn_ops.update_dots(engine, cols, pack_buffer(old), pack_buffer(new), np.array([2, 0]), dots)
                assert np.array_equal(dots[:, [2, 0]], trits.astype(np.int64) @ new.T), (tier, dim, share)
                assert not dots[:, 1].any()


def test_class_dots_by_vpopcntdq_where_the_cpu_has_it_and_else_a_word_at_a_time(tier_engines):
    """learn_ops.class_dots: VPOPCNTDQ on the AVX-512 tier where the CPU has it (asked at run time;
    planes of eight words or more), else None (the Classifier searches instead); the word-at-a-time
    path everywhere. Both exact, split across threads alike."""
    flags = cpu_features.from_proc_cpuinfo() or frozenset()
    for tier, engine in tier_engines.items():
        for dim in dims_for(tier):
            rng = np.random.default_rng(dim)
            trits, model = rng.integers(-1, 2, (70, dim)).astype(np.int8), rng.integers(-1, 2, (11, dim)).astype(np.int8)
            rows, want = pack_buffer(trits), trits.astype(np.int64) @ model.T
            words = learn_ops.class_dots(engine, rows, pack_buffer(model), dim, by_vpopcntdq=False, threads=2)
            assert np.array_equal(words, want), (tier, dim)
            fast = learn_ops.class_dots(engine, rows, pack_buffer(model), dim, threads=2)
            assert fast is None or np.array_equal(fast, want), (tier, dim)
            if "avx512f" in flags:   # Linux: /proc/cpuinfo says what the CPU has
                assert (fast is not None) == ("avx512_vpopcntdq" in flags and tier == "avx512" and dim >= 512), tier


def numpy_quantise(acc, cut_rank):
    magnitude = np.abs(acc.astype(np.int64))
    cut = np.sort(magnitude, axis=1)[:, cut_rank - 1:cut_rank] if cut_rank else 0
    return np.where(magnitude > cut, np.sign(acc), 0).astype(np.int8)


def numpy_retrain(trits, labels, acc, epochs, lr, cut_rank):
    """Classifier.fit's passes written out: (acc, model trits, passes that changed it, overflow)."""
    acc, model, passes = acc.astype(np.int64), numpy_quantise(acc, cut_rank), 0
    for _ in range(epochs):
        norms = np.maximum(np.count_nonzero(model, axis=1), 1)
        predicted = np.argmax((trits.astype(np.int64) @ model.T) / np.sqrt(norms), axis=1)
        wrong = np.flatnonzero(predicted != labels)
        if wrong.size == 0:
            break
        if np.abs(acc).max() + wrong.size * lr >= 2 ** 31:
            return acc, model, passes, True
        np.add.at(acc, labels[wrong], lr * trits[wrong].astype(np.int64))
        np.add.at(acc, predicted[wrong], -lr * trits[wrong].astype(np.int64))
        changed = np.union1d(labels[wrong], predicted[wrong])
        model[changed] = numpy_quantise(acc[changed], cut_rank)
        passes += 1
    return acc, model, passes, False


def retrain_cases(dim, rng):
    """(name, trits, labels, starting sums, epochs, lr): labels at random (every pass has mistakes),
    learnable ones (it stops early), twin samples in two classes (tied scores: the first class),
    sums near 2**31 (a pass refused; and a bound passed that the exact largest is not), 40 classes;
    1, 64 and 700 samples (the transposed samples' words: one, a whole one, groups of them)."""
    n = 130
    trits = rng.integers(-1, 2, (n, dim)).astype(np.int8)
    random = rng.integers(0, 3, n)
    centres = rng.integers(-1, 2, (3, dim)).astype(np.int8)
    learnable = rng.integers(0, 3, n)
    near = np.where(rng.random((n, dim)) < 0.3, rng.integers(-1, 2, (n, dim)), centres[learnable]).astype(np.int8)
    twins = np.concatenate([trits[:40], trits[:40]])

    def sums(t, y, classes):
        acc = np.zeros((classes, dim), np.int64)
        np.add.at(acc, y, t.astype(np.int64))
        return acc
    big = sums(trits, random, 4)
    big[3, 0] = 2 ** 31 - n * 40 - 1   # a class no sample has: two passes of lr 40 pass the bound, not the sum
    top = sums(trits, random, 3)
    top[0, 0] = 2 ** 31 - 5
    many = rng.integers(0, 40, n)
    wide = rng.integers(-1, 2, (700, dim)).astype(np.int8)
    wide_labels = rng.integers(0, 3, 700)
    return [("random", trits, random, sums(trits, random, 3), 4, 1),
            ("learnable", near, learnable, sums(near, learnable, 3), 20, 2),
            ("twins", twins, np.repeat([0, 1], 40), sums(twins, np.repeat([0, 1], 40), 2), 3, 1),
            ("bound", trits, random, big, 4, 40), ("overflow", trits, random, top, 3, 1),
            ("40 classes", trits, many, sums(trits, many, 40), 5, 1), ("no passes", trits, random,
                                                                        sums(trits, random, 3), 0, 1),
            ("1 sample", trits[:1], np.array([1]), sums(trits[:1], np.array([1]), 2), 3, 1),
            ("64 samples", trits[:64], random[:64], sums(trits[:64], random[:64], 3), 3, 1),
            ("700 samples", wide, wide_labels, sums(wide, wide_labels, 3), 3, 1)]


def test_retraining_in_one_call_equals_numpy_on_every_tier(tier_engines):
    """learn_ops.retrain (csrc/vsa_retrain.h) against the passes written out in numpy: the sums, the
    model, its norms, the passes and the overflow flag; the dots kept up to date where it stopped
    early (every sample right)."""
    for tier, engine in tier_engines.items():
        for dim in retrain_dims(tier):
            rng = np.random.default_rng(dim)
            for name, trits, labels, acc, epochs, lr in retrain_cases(dim, rng):
                cut_rank = int(0.33 * dim)
                model = numpy_quantise(acc, cut_rank)
                rows, model_rows = pack_buffer(trits), pack_buffer(model)
                norms = np.maximum(np.count_nonzero(model, axis=1), 1).astype(np.int64)
                dots = (trits.astype(np.int64) @ model.T).astype(np.float64)
                got_acc = acc.astype(np.int32)
                passes, overflow = learn_ops.retrain(engine, rows, labels, got_acc, model_rows, norms, dots, epochs,
                                                     lr, cut_rank)
                want_acc, want_model, want_passes, want_overflow = numpy_retrain(trits, labels, acc, epochs, lr,
                                                                                 cut_rank)
                case = (tier, dim, name)
                assert (passes, overflow) == (want_passes, want_overflow), case
                assert np.array_equal(got_acc, want_acc) and np.array_equal(unpack_buffer(model_rows, dim), want_model)
                assert np.array_equal(norms, np.maximum(np.count_nonzero(want_model, axis=1), 1)), case
                if passes < epochs and not overflow:
                    assert np.array_equal(dots, trits.astype(np.int64) @ want_model.T), case


def test_a_recording_of_a_fit_names_kernels_warm_builds(tmp_path, monkeypatch):
    """RESIN_JIT_RECORD while a Classifier(encoder="levels") fits and predicts: every kernel it
    used is recorded, and warm builds exactly those kernels from the entries."""
    from resin_jit import warm
    monkeypatch.setenv("RESIN_JIT_RECORD", str(tmp_path / "manifest.json"))
    X, _ = _digits_like(n=120)
    y = np.random.default_rng(0).integers(0, 3, 120)   # labels at random: every pass has mistakes to correct
    assert Classifier(dim=200, encoder="levels", levels=5, epochs=3).fit(X, y).n_iter_ == 3
    entries = [e for e in json.loads((tmp_path / "manifest.json").read_text()) if e["kind"] == "vsa"]
    assert set(FIT_OPS) <= {e["op"] for e in entries}
    for entry in entries:
        assert warm._vsa_problem(entry) is None, entry
    for op in OPS:
        assert [ident for ident, _ in warm._vsa(op, 200, packed=True)] == [kernels.request(op, "packed", 200)[0]]


def test_the_numpy_backend_has_no_kernels(numpy_jit):
    engine = JitVSAEngine(numpy_jit)
    acc = np.zeros((2, 10), np.int32)
    assert record_ops.encode_packed(engine, np.zeros((1, 1), np.int64), *(pack_buffer(np.ones((1, 10), np.int8)),) * 2,
                                    10) is None
    assert not learn_ops.add_rows(engine, acc, pack_buffer(np.ones((1, 10), np.int8)), np.array([0]), 1, np.array([1]))
    assert not learn_ops.quantise(engine, acc, np.array([0]), 0, np.zeros((2, 3), np.uint64), np.zeros(2, np.int64))
    assert learn_ops.transpose(engine, pack_buffer(np.ones((1, 10), np.int8)), 10) is None
    assert learn_ops.retrain(engine, pack_buffer(np.ones((1, 10), np.int8)), np.array([0]), acc,
                             np.zeros((2, 3), np.uint64), np.ones(2, np.int64), np.zeros((1, 2)), 1, 1, 0) is None


# -- the encoders and the Classifier ----------------------------------------------------------------

def _digits_like(n=300, features=16, seed=0):
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 4, n)
    centres = rng.uniform(0, 16, (4, features))
    return np.clip(centres[y] + rng.normal(0, 2, (n, features)), 0, 16), y


@pytest.mark.parametrize("backend", ["native", "numpy"])
def test_record_encoder_arrays_match_numpy_on_both_backends(monkeypatch, backend):
    if backend == "numpy":
        monkeypatch.setenv("RESIN_JIT_DISABLE", "1")
        warnings.simplefilter("ignore", RuntimeWarning)
    elif not NATIVE:
        pytest.skip("no C compiler on this machine: native path untestable")
    for dim, sparsity in ((65, 0.0), (10_000, 0.0), (1000, 0.3)):
        encoder = RecordEncoder(Codebook(20, dim, seed=1, sparsity=sparsity), LevelCodebook(9, dim, 0, 16, seed=2))
        X, _ = _digits_like(features=20)
        want = numpy_records(encoder.values.index(X), encoder.keys.vectors, encoder.values.vectors)
        trits, rows = encoder.encode_both(X)
        assert np.array_equal(trits, want) and np.array_equal(rows, pack_buffer(want))
        assert np.array_equal(encoder.encode(X), want) and np.array_equal(encoder.encode_packed(X), rows)


def test_level_encoder_is_records_of_levels_and_takes_params():
    X, _ = _digits_like()
    enc = LevelEncoder(16, dim=1000, levels=9, low=0, high=16, seed=3)
    record = enc.record
    assert record.keys.vectors.shape == (16, 1000) and len(record.values) == 9
    want = numpy_records(record.values.index(X), record.keys.vectors, record.values.vectors)
    assert np.array_equal(enc.encode(X), want) and np.array_equal(enc.encode_packed(X), pack_buffer(want))
    assert np.array_equal(LevelEncoder(16, 1000, 9, 0, 16, seed=3).encode(X), want)   # seeded: the same
    again = pickle.loads(pickle.dumps(enc))
    assert len(pickle.dumps(enc)) < 1000 and np.array_equal(again.encode(X), want)   # its parameters, not its codebooks
    unseeded = LevelEncoder(16, dim=1000, levels=9, low=0, high=16)
    assert np.array_equal(pickle.loads(pickle.dumps(unseeded)).encode(X), unseeded.encode(X))   # codebooks travel
    assert enc.set_params(levels=5) is enc and len(enc.record.values) == 5 and enc.get_params()["levels"] == 5
    with pytest.raises(ValueError, match="Invalid parameter 'level' for LevelEncoder"):
        enc.set_params(level=3)


def test_level_encoder_refuses_bad_input_clearly():
    enc = LevelEncoder(4, dim=100, levels=5, seed=0)
    with pytest.raises(ValueError, match="X has 3 features, but LevelEncoder is expecting 4"):
        enc.encode(np.zeros((2, 3)))
    with pytest.raises(ValueError, match="NaN or infinity"):
        enc.encode(np.full((2, 4), np.nan))
    with pytest.raises(ValueError, match="features must be a positive int"):
        LevelEncoder(0, dim=100).encode(np.zeros((1, 1)))
    with pytest.raises(ValueError, match="levels must be an int of at least 2"):
        LevelEncoder(4, dim=100, levels=1).encode(np.zeros((1, 4)))
    with pytest.raises(TypeError, match="sparse matrix"):
        enc.encode(type("Sparse", (), {"toarray": lambda self: None})())


@pytest.mark.parametrize("backend", ["native", "numpy"])
def test_classifier_levels_learns_and_both_backends_agree(monkeypatch, backend):
    X, y = _digits_like(n=400)
    model = Classifier(dim=2000, encoder="levels", levels=9, epochs=5).fit(X[:300], y[:300])
    assert model.score(X[300:], y[300:]) >= 0.9 and model.n_features_in_ == 16
    enc = model.encoder_
    assert isinstance(enc, LevelEncoder) and (enc.low, enc.high, enc.levels) == (X[:300].min(), X[:300].max(), 9)
    explicit = Classifier(dim=2000, encoder=LevelEncoder(16, 2000, 9, enc.low, enc.high, seed=0), epochs=5)
    assert np.array_equal(explicit.fit(X[:300], y[:300]).accumulators_, model.accumulators_)
    if not NATIVE:
        pytest.skip("no C compiler on this machine: native path untestable")
    monkeypatch.setenv("RESIN_JIT_DISABLE", "1")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        on_numpy = Classifier(dim=2000, encoder="levels", levels=9, epochs=5).fit(X[:300], y[:300])
        assert np.array_equal(on_numpy.accumulators_, model.accumulators_)
        assert np.array_equal(on_numpy.decision_function(X[300:]), model.decision_function(X[300:]))


def test_classifier_levels_follows_scikit_learn_and_refuses_bad_input():
    from sklearn.base import clone
    X, y = _digits_like(n=120)
    model = Classifier(dim=500, encoder="levels", levels=5, epochs=2)
    copy = clone(model)
    assert copy.get_params() == model.get_params() and copy.levels == 5
    model.fit(X, y)
    with pytest.raises(ValueError, match="X has 3 features, but Classifier is expecting 16"):
        model.predict(X[:, :3])
    with pytest.raises(ValueError, match="levels must be an int of at least 2, not 1"):
        Classifier(encoder="levels", levels=1).fit(X, y)
    with pytest.raises(ValueError, match="encoder must be None, 'levels', 'precomputed'"):
        Classifier(encoder="level").fit(X, y)
    with pytest.raises(ValueError, match="NaN or infinity"):
        Classifier(dim=500, encoder="levels").fit(np.where(X > 15, np.nan, X), y)
    explicit = Classifier(dim=500, encoder=LevelEncoder(16, 500, 5, 0, 16, seed=1))
    assert explicit.set_params(encoder__levels=7) is explicit and explicit.encoder.levels == 7
    assert explicit.fit(X, y).score(X, y) > 0.5
