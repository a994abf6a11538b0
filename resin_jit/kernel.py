"""Call: the compiled kernel objects users hold.

The hot path is a `_dispatch.Caller` stored as the method itself (`kernel.process`), so a
call with arguments that already fit goes from Python straight into C. Everything else
(conversion, broadcasting, resizing state, explaining a bad argument) is the slow path below.
"""
import copy

import numpy as np

from . import fallback, parallel
from .assemble import Layout
from .errors import JitError
from .external import PyNode
from .nodes import real_number

LETTER = {"float32": "f", "float64": "d"}
_DTYPES = {"float32": np.dtype(np.float32), "float64": np.dtype(np.float64)}


def as_input(value, dtype, name):
    """An input as a C-contiguous, aligned array of `dtype`, copied only when needed."""
    try:
        arr = np.asarray(value, dtype=dtype)
    except (TypeError, ValueError) as exc:
        raise TypeError(f"input {name!r} cannot be converted to {dtype}: {exc}") from None
    if arr.ndim > 2:
        raise ValueError(f"input {name!r} must be 1-D (samples) or 2-D (channels, samples), not {arr.ndim}-D")
    return np.require(arr, dtype, ["C", "A"])


def check_output(arr, dtype, shape, name):
    if not isinstance(arr, np.ndarray):
        raise TypeError(f"output {name!r} must be a numpy.ndarray of {dtype}, not {type(arr).__name__}")
    if arr.dtype != dtype:
        raise TypeError(f"output {name!r} must have dtype {dtype}, not {arr.dtype}")
    if not arr.flags.c_contiguous:
        raise ValueError(f"output {name!r} must be C-contiguous")
    if not arr.flags.writeable:
        raise ValueError(f"output {name!r} is read-only")
    if not arr.flags.aligned:
        raise ValueError(f"output {name!r} is not aligned to its element size")
    if shape is not None and arr.shape != shape:
        raise ValueError(f"output {name!r} has shape {arr.shape}, the inputs have shape {shape}")


STATE_ALIGNMENT = 64  # the widest SIMD vector a state struct may hold (AVX-512)


def aligned_empty(nbytes):
    """A uint8 buffer whose start is aligned for any vector type in a state struct."""
    raw = np.empty(nbytes + STATE_ALIGNMENT, np.uint8)
    start = -raw.ctypes.data % STATE_ALIGNMENT
    return raw[start:start + nbytes]


def _param_values(cg):
    return np.array([cg.param_defaults[name] for name in cg.param_names], np.float64)


class NativeRunner:
    """Runs a graph through its compiled library; owns the buffers bound to every call:
    runtime parameters, function pointers (py_node, library externs) and per-channel state."""
    backend = "native"

    def __init__(self, library, argspec, cg):
        self.library, self.argspec = library, argspec
        self.layout = layout = Layout.of(cg)
        self.stateful = layout.stateful
        self.params = _param_values(cg) if layout.has_params else None
        self._keepalive = []  # callbacks and libraries the function pointers point into
        self._py_cells = []   # (py_node, [its state]) for reset()
        self.errors = []      # exceptions raised inside py_node callbacks during a call
        self.pointers = None
        if layout.has_pointers:
            self.pointers = np.array([self._function_pointer(cg.nodes[i][0]) for i in cg.pointer_nodes], np.uint64)
        self.channels = 1
        self._template = None
        self.state = None
        self.lanes = 1
        if self.stateful:
            self.lanes = library.state_lanes()
            self._template = aligned_empty(library.state_size())
            library.init_state(self._template)
            self.reset()

    def _function_pointer(self, node):
        if isinstance(node, PyNode):
            cell = [copy.deepcopy(node.state)]
            self._py_cells.append((node, cell))
            ffi, callback, address = node.make_callback(cell, self.errors)
            self._keepalive.append((ffi, callback))
            return address
        return node.function_pointer(self._keepalive)

    @property
    def has_callbacks(self):
        return bool(self._py_cells)

    def caller(self, slow_path, state=None):
        """A Caller bound to the parameters, pointers and state (or the given slice of the state).
        Calls large enough to be worth threads go to the slow path, which splits them."""
        state = self.state if state is None else state
        bound = tuple(b for b in (self.params, self.pointers, state) if b is not None)
        return self.library.caller(self.argspec, "v", slow_path, bound,
                                   slow_above=parallel.AUTO_THREADS_MIN_SAMPLES * len(self.argspec))

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
            self.state = aligned_empty(self._template.size * groups)
            self.state.reshape(groups, -1)[:] = self._template
        for node, cell in self._py_cells:
            cell[0] = copy.deepcopy(node.state)


class NumpyRunner:
    """Runs a graph on numpy with the nodes' reference implementations."""
    backend = "numpy"

    def __init__(self, cg, dtype):
        self.cg, self.dtype = cg, dtype
        self.stateful = bool(cg.stateful_nodes)
        self.params = _param_values(cg)
        self.channels = 1
        self.reset()

    def caller(self, slow_path):
        return slow_path

    def set_channels(self, channels):
        if channels == self.channels:
            return False
        self.channels = channels
        self.reset()
        return True

    def reset(self):
        self.states = [fallback.initial_states(self.cg) for _ in range(self.channels)]

    def run(self, inputs, outputs):
        params = dict(zip(self.cg.param_names, self.params))
        fallback.run(self.cg, inputs, outputs, self.dtype, self.states, params)


class ParamView:
    """kernel.params: read and set runtime parameters by name; the next call sees the new value."""

    def __init__(self, kernel):
        self._kernel = kernel

    def __getitem__(self, name):
        return float(self._kernel._runner.params[self._kernel._param_index(name)])

    def __setitem__(self, name, value):
        self._kernel.set_param(name, value)

    def __iter__(self):
        return iter(self._kernel.graph.param_names)

    def __len__(self):
        return len(self._kernel.graph.param_names)

    def keys(self):
        return list(self)

    def items(self):
        return [(name, self[name]) for name in self]

    def __repr__(self):
        return repr(dict(self.items()))


class Kernel:
    """A compiled graph. `kernel(*inputs)` returns new arrays; `kernel.process(*inputs, *outputs)`
    (or `out=`) writes into given ones; `kernel.reset()` restores the initial state."""

    def __init__(self, cg, dtype, isa, runner, config=None):
        self.graph = cg
        self.dtype = _DTYPES[dtype]
        self.isa = isa
        self.config = config
        self.input_names = list(cg.input_names)
        self.n_inputs, self.n_outputs = len(cg.input_names), len(cg.outputs)
        self._runner = runner
        self._bind()

    @property
    def backend(self):
        return self._runner.backend

    @property
    def key(self):
        """sha256 of the graph's canonical form: equal for equal structure, whatever the build order."""
        return self.graph.key

    @property
    def params(self):
        return ParamView(self)

    def _param_index(self, name):
        try:
            return self.graph.param_names.index(name)
        except ValueError:
            raise KeyError(f"no parameter {name!r}; this kernel has {list(self.graph.param_names)}") from None

    def set_param(self, name, value):
        """Change runtime parameter `name`; no recompilation."""
        index = self._param_index(name)
        self._runner.params[index] = real_number(value, f"parameter {name!r}")

    @property
    def source(self):
        """The generated C translation unit (the same for every ISA tier: a -D flag picks the tier)."""
        from .assemble import block_source
        return block_source(self.graph, self.dtype.name)

    def _bind(self):
        """(Re)build the fast path; needed whenever the state buffer is replaced."""
        self._caller = self._runner.caller(self._process_positional)
        direct = self._runner.backend == "native" and not getattr(self._runner, "has_callbacks", False)
        self.process = self._caller if direct else self._process

    def _invoke(self, inputs, outputs):
        if self._runner.backend != "native":
            self._runner.run(inputs, outputs)
            return
        self._caller.invoke(*inputs, *outputs)
        if self._runner.errors:  # a py_node raised: report it here, where the user called
            error = self._runner.errors[0]
            self._runner.errors.clear()
            raise JitError(f"a py_node raised {type(error).__name__}: {error}") from error

    def _process_positional(self, *arrays, **kwargs):
        return self._process(*arrays, **kwargs)

    def _process(self, *arrays, out=None, threads=None):
        if out is None:
            if len(arrays) != self.n_inputs + self.n_outputs:
                raise TypeError(f"process takes {self.n_inputs} input(s) and {self.n_outputs} output(s) "
                                f"({', '.join(self.input_names) or 'no inputs'}), got {len(arrays)} arrays")
            arrays, out = arrays[:self.n_inputs], arrays[self.n_inputs:]
        outputs = [out] if isinstance(out, np.ndarray) or not isinstance(out, (list, tuple)) else list(out)
        if len(arrays) != self.n_inputs or len(outputs) != self.n_outputs:
            raise TypeError(f"process takes {self.n_inputs} input(s) and {self.n_outputs} output(s), "
                            f"got {len(arrays)} and {len(outputs)}")
        check_output(outputs[0], self.dtype, None, "out0")
        shape = outputs[0].shape
        if len(shape) not in (1, 2):
            raise ValueError(f"outputs must be 1-D or 2-D (channels, samples), not {len(shape)}-D")
        for j, o in enumerate(outputs):
            check_output(o, self.dtype, shape, f"out{j}")
        inputs = self._prepare_inputs(arrays, shape, outputs)
        self._run(inputs, outputs, threads)

    def _prepare_inputs(self, arrays, shape, outputs):
        inputs = []
        for name, value in zip(self.input_names, arrays):
            arr = as_input(value, self.dtype, name)
            if arr.shape != shape:
                try:
                    arr = np.ascontiguousarray(np.broadcast_to(arr, shape))
                except ValueError:
                    raise ValueError(f"input {name!r} has shape {arr.shape}, the outputs have shape {shape}") from None
            if any(np.may_share_memory(arr, o) and not _same_buffer(arr, o) for o in outputs):
                arr = arr.copy()  # a partly overlapping output would overwrite input not yet read
            inputs.append(arr)
        return inputs

    def _run(self, inputs, outputs, threads=None):
        channels = outputs[0].shape[0] if outputs[0].ndim == 2 and self._runner.stateful else 1
        if channels > 1 and any(isinstance(n, PyNode) for n, _ in self.graph.nodes):
            raise ValueError("a graph with a py_node runs one channel at a time: pass 1-D arrays")
        if outputs[0].size == 0:
            return
        if self._runner.set_channels(channels):
            self._bind()
        threads = parallel.thread_count(threads, outputs[0].size)
        if threads > 1 and self._runner.backend == "native" and not self._runner.has_callbacks:
            self._run_threaded(inputs, outputs, threads, channels)
        else:
            self._invoke(inputs, outputs)

    def _run_threaded(self, inputs, outputs, threads, channels):
        """Chunks of the samples of a stateless kernel, or groups of channels of a stateful one
        (each group with its own slice of the state), one call per thread."""
        if not self._runner.stateful:
            flat_in = [x.reshape(-1) for x in inputs]
            flat_out = [o.reshape(-1) for o in outputs]

            def work(lo, hi):
                self._caller.invoke(*[x[lo:hi] for x in flat_in], *[o[lo:hi] for o in flat_out])
            parallel.run_chunks(work, parallel.bounds(flat_out[0].size, threads, align=64))
            return
        lanes, size = self._runner.lanes, self._runner.state_size

        def work_channels(lo, hi):
            state = self._runner.state[(lo // lanes) * size:-(-hi // lanes) * size]
            caller = self._runner.caller(None, state)
            caller.invoke(*[x[lo:hi] for x in inputs], *[o[lo:hi] for o in outputs])
        parallel.run_chunks(work_channels, parallel.bounds(channels, min(threads, channels), align=lanes))

    def __call__(self, *arrays, n=None, threads=None):
        if len(arrays) != self.n_inputs:
            raise TypeError(f"kernel takes {self.n_inputs} input(s) ({', '.join(self.input_names)}), "
                            f"got {len(arrays)}")
        if self.n_inputs == 0:
            if n is None or isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 0:
                raise TypeError(f"a kernel with no inputs needs the block length: kernel(n=...), got n={n!r}")
            shape = (int(n),)
        else:
            shape = np.broadcast_shapes(*(np.shape(a) for a in arrays))
            if len(shape) == 0:
                shape = (1,)
        outputs = [np.empty(shape, self.dtype) for _ in range(self.n_outputs)]
        self._process(*arrays, out=outputs, threads=threads)
        return outputs[0] if self.n_outputs == 1 else tuple(outputs)

    def reset(self):
        self._runner.reset()
        self._bind()

    def __reduce__(self):
        """A kernel pickles as its graph, config and parameter values, never its shared library:
        the other side loads it from its own cache or compiles it. State starts afresh."""
        from .compiler import rebuild_kernel
        return rebuild_kernel, (type(self), self.graph, self.dtype.name, self.config, dict(self.params.items()))

    def __repr__(self):
        return (f"<resin_jit.Kernel inputs={list(self.input_names)} outputs={self.n_outputs} "
                f"isa={self.isa} backend={self.backend} key={self.key[:12]}>")


def _same_buffer(a, b):
    return a.__array_interface__["data"][0] == b.__array_interface__["data"][0] and a.nbytes == b.nbytes


class CompiledSimdBlock(Kernel):
    """A one-input, one-output block kernel: `process(input, output)`, both of one length."""

    def _prepare_inputs(self, arrays, shape, outputs):
        if len(shape) != 1:
            raise ValueError(f"output must be 1-D, not of shape {shape}")
        inputs = super()._prepare_inputs(arrays, shape, outputs)
        if np.shape(arrays[0]) != shape and np.asarray(arrays[0]).size != shape[0]:
            raise ValueError(f"input has {np.asarray(arrays[0]).size} samples, the output {shape[0]}")
        return inputs


class CompiledScalar:
    """A one-input, one-output graph as a scalar function: `call_f32(x) -> float`."""

    def __init__(self, cg, isa, library=None, config=None):
        self.graph, self.isa, self.config = cg, isa, config
        if library is not None:
            self.call_f32 = library.caller("x", "f", self._call_slow)
            self.backend = "native"
        else:
            self.call_f32 = self._call_numpy
            self.backend = "numpy"

    @property
    def key(self):
        return self.graph.key

    @property
    def source(self):
        from .assemble import scalar_source
        return scalar_source(self.graph, "float32")

    def __reduce__(self):
        from .compiler import rebuild_kernel
        return rebuild_kernel, (type(self), self.graph, "float32", self.config, {})

    def _call_slow(self, x):
        return self.call_f32(real_number(x, "call_f32's argument"))

    def _call_numpy(self, x):
        x = np.float32(real_number(x, "call_f32's argument"))
        out = fallback.evaluate(self.graph, [np.array([x], np.float32)], 1, "float32", {})[0]
        return float(out[0])
