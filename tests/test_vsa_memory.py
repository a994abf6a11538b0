"""Issue 11: ItemMemory is plain data (rows, dim, labels, norms) and the engine searches it:
engine.similarity / top_k / cleanup, on both backends; the VSA modules import at their tops,
and nothing the engine uses imports the engine."""
import ast
from pathlib import Path

import numpy as np
import pytest

import resin_jit as rj
from resin_jit.vsa import ItemMemory, JitVSAEngine, PackedTritVector, TritVector
from resin_jit.vsa.search import best_first
from resin_jit.vsa.vectors import popcount_rows

from support import NATIVE, needs_native

PACKAGE = Path(rj.__file__).parent


@pytest.fixture(params=["numpy", "native"])
def engine(request):
    if request.param == "native" and not NATIVE:
        pytest.skip("no C compiler on this machine: native path untestable")
    return JitVSAEngine(request.getfixturevalue("numpy_jit") if request.param == "numpy" else rj.JitCompiler())


def test_engine_top_k_and_cleanup(engine):
    rows = np.stack([TritVector.random(512, seed=s).data for s in range(30)])
    memory = ItemMemory(rows, labels=[f"item{s}" for s in range(30)])
    noisy = rows[12].copy()
    noisy[:40] = 0
    indices, scores = engine.top_k(TritVector(noisy), memory, 3)
    assert indices[0] == 12 and scores[0] > 0.9 and scores[0] >= scores[1] >= scores[2]
    assert engine.cleanup(TritVector(noisy), memory, threshold=0.5) == "item12"
    assert engine.cleanup(TritVector(noisy).pack(), memory, threshold=0.5) == "item12"
    assert engine.cleanup(TritVector(noisy), rows, threshold=0.5) == 12   # anything ItemMemory takes
    with pytest.raises(KeyError, match="threshold"):
        engine.cleanup(TritVector.random(512, seed=1234), memory, threshold=0.5)
    h_idx, h_scores = engine.top_k(TritVector(rows[5]), memory, 2, metric="hamming")
    assert h_idx[0] == 5 and h_scores[0] == 0 and h_scores[1] > 0
    assert engine.cleanup(TritVector(rows[5]), memory, threshold=10, metric="hamming") == "item5"
    all_idx, all_scores = engine.top_k(TritVector(rows[3]), memory, 100, metric="dot")
    assert len(all_idx) == 30 and all_idx[0] == 3 and np.all(np.diff(all_scores) <= 0)
    with pytest.raises(ValueError, match="dimension"):
        engine.top_k(TritVector.random(511, seed=1), memory, 1)
    with pytest.raises(ValueError, match="metric"):
        engine.top_k(TritVector(rows[0]), memory, 1, metric="euclid")
    with pytest.raises(ValueError, match="metric"):
        engine.cleanup(TritVector(rows[0]), memory, metric="euclid")
    for k in (0, -1, 1.5, True, "3"):
        with pytest.raises(ValueError, match="k must be"):
            engine.top_k(TritVector(rows[0]), memory, k)


def test_item_memory_is_plain_data():
    vectors = [TritVector.random(200, seed=s, sparsity=0.1 * s) for s in range(6)]
    memory = ItemMemory(vectors)
    assert memory.dim == 200 and memory.labels == list(range(6)) and len(memory) == 6 and memory.norms is None
    assert memory.rows.shape == (6, 2 * 4 + 1) and memory.rows.dtype == np.uint64
    assert np.array_equal(memory.rows, np.stack([v.pack()._buf for v in vectors]))
    with pytest.raises(ValueError, match="read-only"):
        memory.rows[0, 0] = 1
    assert not hasattr(memory, "top_k") and not hasattr(memory, "cleanup")   # searches are the engine's


@needs_native
def test_the_first_cosine_search_keeps_the_norms_in_the_memory():
    engine = JitVSAEngine(rj.JitCompiler())
    vectors = [TritVector.random(200, seed=s, sparsity=0.1 * s) for s in range(6)]
    memory = ItemMemory(vectors)
    engine.similarity(vectors[0], memory, "dot")
    assert memory.norms is None
    engine.similarity(vectors[0], memory, "cosine")
    counted = memory.norms
    assert counted.tolist() == [int(np.count_nonzero(v.data)) for v in vectors]
    engine.similarity(vectors[1], memory, "cosine")
    assert memory.norms is counted


def test_item_memory_from_planes():
    dense = np.stack([TritVector.random(130, seed=s).data for s in range(4)])
    packed = [PackedTritVector.from_dense(row) for row in dense]
    pos, neg = np.stack([p.pos for p in packed]), np.stack([p.neg for p in packed])
    memory = ItemMemory.from_planes(pos, neg, 130, labels="abcd")
    assert np.array_equal(memory.dense(), dense) and memory.labels == list("abcd")
    assert np.array_equal(memory.rows, ItemMemory(dense).rows) and memory.rows.ctypes.data % 64 == 0
    assert memory.vector(2) == TritVector(dense[2]) and popcount_rows(memory.pos).shape == (4,)
    with pytest.raises(ValueError, match="both"):
        ItemMemory.from_planes(pos, pos, 130)
    high = pos.copy()
    high[1, -1] |= np.uint64(1 << 40)
    with pytest.raises(ValueError, match="past the last"):
        ItemMemory.from_planes(high, neg, 130)
    for bad_pos, bad_neg in ((pos[0], neg[0]), (pos[:, :2], neg[:, :2]), (pos, neg[:3])):
        with pytest.raises(ValueError, match="words per plane"):
            ItemMemory.from_planes(bad_pos, bad_neg, 130)
    with pytest.raises(ValueError, match="uint64 words"):
        ItemMemory.from_planes(pos.astype(np.float64), neg, 130)
    with pytest.raises(ValueError, match="at least one"):
        ItemMemory.from_planes(pos[:0], neg[:0], 130)
    with pytest.raises(ValueError, match="labels"):
        ItemMemory.from_planes(pos, neg, 130, labels="ab")
    for dim in (0, -5, 2.0, True):
        with pytest.raises(ValueError, match="dim"):
            ItemMemory.from_planes(pos, neg, dim)


def test_top_k_ties_go_to_the_lower_index():
    keys = np.array([3.0, 1.0, 2.0, 1.0, 1.0, 0.0, 2.0])
    for k in range(1, 9):
        assert best_first(keys, k).tolist() == np.argsort(keys, kind="stable")[:k].tolist()
    big = np.random.default_rng(0).integers(0, 5, 10000).astype(np.float64)
    assert best_first(big, 50).tolist() == np.argsort(big, kind="stable")[:50].tolist()


def function_level_imports(path):
    """The modules imported inside functions of one source file."""
    found = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            for inner in ast.walk(node):
                if isinstance(inner, ast.Import):
                    found += [alias.name for alias in inner.names]
                elif isinstance(inner, ast.ImportFrom):
                    found.append("." * inner.level + (inner.module or ""))
    return found


def test_vsa_modules_import_at_top_and_only_the_engine_knows_the_engine():
    """No import hides in a function (where a cycle would be dodged); only the optional dask
    package is imported late, by resin_jit.dask, and scikit-learn by the Classifier's
    __sklearn_tags__ (which only scikit-learn calls). The Classifier uses the engine, as dask.py does,
    and shared.py holds the one engine the Classifier and the encoders' C paths share."""
    modules = sorted((PACKAGE / "vsa").glob("*.py")) + [PACKAGE / "dask.py"]
    late = {path.name: function_level_imports(path) for path in modules}
    assert {name: found for name, found in late.items() if any(not m.startswith(("dask", "sklearn")) for m in found)} == {}
    for path in modules:
        if path.name not in ("engine.py", "__init__.py", "dask.py", "classifier.py", "shared.py"):
            tree = ast.parse(path.read_text())
            imported = {node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}
            assert "engine" not in imported and ".engine" not in imported, path.name
