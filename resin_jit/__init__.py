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
from .mathops import (arccos, arccosh, arcsin, arcsinh, arctan, arctan2, arctanh, ceil, clip, copysign, cos, cosh, exp,
                      expm1, floor, fmod, hypot, log, log1p, log2, log10, maximum, minimum, nextafter, pow, rint, round,
                      sign, sin, sinh, sqrt, tan, tanh, trunc, where)
from .nodes import Expr, JitCategory, JitCompilable, Node, Param, SimdCompilable

__version__ = "0.1.0"


def param(name, default=0.0):
    """A runtime parameter: `kernel.set_param(name, v)` or `kernel.params[name] = v` changes it
    between calls without recompiling."""
    return Expr(Param(name, default))


__all__ = [
    "JitConfig", "JitCompiler", "JitContext", "JitCompileError", "JitError", "Expr", "Graph", "input", "param",
    "host_info", "CompiledScalar", "CompiledSimdBlock", "Kernel", "JitCategory", "JitCompilable", "Node",
    "Param", "SimdCompilable", "extern", "py_node", "arccos", "arccosh", "arcsin", "arcsinh", "arctan", "arctan2",
    "arctanh", "ceil", "clip", "copysign", "cos", "cosh", "exp", "expm1", "floor", "fmod", "hypot", "log", "log1p",
    "log2", "log10", "maximum", "minimum", "nextafter", "pow", "rint", "round", "sign", "sin", "sinh", "sqrt", "tan",
    "tanh", "trunc", "where",
]
