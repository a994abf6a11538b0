"""Issue 19, item 2: a compiler from PyPI. With no system C compiler, resin_jit finds the zig of the
ziglang package (pip install 'resin_jit[compiler]') without importing it, runs its binary directly,
keeps zig's caches in the cache directory's zig/ folder (or the process's private directory), and
`resin-jit doctor` and `resin-jit cache clear` know them. A fake ziglang package (a script that
runs gcc) tests the finding and the caches where the real one is not installed; the real one
builds a new graph natively in a process whose PATH has no compiler at all."""
import importlib
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from resin_jit.store import fs, libraries, zig_cache
from resin_jit.toolchain import build, compilers, host

from support import NATIVE, run_cli, zig_binary

GCC = shutil.which("gcc")


# zig's flags that gcc does not take (compilers.ZIG): dropped by the fake zig, which runs gcc
FAKE_ZIG = """#!/bin/sh
echo "$ZIG_GLOBAL_CACHE_DIR|$ZIG_LOCAL_CACHE_DIR" >> {record}
if [ "$1" = version ]; then echo 0.0.0-fake; exit 0; fi
shift
skip=0
for word do
    shift
    if [ $skip = 1 ]; then skip=0; continue; fi
    case "$word" in -target) skip=1; continue;; -mcpu=*|-Werror=incompatible-library-redeclaration) continue;; esac
    set -- "$@" "$word"
done
PATH={path} exec {gcc} "$@"   # gcc runs as and ld from its PATH
"""


def fake_ziglang(folder, executable=True):
    """A package called ziglang in `folder` whose zig records the caches it was given (in
    caches.txt beside it) and runs gcc; importing the package fails."""
    package = folder / "ziglang"
    package.mkdir(parents=True)
    (package / "__init__.py").write_text("raise ImportError('the ziglang package was imported')\n")
    zig = package / "zig"
    zig.write_text(FAKE_ZIG.format(record=package / "caches.txt", gcc=GCC, path=os.path.dirname(GCC) + ":/usr/bin:/bin"))
    zig.chmod(0o755 if executable else 0o644)
    return zig


@pytest.fixture
def no_system_compiler(tmp_path, monkeypatch):
    """PATH with no cc, gcc or clang, CC unset, and a fake ziglang package first on sys.path."""
    if GCC is None:
        pytest.skip("gcc is not installed: the fake zig runs it")
    empty = tmp_path / "empty-bin"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))
    monkeypatch.delenv("CC", raising=False)
    monkeypatch.syspath_prepend(str(tmp_path / "site"))
    importlib.invalidate_caches()
    return tmp_path / "site"


def test_zig_of_the_ziglang_package_is_the_last_candidate_and_is_not_imported(no_system_compiler):
    zig = fake_ziglang(no_system_compiler)
    importlib.invalidate_caches()
    assert host.find_compiler_command() == (str(zig), "cc")
    assert "ziglang" not in sys.modules      # found by its import spec: its __init__ raises
    assert host.find_compiler_command("gcc") is None    # a compiler given is the only one tried
    toolchain = build.find_toolchain()
    assert (toolchain.family, toolchain.command) == ("zig", (str(zig), "cc"))
    assert compilers.is_ziglang_binary(str(zig)) and not compilers.is_ziglang_binary(GCC)


def test_a_zig_that_is_not_executable_is_no_compiler(no_system_compiler):
    fake_ziglang(no_system_compiler, executable=False)
    importlib.invalidate_caches()
    assert compilers.ziglang_binary() is None


def test_zig_s_caches_are_in_the_cache_directory_and_its_version_runs_leave_none(no_system_compiler, tmp_path):
    import resin_jit as rj
    zig = fake_ziglang(no_system_compiler)
    importlib.invalidate_caches()
    cache = tmp_path / "cache"
    x = rj.input("x")
    jit = rj.JitCompiler(rj.JitConfig(cache_dir=cache, isa="scalar"))
    # the process memo is keyed by what a kernel computes: another test in this process may have
    # opened this very kernel (test_dtypes compiles x * 3 - 1), which must not stand in for a build
    saved, libraries._memo = libraries._memo, {}
    try:
        kernel = jit.compile(x * 3.0 - 1.0)
    finally:
        libraries._memo = saved
    assert jit.stats["compiles"] == 1 and kernel.backend == "native"
    assert kernel(np.array([1.0, 2.0], np.float32)).tolist() == [2.0, 5.0]   # (a list is float64: a second kernel)
    runs = [line.split("|") for line in (zig.parent / "caches.txt").read_text().split()]
    versions, builds = runs[:2], runs[2:]   # `zig cc --version`, `zig version`, then the builds
    assert builds and all(run == [str(cache / "zig")] * 2 for run in builds)
    assert all(global_ == local and not os.path.exists(global_) for global_, local in versions)  # thrown away
    assert (cache / "zig").stat().st_mode & 0o777 == 0o700
    (meta,) = (cache / "kernels").rglob("*.json")
    assert json.loads(meta.read_text())["compiler_family"] == "zig"


def test_zig_s_caches_go_to_the_process_directory_without_a_cache_directory_we_trust(tmp_path):
    private = zig_cache.folder(None)
    assert private == Path(fs.process_dir()) / "zig" and private.is_dir()
    root = tmp_path / "cache"
    root.mkdir(mode=0o700)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir(mode=0o700)
    (root / "zig").symlink_to(elsewhere)
    assert zig_cache.folder(root) == private            # a link: not followed, not written through
    (root / "zig").unlink()
    (root / "zig").mkdir(mode=0o777)
    os.chmod(root / "zig", 0o777)
    assert zig_cache.folder(root) == private            # others could write there
    os.chmod(root / "zig", 0o700)
    assert zig_cache.folder(root) == root / "zig"


def test_cache_clear_removes_zig_s_caches_and_refuses_a_linked_folder(tmp_path):
    root = tmp_path / "cache"
    assert fs.claim_cache_dir(root) is None
    made = zig_cache.folder(root)
    (made / "o" / "deep").mkdir(parents=True)
    (made / "o" / "deep" / "libc.a").write_bytes(b"!<arch>\n")
    proc = run_cli("cache", "clear", "--cache-dir", str(root))
    assert proc.returncode == 0, proc.stderr
    assert not (root / "zig").exists()
    theirs = tmp_path / "theirs"
    theirs.mkdir()
    (theirs / "keep.txt").write_text("not resin_jit's")
    (root / "zig").symlink_to(theirs)
    proc = run_cli("cache", "clear", "--cache-dir", str(root))
    assert proc.returncode == 0, proc.stderr
    assert (root / "zig").is_symlink() and (theirs / "keep.txt").read_text() == "not resin_jit's"
    assert "not clearing zig's cache" in proc.stderr


def test_doctor_says_when_there_is_no_compiler_at_all(no_system_compiler, tmp_path):
    fake_ziglang(no_system_compiler, executable=False)   # shadows a real ziglang: no zig either
    env = {"PYTHONPATH": os.pathsep.join([str(no_system_compiler), os.environ.get("PYTHONPATH", "")]),
           "RESIN_JIT_CACHE_DIR": str(tmp_path / "cache")}
    proc = run_cli("doctor", **env)
    assert proc.returncode == 0, proc.stderr
    line = next(line for line in proc.stdout.splitlines() if line.startswith("C compiler"))
    assert "none (no working C compiler found" in line and "pip install 'resin_jit[compiler]'" in line
    assert "prebuilt layers" in line and "numpy" in line


# -- the real ziglang package, in a process that has no other compiler -------------------------------

REAL_ZIG = pytest.mark.skipif(zig_binary() is None, reason="the ziglang package is not installed "
                              "(pip install 'resin_jit[compiler]')")

NEW_GRAPH = """
import numpy as np, resin_jit as rj
x = rj.input("x")
jit = rj.JitCompiler()
kernel = jit.compile(rj.where(x > 0.25, x * x - 0.5, abs(x) * 3.0 + 0.125))
xs = np.linspace(-2, 2, 1003, dtype=np.float32)
want = np.where(xs > 0.25, xs * xs - np.float32(0.5), np.abs(xs) * np.float32(3) + np.float32(0.125))
np.testing.assert_array_equal(kernel(xs), want)
t = jit.libraries.toolchain
print(kernel.backend, jit.stats["compiles"], t.family, t.path)
"""


@REAL_ZIG
@pytest.mark.skipif(not NATIVE, reason="the _dispatch extension is not built")
def test_with_no_system_compiler_a_new_graph_builds_natively_with_ziglang_s_zig(tmp_path):
    empty, home, cache = tmp_path / "empty-bin", tmp_path / "home", tmp_path / "cache"
    empty.mkdir()
    home.mkdir()
    env = {k: v for k, v in os.environ.items() if k not in ("CC", "XDG_CACHE_HOME", "ZIG_GLOBAL_CACHE_DIR")}
    env.update(PATH=str(empty), HOME=str(home), RESIN_JIT_CACHE_DIR=str(cache))
    proc = subprocess.run([sys.executable, "-c", NEW_GRAPH], capture_output=True, text=True, env=env, timeout=600)
    assert proc.returncode == 0, proc.stderr
    backend, compiles, family, path = proc.stdout.split()
    assert (backend, compiles, family) == ("native", "1", "zig")
    assert os.path.realpath(path) == os.path.realpath(zig_binary())
    assert any((cache / "zig").iterdir()) and not (home / ".cache" / "zig").exists()
    doctor = subprocess.run([sys.executable, "-m", "resin_jit", "doctor"], capture_output=True, text=True,
                            env=env, timeout=600)
    assert doctor.returncode == 0, doctor.stderr
    line = next(line for line in doctor.stdout.splitlines() if line.startswith("C compiler"))
    assert "(zig), from the ziglang package" in line and f"its caches in {cache / 'zig'}" in line
