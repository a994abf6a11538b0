"""Per-key advisory locks of the disk cache (store/disk.py): shared to load a key, exclusive to
build or remove it, on every OS, by the first mechanism in LOCKERS that this Python has:

- flock (POSIX: Linux, macOS, the BSDs): shared and exclusive;
- LockFileEx (Windows, kernel32 through ctypes): shared and exclusive, on the lock file's first byte;
- msvcrt.locking (Windows without ctypes): exclusive only, so a shared lock is taken exclusively:
  loads of one key take turns, and nothing goes unguarded;
- none: nothing here pretends to lock. key_lock raises LocksUnavailable when asked to wait and
  yields False when asked not to (whoever asks cannot know that nobody else holds the key), and
  open_store (store/libraries.py) opens such a cache read-only: loaded from, every build private.
  `resin-jit doctor` says which it is.

The mechanisms are looked up here at call time (fcntl, msvcrt, kernel32 are this module's names),
so the tests run the Windows paths on Linux with fakes in their place.
"""
import contextlib
import errno
import os
import stat
import time

from .fs import READ_FLAGS, SAFE_FLAGS, lstat_or_none, mkdir_private, set_aside

try:
    import fcntl
except ImportError:   # Windows
    fcntl = None
try:
    import msvcrt
except ImportError:   # POSIX
    msvcrt = None

LOCKFILE_FAIL_IMMEDIATELY = 0x1   # LockFileEx's flags (minwinbase.h)
LOCKFILE_EXCLUSIVE_LOCK = 0x2
ERROR_LOCK_VIOLATION = 33         # what LockFileEx says when FAIL_IMMEDIATELY meets a held lock
ERROR_IO_PENDING = 997
MSVCRT_BUSY = {errno.EACCES, getattr(errno, "EDEADLOCK", errno.EDEADLK)}
MSVCRT_POLL_SECONDS = 0.05        # msvcrt has no unbounded blocking lock (LK_LOCK gives up after 10 s)


class LocksUnavailable(OSError):
    """This system offers no file locks: the cache cannot be shared safely, only read."""


def _windows_kernel32():
    """(kernel32 with LockFileEx/UnlockFileEx typed, ctypes.get_last_error), or (None, None) off Windows."""
    if msvcrt is None:
        return None, None
    import ctypes
    from ctypes import wintypes
    kernel32 = ctypes.WinDLL("kernel32", use_last_error=True)
    for function in (kernel32.LockFileEx, kernel32.UnlockFileEx):
        function.restype = wintypes.BOOL
    kernel32.LockFileEx.argtypes = [wintypes.HANDLE, wintypes.DWORD, wintypes.DWORD, wintypes.DWORD,
                                    wintypes.DWORD, ctypes.c_void_p]
    kernel32.UnlockFileEx.argtypes = [wintypes.HANDLE, wintypes.DWORD, wintypes.DWORD, wintypes.DWORD,
                                      ctypes.c_void_p]
    return kernel32, ctypes.get_last_error


try:
    kernel32, last_error = _windows_kernel32()
except (ImportError, OSError, AttributeError):   # a Windows Python without ctypes: msvcrt.locking
    kernel32, last_error = None, None


def _overlapped():
    """A zeroed OVERLAPPED (offset 0: the lock is on the file's first byte), passed by reference."""
    import ctypes

    class Overlapped(ctypes.Structure):
        _fields_ = [("Internal", ctypes.c_size_t), ("InternalHigh", ctypes.c_size_t), ("Offset", ctypes.c_uint32),
                    ("OffsetHigh", ctypes.c_uint32), ("hEvent", ctypes.c_void_p)]
    return ctypes.byref(Overlapped())


class Flock:
    name, kinds = "flock", "shared and exclusive"

    @staticmethod
    def available():
        return fcntl is not None

    @staticmethod
    def lock(fd, shared, wait):
        try:
            fcntl.flock(fd, (fcntl.LOCK_SH if shared else fcntl.LOCK_EX) | (0 if wait else fcntl.LOCK_NB))
        except BlockingIOError:
            return False
        return True

    @staticmethod
    def unlock(fd):
        """Closing the descriptor releases it."""


class LockFileEx:
    name, kinds = "LockFileEx (kernel32)", "shared and exclusive"

    @staticmethod
    def available():
        return kernel32 is not None and msvcrt is not None

    @staticmethod
    def lock(fd, shared, wait):
        flags = (0 if shared else LOCKFILE_EXCLUSIVE_LOCK) | (0 if wait else LOCKFILE_FAIL_IMMEDIATELY)
        if kernel32.LockFileEx(msvcrt.get_osfhandle(fd), flags, 0, 1, 0, _overlapped()):
            return True
        error = last_error()
        if not wait and error in (ERROR_LOCK_VIOLATION, ERROR_IO_PENDING):
            return False
        raise OSError(errno.ENOLCK, f"LockFileEx failed (Windows error {error})")

    @staticmethod
    def unlock(fd):
        kernel32.UnlockFileEx(msvcrt.get_osfhandle(fd), 0, 1, 0, _overlapped())


class MsvcrtLocking:
    name, kinds = "msvcrt.locking", "exclusive only: a load takes its key's lock exclusively, so loads of one kernel take turns"

    @staticmethod
    def available():
        return msvcrt is not None

    @staticmethod
    def lock(fd, shared, wait):
        """Exclusive whatever `shared` says (msvcrt has no other kind); waits by polling."""
        while True:
            os.lseek(fd, 0, os.SEEK_SET)   # msvcrt.locking locks from the current position
            try:
                msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
                return True
            except OSError as exc:
                if exc.errno not in MSVCRT_BUSY:
                    raise
                if not wait:
                    return False
            time.sleep(MSVCRT_POLL_SECONDS)

    @staticmethod
    def unlock(fd):
        os.lseek(fd, 0, os.SEEK_SET)
        msvcrt.locking(fd, msvcrt.LK_UNLCK, 1)


LOCKERS = (Flock, LockFileEx, MsvcrtLocking)   # the first one available is used


def locker():
    """The lock mechanism of this system (a LOCKERS entry), or None if it has none."""
    return next((mechanism for mechanism in LOCKERS if mechanism.available()), None)


def unavailable_reason():
    """Why the cache cannot be locked here, or None."""
    if locker() is None:
        return f"this system has no file locks ({', '.join(m.name for m in LOCKERS)} all missing)"
    return None


def describe():
    """One line for `resin-jit doctor`."""
    mechanism = locker()
    if mechanism is None:
        return f"none ({unavailable_reason()}): the cache is only read, every other kernel is built privately"
    return f"{mechanism.name}: {mechanism.kinds}"


@contextlib.contextmanager
def key_lock(path, shared=False, wait=True):
    """An advisory lock on `path`: exclusive to build or remove a key, shared to load it.
    With wait=False, yields False instead of waiting when someone else holds it (and always when
    this system has no locks: nobody can say it is free). Whoever holds it exclusively may
    unlink the lock file (remove_lock_file)."""
    mechanism = locker()
    if mechanism is None:
        if wait:
            raise LocksUnavailable(errno.ENOLCK, f"cannot lock {path}: {unavailable_reason()}")
        yield False
        return
    fd = _acquire(path, mechanism, shared, wait)
    if fd is None:
        yield False
        return
    try:
        yield True
    finally:
        try:
            mechanism.unlock(fd)
        finally:
            os.close(fd)


def remove_lock_file(path):
    """Called holding the lock exclusively: whoever waits for it will find the file gone and retry.
    On Windows a file open anywhere (ours is) cannot be unlinked: it stays, which is harmless."""
    with contextlib.suppress(FileNotFoundError, PermissionError):
        os.unlink(path)


def _acquire(path, mechanism, shared, wait):
    """A descriptor of the lock file at `path`, locked; None if it is taken and wait is False.
    A lock granted on a file that the path no longer names (its holder removed it) guards
    nothing: then the new file is opened and locked instead."""
    while True:
        fd = _open_lock_file(path)
        try:
            if not mechanism.lock(fd, shared, wait):
                os.close(fd)
                return None
            held = os.fstat(fd)
        except BaseException:
            os.close(fd)
            raise
        now = lstat_or_none(path)
        if now is not None and (now.st_dev, now.st_ino) == (held.st_dev, held.st_ino):
            return fd
        try:
            mechanism.unlock(fd)
        finally:
            os.close(fd)


def _open_lock_file(path):
    """The lock file at `path`, created if need be; on a read-only filesystem an existing one is
    opened read-only (every mechanism takes any descriptor). What is not a regular file there is set aside."""
    mkdir_private(path.parent)
    st = lstat_or_none(path)
    if st is not None and not stat.S_ISREG(st.st_mode):
        set_aside(path)
    try:
        return os.open(path, os.O_RDWR | os.O_CREAT | SAFE_FLAGS, 0o600)
    except OSError as exc:
        if exc.errno != errno.EROFS:
            raise
        error = exc
    try:
        return os.open(path, READ_FLAGS)
    except FileNotFoundError:
        raise error from None  # no lock file, and none can be made: the read-only filesystem is the news
