"""The README's usage example runs as written."""
import math
import re
import warnings
from pathlib import Path

import numpy as np
import pytest

from support import NATIVE

README = Path(__file__).resolve().parent.parent / "README.md"


def run_block(marker, backend, monkeypatch):
    """The namespace the README's Python block containing `marker` leaves, run as written on the
    native backend or on numpy's (RESIN_JIT_DISABLE=1, a machine without a C compiler)."""
    if backend == "numpy":
        monkeypatch.setenv("RESIN_JIT_DISABLE", "1")
    block = next(b for b in re.findall(r"```python\n(.*?)```", README.read_text(), re.S) if marker in b)
    namespace = {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)   # the numpy backend says so once
        exec(compile(block, "README.md", "exec"), namespace)  # noqa: S102 - our own README
    return namespace


@pytest.mark.parametrize("backend", ["native", "numpy"])
def test_usage_examples_run(backend, monkeypatch):
    """Issue 21 item 6: every block as written, natively and on the numpy backend (a machine
    without a C compiler): externs run there through their reference or the C library itself."""
    if backend == "numpy":
        monkeypatch.setenv("RESIN_JIT_DISABLE", "1")
    elif not NATIVE:
        pytest.fail("the native backend is not available: the README's blocks are untested natively")
    blocks = re.findall(r"```python\n(.*?)```", README.read_text(), re.S)
    assert len(blocks) >= 2, "the README has the graph and the VSA examples"
    namespace = {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)   # the numpy backend says so once
        exec(compile(blocks[0], "README.md", "exec"), namespace)  # noqa: S102 - our own README
    assert namespace["a"].shape == (1000,)
    assert namespace["jit"].backend == backend
    xs = namespace["xs"]
    np.testing.assert_allclose(namespace["meter"](xs), xs.astype(np.float64) ** 3 + np.vectorize(math.erf)(xs)
                               + np.maximum.accumulate(np.abs(xs)), rtol=1e-6, atol=1e-6)
    vsa = {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        exec(compile(blocks[1], "README.md", "exec"), vsa)  # noqa: S102
    assert vsa["engine"].stats["total_ops"] >= 8


@pytest.mark.parametrize("backend", ["native", "numpy"])
def test_the_encoders_and_classifier_example_runs_as_written(backend, monkeypatch):
    namespace = run_block("Classifier(", backend, monkeypatch)
    assert namespace["records"].shape == (2, 4096) and namespace["trigrams"].shape == (2, 4096)
    assert namespace["trits"].shape == (300, 4096) and namespace["accuracy"] >= 0.9


@pytest.mark.parametrize("backend", ["native", "numpy"])
def test_the_dask_example_runs_as_written(backend, monkeypatch):
    pytest.importorskip("dask.array", reason="dask is in the test extra: pip install -e '.[test]'")
    namespace = run_block("rj_dask", backend, monkeypatch)
    assert namespace["y"].shape == (4_000_000,) and namespace["z"].shape == (16, 48_000)
    assert namespace["indices"].shape == (2, 5) and namespace["indices"][0][0] == 5
    np.testing.assert_allclose(namespace["y"], np.tanh(namespace["samples"] * np.float32(2)), rtol=0, atol=1e-6)
    top = namespace["top"]
    assert top[0].shape == (2, 5) and np.array_equal(top[0], namespace["indices"])
    np.testing.assert_array_equal(top[1], namespace["scores"])


@pytest.mark.parametrize("backend", ["native", "numpy"])
def test_the_growing_and_mapped_memory_example_runs_as_written(backend, monkeypatch):
    """Issue 22: the block after the VSA one (add, extend, save, load mapped, a batched top_k)."""
    namespace = run_block("ItemMemory.load", backend, monkeypatch)
    indices, mapped = namespace["indices"], namespace["mapped"]
    assert indices.shape == (2, 5) and indices[:, 0].tolist() == [1000, 1002]
    assert [mapped.labels[i] for i in indices[:, 0]] == ["seven", "two"] and len(mapped) == 1003
    assert namespace["engine"].jit.backend == backend


@pytest.mark.parametrize("backend", ["native", "numpy"])
def test_the_batches_example_runs_as_written(backend, monkeypatch):
    """Issue 22 item 1: the batch block (its own asserts compare with numpy's A * key, np.roll)."""
    namespace = run_block("PackedBatch(A)", backend, monkeypatch)
    assert namespace["bound"].shape == (200, 10_000) and namespace["groups"].shape == (20, 10_000)
    assert namespace["engine"].jit.backend == backend


def test_readme_opens_with_the_two_setup_commands():
    text = README.read_text()
    first_block = re.search(r"```sh\n(.*?)```", text, re.S).group(1)
    commands = [line.split("#")[0].strip() for line in first_block.splitlines() if line.strip()]
    assert commands == ["pip install -e . && resin-jit demo", "pip install -e '.[test]' && pytest"]
