"""Issue 22 item 2: the encoders (codebooks, levels, records, n-gram sequences, random projection)
give what the engine's single-vector operations give, batched, and deterministic for a seed."""
import numpy as np
import pytest

from resin_jit.vsa import (Codebook, JitVSAEngine, LevelCodebook, RandomProjection, RecordEncoder, SequenceEncoder,
                           TritVector)
from resin_jit.vsa.vectors import pack_buffer

DIM = 1000


@pytest.fixture(scope="module")
def engine():
    return JitVSAEngine()


def test_a_codebook_is_seeded_bipolar_and_looks_symbols_up():
    book = Codebook(["a", "b", "c"], DIM, seed=4)
    assert np.array_equal(book.vectors, Codebook(["a", "b", "c"], DIM, seed=4).vectors)
    assert not np.array_equal(book.vectors, Codebook(["a", "b", "c"], DIM, seed=5).vectors)
    assert set(np.unique(book.vectors)) == {-1, 1} and book.vectors.shape == (3, DIM)
    assert book["b"] == TritVector(book.vectors[1])
    assert np.array_equal(book.encode(["c", "a", "c"]), book.vectors[[2, 0, 2]])
    numbered = Codebook(5, DIM, seed=1)
    assert np.array_equal(numbered.encode(np.array([[4, 0]])), numbered.vectors[[[4, 0]]])
    sparse = Codebook(10, DIM, seed=0, sparsity=0.5).vectors
    assert 0.4 < np.mean(sparse == 0) < 0.6
    with pytest.raises(KeyError, match="'z' is not a symbol"):
        book.encode(["a", "z"])
    with pytest.raises(ValueError, match="distinct"):
        Codebook(["a", "a"], DIM)
    with pytest.raises(ValueError, match="sparsity"):
        Codebook(3, DIM, sparsity=1.0)


def test_a_codebook_memory_cleans_a_noisy_vector_up(engine):
    book = Codebook(["red", "green", "blue"], DIM, seed=2)
    noisy = book.vectors[1].copy()
    noisy[:300] = -noisy[:300]
    assert engine.cleanup(TritVector(noisy), book.memory()) == "green"


def test_levels_flip_fresh_slices_so_neighbours_are_close_and_the_ends_orthogonal():
    levels = LevelCodebook(11, DIM, low=-1.0, high=1.0, seed=3)
    v = levels.vectors.astype(np.int64)
    dots = v @ v[0]
    assert dots.tolist() == [DIM - 2 * (i * DIM // 20) for i in range(11)]   # 1000, 900, ... 0
    assert v[-1] @ v[0] == 0
    assert all(v[i] @ v[i + 1] == DIM - 2 * (DIM // 20) for i in range(10))   # each step flips 50 new trits
    assert levels.index(np.array([-1.0, -5.0, 0.0, 0.09, 0.11, 1.0, 7.0])).tolist() == [0, 0, 5, 5, 6, 10, 10]
    assert np.array_equal(levels.encode([0.0, 1.0]), levels.vectors[[5, 10]])
    with pytest.raises(ValueError, match="NaN"):
        levels.encode([0.5, np.nan])
    with pytest.raises(ValueError, match="levels must be an int of at least 2"):
        LevelCodebook(1, DIM)
    with pytest.raises(ValueError, match="low < high"):
        LevelCodebook(4, DIM, low=1.0, high=1.0)


def test_a_record_is_the_bundle_of_its_bound_pairs(engine):
    keys, values = Codebook(["x", "y", "z"], DIM, seed=1), LevelCodebook(5, DIM, seed=2)
    records = RecordEncoder(keys, values)
    batch = records.encode([{"x": 0.0, "y": 1.0, "z": 0.5}, {"y": 0.25}])
    first = engine.bundle([engine.bind(keys["x"], values[0.0]), engine.bind(keys["y"], values[1.0]),
                           engine.bind(keys["z"], values[0.5])])
    assert np.array_equal(batch[0], first.data) and np.array_equal(batch[1], keys.vectors[1] * values.vectors[1])
    assert records.vector({"x": 0.0, "y": 1.0, "z": 0.5}) == first
    table = np.array([[0.0, 1.0, 0.5], [0.5, 0.5, 0.0]])
    assert np.array_equal(records.encode(table)[0], batch[0])
    colours = Codebook(["red", "blue"], DIM, seed=3)
    by_name = RecordEncoder(keys, colours).encode(np.array([["red", "blue", "red"]]))
    assert np.array_equal(by_name, RecordEncoder(keys, colours).encode([{"x": "red", "y": "blue", "z": "red"}]))
    # unbinding a key gives its value back, near enough for the value memory to name it
    assert engine.cleanup(engine.bind(first, keys["y"]), values.memory()) == 1.0
    with pytest.raises(TypeError, match="sequence of mappings"):
        records.encode({"x": 0.0})
    with pytest.raises(ValueError, match="at least one"):
        records.encode([{}])
    with pytest.raises(ValueError, match=r"shape \(N, 3\)"):
        records.encode(np.zeros((2, 4)))
    with pytest.raises(KeyError, match="'w' is not a symbol"):
        records.encode([{"w": 0.0}])
    with pytest.raises(ValueError, match="dimension"):
        RecordEncoder(keys, LevelCodebook(5, DIM + 1))


def test_a_sequence_is_the_bundle_of_its_permuted_and_bound_ngrams(engine):
    letters = Codebook("abcd", DIM, seed=7)
    sequences = SequenceEncoder(letters, n=3)
    batch = sequences.encode(["abcd", ["a", "b", "c"], "dcba"])

    def gram(s):
        return engine.bind(engine.bind(engine.permute(letters[s[0]], 2), engine.permute(letters[s[1]], 1)),
                           letters[s[2]])
    assert np.array_equal(batch[1], gram("abc").data)
    assert np.array_equal(batch[0], engine.bundle([gram("abc"), gram("bcd")]).data)
    assert not np.array_equal(batch[2], batch[0])                         # order matters
    assert sequences.vector("abcd") == TritVector(batch[0])
    long = "abcdabcdbbca" * 40                                            # more n-grams than one block holds
    expected = np.sign(sum(gram(long[i:i + 3]).data.astype(np.int32) for i in range(len(long) - 2)))
    assert np.array_equal(SequenceEncoder(letters, 3).encode([long, "abc"])[0], expected)
    with pytest.raises(ValueError, match="sequence 1 has 2 symbols, fewer than n = 3"):
        sequences.encode(["abc", "ab"])
    with pytest.raises(TypeError, match="list of sequences"):
        sequences.encode("abcd")


def test_a_random_projection_is_the_sign_of_a_ternary_matmul():
    X = np.random.default_rng(0).standard_normal((700, 20))
    projection = RandomProjection(20, DIM, seed=5)
    assert set(np.unique(projection.matrix)) == {-1.0, 0.0, 1.0} and projection.matrix.shape == (20, DIM)
    trits = projection.encode(X)
    assert trits.dtype == np.int8 and np.array_equal(trits, np.sign(X.astype(np.float32) @ projection.matrix))
    assert np.array_equal(projection.encode_packed(X), pack_buffer(trits))
    assert np.array_equal(RandomProjection(20, DIM, seed=5).encode(X), trits)
    assert np.array_equal(projection.encode(np.zeros((1, 20)))[0], np.zeros(DIM))   # a zero projection: 0 trits
    with pytest.raises(ValueError, match="X has 3 features, but RandomProjection is expecting 20 features as input"):
        projection.encode(X[:, :3])
    with pytest.raises(ValueError, match="NaN or infinity"):
        projection.encode(np.full((2, 20), np.nan))
    with pytest.raises(ValueError, match="2-D"):
        projection.encode(X[0])
    with pytest.raises(TypeError, match="numbers"):
        projection.encode(np.array([["a"] * 20]))


def test_levels_over_a_range_wider_than_the_largest_float():
    """high - low overflows to inf for low=-1e308, high=1e308: the levels are still found (every
    value went to level 0 before)."""
    levels = LevelCodebook(5, 64, low=-1e308, high=1e308, seed=0)
    assert levels.index(np.array([-1e308, -5e307, 0.0, 5e307, 1e308])).tolist() == [0, 1, 2, 3, 4]
    assert levels.symbols == [-1e308, -5e307, 0.0, 5e307, 1e308]   # not nan, inf, inf, inf, 1e308
    assert LevelCodebook(5, 64, low=0.0, high=5e-324).index(5e-324) == 4   # the subnormal end too
