"""Call: the compiled kernel objects users hold.

Every call form (`kernel(x)`, `kernel(x=xs)`, `kernel(n=...)`, `kernel(x, out=y)`,
`kernel.process(x, y)`, `kernel.process(x, out=y)`) is handled by the C base class
(csrc/dispatch_kernel.c), bound from the kernel's plan: when the arguments already fit, the call
goes from Python straight into the compiled entry. Everything else (conversion, broadcasting, a
new channel count, threads, an output to make, explaining a bad argument) lands in `_call_slow` /
`_process_slow` below, which run the entry through `_run`.
"""
import os
import threading
from typing import TYPE_CHECKING, Any, NamedTuple

import numpy as np

from ..front.errors import JitError
from ..front.nodes import real_number
from . import layout, parallel
from .arguments import (NOT_GIVEN, as_input, check_output, check_outputs_apart, outputs_given, same_buffer,
                        warn_if_narrowed)
from .call_types import KernelType, TypedCalls
from .load import NOGIL_ABOVE, _dispatch


class CallBinding(NamedTuple):
    """What the C base type binds a kernel's calls from (csrc/dispatch_bind.c reads each field,
    and the plan's letters, out_rows, names, output_dtypes, stateful and broadcast, by name).

    A kernel's plan is bound once: a later binding (a new state, a reset, new thread settings)
    must bring the same plan, and only the other fields may change; anything else is refused
    with a ValueError."""
    plan: object           # the KernelPlan
    entry: int             # the library's rj_entry, 0: no native code (every call takes the slow path)
    bound: tuple           # the buffers appended to every call: parameters, pointers, state
    keepalive: object      # the loaded library: must outlive every call of its entry
    state_rows: int        # the channel count the bound state was made for
    one_d: bool            # arrays must be 1-D (CompiledSimdBlock)
    fast: bool             # calls may take the fast path (not with py_node callbacks)
    nogil_above: int       # release the GIL for calls of more samples than this
    threads_from: int      # calls of this many samples or more go to the slow path's threads; 0: never


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


_forking_thread = None   # in a forked child: the thread that forked (the one that came along)


def _remember_forking_thread():
    global _forking_thread
    _forking_thread = threading.get_ident()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_remember_forking_thread)


class _PythonCalls:
    """The base of Kernel where the _dispatch extension is not built: every call is a slow one."""

    _sibling = None   # the C base's: a following kernel's other-dtype kernel (runtime/following.py)
    _follows = 0

    def __new__(cls, *args, **kwargs):
        self = super().__new__(cls)
        self._lock, self._owner, self._pid = threading.Lock(), None, os.getpid()
        return self

    def __call__(self, *args, **kwargs):
        return self._call_slow(*args, **kwargs)

    def process(self, *args, **kwargs):
        return self._process_slow(*args, **kwargs)

    def _bind(self, *args):
        pass

    def _acquire(self):
        if self._pid != os.getpid():   # a forked child: only the forking thread came along
            self._pid = os.getpid()
            if self._owner is None or self._owner != _forking_thread:
                self._lock, self._owner = threading.Lock(), None
        if self._owner == threading.get_ident():
            raise RuntimeError("a stateful kernel was called again from inside its own call (e.g. from a py_node)")
        self._lock.acquire()
        self._owner = threading.get_ident()

    def _release(self):
        self._owner = None
        self._lock.release()


if TYPE_CHECKING:   # the call forms' types (call_types.py) before _PythonCalls' untyped ones
    class _KernelBase(TypedCalls, _PythonCalls):
        pass
else:
    _KernelBase = _dispatch.Kernel if _dispatch is not None else _PythonCalls


class Kernel(_KernelBase, metaclass=KernelType):
    """A compiled graph, called like a numpy function (made by JitCompiler.compile, not by hand).

    Every call form goes straight into the compiled code when its arguments fit (arrays of the
    kernel's dtype, C-contiguous, one shape; numbers broadcast); anything else is converted first.
    A stateful kernel keeps one state per channel between calls, and its calls from several
    threads run one at a time. 2-D arrays are (channels, n); every call takes ``channel_axis=-1``
    for (n, channels) (soundfile's frames × channels), and gives results in that layout too.

    Methods
    -------
    __call__(*inputs, **named) / kernel(n=...) / kernel(*inputs, out=...)
        The output arrays (a tuple for several outputs); inputs by position or by name. As numpy's
        ufuncs: new arrays, or with out= the arrays given (an array, or a tuple or list of one per
        output, None where the call makes a new one), returned themselves.
    process(*inputs, *outputs) / process(*inputs, out=...)
        Write into arrays you own (None: an output you do not need); returns None.
    channel_axis=0 | -1 (either call)
        Where the channels of 2-D arrays are: 0 (channels, n), the default; -1 (n, channels).
    reset()
        Back to the initial state.
    set_param(name, value)
        Change a runtime parameter (also ``kernel.params[name] = value``); no recompiling.

    Attributes
    ----------
    input_names : list of str
        The inputs, in positional order.
    n_inputs, n_outputs : int
        How many arrays a call takes and gives.
    dtype : numpy.dtype
        The kernel's dtype (float32 or float64).
    output_dtypes : tuple of numpy.dtype
        Each output's dtype: the kernel's, bool for a comparison, int64 for argmin/argmax.
    params : mapping
        Runtime parameters by name, readable and settable.
    backend : str
        "native", or "numpy" for a kernel that could not be built or loaded here.
    isa, key, source : str
        The ISA tier, the graph's canonical hash, the generated C.

    Examples
    --------
    >>> import numpy as np, resin_jit as rj
    >>> x, y = rj.input("x"), rj.input("y")
    >>> kernel = rj.JitCompiler().compile([y - x, rj.sum(x * y)], inputs=[x, y])
    >>> difference, dot = kernel(x=np.ones(3, np.float32), y=2.0)
    >>> difference, float(dot)
    (array([1., 1., 1.], dtype=float32), 6.0)
    """

    def __init__(self, cg, plan, isa, runner, config=None, source=None):
        self.graph, self.plan = cg, plan
        self.dtype = np.dtype(plan.dtype)
        # Each output's dtype (the kernel's, bool for a comparison or mask, int64 for an index, as
        # numpy gives) and whether it holds one value per channel (a reduction) or every sample.
        self.output_dtypes = plan.output_dtypes
        self._per_row = tuple(out.per_row for out in plan.outputs)
        self._make_source = source
        self.isa = isa
        self.config = config
        self.input_names = list(cg.input_names)
        self.n_inputs, self.n_outputs = len(cg.input_names), len(cg.outputs)
        self._runner = runner
        self._bind_calls()

    @property
    def backend(self) -> str:
        """"native", or "numpy" for a kernel that could not be built or loaded here."""
        return self._runner.backend

    @property
    def ulp(self):
        """The accuracy level of the kernel's vector math: 0.5, 1.0 or 4.0 (JitConfig.ulp)."""
        return self.plan.ulp

    @property
    def key(self):
        """sha256 of the graph's canonical form: equal for equal structure, whatever the build order."""
        return self.graph.key

    @property
    def params(self) -> ParamView:
        """The runtime parameters by name: ``kernel.params["gain"] = 0.8``."""
        return ParamView(self)

    def _param_index(self, name):
        try:
            return self.graph.param_names.index(name)
        except ValueError:
            raise KeyError(f"no parameter {name!r}; this kernel has {list(self.graph.param_names)}") from None

    def set_param(self, name: str, value: float) -> None:
        """Change runtime parameter `name`; no recompilation."""
        index = self._param_index(name)
        self._runner.params[index] = real_number(value, f"parameter {name!r}")

    @property
    def source(self):
        """The generated C translation unit (the same for every ISA tier: a -D flag picks the tier)."""
        return self._make_source()

    def _bind_calls(self):
        """Hand the C call path what it needs; again whenever the state buffer is replaced."""
        runner = self._runner
        native = runner.backend == "native"
        self._bind(CallBinding(
            plan=self.plan, entry=runner.library.entry_address if native else 0,
            bound=runner.bound() if native else (), keepalive=runner.library if native else None,
            state_rows=runner.channels, one_d=isinstance(self, CompiledSimdBlock),
            fast=native and not runner.has_callbacks, nogil_above=NOGIL_ABOVE,
            threads_from=parallel.AUTO_THREADS_MIN_SAMPLES if parallel.usable_cores() > 1 else 0))

    # -- the slow path: every call the C path did not take -------------------------------------

    def _inputs_by_name(self, arrays, named, what):
        """The inputs in positional order, from positional and named arguments."""
        unknown = [name for name in named if name not in self.input_names]
        if unknown:
            raise TypeError(f"{what} got unexpected keyword argument(s) {', '.join(map(repr, unknown))}; "
                            f"the kernel's inputs are {', '.join(self.input_names) or 'none'}")
        rest = iter(arrays)
        inputs = []
        for name in self.input_names:
            if name in named:
                inputs.append(named[name])
                continue
            try:
                inputs.append(next(rest))
            except StopIteration:
                return None
        return inputs + list(rest)

    def _process_slow(self, *arrays, out=NOT_GIVEN, threads=None, channel_axis=None, **named):
        if out is NOT_GIVEN:
            if named:
                raise TypeError("process with inputs given by name takes its outputs as out=...")
            if len(arrays) != self.n_inputs + self.n_outputs:
                raise TypeError(f"process takes {self.n_inputs} input(s) and {self.n_outputs} output(s) "
                                f"({', '.join(self.input_names) or 'no inputs'}), got {len(arrays)} arrays")
            arrays, out = arrays[:self.n_inputs], list(arrays[self.n_inputs:])
        arrays = self._inputs_by_name(arrays, named, "process") or arrays
        outputs = outputs_given(out, self.n_outputs, "process")
        if len(arrays) != self.n_inputs:
            raise TypeError(f"process takes {self.n_inputs} input(s) ({', '.join(self.input_names) or 'none'}), "
                            f"got {len(arrays)}")
        self._write(arrays, outputs, threads, channel_axis=channel_axis)

    def _call_slow(self, *arrays, n=None, threads=None, out=None, channel_axis=None, **named):
        inputs = self._inputs_by_name(arrays, named, "kernel")
        if inputs is None or len(inputs) != self.n_inputs:
            raise TypeError(f"kernel takes {self.n_inputs} input(s) ({', '.join(self.input_names)}), "
                            f"got {len(arrays) + len(named)}")
        outputs = outputs_given(out, self.n_outputs, "kernel")
        if self.n_inputs > 0 and n is not None:
            raise TypeError("n= is the block length of a kernel without inputs; this kernel takes its "
                            "length from its inputs")
        if self.n_inputs == 0 and (n is not None or self._given_samples(outputs) is None):
            if n is None or isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 0:
                raise TypeError(f"a kernel with no inputs needs the block length: kernel(n=...), got n={n!r}")
            n = int(n)
        # numbers and 0-d arrays: one sample, and 0-d outputs where the call makes them, as numpy gives
        zero_d = self.n_inputs > 0 and np.broadcast_shapes(*(np.shape(a) for a in inputs)) == ()
        outputs = self._write(inputs, outputs, threads, n, channel_axis)
        if zero_d:
            outputs = [o.reshape(()) if o.size == 1 and o.ndim == 1 and out is None else o for o in outputs]
        return outputs[0] if self.n_outputs == 1 else tuple(outputs)

    def _write(self, arrays, outputs, threads, n=None, channel_axis=None):
        """Run on the inputs `arrays` into `outputs` (None: an array made here); the outputs."""
        if layout.channels_last(channel_axis) and not self.plan.broadcast:   # elementwise: any layout will do
            outputs = self._made_channels_last(arrays, outputs)
            layout.process_channels_last(self, arrays, outputs, threads)
            return outputs
        shape = self._samples_shape(arrays, outputs, n)
        if len(shape) not in (1, 2):
            raise ValueError(f"outputs must be 1-D or 2-D (channels, samples), not {len(shape)}-D")
        if channel_axis is None and self._runner.stateful:
            layout.warn_if_transposed(self, shape)
        outputs = [np.empty(shape[:-1] if per_row else shape, dtype) if o is None else o
                   for o, dtype, per_row in zip(outputs, self.output_dtypes, self._per_row)]
        for j, o in enumerate(outputs):
            check_output(o, self.output_dtypes[j], shape[:-1] if self._per_row[j] else shape, f"out{j}")
        check_outputs_apart(outputs)
        inputs = self._prepare_inputs(arrays, shape, outputs)
        self._run_locked(inputs, outputs, threads, shape)
        return outputs

    def _made_channels_last(self, arrays, outputs):
        """The outputs, those not given (None) made for (n, channels) inputs: a per-sample one as the
        transpose of a C-contiguous array (the kernel writes straight into it), a reduction one per column."""
        given = [o for o, per_row in zip(outputs, self._per_row) if o is not None and not per_row]
        shape = np.broadcast_shapes(*(np.shape(a) for a in [*arrays, *given]))
        return [o if o is not None else np.empty(shape[-1:], d) if per_row and len(shape) == 2
                else np.empty(shape[:-1], d) if per_row else layout.new_output(shape, d, len(shape) == 2)
                for o, d, per_row in zip(outputs, self.output_dtypes, self._per_row)]

    def _given_samples(self, outputs):
        """The first per-sample output given (not None), with its index, or None."""
        return next(((j, o) for j, (o, per_row) in enumerate(zip(outputs, self._per_row))
                     if o is not None and not per_row), None)

    def _samples_shape(self, arrays, outputs, n=None):
        """The shape of the samples: the first per-sample output's given, else (n,) for a kernel
        without inputs, else that of the inputs broadcast together."""
        given = self._given_samples(outputs)
        if given is not None:
            j, o = given
            check_output(o, self.output_dtypes[j], None, f"out{j}")
            if n is not None and o.shape != (n,):
                raise ValueError(f"output 'out{j}' has shape {o.shape}, not the ({n},) of n={n}: pass one of them")
            return o.shape
        if n is not None:
            return (n,)
        shape = np.broadcast_shapes(*(np.shape(a) for a in arrays)) if arrays else ()
        return shape or (1,)

    def _prepare_inputs(self, arrays, shape, outputs):
        inputs = []
        for name, value in zip(self.input_names, arrays):
            warn_if_narrowed(self, name, value)
            arr = as_input(value, self.dtype, name)
            if arr.shape != shape:
                try:
                    arr = np.ascontiguousarray(np.broadcast_to(arr, shape))
                except ValueError:
                    raise ValueError(f"input {name!r} has shape {arr.shape}, the outputs have shape {shape}") from None
            if any(np.may_share_memory(arr, o) and not same_buffer(arr, o) for o in outputs):
                arr = arr.copy()  # a partly overlapping output would overwrite input not yet read
            inputs.append(arr)
        return inputs

    def _run_locked(self, inputs, outputs, threads, shape):
        """Run with the kernel's lock held: a stateful kernel's state serves one call at a time."""
        self._acquire()
        try:
            self._run_now(inputs, outputs, threads, shape)
        finally:
            self._release()

    def _run_now(self, inputs, outputs, threads, shape):
        channels = shape[0] if len(shape) == 2 and self._runner.stateful else 1
        if channels == 0:
            raise ValueError(f"a stateful kernel keeps one state per channel, and arrays of shape {shape} "
                             "have no channels: pass at least one row")
        if channels > 1 and self.graph.python_callbacks:
            raise ValueError("a graph with a py_node runs one channel at a time: pass 1-D arrays")
        size = int(np.prod(shape))
        if shape[-1] == 0 and self.plan.no_value_over_no_samples:   # as numpy: (0, 5) gives (0,), (0, 0) raises
            raise ValueError(f"{self.plan.no_value_over_no_samples[0]} of no samples has no value "
                             "(numpy: a zero-size array to a reduction operation with no identity)")
        if size == 0 and not any(self._per_row):
            return
        if self._runner.set_channels(channels):
            self._bind_calls()
        threads = parallel.thread_count(threads, size)
        if threads > 1 and self._runner.backend == "native" and not self._runner.has_callbacks:
            self._run_threaded(inputs, outputs, threads, shape)
        else:
            self._invoke(inputs, outputs, shape)

    def _invoke(self, inputs, outputs, shape):
        if self._runner.backend != "native":
            self._runner.run(inputs, outputs, shape)
            return
        self._run(*inputs, *outputs)
        if self._runner.errors:  # a py_node raised: report it here, where the user called
            error = self._runner.errors[0]
            self._runner.errors.clear()
            raise JitError(f"a py_node raised {type(error).__name__}: {error}") from error

    def _run_threaded(self, inputs, outputs, threads, shape):
        """Chunks of the samples of a stateless kernel, or groups of channels of a stateful one
        (each group with its own slice of the state) or of one with reductions, one call per thread."""
        if (len(shape) == 1 and (self._runner.stateful or any(self._per_row))) or 0 in shape:
            self._run(*inputs, *outputs)   # one channel (its samples run in order), or nothing to split
            return
        if any(self._per_row) and not self._runner.stateful:   # reductions: whole rows to each thread

            def work_rows(lo, hi):
                self._run(*[x[lo:hi] for x in inputs], *[o[lo:hi] for o in outputs])
            parallel.run_chunks(work_rows, parallel.bounds(shape[0], min(threads, shape[0])))
            return
        if not self._runner.stateful:
            flat_in = [x.reshape(-1) for x in inputs]
            flat_out = [o.reshape(-1) for o in outputs]

            def work(lo, hi):
                self._run(*[x[lo:hi] for x in flat_in], *[o[lo:hi] for o in flat_out])
            parallel.run_chunks(work, parallel.bounds(flat_out[0].size, threads, align=64))
            return
        channels, lanes, size = shape[0] if len(shape) == 2 else 1, self._runner.lanes, self._runner.state_size

        def work_channels(lo, hi):
            state = self._runner.state[(lo // lanes) * size:-(-hi // lanes) * size]
            self._runner.slice_caller(state).invoke(*[x[lo:hi] for x in inputs], *[o[lo:hi] for o in outputs])
        parallel.run_chunks(work_channels, parallel.bounds(channels, min(threads, channels), align=lanes))

    def reset(self) -> None:
        """Back to the initial state (every channel's), as if the kernel were new."""
        self._acquire()
        try:
            self._runner.reset()
            self._bind_calls()
        finally:
            self._release()

    def __repr__(self):
        return (f"<resin_jit.Kernel inputs={list(self.input_names)} outputs={self.n_outputs} "
                f"isa={self.isa} backend={self.backend} key={self.key[:12]}>")


class CompiledSimdBlock(Kernel):
    """A one-input, one-output block kernel: `process(input, output)`, both of one length."""

    def _prepare_inputs(self, arrays, shape, outputs):
        if len(shape) != 1:
            raise ValueError(f"output must be 1-D, not of shape {shape}")
        inputs = super()._prepare_inputs(arrays, shape, outputs)
        if np.shape(arrays[0]) != shape and np.asarray(arrays[0]).size != shape[0]:
            raise ValueError(f"input has {np.asarray(arrays[0]).size} samples, the output {shape[0]}")
        return inputs
