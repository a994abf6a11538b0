"""Libraries: the compiled library for what a kernel computes, from wherever it already is.

One object per compiler, shared by its JitCompiler and every JitVSAEngine on it: the ISA tier,
the toolchain and its flags, the stores (store/interface.py: the prebuilt layers, then one
writable store, the disk cache or a null one), the memos, and the counters. A library is asked
for by its ident (a tuple of str/int naming what its source computes, e.g. a graph's canonical
form) and comes from the process memo, a prebuilt layer, the store, or a build of
`make_source()`, in that order, opened by the `opener` the caller gives (runtime/load.py's).
Without a C compiler the first three still serve: `get` returns None only for a library that is
nowhere and cannot be built, and the caller runs that one kernel on numpy.

A Libraries made with build_only=True (resin-jit warm) puts libraries into its cache without
loading them, for any tier of an architecture and any platform (toolchain/platforms.py),
cross-compiling where the tier or the platform is not the host's: that is how one prebuilt layer
comes to serve every CPU of the architecture, and one machine warms every platform's.
"""
import dataclasses
import functools
import logging
import os
import platform
import shutil
import threading
import time

from ..front.errors import JitError
from ..toolchain import build, compilers, host, isa, platforms
from . import disk, fs, keys, locks, memo, zig_cache
from .interface import NullStore

log = logging.getLogger("resin_jit")
_memo = {}   # (ident, build ident) → the opened library, for every compiler of the process
# First requests of one library from several threads build it once: each waits on its key's
# stripe (a fixed set of locks, so nothing grows with the number of kernels).
_stripes = tuple(threading.Lock() for _ in range(64))


def _new_stripes():
    """In a forked child: a thread that was building (holding its stripe) did not come along."""
    global _stripes
    _stripes = tuple(threading.Lock() for _ in range(64))


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_new_stripes)
# A platform that is not the host's → the cross compilers that build for it, tried in order before
# zig (which builds for every platform: toolchain/platforms.py, Platform.zig_target).
CROSS_COMPILERS = {"linux-aarch64": ("aarch64-linux-gnu-gcc",)}


def open_store(config, library_suffix=None):
    """The configured writable store: the disk cache, or a NullStore (switched off, or unusable:
    said once, with the reason). A cache this process cannot write is opened read-only: what it
    holds is loaded, what it lacks is built in a private directory. So is one on a system without
    file locks (store/locks.py): processes could not build into it without racing each other."""
    if not config.cache_enabled():
        return NullStore()
    root = config.resolved_cache_dir() or disk.default_cache_dir()
    problem = fs.claim_cache_dir(root)
    if problem:
        disk.warn_unusable_dir(root, problem)
        return NullStore()
    no_locks = locks.unavailable_reason()
    read_only = bool(no_locks) or not os.access(root, os.W_OK)
    if read_only:
        disk.warn_read_only_dir(root, f"is only read ({no_locks})" if no_locks else None)
    return disk.KernelCache(root, max_bytes=config.resolved_cache_max_bytes(), read_only=read_only,
                            library_suffix=library_suffix)


class Libraries:
    """Get-or-build of compiled libraries for one configuration (see the module's doc)."""

    def __init__(self, config, opener=None, build_only=False, store=None, target=None):
        self.config = config
        self.opener = opener
        self.build_only = build_only
        self.isa = self._tier(config, build_only)
        self.target = self._target(self.isa, target, build_only)
        self.arch = self.target.arch
        self.stats = {"compiles": 0, "disk_hits": 0, "prebuilt_hits": 0, "memory_hits": 0, "compile_seconds": 0.0}
        self.store = store if store is not None else open_store(config, self.target.library_suffix)
        self.layers = [disk.ReadOnlyLayer(root) for root in config.resolved_layers()] if config.prebuilt else []
        # What besides the source decides a library, for the in-process memo.
        self._build_ident = (self.isa, config.opt_level, config.fastmath, self.target.tag)

    @property
    def cache(self):
        """The disk cache, or None (no cache, or a store of another kind)."""
        return self.store if isinstance(self.store, disk.KernelCache) else None

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
        return self.toolchain.flags(self.isa, self.config.opt_level, self.target) if self.toolchain else None

    @functools.cached_property
    def fingerprint(self):
        """The code's fingerprint (store/keys.py), remembered in the store's memo folder."""
        return keys.codegen_fingerprint(memo.memo(self.store.root, "fingerprints"))

    @staticmethod
    def _tier(config, build_only):
        name = config.resolved_isa().lower()
        if build_only and name in isa.TIERS:   # any tier: it is built, not run, here
            return name
        return host.resolve_tier(name)

    @staticmethod
    def _target(tier, target, build_only):
        """The platform the libraries are for: `target` (only to build: resin-jit warm), else this
        one, on the tier's architecture (NEON kernels cross-built on x86-64 are AArch64's)."""
        arch = isa.TIERS[tier].arch
        if target is None:
            return platforms.host().with_arch(arch or platforms.host().arch)
        if not build_only and target != platforms.host():
            raise JitError(f"kernels for {target.name} are built here, not run: use resin-jit warm --platform")
        if arch not in (None, target.arch):
            raise JitError(f"the {tier} tier is {arch}'s; {target.name} runs {target.arch}")
        return target

    def _find_toolchain(self):
        toolchains = memo.memo(self.store.root, "toolchains")
        if self.target == platforms.host():
            return self._with_its_caches(build.find_toolchain(self.config.cc, toolchains))
        for name in (*CROSS_COMPILERS.get(self.target.name, ()), *self._cross_zig()):
            if shutil.which(name):
                return self._with_its_caches(build.find_toolchain(name, toolchains))
        return None

    def _cross_zig(self):
        """zig, which builds for every platform: the configured compiler if it is zig, the ziglang
        package's, or one on PATH."""
        configured = self.config.cc or os.environ.get("CC") or ""
        command = host.find_compiler_command(configured) if configured else None
        return [name for name in ((command or ("",))[0], compilers.ziglang_binary(), "zig")
                if name and compilers.is_zig(name)]

    def _with_its_caches(self, toolchain):
        """zig's caches in the store's zig/ folder (store/zig_cache.py), not the user's ~/.cache/zig."""
        if toolchain is None or toolchain.family != compilers.ZIG.name:
            return toolchain
        env = compilers.zig_cache_env(zig_cache.folder(self._zig_cache_root()))
        return dataclasses.replace(toolchain, env=tuple(env.items()))

    def _zig_cache_root(self):
        """The cache directory whose zig/ folder keeps zig's caches: the store's, but for a build
        into a prebuilt layer (resin-jit warm), the user's own cache (a layer ships its kernels,
        not 50 MB of zig's work; and the next warm finds them there)."""
        if not self.build_only:
            return self.store.root
        root = os.environ.get("RESIN_JIT_CACHE_DIR") or disk.default_cache_dir()
        return None if fs.claim_cache_dir(root) else root   # None: this process's private directory

    def _no_compiler_reason(self):
        if self.target != platforms.host():
            return (f"no compiler for {self.target.name} found "
                    f"({', '.join((*CROSS_COMPILERS.get(self.target.name, ()), 'zig'))}: "
                    "pip install 'resin_jit[compiler]' brings zig)")
        return "no working C compiler found (set CC, install gcc or clang, or pip install 'resin_jit[compiler]')"

    def key(self, ident):
        """The disk key of `ident` built for this configuration (store/keys.py: portable across machines)."""
        return keys.kernel_key(ident, self.isa, self.config.opt_level, self.config.fastmath, self.target,
                               self.fingerprint)

    # -- getting a library ----------------------------------------------------------------------

    def get(self, ident, make_source):
        """The opened library for `ident`: from the memo, a prebuilt layer, the store, or by
        building `make_source()`; None when it is nowhere and there is no compiler to build it."""
        if self.build_only or self.opener is None:
            raise JitError("this Libraries only builds (resin-jit warm): it opens nothing")
        memo_key = (ident, self._build_ident)
        library = _memo.get(memo_key)
        if library is None:
            with _stripes[hash(memo_key) % len(_stripes)]:
                library = _memo.get(memo_key)
                if library is None:
                    library = self._find_or_build(self.key(ident), make_source)
                    if library is not None:
                        _memo[memo_key] = library
                    return library
        self.stats["memory_hits"] += 1
        return library

    def put(self, ident, make_source):
        """build_only: put `ident`'s library into the store unless it is there already; "built" or
        "cached". Nothing is opened, so the tier may be one this host cannot run."""
        if self.toolchain is None:
            raise JitError(f"cannot build {self.isa} kernels here: {self.build_reason}")
        key = self.key(ident)
        return self.store.put(key, lambda workdir: self._compile(key, make_source, workdir), self._metadata)

    def _find_or_build(self, key, make_source):
        for store in self.layers:
            loaded = store.find(key, self.opener)
            if loaded is not None:
                return self._found(key, loaded, store.hit)
        if self.toolchain is None:   # what the store holds is still there to open
            loaded = self.store.find(key, self.opener)
            return self._found(key, loaded, self.store.hit) if loaded is not None else None
        loaded, how = self.store.get_or_build(key, self.opener, lambda workdir: self._compile(key, make_source, workdir),
                                              self._metadata)
        return loaded if how == "built" else self._found(key, loaded, how)

    def _found(self, key, loaded, how):
        self.stats["prebuilt_hits" if how == "prebuilt" else "disk_hits"] += 1
        log.info("loaded kernel %s from the %s cache", key[:16], how)
        return loaded

    def _metadata(self):
        """What an entry records of how it was built (the key leaves all of it out)."""
        return {"isa": self.isa, "compiler": self.toolchain.version, "compiler_path": self.toolchain.path,
                "compiler_family": self.toolchain.family,
                "platform": self.target.name, "host": platform.node(), "built_on": platforms.host().name}

    def _compile(self, key, make_source, workdir):
        start = time.perf_counter()
        so_path, _ = build.compile_library(make_source(), self.toolchain, self.flags, workdir, name=key[:16],
                                           suffix=self.target.library_suffix,
                                           link_flags=self.toolchain.link_flags(self.target))
        seconds = time.perf_counter() - start
        self.stats["compiles"] += 1
        self.stats["compile_seconds"] += seconds
        log.info("compiled kernel %s in %.3f s", key[:16], seconds)
        return so_path
