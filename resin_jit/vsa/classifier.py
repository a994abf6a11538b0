"""Classifier: hyperdimensional classification with scikit-learn's conventions.

Training (OnlineHD / AdaptHD style, batched): each class has an integer accumulator of `dim`;
the centroid pass adds every training hypervector to its class's accumulator, and each
retraining pass predicts the whole training set with the current model and, for every mistake,
adds the sample (times `lr`) to its true class and subtracts it from the predicted one; the
passes stop early once the training set is all correct. The model is the accumulators
quantised to trits (the `sparsity` fraction of smallest magnitudes made 0, the rest their
sign), one packed row per class, and prediction is the class of highest cosine through the
engine's packed search (exact integer dot products by popcount, by AVX-512 VPOPCNTDQ where the
CPU has it, then divided by the norms in numpy, so both backends predict the same). On the
native backend fit's retraining passes run in one C call (learn_ops.retrain), the same steps.

No scikit-learn import at run time: the constructor stores its arguments unchanged,
get_params/set_params follow scikit-learn's rules, and __sklearn_tags__ answers when scikit-learn
asks, so clone, Pipeline, GridSearchCV and cross_val_score work.
"""
import inspect
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from . import learn_ops, rowwise, shared
from .encoders import RandomProjection, RecordEncoder, check_features
from .level_encoder import LevelEncoder
from .memory import ItemMemory, as_query_rows
from .vectors import pack_buffer, unpack_buffer

_OVERFLOW = "the class accumulators would pass 2**31: train on smaller batches or a smaller lr"
TRAIN_BLOCK = 8192   # samples encoded at once in a centroid pass (their int8 trits: 80 MB at dim 10,000)
_engine = shared.engine   # one engine per configuration (and backend) for every classifier of the process


class NotFittedError(ValueError, AttributeError):
    """A Classifier used before fit (scikit-learn's NotFittedError is also both)."""


class Classifier:
    """A hyperdimensional classifier.

    dim: the dimension of the default encoder's hypervectors.
    encoder: None (real features (N, features) → trits by a RandomProjection of `dim`, seeded by
        `seed`), "levels" (real features as records of `levels` levels over the training data's
        range: a LevelEncoder, ID-level encoding, encoded in C), "precomputed" (X is already trits: an (N, dim) array of -1/0/1 or a list of
        TritVector), or an object whose encode(X) gives (N, dim) trits (encoders.py's encoders).
    epochs: the most retraining passes after the centroid pass (stops early when all correct).
    lr: a positive int, the weight of a retraining update (the centroid pass adds each sample once).
    sparsity: the fraction of each class vector's trits made 0 when the model is quantised.
    seed: the seed of the default encoder.
    levels: the levels of encoder="levels" (values between two levels map to the nearer).
    """

    def __init__(self, dim: int = 10_000, encoder: Any = None, epochs: int = 20, lr: int = 1, sparsity: float = 0.33,
                 seed: "int | None" = 0, levels: int = 16) -> None:
        self.dim = dim
        self.encoder = encoder
        self.epochs = epochs
        self.lr = lr
        self.sparsity = sparsity
        self.seed = seed
        self.levels = levels

    # -- scikit-learn's estimator protocol -------------------------------------------------------

    @classmethod
    def _param_names(cls):
        return [p for p in inspect.signature(cls.__init__).parameters if p != "self"]

    def get_params(self, deep: bool = True) -> "dict[str, Any]":
        """The constructor's arguments as given ({name: value}); with deep, an encoder's own
        parameters too, as encoder__name."""
        params = {name: getattr(self, name) for name in self._param_names()}
        if deep and hasattr(self.encoder, "get_params"):
            params.update({f"encoder__{k}": v for k, v in self.encoder.get_params().items()})
        return params

    def set_params(self, **params: Any) -> "Classifier":
        """Set constructor arguments (encoder__name sets the encoder's); returns self."""
        valid = self._param_names()
        for name, value in params.items():
            head, _, rest = name.partition("__")
            if head not in valid:
                raise ValueError(f"Invalid parameter {head!r} for estimator {self!r}. Valid parameters are: {valid}.")
            if rest:
                self.encoder.set_params(**{rest: value})
            else:
                setattr(self, name, value)
        return self

    def __repr__(self):
        defaults = inspect.signature(type(self).__init__).parameters
        changed = [f"{k}={v!r}" for k, v in self.get_params(deep=False).items()
                   if not (isinstance(v, (int, float, str, type(None))) and v == defaults[k].default)]
        return f"Classifier({', '.join(changed)})"

    _estimator_type = "classifier"   # scikit-learn before 1.6

    def __sklearn_tags__(self):
        from sklearn.utils import ClassifierTags, InputTags, Tags, TargetTags   # only scikit-learn asks
        return Tags(estimator_type="classifier", target_tags=TargetTags(required=True),
                    classifier_tags=ClassifierTags(), input_tags=InputTags(allow_nan=False),
                    non_deterministic=self.seed is None)

    def __sklearn_is_fitted__(self):
        return hasattr(self, "classes_")

    # -- training ----------------------------------------------------------------------------------

    def fit(self, X: ArrayLike, y: ArrayLike) -> "Classifier":
        """Train from scratch: the centroid pass, then up to `epochs` retraining passes."""
        self._check_params()
        self._forget()
        rows, labels = self._start(X, y, None)
        dots = np.ascontiguousarray(self._dots(rows))
        ran = learn_ops.retrain(_engine(), rows, labels, self.accumulators_, self._model_rows, self._norms, dots,
                                self.epochs, self.lr, int(self.sparsity * self.dim_))
        if ran is not None:   # every pass in C, as the loop below
            self.n_iter_, overflow = ran
            self.memory_ = memory_of_rows(self._model_rows.copy(), self.dim_, list(self.classes_))
            if overflow:
                raise OverflowError(_OVERFLOW)
            return self
        cols = None   # the samples' trits by position (C only): a pass's few changed trits update the dots
        self.n_iter_ = 0
        for epoch in range(self.epochs):
            before = self._model_rows.copy()
            changed = self._retrain(rows, labels, dots)
            if changed.size == 0:
                break
            self.n_iter_ += 1
            if epoch + 1 < self.epochs and cols is None:
                cols = learn_ops.transpose(_engine(), rows, self.dim_)
            if epoch + 1 < self.epochs and cols is not None:
                learn_ops.update_dots(_engine(), cols, before[changed], self._model_rows[changed], changed, dots)
            elif epoch + 1 < self.epochs:   # only the classes that changed are searched again
                dots[:, changed] = self._dots(rows, changed)
        return self

    def partial_fit(self, X: ArrayLike, y: ArrayLike, classes: "ArrayLike | None" = None) -> "Classifier":
        """Train on one more batch: its centroid pass, then one retraining pass over it. The first
        call fixes the classes: `classes` (every label the stream will have) or those of y."""
        if not hasattr(self, "classes_"):
            self._check_params()
            rows, labels = self._start(X, y, classes)
            self.n_iter_ = 0
        else:
            _check_same_classes(classes, self.classes_)
            X = self._fitted(X)
            _check_lengths(X, y)
            labels = self._labels(y)
            rows = self._centroid_pass(X, labels)
            self._quantise(np.unique(labels))
        self._retrain(rows, labels, self._dots(rows))
        self.n_iter_ += 1
        return self

    def _forget(self):
        for name in ("classes_", "accumulators_", "memory_", "encoder_", "n_features_in_", "dim_", "n_iter_",
                     "_model_rows", "_norms"):
            self.__dict__.pop(name, None)

    def _start(self, X, y, classes):
        """Fix the classes and the encoder, then the centroid pass: (packed rows, label indices).
        If anything is wrong with the input, the classifier is left unfitted."""
        try:
            return self._first_batch(X, y, classes)
        except BaseException:
            self._forget()
            raise

    def _first_batch(self, X, y, classes):
        if self.encoder is None:
            X = check_features(X, name="Classifier")
            self.encoder_ = RandomProjection(X.shape[1], self.dim, seed=self.seed)
        elif _is(self.encoder, "levels"):
            X = check_features(X, name="Classifier", dtype=np.float64)
            low, high = float(X.min()), float(X.max())
            self.encoder_ = LevelEncoder(X.shape[1], self.dim, self.levels, low, high if high > low else low + 1.0,
                                         self.seed)
        else:
            self.encoder_ = self.encoder
        y = _check_labels(y)
        self.classes_ = np.unique(y if classes is None else _check_labels(classes))
        if len(self.classes_) < 2:
            raise ValueError(f"a classifier needs samples of at least 2 classes; y has only one class, "
                             f"{self.classes_.tolist()}")
        if isinstance(X, np.ndarray) and X.ndim == 2 and not _precomputed(self.encoder):
            self.n_features_in_ = X.shape[1]
        _check_lengths(X, y)
        labels = self._labels(y)
        rows = self._centroid_pass(X, labels)
        self._model_rows = np.zeros((len(self.classes_), rows.shape[1]), np.uint64)
        self._quantise(np.arange(len(self.classes_)))
        return rows, labels

    def _centroid_pass(self, X, labels):
        """Encode X a block of samples at a time, adding each block's trits to its classes'
        accumulators: the packed rows of all."""
        if labels.shape[0] == 0:
            raise ValueError("X has 0 samples: a classifier needs at least one")
        parts = []
        for lo in range(0, labels.shape[0], TRAIN_BLOCK):
            rows = self._encode(X[lo:lo + TRAIN_BLOCK])[0]
            if not hasattr(self, "accumulators_"):
                self.accumulators_ = np.zeros((len(self.classes_), self.dim_), np.int32)
            self._add(rows, labels[lo:lo + TRAIN_BLOCK])
            parts.append(rows)
        return parts[0] if len(parts) == 1 else np.concatenate(parts)

    def _retrain(self, rows, labels, dots):
        """One retraining pass, from the samples' dots with the class vectors (N, classes):
        the indices of the classes it changed (none: every sample was right)."""
        predicted = np.argmax(dots / np.sqrt(self._norms), axis=1)
        wrong = np.flatnonzero(predicted != labels)
        if wrong.size == 0:
            return wrong
        self._add(rows[wrong], labels[wrong], self.lr, minus=predicted[wrong])
        changed = np.union1d(labels[wrong], predicted[wrong])
        self._quantise(changed)
        return changed

    def _add(self, rows, labels, weight=1, minus=None):
        """Add the trits of each packed row times `weight` to the accumulator of its label (and
        subtract them from that of its `minus` label, if given): in C (learn_ops), or on numpy a
        loop over the classes present, each a vectorised integer sum."""
        if int(np.abs(self.accumulators_).max()) + rows.shape[0] * abs(int(weight)) >= 1 << 31:   # Python ints
            raise OverflowError(_OVERFLOW)
        if learn_ops.add_rows(_engine(), self.accumulators_, rows, labels, weight, minus):
            return
        trits = unpack_buffer(rows, self.dim_)
        for side, sign in ((labels, 1), (minus, -1)) if minus is not None else ((labels, 1),):
            for k in np.unique(side):
                total = trits[side == k].sum(axis=0, dtype=np.int32)
                self.accumulators_[k] += total if weight * sign == 1 else weight * sign * total

    def _quantise(self, classes):
        """The model of these classes (indices): each accumulator as trits, its `sparsity`
        smallest magnitudes 0 (ties at the cut all 0), packed (in C where there is a kernel);
        memory_ holds every class's."""
        if not hasattr(self, "_norms") or self._norms.dtype != np.int64:   # (float64 in earlier pickles)
            self._norms = np.ones(len(self.classes_), np.int64) if not hasattr(self, "_norms") else \
                self._norms.astype(np.int64)
        cut_rank = int(self.sparsity * self.dim_)
        if not learn_ops.quantise(_engine(), self.accumulators_, classes, cut_rank, self._model_rows, self._norms):
            acc = self.accumulators_[classes]
            cut = _smallest(np.abs(acc), cut_rank)
            positive, negative = acc > cut, acc < -cut
            self._model_rows[classes] = rowwise.pack_bits(positive, negative)
            self._norms[classes] = np.maximum(np.count_nonzero(positive, axis=1) + np.count_nonzero(negative, axis=1),
                                              1)
        self.memory_ = memory_of_rows(self._model_rows.copy(), self.dim_, list(self.classes_))

    def _dots(self, rows, classes=None):
        """The exact dots (N, classes) of packed rows with the class vectors (these classes only):
        counted by VPOPCNTDQ where the CPU has it (learn_ops.class_dots), else by the engine's search."""
        model = self._model_rows if classes is None else self._model_rows[classes]
        dots = learn_ops.class_dots(_engine(), rows, model, self.dim_)
        if dots is not None:
            return dots
        memory = self.memory_ if classes is None else \
            memory_of_rows(self._model_rows[classes], self.dim_, self.classes_[classes].tolist())
        return _engine().similarity_rows(rows, memory, "dot")

    # -- prediction ----------------------------------------------------------------------------------

    def decision_function(self, X: ArrayLike) -> "np.ndarray":
        """The cosine of each sample's hypervector with each class vector, (N, classes); for two
        classes, (N,): the second class's cosine minus the first's (scikit-learn's convention)."""
        scores = self._cosines(self._encode(self._fitted(X))[0], with_query_norms=True)
        return scores[:, 1] - scores[:, 0] if len(self.classes_) == 2 else scores

    def predict(self, X: ArrayLike) -> "np.ndarray":
        """The class of highest cosine for each sample (ties: the first class in classes_)."""
        rows = self._encode(self._fitted(X))[0]
        return self.classes_[np.argmax(self._cosines(rows, with_query_norms=False), axis=1)]

    def score(self, X: ArrayLike, y: ArrayLike, sample_weight: "ArrayLike | None" = None) -> float:
        """Accuracy: the (weighted) fraction of samples predicted right."""
        y = _check_labels(y)
        predicted = self.predict(X)
        if predicted.shape[0] != y.shape[0]:
            raise ValueError(f"X has {predicted.shape[0]} samples but y has {y.shape[0]} labels")
        return float(np.average(predicted == y, weights=sample_weight))

    def _cosines(self, rows, with_query_norms):
        """Exact integer dots by the engine's packed search, made cosines here (identical on both
        backends). Without the query norms the scores rank the classes the same."""
        scores = self._dots(rows) / np.sqrt(self._norms)
        if with_query_norms:
            scores /= np.sqrt(np.maximum(_engine().norms(rows, self.dim_), 1))[:, None]
        return scores

    def _fitted(self, X):
        """X, checked against the features fit saw when there were any (else by the encoder)."""
        if not hasattr(self, "classes_"):
            raise NotFittedError("this Classifier is not fitted yet: call fit(X, y) before predicting")
        if hasattr(self, "n_features_in_") and isinstance(self.encoder_, (RandomProjection, LevelEncoder)):
            return check_features(X, self.n_features_in_, name="Classifier",
                                  dtype=np.float32 if isinstance(self.encoder_, RandomProjection) else np.float64)
        return X

    def _encode(self, X, dense=False):
        """(packed rows (N, 2 * words + 1), int8 trits (N, dim) or None) of a batch, by the
        encoder chosen in fit; the trits only when `dense` (training needs them)."""
        if isinstance(self.encoder_, (RandomProjection, LevelEncoder)) or \
                (isinstance(self.encoder_, RecordEncoder) and isinstance(X, np.ndarray)):
            trits, rows = self.encoder_.encode_both(X, trits=dense)
        else:
            trits = X if _precomputed(self.encoder_) else np.asarray(self.encoder_.encode(X))
            rows, trits = _trit_rows(trits, getattr(self, "dim_", None))
        if rows.shape[0] == 0:
            raise ValueError("X has 0 samples: a classifier needs at least one")
        if hasattr(self, "dim_") and _dim_of(rows) != self.dim_:
            raise ValueError(f"hypervectors of dimension {_dim_of(rows)}, but the classifier was fitted with "
                             f"{self.dim_}")
        self.dim_ = _dim_of(rows)
        return rows, (trits if dense else None)

    def _labels(self, y):
        """Indices of the labels in classes_; ValueError naming labels fit never saw."""
        y = _check_labels(y)
        index = np.searchsorted(self.classes_, y)
        unknown = (index >= len(self.classes_)) | (self.classes_[np.minimum(index, len(self.classes_) - 1)] != y)
        if unknown.any():
            raise ValueError(f"labels {np.unique(y[unknown]).tolist()} are not among the classes "
                             f"{self.classes_.tolist()} (pass every class to the first partial_fit as classes=)")
        return index

    def _check_params(self):
        for name in ("epochs", "lr"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < (name == "lr"):
                raise ValueError(f"{name} must be an int of at least {int(name == 'lr')}, not {value!r}")
        if not 0.0 <= self.sparsity < 1.0:
            raise ValueError(f"sparsity must be within [0, 1), not {self.sparsity!r}")
        spellings = "None, 'levels', 'precomputed' or an object with encode(X)"
        if isinstance(self.encoder, str) and not (_precomputed(self.encoder) or _is(self.encoder, "levels")):
            raise ValueError(f"encoder must be {spellings}, not {self.encoder!r}")
        if self.encoder is not None and not isinstance(self.encoder, str) and not hasattr(self.encoder, "encode"):
            raise TypeError(f"encoder must be {spellings}, not {self.encoder!r}")
        if _is(self.encoder, "levels") and (isinstance(self.levels, bool) or not isinstance(self.levels, (int, np.integer))
                                            or self.levels < 2):
            raise ValueError(f"levels must be an int of at least 2, not {self.levels!r}")


def _is(encoder, spelling):
    return isinstance(encoder, str) and encoder == spelling


def _precomputed(encoder):
    return _is(encoder, "precomputed")


def _smallest(magnitudes, k):
    """The k-th smallest of each row of non-negative ints (n, dim), as a column (n, 1) (0 for
    k = 0): np.partition's answer, by counting (np.bincount) in O(dim + largest value)."""
    if k == 0:
        return np.zeros((magnitudes.shape[0], 1), magnitudes.dtype)
    width = int(magnitudes.max()) + 1
    if width > 4 * magnitudes.shape[1]:   # counting would take more memory than the values: select
        return np.partition(magnitudes, k - 1, axis=1)[:, k - 1:k]
    counts = np.bincount((magnitudes + np.arange(magnitudes.shape[0])[:, None] * width).ravel(),
                         minlength=magnitudes.shape[0] * width).reshape(-1, width)
    return np.argmax(np.cumsum(counts, axis=1) >= k, axis=1)[:, None].astype(magnitudes.dtype)


def memory_of_rows(rows, dim, labels):
    """An ItemMemory of packed buffers (N, 2 * words + 1), through the public constructor."""
    words = (dim + 63) // 64
    return ItemMemory.from_planes(rows[:, :words], rows[:, words:2 * words], dim, labels=labels)


def _dim_of(rows):
    """The dimension of packed rows: their guard word."""
    return int(rows[0, -1]) if rows.shape[0] else 0


def _trit_rows(X, dim):
    """Trits given as an (N, dim) array or a list of vectors → (packed rows, int8 trits)."""
    if isinstance(X, np.ndarray) and X.ndim == 2:
        if X.dtype.kind not in "biuf":
            raise TypeError(f"hypervectors must be an array of trits -1, 0, 1, not of dtype {X.dtype}")
        if X.size and (X.dtype.kind == "f" and not np.isfinite(X).all() or X.min() < -1 or X.max() > 1
                       or (X.dtype.kind == "f" and not np.array_equal(X, np.rint(X)))):
            raise ValueError("hypervectors must hold trits -1, 0 or 1 only (encoder='precomputed')")
        trits = X.astype(np.int8, copy=False)
        return pack_buffer(trits), trits
    if isinstance(X, np.ndarray):
        raise ValueError(f"hypervectors must be 2-D (N, dim), not {X.ndim}-D with shape {X.shape}")
    X = list(X)
    if not X:
        raise ValueError("no samples")
    rows = as_query_rows(X, dim or len(X[0]))
    return rows, unpack_buffer(rows, _dim_of(rows))


def _check_same_classes(classes, fixed):
    """As scikit-learn's partial_fit: classes given again must be those of the first call."""
    if classes is not None and not np.array_equal(np.unique(_check_labels(classes)), fixed):
        raise ValueError(f"classes={np.asarray(classes).tolist()!r} is not the same as on the first call to "
                         f"partial_fit, which fixed {fixed.tolist()!r}: pass those, or none")


def _check_labels(y):
    if y is None:
        raise ValueError("Classifier requires y to be passed, but the target y is None")
    y = np.asarray(y)
    if y.ndim != 1:
        raise ValueError(f"y must be 1-D (one label per sample), not shape {y.shape}; use y.ravel() for a column")
    if y.dtype.kind == "f" and np.isnan(y).any():
        raise ValueError("y contains NaN labels")
    if y.dtype.kind == "f" and not np.array_equal(y, np.rint(y)):
        raise ValueError("Unknown label type: continuous. y holds fractional numbers, a classifier needs class labels")
    if y.dtype == object:
        y = y.astype(str)
    return y


def _check_lengths(X, y):
    n = X.shape[0] if isinstance(X, np.ndarray) and X.ndim else len(X)
    if n != len(y):
        raise ValueError(f"X has {n} samples but y has {len(y)} labels")
