"""resin_jit: compile graphs of numeric nodes to native SIMD code at run time.

    import resin_jit as rj
    jit = rj.JitCompiler()
    x = rj.input("x")
    kernel = jit.compile(rj.clip(x * 2 + 1, -1, 1))
    y = kernel(samples)
"""
from .config import JitConfig
from .compiler import JitCompiler
from .context import JitContext
from .errors import JitCompileError, JitError
from .external import extern, py_node
from .graph import Graph, input
from .host import host_info
from .kernel import CompiledScalar, CompiledSimdBlock, Kernel
from .mathops import clip, cos, exp, floor, log, maximum, minimum, pow, sin, sqrt, tan, tanh, where
from .reductions import argmax, argmin, max, mean, min, prod, sum  # noqa: A004 - numpy's names, as rj.sum etc.
from .nodes import Expr, JitCategory, JitCompilable, Node, Param, SimdCompilable

__version__ = "0.1.0"


def param(name, default=0.0):
    """A runtime parameter: `kernel.set_param(name, v)` or `kernel.params[name] = v` changes it
    between calls without recompiling."""
    return Expr(Param(name, default))


__all__ = [
    "sum", "mean", "min", "max", "prod", "argmin", "argmax",
    "JitConfig", "JitCompiler", "JitContext", "JitCompileError", "JitError", "Expr", "Graph", "input", "param",
    "host_info", "CompiledScalar", "CompiledSimdBlock", "Kernel", "JitCategory", "JitCompilable", "Node",
    "Param", "SimdCompilable", "extern", "py_node", "clip", "cos", "exp", "floor", "log", "maximum", "minimum",
    "pow", "sin", "sqrt", "tan", "tanh", "where",
]
