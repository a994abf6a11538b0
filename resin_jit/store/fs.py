"""File-system primitives of the disk cache (store/disk.py): whose a directory is, the cache directory
tag, files opened so that what is checked is what is read, the path a verified library is loaded
from, and moving aside what is not ours (the per-key locks are store/locks.py).

Everything found on disk is untrusted input: a cache directory must say it is one (CACHEDIR.TAG,
https://bford.info/cachedir/), files are opened without following symlinks and checked on the
descriptor, and what is not a regular file where the cache keeps one is renamed away, never
deleted (it may not be ours).
"""
import atexit
import contextlib
import errno
import itertools
import json
import logging
import os
import secrets
import shutil
import stat
import tempfile
import threading
from pathlib import Path

from ..front.environment import env_flag

log = logging.getLogger("resin_jit")
TAG_NAME = "CACHEDIR.TAG"
TAG_SIGNATURE = b"Signature: 8a477f597d28d172789f06886806bc55"   # every program's tag starts so
# resin_jit's own line after the signature (the spec leaves the rest to each program): a directory
# another program tagged is not ours. Every resin_jit so far has written exactly this line.
TAG_OWNER_LINE = b"# This file is a cache directory tag created by resin_jit."
TAG_TEXT = TAG_SIGNATURE + b"\n" + TAG_OWNER_LINE + (
    b"\n# For information about cache directory tags see https://bford.info/cachedir/\n")
TAG_MOST_BYTES = 4096   # read of a tag: more than ours, and bounded whatever is there
TAG_TMP_PREFIX = f".{TAG_NAME}."   # write_atomically's temporary names
NOT_TAGGED = "not a resin_jit cache directory (no CACHEDIR.TAG)"
OTHERS_TAG = "not a resin_jit cache directory (its CACHEDIR.TAG is another program's)"
# Never through a symlink, never blocking on a FIFO, not inherited by the compiler.
SAFE_FLAGS = getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0)
READ_FLAGS = os.O_RDONLY | SAFE_FLAGS
PROC_FD = os.path.isdir("/proc/self/fd")
_process_dirs = {}  # pid → process_dir()
_link_numbers = itertools.count()


class Refused(Exception):
    """A file or directory the cache must not use; the message says why."""


# -- whose it is ---------------------------------------------------------------------------------

class PosixOwnership:
    """Linux, macOS, the BSDs: a file's uid, and its group and other write bits, say who can change it."""
    name = "uid and mode"

    @staticmethod
    def applies():
        return hasattr(os, "getuid")

    @staticmethod
    def problem(path, st, owners):
        if st.st_uid not in (owners or (os.getuid(),)):
            return f"{path} is owned by uid {st.st_uid}, not by this user (uid {os.getuid()})"
        if st.st_mode & (stat.S_IWGRP | stat.S_IWOTH):
            return f"{path} is writable by group or others (mode {stat.S_IMODE(st.st_mode):o})"
        return None

    @staticmethod
    def describe():
        return ("checked: the cache, its folders and every entry owned by this user (uid "
                f"{os.getuid()}) and writable by nobody else")


class UncheckedOwnership:
    """Windows: no uid (os.stat's st_uid is 0 for every file), and the mode bits only mirror the
    read-only attribute (a writable file reads 0o666 whoever may write it): who may write is in
    the ACLs, which are not read here. What the cache trusts is the folder it is in: the default,
    %LOCALAPPDATA%\\resin_jit\\Cache, is in the account's own profile, which other users cannot
    write unless its ACL was changed. A cache_dir somewhere shared is trusted as it is."""
    name = "none"

    @staticmethod
    def applies():
        return True

    @staticmethod
    def problem(path, st, owners):
        return None

    @staticmethod
    def describe():
        return ("NOT checked: this system has no uid and its mode bits do not say who may write (Windows ACLs are "
                "not read); the cache is as private as its folder (the default, under %LOCALAPPDATA%, is the "
                "account's own), so do not point RESIN_JIT_CACHE_DIR at a folder other accounts can write")


OWNERSHIPS = (PosixOwnership, UncheckedOwnership)   # the first that applies to this system is used


def ownership():
    """How this system's ownership checks are done (an OWNERSHIPS entry)."""
    return next(policy for policy in OWNERSHIPS if policy.applies())


def stat_problem(path, st, owners=None):
    """Why a file or directory with stat `st` must not be trusted (its owner, its mode), or None.
    `owners`: the uids allowed to own it (default: this user only). On a system without uids
    nothing is checked (UncheckedOwnership says why)."""
    return ownership().problem(path, st, owners)


def untrusted_reason(path, owners=None):
    """Why `path` must not be loaded from (owner, permissions), or None if it is ours alone."""
    try:
        st = os.stat(path)
    except OSError as exc:
        return f"cannot stat {path}: {exc.strerror}"
    return stat_problem(path, st, owners)


def directories_problem(root, below, owners=None, missing_ok=False):
    """Why the directories from `root` down through `below` (names under it) cannot be trusted,
    or None. Checked top down, so each is one only its owner could have replaced; the root may
    be a symlink (a user's choice), nothing below it may. With missing_ok, the first directory
    below the root that does not exist ends the check (nothing under it to distrust yet)."""
    path = Path(root)
    for name in (None, *below):
        path = path if name is None else path / name
        try:
            st = os.stat(path) if name is None else os.lstat(path)
        except FileNotFoundError:
            if missing_ok and name is not None:
                return None
            return f"cannot stat {path}: No such file or directory"
        except OSError as exc:
            return f"cannot stat {path}: {exc.strerror}"
        if not stat.S_ISDIR(st.st_mode):
            return f"{path} is not a directory"
        problem = stat_problem(path, st, owners)
        if problem:
            return problem
    return None


# -- the cache directory tag -----------------------------------------------------------------------

def tag_problem(root):
    """None if root/CACHEDIR.TAG is resin_jit's: a regular file whose first line is the tag's
    signature and which has TAG_OWNER_LINE after it; else why `root` is not a resin_jit cache."""
    try:
        fd, _ = open_regular(Path(root) / TAG_NAME)
    except (Refused, OSError):
        return NOT_TAGGED
    try:
        lines = os.read(fd, TAG_MOST_BYTES).splitlines()
    except OSError:
        return NOT_TAGGED
    finally:
        os.close(fd)
    if lines[:1] != [TAG_SIGNATURE]:
        return NOT_TAGGED
    return None if TAG_OWNER_LINE in lines[1:] else OTHERS_TAG


def is_tagged(root):
    """True if root/CACHEDIR.TAG is resin_jit's (tag_problem)."""
    return tag_problem(root) is None


def cache_dir_problem(root, owners=None):
    """Why `root` is not a resin_jit cache directory this process may use, or None."""
    root = Path(root)
    if not root.exists():
        return f"{root} does not exist"
    if not root.is_dir():
        return f"{root} is not a directory"
    return untrusted_reason(root, owners) or tag_problem(root)


def claim_cache_dir(root):
    """Make `root` a resin_jit cache directory if it is absent (created mode 0700) or empty, and
    tag it; None if it is then one this process may use, else why not. A directory with other
    things in it and no tag is somebody else's: nothing is written there."""
    root = Path(root)
    try:
        mkdir_private(root)
    except OSError as exc:
        return f"cannot create {root}: {exc.strerror}"
    if not root.is_dir():
        return f"{root} is not a directory"
    problem = untrusted_reason(root)
    if problem or is_tagged(root):
        return problem
    with os.scandir(root) as found:  # a tag being written by another process does not count
        others = any(not entry.name.startswith(TAG_TMP_PREFIX) for entry in found)
    if others:   # another process may have tagged it and started using it since we looked
        return None if is_tagged(root) else tag_problem(root)
    try:
        write_tag(root)
    except OSError as exc:
        return f"cannot write {root / TAG_NAME}: {exc.strerror}"
    return None


def claim_writable_cache_dir(root):
    """claim_cache_dir, and this process can write there: None, else why the cache cannot be used."""
    problem = claim_cache_dir(root)
    if problem is None and not os.access(root, os.W_OK):
        problem = f"{root} is not writable"
    return problem


def write_tag(root):
    """root/CACHEDIR.TAG, written whole (a reader never sees half of it)."""
    write_atomically(Path(root) / TAG_NAME, TAG_TEXT)


# -- files -----------------------------------------------------------------------------------------

def open_regular(path, owners=None, trust=False):
    """(fd, stat) of the regular file `path` opened read-only (READ_FLAGS), checked on the
    descriptor itself, so that what is checked is what is then read. With trust=True it must
    also be owned by `owners` and writable by nobody else. Raises Refused; the caller closes fd."""
    try:
        fd = os.open(path, READ_FLAGS)
    except FileNotFoundError:
        raise Refused(f"{Path(path).name} missing") from None
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise Refused(f"{path} is a symbolic link") from None
        raise Refused(f"cannot open {path}: {exc.strerror}") from None
    st = os.fstat(fd)
    problem = None if stat.S_ISREG(st.st_mode) else f"{path} is not a regular file"
    if problem is None and trust:
        problem = stat_problem(path, st, owners)
    if problem:
        os.close(fd)
        raise Refused(problem)
    return fd, st


def write_atomically(path, data):
    """`data` (bytes) into `path` whole: a reader finds the old file or the new one, never half.
    The temporary name is `.<name>.<pid>.<thread>.tmp` (store/entries.py's leftovers know it)."""
    path = Path(path)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}.tmp")
    tmp.write_bytes(data)
    os.replace(tmp, path)


@contextlib.contextmanager
def replacing(path):
    """A new binary file (read-write) that becomes `path` whole when the block ends, or is removed
    when it raises: a reader finds the old file or the new one, and nothing is left behind. It is
    made in path's directory under a name never used before, created anew (O_EXCL: no symlink
    followed), mode 0666 less the umask as open() gives. A symlink at `path` is itself replaced;
    a directory, device, FIFO or socket there is refused (an OSError, before anything is made)."""
    path, st = Path(path), lstat_or_none(path)
    if st is not None and not (stat.S_ISREG(st.st_mode) or stat.S_ISLNK(st.st_mode)):
        kind = IsADirectoryError if stat.S_ISDIR(st.st_mode) else FileExistsError
        raise kind(errno.EISDIR if kind is IsADirectoryError else errno.EEXIST,
                   "not a regular file, which is all that is replaced: give the path of a file", str(path))
    tmp = path.with_name(f".{path.name[:200]}.{secrets.token_hex(8)}.tmp")   # within NAME_MAX
    fd = os.open(tmp, os.O_RDWR | os.O_CREAT | os.O_EXCL | SAFE_FLAGS | getattr(os, "O_BINARY", 0), 0o666)
    try:
        with os.fdopen(fd, "r+b") as out:
            yield out
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


MAX_MEMO_BYTES = 1 << 20   # a memo holds a few dozen short entries; more is not one resin_jit wrote


def read_json_object(path, max_bytes=MAX_MEMO_BYTES):
    """The JSON object in the regular file `path` (never read through a symlink or from a FIFO),
    or {} when there is none: the memo files only save time, so anything odd counts as empty
    (a file over max_bytes, or brackets nested deeper than the parser recurses)."""
    try:
        fd, _ = open_regular(path)
    except Refused:
        return {}
    try:
        data = read_fd(fd, max_bytes + 1)
        value = json.loads(data) if len(data) <= max_bytes else {}
    except (OSError, ValueError, RecursionError):
        return {}
    finally:
        os.close(fd)
    return value if isinstance(value, dict) else {}


def read_fd(fd, limit=None):
    """Every byte from the descriptor's position to the end (at most `limit` of them)."""
    chunks, size = [], 0
    while limit is None or size < limit:
        chunk = os.read(fd, 1 << 20 if limit is None else min(1 << 20, limit - size))
        if not chunk:
            break
        chunks.append(chunk)
        size += len(chunk)
    return b"".join(chunks)


def lstat_or_none(path):
    try:
        return os.lstat(path)
    except OSError:
        return None


def set_aside(path):
    """Rename what is not a regular file at one of the cache's names out of the way (it may not
    be ours, so it is never deleted)."""
    aside = Path(f"{path}.damaged-{secrets.token_hex(4)}")
    os.rename(path, aside)
    log.warning("%s is not a regular file: set aside as %s", path, aside.name)


def remove_file(path):
    """Unlink `path` if it is a regular file (or a symlink: only the link goes) and return True;
    anything else there is set aside. False if no file was removed."""
    st = lstat_or_none(path)
    if st is None:
        return False
    if not (stat.S_ISREG(st.st_mode) or stat.S_ISLNK(st.st_mode)):
        set_aside(path)
        return False
    try:
        os.unlink(path)
    except FileNotFoundError:
        return False
    return True


def mkdir_private(path):
    """mkdir -p where every directory created is mode 0700 (Path.mkdir gives parents 0777 & ~umask)."""
    path = Path(path)
    if path.is_dir():
        return
    if path.parent != path:
        mkdir_private(path.parent)
    with contextlib.suppress(FileExistsError):
        path.mkdir(mode=0o700)


def process_dir():
    """A directory of this process's own (mode 0700), removed at exit unless RESIN_JIT_DEBUG=1
    keeps the kernels built there with their sources. A forked child makes its own: it inherits
    the parent's exit handlers, and would otherwise share its link names."""
    pid = os.getpid()
    if pid not in _process_dirs:
        path = _new_private_dir()
        if env_flag("RESIN_JIT_DEBUG"):
            log.info("kernel sources and compiler command lines are kept in %s", path)
        else:
            atexit.register(_remove_own_dir, pid, path)
        _process_dirs.setdefault(pid, path)
    return _process_dirs[pid]


def private_dirs_parent():
    """Where process_dir() makes this process's directory: TMPDIR, else /tmp."""
    return os.environ.get("TMPDIR") or "/tmp"


def _new_private_dir():
    """A new mode-0700 directory in TMPDIR (else /tmp). tempfile.mkdtemp would do, but its first
    call probes every candidate directory by writing files there, which costs a new process more
    than the whole load of its first kernel."""
    base = private_dirs_parent()
    for _ in range(8):
        path = os.path.join(base, f"resin_jit-{os.getpid()}-{secrets.token_hex(4)}")
        try:
            os.mkdir(path, 0o700)
            return path
        except FileExistsError:
            continue
        except OSError:
            break
    return tempfile.mkdtemp(prefix="resin_jit-")


def _remove_own_dir(pid, path):
    if os.getpid() == pid:
        shutil.rmtree(path, ignore_errors=True)


def private_build_dir():
    """A fresh directory for one build when the cache cannot take it."""
    return Path(tempfile.mkdtemp(dir=process_dir()))


@contextlib.contextmanager
def dlopen_path(fd, verified, suffix=".so"):
    """A path that dlopen() resolves to exactly the library that was checked and hashed, whatever
    has happened to its name since: `fd` is it, open, and `verified` its bytes as hashed.
    With /proc/self/fd: a symlink to /proc/self/fd/N, in this process's own directory, under a
    name never used before. Not /proc/self/fd/N itself: glibc hands back the library already
    loaded under a name it has seen, and fd numbers are reused, so the next kernel would run the
    previous one's code. Without it (macOS, Windows, a Linux without /proc): a copy of `verified`
    written to a new file in the same private directory (private_copy)."""
    if not PROC_FD:
        with private_copy(verified, suffix) as path:
            yield path
        return
    link = os.path.join(process_dir(), f"{next(_link_numbers)}{suffix}")
    os.symlink(f"/proc/self/fd/{fd}", link)
    try:
        yield link
    finally:
        os.unlink(link)


@contextlib.contextmanager
def private_copy(data, suffix):
    """`data` in a file of its own in process_dir() (mode 0700, which only this user can enter),
    created anew (O_EXCL, no symlink followed) under a name never used before (dyld and glibc
    return the library already loaded under a name they have seen). Removed after the load: the
    loaded code stays mapped (on Windows a loaded DLL cannot be removed: process_dir's exit
    handler tries again)."""
    path = os.path.join(process_dir(), f"{next(_link_numbers)}{suffix}")
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | SAFE_FLAGS | getattr(os, "O_BINARY", 0), 0o700)
    try:
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view):]
    finally:
        os.close(fd)
    try:
        yield path
    finally:
        with contextlib.suppress(OSError):
            os.unlink(path)


def load_description():
    """One line for `resin-jit doctor`: how a verified library reaches dlopen()."""
    if PROC_FD:
        return "through /proc/self/fd: the very file that was checked"
    return "from a private copy of the checked bytes (no /proc/self/fd here)"
