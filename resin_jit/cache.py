"""The disk cache of compiled kernels, as three parts (after numba's core/caching.py):

- CacheLocator: where a key's artifacts live, and whether that directory can be trusted;
- CacheIndex: what is recorded beside each artifact (size, sha256), checked before loading;
- KernelCache: get-or-build with a lock per key, a private staging directory, an atomic
  rename into place and the metadata written last as the ready marker (after FEniCS ffcx).

A library in the cache is code the next process runs, so a directory that is not ours, or
that others can write, is never loaded from, and every artifact is hashed before loading.
A damaged entry (truncated, garbage, metadata missing or malformed, library deleted) is
removed and rebuilt with a warning on the "resin_jit" logger; nothing unverified is dlopen()ed.

An entry is kernels/<k>/<key>.so, <key>.json (size, sha256: the ready marker; its mtime is the
last use, for LRU eviction), <key>.hits (one byte appended per disk hit: O_APPEND writes from
many processes never lose a count) and, with RESIN_JIT_DEBUG=1, <key>.c and <key>.cmd.
"""
import atexit
import contextlib
import errno
import hashlib
import json
import logging
import os
import shutil
import stat
import sys
import tempfile
import threading
import time
import warnings
from collections import namedtuple
from pathlib import Path

from .errors import JitError

try:
    import fcntl
except ImportError:  # Windows: no advisory locks; the atomic rename still keeps entries whole
    fcntl = None

log = logging.getLogger("resin_jit")
LIBRARY_SUFFIX = ".so"
ENTRY_SUFFIXES = (".json", LIBRARY_SUFFIX, ".hits", ".c", ".cmd")  # the metadata goes first
STALE_STAGING_SECONDS = 600  # longer than build.py's compiler timeout: older staging dirs are orphans
Entry = namedtuple("Entry", "key size last_used meta hits")
_warned = set()       # texts already logged by warn_once
_warned_dirs = set()  # cache directories already warned about
_private = []


def warn_once(message, *args):
    """Log a warning the first time this exact text comes up in this process."""
    text = message % args
    if text not in _warned:
        _warned.add(text)
        log.warning(text)


def warn_unusable_dir(root, problem):
    """Once per process and directory (warnings' own once-per-place forgets whenever any code
    touches the filters, e.g. with warnings.catch_warnings())."""
    if str(root) not in _warned_dirs:
        _warned_dirs.add(str(root))
        warnings.warn(f"resin_jit: not using cache directory ({problem}); kernels go to a private "
                      "temporary directory", RuntimeWarning, stacklevel=4)


def debug_enabled():
    """RESIN_JIT_DEBUG=1 keeps the generated sources and compiler command lines."""
    return os.environ.get("RESIN_JIT_DEBUG", "").strip().lower() in ("1", "true", "yes", "on")


def default_cache_dir():
    """The platform's user cache directory for resin_jit."""
    home = Path.home()
    if sys.platform == "darwin":
        return home / "Library" / "Caches" / "resin_jit"
    if sys.platform.startswith("win"):
        return Path(os.environ.get("LOCALAPPDATA", home / "AppData" / "Local")) / "resin_jit" / "Cache"
    return Path(os.environ.get("XDG_CACHE_HOME") or home / ".cache") / "resin_jit"


def untrusted_reason(path, owners=None):
    """Why `path` must not be loaded from (owner, permissions), or None if it is ours alone.
    `owners`: the uids allowed to own it (default: this user only)."""
    try:
        st = os.stat(path)
    except OSError as exc:
        return f"cannot stat {path}: {exc.strerror}"
    if hasattr(os, "getuid") and st.st_uid not in (owners or (os.getuid(),)):
        return f"{path} is owned by uid {st.st_uid}, not by this user (uid {os.getuid()})"
    if st.st_mode & (stat.S_IWGRP | stat.S_IWOTH):
        return f"{path} is writable by group or others (mode {stat.S_IMODE(st.st_mode):o})"
    return None


def mkdir_private(path):
    """mkdir -p where every directory created is mode 0700 (Path.mkdir gives parents 0777 & ~umask)."""
    path = Path(path)
    if path.is_dir():
        return
    if path.parent != path:
        mkdir_private(path.parent)
    with contextlib.suppress(FileExistsError):
        path.mkdir(mode=0o700)


def make_private_dir(path):
    """Create `path` (mode 0700) if needed; returns the reason it cannot be trusted, or None."""
    try:
        mkdir_private(path)
    except OSError as exc:
        return f"cannot create {path}: {exc.strerror}"
    return untrusted_reason(path)


def private_build_dir():
    """A fresh directory of this process's own, removed at exit: builds when the cache is unwritable."""
    if not _private:
        _private.append(tempfile.mkdtemp(prefix="resin_jit-"))
        atexit.register(shutil.rmtree, _private[0], True)
    return Path(tempfile.mkdtemp(dir=_private[0]))


class CacheLocator:
    """Where a key's artifacts live under one root directory."""

    def __init__(self, root):
        self.root = Path(root)

    def entry(self, key, suffix):
        return self.root / "kernels" / key[:2] / f"{key}{suffix}"

    def library(self, key):
        return self.entry(key, LIBRARY_SUFFIX)

    def meta(self, key):
        return self.entry(key, ".json")

    def hits(self, key):
        return self.entry(key, ".hits")

    def lock(self, key):
        return self.root / "locks" / f"{key}.lock"

    def staging(self):
        parent = self.root / "staging"
        mkdir_private(parent)
        return Path(tempfile.mkdtemp(dir=parent))

    def keys(self):
        """Every key with a library or a metadata file (half an entry is still an entry to clean)."""
        found = (self.root / "kernels").glob("*/*")
        return sorted({p.stem for p in found if p.suffix in (LIBRARY_SUFFIX, ".json") and not p.name.startswith(".")})


def file_sha256(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


class CacheIndex:
    """The metadata beside each artifact, and the check that the artifact still matches it."""

    def __init__(self, locator, trusted_owners=None):
        self.locator = locator
        self.trusted_owners = trusted_owners

    def read(self, key):
        try:
            meta = json.loads(self.locator.meta(key).read_text())
        except (OSError, ValueError):
            return None
        return meta if isinstance(meta, dict) else None

    def check(self, key):
        """(path, None) if the artifact is whole, ours and unchanged; (None, problem) if damaged;
        (None, None) if there is no entry. Builders hold the key's lock exclusively from the rename
        to the metadata write, so a library without metadata seen under the lock is a crashed build."""
        library = self.locator.library(key)
        if not os.path.lexists(self.locator.meta(key)):
            return (None, "metadata missing") if os.path.lexists(library) else (None, None)
        try:
            problem = self._problem(key, library)
        except OSError as exc:
            problem = f"unreadable ({exc.strerror})"
        return (None, problem) if problem else (library, None)

    def _problem(self, key, library):
        meta = self.read(key)
        if meta is None or not isinstance(meta.get("sha256"), str) or not isinstance(meta.get("size"), int):
            return "malformed metadata"
        if not os.path.lexists(library):
            return "library missing"
        if not stat.S_ISREG(os.lstat(library).st_mode):
            return "library is not a regular file"
        # Whoever can write the directory or the metadata can swap the code and its recorded hash.
        for path in (library.parent, self.locator.meta(key), library):
            reason = untrusted_reason(path, self.trusted_owners)
            if reason:
                return reason
        if library.stat().st_size != meta["size"]:
            return f"size {library.stat().st_size} != recorded {meta['size']}"
        if file_sha256(library) != meta["sha256"]:
            return "sha256 does not match the recorded one"
        return None

    def record(self, key, library, **extra):
        """Write the metadata (the ready marker) atomically, after the library is in place."""
        meta = {"key": key, "size": library.stat().st_size, "sha256": file_sha256(library),
                "created": time.time(), **extra}
        target = self.locator.meta(key)
        tmp = target.with_name(f".{target.name}.{os.getpid()}.{threading.get_ident()}.tmp")
        tmp.write_text(json.dumps(meta, indent=1))
        os.replace(tmp, target)
        return meta

    def touch(self, key):
        """Mark a use: the metadata's mtime is the entry's last use (LRU); one byte more of hits."""
        with contextlib.suppress(OSError):
            os.utime(self.locator.meta(key))
            fd = os.open(self.locator.hits(key), os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
            try:
                os.write(fd, b".")
            finally:
                os.close(fd)

    def hits(self, key):
        try:
            return self.locator.hits(key).stat().st_size
        except OSError:
            return 0

    def remove(self, key):
        for suffix in ENTRY_SUFFIXES:
            with contextlib.suppress(FileNotFoundError):
                self.locator.entry(key, suffix).unlink()


@contextlib.contextmanager
def key_lock(path, shared=False, wait=True):
    """An advisory lock on `path`: exclusive to build or evict a key, shared to load it.
    With wait=False, yields False instead of waiting when someone else holds it."""
    if fcntl is None:
        yield True
        return
    mkdir_private(path.parent)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        mode = (fcntl.LOCK_SH if shared else fcntl.LOCK_EX) | (0 if wait else fcntl.LOCK_NB)
        try:
            fcntl.flock(fd, mode)
        except BlockingIOError:
            yield False
            return
        try:
            yield True
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)


def _try_load(load, path):
    """load(path), or None when a library that passed its checks still does not open."""
    try:
        return load(path)
    except (OSError, AttributeError) as exc:  # cffi: OSError from dlopen, AttributeError for a missing symbol
        log.warning("cached kernel %s passed its checks but does not load (%s)", path, exc)
        return None


class ReadOnlyLayer:
    """A prebuilt layer: the same layout, read-only, warmed ahead (resin-jit warm)."""

    def __init__(self, root):
        owners = (os.getuid() if hasattr(os, "getuid") else 0, 0)  # ours, or installed by root
        self.root = Path(root)
        self.locator = CacheLocator(root)
        self.index = CacheIndex(self.locator, trusted_owners=owners)
        self.problem = untrusted_reason(root, owners) if self.root.is_dir() else f"{root} is not a directory"
        if self.problem and self.root.exists():
            warn_once("not using prebuilt layer %s: %s", root, self.problem)

    def find(self, key):
        if self.problem:
            return None
        found, problem = self.index.check(key)
        if problem:
            warn_once("prebuilt layer %s: kernel %s is damaged (%s); not used", self.root, key[:16], problem)
        return found


class KernelCache:
    """Get a key's library from a prebuilt layer or the disk cache, or build it once and store it."""

    def __init__(self, root, layers=(), max_bytes=None):
        self.locator = CacheLocator(root)
        self.index = CacheIndex(self.locator)
        self.layers = [ReadOnlyLayer(r) for r in layers]
        self.max_bytes = max_bytes

    @property
    def root(self):
        return self.locator.root

    def load_or_build(self, key, build, load, **meta):
        """(loaded, how) with how in {"prebuilt", "disk", "built"}.

        `build(staging_dir)` writes a library and returns its path; `load(path)` opens it. Loading
        holds the key's lock shared, so eviction (which needs it exclusive) never pulls a library
        out from under a process that is opening it."""
        for layer in self.layers:
            found = layer.find(key)
            loaded = None if found is None else _try_load(load, found)
            if loaded is not None:
                return loaded, "prebuilt"
        lock = self.locator.lock(key)
        with key_lock(lock, shared=True):
            loaded, _ = self._load_checked(key, load)
            if loaded is not None:
                self.index.touch(key)  # under the lock: an entry evicted meanwhile gets no stray .hits
                return loaded, "disk"
        with key_lock(lock):
            loaded, problem = self._load_checked(key, load)  # another process may have built it meanwhile
            if loaded is not None:
                self.index.touch(key)
                return loaded, "disk"
            return self._rebuild(key, build, load, meta, problem), "built"

    def _load_checked(self, key, load):
        found, problem = self.index.check(key)
        if found is None:
            return None, problem
        loaded = _try_load(load, found)
        return (loaded, None) if loaded is not None else (None, "library does not load")

    def _rebuild(self, key, build, load, meta, problem):
        """Called with the key's lock held exclusively."""
        if problem:
            log.warning("damaged cache entry %s (%s): removed and rebuilt", key[:16], problem)
            self.index.remove(key)
        try:
            path = self._build_into_place(key, build, meta)
        except OSError as exc:  # the cache became unwritable (disk full, read-only remount): still give a kernel
            warn_once("cannot write to the kernel cache %s (%s): building in a private directory", self.root, exc)
            path = build(private_build_dir())
        loaded = load(path)
        if self.max_bytes is not None:
            self.evict(self.max_bytes, keep=key)
        return loaded

    def _build_into_place(self, key, build, meta):
        final = self.locator.library(key)
        mkdir_private(final.parent)
        reason = untrusted_reason(final.parent)
        if reason:  # what we put there now, others could swap later: build privately instead
            raise PermissionError(errno.EPERM, f"not storing kernels where {reason}")
        staging = self.locator.staging()
        keep_staging = False
        try:
            try:
                built = Path(build(staging))
            except JitError:
                keep_staging = True  # the error names the source inside staging: leave it there to be read
                raise
            os.chmod(built, 0o700)
            os.replace(built, final)
            self.index.record(key, final, **meta)
        finally:
            if debug_enabled():
                self._keep_sources(key, staging)
            if not keep_staging:
                shutil.rmtree(staging, ignore_errors=True)
        return final

    def _keep_sources(self, key, staging):
        """RESIN_JIT_DEBUG: the generated C and the compiler command line beside the entry."""
        for suffix in (".c", ".cmd"):
            for source in staging.glob(f"*{suffix}"):
                with contextlib.suppress(OSError):
                    mkdir_private(self.locator.library(key).parent)
                    shutil.copyfile(source, self.locator.entry(key, suffix))
                    log.info("kept %s of kernel %s at %s", suffix, key[:16], self.locator.entry(key, suffix))

    def entries(self):
        """[Entry] of every finished entry, least recently used first."""
        rows = []
        for key in self.locator.keys():
            meta = self.index.read(key)
            try:
                size = self.locator.library(key).stat().st_size
                used = self.locator.meta(key).stat().st_mtime
            except OSError:
                continue
            if meta is not None:
                rows.append(Entry(key, size, used, meta, self.index.hits(key)))
        return sorted(rows, key=lambda r: r.last_used)

    def evict(self, max_bytes, keep=None):
        """Remove least recently used entries until the cache holds at most max_bytes; an entry
        whose lock someone holds (loading or building it) is skipped. Returns the keys removed."""
        rows = self.entries()
        total = sum(r.size for r in rows)
        removed = []
        for row in rows:
            if total <= max_bytes:
                break
            if row.key == keep or not self._remove_unlocked(row.key):
                continue
            total -= row.size
            removed.append(row.key)
            log.info("evicted kernel %s (%d bytes) from the cache", row.key[:16], row.size)
        return removed

    def _remove_unlocked(self, key):
        with key_lock(self.locator.lock(key), wait=False) as held:
            if held:
                self.index.remove(key)
            return held

    def clear(self):
        """Remove every entry nobody is using, and staging left behind by crashed builds."""
        removed = sum(1 for key in self.locator.keys() if self._remove_unlocked(key))
        now = time.time()
        for staging in (self.root / "staging").glob("*"):
            with contextlib.suppress(OSError):
                if now - staging.stat().st_mtime > STALE_STAGING_SECONDS:
                    shutil.rmtree(staging)
        return removed

    def summary(self):
        rows = self.entries()
        return {"root": str(self.root), "entries": len(rows), "bytes": sum(r.size for r in rows),
                "hits": sum(r.hits for r in rows), "max_bytes": self.max_bytes}
