"""The disk cache of compiled kernels, as three parts (after numba's core/caching.py):

- CacheLocator: where a key's artifacts live, and which names in a cache directory are ours;
- CacheIndex: what is recorded beside each artifact (key, size, sha256), checked before loading
  (both in store/entries.py);
- KernelCache: the store interface's disk cache (store/interface.py), get-or-build with a lock per
  key, a private staging directory, an atomic rename into place and the metadata written last as
  the ready marker (after FEniCS ffcx); ReadOnlyLayer, a prebuilt layer, the same read only.

A library in the cache is code the next process runs. A cache directory says it is one
(CACHEDIR.TAG with resin_jit's line); one that is not tagged so, or that others can write, is
never loaded from, written to or cleared. A library is opened without following symlinks, checked
(every directory above it too) and hashed on that descriptor, and dlopen()ed through it, so
nothing can be swapped in between. A damaged entry (truncated, garbage, another key's, metadata
missing or malformed, library deleted, a directory where a file belongs) is removed, what is not a
regular file set aside, and rebuilt with a warning on the "resin_jit" logger. An entry under a
directory others can write is neither: it is left as it is (UntrustedDirectory), and the caller
builds elsewhere. A cache this process cannot write is opened read_only: loaded from, never changed.

An entry is kernels/<k>/<key>.so (.dylib for macOS, .dll for Windows: toolchain/platforms.py), <key>.json (key, size, sha256: the ready marker; its mtime is
the last use, for LRU eviction), <key>.hits (one byte appended per disk hit: O_APPEND writes from
many processes never lose a count) and, with RESIN_JIT_DEBUG=1, <key>.c and <key>.cmd. Beside
kernels/: CACHEDIR.TAG, locks/<key>.lock, staging/build-*/ (one per build under way) and the memo
folder memo/ (store/memo.py) and zig's caches zig/ (store/zig_cache.py).
"""
import contextlib
import errno
import logging
import ntpath
import os
import posixpath
import shutil
import stat
import sys
import warnings
from collections import namedtuple
from pathlib import Path

from .entries import KERNEL_SUFFIXES, CacheIndex, CacheLocator
from .fs import cache_dir_problem, directories_problem, lstat_or_none, mkdir_private, remove_file
from .locks import key_lock, remove_lock_file
from ..front.environment import env_flag
from ..front.errors import JitCompileError, JitError
from .interface import KernelStore, build_privately
from . import zig_cache

log = logging.getLogger("resin_jit")
STALE_STAGING_SECONDS = 600  # longer than build.py's compiler timeout: older staging dirs are orphans
Entry = namedtuple("Entry", "key size last_used meta hits")
Cleared = namedtuple("Cleared", "kernels files busy")  # kernels removed, other files removed, kernels in use
_warned = set()       # texts already logged by warn_once
_warned_dirs = set()  # cache directories already warned about


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
        warnings.warn(f"resin_jit: not using cache directory {root}: {problem}; kernels go to a private "
                      "temporary directory", RuntimeWarning, stacklevel=4)


def warn_read_only_dir(root, why=None):
    """Once per process and directory, as warn_unusable_dir. `why` it is only read: by default,
    that it is not writable."""
    if str(root) not in _warned_dirs:
        _warned_dirs.add(str(root))
        warnings.warn(f"resin_jit: cache directory {root} {why or 'is not writable'}: kernels there are loaded, "
                      "the others are built in a private temporary directory", RuntimeWarning, stacklevel=4)


def debug_enabled():
    """RESIN_JIT_DEBUG=1 keeps the generated sources and compiler command lines."""
    return bool(env_flag("RESIN_JIT_DEBUG"))


def default_cache_dir():
    """The platform's user cache directory for resin_jit: ~/Library/Caches/resin_jit on macOS,
    %LOCALAPPDATA%\\resin_jit\\Cache on Windows (the account's own profile: see
    fs.UncheckedOwnership), $XDG_CACHE_HOME/resin_jit elsewhere. An environment variable that is
    empty or not an absolute path is ignored (the XDG spec's rule): a relative one would put the
    cache wherever the process happens to run."""
    home = Path.home()
    if sys.platform == "darwin":
        return home / "Library" / "Caches" / "resin_jit"
    if sys.platform.startswith("win"):
        return _absolute_env("LOCALAPPDATA", home / "AppData" / "Local") / "resin_jit" / "Cache"
    return _absolute_env("XDG_CACHE_HOME", home / ".cache") / "resin_jit"


def _absolute_env(name, default):
    """The directory named by environment variable `name` if it is an absolute path, else `default`.
    Judged by the platform's own rules (C:\\ on Windows, / elsewhere), whichever os.path is loaded."""
    value = os.environ.get(name) or ""
    rules = ntpath if sys.platform.startswith("win") else posixpath
    return Path(value) if value and rules.isabs(value) else Path(default)


class ReadOnlyLayer(KernelStore):
    """A prebuilt layer: the same layout, tagged, read-only, warmed ahead (resin-jit warm)."""
    hit = "prebuilt"

    def __init__(self, root):
        owners = (os.getuid() if hasattr(os, "getuid") else 0, 0)  # ours, or installed by root
        self.root = Path(root)
        self.locator = CacheLocator(root)
        self.index = CacheIndex(self.locator, trusted_owners=owners)
        self.problem = cache_dir_problem(self.root, owners)
        if self.problem and self.root.exists():
            warn_once("not using prebuilt layer %s: %s", root, self.problem)

    def find(self, key, opener):
        if self.problem:
            return None
        loaded, problem = self.index.load(key, opener)
        if problem:
            warn_once("prebuilt layer %s: kernel %s is damaged (%s); not used", self.root, key[:16], problem)
        return loaded

    def get_or_build(self, key, opener, compile, metadata):
        raise JitError(f"prebuilt layer {self.root} is read-only: nothing is built into it")


class Claim:
    """What KernelCache.claim found for a key, or the right to build it (see there)."""

    def __init__(self, cache, key, load, loaded, how, staging=None):
        self._cache, self._key, self._load = cache, key, load
        self.loaded, self.how, self.staging = loaded, how, staging

    def commit(self, built, **meta):
        """Put the library built at `built` (inside staging) in place and load it."""
        if self.staging is None or self.loaded is not None:
            raise JitError("only a claim that found nothing is committed, once")
        self.loaded = self._cache._commit(self._key, Path(built), self._load, meta)
        self.how = "built"
        return self.loaded


def _checked_only(path):
    """An opener for entries that are checked but not opened (resin-jit warm: the code may be another tier's)."""
    return True


class UntrustedDirectory(PermissionError):
    """A directory between the cache's root and a key's entry that others could write: what is
    there may not be ours, so nothing is loaded from it, stored in it or removed from it."""


class KernelCache(KernelStore):
    """Get a key's library from the disk cache, or claim the right to build it once and store it.
    A read_only cache (this user's own, tagged, and not writable here) is only loaded from: what
    it lacks is built in a private directory."""

    def __init__(self, root, max_bytes=None, read_only=False, library_suffix=None):
        self.locator = CacheLocator(root, library_suffix)
        self.index = CacheIndex(self.locator)
        self.max_bytes = max_bytes
        self.read_only = read_only

    @property
    def root(self):
        return self.locator.root

    def find(self, key, load):
        """load(path) of the key's library if the cache holds it whole, else None. Loading holds
        the key's lock shared, so eviction (which needs it exclusive) never removes an entry
        while a process checks and opens it. A read-only cache has no lock to take and nothing
        removes its entries: it is loaded from as it is, no use recorded."""
        if self.read_only:
            loaded, problem = self.index.load(key, load)
            if problem:
                warn_once("kernel %s in the read-only cache %s is not used: %s", key[:16], self.root, problem)
            return loaded
        with key_lock(self.locator.lock(key), shared=True):
            loaded, _ = self.index.load(key, load)
            if loaded is not None:
                self.index.touch(key)  # under the lock: an entry evicted meanwhile gets no stray .hits
        return loaded

    @contextlib.contextmanager
    def claim(self, key, load):
        """A Claim on the key's library. Its `loaded` is set when the cache has it; else the key's
        lock is held until the block ends, `staging` is a directory of the caller's to build in,
        and `commit(path, **meta)` puts the built library in place (the metadata written last, as
        the ready marker) and loads it. `load(path)` opens a library, raising JitCompileError if
        it cannot (a `load` that only returns True checks an entry without opening it)."""
        lock = self.locator.lock(key)
        loaded = self.find(key, load)
        if loaded is not None:
            yield Claim(self, key, load, loaded, "disk")
            return
        if self.read_only:
            raise PermissionError(errno.EROFS, f"{self.root} is read-only: kernels are not stored there")
        with key_lock(lock):
            self._check_directories(key, missing_ok=True)   # before an entry there is judged or removed
            loaded, problem = self.index.load(key, load)  # another process may have built it meanwhile
            if loaded is not None:
                self.index.touch(key)
                yield Claim(self, key, load, loaded, "disk")
                return
            if problem:
                log.warning("damaged cache entry %s (%s): removed and rebuilt", key[:16], problem)
                self.index.remove(key)
            mkdir_private(self.locator.library(key).parent)
            self._check_directories(key)
            claim = Claim(self, key, load, None, None, self.locator.staging())
            keep_staging = False
            try:
                yield claim
            except JitError:
                keep_staging = True  # the error names the source inside staging: leave it there to be read
                raise
            finally:
                if debug_enabled():
                    self._keep_sources(key, claim.staging)
                if not keep_staging:
                    shutil.rmtree(claim.staging, ignore_errors=True)
        if claim.loaded is not None and self.max_bytes is not None:
            self.evict(self.max_bytes, keep=key)

    def get_or_build(self, key, opener, compile, metadata):
        if self.read_only:
            loaded = self.find(key, opener)
            return (loaded, "disk") if loaded is not None else (opener(build_privately(key, compile)), "built")
        try:
            with self.claim(key, opener) as claim:
                if claim.loaded is None:
                    claim.commit(compile(claim.staging), **metadata())
        except UntrustedDirectory as exc:
            warn_once("not using the kernel cache %s for kernels under %s: %s; nothing there is loaded, "
                      "replaced or removed, they are built in a private directory", self.root,
                      self.locator.library(key).parent, exc.strerror)
            return opener(build_privately(key, compile)), "built"
        except OSError as exc:  # the cache became unwritable: disk full, over quota, read-only remount
            warn_once("cannot write to the kernel cache %s (%s): building in a private directory",
                      self.root, exc.strerror or exc)
            return opener(build_privately(key, compile, exc, self.root)), "built"
        return claim.loaded, claim.how

    def put(self, key, compile, metadata):
        if self.read_only:
            raise JitError(f"nothing to store into: the kernel cache {self.root} is read-only")
        with self.claim(key, _checked_only) as claim:
            if claim.loaded is None:
                claim.commit(compile(claim.staging), **metadata())
        return "built" if claim.how == "built" else "cached"

    def _check_directories(self, key, missing_ok=False):
        """Raise UntrustedDirectory if others could write a directory above the key's entry: what
        is there they could have put, what we put there they could swap later."""
        reason = directories_problem(self.root, self.locator.shard(key), missing_ok=missing_ok)
        if reason:
            raise UntrustedDirectory(errno.EPERM, reason)

    def _commit(self, key, built, load, meta):
        """Put a library built in staging into place, with the key's lock held, and load it. One
        that does not load is an error, not a reason to build again, and it leaves no entry."""
        final = self.locator.library(key)
        os.chmod(built, 0o700)
        os.replace(built, final)
        try:
            self.index.record(key, final, **meta)
        except OSError:
            self.index.remove(key)  # a library without its ready marker is no entry
            raise
        loaded, problem = self.index.load(key, load)
        if loaded is None:
            self.index.remove(key)
            raise JitCompileError(f"kernel {final} was built but {problem or 'disappeared'}")
        return loaded

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
            path = self.locator.any_library(key)
            library, marker = (lstat_or_none(path) if path else None), lstat_or_none(self.locator.meta(key))
            if meta is not None and library is not None and marker is not None and stat.S_ISREG(library.st_mode):
                rows.append(Entry(key, library.st_size, marker.st_mtime, meta, self.index.hits(key)))
        return sorted(rows, key=lambda r: r.last_used)

    def evict(self, max_bytes, keep=None):
        """Remove least recently used entries until the cache holds at most max_bytes; an entry
        whose lock someone holds (loading or building it) is skipped. Returns the keys removed.
        A directory that is not a resin_jit cache (any more) is left alone, with a warning."""
        problem = cache_dir_problem(self.root)
        if problem:
            warn_once("not evicting from %s: %s", self.root, problem)
            return []
        rows = self.entries()
        total = sum(r.size for r in rows)
        removed = []
        for row in rows:
            if total <= max_bytes:
                break
            if row.key == keep:
                continue
            try:
                if self._remove_unlocked(row.key) is None:
                    continue
            except OSError as exc:
                warn_once("cannot evict from the kernel cache %s (%s)", self.root, exc.strerror or exc)
                break
            total -= row.size
            removed.append(row.key)
            log.info("evicted kernel %s (%d bytes) from the cache", row.key[:16], row.size)
        return removed

    def _remove_unlocked(self, key):
        """Remove the key's entry and its lock file: the suffixes removed, or None if someone holds the lock."""
        lock = self.locator.lock(key)
        with key_lock(lock, wait=False) as held:
            if not held:
                return None
            removed = self.index.remove(key)
            remove_lock_file(lock)
            return removed

    def clear(self):
        """Remove every entry nobody is using and its lock file, the memo files, zig's caches
        (store/zig_cache.py), what crashed builds left, then the cache's folders that are left
        empty: only names this cache makes, whatever else is in the directory stays. A directory that is not a resin_jit cache is
        refused (ValueError). Returns Cleared(kernels, files, busy)."""
        problem = cache_dir_problem(self.root)
        if problem:
            raise ValueError(f"refusing to clear {self.root}: {problem}")
        entries, locks = set(self.locator.keys()), set(self.locator.lock_keys())
        kernels = files = busy = 0
        for key in sorted(entries | locks):
            removed = self._remove_unlocked(key)
            if removed is None:
                busy += key in entries
                continue
            kernels += bool(removed & KERNEL_SUFFIXES)
            files += len(removed - KERNEL_SUFFIXES) + (key in locks)
        files += sum(remove_file(path) for path in self.locator.memo_files())
        files += zig_cache.clear(self.root)
        for path in self.locator.leftovers(STALE_STAGING_SECONDS):
            files += self._remove_leftover(path)
        for folder in self.locator.folders():
            with contextlib.suppress(OSError):
                os.rmdir(folder)  # only if empty
        return Cleared(kernels, files, busy)

    def tidy(self):
        """Remove the lock files nobody holds, what crashed builds left and zig's caches (a prebuilt
        layer ships its entries, not these); returns how many files went. A directory that is not a resin_jit
        cache is left alone, with a warning."""
        problem = cache_dir_problem(self.root)
        if problem:
            warn_once("not tidying %s: %s", self.root, problem)
            return 0
        files = 0
        for key in self.locator.lock_keys():
            lock = self.locator.lock(key)
            with key_lock(lock, wait=False) as held:
                if held:
                    remove_lock_file(lock)
                    files += 1
        for path in self.locator.leftovers(STALE_STAGING_SECONDS):
            files += self._remove_leftover(path)
        files += zig_cache.clear(self.root)   # what a warm of an older version left there
        for folder in self.locator.folders():
            with contextlib.suppress(OSError):
                os.rmdir(folder)  # only if empty
        return files

    @staticmethod
    def _remove_leftover(path):
        st = lstat_or_none(path)
        if st is not None and stat.S_ISDIR(st.st_mode):  # a staging dir: named by us, filled by our builds
            shutil.rmtree(path, ignore_errors=True)
            return 1
        return remove_file(path)

    def summary(self):
        rows = self.entries()
        return {"root": str(self.root), "entries": len(rows), "bytes": sum(r.size for r in rows),
                "hits": sum(r.hits for r in rows), "max_bytes": self.max_bytes}
