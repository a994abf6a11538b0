"""Issue 19, item 4: the cache's platform code paths, run on Linux by simulation.

Windows' locks are run with fakes in place of msvcrt and kernel32 (store/locks.py looks them up at
call time), backed by flock so that what they grant is really exclusive or shared; macOS and
Windows' loading (no /proc/self/fd) by switching fs.PROC_FD off; Windows' ownership (no uid) by
taking os.getuid away; the default cache directory by faking sys.platform.
"""
import errno
import fcntl
import json
import os
import shutil
import stat
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import pytest

from resin_jit import cli
from resin_jit.store import disk, entries, fs, locks

from support import needs_native
from support.cache import CLEAN_ENV, only_entry, probe, run_affine

LK_UNLCK, LK_LOCK, LK_NBLCK = 0, 1, 2   # msvcrt's constants


class FakeKernel32:
    """LockFileEx / UnlockFileEx as Windows documents them, done with flock on the descriptor
    (the fake msvcrt's handle is the fd), every call recorded."""

    def __init__(self):
        self.calls, self.error = [], 0

    def LockFileEx(self, handle, flags, reserved, low, high, overlapped):
        self.calls.append(("LockFileEx", handle, flags, reserved, low, high))
        mode = fcntl.LOCK_EX if flags & locks.LOCKFILE_EXCLUSIVE_LOCK else fcntl.LOCK_SH
        try:
            fcntl.flock(handle, mode | (fcntl.LOCK_NB if flags & locks.LOCKFILE_FAIL_IMMEDIATELY else 0))
        except BlockingIOError:
            self.error = locks.ERROR_LOCK_VIOLATION
            return 0
        return 1

    def UnlockFileEx(self, handle, reserved, low, high, overlapped):
        self.calls.append(("UnlockFileEx", handle, reserved, low, high))
        fcntl.flock(handle, fcntl.LOCK_UN)
        return 1

    def last_error(self):
        return self.error


class FakeMsvcrt:
    """msvcrt.get_osfhandle and msvcrt.locking (exclusive byte-range locks from the file position)."""
    LK_UNLCK, LK_LOCK, LK_NBLCK = LK_UNLCK, LK_LOCK, LK_NBLCK

    def __init__(self):
        self.calls = []

    def get_osfhandle(self, fd):
        return fd

    def locking(self, fd, mode, nbytes):
        self.calls.append((mode, nbytes, os.lseek(fd, 0, os.SEEK_CUR)))
        if mode == LK_UNLCK:
            fcntl.flock(fd, fcntl.LOCK_UN)
            return
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise OSError(errno.EACCES, "Permission denied") from None


@pytest.fixture
def windows_locks(monkeypatch):
    """No fcntl; kernel32 and msvcrt faked: LockFileEx is the mechanism."""
    kernel32, msvcrt = FakeKernel32(), FakeMsvcrt()
    monkeypatch.setattr(locks, "fcntl", None)
    monkeypatch.setattr(locks, "msvcrt", msvcrt)
    monkeypatch.setattr(locks, "kernel32", kernel32)
    monkeypatch.setattr(locks, "last_error", kernel32.last_error)
    return kernel32


@pytest.fixture
def msvcrt_only(monkeypatch):
    """No fcntl, no ctypes' kernel32: msvcrt.locking is the mechanism."""
    msvcrt = FakeMsvcrt()
    monkeypatch.setattr(locks, "fcntl", None)
    monkeypatch.setattr(locks, "msvcrt", msvcrt)
    monkeypatch.setattr(locks, "kernel32", None)
    return msvcrt


@pytest.fixture
def no_locks(monkeypatch):
    for name in ("fcntl", "msvcrt", "kernel32"):
        monkeypatch.setattr(locks, name, None)


# -- 1. locks ----------------------------------------------------------------------------------------

def test_lockfileex_gives_shared_and_exclusive_locks(tmp_path, windows_locks):
    path = tmp_path / "locks" / "k.lock"
    assert locks.locker() is locks.LockFileEx
    with locks.key_lock(path, shared=True) as first:
        with locks.key_lock(path, shared=True, wait=False) as second:   # readers together
            with locks.key_lock(path, wait=False) as writer:              # a writer is refused
                assert (first, second, writer) == (True, True, False)
    with locks.key_lock(path, wait=False) as writer:
        with locks.key_lock(path, shared=True, wait=False) as reader:
            assert (writer, reader) == (True, False)
    flags = [call[2] for call in windows_locks.calls if call[0] == "LockFileEx"]
    exclusive, now = locks.LOCKFILE_EXCLUSIVE_LOCK, locks.LOCKFILE_FAIL_IMMEDIATELY
    assert flags == [0, now, exclusive | now, exclusive | now, now]
    assert all(call[3:] == (0, 1, 0) for call in windows_locks.calls if call[0] == "LockFileEx")  # byte 0, one byte
    granted = sum(1 for call in windows_locks.calls if call[0] == "LockFileEx") - 2
    assert sum(1 for call in windows_locks.calls if call[0] == "UnlockFileEx") == granted


def test_msvcrt_locking_takes_a_shared_lock_exclusively_and_waits_for_it(tmp_path, msvcrt_only):
    path = tmp_path / "locks" / "k.lock"
    assert locks.locker() is locks.MsvcrtLocking and "exclusive only" in locks.describe()
    with locks.key_lock(path, shared=True) as reader:
        with locks.key_lock(path, shared=True, wait=False) as another:   # degraded: no second reader
            assert (reader, another) == (True, False)
    got = []
    with locks.key_lock(path):
        waiter = threading.Thread(target=lambda: got.append(locks.key_lock(path, shared=True).__enter__()))
        waiter.start()
        time.sleep(0.3)
        assert got == []                  # waits while the lock is held
    waiter.join(timeout=30)
    assert got == [True]
    assert all(position == 0 and nbytes == 1 for _, nbytes, position in msvcrt_only.calls)
    assert {mode for mode, _, _ in msvcrt_only.calls} == {LK_NBLCK, LK_UNLCK}


@pytest.mark.parametrize("mechanism", ["flock", "LockFileEx", "msvcrt"])
def test_a_lock_file_its_holder_removes_is_never_held_by_two_on_any_os(tmp_path, mechanism, request):
    """store/locks.py's lock + unlink protocol with every mechanism (test_cache_hostile's, for flock)."""
    if mechanism != "flock":
        request.getfixturevalue({"LockFileEx": "windows_locks", "msvcrt": "msvcrt_only"}[mechanism])
    path = tmp_path / "locks" / "k.lock"
    seen = {}

    def waiter():
        with disk.key_lock(path) as held:
            with disk.key_lock(path, wait=False) as also:
                seen.update(held=held, also=also)
    with disk.key_lock(path):
        thread = threading.Thread(target=waiter)
        thread.start()
        time.sleep(0.3)
        os.unlink(path)
    thread.join(timeout=30)
    assert seen == {"held": True, "also": False}


def test_without_any_locks_nothing_pretends_to_lock(tmp_path, no_locks):
    path = tmp_path / "locks" / "k.lock"
    assert locks.locker() is None and locks.describe().startswith("none")
    with pytest.raises(locks.LocksUnavailable, match="no file locks"):
        with locks.key_lock(path):
            pass
    with locks.key_lock(path, wait=False) as held:   # eviction and clear: nobody can say it is free
        assert held is False


@needs_native
def test_without_any_locks_the_cache_is_only_read_and_builds_are_private(tmp_path, new_process, monkeypatch):
    root = tmp_path / "cache"
    new_process()
    run_affine(root, 0.5, 1.0)   # one entry, made while locks work
    before = {p: p.stat().st_mtime_ns for p in root.rglob("*")}
    for name in ("fcntl", "msvcrt", "kernel32"):
        monkeypatch.setattr(locks, name, None)
    new_process()
    with pytest.warns(RuntimeWarning, match=f"cache directory {root} is only read .this system has no file locks"):
        held = run_affine(root, 0.5, 1.0)
    lacking = run_affine(root, 2.0, 1.0)
    assert held.libraries.cache.read_only and held.stats["disk_hits"] == 1 and held.stats["compiles"] == 0
    assert lacking.stats["compiles"] == 1
    assert {p: p.stat().st_mtime_ns for p in root.rglob("*")} == before   # nothing built into it


# -- 2. loading without /proc/self/fd ---------------------------------------------------------------

def test_without_proc_the_library_loaded_is_a_private_copy_of_the_checked_bytes(tmp_path, new_process,
                                                                                monkeypatch):
    root = tmp_path / "cache"
    new_process()
    run_affine(root)
    library, _ = only_entry(root)
    key = library.stem
    monkeypatch.setattr(fs, "PROC_FD", False)
    seen = []

    def opener(path):
        st = os.lstat(path)
        seen.append((Path(path), stat.S_ISREG(st.st_mode), stat.S_IMODE(st.st_mode), entries.file_sha256(path)))
        return "loaded"
    assert entries.CacheIndex(entries.CacheLocator(root)).load(key, opener) == ("loaded", None)
    ((copy, regular, mode, sha),) = seen
    assert copy.parent == Path(fs.process_dir()) and regular and mode == 0o700
    assert sha == json.loads(library.with_suffix(".json").read_text())["sha256"]
    assert not copy.exists()   # removed after the load: the loaded code stays mapped


SWAP_WITHOUT_PROC = textwrap.dedent("""
    import json, os, sys
    import numpy as np
    import resin_jit as rj
    from resin_jit.runtime import load
    from resin_jit.store import fs
    fs.PROC_FD = False   # as on macOS and Windows
    root, other, target = sys.argv[1:4]
    original, loaded = load.LoadedLibrary, []
    def swap_then_load(path):  # after every check passed, before dlopen(): another library takes the name
        os.replace(other, target)
        loaded.append(str(path))
        return original(path)
    load.LoadedLibrary = swap_then_load
    jit = rj.JitCompiler(rj.JitConfig(cache_dir=root))
    out = np.empty(3, np.float32)
    jit.compile_affine_simd(3.0, 1.0).process(np.arange(3, dtype=np.float32), out)
    print(json.dumps({"out": out.tolist(), "stats": jit.stats, "loaded": loaded}))
""")


@needs_native
def test_without_proc_a_library_swapped_after_its_checks_is_not_what_runs(tmp_path):
    probe(tmp_path, 3.0, 1.0)
    a, _ = only_entry(tmp_path)
    probe(tmp_path, 5.0, 1.0)
    (b,) = set((tmp_path / "kernels").rglob("*.so")) - {a}
    other = tmp_path / "b-copy.so"
    shutil.copyfile(b, other)
    proc = subprocess.run([sys.executable, "-c", SWAP_WITHOUT_PROC, str(tmp_path), str(other), str(a)],
                          capture_output=True, text=True, env={**os.environ, **CLEAN_ENV}, timeout=120)
    assert proc.returncode == 0, proc.stderr
    result = json.loads(proc.stdout.splitlines()[-1])
    assert result["stats"]["disk_hits"] == 1 and result["out"] == [1.0, 4.0, 7.0]  # 3x+1: the library checked
    assert entries.file_sha256(a) == entries.file_sha256(b)   # the swap did happen
    assert all(Path(path) != a for path in result["loaded"])


# -- 3. ownership --------------------------------------------------------------------------------------

def windows_like_stat(path):
    """What os.stat says on Windows of a folder anyone may write or only its account may: uid 0, mode 0o777."""
    return os.stat_result((stat.S_IFDIR | 0o777, 0, 0, 1, 0, 0, 0, 0, 0, 0))


def test_without_uids_ownership_is_not_checked_and_says_so(tmp_path, monkeypatch):
    monkeypatch.delattr(os, "getuid")
    assert fs.ownership() is fs.UncheckedOwnership
    assert fs.stat_problem(tmp_path, windows_like_stat(tmp_path)) is None   # mode bits mean nothing there
    assert "NOT checked" in fs.ownership().describe() and "LOCALAPPDATA" in fs.ownership().describe()
    os.chmod(tmp_path, 0o777)   # what a writable folder looks like to os.stat on Windows
    assert fs.claim_cache_dir(tmp_path / "cache") is None and fs.directories_problem(tmp_path, ["cache"]) is None


def test_with_uids_ownership_is_still_checked(tmp_path):
    assert fs.ownership() is fs.PosixOwnership
    os.chmod(tmp_path, 0o777)
    assert "writable by group or others" in fs.stat_problem(tmp_path, os.stat(tmp_path))
    foreign = os.stat_result((stat.S_IFDIR | 0o700, 0, 0, 1, os.getuid() + 1, 0, 0, 0, 0, 0))
    assert "not by this user" in fs.stat_problem(tmp_path, foreign)


def test_doctor_says_how_this_os_locks_loads_and_checks_ownership(windows_locks, monkeypatch, capsys):
    monkeypatch.setattr(fs, "PROC_FD", False)
    monkeypatch.delattr(os, "getuid")
    cli._print_platform_paths()
    lines = dict(line.split(None, 2)[1:] for line in capsys.readouterr().out.splitlines())
    assert lines["locks"].startswith("LockFileEx") and "shared and exclusive" in lines["locks"]
    assert "private copy" in lines["loading"]
    assert lines["ownership"].startswith("NOT checked")


# -- the default cache directory ---------------------------------------------------------------------

HOME = "/home/someone"


@pytest.mark.parametrize("platform, env, expected", [
    ("win32", {"LOCALAPPDATA": r"C:\Users\someone\AppData\Local"}, Path(r"C:\Users\someone\AppData\Local", "resin_jit", "Cache")),
    ("win32", {"LOCALAPPDATA": ""}, Path(HOME, "AppData", "Local", "resin_jit", "Cache")),
    ("win32", {"LOCALAPPDATA": "AppData"}, Path(HOME, "AppData", "Local", "resin_jit", "Cache")),
    ("darwin", {"XDG_CACHE_HOME": "/elsewhere"}, Path(HOME, "Library", "Caches", "resin_jit")),
    ("linux", {"XDG_CACHE_HOME": "/elsewhere"}, Path("/elsewhere", "resin_jit")),
    ("linux", {"XDG_CACHE_HOME": "relative/dir"}, Path(HOME, ".cache", "resin_jit")),
], ids=["windows", "windows-empty", "windows-relative", "macos", "linux", "linux-relative"])
def test_default_cache_dir_per_platform(monkeypatch, platform, env, expected):
    """Where each OS keeps a user's caches; an empty or relative variable would put the cache
    wherever the process runs, so it is ignored."""
    monkeypatch.setattr(sys, "platform", platform)
    monkeypatch.setenv("HOME", HOME)
    for name in ("LOCALAPPDATA", "XDG_CACHE_HOME"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    assert disk.default_cache_dir() == expected
