"""EXTERNAL nodes: calls to named C functions, and Python callbacks inside a compiled graph.

- `rj.extern("erff", "float(float)")`: a C library function, declared from its signature;
- `rj.extern("f", "double(double)", c_source="double f(double x) {...}")`: the user's own C, compiled in;
- `rj.extern("f", "double(double)", library="libfoo.so")`: a function in a shared library, called
  through a pointer handed to the kernel at run time;
- `rj.py_node(fn, state=...)`: a Python function called per sample through a cffi callback.

Names are checked to be plain C identifiers and signatures use a fixed set of type names, so
nothing but `c_source` (which is C by definition) reaches the generated code as written.
"""
import contextlib
import copy
import hashlib
import itertools
import os
import re

import numpy as np

from .errors import JitCompileError, JitError
from .nodes import Expr
from .nodes import JitCategory, Node

C_TYPES = {"float": "float", "double": "double", "float32": "float", "float64": "double"}
C_KEYWORDS = set("""auto break case char const continue default do double else enum extern float for goto if
inline int long register restrict return short signed sizeof static struct switch typedef union unsigned void
volatile while _Bool _Complex _Imaginary main""".split())
_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,62}")
_SIGNATURE = re.compile(r"\s*(\w+)\s*\(\s*(\w+(?:\s*,\s*\w+)*)?\s*\)\s*")


def check_c_name(name):
    if not isinstance(name, str) or not _IDENTIFIER.fullmatch(name) or name in C_KEYWORDS \
            or name.startswith(("rj_", "RJ_", "__")):
        raise ValueError(f"{name!r} is not a usable C function name (a plain identifier, not a keyword, "
                         "not starting with rj_ or __)")
    return name


def parse_signature(signature):
    """'float(float, double)' → ('float', ['float', 'double']) using only known type names."""
    m = _SIGNATURE.fullmatch(signature) if isinstance(signature, str) else None
    if not m:
        raise ValueError(f"signature must look like 'float(float, float)', not {signature!r}")
    ret, args = m.group(1), [a.strip() for a in (m.group(2) or "").split(",") if a.strip()]
    for t in [ret, *args]:
        if t not in C_TYPES:
            raise ValueError(f"unsupported type {t!r} in signature {signature!r}; use float or double")
    if not args:
        raise ValueError(f"an extern node needs at least one argument: {signature!r}")
    return C_TYPES[ret], [C_TYPES[a] for a in args]


class ExternCall(Node):
    """A call to a named C function on each sample (not vectorised)."""
    category = JitCategory.EXTERNAL
    simd = False
    needs_arrays = True

    def __init__(self, name, signature, c_source=None, library=None, reference=None):
        self.name = check_c_name(name)
        self.ret, self.args = parse_signature(signature)
        self.arity = len(self.args)
        if c_source is not None and library is not None:
            raise ValueError("give c_source or library, not both")
        if c_source is not None and not isinstance(c_source, str):
            raise TypeError("c_source must be a str of C code")
        self.c_source, self.reference = c_source, reference
        self.library = os.fspath(library) if library is not None else None
        self.needs_pointer = self.library is not None
        origin = (hashlib.sha256(c_source.encode()).hexdigest() if c_source is not None
                  else f"lib:{self.library}" if self.library else "libc")
        self._key = ("Extern", name, f"{self.ret}({','.join(self.args)})", origin)

    def _c_signature(self):
        return f"{self.ret} (*)({', '.join(self.args)})"

    def emit_scalar(self, ctx, args):
        cast_args = ", ".join(f"({t}){a}" for t, a in zip(self.args, args))
        if self.library is not None:
            return f"({ctx.ctype}){ctx.pointer(self._c_signature())}({cast_args})"
        declaration = self.c_source if self.c_source is not None else \
            f"{self.ret} {self.name}({', '.join(self.args)});"
        return f"({ctx.ctype}){ctx.extern(self.name, declaration)}({cast_args})"

    def bind_pointer(self, keepalive, errors):
        """The library function's address (keepalive holds the loaded library)."""
        import cffi
        ffi = cffi.FFI()
        ffi.cdef(f"{self.ret} {self.name}({', '.join(self.args)});")
        try:
            lib = ffi.dlopen(self.library)
            address = int(ffi.cast("uintptr_t", ffi.addressof(lib, self.name)))
        except (OSError, AttributeError, KeyError, ffi.error) as exc:
            raise JitError(f"cannot load {self.name} from {self.library}: {exc}") from None
        keepalive.append((ffi, lib))
        return address, None

    def evaluate(self, state, *arrays):
        fn = self.reference
        if fn is None and self.library is not None:
            keep = []
            address, _ = self.bind_pointer(keep, None)
            ffi = keep[0][0]
            fn = ffi.cast(f"{self.ret}(*)({', '.join(self.args)})", address)
        if fn is None:
            raise JitError(f"extern {self.name!r} has no numpy reference: pass reference=... to rj.extern "
                           "to run it without a C compiler")
        return np.array([fn(*map(float, xs)) for xs in zip(*arrays)], np.float64)

    def __repr__(self):
        return f"extern {self.name}"


# What the compiler or linker says of a name a libc or c_source extern put into the kernel
# (GCC's and GNU ld's wording, lld's too; quotes as in the C and in UTF-8 locales), and what it means.
_BUILD_COMPLAINTS = (
    (re.compile(r"undefined (?:reference to|symbol:) [`'‘]?(\w+)"),
     "extern {!r} is not defined in the C library; give c_source= or library="),
    (re.compile(r"conflicting types for (?:built-in function )?[`'‘](\w+)"),
     "extern {!r} clashes with a C library function of another type; give it another name or "
     "the library function's own signature"),
)


def _named_extern_error(error, cg):
    """`error` (a JitCompileError) restated for the graph's extern it is about, or None."""
    names = {node.name for node, _ in cg.nodes if isinstance(node, ExternCall) and node.library is None}
    for pattern, message in _BUILD_COMPLAINTS:
        for name in pattern.findall(error.output):
            if name in names:
                return JitCompileError(message.format(name), output=error.output,
                                       source_path=error.source_path, command=error.command)
    return None


@contextlib.contextmanager
def naming_externs(cg):
    """Builds of `cg` inside: a compiler or linker error about one of its externs says which."""
    try:
        yield
    except JitCompileError as error:
        named = _named_extern_error(error, cg)
        if named is None:
            raise
        raise named from None


def extern(name: str, signature: str = "double(double)", c_source: "str | None" = None,
           library: "str | os.PathLike | None" = None, reference=None):
    """A C function as a node factory: `erf = rj.extern("erff", "float(float)"); y = erf(x)`.

    Parameters
    ----------
    name : str
        The C function's name (a C identifier; checked).
    signature : str
        Its C type, "ret(arg, ...)" with float or double.
    c_source : str, optional
        C source defining the function, compiled into the kernel.
    library : str or os.PathLike, optional
        A shared library that defines it, loaded and called through a pointer.
    reference : callable, optional
        The function in Python, called per sample where the graph runs on numpy (a library's
        function is called through cffi instead; other externs without one cannot run there).

    Returns
    -------
    callable
        Applied to expressions, gives an expression of the call.
    """
    node = ExternCall(name, signature, c_source, library, reference)
    return lambda *args: Expr(node, args)


_py_serial = itertools.count()


class PyNode(Node):
    """A Python function called once per sample from compiled code (slow, but anything goes).

    `fn(*inputs, state)` when a state is given (a mutable object, copied for each kernel and
    restored by reset()), else `fn(*inputs)`; it returns a number.
    """
    category = JitCategory.STATEFUL
    simd = False
    needs_pointer = True
    needs_arrays = True
    python_callback = True

    def __init__(self, fn, state=None, inputs=1):
        if not callable(fn):
            raise TypeError(f"py_node needs a callable, not {type(fn).__name__}")
        if isinstance(inputs, bool) or not isinstance(inputs, int) or not 1 <= inputs <= 8:
            raise ValueError(f"inputs must be an int from 1 to 8, not {inputs!r}")
        self.fn, self.state, self.arity = fn, state, inputs
        # Each py_node is distinct (two must never merge), yet a program that builds its graphs in
        # the same order gets the same keys, and so disk-cache hits, on its next run.
        self._key = ("PyNode", inputs, getattr(fn, "__qualname__", "fn"), next(_py_serial))

    def initial_state(self):
        return {"py": copy.deepcopy(self.state)}

    def emit_scalar(self, ctx, args):
        signature = f"double (*)({', '.join(['double'] * self.arity)})"
        return f"({ctx.ctype}){ctx.pointer(signature)}({', '.join(f'(double){a}' for a in args)})"

    def _call(self, state_cell, *xs):
        return float(self.fn(*xs, state_cell[0]) if self.state is not None else self.fn(*xs))

    def bind_pointer(self, keepalive, errors):
        """A C callback into fn with a state of the kernel's own; exceptions go to `errors`."""
        import cffi
        ffi = cffi.FFI()
        cell = [copy.deepcopy(self.state)]

        def onerror(exc_type, exc_value, tb):
            errors.append(exc_value)
            return 0.0
        callback = ffi.callback(f"double({', '.join(['double'] * self.arity)})",
                                lambda *xs: self._call(cell, *xs), onerror=onerror)
        keepalive.append((ffi, callback))

        def reset():
            cell[0] = copy.deepcopy(self.state)
        return int(ffi.cast("uintptr_t", callback)), reset

    def evaluate(self, state, *arrays):
        cell = [state["py"]]
        return np.array([self._call(cell, *map(float, xs)) for xs in zip(*arrays)], np.float64)

    def __repr__(self):
        return f"py_node {self._key[2]}"


def py_node(fn, state: "dict | None" = None, inputs: int = 1):
    """A Python function as a node factory: `y = rj.py_node(fn, state={...})(x)`.

    `fn(*values, state)` is called once per sample with floats (and the state dict, if given)
    and returns a float: anything goes, at Python's speed.
    """
    node = PyNode(fn, state, inputs)
    return lambda *args: Expr(node, args)
