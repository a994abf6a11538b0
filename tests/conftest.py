"""pytest's fixtures for every test file. Plain helpers and facts about the host are in the
support package (tests/support/), which tests import; importing it first here also points
RESIN_JIT_CACHE_DIR at a private directory for the session before resin_jit is imported."""
import warnings

import pytest

from support import CACHE_ENV, NATIVE, TIERS, compiler_for   # first: it sets the session's cache directory

import resin_jit as rj
from resin_jit.runtime import load
from resin_jit.store import entries, libraries


@pytest.fixture(params=TIERS)
def jit(request):
    if not NATIVE:
        pytest.skip("no C compiler on this machine: native path untestable")
    return compiler_for(request.param)


@pytest.fixture
def numpy_jit(monkeypatch):
    """A compiler on the numpy backend, as a machine without a compiler gets (its once-per-process
    warning is tested in test_fallback_and_host.py)."""
    monkeypatch.setenv("RESIN_JIT_DISABLE", "1")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        compiler = rj.JitCompiler()
    assert compiler.backend == "numpy"
    return compiler


@pytest.fixture(params=["native", "numpy"])
def any_jit(request, jit, numpy_jit):
    """Every tier's compiler, and the numpy backend."""
    return jit if request.param == "native" else numpy_jit


@pytest.fixture
def new_process(monkeypatch):
    """Call to forget every loaded kernel, as a new process would."""
    for name in CACHE_ENV:
        monkeypatch.delenv(name, raising=False)
    return lambda: monkeypatch.setattr(libraries, "_memo", {})


@pytest.fixture
def loads(monkeypatch):
    """The sha256 of every file dlopen()ed through the cache."""
    seen = []
    original = load.LoadedLibrary

    def spy(path):
        seen.append(entries.file_sha256(path))
        return original(path)
    monkeypatch.setattr(load, "LoadedLibrary", spy)
    return seen
