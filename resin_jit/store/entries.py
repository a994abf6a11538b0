"""The entries of a kernel cache directory: where a key's files live and which names there are
ours (CacheLocator), and what is recorded beside each library and checked before it is loaded
(CacheIndex). store/disk.py builds the get-or-build cache on them; see its docstring for the layout.
"""
import contextlib
import hashlib
import json
import os
import re
import stat
import tempfile
import time
from pathlib import Path

from .fs import (SAFE_FLAGS, Refused, directories_problem, dlopen_path, lstat_or_none, mkdir_private, open_regular,
                      read_fd, remove_file, write_atomically)
from ..front.errors import JitCompileError
from . import memo
from ..toolchain import platforms
from ..toolchain.platforms import ALL_LIBRARY_SUFFIXES

# A key's library is named as its platform names shared libraries (platforms.py: .so, .dylib,
# .dll); a layer warmed for several platforms holds all three kinds, so each is a name of ours.
LIBRARY_SUFFIX = platforms.host().library_suffix
ENTRY_SUFFIXES = (".json", *ALL_LIBRARY_SUFFIXES, ".hits", ".c", ".cmd")  # the metadata goes first
KERNEL_SUFFIXES = {".json", *ALL_LIBRARY_SUFFIXES}  # any one left is a kernel still there
KEY_FILE = re.compile(r"([0-9a-f]{64})(\.json|\.so|\.dylib|\.dll|\.hits|\.c|\.cmd)")
LOCK_FILE = re.compile(r"([0-9a-f]{64})\.lock")
SHARD = re.compile(r"[0-9a-f]{2}")
STAGING_PREFIX = "build-"
# What a writer that died left of its temporary files (memos, fs.write_tag, CacheIndex.record)
TEMPORARY_FILE = re.compile(
    r"\.(toolchains\.json|fingerprints\.json|CACHEDIR\.TAG|[0-9a-f]{64}\.json)\.[0-9]+\.[0-9]+\.tmp")


def _names(folder, follow=False):
    """The names in `folder`, or [] if it is not a directory; unless follow=True, not if it is a
    symlink either (only the root may be one: a user's choice)."""
    is_dir = os.path.isdir(folder) if follow else stat.S_ISDIR(getattr(lstat_or_none(folder), "st_mode", 0))
    try:
        return os.listdir(folder) if is_dir else []
    except OSError:
        return []


class CacheLocator:
    """Where a key's artifacts live under one root directory, and which names there are ours.
    Its libraries are named with `library_suffix`: this platform's, or the one warmed for."""

    def __init__(self, root, library_suffix=None):
        self.root = Path(root)
        self.library_suffix = library_suffix or LIBRARY_SUFFIX
        if self.library_suffix not in ALL_LIBRARY_SUFFIXES:
            raise ValueError(f"not a shared library suffix: {self.library_suffix!r}")

    def entry(self, key, suffix):
        return self.root / "kernels" / key[:2] / f"{key}{suffix}"

    def library(self, key):
        return self.entry(key, self.library_suffix)

    def any_library(self, key):
        """The key's library whatever platform's it is (a layer warmed for several), or None."""
        for suffix in (self.library_suffix, *ALL_LIBRARY_SUFFIXES):
            if lstat_or_none(self.entry(key, suffix)) is not None:
                return self.entry(key, suffix)
        return None

    def meta(self, key):
        return self.entry(key, ".json")

    def hits(self, key):
        return self.entry(key, ".hits")

    def lock(self, key):
        return self.root / "locks" / f"{key}.lock"

    @staticmethod
    def shard(key):
        """The directories between the root and a key's files."""
        return ("kernels", key[:2])

    def staging(self):
        parent = self.root / "staging"
        mkdir_private(parent)
        return Path(tempfile.mkdtemp(prefix=STAGING_PREFIX, dir=parent))

    def shards(self):
        return [self.root / "kernels" / name for name in sorted(_names(self.root / "kernels")) if SHARD.fullmatch(name)]

    def keys(self):
        """Every key with any file of an entry (half an entry is still an entry to clean): names of
        64 hex digits and one of our suffixes, in the folder of their first two digits."""
        found = set()
        for shard in self.shards():
            for name in _names(shard):
                match = KEY_FILE.fullmatch(name)
                if match and match.group(1).startswith(shard.name):
                    found.add(match.group(1))
        return sorted(found)

    def lock_keys(self):
        return sorted(m.group(1) for m in map(LOCK_FILE.fullmatch, _names(self.root / "locks")) if m)

    def memo_files(self):
        return memo.files(self.root)

    def leftovers(self, older_than):
        """Staging dirs and temporary files that crashed builds and writers left, older than `older_than` s."""
        found = [self.root / "staging" / n for n in _names(self.root / "staging") if n.startswith(STAGING_PREFIX)]
        for folder, follow in ((self.root, True), (self.root / memo.FOLDER, False),
                               *((shard, False) for shard in self.shards())):
            found += [folder / n for n in _names(folder, follow) if TEMPORARY_FILE.fullmatch(n)]
        now = time.time()
        return [p for p in found if now - getattr(lstat_or_none(p), "st_mtime", now) > older_than]

    def folders(self):
        """The folders the cache makes, deepest first."""
        return [*self.shards(), *(self.root / name for name in ("kernels", "locks", "staging", memo.FOLDER))]


def file_sha256(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def _parse_meta(text):
    try:
        meta = json.loads(text)
    except ValueError:
        return None
    return meta if isinstance(meta, dict) else None


class CacheIndex:
    """The metadata beside each artifact, and the check that the artifact still matches it."""

    def __init__(self, locator, trusted_owners=None):
        self.locator = locator
        self.trusted_owners = trusted_owners

    def read(self, key):
        """The key's metadata, or None (missing, not a regular file, malformed)."""
        try:
            return self._read(key, trust=False)
        except Refused:
            return None

    def _read(self, key, trust):
        """The key's metadata (None if malformed); raises Refused for a file not to be read."""
        fd, _ = open_regular(self.locator.meta(key), self.trusted_owners, trust)
        try:
            return _parse_meta(read_fd(fd))
        finally:
            os.close(fd)

    def load(self, key, load):
        """(load(path), None) for a whole entry, checked and opened so that nothing can be swapped
        in before dlopen(); (None, problem) if it is damaged or does not load; (None, None) if
        there is none. Builders hold the key's lock exclusively from the rename to the metadata
        write, so a library without metadata seen under the lock is a crashed build."""
        opened, problem = self._open(key)
        if opened is None:
            return None, problem
        fd, verified = opened
        try:
            with dlopen_path(fd, verified, self.locator.library_suffix) as path:
                return load(path), None
        except JitCompileError as exc:
            return None, f"does not load: {exc.__cause__ or exc}"  # what dlopen() said
        finally:
            os.close(fd)

    def _open(self, key):
        found = {suffix: lstat_or_none(self.locator.entry(key, suffix)) for suffix in ENTRY_SUFFIXES}
        for suffix, st in found.items():
            if st is not None and not stat.S_ISREG(st.st_mode):
                return None, f"{self.locator.entry(key, suffix).name} is not a regular file"
        library = found[self.locator.library_suffix]
        if found[".json"] is None:
            return (None, "metadata missing") if library else (None, None)
        if library is None:
            return None, "library missing"
        try:
            return self._open_checked(key), None
        except Refused as exc:
            return None, str(exc)
        except OSError as exc:
            return None, f"unreadable ({exc.strerror})"

    def _open_checked(self, key):
        """(descriptor, bytes) of the key's library, every check passed on them; raises Refused."""
        # Whoever can write a directory above, or the metadata, can swap the code and its recorded hash.
        problem = directories_problem(self.locator.root, self.locator.shard(key), self.trusted_owners)
        if problem:
            raise Refused(problem)
        meta = self._read(key, trust=True)
        if meta is None or not isinstance(meta.get("sha256"), str) or not isinstance(meta.get("size"), int):
            raise Refused("malformed metadata")
        if meta.get("key") != key:
            raise Refused(f"the metadata is kernel {str(meta.get('key'))[:16]}'s, not this key's")
        fd, st = open_regular(self.locator.library(key), self.trusted_owners, trust=True)
        try:
            if st.st_size != meta["size"]:
                raise Refused(f"size {st.st_size} != recorded {meta['size']}")
            verified = read_fd(fd)
            if hashlib.sha256(verified).hexdigest() != meta["sha256"]:
                raise Refused("sha256 does not match the recorded one")
        except BaseException:
            os.close(fd)
            raise
        return fd, verified

    def record(self, key, library, **extra):
        """Write the metadata (the ready marker) atomically, after the library is in place."""
        meta = {"key": key, "size": library.stat().st_size, "sha256": file_sha256(library),
                "created": time.time(), **extra}
        write_atomically(self.locator.meta(key), json.dumps(meta, indent=1).encode())
        return meta

    def touch(self, key):
        """Mark a use: the metadata's mtime is the entry's last use (LRU); one byte more of hits."""
        with contextlib.suppress(OSError):
            os.utime(self.locator.meta(key))
            fd = os.open(self.locator.hits(key), os.O_WRONLY | os.O_APPEND | os.O_CREAT | SAFE_FLAGS, 0o600)
            try:
                os.write(fd, b".")
            finally:
                os.close(fd)

    def hits(self, key):
        st = lstat_or_none(self.locator.hits(key))
        return st.st_size if st is not None and stat.S_ISREG(st.st_mode) else 0

    def remove(self, key):
        """Remove the entry's files (what is not a regular file is set aside); the suffixes removed."""
        return {suffix for suffix in ENTRY_SUFFIXES if remove_file(self.locator.entry(key, suffix))}
