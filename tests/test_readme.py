"""The README's usage example runs as written."""
import re
from pathlib import Path

import numpy as np
import pytest

README = Path(__file__).resolve().parent.parent / "README.md"


def test_usage_examples_run():
    blocks = re.findall(r"```python\n(.*?)```", README.read_text(), re.S)
    assert len(blocks) >= 2, "the README has the graph and the VSA examples"
    namespace = {}
    exec(compile(blocks[0], "README.md", "exec"), namespace)  # noqa: S102 - our own README
    assert namespace["a"].shape == (1000,)
    assert namespace["jit"].backend in ("native", "numpy")
    vsa = {}
    exec(compile(blocks[1], "README.md", "exec"), vsa)  # noqa: S102
    assert vsa["engine"].stats["total_ops"] >= 8


def test_the_dask_example_runs_as_written():
    pytest.importorskip("dask.array", reason="dask is in the test extra: pip install -e '.[test]'")
    block = next(b for b in re.findall(r"```python\n(.*?)```", README.read_text(), re.S) if "rj_dask" in b)
    namespace = {}
    exec(compile(block, "README.md", "exec"), namespace)  # noqa: S102 - our own README
    assert namespace["y"].shape == (4_000_000,) and namespace["z"].shape == (16, 48_000)
    assert namespace["indices"].shape == (2, 5) and namespace["indices"][0][0] == 5
    np.testing.assert_allclose(namespace["y"], np.tanh(namespace["samples"] * np.float32(2)), rtol=0, atol=1e-6)


def test_readme_opens_with_the_two_setup_commands():
    text = README.read_text()
    first_block = re.search(r"```sh\n(.*?)```", text, re.S).group(1)
    commands = [line.split("#")[0].strip() for line in first_block.splitlines() if line.strip()]
    assert commands == ["pip install -e . && resin-jit demo", "pip install -e '.[test]' && pytest"]
