"""Issue 2: host detection, and the numpy backend when there is no compiler."""
import os
import subprocess
import sys
import textwrap
import warnings

import numpy as np
import pytest

import resin_jit as rj
import resin_jit.compiler as compiler_module
from resin_jit.toolchain import host


def test_host_info_describes_the_machine():
    info = rj.host_info()
    assert info["architecture"] == host.architecture()
    assert info["isa_tiers"][0] == "scalar"
    assert info["best_isa"] == info["isa_tiers"][-1]
    if info["architecture"] == "x86_64":
        flags = host._cpu_flags()
        assert ("avx2" in info["isa_tiers"]) == ({"avx2", "fma", "popcnt"} <= flags)
        assert "sse2" in info["isa_tiers"]
    assert info["compiler"] is None or os.path.isabs(info["compiler"])


def test_auto_picks_the_best_tier_and_lower_tiers_can_be_forced(monkeypatch):
    monkeypatch.delenv("RESIN_JIT_ISA", raising=False)
    assert rj.JitCompiler().isa == host.best_tier()
    for tier in host.available_tiers():
        assert rj.JitCompiler(rj.JitConfig(isa=tier)).isa == tier


def test_cc_env_and_argument_choose_the_compiler(monkeypatch, tmp_path):
    wrapper = tmp_path / "my-cc"
    wrapper.write_text("#!/bin/sh\nexec gcc \"$@\"\n")
    wrapper.chmod(0o755)
    monkeypatch.setenv("CC", str(wrapper))
    assert host.find_compiler() == str(wrapper)
    assert host.find_compiler("/nonexistent/cc") is None  # an explicit compiler is the only one tried
    monkeypatch.setenv("CC", "definitely-not-a-compiler")
    assert host.find_compiler() not in (None, "definitely-not-a-compiler")


def test_disabled_backend_warns_once_and_computes(monkeypatch):
    monkeypatch.setenv("RESIN_JIT_DISABLE", "1")
    monkeypatch.setattr(compiler_module, "_fallback_warned", False)
    with pytest.warns(RuntimeWarning, match="numpy backend"):
        jit = rj.JitCompiler()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        again = rj.JitCompiler()  # once per process, not per compiler
    assert jit.backend == again.backend == "numpy"
    out = np.empty(4, np.float32)
    k = jit.compile_affine_simd(0.5, 1.0)
    k.process([0, 1, 2, 3], out)
    assert out.tolist() == [1.0, 1.5, 2.0, 2.5] and k.backend == "numpy"
    assert jit.compile_affine(0.5, 1.0).call_f32(2.0) == 2.0
    with pytest.raises(ValueError, match="shape"):
        k.process([1, 2], out)


def test_no_working_compiler_runs_what_it_cannot_build_on_numpy(tmp_path):
    """The dispatcher is there, so the backend is native (layers and the cache still serve); a
    kernel that is in neither runs on numpy, with a warning that says so."""
    script = textwrap.dedent("""
        import warnings, numpy as np, resin_jit as rj
        with warnings.catch_warnings(record=True) as w:
            warnings.simplefilter("always")
            jit = rj.JitCompiler(rj.JitConfig(cc="/nonexistent/cc-xyz"))
            out = np.empty(3, np.float32)
            kernel = jit.compile_affine_simd(2.0, 0.0)
            kernel.process([1, 2, 3], out)
        print(jit.backend, kernel.backend, out.tolist(), any("runs on numpy" in str(x.message) for x in w))
    """)
    env = {k: v for k, v in os.environ.items() if k != "CC"}
    env["PATH"] = str(tmp_path)  # no cc, gcc or clang to be found
    # an empty cache and no layers: the kernel must be nowhere (another test may have built it)
    env.update(RESIN_JIT_CACHE_DIR=str(tmp_path / "cache"), RESIN_JIT_PREBUILT="")
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, env=env, check=True)
    assert proc.stdout.split() == ["native", "numpy", "[2.0,", "4.0,", "6.0]", "True"]
