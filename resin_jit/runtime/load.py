"""Load: open a compiled library with cffi and wrap its entry in a dispatch Caller."""
import os

import cffi

from ..front.errors import JitCompileError

_ffi = cffi.FFI()
_ffi.cdef("""
    int rj_entry(void *call);
    int64_t rj_state_size(void);
    int64_t rj_state_lanes(void);
    void rj_state_init(void *state);
""")
_ADDRESS = _ffi.typeof("uintptr_t")  # parsed once at import, not on each load
NOGIL_ABOVE = 1 << 16   # elements: a call this large releases the GIL (cheaper than it costs below)

import numpy as np

try:
    from . import _dispatch
except ImportError:  # built by setup.py; absent when the package was installed without a compiler
    _dispatch = None
else:
    _dispatch.set_numpy(np.ndarray, np.empty, np.floating, np.integer)
    if hasattr(os, "register_at_fork"):   # not on Windows, which has no fork
        os.register_at_fork(after_in_child=_dispatch.after_fork)


class LoadedLibrary:
    """One dlopen()ed kernel library; it stays loaded as long as any Caller references it."""

    def __init__(self, path):
        self.path = str(path)
        try:
            self.lib = _ffi.dlopen(self.path)
            self.entry_address = int(_ffi.cast(_ADDRESS, self.lib.rj_entry))
        except (OSError, AttributeError) as exc:  # cffi: OSError from dlopen(), AttributeError for no rj_entry
            raise JitCompileError(f"{self.path} does not load: {exc}") from exc

    def state_size(self):
        return int(self.lib.rj_state_size())

    def state_lanes(self):
        """How many channels one state struct serves."""
        return int(self.lib.rj_state_lanes())

    def init_state(self, buffer):
        """Run rj_state_init on a writable buffer of state_size() bytes."""
        self.lib.rj_state_init(_ffi.from_buffer(buffer, require_writable=True))

    def caller(self, argspec, ret="v", slow_path=None, bound=(), nogil_above=NOGIL_ABOVE):
        """A C-level callable for the entry (csrc/dispatch.c): arguments that do not fit go to `slow_path`;
        a call of more than `nogil_above` elements runs without the GIL."""
        return _dispatch.Caller(self.entry_address, argspec, ret, slow_path, tuple(bound), self, nogil_above)
