"""Issue 5: a cache you can trust — many processes at once, damaged entries, hostile directories,
a size limit, and what the "resin_jit" logger records.

In-process tests stand for "a new process" by emptying the compiler's memo (monkeypatch), which
is the only state a process keeps between compiles; the races run in real subprocesses.
"""
import json
import logging
import os
import shutil
import signal
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import numpy as np
import pytest

import resin_jit as rj
from resin_jit.store import disk, entries, fs, libraries

from support import needs_native
from support.cache import CLEAN_ENV, PROBE, X, only_entry, probe, run_affine

pytestmark = needs_native
# -- 1. many processes and threads ---------------------------------------------------------------

CHILD = textwrap.dedent("""
    import json, sys, threading
    import numpy as np
    import resin_jit as rj
    root, shared, own, nthreads = sys.argv[1], float(sys.argv[2]), float(sys.argv[3]), int(sys.argv[4])
    jit = rj.JitCompiler(rj.JitConfig(cache_dir=root))
    x = np.arange(37, dtype=np.float32)
    results, errors = [], []
    def work(order):
        try:
            for a in order:
                out = np.empty_like(x)
                jit.compile_affine_simd(a, 1.0).process(x, out)
                results.append([a, out.tolist()])
        except Exception as exc:
            errors.append(repr(exc))
    print("ready", flush=True)
    sys.stdin.readline()  # everyone starts at once
    threads = [threading.Thread(target=work, args=([shared, own][::1 - 2 * (i % 2)],)) for i in range(nthreads)]
    for t in threads: t.start()
    for t in threads: t.join()
    print(json.dumps({"stats": jit.stats, "results": results, "errors": errors}))
""")


def race(root, shared, owns, nthreads=4):
    """Start one child per `owns` value, all asking for `shared` and their own kernel at once."""
    env = {**os.environ, **CLEAN_ENV}
    children = [subprocess.Popen([sys.executable, "-c", CHILD, str(root), str(shared), str(own), str(nthreads)],
                                 stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                 env=env) for own in owns]
    for child in children:
        assert child.stdout.readline().strip() == "ready", child.stderr.read()
    for child in children:
        child.stdin.write("go\n")
        child.stdin.flush()
    reports = []
    for child in children:
        out, err = child.communicate(timeout=120)
        assert child.returncode == 0, err
        reports.append(json.loads(out.strip().splitlines()[-1]))
    return reports


def test_eight_processes_same_and_distinct_keys_compile_each_key_once(tmp_path):
    for round_ in range(3):
        shared, owns = 0.25 + round_, [float(2 + i + 8 * round_) for i in range(8)]
        reports = race(tmp_path, shared, owns)
        assert sum(r["stats"]["compiles"] for r in reports) == 1 + len(owns)
        for report in reports:
            assert not report["errors"]
            for a, out in report["results"]:
                assert out == (np.float32(a) * X + np.float32(1.0)).tolist()
    assert len(list((tmp_path / "kernels").rglob("*.so"))) == 3 * 9
    assert not list((tmp_path / "staging").iterdir())
    cleared = disk.KernelCache(tmp_path).clear()  # and every lock file the race made goes with its entry
    assert cleared.kernels == 3 * 9 and cleared.busy == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == ["CACHEDIR.TAG"]


HOLDING_CC = """#!/bin/sh
case " $* " in *" --version "*) exec cc "$@";; esac
if [ -e "$0.hold" ]; then touch "$0.building"; sleep 60; fi
exec cc "$@"
"""


def test_a_build_killed_midway_leaves_nothing_that_loads(tmp_path):
    """kill -9 while the compiler runs, the key's lock held: the next process builds the kernel
    once; the staging dir left behind goes with `clear` once it is stale."""
    compiler = tmp_path / "holding-cc"
    compiler.write_text(HOLDING_CC)
    compiler.chmod(0o755)
    Path(f"{compiler}.hold").touch()
    root, config = tmp_path / "cache", json.dumps({"cc": str(compiler)})
    child = subprocess.Popen([sys.executable, "-c", PROBE, str(root), "0.5", "1.0", config], start_new_session=True,
                             env={**os.environ, **CLEAN_ENV}, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 60
        while not Path(f"{compiler}.building").exists() and child.poll() is None and time.monotonic() < deadline:
            time.sleep(0.02)
        assert Path(f"{compiler}.building").exists(), "the build never started"
    finally:
        os.killpg(child.pid, signal.SIGKILL)  # the child and its compiler
        child.wait(timeout=30)
    Path(f"{compiler}.hold").unlink()
    (left,) = (root / "staging").iterdir()
    result = probe(root, cc=str(compiler))
    assert result["stats"]["compiles"] == 1 and len(result["loaded"]) == 1 and not result["warnings"]
    os.utime(left, (time.time() - 2 * disk.STALE_STAGING_SECONDS,) * 2)
    assert disk.KernelCache(root).clear().kernels == 1 and not (root / "staging").exists()


def test_threads_with_their_own_compilers_compile_once_and_load_only_whole_files(tmp_path, new_process, loads):
    new_process()
    jits = [rj.JitCompiler(rj.JitConfig(cache_dir=tmp_path)) for _ in range(16)]
    errors = []
    barrier = threading.Barrier(len(jits))

    def work(jit):
        barrier.wait()
        try:
            out = np.empty_like(X)
            jit.compile_affine_simd(3.0, 0.5).process(X, out)
            assert out.tolist() == (3 * X + 0.5).tolist()
        except Exception as exc:  # noqa: BLE001 - collected for the assertion below
            errors.append(exc)
    threads = [threading.Thread(target=work, args=(j,)) for j in jits]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors and sum(j.stats["compiles"] for j in jits) == 1
    lib, meta = only_entry(tmp_path)
    assert loads == [json.loads(meta.read_text())["sha256"]]


# -- 2. damaged entries ----------------------------------------------------------------------------

def truncate(lib, meta):
    lib.write_bytes(lib.read_bytes()[: lib.stat().st_size // 2])


def garbage_same_size(lib, meta):
    lib.write_bytes(os.urandom(lib.stat().st_size))


def drop_metadata(lib, meta):
    meta.unlink()


def malformed_json(lib, meta):
    meta.write_text("{not json")


def metadata_of_wrong_shape(lib, meta):
    meta.write_text(json.dumps({"size": "big", "sha256": 7}))


def delete_library(lib, meta):
    lib.unlink()


def forged_metadata(lib, meta):
    """Garbage whose hash the metadata records: it passes the check, fails dlopen, is rebuilt."""
    lib.write_bytes(b"not an ELF file" * 100)
    meta.write_text(json.dumps({**json.loads(meta.read_text()), "size": 1500, "sha256": entries.file_sha256(lib)}))


DAMAGE = [(truncate, "size"), (garbage_same_size, "sha256"), (drop_metadata, "metadata missing"),
          (malformed_json, "malformed metadata"), (metadata_of_wrong_shape, "malformed metadata"),
          (delete_library, "library missing"), (forged_metadata, "does not load")]


@pytest.mark.parametrize("damage, words", DAMAGE, ids=[d.__name__ for d, _ in DAMAGE])
def test_damaged_entry_is_detected_removed_and_rebuilt(tmp_path, damage, words):
    probe(tmp_path)
    lib, meta = only_entry(tmp_path)
    damage(lib, meta)
    result = probe(tmp_path)  # checks the kernel's results
    assert result["stats"]["compiles"] == 1
    assert any("damaged cache entry" in m and words in m for m in result["warnings"]), result["warnings"]
    lib, meta = only_entry(tmp_path)
    assert json.loads(meta.read_text())["sha256"] == entries.file_sha256(lib)
    assert probe(tmp_path)["stats"]["disk_hits"] == 1


def a_directory(path):
    path.mkdir()
    (path / "keep.txt").write_text("not ours: never deleted")


def a_fifo(path):
    os.mkfifo(path)  # reading it would wait forever for a writer


def a_symlink(path):
    path.symlink_to(path.parent / "elsewhere")


NOT_FILES = [(".so", a_directory), (".so", a_fifo), (".json", a_directory), (".json", a_fifo),
             (".json", a_symlink), (".hits", a_directory), (".c", a_fifo)]


@pytest.mark.parametrize("suffix, make", NOT_FILES, ids=[f"{s}-{m.__name__}" for s, m in NOT_FILES])
def test_what_is_not_a_file_at_an_entry_name_is_set_aside_and_the_kernel_rebuilt(tmp_path, suffix, make):
    probe(tmp_path)
    lib, _ = only_entry(tmp_path)
    path = lib.with_suffix(suffix)
    if path.exists():
        path.unlink()
    make(path)
    result = probe(tmp_path)
    assert result["stats"]["compiles"] == 1
    assert any("damaged cache entry" in m and "not a regular file" in m for m in result["warnings"]), result["warnings"]
    aside = list(lib.parent.glob(f"{path.name}.damaged-*"))
    if make is a_symlink:
        assert not aside and not path.is_symlink()  # a link is only a name: removing it touches nothing else
    else:
        assert len(aside) == 1 and (make is not a_directory or (aside[0] / "keep.txt").exists())
    assert probe(tmp_path)["stats"]["disk_hits"] == 1


def test_a_directory_at_a_lock_file_name_is_set_aside(tmp_path):
    probe(tmp_path)
    (lock,) = (tmp_path / "locks").iterdir()
    lock.unlink()
    a_directory(lock)
    assert probe(tmp_path)["stats"]["disk_hits"] == 1
    (aside,) = lock.parent.glob(f"{lock.name}.damaged-*")
    assert (aside / "keep.txt").exists()


def _two_entries(root):
    """The entries of 3x+1 (A) and of 5x+1 (B)."""
    probe(root, 3.0, 1.0)
    a, _ = only_entry(root)
    probe(root, 5.0, 1.0)
    (b,) = set((root / "kernels").rglob("*.so")) - {a}
    return a, b


def test_another_keys_entry_under_a_keys_name_is_not_loaded(tmp_path):
    """B's library and metadata copied over A's: whole, ours, hash right, but B's code."""
    a, b = _two_entries(tmp_path)
    for suffix in (".so", ".json"):
        shutil.copyfile(b.with_suffix(suffix), a.with_suffix(suffix))
    result = probe(tmp_path, 3.0, 1.0)  # checks that it computes 3x+1
    assert result["stats"]["compiles"] == 1
    assert any("damaged cache entry" in m and "not this key's" in m for m in result["warnings"]), result["warnings"]


SWAP_CHILD = textwrap.dedent("""
    import json, os, sys
    import numpy as np
    import resin_jit as rj
    from resin_jit.runtime import load
    root, other, target = sys.argv[1:4]
    original = load.LoadedLibrary
    def swap_then_load(path):  # after every check passed, before dlopen(): another library takes the name
        os.replace(other, target)
        return original(path)
    load.LoadedLibrary = swap_then_load
    jit = rj.JitCompiler(rj.JitConfig(cache_dir=root))
    out = np.empty(3, np.float32)
    jit.compile_affine_simd(3.0, 1.0).process(np.arange(3, dtype=np.float32), out)
    print(json.dumps({"out": out.tolist(), "stats": jit.stats}))
""")


def test_a_library_swapped_after_its_checks_is_not_what_gets_loaded(tmp_path):
    a, b = _two_entries(tmp_path)
    other = tmp_path / "b-copy.so"
    shutil.copyfile(b, other)
    proc = subprocess.run([sys.executable, "-c", SWAP_CHILD, str(tmp_path), str(other), str(a)], capture_output=True,
                          text=True, env={**os.environ, **CLEAN_ENV}, timeout=120)
    assert proc.returncode == 0, proc.stderr
    result = json.loads(proc.stdout.splitlines()[-1])
    assert result["stats"]["disk_hits"] == 1 and result["out"] == [1.0, 4.0, 7.0]  # 3x+1: the library checked


def test_a_library_that_fails_its_hash_is_never_dlopened(tmp_path):
    """Swap in a real shared library whose constructor would leave a mark, with the recorded size
    made to match: only the sha256 stands between it and dlopen()."""
    probe(tmp_path)
    lib, meta = only_entry(tmp_path)
    mark = tmp_path / "dlopened"
    evil = tmp_path / "evil.c"
    evil.write_text(f'#include <fcntl.h>\n__attribute__((constructor)) static void mark(void) '
                    f'{{ creat("{mark}", 0600); }}\nint rj_entry(void *c) {{ return 0; }}\n')
    subprocess.run(["cc", "-shared", "-fPIC", "-o", str(lib), str(evil)], check=True)
    meta.write_text(json.dumps({**json.loads(meta.read_text()), "size": lib.stat().st_size}))
    evil_sha = entries.file_sha256(lib)
    result = probe(tmp_path)
    assert result["stats"]["compiles"] == 1
    assert not mark.exists() and evil_sha not in result["loaded"]
    assert any("sha256" in m for m in result["warnings"])


def test_library_deleted_while_running_memo_keeps_it_next_process_rebuilds(tmp_path, new_process):
    new_process()
    jit = run_affine(tmp_path)
    kernel = jit.compile_affine_simd(0.5, 1.0)
    lib, _ = only_entry(tmp_path)
    lib.unlink()
    again = jit.compile_affine_simd(0.5, 1.0)  # this process: the memo keeps the loaded library
    assert jit.stats["memory_hits"] >= 1 and jit.stats["compiles"] == 1
    out = np.empty_like(X)
    again.process(X, out)
    assert out.tolist() == (0.5 * X + 1).tolist()
    result = probe(tmp_path)
    assert result["stats"]["compiles"] == 1
    assert any("damaged cache entry" in m and "library missing" in m for m in result["warnings"])
    kernel.process(X, out)  # still fine after the other process put a new file in place
    assert out.tolist() == (0.5 * X + 1).tolist()


def test_a_crashed_build_leaves_nothing_that_loads(tmp_path):
    """A build that dies before the rename leaves only staging; one that dies before the metadata
    leaves a library without its ready marker: neither is ever loaded."""
    probe(tmp_path)
    lib, meta = only_entry(tmp_path)
    meta.unlink()
    (tmp_path / "staging" / "crashed").mkdir()
    (tmp_path / "staging" / "crashed" / "half.so").write_bytes(lib.read_bytes()[:100])
    result = probe(tmp_path)
    assert result["stats"]["compiles"] == 1 and len(result["loaded"]) == 1


# -- 4. size limit --------------------------------------------------------------------------------

def _age(root, key_of, seconds):
    meta = root / "kernels" / key_of[:2] / f"{key_of}.json"
    t = time.time() - seconds
    os.utime(meta, (t, t))


def _keys(root):
    return {e.key for e in disk.KernelCache(root).entries()}


def _three_entries(root, new_process, limit):
    """A and B in a cache limited to `limit`, A used more recently than B: then C is built."""
    new_process()
    run_affine(root, 1.0, 0.0)
    (a,) = _keys(root)
    run_affine(root, 2.0, 0.0)
    (b,) = _keys(root) - {a}
    _age(root, a, 300)
    _age(root, b, 200)
    new_process()
    assert run_affine(root, 1.0, 0.0, cache_max_bytes=limit).stats["disk_hits"] == 1  # A is used: newest
    return a, b


def _one_kernel_size(tmp_path):
    """The size of one affine kernel (built in a cache of its own: the caches under test start empty)."""
    run_affine(tmp_path / "probe")
    return only_entry(tmp_path / "probe")[0].stat().st_size


def test_least_recently_used_entry_goes_first(tmp_path, new_process, caplog):
    new_process()
    limit, root = int(_one_kernel_size(tmp_path) * 2.5), tmp_path / "cache"
    a, b = _three_entries(root, new_process, limit)
    with caplog.at_level(logging.INFO, logger="resin_jit"):
        run_affine(root, 3.0, 0.0, cache_max_bytes=limit)
    keys = _keys(root)
    assert a in keys and b not in keys and len(keys) == 2
    assert any(r.getMessage().startswith(f"evicted kernel {b[:16]}") for r in caplog.records)


def test_an_entry_whose_lock_is_held_is_never_evicted(tmp_path, new_process):
    new_process()
    limit, root = int(_one_kernel_size(tmp_path) * 2.5), tmp_path / "cache"
    a, b = _three_entries(root, new_process, limit)
    holder = subprocess.Popen([sys.executable, "-c", "import fcntl, sys\nf = open(sys.argv[1], 'a')\n"
                               "fcntl.flock(f, fcntl.LOCK_SH)\nprint('held', flush=True)\nsys.stdin.readline()",
                               str(root / "locks" / f"{b}.lock")], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                              text=True)
    try:
        assert holder.stdout.readline().strip() == "held"
        run_affine(root, 3.0, 0.0, cache_max_bytes=limit)
        keys = _keys(root)
        assert b in keys and a not in keys  # B is older but someone is loading it: A goes instead
    finally:
        holder.communicate("done\n", timeout=30)
    assert disk.KernelCache(root).evict(0) and not _keys(root)


def test_size_limit_from_the_environment(tmp_path, new_process, monkeypatch):
    new_process()
    monkeypatch.setenv("RESIN_JIT_CACHE_MAX_BYTES", "1")
    jit = run_affine(tmp_path, 5.0, 0.0)
    assert jit.libraries.cache.max_bytes == 1
    assert len(_keys(tmp_path)) == 1  # the entry just built is kept, however small the limit
    run_affine(tmp_path, 6.0, 0.0)
    assert len(_keys(tmp_path)) == 1


# -- 7. logging and RESIN_JIT_DEBUG -------------------------------------------------------------------

def test_logger_records_compiles_and_disk_hits(tmp_path, new_process, caplog):
    new_process()
    with caplog.at_level(logging.INFO, logger="resin_jit"):
        run_affine(tmp_path, 7.0, 7.0)
        new_process()
        run_affine(tmp_path, 7.0, 7.0)
    messages = [r.getMessage() for r in caplog.records if r.name == "resin_jit"]
    (key,) = _keys(tmp_path)
    assert any(m.startswith(f"compiled kernel {key[:16]} in ") and m.endswith(" s") for m in messages)
    assert f"loaded kernel {key[:16]} from the disk cache" in messages


def test_debug_keeps_sources_and_command_lines(tmp_path, new_process, monkeypatch):
    new_process()
    monkeypatch.setenv("RESIN_JIT_DEBUG", "1")
    run_affine(tmp_path, 8.0, 1.0)
    lib, _ = only_entry(tmp_path)
    source, command = lib.with_suffix(".c"), lib.with_suffix(".cmd")
    assert "rj_entry" in source.read_text()
    assert "-shared" in command.read_text() and "-o" in command.read_text()
    disk.KernelCache(tmp_path).clear()
    assert not list((tmp_path / "kernels").rglob("*.*"))


def test_debug_keeps_the_private_build_dir_when_the_cache_is_off(tmp_path, monkeypatch):
    monkeypatch.setattr(fs, "_process_dirs", {})
    monkeypatch.setattr(libraries, "_memo", {})
    monkeypatch.setenv("RESIN_JIT_DEBUG", "1")
    registered = []
    monkeypatch.setattr(fs.atexit, "register", lambda *a: registered.append(a))
    jit = rj.JitCompiler(rj.JitConfig(cache=False))
    jit.compile_affine_simd(9.0, 1.0)
    private = fs.process_dir()
    assert not registered
    assert sorted(p.suffix for p in Path(private).rglob("*.c*")) == [".c", ".cmd"]
    shutil.rmtree(private)
