"""JitCompiler: the pipeline in one straight line.

graph → canonical form and key (canonical.py) → C emission and template assembly
(emit.py, assemble.py) → build (build.py) → disk cache (cache.py) → load (load.py) → call
(kernel.py). An in-process memo sits in front of the disk cache.
"""
import copyreg
import functools
import warnings

from . import assemble
from .canonical import canonical_graph, canonicalize
from .config import JitConfig
from .errors import JitError
from .external import naming_externs
from .graph import input as make_input
from .kernel import NativeRunner, NumpyRunner, Kernel, CompiledScalar, CompiledSimdBlock, LETTER
from .libraries import Libraries
from .nodes import Affine, Expr, Input, as_expr, real_number
from .settings import positive_rate

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


class JitCompiler:
    """Compiles graphs to native kernels (or, with no compiler, to the numpy backend)."""

    def __init__(self, config=None):
        if config is None:
            config = JitConfig()
        if not isinstance(config, JitConfig):
            raise TypeError(f"config must be a JitConfig, not {type(config).__name__}")
        self.config = config
        self.libraries = Libraries(config)
        self.isa = self.libraries.isa
        self.stats = self.libraries.stats
        self.backend = "native" if self.libraries.native else "numpy"
        self.unavailable_reason = self.libraries.unavailable_reason
        self._shared_kernels = {}  # (class, dtype, graph ident) → a kernel with nothing mutable to share
        if self.unavailable_reason:
            _warn_fallback(self.unavailable_reason)

    # -- public compile entry points ------------------------------------------------------------

    def compile(self, outputs, inputs=None, dtype=None, sample_rate=None, freeze=False):
        """A Kernel for one expression or a list of them; `inputs` fixes the positional order.
        `sample_rate` is an audio graph's rate; `freeze=True` makes nodes' settings constants."""
        dtype = dtype or self.config.dtype
        if dtype not in ("float32", "float64"):
            raise ValueError(f"dtype must be 'float32' or 'float64', not {dtype!r}")
        if not isinstance(freeze, bool):
            raise TypeError(f"freeze must be True or False, not {freeze!r}")
        rate = positive_rate(sample_rate) if sample_rate is not None else self.config.sample_rate
        outs = list(outputs) if isinstance(outputs, (list, tuple)) else [outputs]
        cg = canonical_graph([as_expr(o) for o in outs], input_names(inputs), dtype, rate, freeze)
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
            library = self.libraries.get(("block", dtype, cg.ident), lambda: assemble.block_source(cg, dtype))
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
        library = self.libraries.get(("scalar", "float32", cg.ident), lambda: assemble.scalar_source(cg, "float32"))
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
