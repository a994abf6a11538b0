"""JitCompiler: the pipeline in one straight line, one stage folder each.

graph → canonical form and kernel plan (front/canonical.py, front/plan.py) → C emission and
template assembly (codegen/) → build (toolchain/build.py) → store: memo, prebuilt layers, disk
cache (store/) → load → call (runtime/).
"""
import copyreg
import dataclasses
import functools
import hashlib
import warnings

from . import record
from .codegen import assemble
from .config import JitConfig, accuracy_level, dtype_name
from .front.abi import MAX_ARGS
from .front.canonical import canonical_graph, canonicalize
from .front.environment import env_flag
from .front.errors import JitError
from .front.externals import naming_externs
from .front.graph import input as make_input
from .front.nodes import Affine, Expr, Input, as_expr, real_number
from .front.plan import plan_kernel
from .front.node_settings import positive_rate
from .runtime import load
from .runtime.kernel import CompiledSimdBlock, Kernel
from .runtime.following import FollowingKernel
from .runtime.runners import NativeRunner, NumpyRunner
from .runtime.scalar import CompiledScalar
from .store.libraries import Libraries

SHARED_KERNELS_MAX = 4096
_fallback_warned = False


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


def block_request(cg, plan):
    """(ident, make_source) of a graph's kernel: what Libraries.get and warm take. A graph with a
    user's node class is keyed by its C as well: that code is the user's, which no fingerprint of
    resin_jit covers (an edited emit() must not load the last version's kernel)."""
    ident = ("block", plan.dtype, plan.ulp, cg.ident)
    if not cg.foreign:
        return ident, functools.lru_cache(maxsize=1)(lambda: assemble.kernel_source(cg, plan))
    source = assemble.kernel_source(cg, plan)
    return ident + (("source", hashlib.sha256(source.encode()).hexdigest()),), lambda: source


def graph_request(cg, dtype, ulp=1.0):
    """block_request of `cg`'s kernel of `dtype` at accuracy level `ulp`, planned here (resin-jit
    warm's graphs)."""
    return block_request(cg, plan_kernel(cg, dtype, ulp=ulp))


def _source(cg, plan):
    """A kernel's C, made when asked for (kernel.source): a numpy-backend kernel shows what it would build."""
    return functools.lru_cache(maxsize=1)(lambda: assemble.kernel_source(cg, plan))


def scalar_request(cg):
    """(ident, make_source) of a one-input graph's scalar function (call_f32)."""
    return ("scalar", "float32", cg.ident), lambda: assemble.scalar_source(cg, "float32")


_numpy_kernels_warned = set()


def _warn_numpy_kernel(cg, reason):
    """Once per graph: this kernel runs on numpy, why, and the two ways out."""
    if cg.key in _numpy_kernels_warned:
        return
    _numpy_kernels_warned.add(cg.key)
    warnings.warn(f"resin_jit: kernel {cg.key[:12]} ({_summary(cg)}) runs on numpy: it is in no prebuilt layer "
                  f"or cache, and it cannot be built here ({reason}). Install a C compiler (gcc or clang, or set "
                  f"CC), or {record.WARM_ROUTE}.", RuntimeWarning, stacklevel=4)


def _summary(cg, most=6):
    """A graph in a few words for a message: its inputs and first nodes."""
    names = [repr(node) for node, _ in cg.nodes if not isinstance(node, Input)]
    more = f", ... {len(names) - most} more" if len(names) > most else ""
    return f"inputs {', '.join(cg.input_names) or 'none'}; {', '.join(names[:most])}{more}"


def _unavailable_reason():
    """Why no kernel can run natively in this process (then every kernel runs on numpy), or None."""
    if env_flag("RESIN_JIT_DISABLE"):
        return "RESIN_JIT_DISABLE=1"
    if load._dispatch is None:
        return "the resin_jit.runtime._dispatch extension is not built (reinstall with a C compiler present)"
    return None


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


def _rebuild_compiler(config):
    config = config or JitConfig()
    jit = _rebuild_compilers.get(config)
    if jit is None:
        jit = _rebuild_compilers[config] = JitCompiler(config)
    return jit


def rebuild_kernel(cls, cg, dtype, config, params):
    """Unpickling: the same graph through this process's compiler for the same config (its memo
    and disk cache make this a load, not a compile, wherever the kernel was built before)."""
    jit = _rebuild_compiler(config)
    if cls is CompiledScalar:
        return jit._scalar_kernel(cg)
    kernel = jit._block_kernel(cg, dtype, cls, config)
    for name, value in params.items():
        kernel.set_param(name, value)
    return kernel


def _reduce_kernel(kernel):
    """A kernel pickles as its graph, config and parameter values, never its shared library:
    the other side loads it from its own cache or compiles it. State starts afresh."""
    if isinstance(kernel, CompiledScalar):
        return rebuild_kernel, (CompiledScalar, kernel.graph, "float32", kernel.config, {})
    config = dataclasses.replace(kernel.config, ulp=kernel.ulp)   # its level, however it was set (RESIN_JIT_ULP too)
    if isinstance(kernel, FollowingKernel):
        return rebuild_following, (kernel.graph, kernel._graph64(), config, dict(kernel.params.items()))
    return rebuild_kernel, (type(kernel), kernel.graph, kernel.dtype.name, config, dict(kernel.params.items()))


def rebuild_following(cg, cg64, config, params):
    """Unpickling a kernel that follows its inputs' dtype (both graphs travel: constants fold per dtype)."""
    kernel = _rebuild_compiler(config)._following_kernel(cg, lambda: cg64, config)
    for name, value in params.items():
        kernel.set_param(name, value)
    return kernel


def fresh_copy(kernel):
    """The kernel's graph again, with its parameter values and a new state (a memo hit, no compile)."""
    rebuild, args = _reduce_kernel(kernel)
    return rebuild(*args)


for _kernel_class in (Kernel, CompiledSimdBlock, CompiledScalar, FollowingKernel):
    copyreg.pickle(_kernel_class, _reduce_kernel)


class JitCompiler:
    """Compiles graphs of nodes to native kernels.

    Parameters
    ----------
    config : JitConfig, optional
        How kernels are built and cached (tier, -O level, dtype, cache directory, fastmath).

    Attributes
    ----------
    backend : str
        "native" where the dispatcher extension is installed, else "numpy". A native compiler
        still runs a kernel on numpy when it is in no prebuilt layer or cache and cannot be built
        (no C compiler); that kernel's ``backend`` says so.
    isa : str
        The ISA tier kernels are built for ("avx2", ...).
    stats : dict
        compiles, disk_hits, prebuilt_hits, memory_hits, compile_seconds.

    Examples
    --------
    >>> import numpy as np, resin_jit as rj
    >>> jit = rj.JitCompiler()
    >>> x = rj.input("x")
    >>> kernel = jit.compile(rj.clip(x * 2.0 + 1.0, -1.0, 1.0))
    >>> kernel(np.array([-1.0, 0.0, 0.25], np.float32))
    array([-1.,  1.,  1.], dtype=float32)
    """

    def __init__(self, config: "JitConfig | None" = None):
        if config is None:
            config = JitConfig()
        if not isinstance(config, JitConfig):
            raise TypeError(f"config must be a JitConfig, not {type(config).__name__}")
        self.config = config
        self.libraries = Libraries(config, opener=load.LoadedLibrary)
        self.isa = self.libraries.isa
        self.stats = self.libraries.stats
        self.unavailable_reason = _unavailable_reason()
        self.backend = "numpy" if self.unavailable_reason else "native"   # per kernel: kernel.backend
        self._shared_kernels = {}  # (class, dtype, graph ident) → a kernel with nothing mutable to share
        if self.unavailable_reason:
            _warn_fallback(self.unavailable_reason)

    # -- public compile entry points ------------------------------------------------------------

    def compile(self, outputs, inputs=None, dtype: "str | None" = None, sample_rate: "float | None" = None,
                freeze: bool = False, ulp: "float | None" = None) -> Kernel:
        """Compile one expression, or a list of them, into a kernel.

        Parameters
        ----------
        outputs : Expr or list of Expr
            What the kernel computes; numbers become constants.
        inputs : list of str or rj.input expressions, optional
            The kernel's positional order (default: the order in which the graph meets them).
        dtype : numpy dtype or its name, optional
            The kernel's dtype, float32 or float64 in any spelling np.dtype takes; default the
            config's, whose default (None) makes a kernel that follows its inputs' dtype as numpy's
            ufuncs do (a FollowingKernel: float32 and float64 variants, each compiled on first use).
        sample_rate : float, optional
            An audio graph's sample rate in Hz (default: the config's, else the nodes' own).
        freeze : bool
            Compile every node's settings as constants instead of runtime parameters.
        ulp : {0.5, 1.0, 4.0}, optional
            The accuracy of the kernel's vector math (default: the config's, JitConfig.ulp).

        Returns
        -------
        Kernel
            Compiling a graph this compiler already returned (the same expression, or an equal one
            built again) is a lookup.
        """
        dtype = self.config.dtype if dtype is None else dtype_name(dtype)   # None: follow the inputs
        if not isinstance(freeze, bool):
            raise TypeError(f"freeze must be True or False, not {freeze!r}")
        rate = positive_rate(sample_rate) if sample_rate is not None else self.config.sample_rate
        outs = list(outputs) if isinstance(outputs, (list, tuple)) else [outputs]
        config = self.config if ulp is None else dataclasses.replace(self.config, ulp=accuracy_level(ulp))
        exprs, names = [as_expr(o) for o in outs], input_names(inputs)
        if dtype is not None:
            return self._block_kernel(canonical_graph(exprs, names, dtype, rate, freeze), dtype, Kernel, config)
        cg = canonical_graph(exprs, names, "float32", rate, freeze)
        return self._following_kernel(cg, lambda: canonical_graph(exprs, names, "float64", rate, freeze), config)

    def _following_kernel(self, cg, graph64, config):
        """The float32 kernel of `cg` that makes its float64 sibling from graph64() on first use."""
        kernel = self._block_kernel(cg, "float32", FollowingKernel, config)
        if kernel._make is None:   # new (a shared one was set up when first made)
            kernel._follow(graph64, lambda g: self._block_kernel(g, "float64", Kernel, config))
        return kernel

    def _block_kernel(self, cg, dtype, cls, config=None):
        config = config or self.config   # this compiler's, or its own with another ulp (compile's)
        ulp = config.resolved_ulp()
        # No parameters, state or callbacks: callers of the same graph may share one kernel, found
        # before anything is planned (a memory hit costs a dict lookup). A graph with a user's
        # node class is keyed by its C too (block_request), so it is looked up once that is known.
        shareable = self.backend == "native" and not (cg.param_names or cg.pointer_nodes or cg.stateful_nodes)
        shared_key = (cls, dtype, ulp, cg.ident)
        if shareable and not cg.foreign and (kernel := self._shared_kernels.get(shared_key)) is not None:
            self.stats["memory_hits"] += 1
            return kernel
        if record.target():
            record.graph(cg, dtype, config)
        plan = plan_kernel(cg, dtype, config.fastmath, ulp)
        if self.backend == "numpy":
            return cls(cg, plan, "numpy", NumpyRunner(cg, plan), config, _source(cg, plan))
        if plan.buffers + plan.has_params + plan.has_pointers + plan.stateful > MAX_ARGS:
            raise JitError(f"a native kernel takes at most {MAX_ARGS} buffers (inputs, outputs, parameters, "
                           f"pointers, state); this one has {plan.n_in} inputs and {plan.n_out} outputs")
        with naming_externs(cg):
            ident, make_source = block_request(cg, plan)
            if cg.foreign:
                shared_key = (cls, ulp, ident)
                if shareable and (kernel := self._shared_kernels.get(shared_key)) is not None:
                    self.stats["memory_hits"] += 1
                    return kernel
            library = self.libraries.get(ident, make_source)
        if library is None:
            _warn_numpy_kernel(cg, self.libraries.build_reason)
            return cls(cg, plan, "numpy", NumpyRunner(cg, plan), config, make_source)
        kernel = cls(cg, plan, self.isa, NativeRunner(library, cg, plan), config, make_source)
        if shareable:
            if len(self._shared_kernels) >= SHARED_KERNELS_MAX:
                self._shared_kernels.clear()
            self._shared_kernels[shared_key] = kernel
        return kernel

    def compile_affine(self, a: float, b: float) -> CompiledScalar:
        """f(x) = a*x + b as a compiled scalar function: ``compile_affine(0.5, 1).call_f32(2.0) == 2.0``."""
        cg = _affine_graph(*_exact_pair(a, b))
        return self._scalar_kernel(cg)

    def _scalar_kernel(self, cg):
        if record.target():
            record.affine_scalar(cg, self.config)
        ident, make_source = scalar_request(cg)
        if self.backend == "numpy":
            return CompiledScalar(cg, "numpy", config=self.config, source=make_source)
        library = self.libraries.get(ident, make_source)
        if library is None:
            _warn_numpy_kernel(cg, self.libraries.build_reason)
            return CompiledScalar(cg, "numpy", config=self.config, source=make_source)
        return CompiledScalar(cg, self.isa, library, self.config, make_source)

    def compile_affine_simd(self, a: float, b: float) -> CompiledSimdBlock:
        """y = a*x + b over 1-D blocks as a compiled SIMD kernel: ``process(input, output)``."""
        cg = _affine_graph(*_exact_pair(a, b))
        return self._block_kernel(cg, "float32", CompiledSimdBlock)

    def source_of(self, outputs, inputs=None, dtype: "str | None" = None, ulp: "float | None" = None) -> str:
        """The C translation unit a graph compiles to; the tier is chosen by a -D flag, not here."""
        dtype = dtype_name(dtype if dtype is not None else self.config.dtype or "float32")
        ulp = self.config.resolved_ulp() if ulp is None else accuracy_level(ulp)
        outs = list(outputs) if isinstance(outputs, (list, tuple)) else [outputs]
        cg = canonicalize([as_expr(o) for o in outs], input_names(inputs), dtype)
        return assemble.kernel_source(cg, plan_kernel(cg, dtype, self.config.fastmath, ulp))
