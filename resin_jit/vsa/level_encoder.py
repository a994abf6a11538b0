"""LevelEncoder: real features (N, features) as records of levels (ID-level encoding, as torchhd's
classifiers encode tabular data): each feature has a seeded random key vector, each value the
vector of its level in a LevelCodebook, and a sample is the bundle (sign of the sum, ties 0) of
bind(key_f, level(x_f)) over its features. Encoded by RecordEncoder (in C where there is a kernel:
csrc/vsa_record.h, straight to the packed rows the Classifier searches)."""
import numpy as np

from .encoders import Codebook, LevelCodebook, RecordEncoder, check_features

_PARAMS = ("features", "dim", "levels", "low", "high", "seed")
_MADE = {}   # parameters with an int seed → their RecordEncoder: a fit that makes the same encoder again reuses it
_MADE_MOST = 8


class LevelEncoder:
    """Real features (N, features) → (N, dim) trits: key vectors (a Codebook of the features) bound
    to the levels of the values (a LevelCodebook of `levels` over [low, high]; values outside map
    to the end levels), bundled. `seed` seeds both codebooks. get_params/set_params as
    scikit-learn's (the Classifier's encoder__levels=... reaches them).

    >>> enc = LevelEncoder(3, dim=64, levels=5, low=0, high=1, seed=0)
    >>> enc.encode([[0.0, 0.5, 1.0], [1.0, 1.0, 1.0]]).shape
    (2, 64)
    """

    def __init__(self, features: int, dim: int = 10_000, levels: int = 16, low: float = 0.0, high: float = 1.0,
                 seed: "int | None" = None) -> None:
        self.features, self.dim, self.levels, self.low, self.high, self.seed = features, dim, levels, low, high, seed

    def get_params(self, deep: bool = True) -> dict:
        """The constructor's arguments ({name: value})."""
        return {name: getattr(self, name) for name in _PARAMS}

    def set_params(self, **params) -> "LevelEncoder":
        """Set constructor arguments; returns self (the codebooks are made again on next use)."""
        for name, value in params.items():
            if name not in _PARAMS:
                raise ValueError(f"Invalid parameter {name!r} for LevelEncoder. Valid parameters are: {list(_PARAMS)}.")
            setattr(self, name, value)
        return self

    def __getstate__(self):
        """Pickles as its parameters (the codebooks are made again from an int seed), and with its
        codebooks when they came from no seed (they could not be made again)."""
        state = self.get_params()
        if not _seeded(self.seed):
            self.record   # made now if not yet: the copy must encode as this one will
            state["_made"] = self._made
        return state

    def __setstate__(self, state):
        self.__dict__.update(state)

    def __repr__(self):
        return "LevelEncoder(" + ", ".join(f"{k}={v!r}" for k, v in self.get_params().items()) + ")"

    @property
    def record(self) -> RecordEncoder:
        """The RecordEncoder of the current parameters (made on first use, again after a change)."""
        key = tuple((type(v), v) for v in self.get_params().values())
        if getattr(self, "_made", (None,))[0] != key:
            self._made = (key, _MADE.get(key) or self._make(key))
        return self._made[1]

    def _make(self, key):
        if isinstance(self.features, bool) or not isinstance(self.features, (int, np.integer)) or self.features < 1:
            raise ValueError(f"features must be a positive int, not {self.features!r}")
        keys_seed, values_seed = np.random.SeedSequence(self.seed).spawn(2)
        keys = Codebook(int(self.features), self.dim, seed=np.random.default_rng(keys_seed))
        values = LevelCodebook(self.levels, self.dim, self.low, self.high, seed=np.random.default_rng(values_seed))
        made = RecordEncoder(keys, values)
        if _seeded(self.seed):   # deterministic: kept
            if len(_MADE) >= _MADE_MOST:
                _MADE.pop(next(iter(_MADE)))
            _MADE[key] = made
        return made

    def encode(self, X) -> np.ndarray:
        """(N, dim) int8 trits."""
        return self.encode_both(X, rows=False)[0]

    def encode_packed(self, X) -> np.ndarray:
        """The packed rows (N, 2 * words + 1) uint64 (ItemMemory's layout), made without int8 rows."""
        return self.encode_both(X, trits=False)[1]

    def encode_both(self, X, trits=True, rows=True):
        """(int8 trits, packed rows) of X, either None when not asked for."""
        record = self.record
        return record.encode_both(check_features(X, record.keys.vectors.shape[0], "LevelEncoder", np.float64),
                                  trits, rows)


def _seeded(seed):
    return isinstance(seed, (int, np.integer)) and not isinstance(seed, bool)
