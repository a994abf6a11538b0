"""Issue 9: the disk cache against a hostile or broken world: directories that are not ours,
files swapped or replaced by something else, a full or read-only disk, libraries that do not load.

Processes are real subprocesses where it matters (support/cache.py's probe); a tiny full or
read-only filesystem is a tmpfs mounted for the test (root only).
"""
import errno
import json
import logging
import os
import subprocess
import sys
import threading
import time

import numpy as np
import pytest

import resin_jit as rj
from resin_jit.toolchain import build
from resin_jit.store import disk, fs
from resin_jit.front.errors import JitCompileError

from support import needs_native
from support.cache import run_affine, snapshot, warnings_of

# -- the compiler says the disk stopped it ------------------------------------------------------------

FAKE_CC = """#!/bin/sh
if [ "$LC_ALL" = C ]; then echo "{english}"; else echo "ld: Schreiben fehlgeschlagen: kein Speicherplatz"; fi >&2
exit 1
"""


def fake_compiler(tmp_path, says):
    path = tmp_path / "fake-cc"
    path.write_text(FAKE_CC.format(english=says))
    path.chmod(0o755)
    return build.Toolchain(str(path), "fake 1.0")


@pytest.mark.parametrize("says, code", [
    ("/usr/bin/ld: final link failed: No space left on device", errno.ENOSPC),
    ("cc1: fatal error: error writing to /tmp/ccA.s: Disk quota exceeded", errno.EDQUOT),
    ("/usr/bin/ld: cannot open output file k.so: Read-only file system", errno.EROFS)])
def test_a_compiler_stopped_by_the_disk_raises_that_oserror(tmp_path, says, code):
    with pytest.raises(OSError) as caught:
        build.compile_library("int x;", fake_compiler(tmp_path, says), [], tmp_path)
    assert caught.value.errno == code and not isinstance(caught.value, JitCompileError)
    assert says in caught.value.__cause__.output  # what the compiler said is kept for whoever looks


def test_the_words_inside_a_compile_error_are_still_a_compile_error(tmp_path):
    says = 'k.c:3:7: error: expected identifier before string constant\\n    3 | int "No space left on device";'
    with pytest.raises(JitCompileError):
        build.compile_library("int x;", fake_compiler(tmp_path, says), [], tmp_path)


# -- a cache directory says it is one: CACHEDIR.TAG ------------------------------------------------------

SIGNATURE = b"Signature: 8a477f597d28d172789f06886806bc55"


@needs_native
def test_an_absent_or_empty_cache_dir_is_created_and_tagged(tmp_path, new_process):
    empty = tmp_path / "empty"
    empty.mkdir()
    for root in (tmp_path / "absent" / "cache", empty):
        new_process()
        run_affine(root)
        assert (root / "CACHEDIR.TAG").read_bytes().splitlines()[0] == SIGNATURE
        assert len(disk.KernelCache(root).entries()) == 1


def test_a_directory_another_process_tags_while_we_look_is_a_cache(tmp_path, monkeypatch):
    """Two processes claiming one new directory: the second may find it untagged, then find the
    first one's files in it. It is a cache all the same (the race test once saw one of eight
    processes build privately)."""
    root = tmp_path / "cache"
    root.mkdir()
    looks = []

    def first_untagged_then_tagged(path):
        looks.append(path)
        if len(looks) == 1:   # meanwhile the other process tags the directory and starts using it
            fs.write_tag(root)
            (root / "locks").mkdir()
            return False
        return fs.TAG_SIGNATURE in (root / "CACHEDIR.TAG").read_bytes()
    monkeypatch.setattr(fs, "is_tagged", first_untagged_then_tagged)
    assert fs.claim_cache_dir(root) is None


@needs_native
@pytest.mark.parametrize("tag", [None, b"Signature: something else\n", b"Signature: 8a477f597d28d172789f06886806bc55x\n"])
def test_a_directory_with_things_in_it_and_no_tag_is_never_written_to(tmp_path, new_process, monkeypatch, tag):
    new_process()
    project = tmp_path / "project"
    (project / "staging" / "site").mkdir(parents=True)
    (project / "notes.txt").write_text("mine")
    if tag:
        (project / "CACHEDIR.TAG").write_bytes(tag)
    before = sorted(project.rglob("*"))
    monkeypatch.setenv("RESIN_JIT_CACHE_DIR", str(project))
    with pytest.warns(RuntimeWarning, match=r"not a resin_jit cache directory \(no CACHEDIR.TAG\)"):
        jit = run_affine(None)
    assert jit.stats["compiles"] == 1 and jit.libraries.cache is None
    assert sorted(project.rglob("*")) == before


OTHER_PROGRAMS_TAG = SIGNATURE + b"\n# This file is a cache directory tag created by othertool.\n"
# What every resin_jit so far has written (fs.TAG_TEXT): a directory it tagged stays its cache.
RESIN_JIT_TAG = (SIGNATURE + b"\n# This file is a cache directory tag created by resin_jit.\n"
                 b"# For information about cache directory tags see https://bford.info/cachedir/\n")


def other_programs_cache(tmp_path):
    """A directory another program tagged, holding names resin_jit's own cache has (staging/build-*,
    locks/<key>.lock), old enough that clear would take them for a crashed build's leftovers."""
    root = tmp_path / "othertool"
    build_dir = root / "staging" / "build-upload"
    build_dir.mkdir(parents=True)
    (build_dir / "part-1").write_bytes(b"another program's data")
    (root / "locks").mkdir()
    (root / "locks" / f"{'ab' * 32}.lock").write_bytes(b"")
    (root / "CACHEDIR.TAG").write_bytes(OTHER_PROGRAMS_TAG)
    old = time.time() - 2 * disk.STALE_STAGING_SECONDS
    for path in (build_dir / "part-1", build_dir):
        os.utime(path, (old, old))
    return root


@needs_native
def test_a_directory_another_program_tagged_is_not_ours(tmp_path, new_process, monkeypatch):
    """Issue 17: the tag's signature line is every program's; only resin_jit's line makes it ours.
    Nothing is written there, nothing loaded, nothing cleared or evicted."""
    new_process()
    root = other_programs_cache(tmp_path)
    before = snapshot(root)
    monkeypatch.setenv("RESIN_JIT_CACHE_DIR", str(root))
    with pytest.warns(RuntimeWarning, match=r"not a resin_jit cache directory \(its CACHEDIR.TAG is another "
                                            r"program's\)"):
        jit = run_affine(None)
    assert jit.stats["compiles"] == 1 and jit.libraries.cache is None
    with pytest.raises(ValueError, match="refusing to clear .*another program's"):
        disk.KernelCache(root).clear()
    assert disk.KernelCache(root).evict(0) == [] and disk.KernelCache(root).tidy() == 0
    assert snapshot(root) == before


@needs_native
@pytest.mark.parametrize("tag", [RESIN_JIT_TAG, RESIN_JIT_TAG + b"# kept by the backup job: do not copy\n"],
                         ids=["as written", "with a line added"])
def test_a_directory_resin_jit_tagged_stays_a_cache(tmp_path, new_process, tag):
    new_process()
    root = tmp_path / "cache"
    run_affine(root)
    (root / "CACHEDIR.TAG").write_bytes(tag)
    new_process()
    assert run_affine(root).stats["disk_hits"] == 1
    assert disk.KernelCache(root).clear().kernels == 1


@needs_native
def test_a_regular_file_named_as_the_cache_dir_is_an_unusable_directory(tmp_path, new_process, monkeypatch):
    new_process()
    monkeypatch.setenv("RESIN_JIT_CACHE_DIR", str(tmp_path / "file"))
    (tmp_path / "file").write_text("")
    with pytest.warns(RuntimeWarning, match="is not a directory"):
        assert run_affine(None).stats["compiles"] == 1


@needs_native
def test_a_prebuilt_layer_without_its_tag_is_not_used(tmp_path, new_process, monkeypatch, caplog):
    new_process()
    layer = tmp_path / "layer"
    run_affine(layer, 4.0, 2.0)
    monkeypatch.setenv("RESIN_JIT_PREBUILT", str(layer))
    new_process()
    assert run_affine(tmp_path / "user1", 4.0, 2.0).stats["prebuilt_hits"] == 1
    (layer / "CACHEDIR.TAG").unlink()
    new_process()
    with caplog.at_level(logging.WARNING, logger="resin_jit"):
        jit = run_affine(tmp_path / "user2", 4.0, 2.0)
    assert jit.stats["prebuilt_hits"] == 0 and jit.stats["compiles"] == 1
    assert f"not using prebuilt layer {layer}: not a resin_jit cache directory (no CACHEDIR.TAG)" in warnings_of(caplog)


@needs_native
def test_eviction_leaves_a_directory_that_is_no_longer_tagged_alone(tmp_path, new_process, caplog):
    new_process()
    root = tmp_path / "cache"
    run_affine(root, 1.0, 3.0)
    run_affine(root, 2.0, 3.0)
    (root / "CACHEDIR.TAG").unlink()
    with caplog.at_level(logging.WARNING, logger="resin_jit"):
        assert disk.KernelCache(root).evict(0) == []
    assert len(disk.KernelCache(root).entries()) == 2
    assert any("not evicting from" in m and "no CACHEDIR.TAG" in m for m in warnings_of(caplog))
    with pytest.raises(ValueError, match="refusing to clear"):
        disk.KernelCache(root).clear()


# -- lock files ----------------------------------------------------------------------------------------

def test_a_lock_file_its_holder_removes_is_never_held_by_two(tmp_path):
    """The flock + unlink protocol: a waiter granted the lock on a file its holder unlinked must
    lock the file now at the path instead, or it and the next comer would both hold "the" lock."""
    path = tmp_path / "locks" / "k.lock"
    seen = {}

    def waiter():
        with disk.key_lock(path) as held:
            with disk.key_lock(path, wait=False) as also:  # a second descriptor: must be refused
                seen.update(held=held, also=also)
    with disk.key_lock(path):
        thread = threading.Thread(target=waiter)
        thread.start()
        time.sleep(0.3)  # the waiter opens the file and blocks on it (later, it only finds the new file)
        os.unlink(path)
    thread.join(timeout=30)
    assert seen == {"held": True, "also": False}


@needs_native
def test_eviction_removes_the_lock_files_of_what_it_evicts(tmp_path, new_process):
    new_process()
    root = tmp_path / "cache"
    run_affine(root, 1.0, 4.0)
    run_affine(root, 2.0, 4.0)
    assert len(list((root / "locks").iterdir())) == 2
    assert len(disk.KernelCache(root).evict(0)) == 2
    assert not list((root / "locks").iterdir()) and not disk.KernelCache(root).entries()


# -- a library that builds but does not load --------------------------------------------------------------

UNLOADABLE = "extern int rj_no_such_symbol(void);\nint rj_entry(void *call) { return rj_no_such_symbol(); }\n"


@needs_native
@pytest.mark.parametrize("cached", [True, False])
def test_a_library_that_builds_but_does_not_load_is_a_compile_error_once_per_request(
        tmp_path, new_process, monkeypatch, cached):
    new_process()
    original = build.compile_library

    def unloadable(source, toolchain, flags, workdir, name="kernel", **where):
        return original(UNLOADABLE, toolchain, ["-shared", "-fPIC"], workdir, name, **where)
    monkeypatch.setattr(build, "compile_library", unloadable)
    root = tmp_path / "cache"
    jit = rj.JitCompiler(rj.JitConfig(cache_dir=root, cache=cached))
    for attempt in (1, 2):
        with pytest.raises(rj.JitCompileError, match="does not load.*rj_no_such_symbol"):
            jit.compile_affine_simd(2.5, 1.0)
        assert jit.stats["compiles"] == attempt  # one build per request, never a loop
    assert not list(root.glob("kernels/*/*"))  # no entry left to fail again


# -- a full or read-only disk -----------------------------------------------------------------------------

@pytest.fixture
def tmpfs(tmp_path):
    """mount(size) → a fresh tmpfs (mode 0700), unmounted after the test. Needs root."""
    if not hasattr(os, "geteuid") or os.geteuid() != 0:
        pytest.skip("mounting a tmpfs needs root")
    mounted = []

    def mount(size):
        path = tmp_path / f"tmpfs{len(mounted)}"
        path.mkdir()
        proc = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size},mode=0700", "tmpfs", str(path)],
                              capture_output=True, text=True)
        if proc.returncode != 0:
            pytest.skip(f"cannot mount a tmpfs here: {proc.stderr.strip()}")
        mounted.append(path)
        return path
    yield mount
    for path in reversed(mounted):
        subprocess.run(["umount", "-l", str(path)], check=True)


def fill(root, leave):
    """Fill the filesystem of `root` until `leave` bytes are free."""
    st = os.statvfs(root)
    (root / "filler").write_bytes(b"\0" * (st.f_bavail * st.f_frsize - leave))


@needs_native
def test_a_disk_full_at_the_link_step_builds_privately_and_leaves_no_staging(tmpfs, new_process, caplog):
    """Room for the C source and the command line (a page each) but not for the ~15 KB library:
    the C compiler's own write fails, not Python's."""
    new_process()
    root = tmpfs("256k")
    jit = rj.JitCompiler(rj.JitConfig(cache_dir=root))
    fill(root, leave=3 * 4096)
    with caplog.at_level(logging.WARNING, logger="resin_jit"):
        out = np.empty(4, np.float32)
        jit.compile_affine_simd(1.25, 0.5).process(np.arange(4, dtype=np.float32), out)
    assert out.tolist() == [0.5, 1.75, 3.0, 4.25] and jit.stats["compiles"] == 1
    assert f"cannot write to the kernel cache {root} (No space left on device): building in a private directory" \
        in warnings_of(caplog)
    assert not list((root / "staging").iterdir()) and not list(root.glob("kernels/*/*"))


@needs_native
def test_a_cache_remounted_read_only_keeps_loading_and_builds_privately(tmpfs, new_process, caplog):
    new_process()
    root = tmpfs("4m")
    jit = rj.JitCompiler(rj.JitConfig(cache_dir=root))
    jit.compile_affine(0.5, 1.0)
    subprocess.run(["mount", "-o", "remount,ro", str(root)], check=True)
    new_process()
    with caplog.at_level(logging.WARNING, logger="resin_jit"):
        for a in (0.5, 2.0, 3.0):
            assert jit.compile_affine(a, 1.0).call_f32(2.0) == 2 * a + 1
    assert jit.stats["disk_hits"] == 1 and jit.stats["compiles"] == 1 + 2
    assert warnings_of(caplog) == [f"cannot write to the kernel cache {root} (Read-only file system): "
                                   "building in a private directory"]


@needs_native
def test_a_cache_read_only_from_the_start_is_loaded_from(tmpfs, new_process):
    """Issue 17: a cache that is not writable when a process opens it was never loaded from. Its
    verified entries are; what it lacks is built privately; nothing in it changes."""
    new_process()
    root = tmpfs("4m")
    run_affine(root, 0.5, 1.0)
    subprocess.run(["mount", "-o", "remount,ro", str(root)], check=True)
    before = {p: p.stat().st_mtime_ns for p in root.rglob("*")}
    new_process()
    with pytest.warns(RuntimeWarning, match=f"cache directory {root} is not writable: kernels there are loaded"):
        held = run_affine(root, 0.5, 1.0)
    lacking = run_affine(root, 2.0, 1.0)
    assert held.libraries.cache.read_only and held.stats["disk_hits"] == 1 and held.stats["compiles"] == 0
    assert lacking.stats["disk_hits"] == 0 and lacking.stats["compiles"] == 1
    assert {p: p.stat().st_mtime_ns for p in root.rglob("*")} == before


def no_space(*args, **kwargs):
    raise OSError(errno.ENOSPC, "No space left on device", str(args[3]))   # as toolchain/build.py reports a full disk


@needs_native
def test_a_full_disk_everywhere_is_a_jit_error_saying_where(tmp_path, new_process, monkeypatch):
    """Issue 17: the cache and then the private build directory out of space raised a bare OSError."""
    new_process()
    root = tmp_path / "cache"
    jit = rj.JitCompiler(rj.JitConfig(cache_dir=root))
    monkeypatch.setattr(build, "compile_library", no_space)
    with pytest.raises(rj.JitError) as caught:
        jit.compile_affine_simd(1.75, 0.5)
    message = str(caught.value)
    assert message.startswith("cannot build kernel ") and f"kernel cache {root} could not take it" in message
    assert f"the private build directory failed (No space left on device: {fs.process_dir()}/" in message
    assert isinstance(caught.value.__cause__, OSError) and not isinstance(caught.value, OSError)
    cache_off = rj.JitCompiler(rj.JitConfig(cache=False))
    with pytest.raises(rj.JitError, match=r"the private build directory failed \(No space left on device: "):
        cache_off.compile_affine_simd(1.75, 0.25)


@needs_native
def test_the_cache_and_tmpdir_both_full_is_a_jit_error_saying_where(tmpfs, new_process, monkeypatch):
    new_process()
    root, tmp = tmpfs("256k"), tmpfs("256k")
    jit = rj.JitCompiler(rj.JitConfig(cache_dir=root))
    monkeypatch.setenv("TMPDIR", str(tmp))
    monkeypatch.setattr(fs, "_process_dirs", {})   # this process's own directory: made in TMPDIR
    fill(root, leave=0)
    fill(tmp, leave=0)
    with pytest.raises(rj.JitError, match=rf"cannot build kernel .*No space left on device: {tmp}/.*"
                                          rf"the kernel cache {root} could not take it \(No space left on device\)"):
        jit.compile_affine_simd(1.25, 0.75)


# -- the directory dlopen() names are made in -------------------------------------------------------------

FORKING_CHILD = """
import json, os, sys
import resin_jit as rj
from resin_jit.store import fs
from resin_jit.store import libraries
root = sys.argv[1]
rj.JitCompiler(rj.JitConfig(cache_dir=root)).compile_affine(6.0, 1.0)
mine = fs.process_dir()
pid = os.fork()
if pid == 0:
    libraries._memo.clear()
    value = rj.JitCompiler(rj.JitConfig(cache_dir=root)).compile_affine(6.0, 1.0).call_f32(1.0)
    print(json.dumps({"child": fs.process_dir(), "value": value}), flush=True)
    sys.exit(0)  # the exit handlers it inherited run here
os.waitpid(pid, 0)
print(json.dumps({"parent": mine, "still_there": os.path.isdir(mine)}))
"""


@needs_native
def test_a_forked_child_has_a_directory_of_its_own_and_leaves_the_parents(tmp_path):
    proc = subprocess.run([sys.executable, "-c", FORKING_CHILD, str(tmp_path / "cache")], capture_output=True,
                          text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    child, parent = (json.loads(line) for line in proc.stdout.splitlines()[-2:])
    assert child["value"] == 7.0 and child["child"] != parent["parent"]
    assert parent["still_there"] and not os.path.exists(child["child"])
