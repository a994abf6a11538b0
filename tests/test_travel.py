"""Issue 13: kernels that travel. With the dispatcher built but no C compiler, kernels load
natively from prebuilt layers and the cache; one that is nowhere runs on numpy, said once with
the way out; a layer warmed for every tier serves every CPU of the architecture."""
import json
import os
import subprocess
import sys
import warnings

import numpy as np
import pytest

import resin_jit as rj
from resin_jit.store import libraries
from resin_jit import audio, warm
from resin_jit.toolchain import host, platforms
from resin_jit.toolchain import isa
from resin_jit.store import keys

from support import needs_native, no_compiler_env

pytestmark = needs_native
X = np.arange(37, dtype=np.float32)
CI_LAYER = os.environ.get("RESIN_JIT_PREBUILT")   # .ci/run warms one before the tests


def without_compiler(monkeypatch):
    """From here on, this process is one on a machine with no C compiler (and nothing loaded yet)."""
    monkeypatch.setattr(host, "find_compiler_command", lambda cc=None: None)
    monkeypatch.setattr(libraries, "_memo", {})


@pytest.fixture(autouse=True)
def no_layers(monkeypatch):
    monkeypatch.delenv("RESIN_JIT_PREBUILT", raising=False)


def test_without_a_compiler_the_backend_is_native_and_the_cache_still_serves(tmp_path, monkeypatch):
    monkeypatch.setattr(libraries, "_memo", {})
    rj.JitCompiler(rj.JitConfig(cache_dir=tmp_path)).compile_affine_simd(0.5, 1.0)   # into the cache
    without_compiler(monkeypatch)
    jit = rj.JitCompiler(rj.JitConfig(cache_dir=tmp_path))
    assert jit.backend == "native" and jit.libraries.toolchain is None
    kernel = jit.compile_affine_simd(0.5, 1.0)
    assert kernel.backend == "native" and jit.stats["disk_hits"] == 1 and jit.stats["compiles"] == 0
    np.testing.assert_array_equal(kernel(X), np.float32(0.5) * X + np.float32(1.0))


def test_a_kernel_that_is_nowhere_runs_on_numpy_with_one_warning_naming_it(tmp_path, monkeypatch):
    without_compiler(monkeypatch)
    jit = rj.JitCompiler(rj.JitConfig(cache_dir=tmp_path))
    x = rj.input("x")
    graph = rj.clip(x * 3.0 + 0.5, -1.0, 1.0)
    with pytest.warns(RuntimeWarning) as caught:
        kernel = jit.compile(graph)
    (warning,) = [w for w in caught if "runs on numpy" in str(w.message)]
    text = str(warning.message)
    assert kernel.backend == "numpy" and kernel.key[:12] in text and "inputs x" in text
    assert "Install a C compiler" in text and "resin-jit warm" in text and "RESIN_JIT_PREBUILT" in text
    np.testing.assert_array_equal(kernel(X), np.clip(X * np.float32(3) + np.float32(0.5), -1, 1))
    with warnings.catch_warnings():
        warnings.simplefilter("error")   # the same graph again: no second warning
        assert jit.compile(rj.clip(x * 3.0 + 0.5, -1.0, 1.0)).backend == "numpy"
    assert jit.stats["compiles"] == 0


def test_a_layer_serves_a_process_without_a_compiler(tmp_path, monkeypatch):
    manifest = [{"kind": "affine_simd", "a": 2.5, "b": 1.0},
                {"kind": "audio", "node": "Biquad.lowpass", "args": [700.0]}]
    report = warm.warm(manifest, tmp_path / "layer", jobs=1, progress=False)   # where there is a compiler
    assert report.ok() and report.count("built") == 2
    without_compiler(monkeypatch)
    monkeypatch.setenv("RESIN_JIT_PREBUILT", str(tmp_path / "layer"))
    jit = rj.JitCompiler(rj.JitConfig(cache=False))
    simd = jit.compile_affine_simd(2.5, 1.0)
    synth = jit.compile(audio.Biquad.lowpass(700.0)(rj.input("x")))
    assert simd.backend == synth.backend == "native" and jit.stats["prebuilt_hits"] == 2
    assert jit.stats["compiles"] == 0
    np.testing.assert_array_equal(simd(X), np.float32(2.5) * X + np.float32(1.0))


def test_warm_all_builds_every_tier_of_the_architecture(tmp_path):
    """One layer for every CPU of the architecture: each tier's kernel under its own key, built
    without loading (so tiers this host cannot run are built too)."""
    entry = {"kind": "affine_simd", "a": 4.0, "b": 1.0}
    tiers = warm.tiers_for("all")
    assert set(tiers) == {t.name for t in isa.tiers_of(host.architecture()) if t.name != "scalar"}
    report = warm.warm([entry], tmp_path / "layer", jobs=2, progress=False, isa="all")
    assert report.ok(), report.results
    assert {tier for _, _, tier, _, _ in report.results} == set(tiers)
    from resin_jit.compiler import _affine_graph, _exact_pair, graph_request
    ident, _ = graph_request(_affine_graph(*_exact_pair(4.0, 1.0)), "float32")
    for tier in tiers:
        arch = isa.TIERS[tier].arch or host.architecture()
        key = keys.kernel_key(ident, tier, 2, False, platforms.host().with_arch(arch))
        meta = json.loads((tmp_path / "layer" / "kernels" / key[:2] / f"{key}.json").read_text())
        assert meta["isa"] == tier and meta["key"] == key
    again = warm.warm([entry], tmp_path / "layer", jobs=1, progress=False, isa="all")
    assert again.count("cached") == len(tiers)


@pytest.fixture(scope="module")
def builtin_layer(tmp_path_factory):
    """A layer of the built-in manifest: CI's own, or one warmed here."""
    if CI_LAYER:
        return CI_LAYER
    layer = str(tmp_path_factory.mktemp("builtin") / "layer")
    assert warm.warm(warm.builtin_manifest(), layer, progress=False).ok()
    return layer


def run_without_compiler(args, layer, tmp_path):
    """A new process as a user with the wheel and no compiler (support.no_compiler_env: PATH
    without cc/gcc/clang, CC unset, no ziglang), any RuntimeWarning (a numpy fallback) an error."""
    env = no_compiler_env(tmp_path, RESIN_JIT_PREBUILT=layer, RESIN_JIT_CACHE_DIR=str(tmp_path / "user"))
    proc = subprocess.run([sys.executable, "-W", "error::RuntimeWarning", *args], capture_output=True, text=True,
                          env=env, timeout=300)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return proc.stdout


def test_a_process_with_no_compiler_on_its_path_loads_the_builtin_manifest_natively(builtin_layer, tmp_path):
    """Every kernel of the built-in manifest loads from the layer, natively: no compile, no numpy."""
    code = ("import json, warnings\n"
            "warnings.simplefilter('error')\n"
            "from resin_jit import warm\n"
            "jits = warm.load_here(warm.builtin_manifest())\n"
            "print(json.dumps({'backend': [j.backend for j in jits], 'toolchain': [j.libraries.toolchain for j in jits],"
            " 'stats': {k: sum(j.stats[k] for j in jits) for k in warm.STAT_NAMES}}))\n")
    result = json.loads(run_without_compiler(["-c", code], builtin_layer, tmp_path).splitlines()[-1])
    assert set(result["backend"]) == {"native"} and set(result["toolchain"]) == {None}
    kernels = warm.kernel_count(warm.builtin_manifest())
    assert result["stats"]["compiles"] == 0 and result["stats"]["prebuilt_hits"] == kernels


def test_the_demo_runs_natively_with_no_compiler_from_the_builtin_layer(builtin_layer, tmp_path):
    """What a wheel user without a compiler sees first: every kernel of `resin-jit demo` is in the
    built-in manifest, so nothing falls back to numpy (a warning would fail the process)."""
    out = run_without_compiler(["-m", "resin_jit", "demo", "--output", str(tmp_path / "demo.wav")], builtin_layer,
                               tmp_path)
    assert "compiler: none" in out and "backend native" in out
    assert "'compiles': 0" in out and "'prebuilt_hits': 0" not in out
    assert (tmp_path / "demo.wav").stat().st_size > 44100 * 4


def test_the_vsa_engine_without_a_compiler_uses_what_it_finds_and_numpy_for_the_rest(tmp_path, monkeypatch):
    from resin_jit.vsa import ItemMemory, JitVSAEngine, TritVector
    manifest = [{"kind": "vsa", "op": "dot", "dim": 96}]
    assert warm.warm(manifest, tmp_path / "layer", jobs=1, progress=False).ok()
    without_compiler(monkeypatch)
    monkeypatch.setenv("RESIN_JIT_PREBUILT", str(tmp_path / "layer"))
    engine = JitVSAEngine(rj.JitCompiler(rj.JitConfig(cache=False)))
    a, b, c = (TritVector.random(96, seed=s) for s in range(3))
    assert engine.dot(a, b) == int(np.dot(a.data.astype(int), b.data.astype(int)))
    assert engine.jit.stats["prebuilt_hits"] == 1 and ("dot", "dense", 96, None) in engine._kernels
    with pytest.warns(RuntimeWarning, match="VSA bundle kernel for dimension 96 .* runs on numpy"):
        bundled = engine.bundle([a, b, c])
    np.testing.assert_array_equal(bundled.data, np.sign(a.data.astype(int) + b.data + c.data))
    memory = ItemMemory([a, b, c])
    with pytest.warns(RuntimeWarning, match="runs on numpy"):
        assert engine.cleanup(a, memory) == 0
    assert engine.jit.stats["compiles"] == 0
