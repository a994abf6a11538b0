"""Issue 9: the `resin-jit` command under hostile or careless use: a closed pipe, a bad --output,
`cache clear` pointed at a directory that is not a resin_jit cache."""
import gc
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

import resin_jit as rj
from resin_jit import demo
from resin_jit.store import disk

from support import needs_native, run_cli
from support.cache import run_affine


def cli(*args, **env):
    return run_cli(*args, timeout=120, RESIN_JIT_PREBUILT="", **env)


def test_version():
    proc = cli("--version")
    assert proc.returncode == 0 and proc.stdout.strip() == f"resin-jit {rj.__version__}" == "resin-jit 0.1.0"


def test_a_reader_that_goes_away_ends_the_command_quietly(tmp_path):
    """`resin-jit cache list | head`: exit 141 like a tool SIGPIPE ends, and not a word on stderr."""
    proc = subprocess.Popen([sys.executable, "-m", "resin_jit", "cache", "list", "--cache-dir", str(tmp_path)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    proc.stdout.close()  # before the child has printed anything: its first write meets a closed pipe
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 141 and err == ""


def test_demo_output_in_a_missing_directory_is_a_usage_error_before_anything_runs(tmp_path):
    for output, words in ((tmp_path / "missing" / "x.wav", "does not exist"), (tmp_path, "is a directory")):
        proc = cli("demo", "--output", str(output))
        assert proc.returncode == 2 and proc.stdout == "", proc.stdout
        assert "--output" in proc.stderr and words in proc.stderr and "Exception ignored" not in proc.stderr


def test_the_wav_writer_leaves_nothing_behind_when_the_file_cannot_be_made(tmp_path, monkeypatch):
    unraisable = []
    monkeypatch.setattr(sys, "unraisablehook", unraisable.append)
    for path in (tmp_path / "missing" / "x.wav", "/dev/full"):
        try:
            demo.write_wav(path, np.zeros(50000, np.float32), 44100)
        except OSError:
            pass
        else:
            raise AssertionError(f"writing {path} should fail")
    gc.collect()
    assert unraisable == []


def test_clear_refuses_what_is_not_a_resin_jit_cache(tmp_path):
    project = tmp_path / "project"
    site = project / "staging" / "site"
    site.mkdir(parents=True)
    os.utime(site, (time.time() - 7200,) * 2)  # "stale", if it were a staging dir of ours
    (tmp_path / "file").write_text("")
    (tmp_path / "dangling").symlink_to(tmp_path / "nowhere")
    for target, words in ((project, "not a resin_jit cache directory (no CACHEDIR.TAG)"),
                          (tmp_path / "dangling", "does not exist"), (tmp_path / "file", "is not a directory")):
        proc = cli("cache", "clear", "--cache-dir", str(target))
        assert proc.returncode == 1 and f"refusing to clear {target}: " in proc.stderr and words in proc.stderr
    assert site.is_dir() and [p.name for p in project.iterdir()] == ["staging"]  # no locks/ made either
    assert not (tmp_path / "missing").exists()


def _age(paths, seconds=7200):
    for path in paths:
        os.utime(path, (time.time() - seconds,) * 2)


def _plant(root, key):
    """Things in a cache directory that resin_jit did not make, or is still making: they stay."""
    shard = f"kernels/{key[:2]}"
    files = ["notes.txt", "kernels/zz/x.so", f"{shard}/{key}.so.bak", f"{shard}/{key.upper()}.json", "locks/README"]
    folders = [f"{shard}/{key}.hits.damaged-0a1b2c3d", "staging/site", "staging/build-under-way"]
    for name in files:
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text("not resin_jit's")
    for name in folders:
        (root / name).mkdir(parents=True)
    _age([root / name for name in files + folders[:-1]])  # old enough to be stale, were they ours
    return files + folders


def _leave_crash_leftovers(root):
    """What a crashed build and a crashed memo writer leave: resin_jit's, stale, so they go."""
    (root / "staging" / "build-left-by-a-crash").mkdir()
    (root / ".toolchains.json.4242.140001.tmp").write_text("")
    _age([root / "staging" / "build-left-by-a-crash", root / ".toolchains.json.4242.140001.tmp"])


@needs_native
def test_clear_removes_only_what_resin_jit_made_and_says_what(tmp_path, new_process, monkeypatch):
    root = tmp_path / "cache"
    monkeypatch.setenv("RESIN_JIT_DEBUG", "1")  # entries with their .c and .cmd
    for a in (1.0, 2.0, 1.0):
        new_process()
        run_affine(root, a, 9.0)  # the second 1.0 is a disk hit: a .hits file
    keys = [e.key for e in disk.KernelCache(root).entries()]
    planted = _plant(root, keys[0])
    _leave_crash_leftovers(root)
    proc = cli("cache", "clear", "--cache-dir", str(root))
    assert proc.returncode == 0, proc.stderr
    # 2x (.c, .cmd, lock), 1 .hits, 2 memo files, a crashed build's staging, a writer's temporary file
    assert proc.stdout.strip() == f"removed 2 kernels and 11 other files from {root}"
    left = {str(p.relative_to(root)) for p in root.rglob("*")}
    folders = {str(Path(name).parent) for name in planted} - {"."}
    assert left == {"CACHEDIR.TAG", *planted, *folders, "kernels"}


@needs_native
def test_warm_tags_its_directory_and_refuses_one_that_is_not_a_cache(tmp_path):
    manifest = tmp_path / "manifest.json"
    manifest.write_text(json.dumps([{"kind": "affine_scalar", "a": 0.5, "b": 1.0}]))
    layer, other = tmp_path / "layer", tmp_path / "other"
    proc = cli("warm", "--manifest", str(manifest), "--cache-dir", str(layer), "-q")
    assert proc.returncode == 0, proc.stderr
    assert (layer / "CACHEDIR.TAG").read_bytes().startswith(b"Signature: 8a477f597d28d172789f06886806bc55\n")
    other.mkdir()
    (other / "data.csv").write_text("1,2\n")
    proc = cli("warm", "--manifest", str(manifest), "--cache-dir", str(other), "-q")
    assert proc.returncode == 1 and "not a resin_jit cache directory (no CACHEDIR.TAG)" in proc.stderr
    assert [p.name for p in other.iterdir()] == ["data.csv"]
