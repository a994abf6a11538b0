"""JitCompiler: the pipeline in one straight line.

graph → canonical form and key (canonical.py) → C emission and template assembly
(emit.py, assemble.py) → build (build.py) → disk cache (cache.py) → load (load.py) → call
(kernel.py). An in-process memo sits in front of the disk cache.
"""
import atexit
import copyreg
import functools
import hashlib
import logging
import os
import shutil
import sys
import sysconfig
import tempfile
import threading
import time
import warnings

import cffi

from . import assemble, build, cache, cachefs, host, load
from .canonical import canonical_graph, canonicalize
from .config import JitConfig, env_flag
from .errors import JitError
from .external import naming_externs
from .graph import input as make_input
from .kernel import NativeRunner, NumpyRunner, Kernel, CompiledScalar, CompiledSimdBlock, LETTER
from .nodes import Affine, Expr, Input, as_expr, real_number
from .resources import codegen_fingerprint

log = logging.getLogger("resin_jit")

# Read once at import: sysconfig fills its variables lazily and not thread-safely (CPython 3.11),
# so two threads keying their first kernels at once could see SOABI missing and get another key.
_SOABI = sysconfig.get_config_var("SOABI") or ""
SHARED_KERNELS_MAX = 4096
_memo = {}                 # (graph ident, kind, dtype, build ident) → LoadedLibrary, for every compiler
_memo_lock = threading.Lock()
_key_locks = {}
_fallback_warned = False
_private_dirs = []


def _private_build_dir():
    """A per-process directory for kernels when the disk cache is off or unusable."""
    if not _private_dirs:
        path = tempfile.mkdtemp(prefix="resin_jit-")
        _private_dirs.append(path)
        if cache.debug_enabled():  # RESIN_JIT_DEBUG=1 keeps the generated sources and command lines
            log.info("kernel sources and compiler command lines are kept in %s", path)
        else:
            atexit.register(shutil.rmtree, path, True)
    return _private_dirs[0]


def input_names(inputs):
    """inputs= as names: each a name or an rj.input expression (None: the graph's own order)."""
    if inputs is None:
        return None
    if isinstance(inputs, (str, Expr)):
        inputs = [inputs]
    names = []
    for item in inputs:
        if isinstance(item, Expr):
            if not isinstance(item.node, Input):
                raise JitError(f"inputs= takes input names or rj.input(...) expressions, not {item!r}")
            item = item.node.name
        names.append(item)
    return names


def _warn_fallback(reason):
    global _fallback_warned
    if not _fallback_warned:
        _fallback_warned = True
        warnings.warn(f"resin_jit runs on its numpy backend: {reason}", RuntimeWarning, stacklevel=3)


def _exact_pair(a, b):
    """(a, b) as exact hex tokens: 0.0 and -0.0 must not share a graph."""
    return real_number(a, "a").hex(), real_number(b, "b").hex()


@functools.lru_cache(maxsize=1024)
def _affine_graph(a_hex, b_hex):
    """The one-node graph of a*x + b (built once per pair: a repeated request costs a lookup)."""
    return canonicalize([Expr(Affine(float.fromhex(a_hex), float.fromhex(b_hex)), (make_input("x"),))])


_rebuild_compilers = {}


def rebuild_kernel(cls, cg, dtype, config, params):
    """Unpickling: the same graph through this process's compiler for the same config (its memo
    and disk cache make this a load, not a compile, wherever the kernel was built before)."""
    config = config or JitConfig()
    jit = _rebuild_compilers.get(config)
    if jit is None:
        jit = _rebuild_compilers[config] = JitCompiler(config)
    if cls is CompiledScalar:
        return jit._scalar_kernel(cg)
    kernel = jit._block_kernel(cg, dtype, cls)
    for name, value in params.items():
        kernel.set_param(name, value)
    return kernel


def _reduce_kernel(kernel):
    """A kernel pickles as its graph, config and parameter values, never its shared library:
    the other side loads it from its own cache or compiles it. State starts afresh."""
    if isinstance(kernel, CompiledScalar):
        return rebuild_kernel, (CompiledScalar, kernel.graph, "float32", kernel.config, {})
    return rebuild_kernel, (type(kernel), kernel.graph, kernel.dtype.name, kernel.config, dict(kernel.params.items()))


for _kernel_class in (Kernel, CompiledSimdBlock, CompiledScalar):
    copyreg.pickle(_kernel_class, _reduce_kernel)


def prebuilt_layers():
    """Read-only layers searched before the user cache: RESIN_JIT_PREBUILT (os.pathsep-separated),
    then a prebuilt/ directory inside the installed package."""
    from .resources import PACKAGE_DIR
    layers = [p for p in os.environ.get("RESIN_JIT_PREBUILT", "").split(os.pathsep) if p]
    if (PACKAGE_DIR / "prebuilt").is_dir():
        layers.append(str(PACKAGE_DIR / "prebuilt"))
    return layers


class JitCompiler:
    """Compiles graphs to native kernels (or, with no compiler, to the numpy backend)."""

    def __init__(self, config=None):
        if config is None:
            config = JitConfig()
        if not isinstance(config, JitConfig):
            raise TypeError(f"config must be a JitConfig, not {type(config).__name__}")
        self.config = config
        self.isa = host.resolve_tier(config.resolved_isa())
        self.stats = {"compiles": 0, "disk_hits": 0, "prebuilt_hits": 0, "memory_hits": 0, "compile_seconds": 0.0}
        self._shared_kernels = {}  # (class, dtype, graph ident) → a kernel with nothing mutable to share
        self._cache = self._open_cache()
        self.toolchain = None
        self.backend = "numpy"
        self.unavailable_reason = reason = self._native_unavailable_reason()
        if reason:
            _warn_fallback(reason)
        else:
            self.backend = "native"
            # Everything besides the graph that decides what a build produces.
            self._flags = self.toolchain.flags(self.isa, self.config.opt_level, self.config.fastmath)
            self._build_ident = (self.isa, tuple(self._flags), self.toolchain.path, self.toolchain.version)

    def _open_cache(self):
        if not self.config.cache_enabled():
            return None
        root = self.config.resolved_cache_dir() or cache.default_cache_dir()
        problem = cachefs.claim_cache_dir(root)
        if problem is None and not os.access(root, os.W_OK):
            problem = f"{root} is not writable"
        if problem:
            cache.warn_unusable_dir(root, problem)
            return None
        return cache.KernelCache(root, layers=prebuilt_layers(), max_bytes=self.config.resolved_cache_max_bytes())

    def _native_unavailable_reason(self):
        if env_flag("RESIN_JIT_DISABLE"):
            return "RESIN_JIT_DISABLE=1"
        if load._dispatch is None:
            return "the resin_jit._dispatch extension is not built (install with a C compiler)"
        memo_dir = self._cache.root if self._cache else None
        self.toolchain = build.find_toolchain(self.config.cc, memo_dir)
        if self.toolchain is None:
            return "no working C compiler found (set CC or install gcc/clang)"
        return None

    # -- the key -------------------------------------------------------------------------------

    def _full_key(self, ident):
        parts = [repr(ident), codegen_fingerprint(str(self._cache.root) if self._cache else None), self.toolchain.path, self.toolchain.version,
                 " ".join(self._flags), self.isa,
                 sys.implementation.cache_tag, _SOABI, cffi.__version__]
        return hashlib.sha256("\0".join(parts).encode()).hexdigest()

    # -- build, cache, load --------------------------------------------------------------------

    def library(self, ident, make_source):
        """The loaded library for `ident` (a tuple of str/int naming what the source computes, e.g.
        a graph's canonical form): from the memo, the disk cache, or by building `make_source()`."""
        if self.backend != "native":
            raise JitError(f"no native backend: {self.unavailable_reason}")
        memo_key = (ident, self._build_ident)
        library = _memo.get(memo_key)
        if library is not None:
            self.stats["memory_hits"] += 1
            return library
        with _memo_lock:
            lock = _key_locks.setdefault(memo_key, threading.Lock())
        with lock:
            library = _memo.get(memo_key)
            if library is not None:
                self.stats["memory_hits"] += 1
                return library
            library = self._load_or_build(self._full_key(ident), make_source)
            _memo[memo_key] = library
        return library

    def _compile_into(self, key, make_source, workdir):
        start = time.perf_counter()
        so_path, _ = build.compile_library(make_source(), self.toolchain, self._flags, workdir, name=key[:16])
        seconds = time.perf_counter() - start
        self.stats["compiles"] += 1
        self.stats["compile_seconds"] += seconds
        log.info("compiled kernel %s in %.3f s", key[:16], seconds)
        return so_path

    def _load_or_build(self, key, make_source):
        if self._cache is None:
            workdir = tempfile.mkdtemp(dir=_private_build_dir())
            return load.LoadedLibrary(self._compile_into(key, make_source, workdir))
        library, how = self._cache.load_or_build(
            key, lambda workdir: self._compile_into(key, make_source, workdir), load.LoadedLibrary,
            isa=self.isa, compiler=self.toolchain.version)
        if how != "built":
            self.stats["disk_hits" if how == "disk" else "prebuilt_hits"] += 1
            log.info("loaded kernel %s from the %s cache", key[:16], how)
        return library

    # -- public compile entry points ------------------------------------------------------------

    def compile(self, outputs, inputs=None, dtype=None):
        """A Kernel for one expression or a list of them; `inputs` fixes the positional order."""
        dtype = dtype or self.config.dtype
        if dtype not in ("float32", "float64"):
            raise ValueError(f"dtype must be 'float32' or 'float64', not {dtype!r}")
        outs = list(outputs) if isinstance(outputs, (list, tuple)) else [outputs]
        cg = canonical_graph([as_expr(o) for o in outs], input_names(inputs), dtype)
        return self._block_kernel(cg, dtype, Kernel)

    def _block_kernel(self, cg, dtype, cls):
        if self.backend == "numpy":
            return cls(cg, dtype, "numpy", NumpyRunner(cg, dtype), self.config)
        shared_key = (cls, dtype, cg.ident)
        kernel = self._shared_kernels.get(shared_key)
        if kernel is not None:
            self.stats["memory_hits"] += 1
            return kernel
        with naming_externs(cg):
            library = self.library(("block", dtype, cg.ident), lambda: assemble.block_source(cg, dtype))
        letter = LETTER[dtype]
        argspec = letter * len(cg.input_names) + letter.upper() * len(cg.outputs)
        runner = NativeRunner(library, argspec, cg)
        kernel = cls(cg, dtype, self.isa, runner, self.config)
        if not (cg.param_names or cg.pointer_nodes or cg.stateful_nodes):
            # no parameters, state or callbacks: callers of the same graph may share one kernel
            if len(self._shared_kernels) >= SHARED_KERNELS_MAX:
                self._shared_kernels.clear()
            self._shared_kernels[shared_key] = kernel
        return kernel

    def compile_affine(self, a, b):
        """f(x) = a*x + b as a compiled scalar function (`call_f32`)."""
        cg = _affine_graph(*_exact_pair(a, b))
        return self._scalar_kernel(cg)

    def _scalar_kernel(self, cg):
        if self.backend == "numpy":
            return CompiledScalar(cg, "numpy", config=self.config)
        library = self.library(("scalar", "float32", cg.ident), lambda: assemble.scalar_source(cg, "float32"))
        return CompiledScalar(cg, self.isa, library, self.config)

    def compile_affine_simd(self, a, b):
        """y = a*x + b over blocks as a compiled SIMD kernel (`process(input, output)`)."""
        cg = _affine_graph(*_exact_pair(a, b))
        return self._block_kernel(cg, "float32", CompiledSimdBlock)

    def source_of(self, outputs, inputs=None, dtype=None):
        """The C translation unit a graph compiles to; the tier is chosen by a -D flag, not here."""
        dtype = dtype or self.config.dtype
        outs = list(outputs) if isinstance(outputs, (list, tuple)) else [outputs]
        return assemble.block_source(canonicalize([as_expr(o) for o in outs], inputs, dtype), dtype)
