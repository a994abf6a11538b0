"""resin_jit: compile graphs of numeric nodes to native SIMD code at run time.

    import resin_jit as rj
    jit = rj.JitCompiler()
    x = rj.input("x")
    kernel = jit.compile(rj.clip(x * 2 + 1, -1, 1))
    y = kernel(samples)
"""
from .toolchain import cpu_features as _cpu_features
try:   # the processor's CPUID and XCR0, read by the extension (csrc/dispatch_cpu.c) where it is built
    from .runtime import _dispatch as _extension
    _cpu_features.read_registers = getattr(_extension, "cpu_registers", None)
except ImportError:
    pass
from .config import JitConfig
from .compiler import JitCompiler
from .codegen.context import JitContext
from .front.errors import JitCompileError, JitError, PrecisionWarning
from .front.externals import extern, py_node
from .front.graph import Graph, input
from .toolchain.host import host_info
from .runtime.kernel import CompiledSimdBlock, Kernel
from .runtime.scalar import CompiledScalar
from .front import functions as _functions
from .front.functions import *  # noqa: F401,F403 - rj.where, rj.clip, and rj.sin ... of csrc/vmath_functions.h
from .front.reductions import argmax, argmin, max, mean, min, prod, sum  # noqa: A004 - numpy's names, as rj.sum etc.
from .front.nodes import Expr, Node, Param
from .front.protocols import JitCategory, JitCompilable, SimdCompilable

__version__ = "0.1.0"


def param(name: str, default: float = 0.0) -> Expr:
    """A runtime parameter of the graph.

    Parameters
    ----------
    name : str
        Its name in ``kernel.params``; two uses of one name are one parameter (with one default).
    default : float
        Its value until set.

    Examples
    --------
    >>> import numpy as np, resin_jit as rj
    >>> kernel = rj.JitCompiler().compile(rj.input("x") * rj.param("gain", 0.5))
    >>> kernel.params["gain"] = 2.0          # no recompiling
    >>> kernel(np.ones(2, np.float32))
    array([2., 2.], dtype=float32)
    """
    return Expr(Param(name, default))


__all__ = [
    "sum", "mean", "min", "max", "prod", "argmin", "argmax", "JitConfig", "JitCompiler", "JitContext",
    "JitCompileError", "JitError", "PrecisionWarning", "Expr", "Graph", "input", "param", "host_info", "CompiledScalar",
    "CompiledSimdBlock", "Kernel", "JitCategory", "JitCompilable", "Node", "Param", "SimdCompilable", "extern",
    "py_node",
]
__all__ += _functions.__all__   # rj.where, rj.clip, rj.sin, ...: a form type checkers read too
