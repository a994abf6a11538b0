"""Runners: what a kernel object runs its calls on, and the buffers it binds to every call.

NativeRunner runs the compiled library and owns the runtime parameters, the function pointers
(py_node, library externs) and the per-channel state; NumpyRunner runs the same plan on numpy
(runtime/numpy_backend.py), where no library could be built or loaded.
"""
import functools

import numpy as np

from ..front.abi import aligned_empty
from . import numpy_backend


def param_values(cg):
    """The runtime parameters' defaults, in the plan's order (a float64 buffer every call reads)."""
    return np.array([cg.param_defaults[name] for name in cg.param_names], np.float64)


class NativeRunner:
    """Runs a graph through its compiled library; owns the buffers bound to every call:
    runtime parameters, function pointers (py_node, library externs) and per-channel state."""
    backend = "native"

    def __init__(self, library, cg, plan):
        self.library, self.plan = library, plan
        self.stateful = plan.stateful
        self.has_callbacks = plan.python_callbacks
        self.params = param_values(cg) if plan.has_params else None
        self._keepalive = []  # callbacks and libraries the function pointers point into
        self._resets = []     # what restores each pointer node's own per-kernel state (py_node)
        self.errors = []      # exceptions raised inside py_node callbacks during a call
        self.pointers = np.array([self._bind_pointer(cg.nodes[i][0]) for i in cg.pointer_nodes], np.uint64) \
            if plan.has_pointers else None
        self.channels = 1
        self._template = None
        self.state = None
        self.lanes = 1
        if self.stateful:
            self.lanes = library.state_lanes()
            self._template = aligned_empty(library.state_size(), np.uint8)
            library.init_state(self._template)
            self.reset()

    def _bind_pointer(self, node):
        address, reset = node.bind_pointer(self._keepalive, self.errors)
        if reset is not None:
            self._resets.append(reset)
        return address

    def bound(self, state=None):
        """The buffers appended to every call (with `state`: a thread's slice of the state instead)."""
        return self.plan.bound(self.params, self.pointers, self.state if state is None else state)

    def slice_caller(self, state):
        """A Caller for one thread's share of a split call: its own slice of the state."""
        return self.library.caller(self.argspec, "v", None, self.bound(state), nogil_above=-1)   # threads' chunks

    @functools.cached_property
    def argspec(self):
        """The dispatcher's letters of a call's buffers (a thread's slice of a split call)."""
        return self.plan.letters

    @property
    def state_size(self):
        return self._template.size if self._template is not None else 0

    def set_channels(self, channels):
        """True if the state had to be re-made for a new channel count."""
        if not self.stateful or channels == self.channels:
            return False
        self.channels = channels
        self.reset()
        return True

    def reset(self):
        if self.stateful:  # one state struct per group of `lanes` channels
            groups = -(-self.channels // self.lanes)
            self.state = aligned_empty(self._template.size * groups, np.uint8)
            self.state.reshape(groups, -1)[:] = self._template
        for reset in self._resets:
            reset()


class NumpyRunner:
    """Runs a graph on numpy with the nodes' reference implementations."""
    backend = "numpy"

    def __init__(self, cg, plan):
        self.cg, self.plan = cg, plan
        self.stateful = plan.stateful
        self.params = param_values(cg)
        self.channels = 1
        self.reset()

    def set_channels(self, channels):
        if channels == self.channels:
            return False
        self.channels = channels
        self.reset()
        return True

    def reset(self):
        self.states = [numpy_backend.initial_states(self.cg) for _ in range(self.channels)]

    def run(self, inputs, outputs, shape):
        params = dict(zip(self.cg.param_names, self.params))
        numpy_backend.run(self.cg, self.plan, inputs, outputs, shape, self.states, params)
