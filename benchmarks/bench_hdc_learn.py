"""Issue 22 item 3: the HDC classifier on scikit-learn's load_digits (70/30, stratified, seed 0).

fit + predict of resin_jit.vsa.Classifier beside the same algorithm written in numpy as a
competent user would (float32 trits kept for BLAS, every score and update a matmul, the same
projection matrix, the same quantisation: it predicts exactly what the Classifier predicts, which
the run checks), and scikit-learn's LogisticRegression for context. Medians side by side in one run.
Both encode with the same float32 matmul (BLAS), which bounds the end-to-end ratio; a second row
times the learning alone, on hypervectors encoded beforehand.

The ID-level rows encode as torchhd's classifiers do (a key vector per feature bound to the level
of its value, bundled): Classifier(encoder="levels") (C: csrc/vsa_record.h, vsa_learn.h) beside
the same in numpy as a competent user writes it (the bound key x level table gathered and summed
in int8 blocks, its sign; then the same float32 BLAS learning), with the same codebooks.
"""
import numpy as np

from resin_jit.vsa import Classifier, LevelEncoder, RandomProjection

from .common import SPEEDUP, Target, fmt_time, medians, optional_import, print_verdicts, ratio, table

DIM, EPOCHS, SPARSITY, LR, SEED = 10_000, 20, 0.33, 1, 0
LEVELS, LEVEL_EPOCHS = 32, 10   # the best of a 5-fold cross-validation on the training split (not the test split)
SPEED_TARGET, ACCURACY_TARGET = 20, 0.95
PEER = "numpy float32 BLAS, the same algorithm"
OURS_L, PEER_L = "resin_jit Classifier, ID-level", "numpy ID-level, the same algorithm"


def numpy_levels(Xtr, ytr, Xte, keys, values):
    """ID-level encoding in numpy (value → level as LevelCodebook.index, over the training range;
    the bound key x level table made once; sums in int8 where they fit, |sum| <= features < 128,
    the fastest measured), then numpy_hdc's learning on the float32 trits."""
    low, high, levels = float(Xtr.min()), float(Xtr.max()), values.shape[0]
    bound = keys[:, None, :] * values[None, :, :]                          # (features, levels, dim) int8
    totals_dtype = np.int8 if keys.shape[0] < 128 else np.int16

    def encode(X):
        index = np.rint((np.clip(X, low, high) - low) / (high - low) * (levels - 1)).astype(np.intp)
        out = np.empty((X.shape[0], keys.shape[1]), np.float32)
        for lo in range(0, X.shape[0], 256):                               # 256 rows at a time
            total = np.zeros((min(256, X.shape[0] - lo), keys.shape[1]), totals_dtype)
            for feature in range(keys.shape[0]):
                total += bound[feature, index[lo:lo + 256, feature]]
            out[lo:lo + 256] = np.sign(total)
        return out
    return numpy_hdc(Xtr, ytr, Xte, encode=encode, epochs=LEVEL_EPOCHS)


def numpy_hdc(Xtr, ytr, Xte, encoded=False, dtype=np.float32, encode=None, epochs=EPOCHS):
    """The Classifier's algorithm in numpy: centroids, then retraining passes on the mistakes,
    with the model quantised to trits (the smallest SPARSITY of magnitudes 0) after each. In
    float32 (every product a BLAS matmul, exact on these integers) or, with dtype=np.int32, on
    int8 trits and int32 accumulators (numpy has no BLAS for integers)."""
    trits = np.int8 if dtype == np.int32 else dtype
    if encoded:
        H, Hte = Xtr.astype(trits), Xte.astype(trits)
    elif encode is not None:
        H = encode(Xtr).astype(trits, copy=False)
    else:
        matrix = np.random.default_rng(SEED).integers(-1, 2, (Xtr.shape[1], DIM), dtype=np.int8).astype(np.float32)
        H = np.sign(Xtr.astype(np.float32) @ matrix).astype(trits, copy=False)   # float32 trits, as BLAS wants them
    classes, labels = np.unique(ytr, return_inverse=True)
    eye = np.eye(len(classes), dtype=dtype)
    accumulators = eye[labels].T @ H                         # integers (exact in float32 too)
    model, norms = _quantise(accumulators, dtype)
    for _ in range(epochs):
        predicted = np.argmax((H @ model.T).astype(np.float64) / norms, axis=1)
        wrong = predicted != labels
        if not wrong.any():
            break
        accumulators += LR * (eye[labels[wrong]] - eye[predicted[wrong]]).T @ H[wrong]
        model, norms = _quantise(accumulators, dtype)
    if encode is not None:
        Hte = encode(Xte).astype(trits, copy=False)
    elif not encoded:
        Hte = np.sign(Xte.astype(np.float32) @ matrix).astype(trits, copy=False)
    return classes[np.argmax((Hte @ model.T).astype(np.float64) / norms, axis=1)]


def _quantise(accumulators, dtype):
    magnitude = np.abs(accumulators)
    zeros = int(SPARSITY * accumulators.shape[1])
    cut = np.partition(magnitude, zeros - 1, axis=1)[:, zeros - 1:zeros]
    model = np.where(magnitude > cut, np.sign(accumulators), 0).astype(dtype)
    return model, np.sqrt(np.maximum(np.count_nonzero(model, axis=1), 1)).astype(np.float64)


def ours_levels(Xtr, ytr, Xte):
    model = Classifier(dim=DIM, encoder="levels", levels=LEVELS, epochs=LEVEL_EPOCHS, lr=LR, sparsity=SPARSITY,
                       seed=SEED)
    return model.fit(Xtr, ytr).predict(Xte)


def ours(Xtr, ytr, Xte, encoded=False):
    model = Classifier(dim=DIM, encoder="precomputed" if encoded else None, epochs=EPOCHS, lr=LR,
                       sparsity=SPARSITY, seed=SEED)
    return model.fit(Xtr, ytr).predict(Xte)


def run(quick=False):
    title = f"hdc_learn: load_digits fit + predict, dim {DIM:,}"
    datasets, selection = optional_import("sklearn.datasets"), optional_import("sklearn.model_selection")
    if datasets is None:
        table(title, [], note="scikit-learn not installed (pip install scikit-learn): nothing to measure")
        return
    X, y = datasets.load_digits(return_X_y=True)
    Xtr, Xte, ytr, yte = selection.train_test_split(X, y, test_size=0.3, stratify=y, random_state=0)
    projection = RandomProjection(X.shape[1], DIM, seed=SEED)
    Htr, Hte = projection.encode(Xtr), projection.encode(Xte)
    Htr32, Hte32 = Htr.astype(np.float32), Hte.astype(np.float32)
    record = LevelEncoder(X.shape[1], DIM, LEVELS, Xtr.min(), Xtr.max(), seed=SEED).record   # the same codebooks
    keys, values = record.keys.vectors, record.values.vectors
    cases = {OURS_L: lambda: ours_levels(Xtr, ytr, Xte), PEER_L: lambda: numpy_levels(Xtr, ytr, Xte, keys, values),
             "resin_jit Classifier": lambda: ours(Xtr, ytr, Xte), PEER: lambda: numpy_hdc(Xtr, ytr, Xte),
             "resin_jit, encoded beforehand": lambda: ours(Htr, ytr, Hte, encoded=True),
             "numpy, encoded beforehand": lambda: numpy_hdc(Htr32, ytr, Hte32, encoded=True)}
    linear = optional_import("sklearn.linear_model")
    if linear is not None:
        logistic = linear.LogisticRegression(max_iter=2000)
        cases["sklearn LogisticRegression"] = lambda: logistic.fit(Xtr, ytr).predict(Xte)
    integers = {"numpy int8/int32, the same algorithm": lambda: numpy_hdc(Xtr, ytr, Xte, dtype=np.int32)}
    predictions = {name: fn() for name, fn in {**cases, **integers}.items()}
    same = all(np.array_equal(predictions["resin_jit Classifier"], predictions[name])
               for name in ("resin_jit, encoded beforehand", PEER, "numpy, encoded beforehand", *integers)) \
        and np.array_equal(predictions[OURS_L], predictions[PEER_L])
    times = medians(cases, repeat=5 if quick else 15, number=1)
    times.update(medians(integers, repeat=1 if quick else 3, number=1))   # slow: fewer samples
    rows = []
    for name in {**cases, **integers}:
        ours_name = "resin_jit, encoded beforehand" if "encoded" in name else \
            OURS_L if "ID-level" in name else "resin_jit Classifier"
        speedup = "-" if name.startswith("resin_jit") else ratio(times[name], times[ours_name])
        rows.append((name, {"median": fmt_time(times[name]), "resin_jit faster": speedup,
                            "test accuracy": f"{np.mean(predictions[name] == yte):.4f}"}))
    table(title, rows, note=f"70/30 stratified split, seed 0; the numpy peers predict the same as the Classifier: "
                            f"{same} (noisy: 2 shared cores)")
    accuracy = float(np.mean(predictions["resin_jit Classifier"] == yte))
    accuracy_l = float(np.mean(predictions[OURS_L] == yte))
    print_verdicts([Target("load_digits fit + predict, ID-level", times[PEER_L] / times[OURS_L], -SPEED_TARGET,
                           SPEEDUP, PEER_L),
                    Target("load_digits test accuracy, ID-level", accuracy_l, -ACCURACY_TARGET, "accuracy"),
                    Target("load_digits fit + predict", times[PEER] / times["resin_jit Classifier"], -SPEED_TARGET,
                           SPEEDUP, PEER),
                    Target("load_digits test accuracy after retraining", accuracy, -ACCURACY_TARGET, "accuracy")],
                   "hdc_learn targets")
