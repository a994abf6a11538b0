"""Issue 2: the disk cache, its key, its switches, and a second process that loads from it."""
import json
import os
import subprocess
import sys
import textwrap


import resin_jit as rj
from resin_jit.store.disk import default_cache_dir

from support import needs_native

pytestmark = needs_native

PROBE = textwrap.dedent("""
    import json, sys
    import numpy as np
    import resin_jit as rj
    jit = rj.JitCompiler(rj.JitConfig(cache_dir=sys.argv[1]))
    out = np.empty(4, np.float32)
    jit.compile_affine_simd(0.5, 1.0).process([0, 1, 2, 3], out)
    print(json.dumps({"stats": jit.stats, "out": out.tolist()}))
""")


def run_probe(cache_dir, **env):
    proc = subprocess.run([sys.executable, "-c", PROBE, str(cache_dir)], capture_output=True, text=True,
                          env={**os.environ, "RESIN_JIT_PREBUILT": "", **env}, check=True)
    return json.loads(proc.stdout.strip().splitlines()[-1])


def test_second_process_loads_from_disk_without_compiling(tmp_path):
    first = run_probe(tmp_path)
    second = run_probe(tmp_path)
    assert first["stats"]["compiles"] == 1 and first["stats"]["disk_hits"] == 0
    assert second["stats"]["compiles"] == 0 and second["stats"]["disk_hits"] == 1
    assert second["out"] == [1.0, 1.5, 2.0, 2.5]


def test_env_cache_dir_and_switching_the_cache_off(tmp_path):
    run_probe(tmp_path / "unused", RESIN_JIT_CACHE_DIR=str(tmp_path / "env"))
    assert not list((tmp_path / "env").rglob("*.so"))  # an explicit cache_dir wins over the env var
    off = run_probe(tmp_path / "off", RESIN_JIT_CACHE="0")
    assert off["stats"]["compiles"] == 1
    assert not (tmp_path / "off").exists()


def test_memo_hit_in_process(tmp_path):
    jit = rj.JitCompiler(rj.JitConfig(cache_dir=tmp_path))
    jit.compile_affine_simd(1.25, 2.5)
    before = dict(jit.stats)
    jit.compile_affine_simd(1.25, 2.5)
    assert jit.stats["memory_hits"] == before["memory_hits"] + 1
    assert jit.stats["compiles"] == before["compiles"]


def test_each_artifact_has_its_own_name_and_metadata(tmp_path):
    jit = rj.JitCompiler(rj.JitConfig(cache_dir=tmp_path))
    jit.compile_affine_simd(7.0, 1.0)
    jit.compile_affine_simd(7.0, 2.0)
    libs = sorted((tmp_path / "kernels").rglob("*.so"))
    assert len(libs) == 2 and libs[0].name != libs[1].name
    for lib in libs:
        meta = json.loads(lib.with_suffix(".json").read_text())
        assert meta["size"] == lib.stat().st_size and len(meta["sha256"]) == 64
    assert not list((tmp_path / "staging").iterdir())  # builds leave nothing behind
    assert (os.stat(tmp_path).st_mode & 0o077) == 0


def test_key_depends_on_isa_and_opt_level(tmp_path):
    from resin_jit.toolchain.host import available_tiers
    tiers = [t for t in available_tiers() if t != "neon"]
    keys = set()
    for tier in tiers[:2]:
        for opt in (1, 2):
            jit = rj.JitCompiler(rj.JitConfig(isa=tier, opt_level=opt, cache_dir=tmp_path))
            keys.add(jit.libraries.key(("block", "float32", ("same graph",))))
    assert len(keys) == min(2, len(tiers)) * 2


def test_damaged_library_is_detected_and_rebuilt(tmp_path):
    run_probe(tmp_path)
    lib = next((tmp_path / "kernels").rglob("*.so"))
    lib.write_bytes(b"\x7fELF garbage")
    result = run_probe(tmp_path)
    assert result["stats"]["compiles"] == 1 and result["out"] == [1.0, 1.5, 2.0, 2.5]
    assert run_probe(tmp_path)["stats"]["disk_hits"] == 1


def test_default_cache_dir_is_the_user_cache():
    path = default_cache_dir()
    assert path.name == "resin_jit"
    if sys.platform.startswith("linux"):
        assert str(path).startswith(os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache"))
