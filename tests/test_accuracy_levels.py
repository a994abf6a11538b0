"""The accuracy level of the vector math as a setting (issue 20): JitConfig(ulp=0.5 | 1.0 | 4.0),
compile(..., ulp=) for one kernel, RESIN_JIT_ULP where the config sets none (resolved_ulp()). What
each level computes is held by the accuracy tests (test_vmath_c.py, test_vmath_reference.py);
here: the setting's checks and precedence, and that the level travels with a kernel (its key
and cache entry, its source, a pickle) and changes nothing on the numpy backend."""
import math
import pickle
import re

import numpy as np
import pytest

import resin_jit as rj
from resin_jit.config import ULP_LEVELS

from support import needs_native

X = np.linspace(-3, 3, 1001, dtype=np.float32)
LEVEL_DEFINES = {0.5: "RJ_VM_LEVEL_HALF", 1.0: "RJ_VM_LEVEL_ONE", 4.0: "RJ_VM_LEVEL_FOUR"}


def graph():
    x = rj.input("x")
    return rj.sin(x) * rj.exp(x * 0.25) + rj.log1p(abs(x))


def reference(x):
    x64 = x.astype(np.float64)
    return np.sin(x64) * np.exp(x64 * 0.25) + np.log1p(np.abs(x64))


# -- the setting ---------------------------------------------------------------------------------

@pytest.mark.parametrize("ulp", [0.5, 1, 1.0, 4, 4.0])
def test_the_levels_are_accepted(ulp):
    assert rj.JitConfig(ulp=ulp).resolved_ulp() == float(ulp)


@pytest.mark.parametrize("ulp, error, message", [
    (2.0, ValueError, "ulp must be one of 0.5, 1.0, 4.0 (the accuracy levels of the vector math), not 2.0"),
    (0.25, ValueError, "ulp must be one of 0.5, 1.0, 4.0"),
    (math.nan, ValueError, "not nan"),
    (math.inf, ValueError, "not inf"),
    ("1", TypeError, "ulp must be a number (one of 0.5, 1.0, 4.0), not str"),
    (True, TypeError, "ulp must be a number (one of 0.5, 1.0, 4.0), not bool"),
    (4j, TypeError, "not complex"),
])
def test_other_values_name_the_problem(ulp, error, message):
    with pytest.raises(error, match=re.escape(message)):
        rj.JitConfig(ulp=ulp)
    with pytest.raises(error, match=re.escape(message)):
        rj.JitCompiler(rj.JitConfig(isa="scalar")).compile(rj.sin(rj.input("x")), ulp=ulp)


def test_the_default_is_one_ulp(monkeypatch):
    monkeypatch.delenv("RESIN_JIT_ULP", raising=False)
    assert rj.JitConfig().ulp is None and rj.JitConfig().resolved_ulp() == 1.0


@pytest.mark.parametrize("value, level", [("0.5", 0.5), ("1", 1.0), (" 4.0 ", 4.0), ("", 1.0)])
def test_the_environment_sets_the_level_where_the_config_does_not(monkeypatch, value, level):
    monkeypatch.setenv("RESIN_JIT_ULP", value)
    assert rj.JitConfig().resolved_ulp() == level
    assert rj.JitConfig(ulp=0.5).resolved_ulp() == 0.5          # the config wins


@pytest.mark.parametrize("value", ["2", "one", "nan", "0x1p2"])
def test_a_bad_environment_value_names_the_variable(monkeypatch, value):
    monkeypatch.setenv("RESIN_JIT_ULP", value)
    with pytest.raises(ValueError, match=f"RESIN_JIT_ULP must be one of 0.5, 1.0, 4.0, not '{value}'"):
        rj.JitConfig().resolved_ulp()


# -- the level travels with the kernel ----------------------------------------------------------

def test_the_source_defines_the_level(monkeypatch):
    monkeypatch.delenv("RESIN_JIT_ULP", raising=False)
    jit = rj.JitCompiler(rj.JitConfig(isa="scalar", ulp=4.0))
    assert "#define RJ_VM_LEVEL RJ_VM_LEVEL_FOUR\n" in jit.source_of(graph())
    for ulp, define in LEVEL_DEFINES.items():
        assert f"#define RJ_VM_LEVEL {define}\n" in jit.source_of(graph(), ulp=ulp)
    monkeypatch.setenv("RESIN_JIT_ULP", "0.5")
    assert "#define RJ_VM_LEVEL RJ_VM_LEVEL_HALF\n" in rj.JitCompiler(rj.JitConfig(isa="scalar")).source_of(graph())


@needs_native
def test_compile_ulp_overrides_the_config_and_the_source_shows_it(tmp_path):
    jit = rj.JitCompiler(rj.JitConfig(ulp=4.0, cache_dir=tmp_path))
    for ulp in (None, *ULP_LEVELS):
        kernel = jit.compile(graph(), ulp=ulp)
        level = 4.0 if ulp is None else ulp
        assert kernel.plan.ulp == level
        assert f"#define RJ_VM_LEVEL {LEVEL_DEFINES[level]}\n" in kernel.source
        assert [d for d in LEVEL_DEFINES.values() if f"#define RJ_VM_LEVEL {d}\n" in kernel.source] == [LEVEL_DEFINES[level]]


@needs_native
def test_each_level_is_its_own_kernel_and_cache_entry(tmp_path, new_process):
    """Two levels: two compiles and two cache entries; the same level again: a memory hit, and in a
    new process a disk hit (the level is part of the kernel's key)."""
    jit = rj.JitCompiler(rj.JitConfig(isa="scalar", cache_dir=tmp_path))
    half, four = jit.compile(graph(), ulp=0.5), jit.compile(graph(), ulp=4.0)
    assert half is not four and jit.stats["compiles"] == 2
    assert len(list((tmp_path / "kernels").rglob("*.json"))) == 2      # each entry's ready marker
    assert jit.compile(graph(), ulp=0.5) is half and jit.compile(graph(), ulp=4) is four
    assert jit.stats["compiles"] == 2 and jit.stats["memory_hits"] == 2
    default = jit.compile(graph())          # the config's level, 1.0: a third kernel
    assert jit.stats["compiles"] == 3 and jit.compile(graph(), ulp=1.0) is default
    new_process()
    again = rj.JitCompiler(rj.JitConfig(isa="scalar", cache_dir=tmp_path))
    kernel = again.compile(graph(), ulp=4.0)
    assert again.stats["compiles"] == 0 and again.stats["disk_hits"] == 1 and kernel.plan.ulp == 4.0
    np.testing.assert_array_equal(kernel(X), four(X))


@needs_native
@pytest.mark.parametrize("how", ["config", "compile", "environment"])
def test_a_pickled_kernel_keeps_its_level(tmp_path, monkeypatch, how):
    """However the level was set: one set by RESIN_JIT_ULP comes back where the variable is unset."""
    if how == "environment":
        monkeypatch.setenv("RESIN_JIT_ULP", "0.5")
    jit = rj.JitCompiler(rj.JitConfig(cache_dir=tmp_path, **({"ulp": 0.5} if how == "config" else {})))
    kernel = jit.compile(graph(), **({"ulp": 0.5} if how == "compile" else {}))
    data = pickle.dumps(kernel)
    monkeypatch.delenv("RESIN_JIT_ULP", raising=False)
    copy = pickle.loads(data)
    assert copy.plan.ulp == 0.5 and "#define RJ_VM_LEVEL RJ_VM_LEVEL_HALF\n" in copy.source
    np.testing.assert_array_equal(copy(X), kernel(X))


@needs_native
@pytest.mark.parametrize("ulp", ULP_LEVELS)
def test_every_level_computes_the_graph(jit, ulp):
    """Within the loosest level's class of numpy's float64 result (the accuracy per function is
    the accuracy tests')."""
    got = jit.compile(graph(), ulp=ulp)(X)
    np.testing.assert_allclose(got, reference(X), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("ulp", ULP_LEVELS)
def test_the_numpy_backend_takes_every_level(numpy_jit, ulp):
    """It computes with numpy's functions: the level changes nothing there."""
    kernel = numpy_jit.compile(graph(), ulp=ulp)
    assert kernel.backend == "numpy" and kernel.plan.ulp == ulp
    expected = np.sin(X) * np.exp(X * np.float32(0.25)) + np.log1p(np.abs(X))
    np.testing.assert_array_equal(kernel(X), expected)
    assert f"#define RJ_VM_LEVEL {LEVEL_DEFINES[ulp]}\n" in kernel.source
