"""zig's caches: inside resin_jit's cache directory, not in ~/.cache/zig.

zig cc (the ziglang package's, or CC="zig cc") builds the C library stubs and compiler_rt of its
target once, ~6 s, into its global cache, and keeps each build's work in its local one. Both go to
the zig/ folder beside kernels/ (mode 0700 like the rest), so the cache directory holds all that
resin_jit makes and `resin-jit cache clear` removes it. That folder is trusted only as kernels/
and memo/ are (a directory, not a link, that nobody else could have replaced); when it is not, or
there is no cache directory, or it is read-only, the caches go to this process's private
directory (store/fs.py's process_dir, removed at exit: each such process pays zig's first build).
"""
import contextlib
import logging
import os
import shutil
from pathlib import Path

from .fs import directories_problem, mkdir_private, process_dir

log = logging.getLogger("resin_jit")
FOLDER = "zig"


def folder(root):
    """The folder zig's caches go to for builds of the cache directory `root` (None: no cache
    directory), made if absent: root/zig/ if that can be trusted and written, else zig/ in this
    process's private directory."""
    if root is not None and _ours(root, missing_ok=True):
        path = Path(root) / FOLDER
        with contextlib.suppress(OSError):
            mkdir_private(path)
            if _ours(root) and os.access(path, os.W_OK):   # made by us just now, or checked again
                return path
    path = Path(process_dir()) / FOLDER
    mkdir_private(path)
    return path


def clear(root):
    """Remove the cache directory `root`'s zig/ folder if it is ours (a directory this user alone
    can write, not a link): 1 if it was removed, else 0. One that is a link, or that others could
    have written to, is left as it is, with a warning: it may not be ours to delete."""
    path = Path(root) / FOLDER
    if not os.path.lexists(path):
        return 0
    problem = directories_problem(root, (FOLDER,))
    if problem:
        log.warning("not clearing zig's cache %s: %s", path, problem)
        return 0
    shutil.rmtree(path, ignore_errors=True)   # never follows a link inside (rmtree's fd-based walk)
    return 0 if os.path.lexists(path) else 1


def _ours(root, missing_ok=False):
    return directories_problem(root, (FOLDER,), missing_ok=missing_ok) is None
