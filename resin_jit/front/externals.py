"""EXTERNAL nodes: calls to named C functions, and Python callbacks inside a compiled graph.

- `rj.extern("erff", "float(float)")`: a C library function, declared from its signature;
- `rj.extern("f", "double(double)", c_source="double f(double x) {...}")`: the user's own C, compiled in;
- `rj.extern("f", "double(double)", library="libfoo.so")`: a function in a shared library, called
  through a pointer handed to the kernel at run time;
- `rj.py_node(fn, state=...)`: a Python function called per sample through a cffi callback.

Names are checked to be plain C identifiers and signatures use a fixed set of type names, so
nothing but `c_source` (which is C by definition) reaches the generated code as written. Every
string is first copied to an exact `str`: a subclass's __format__ or __str__ never runs.

A C library extern is checked against the C library's own declaration: its kernel includes
<math.h> (C_LIBRARY_HEADERS), asserts that the name is declared there, then declares it with the
extern's signature, so a name <math.h> does not declare (system, unlink) or a signature that
contradicts its prototype (erff as double(double)) is an error of the C compiler, gcc's or clang's.
A library= function is declared by no header: its signature is the user's word.
"""
import contextlib
import copy
import hashlib
import itertools
import os
import re
import sys

import numpy as np

from .errors import JitCompileError, JitError
from .nodes import Expr, Node
from .protocols import JitCategory

C_TYPES = {"float": "float", "double": "double", "float32": "float", "float64": "double"}
C_KEYWORDS = set("""auto break case char const continue default do double else enum extern float for goto if
inline int long register restrict return short signed sizeof static struct switch typedef union unsigned void
volatile while _Bool _Complex _Imaginary _Alignas _Alignof _Atomic _Generic _Noreturn _Static_assert
_Thread_local asm typeof main""".split())
_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,62}")
_SIGNATURE = re.compile(r"\s*(\w+)\s*\(\s*(\w+(?:\s*,\s*\w+)*)?\s*\)\s*")
# What a kernel calling a C library extern includes. An extern's types are float and double, and
# the C library functions of only those types are <math.h>'s: any other is declared with a wrong type.
C_LIBRARY_HEADERS = "#include <math.h>"


def exact_str(text):
    """A copy of `text` (a str or a subclass of it) as a plain str: nothing it overrides runs later."""
    return str.__str__(text)


def check_c_name(name):
    name = exact_str(name) if isinstance(name, str) else name
    if not isinstance(name, str) or not _IDENTIFIER.fullmatch(name) or name in C_KEYWORDS \
            or name.startswith(("rj_", "RJ_", "__")):
        raise ValueError(f"{name!r} is not a usable C function name (a plain identifier, not a keyword, "
                         "not starting with rj_ or __)")
    return name


def library_path(library):
    """A library= argument (str, bytes or os.PathLike) as a plain str for dlopen."""
    path = os.fspath(library)
    path = bytes.decode(path, sys.getfilesystemencoding(), "surrogateescape") if isinstance(path, bytes) \
        else exact_str(path)
    if not path or "\0" in path:
        raise ValueError(f"library must name a shared library file, not {path!r}")
    return path


def parse_signature(signature):
    """'float(float, double)' → ('float', ['float', 'double']) using only known type names."""
    signature = exact_str(signature) if isinstance(signature, str) else signature
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


_C_LIBRARY_FUNCTIONS = {}   # a <math.h> extern's declaration -> (its function, cffi's ffi and library)
# The <math.h> functions (C99) of doubles only, by arity; NAME takes and gives doubles, NAMEf floats.
# The numpy backend calls a C library extern only if it is one of these, with their prototype: the
# native path has the C compiler check that against the header, which the numpy path does not have.
_MATH_H_ARITY = {
    **dict.fromkeys("acos asin atan cos sin tan acosh asinh atanh cosh sinh tanh exp exp2 expm1 log log10 "
                    "log1p log2 logb cbrt fabs sqrt erf erfc lgamma tgamma ceil floor nearbyint rint round "
                    "trunc".split(), 1),
    **dict.fromkeys("atan2 hypot pow fmod remainder copysign nextafter fdim fmax fmin".split(), 2),
    "fma": 3,
}


def _math_h_prototype(name):
    """(ret, args) of a <math.h> function of floats or doubles, or None."""
    base, kind = (name[:-1], "float") if name.endswith("f") and name[:-1] in _MATH_H_ARITY else (name, "double")
    arity = _MATH_H_ARITY.get(base)
    return None if arity is None else (kind, [kind] * arity)


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
        self.c_source = exact_str(c_source) if c_source is not None else None
        self.reference = reference
        self.library = library_path(library) if library is not None else None
        self.needs_pointer = self.library is not None
        origin = (hashlib.sha256(self.c_source.encode()).hexdigest() if self.c_source is not None
                  else f"lib:{self.library}" if self.library else "libc")
        self._key = ("Extern", self.name, f"{self.ret}({','.join(self.args)})", origin)

    def _c_signature(self):
        return f"{self.ret} (*)({', '.join(self.args)})"

    def emit_scalar(self, ctx, args):
        cast_args = ", ".join(f"({t}){a}" for t, a in zip(self.args, args))
        if self.library is not None:
            return f"({ctx.ctype}){ctx.pointer(self._c_signature())}({cast_args})"
        if self.c_source is None:
            self._declare_from_c_library(ctx)
        declaration = self.c_source if self.c_source is not None else \
            f"{self.ret} {self.name}({', '.join(self.args)});"
        return f"({ctx.ctype}){ctx.extern(self.name, declaration)}({cast_args})"

    def _declare_from_c_library(self, ctx):
        """Before the extern's own declaration: the header, and a check that it declares the name.
        The C compiler then rejects a signature that is not the header's (a conflicting
        redeclaration is an error in C). Their keys start with rj_, which no extern's name does."""
        ctx.extern("rj_c_library_headers", C_LIBRARY_HEADERS)
        ctx.extern(f"rj_declared_{self.name}",
                   f'_Static_assert(sizeof &{self.name} != 0, "{self.name} is declared by <math.h>");')

    def bind_pointer(self, keepalive, errors):
        """The library function's address (keepalive holds the loaded library)."""
        import cffi
        ffi = cffi.FFI()
        try:
            ffi.cdef(f"{self.ret} {self.name}({', '.join(self.args)});")
            lib = ffi.dlopen(self.library)
            address = int(ffi.cast("uintptr_t", ffi.addressof(lib, self.name)))
        except (OSError, AttributeError, KeyError, cffi.CDefError) as exc:
            raise JitError(f"cannot load {self.name} from the library {self.library!r}: {exc}") from None
        keepalive.append((ffi, lib))
        return address, None

    def evaluate(self, state, *arrays):
        fn = self.reference
        if fn is None and self.library is not None:
            keep = []
            address, _ = self.bind_pointer(keep, None)
            ffi = keep[0][0]
            fn = ffi.cast(f"{self.ret}(*)({', '.join(self.args)})", address)
        if fn is None and self.c_source is None:
            fn = self._from_c_library()
        if fn is None:
            raise JitError(f"extern {self.name!r} has no numpy reference: pass reference=... to rj.extern "
                           "to run it without a C compiler")
        return np.array([fn(*map(float, xs)) for xs in zip(*arrays)], np.float64)

    def _from_c_library(self):
        """The C library's own function (a <math.h> extern), called through cffi where the graph
        runs on numpy: the process's C library first (libm is in it wherever Python links it),
        then libm and the C runtime by name. Loaded once per process (not kept on the node, which
        pickles)."""
        declaration = f"{self.ret} {self.name}({', '.join(self.args)});"
        if _math_h_prototype(self.name) != (self.ret, self.args):
            raise JitError(f"extern {self.name!r}: without a C compiler only <math.h>'s functions of float or "
                           f"double run, with their prototypes ({self.name} {self.ret}({', '.join(self.args)}) is "
                           "not one); pass reference=... to rj.extern")
        if declaration not in _C_LIBRARY_FUNCTIONS:
            import cffi
            import ctypes.util
            ffi = cffi.FFI()
            ffi.cdef(declaration)
            for library in (None, ctypes.util.find_library("m"), ctypes.util.find_library("c"), "ucrtbase"):
                try:
                    lib = ffi.dlopen(library)
                    _C_LIBRARY_FUNCTIONS[declaration] = (getattr(lib, self.name), ffi, lib)   # ffi, lib: kept loaded
                    break
                except (OSError, AttributeError, TypeError):
                    continue
            else:
                raise JitError(f"extern {self.name!r}: no C library here defines it, so it cannot run on numpy; "
                               "pass reference=... to rj.extern")
        return _C_LIBRARY_FUNCTIONS[declaration][0]

    def __repr__(self):
        return f"extern {self.name}"


# What the compiler or linker says of a name a C library or c_source extern put into the kernel
# (GCC's, clang's, GNU ld's and lld's wording; quotes as in the C and in UTF-8 locales), of which
# externs ("libc": no c_source, "source": c_source, "any": either), and what it means.
_Q, _NAME = "[`'‘\"]", "(\\w+)"
_BUILD_COMPLAINTS = (
    (re.compile(rf"{_Q}{_NAME}[’'\"] undeclared|undeclared identifier {_Q}{_NAME}"), "libc",
     "extern {!r} is not a C library function an extern can call: <math.h> declares none of that name "
     "(give c_source= or library=)"),
    (re.compile(rf"undefined (?:reference to|symbol:) {_Q}?{_NAME}"), "any",
     "extern {!r} is declared but defined nowhere (neither in its c_source nor in the C library)"),
    (re.compile(rf"conflicting types for (?:built-in function )?{_Q}{_NAME}|{_Q}{_NAME}[’'\"] redeclared as "
                rf"different kind of symbol|redefinition of {_Q}{_NAME}[’'\"] as different kind of symbol|"
                rf"incompatible redeclaration of library function {_Q}{_NAME}"), "any",
     "extern {!r} clashes with a C library function of another type; give it another name or "
     "the library function's own signature"),
    (re.compile(rf"static declaration of {_Q}{_NAME}[’'\"] follows non-static"), "source",
     "extern {!r}: its c_source defines a name <math.h> declares, which a kernel calling a C library "
     "extern includes; give it another name"),
)


def _extern_names(cg):
    """The names of the graph's externs compiled into its C, by kind ("libc", "source", "any")."""
    nodes = [node for node, _ in cg.nodes if isinstance(node, ExternCall) and node.library is None]
    libc = {node.name for node in nodes if node.c_source is None}
    source = {node.name for node in nodes if node.c_source is not None}
    return {"libc": libc, "source": source, "any": libc | source}


def _named_extern_error(error, cg):
    """`error` (a JitCompileError) restated for the graph's extern it is about, or None."""
    names = _extern_names(cg)
    for pattern, kind, message in _BUILD_COMPLAINTS:
        for match in pattern.finditer(error.output):
            name = next(group for group in match.groups() if group)
            if name in names[kind]:
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
        The C function's name (a C identifier; checked). Without c_source or library, a function
        <math.h> declares, whose prototype the signature must be (the C compiler checks).
    signature : str
        Its C type, "ret(arg, ...)" with float or double.
    c_source : str, optional
        C source defining the function, compiled into the kernel.
    library : str, bytes or os.PathLike, optional
        A shared library that defines it, loaded and called through a pointer (no header declares
        it, so the signature is taken as given).
    reference : callable, optional
        The function in Python, called per sample where the graph runs on numpy. Without one, a
        library's function, and a <math.h> function of the C library, are called there through
        cffi; an extern with c_source cannot run on numpy without it.

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
