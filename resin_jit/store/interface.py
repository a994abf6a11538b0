"""The store interface: where compiled libraries are kept, by key (after numba's core/caching.py,
its _Cache and NullCache). The library builder (store/libraries.py) asks its stores and knows no
class of them: the prebuilt layers first, then its one writable store, which also builds.

In every method `opener(path)` opens a library (resin-jit warm's only checks one) and may raise
JitCompileError; `compile(workdir)` builds the library in a directory it is given and returns its
path; `metadata()` is what an entry records of how it was built. Adding a backend is one module
with a class implementing these three methods.
"""
from ..front.errors import JitError
from . import fs


class KernelStore:
    """Libraries kept by key. `hit` names what a library found here counts as in a compiler's
    stats ("disk", "prebuilt"); `root` is the directory it keeps them in (None: none)."""
    hit = "disk"
    root = None

    def find(self, key, opener):
        """opener(path) of the key's library if the store holds it whole, else None."""
        return None

    def get_or_build(self, key, opener, compile, metadata):
        """(loaded, how): the key's library as found here (how: `hit`), or built by compile() (and
        kept, where the store keeps libraries) and opened (how: "built")."""
        raise NotImplementedError

    def put(self, key, compile, metadata):
        """Build the key's library and keep it without opening it (resin-jit warm, for any tier of
        the architecture): "built", or "cached" if it is here already."""
        raise JitError(f"nothing to store into: {self!r} keeps no libraries")


class NullStore(KernelStore):
    """No cache (switched off, or unusable): nothing is found, and every library is built in a
    directory of this process's own."""

    def get_or_build(self, key, opener, compile, metadata):
        return opener(build_privately(key, compile)), "built"

    def __repr__(self):
        return "no kernel cache (off or unusable)"


def build_privately(key, compile, store_error=None, store_root=None):
    """compile() in a directory of this process's own (under TMPDIR); a disk that cannot take it
    there either is a JitError saying where each attempt failed (`store_error`: the store's)."""
    workdir = None
    try:
        workdir = fs.private_build_dir()
        return compile(workdir)
    except OSError as exc:   # a write's error names no file: then the directory it wrote in
        where = f"{exc.strerror or exc}: {exc.filename or workdir or fs.private_dirs_parent()}"
        cached = "" if store_error is None else \
            f" after the kernel cache {store_root} could not take it ({store_error.strerror or store_error})"
        raise JitError(f"cannot build kernel {key[:16]}: the private build directory failed ({where}){cached}; "
                       "set TMPDIR (or RESIN_JIT_CACHE_DIR) to a directory that can take it") from exc
