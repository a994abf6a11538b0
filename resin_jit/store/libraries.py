"""Libraries: the compiled library for what a kernel computes, from wherever it already is.

One object per compiler, shared by its JitCompiler and every JitVSAEngine on it: the ISA tier,
the toolchain and its flags, the prebuilt layers, the disk cache, and the counters. A library is
asked for by its ident (a tuple of str/int naming what its source computes, e.g. a graph's
canonical form) and comes from the process memo, a prebuilt layer, the disk cache, or a build of
`make_source()`, in that order. Without a C compiler the first three still serve: `get` returns
None only for a library that is nowhere and cannot be built, and the caller runs that one kernel
on numpy.

A Libraries made with build_only=True (resin-jit warm) puts libraries into its cache without
loading them, for any tier of an architecture, cross-compiling where the tier is not the host's:
that is how one prebuilt layer comes to serve every CPU of the architecture.
"""
import functools
import logging
import os
import platform
import shutil
import threading
import time

from ..toolchain import build, host, isa
from . import disk, fs, keys
from ..runtime import load
from ..front.environment import env_flag
from ..front.errors import JitError

log = logging.getLogger("resin_jit")
_memo = {}   # (ident, build ident) → LoadedLibrary, for every compiler of the process
# First requests of one library from several threads build it once: each waits on its key's
# stripe (a fixed set of locks, so nothing grows with the number of kernels).
_stripes = tuple(threading.Lock() for _ in range(64))


def _new_stripes():
    """In a forked child: a thread that was building (holding its stripe) did not come along."""
    global _stripes
    _stripes = tuple(threading.Lock() for _ in range(64))


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_new_stripes)
CROSS_COMPILERS = {"aarch64": ("aarch64-linux-gnu-gcc",)}   # a tier's architecture → compilers for it


def open_cache(config):
    """The configured disk cache, or None (switched off, or unusable: said once, with the reason).
    A cache this process cannot write is opened read-only: what it holds is loaded, what it
    lacks is built in a private directory."""
    if not config.cache_enabled():
        return None
    root = config.resolved_cache_dir() or disk.default_cache_dir()
    problem = fs.claim_cache_dir(root)
    if problem:
        disk.warn_unusable_dir(root, problem)
        return None
    read_only = not os.access(root, os.W_OK)
    if read_only:
        disk.warn_read_only_dir(root)
    return disk.KernelCache(root, max_bytes=config.resolved_cache_max_bytes(), read_only=read_only)


def _checked_only(path):
    """A `load` for entries that are checked but not opened (build_only: the code may be foreign)."""
    return True


class Libraries:
    """Get-or-build of compiled libraries for one configuration (see the module's doc)."""

    def __init__(self, config, build_only=False):
        self.config = config
        self.build_only = build_only
        self.isa = self._tier(config, build_only)
        self.arch = isa.TIERS[self.isa].arch or host.architecture()
        self.stats = {"compiles": 0, "disk_hits": 0, "prebuilt_hits": 0, "memory_hits": 0, "compile_seconds": 0.0}
        self.cache = open_cache(config)
        self.layers = [disk.ReadOnlyLayer(root) for root in config.resolved_layers()] if config.prebuilt else []
        self.unavailable_reason = self._unavailable_reason()
        # What besides the source decides a library, for the in-process memo.
        self._build_ident = (self.isa, config.opt_level, config.fastmath)

    # The C compiler is looked for when first needed (a build, or a question about it): a process
    # that loads every kernel from a layer or the cache never searches PATH for one.
    @functools.cached_property
    def toolchain(self):
        """The C compiler that builds this configuration's libraries, or None."""
        return self._find_toolchain()

    @functools.cached_property
    def build_reason(self):
        """Why nothing can be built here (no compiler, no cross compiler), or None."""
        return None if self.toolchain else self._no_compiler_reason()

    @functools.cached_property
    def flags(self):
        """The compiler flags of this configuration's libraries (None without a compiler)."""
        return self.toolchain.flags(self.isa, self.config.opt_level, self.config.fastmath) if self.toolchain else None

    @staticmethod
    def _tier(config, build_only):
        name = config.resolved_isa().lower()
        if build_only and name in isa.TIERS:   # any tier: it is built, not run, here
            return name
        return host.resolve_tier(name)

    @property
    def native(self):
        """Kernels can run natively here (they may still have to come from a layer or the cache)."""
        return self.unavailable_reason is None

    def _unavailable_reason(self):
        if env_flag("RESIN_JIT_DISABLE"):
            return "RESIN_JIT_DISABLE=1"
        if load._dispatch is None and not self.build_only:
            return "the resin_jit.runtime._dispatch extension is not built (reinstall with a C compiler present)"
        return None

    def _find_toolchain(self):
        memo_dir = self.cache.root if self.cache else None
        if self.arch == host.architecture():
            return build.find_toolchain(self.config.cc, memo_dir)
        for name in CROSS_COMPILERS.get(self.arch, ()):
            if shutil.which(name):
                return build.find_toolchain(name, memo_dir)
        return None

    def _no_compiler_reason(self):
        if self.arch != host.architecture():
            return (f"no cross compiler for {self.arch} found "
                    f"({', '.join(CROSS_COMPILERS.get(self.arch, ())) or 'none known'})")
        return "no working C compiler found (set CC or install gcc or clang)"

    def key(self, ident):
        """The disk key of `ident` built for this configuration (keys.py: portable across machines)."""
        return keys.kernel_key(ident, self.isa, self.config.opt_level, self.config.fastmath,
                               str(self.cache.root) if self.cache else None, self.arch)

    # -- getting a library ----------------------------------------------------------------------

    def get(self, ident, make_source):
        """The loaded library for `ident`: from the memo, a prebuilt layer, the disk cache, or by
        building `make_source()`; None when it is nowhere and there is no compiler to build it."""
        if not self.native or self.build_only:
            raise JitError(f"no native backend: {self.unavailable_reason or 'a build-only Libraries loads nothing'}")
        memo_key = (ident, self._build_ident)
        library = _memo.get(memo_key)
        if library is None:
            with _stripes[hash(memo_key) % len(_stripes)]:
                library = _memo.get(memo_key)
                if library is None:
                    library = self._find_or_build(self.key(ident), make_source, load.LoadedLibrary)
                    if library is not None:
                        _memo[memo_key] = library
                    return library
        self.stats["memory_hits"] += 1
        return library

    def store(self, ident, make_source):
        """build_only: put `ident`'s library into the cache unless it is there already; "built" or
        "cached". Nothing is loaded, so the tier may be one this host cannot run."""
        if self.cache is None or self.cache.read_only:
            state = "read-only" if self.cache else "off or unusable"
            raise JitError(f"nothing to store into: the kernel cache is {state}")
        if self.toolchain is None:
            raise JitError(f"cannot build {self.isa} kernels here: {self.build_reason}")
        key = self.key(ident)
        with self.cache.claim(key, _checked_only) as claim:
            if claim.loaded is None:
                claim.commit(self._compile(key, make_source, claim.staging), **self._metadata())
        return "built" if claim.how == "built" else "cached"

    def _find_or_build(self, key, make_source, opener):
        for layer in self.layers:
            loaded = layer.load(key, opener)
            if loaded is not None:
                return self._found(key, loaded, "prebuilt")
        if self.cache is not None and (self.toolchain is None or self.cache.read_only):
            loaded = self.cache.find(key, opener)   # what is there is still there to load
            if loaded is not None:
                return self._found(key, loaded, "disk")
        if self.toolchain is None:
            return None
        if self.cache is None or self.cache.read_only:
            return self._build_privately(key, make_source, opener)
        try:
            with self.cache.claim(key, opener) as claim:
                if claim.loaded is None:
                    claim.commit(self._compile(key, make_source, claim.staging), **self._metadata())
        except disk.UntrustedDirectory as exc:
            disk.warn_once("not using the kernel cache %s for kernels under %s: %s; nothing there is loaded, "
                            "replaced or removed, they are built in a private directory", self.cache.root,
                            self.cache.locator.library(key).parent, exc.strerror)
            return self._build_privately(key, make_source, opener)
        except OSError as exc:  # the cache became unwritable: disk full, over quota, read-only remount
            disk.warn_once("cannot write to the kernel cache %s (%s): building in a private directory",
                            self.cache.root, exc.strerror or exc)
            return self._build_privately(key, make_source, opener, exc)
        return claim.loaded if claim.how == "built" else self._found(key, claim.loaded, claim.how)

    def _build_privately(self, key, make_source, opener, cache_error=None):
        """Build in a directory of this process's own (TMPDIR) and load; a disk that cannot take
        it there either is a JitError saying where each attempt failed."""
        workdir = None
        try:
            workdir = fs.private_build_dir()
            built = self._compile(key, make_source, workdir)
        except OSError as exc:   # a write's error names no file: then the directory it wrote in
            where = f"{exc.strerror or exc}: {exc.filename or workdir or fs.private_dirs_parent()}"
            cached = "" if cache_error is None else \
                f" after the kernel cache {self.cache.root} could not take it ({cache_error.strerror or cache_error})"
            raise JitError(f"cannot build kernel {key[:16]}: the private build directory failed ({where}){cached}; "
                           "set TMPDIR (or RESIN_JIT_CACHE_DIR) to a directory that can take it") from exc
        return opener(built)

    def _found(self, key, loaded, how):
        self.stats["disk_hits" if how == "disk" else "prebuilt_hits"] += 1
        log.info("loaded kernel %s from the %s cache", key[:16], how)
        return loaded

    def _metadata(self):
        """What an entry records of how it was built (the key leaves all of it out)."""
        return {"isa": self.isa, "compiler": self.toolchain.version, "compiler_path": self.toolchain.path,
                "host": platform.node(), "built_on": host.architecture()}

    def _compile(self, key, make_source, workdir):
        start = time.perf_counter()
        so_path, _ = build.compile_library(make_source(), self.toolchain, self.flags, workdir, name=key[:16])
        seconds = time.perf_counter() - start
        self.stats["compiles"] += 1
        self.stats["compile_seconds"] += seconds
        log.info("compiled kernel %s in %.3f s", key[:16], seconds)
        return so_path
