"""Issue 22 item 3: resin_jit.vsa.Classifier learns (centroids, then retraining on mistakes),
follows scikit-learn's conventions without importing it, refuses bad input clearly, and predicts
the same on the numpy backend."""
import pickle
import warnings

import numpy as np
import pytest

from resin_jit.vsa import (Classifier, Codebook, LevelCodebook, NotFittedError, RandomProjection, RecordEncoder,
                           classifier, learn_ops)


def blobs(n=400, classes=4, features=12, seed=0, spread=3.0):
    """Gaussian clusters around random centres, shuffled; a train half and a test half."""
    rng = np.random.default_rng(seed)
    centres = rng.normal(0, spread, (classes, features))
    y = rng.integers(0, classes, n)
    X = centres[y] + rng.normal(0, 1, (n, features))
    return X[: n // 2], y[: n // 2], X[n // 2:], y[n // 2:]


@pytest.fixture(scope="module")
def digits():
    datasets = pytest.importorskip("sklearn.datasets",
                                   reason="scikit-learn is in the test extra: pip install -e '.[test]'")
    from sklearn.model_selection import train_test_split
    X, y = datasets.load_digits(return_X_y=True)
    return train_test_split(X, y, test_size=0.3, stratify=y, random_state=0)


def test_it_learns_synthetic_clusters_and_its_scores_rank_its_predictions():
    Xtr, ytr, Xte, yte = blobs()
    model = Classifier(dim=2000).fit(Xtr, ytr)
    assert model.score(Xte, yte) >= 0.95
    scores = model.decision_function(Xte)
    assert scores.shape == (len(Xte), 4) and np.all(np.abs(scores) <= 1.0)
    assert np.array_equal(model.predict(Xte), model.classes_[np.argmax(scores, axis=1)])
    assert model.classes_.tolist() == [0, 1, 2, 3] and model.n_features_in_ == 12 and model.n_iter_ <= 20
    names = np.array(["ant", "bee", "cat", "dog"])
    assert model.fit(Xtr, names[ytr]).predict(Xte).tolist() == names[model.fit(Xtr, ytr).predict(Xte)].tolist()


def test_load_digits_above_95_percent_after_retraining(digits):
    Xtr, Xte, ytr, yte = digits
    centroids_only = Classifier(dim=10_000, epochs=0).fit(Xtr, ytr).score(Xte, yte)
    model = Classifier(dim=10_000).fit(Xtr, ytr)
    assert model.score(Xte, yte) >= 0.95 > centroids_only
    assert model.n_iter_ >= 1 and model.accumulators_.shape == (10, 10_000) and len(model.memory_) == 10


def test_a_training_set_encoded_in_blocks_trains_the_same(monkeypatch):
    Xtr, ytr, Xte, _ = blobs(classes=6, spread=1.0)
    whole = Classifier(dim=1000).fit(Xtr, ytr)
    monkeypatch.setattr(classifier, "TRAIN_BLOCK", 37)
    blocks = Classifier(dim=1000).fit(Xtr, ytr)
    assert whole.n_iter_ >= 2 and blocks.n_iter_ == whole.n_iter_
    assert np.array_equal(blocks.accumulators_, whole.accumulators_)
    assert np.array_equal(blocks.predict(Xte), whole.predict(Xte))


def test_the_numpy_backend_predicts_the_same(monkeypatch):
    Xtr, ytr, Xte, _ = blobs(classes=5, seed=3)
    native = Classifier(dim=1500, seed=2).fit(Xtr, ytr)
    monkeypatch.setenv("RESIN_JIT_DISABLE", "1")
    with warnings.catch_warnings():   # the numpy backend's warning, once per engine
        warnings.simplefilter("ignore", RuntimeWarning)
        assert classifier._engine().backend == "numpy"
    on_numpy = Classifier(dim=1500, seed=2).fit(Xtr, ytr)
    assert np.array_equal(on_numpy.accumulators_, native.accumulators_)
    assert np.array_equal(on_numpy.predict(Xte), native.predict(Xte))
    assert np.array_equal(on_numpy.decision_function(Xte), native.decision_function(Xte))


def test_dots_by_the_search_train_and_predict_as_dots_by_vpopcntdq(monkeypatch):
    """Where the CPU lacks VPOPCNTDQ (learn_ops.class_dots None) the engine's search gives the dots:
    the same model and predictions as where it has it."""
    Xtr, ytr, Xte, _ = blobs(classes=6, seed=4, spread=1.0)
    fitted = Classifier(dim=1200, encoder="levels").fit(Xtr, ytr)
    monkeypatch.setattr(learn_ops, "class_dots", lambda *args, **kwargs: None)
    searched = Classifier(dim=1200, encoder="levels").fit(Xtr, ytr)
    assert fitted.n_iter_ >= 1 and searched.n_iter_ == fitted.n_iter_
    assert np.array_equal(searched.accumulators_, fitted.accumulators_)
    assert np.array_equal(searched.decision_function(Xte), fitted.decision_function(Xte))


def test_precomputed_trits_and_other_encoders():
    Xtr, ytr, Xte, yte = blobs()
    projection = RandomProjection(12, 2000, seed=0)
    default = Classifier(dim=2000, seed=0).fit(Xtr, ytr)
    given = Classifier(encoder="precomputed").fit(projection.encode(Xtr), ytr)
    assert np.array_equal(given.predict(projection.encode(Xte)), default.predict(Xte))
    assert given.dim_ == 2000 and not hasattr(given, "n_features_in_")
    as_floats = projection.encode(Xte).astype(np.float64)
    assert np.array_equal(given.predict(as_floats), default.predict(Xte))
    records = RecordEncoder(Codebook(12, 2000, seed=1), LevelCodebook(16, 2000, low=-8, high=8, seed=2))
    by_record = Classifier(encoder=records).fit(Xtr, ytr)
    assert by_record.score(Xte, yte) >= 0.9
    as_dicts = [dict(enumerate(row)) for row in Xte[:20]]
    assert np.array_equal(by_record.predict(as_dicts), by_record.predict(Xte[:20]))


def test_partial_fit_learns_a_stream():
    Xtr, ytr, Xte, yte = blobs(n=800)
    model = Classifier(dim=2000)
    for lo in range(0, len(Xtr), 100):
        model.partial_fit(Xtr[lo:lo + 100], ytr[lo:lo + 100], classes=[0, 1, 2, 3])
    assert model.score(Xte, yte) >= 0.95 and model.n_iter_ == 4
    with pytest.raises(ValueError, match=r"labels \[7\] are not among the classes \[0, 1, 2, 3\]"):
        model.partial_fit(Xtr[:3], [0, 7, 1])


def test_two_classes_score_as_one_column_and_a_fitted_model_pickles():
    Xtr, ytr, Xte, _ = blobs(classes=2)
    model = Classifier(dim=1000).fit(Xtr, ytr)
    scores = model.decision_function(Xte)
    assert scores.shape == (len(Xte),) and np.array_equal(scores > 0, model.predict(Xte) == 1)
    again = pickle.loads(pickle.dumps(model))
    assert np.array_equal(again.predict(Xte), model.predict(Xte))


def test_bad_input_gets_a_clear_error():
    Xtr, ytr, Xte, _ = blobs()
    with pytest.raises(NotFittedError, match="not fitted yet: call fit"):
        Classifier().predict(Xte)
    assert issubclass(NotFittedError, ValueError)
    model = Classifier(dim=500)
    with pytest.raises(ValueError, match="2-D"):
        model.fit(Xtr[0], ytr[:1])
    with pytest.raises(ValueError, match="NaN or infinity"):
        model.fit(np.where(np.eye(len(Xtr), 12, dtype=bool), np.nan, Xtr), ytr)
    with pytest.raises(ValueError, match="X has 200 samples but y has 199 labels"):
        model.fit(Xtr, ytr[:-1])
    with pytest.raises(ValueError, match="y must be 1-D"):
        model.fit(Xtr, ytr[:, None])
    with pytest.raises(ValueError, match="at least 2 classes"):
        model.fit(Xtr, np.zeros(len(Xtr)))
    with pytest.raises(ValueError, match="Unknown label type: continuous"):
        model.fit(Xtr, Xtr[:, 0])
    with pytest.raises(ValueError, match="requires y to be passed"):
        model.fit(Xtr, None)
    with pytest.raises(ValueError, match="Complex data not supported"):
        model.fit(Xtr * 1j, ytr)
    model.fit(Xtr, ytr)
    with pytest.raises(ValueError, match="X has 5 features, but Classifier is expecting 12 features as input"):
        model.predict(Xte[:, :5])
    with pytest.raises(ValueError, match="trits -1, 0 or 1"):
        Classifier(encoder="precomputed").fit(np.full((4, 8), 2), [0, 1, 0, 1])
    given = Classifier(encoder="precomputed").fit(np.eye(4, 8, dtype=np.int8), [0, 1, 0, 1])
    with pytest.raises(ValueError, match="hypervectors of dimension 9, but the classifier was fitted with 8"):
        given.predict(np.zeros((2, 9), np.int8))
    for params, words in (({"epochs": -1}, "epochs must be an int"), ({"lr": 0.5}, "lr must be an int"),
                          ({"sparsity": 1.0}, "sparsity must be within"), ({"encoder": "pca"}, "encoder must be")):
        with pytest.raises((ValueError, TypeError), match=words):
            Classifier(**params).fit(Xtr, ytr)


def test_get_and_set_params_follow_scikit_learn():
    model = Classifier(dim=123, epochs=3)
    assert model.get_params() == {"dim": 123, "encoder": None, "epochs": 3, "lr": 1, "sparsity": 0.33, "seed": 0,
                                  "levels": 16}
    assert model.set_params(lr=2, seed=9) is model and (model.lr, model.seed) == (2, 9)
    with pytest.raises(ValueError, match="Invalid parameter 'alpha'"):
        model.set_params(alpha=1)
    assert repr(model) == "Classifier(dim=123, epochs=3, lr=2, seed=9)"


def test_scikit_learn_clones_pipelines_and_cross_validates_it(digits):
    pytest.importorskip("sklearn", reason="scikit-learn is in the test extra: pip install -e '.[test]'")
    from sklearn.base import clone, is_classifier
    from sklearn.model_selection import GridSearchCV, cross_val_score
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler
    from sklearn.utils.validation import check_is_fitted
    Xtr, Xte, ytr, yte = digits
    model = Classifier(dim=3000, epochs=5)
    copy = clone(model.fit(Xtr[:300], ytr[:300]))
    assert copy.get_params() == model.get_params() and not hasattr(copy, "classes_") and is_classifier(copy)
    with pytest.raises(ValueError):
        check_is_fitted(copy)
    pipeline = make_pipeline(StandardScaler(), Classifier(dim=3000)).fit(Xtr, ytr)
    assert pipeline.score(Xte, yte) >= 0.9
    scores = cross_val_score(Classifier(dim=3000, epochs=5), Xtr, ytr, cv=3)
    assert scores.shape == (3,) and scores.min() >= 0.85
    search = GridSearchCV(Classifier(dim=2000, epochs=3), {"sparsity": [0.0, 0.33]}, cv=2).fit(Xtr[:600], ytr[:600])
    assert search.best_params_["sparsity"] in (0.0, 0.33)


@pytest.mark.parametrize("encoder", [None, "levels"])
def test_scikit_learn_check_estimator_passes_but_for_two_deliberate_differences(encoder):
    """scikit-learn's own conformance checks: all pass but two. NotFittedError is this module's
    (a ValueError and AttributeError, as scikit-learn's is, but not its class: scikit-learn is
    not imported at run time), and a column y (N, 1) is refused with a clear error where
    scikit-learn would warn and ravel it."""
    pytest.importorskip("sklearn", reason="scikit-learn is in the test extra: pip install -e '.[test]'")
    from sklearn.utils.estimator_checks import check_estimator
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        results = check_estimator(Classifier(dim=512, epochs=3, encoder=encoder), on_fail=None)
    failed = sorted(r["check_name"] for r in results if r["status"] == "failed")
    assert len(results) >= 40 and failed == ["check_estimators_unfitted", "check_supervised_y_2d"]


@pytest.mark.parametrize("largest", [50, 10**6])   # counting, and selection when counting would be too wide
def test_the_quantisation_cut_is_the_kth_smallest_magnitude(largest):
    magnitudes = np.abs(np.random.default_rng(1).integers(-largest, largest, (6, 1000))).astype(np.int32)
    for k in (1, 7, 330, 999, 1000):
        assert np.array_equal(classifier._smallest(magnitudes, k), np.partition(magnitudes, k - 1, axis=1)[:, k - 1:k])
    assert not classifier._smallest(magnitudes, 0).any()


def test_accumulators_that_would_pass_2_31_are_refused_not_wrapped():
    """Four identical samples of classes 0, 1, 2, 2 and lr = 2**29: the second retraining pass
    would take class 2's accumulator to 2**31 + 2. The guard adds in Python ints (its int32 sum
    wrapped negative, so it passed and the accumulator wrapped to -2**31 + 2)."""
    X, y = np.ones((4, 64), np.int8), np.array([0, 1, 2, 2])
    with pytest.raises(OverflowError, match="accumulators would pass 2\\*\\*31"):
        Classifier(encoder="precomputed", lr=2 ** 29, epochs=2, sparsity=0.0).fit(X, y)


def test_partial_fit_refuses_other_classes_later_as_scikit_learn_does():
    """Found in review (issue 22): classes= on a later partial_fit call were ignored; scikit-learn
    raises when they differ from the first call's (the same classes, in any order, are fine)."""
    Xtr, ytr, _, _ = blobs(n=400)
    model = Classifier(dim=500).partial_fit(Xtr[:50], ytr[:50], classes=[0, 1, 2, 3])
    model.partial_fit(Xtr[50:100], ytr[50:100], classes=[3, 2, 1, 0])   # the same classes
    for other in ([0, 1, 2], [0, 1, 2, 3, 4], ["0", "1", "2", "3"]):
        with pytest.raises(ValueError, match=r"is not the same as on the first call to partial_fit, which fixed "
                                             r"\[0, 1, 2, 3\]"):
            model.partial_fit(Xtr[:10], ytr[:10], classes=other)
    assert model.n_iter_ == 2
