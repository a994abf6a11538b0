"""Issue 5: the `resin-jit` cache commands, `warm` and `doctor`'s prebuilt layers, each run as
a user would (a subprocess, RESIN_JIT_CACHE_DIR set to a fresh directory); exit codes 0/1/2."""
import json
import os
import re
import subprocess
import sys
import time

import pytest

from support import needs_native, no_compiler_env, run_cli

MANIFEST = [{"kind": "affine_scalar", "a": 0.5, "b": 1.0}, {"kind": "affine_simd", "a": 0.5, "b": 1.0}]


@pytest.fixture
def cache_dir(tmp_path):
    return tmp_path / "cache"


@pytest.fixture
def cli(cache_dir):
    """The command on this test's cache directory and no prebuilt layer (a keyword overrides either)."""
    def run(*args, **env):
        return run_cli(*args, **{"RESIN_JIT_CACHE_DIR": str(cache_dir), "RESIN_JIT_PREBUILT": "", **env})
    return run


def field(output, name):
    return re.search(rf"^{name}\s+(\S+)", output, re.M).group(1)


@pytest.fixture
def warmed(cli, tmp_path, cache_dir):
    manifest = tmp_path / "manifest.json"
    manifest.write_text(json.dumps(MANIFEST))
    proc = cli("warm", "--manifest", str(manifest), "--jobs", "2")
    assert proc.returncode == 0, proc.stderr
    return manifest


def test_cache_path_is_the_configured_directory(cli, cache_dir, tmp_path):
    proc = cli("cache", "path")
    assert proc.returncode == 0 and proc.stdout.strip() == str(cache_dir)
    assert cli("cache", "path", "--cache-dir", str(tmp_path / "x")).stdout.strip() == str(tmp_path / "x")
    assert not cache_dir.exists()  # asking does not create it


def test_info_and_list_of_an_empty_cache(cli):
    info = cli("cache", "info")
    assert info.returncode == 0, info.stderr
    assert field(info.stdout, "entries") == "0" and "not created yet" in info.stdout
    listing = cli("cache", "list")
    assert listing.returncode == 0 and "0 kernels" in listing.stdout


@needs_native
def test_info_list_clear_after_warm(cli, warmed):
    assert "0 built, 2 cached" in cli("warm", "--manifest", str(warmed), "-q").stdout
    info = cli("cache", "info")
    assert info.returncode == 0, info.stderr
    assert field(info.stdout, "entries") == "2"
    assert int(field(info.stdout, "bytes").replace(",", "")) > 1000
    assert int(field(info.stdout, "disk hits")) >= 2  # the second warm loaded both from disk
    for word in ("location", "prebuilt layers", "usable"):
        assert word in info.stdout
    listing = cli("cache", "list")
    assert listing.returncode == 0
    rows = [line for line in listing.stdout.splitlines() if re.match(r"^[0-9a-f]{16}\s", line)]
    assert len(rows) == 2 and "2 kernels" in listing.stdout
    clear = cli("cache", "clear")
    assert clear.returncode == 0 and "removed 2 kernels" in clear.stdout
    assert field(cli("cache", "info").stdout, "entries") == "0"


@needs_native
def test_info_counts_disk_hits_of_other_processes(cli, warmed, cache_dir):
    before = int(field(cli("cache", "info").stdout, "disk hits"))
    probe = "import resin_jit as rj; rj.JitCompiler().compile_affine_simd(0.5, 1.0)"
    env = {**os.environ, "RESIN_JIT_CACHE_DIR": str(cache_dir), "RESIN_JIT_PREBUILT": ""}
    for _ in range(2):
        subprocess.run([sys.executable, "-c", probe], env=env, check=True, timeout=120)
    assert int(field(cli("cache", "info").stdout, "disk hits")) == before + 2


def test_clear_refuses_a_directory_others_can_write(cli, cache_dir):
    cache_dir.mkdir(mode=0o700)
    os.chmod(cache_dir, 0o777)
    proc = cli("cache", "clear")
    assert proc.returncode == 1 and "refusing" in proc.stderr
    assert "not used" in cli("cache", "info").stdout


def test_clear_refuses_a_directory_another_program_tagged(cli, cache_dir, tmp_path):
    """Issue 17: its tag has the standard signature line and another program's text; its staging/
    build-* files (old enough to pass for a crashed build's) were deleted. A refusal, as for a
    directory others can write: nothing there is touched."""
    staged = cache_dir / "staging" / "build-upload" / "part-1"
    staged.parent.mkdir(parents=True)
    staged.write_bytes(b"another program's data")
    (cache_dir / "CACHEDIR.TAG").write_bytes(b"Signature: 8a477f597d28d172789f06886806bc55\n"
                                             b"# This file is a cache directory tag created by othertool.\n")
    old = time.time() - 3600
    for path in (staged, staged.parent):
        os.utime(path, (old, old))
    before = sorted(cache_dir.rglob("*"))
    proc = cli("cache", "clear")
    assert proc.returncode == 1 and "refusing to clear" in proc.stderr and "another program's" in proc.stderr
    assert sorted(cache_dir.rglob("*")) == before and staged.read_bytes() == b"another program's data"
    assert "not used: not a resin_jit cache directory" in cli("cache", "info").stdout
    manifest = tmp_path / "manifest.json"
    manifest.write_text(json.dumps(MANIFEST))
    warm = cli("warm", "--manifest", str(manifest), "-q")
    assert warm.returncode == 1 and "another program's" in warm.stderr
    assert sorted(cache_dir.rglob("*")) == before


@needs_native
def test_doctor_lists_prebuilt_layers(cli, warmed, cache_dir, tmp_path):
    proc = cli("doctor", RESIN_JIT_PREBUILT=str(cache_dir) + os.pathsep + str(tmp_path / "missing"))
    assert proc.returncode == 0, proc.stderr
    assert re.search(rf"prebuilt layers\s+{re.escape(str(cache_dir))}: 2 kernels", proc.stdout)
    assert f"{tmp_path / 'missing'}: not used" in proc.stdout
    assert "prebuilt layers   none" in cli("doctor").stdout


def test_usage_errors_exit_2(cli, tmp_path):
    bad_json = tmp_path / "bad.json"
    bad_json.write_text("{not json")
    unknown_kind = tmp_path / "unknown.json"
    unknown_kind.write_text(json.dumps([{"kind": "teleport"}]))
    for args in (["cache"], ["cache", "bogus"], ["warm", "--jobs", "0"], ["warm", "--jobs", "many"],
                 ["warm", "--manifest", str(tmp_path / "missing.json")], ["warm", "--manifest", str(bad_json)],
                 ["warm", "--manifest", str(unknown_kind)], ["warm", "--no-such-flag"]):
        proc = cli(*args)
        assert proc.returncode == 2, (args, proc.stdout, proc.stderr)
        assert proc.stderr.strip(), args


def test_help_exits_0(cli):
    for args in (["--help"], ["warm", "--help"], ["cache", "--help"], ["cache", "info", "--help"],
                 ["cache", "list", "--help"], ["cache", "clear", "--help"], ["cache", "path", "--help"]):
        proc = cli(*args)
        assert proc.returncode == 0 and "usage:" in proc.stdout, args
    assert "--manifest" in cli("warm", "--help").stdout
    assert {"warm", "cache", "doctor", "bench", "demo"} <= set(re.findall(r"\w+", cli("--help").stdout))


def test_failures_exit_1(cli, tmp_path):
    not_a_dir = tmp_path / "file"
    not_a_dir.write_text("")
    proc = cli("warm", "--cache-dir", str(not_a_dir / "sub"), "-q")
    assert proc.returncode == 1 and "cannot" in proc.stderr
    failing = tmp_path / "failing.json"
    failing.write_text(json.dumps([{"kind": "affine_simd", "a": 1.0, "b": 1.0}]))   # well formed
    proc = subprocess.run([sys.executable, "-m", "resin_jit", "warm", "--manifest", str(failing), "-q"],
                          capture_output=True, text=True, timeout=300,
                          env=no_compiler_env(tmp_path, RESIN_JIT_CACHE_DIR=str(tmp_path / "cache")))
    assert proc.returncode == 1 and "failed: " in proc.stdout and "no working C compiler" in proc.stdout


def test_bench_knows_the_cache_group(cli):
    proc = cli("bench", "--help")
    assert "cache" in proc.stdout
