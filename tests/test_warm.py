"""Issue 5: `resin-jit warm` fills a prebuilt layer, and processes then load the manifest's
kernels from it instead of compiling them.

In CI (.ci/run) the layer is warmed before the test session and RESIN_JIT_PREBUILT names it:
then these tests check that very layer. Run anywhere else, they warm one of their own first.
"""
import json
import os
import re
import subprocess
import sys

import pytest

import resin_jit as rj
import resin_jit.config as config_module
from resin_jit.store import libraries
from resin_jit import warm
from resin_jit.toolchain import host

from support import needs_native

pytestmark = needs_native

CHECK = """
import json, sys
from resin_jit import warm
manifest = json.loads(sys.argv[1]) if len(sys.argv) > 1 else warm.builtin_manifest()
jits = warm.load_here(manifest)
print(json.dumps({"stats": {k: sum(j.stats[k] for j in jits) for k in warm.STAT_NAMES}}))
"""
AFFINE = [{"kind": "affine_simd", "a": float(a), "b": 0.25} for a in range(3, 9)]


def run(*args, env=None):
    env = {**os.environ, **(env or {})}
    return subprocess.run([sys.executable, *args], capture_output=True, text=True, env=env, timeout=600)


def cli(*args, env=None):
    return run("-m", "resin_jit", *args, env=env)


def compile_in_new_process(user_cache, env, manifest=None):
    proc = run("-c", CHECK, *([json.dumps(manifest)] if manifest else []),
               env={**env, "RESIN_JIT_CACHE_DIR": str(user_cache)})
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout.splitlines()[-1])


@pytest.fixture(scope="module")
def prebuilt_env(tmp_path_factory):
    """The environment that names the prebuilt layer: CI's own, or one warmed here."""
    if os.environ.get("RESIN_JIT_PREBUILT"):
        return {"RESIN_JIT_PREBUILT": os.environ["RESIN_JIT_PREBUILT"]}
    layer = tmp_path_factory.mktemp("warm") / "prebuilt"
    proc = cli("warm", "--cache-dir", str(layer), "--quiet")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return {"RESIN_JIT_PREBUILT": str(layer)}


def test_every_builtin_manifest_kernel_is_loaded_not_compiled(prebuilt_env, tmp_path):
    result = compile_in_new_process(tmp_path / "user", prebuilt_env)
    assert result["stats"]["compiles"] == 0 and result["stats"]["disk_hits"] == 0
    assert result["stats"]["prebuilt_hits"] == warm.kernel_count(warm.builtin_manifest())
    assert not list((tmp_path / "user").rglob("*.so"))


def test_warm_runs_in_parallel_with_a_progress_bar(tmp_path):
    manifest = tmp_path / "manifest.json"
    manifest.write_text(json.dumps(AFFINE))
    proc = cli("warm", "--manifest", str(manifest), "--cache-dir", str(tmp_path / "layer"), "--jobs", "2",
               env={"RESIN_JIT_PREBUILT": ""})
    assert proc.returncode == 0, proc.stderr
    assert f"[{'#' * 30}] 6/6" in proc.stderr and "1/6" in proc.stderr
    assert "6 built, 0 cached, 0 failed" in proc.stdout
    assert len(list((tmp_path / "layer" / "kernels").rglob("*.so"))) == 6
    assert not (tmp_path / "layer" / "locks").exists()   # a layer ships its entries, not lock files
    again = cli("warm", "--manifest", str(manifest), "--cache-dir", str(tmp_path / "layer"), "-q")
    assert "0 built, 6 cached" in again.stdout


def test_warm_builds_into_its_directory_even_when_another_layer_has_the_kernels(tmp_path):
    manifest = tmp_path / "manifest.json"
    manifest.write_text(json.dumps(AFFINE[:2]))
    assert cli("warm", "--manifest", str(manifest), "--cache-dir", str(tmp_path / "a"), "-q").returncode == 0
    proc = cli("warm", "--manifest", str(manifest), "--cache-dir", str(tmp_path / "b"), "-q",
               env={"RESIN_JIT_PREBUILT": str(tmp_path / "a")})
    assert "2 built" in proc.stdout, proc.stdout + proc.stderr
    assert len(list((tmp_path / "b" / "kernels").rglob("*.so"))) == 2


def test_prebuilt_layer_is_searched_before_the_user_cache(tmp_path):
    layer, user = tmp_path / "layer", tmp_path / "user"
    result = compile_in_new_process(user, {"RESIN_JIT_PREBUILT": ""}, AFFINE[:1])
    assert result["stats"]["compiles"] == 1
    manifest = tmp_path / "m.json"
    manifest.write_text(json.dumps(AFFINE[:1]))
    assert cli("warm", "--manifest", str(manifest), "--cache-dir", str(layer), "-q").returncode == 0
    result = compile_in_new_process(user, {"RESIN_JIT_PREBUILT": str(layer)}, AFFINE[:1])
    assert result["stats"]["prebuilt_hits"] == 1 and result["stats"]["disk_hits"] == 0


def test_prebuilt_directory_inside_the_package_is_a_layer(tmp_path, monkeypatch):
    manifest = tmp_path / "m.json"
    manifest.write_text(json.dumps(AFFINE[1:2]))
    package = tmp_path / "package"
    assert cli("warm", "--manifest", str(manifest), "--cache-dir", str(package / "prebuilt"), "-q").returncode == 0
    monkeypatch.delenv("RESIN_JIT_PREBUILT", raising=False)
    monkeypatch.setattr(config_module, "PACKAGE_DIR", package)
    assert rj.JitConfig.resolved_layers() == [str(package / "prebuilt")]
    monkeypatch.setattr(libraries, "_memo", {})
    jit = rj.JitCompiler(rj.JitConfig(cache_dir=tmp_path / "user"))
    jit.compile_affine_simd(AFFINE[1]["a"], AFFINE[1]["b"])
    assert jit.stats["prebuilt_hits"] == 1 and jit.stats["compiles"] == 0


def test_layers_are_configuration(tmp_path, monkeypatch):
    """prebuilt=False (what warm uses) builds into the cache what a layer holds."""
    manifest = tmp_path / "m.json"
    manifest.write_text(json.dumps(AFFINE[3:4]))
    assert cli("warm", "--manifest", str(manifest), "--cache-dir", str(tmp_path / "layer"), "-q").returncode == 0
    monkeypatch.setenv("RESIN_JIT_PREBUILT", str(tmp_path / "layer"))
    monkeypatch.setattr(libraries, "_memo", {})
    jit = rj.JitCompiler(rj.JitConfig(cache_dir=tmp_path / "user", prebuilt=False))
    jit.compile_affine_simd(AFFINE[3]["a"], AFFINE[3]["b"])
    assert jit.stats["prebuilt_hits"] == 0 and jit.stats["compiles"] == 1


@pytest.mark.parametrize("spoil", ["world-writable layer", "damaged entry"])
def test_a_layer_that_cannot_be_trusted_is_not_used(tmp_path, spoil):
    manifest = tmp_path / "m.json"
    manifest.write_text(json.dumps(AFFINE[2:3]))
    layer = tmp_path / "layer"
    assert cli("warm", "--manifest", str(manifest), "--cache-dir", str(layer), "-q").returncode == 0
    if spoil == "world-writable layer":
        os.chmod(layer, 0o777)
    else:
        (lib,) = layer.rglob("*.so")
        lib.write_bytes(lib.read_bytes()[:-1])
    proc = run("-c", CHECK, json.dumps(AFFINE[2:3]),
               env={"RESIN_JIT_PREBUILT": str(layer), "RESIN_JIT_CACHE_DIR": str(tmp_path / "user")})
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout.splitlines()[-1])["stats"]["compiles"] == 1
    assert ("writable by group or others" if spoil == "world-writable layer" else "is damaged") in proc.stderr


def test_manifest_validation():
    assert warm.validate(AFFINE) == AFFINE
    kinds = {e["kind"] for e in warm.builtin_manifest()}
    assert kinds == {"vsa", "audio", "demo"}
    dims = {e["dim"] for e in warm.builtin_manifest() if e["kind"] == "vsa"}
    assert dims == {1024, 4096, 10000}
    assert warm.validate(warm.builtin_manifest())


BAD_ENTRIES = [
    ({"kind": "affine_simd"}, "a JSON list"),
    ([{"kind": "nope"}], "'kind' must be one of"),
    ([{"kind": ["affine_simd"]}], "'kind' must be one of"),
    (["affine_simd"], "an entry is an object"),
    ([{"kind": "affine_simd", "a": 1.0}], "needs field(s) 'b'"),
    ([{"kind": "affine_simd", "a": 1.0, "b": 2.0, "c": 3.0}], "unknown field(s) 'c'"),
    ([{"kind": "affine_simd", "a": "1", "b": 2.0}], "'a' must be a number, not str"),
    ([{"kind": "affine_simd", "a": True, "b": 2.0}], "'a' must be a number, not bool"),
    ([{"kind": "affine_scalar", "a": 1.0, "b": float("nan")}], "'b' must be finite"),
    ([{"kind": "vsa", "op": "dot", "dim": 0}], "'dim' must be an int from 1"),
    ([{"kind": "vsa", "op": "dot", "dim": 2 ** 40}], "'dim' must be an int from 1"),
    ([{"kind": "vsa", "op": "dot", "dim": 64.0}], "'dim' must be an int"),
    ([{"kind": "vsa", "op": "__class__", "dim": 64}], "'op' must be one of"),
    ([{"kind": "vsa", "op": "bundle", "dim": 64, "count": 1}], "'count' must be an int from 2"),
    ([{"kind": "vsa", "op": "dot", "dim": 64, "packed": "yes"}], "'packed' must be true or false"),
    ([{"kind": "audio", "node": "np.f2py.os.system", "args": ["id > pwned"]}], "'node' must be one of"),
    ([{"kind": "audio", "node": "_Stateful"}], "'node' must be one of"),
    ([{"kind": "audio", "node": "Gain", "args": "0.5"}], "'args' must be a list"),
    ([{"kind": "audio", "node": "Gain", "args": [{"x": 1}]}], "'args' [0] must be a number"),
    ([{"kind": "audio", "node": "Gain", "args": [0.5, 0.2, 0.1]}], "audio node 'Gain': too many"),
    ([{"kind": "audio", "node": "Gain", "kwargs": [0.5]}], "'kwargs' must be an object"),
    ([{"kind": "audio", "node": "Gain", "args": [0.5], "kwargs": {"volume": 0.5}}], "unexpected keyword"),
    ([{"kind": "demo", "isa": "avx1024"}], "'isa' must be one of"),
    ([{"kind": "demo", "opt_level": 7}], "'opt_level' must be an int from 0 to 3"),
]


@pytest.mark.parametrize("manifest, message", BAD_ENTRIES, ids=[m for _, m in BAD_ENTRIES])
def test_every_manifest_field_is_checked(manifest, message):
    with pytest.raises(warm.ManifestError, match=re.escape(message)):
        warm.validate(manifest)


def test_a_hostile_manifest_is_a_usage_error_that_runs_nothing(tmp_path):
    """The node of an audio entry used to be found by walking attributes from resin_jit.audio, so
    "np.f2py.os.system" ran a shell command."""
    manifest = tmp_path / "manifest.json"
    manifest.write_text(json.dumps([{"kind": "audio", "node": "np.f2py.os.system",
                                      "args": [f"touch {tmp_path / 'pwned'}"]}]))
    proc = cli("warm", "--manifest", str(manifest), "--cache-dir", str(tmp_path / "layer"))
    assert proc.returncode == 2
    assert "'node' must be one of" in proc.stderr and "Biquad.lowpass" in proc.stderr
    assert not (tmp_path / "pwned").exists() and not (tmp_path / "layer").exists()


def test_audio_kind_builds_the_named_node(tmp_path):
    # a name of its own: the settings are parameters, so any other lowpass is the same kernel
    tier = host.best_tier()
    status, detail = warm.build_entry({"kind": "audio", "node": "Biquad.lowpass", "args": [500.0],
                                       "kwargs": {"name": "warm_test"}}, tier, str(tmp_path))
    assert status == "built", detail
    for bad in ({"kind": "audio", "node": "os.system", "args": ["id"]}, {"kind": "audio", "node": "_Stateful"}):
        status, detail = warm.build_entry(bad, tier, str(tmp_path))
        assert status == "failed" and "'node' must be one of" in detail


def test_every_audio_node_is_in_the_table():
    from resin_jit import audio
    classes = {obj for obj in vars(audio).values()
               if isinstance(obj, type) and issubclass(obj, rj.Node) and obj.__module__.startswith(audio.__name__)
               and not obj.__name__.startswith("_")}
    assert classes <= set(audio.NODES.values())


def test_every_node_of_the_table_warms(tmp_path):
    """A node without settings (Affine: its arity, no `inputs`) as well as those with them."""
    from resin_jit import audio
    tier = host.best_tier()
    for name in ("Affine", "Gain"):
        args = [0.5, 1.0] if name == "Affine" else [0.5]
        assert name in audio.NODES
        status, detail = warm.build_entry({"kind": "audio", "node": name, "args": args}, tier, str(tmp_path))
        assert status in ("built", "cached"), detail
