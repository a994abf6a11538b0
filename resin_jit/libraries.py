"""Libraries: the compiled library for what a kernel computes, from wherever it already is.

One object per compiler, shared by its JitCompiler and every JitVSAEngine on it: the ISA tier,
the toolchain and its flags, the disk cache with its prebuilt layers, and the counters. A
library is asked for by its ident (a tuple of str/int naming what its source computes, e.g. a
graph's canonical form) and comes from the process memo, a prebuilt layer, the disk cache, or
a build of `make_source()`, in that order.
"""
import logging
import platform
import threading
import time

from . import build, cache, cachefs, host, keys, load
from .config import env_flag
from .errors import JitError

log = logging.getLogger("resin_jit")
_memo = {}   # (ident, build ident) → LoadedLibrary, for every compiler of the process
# First requests of one library from several threads build it once: each waits on its key's
# stripe (a fixed set of locks, so nothing grows with the number of kernels).
_stripes = tuple(threading.Lock() for _ in range(64))


def open_cache(config):
    """The configured disk cache, or None (switched off, or unusable: said once, with the reason)."""
    if not config.cache_enabled():
        return None
    root = config.resolved_cache_dir() or cache.default_cache_dir()
    problem = cachefs.claim_writable_cache_dir(root)
    if problem:
        cache.warn_unusable_dir(root, problem)
        return None
    layers = config.resolved_layers() if config.prebuilt else ()
    return cache.KernelCache(root, layers=layers, max_bytes=config.resolved_cache_max_bytes())


class Libraries:
    """Get-or-build of compiled libraries for one configuration (see the module's doc)."""

    def __init__(self, config):
        self.config = config
        self.isa = host.resolve_tier(config.resolved_isa())
        self.stats = {"compiles": 0, "disk_hits": 0, "prebuilt_hits": 0, "memory_hits": 0, "compile_seconds": 0.0}
        self.cache = open_cache(config)
        self.toolchain = None
        self.unavailable_reason = self._native_unavailable_reason()
        if self.unavailable_reason is None:
            # Everything besides the source that decides what a build produces.
            self.flags = self.toolchain.flags(self.isa, config.opt_level, config.fastmath)
            self._build_ident = (self.isa, tuple(self.flags), self.toolchain.path, self.toolchain.version)

    @property
    def native(self):
        return self.unavailable_reason is None

    def _native_unavailable_reason(self):
        if env_flag("RESIN_JIT_DISABLE"):
            return "RESIN_JIT_DISABLE=1"
        if load._dispatch is None:
            return "the resin_jit._dispatch extension is not built (install with a C compiler)"
        self.toolchain = build.find_toolchain(self.config.cc, self.cache.root if self.cache else None)
        if self.toolchain is None:
            return "no working C compiler found (set CC or install gcc/clang)"
        return None

    def key(self, ident):
        """The disk key of `ident` built for this configuration (keys.py: portable across machines)."""
        return keys.kernel_key(ident, self.isa, self.config.opt_level, self.config.fastmath,
                               str(self.cache.root) if self.cache else None)

    def get(self, ident, make_source):
        """The loaded library for `ident`: from the memo, a prebuilt layer, the disk cache, or by
        building `make_source()`."""
        if not self.native:
            raise JitError(f"no native backend: {self.unavailable_reason}")
        memo_key = (ident, self._build_ident)
        library = _memo.get(memo_key)
        if library is None:
            with _stripes[hash(memo_key) % len(_stripes)]:
                library = _memo.get(memo_key)
                if library is None:
                    library = _memo[memo_key] = self._load_or_build(self.key(ident), make_source)
                    return library
        self.stats["memory_hits"] += 1
        return library

    def _load_or_build(self, key, make_source):
        if self.cache is None:
            return self._build_privately(key, make_source)
        try:
            with self.cache.claim(key, load.LoadedLibrary) as claim:
                if claim.loaded is None:
                    claim.commit(self._compile(key, make_source, claim.staging), isa=self.isa,
                                 compiler=self.toolchain.version, compiler_path=self.toolchain.path,
                                 host=platform.node())
        except OSError as exc:  # the cache became unwritable: disk full, over quota, read-only remount
            cache.warn_once("cannot write to the kernel cache %s (%s): building in a private directory",
                            self.cache.root, exc.strerror or exc)
            return self._build_privately(key, make_source)
        if claim.how != "built":
            self.stats["disk_hits" if claim.how == "disk" else "prebuilt_hits"] += 1
            log.info("loaded kernel %s from the %s cache", key[:16], claim.how)
        return claim.loaded

    def _build_privately(self, key, make_source):
        return load.LoadedLibrary(self._compile(key, make_source, cachefs.private_build_dir()))

    def _compile(self, key, make_source, workdir):
        start = time.perf_counter()
        so_path, _ = build.compile_library(make_source(), self.toolchain, self.flags, workdir, name=key[:16])
        seconds = time.perf_counter() - start
        self.stats["compiles"] += 1
        self.stats["compile_seconds"] += seconds
        log.info("compiled kernel %s in %.3f s", key[:16], seconds)
        return so_path
