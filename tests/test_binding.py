"""A kernel's binding (runtime.kernel.CallBinding, read by csrc/dispatch_bind.c).

The plan is bound once: a later binding (a new state for a new channel count, a reset, new thread
settings) must bring the same one, so a call may read the plan's fields whatever Python code ran
since it began. What a binding does change (the entry, the bound buffers, the library) a call
holds from just before it runs the entry until the entry returns, so a rebinding from another
thread frees nothing under it.
"""
import os
import subprocess
import sys
import textwrap
import types

import numpy as np
import pytest

import resin_jit as rj
from resin_jit import audio
from resin_jit.runtime import load
from resin_jit.runtime.kernel import CallBinding

from support import needs_native

x = rj.input("x")
F32, F64, BOOL = np.dtype(np.float32), np.dtype(np.float64), np.dtype(bool)


def _binding(**plan_fields):
    """A CallBinding with no native code (entry 0) and a plan of the given fields."""
    fields = dict(letters="ffF", out_rows="s", names=("x", "y"), output_dtypes=(F32,), stateful=False,
                  broadcast=True)
    fields.update(plan_fields)
    return CallBinding(plan=types.SimpleNamespace(**fields), entry=0, bound=(), keepalive=None, state_rows=1,
                       one_d=False, fast=False, nogil_above=1 << 16, threads_from=0)


@pytest.mark.skipif(load._dispatch is None, reason="the _dispatch extension is not built")
@pytest.mark.parametrize("change", [
    dict(names=("x", "z")), dict(names=("y", "x")), dict(letters="ddD"), dict(output_dtypes=(F64,)),
    dict(letters="ffM", output_dtypes=(BOOL,)), dict(out_rows="r"), dict(stateful=True), dict(broadcast=False),
    dict(letters="ffFF", out_rows="ss", output_dtypes=(F32, F32)), dict(letters="fF", names=("x",)),
])
def test_a_rebinding_must_bring_the_kernels_plan(change):
    kernel = load._dispatch.Kernel()
    kernel._bind(_binding())
    with pytest.raises(ValueError, match="resin_jit: a kernel's plan is bound once"):
        kernel._bind(_binding(**change))
    kernel._bind(_binding(names=tuple("".join(c) for c in (["x"], ["y"]))))   # equal, not the same objects


@pytest.mark.skipif(load._dispatch is None, reason="the _dispatch extension is not built")
@pytest.mark.parametrize("field, value, error", [
    ("letters", 3, TypeError), ("letters", "fé", ValueError), ("out_rows", None, TypeError),
    ("names", ["x", "y"], TypeError), ("output_dtypes", [F32], TypeError),
])
def test_a_bad_plan_field_is_named_in_the_error(field, value, error):
    with pytest.raises(error, match=f"resin_jit: a kernel plan's {field}"):
        load._dispatch.Kernel()._bind(_binding(**{field: value}))


@needs_native
def test_the_kernels_own_rebindings_keep_the_fast_path():
    """A new channel count and a reset bind the kernel again, with its own plan."""
    kernel = rj.JitCompiler().compile(audio.Biquad.lowpass(1000.0)(x) + 1.0)
    mono, stereo = np.ones(256, np.float32), np.ones((2, 256), np.float32)
    expected = {shape: kernel(np.ones(shape, np.float32)) for shape in (mono.shape, stereo.shape)}
    for samples in (mono, stereo, mono):
        kernel.reset()
        kernel(samples)                  # a new channel count: the slow path makes the state
        kernel.reset()
        fast = kernel._fast_calls
        np.testing.assert_array_equal(kernel(samples), expected[samples.shape])
        assert kernel._fast_calls == fast + 1


# Before, a rebinding released the bound buffers and the library at once: a call running its
# entry without the GIL wrote its state into memory that was freed (here unmapped: SIGSEGV).
@needs_native
def test_a_rebinding_while_the_entry_runs_frees_nothing_under_it(tmp_path):
    script = """
        import threading, time
        import numpy as np, resin_jit as rj
        from resin_jit import audio
        from resin_jit.front.abi import aligned_empty
        from resin_jit.runtime.kernel import CallBinding
        x = rj.input("x")
        kernel = rj.JitCompiler().compile(audio.Biquad.lowpass(1000.0)(x) + 1.0)
        runner = kernel._runner
        xs = np.ones(4_000_000, np.float32)
        kernel(xs[:8])   # one channel: the state bound is runner.state

        def binding(state):
            return CallBinding(plan=kernel.plan, entry=runner.library.entry_address, bound=runner.bound(state),
                               keepalive=runner.library, state_rows=1, one_d=False, fast=True, nogil_above=1000,
                               threads_from=0)

        for attempt in range(3):
            own = aligned_empty(16 << 20, np.uint8)[:runner.state.size]   # in a mapping of its own
            own[:] = runner.state
            kernel._bind(binding(own))
            del own   # the binding holds the only reference
            started = threading.Event()

            def rebind():
                started.wait()
                time.sleep(0.003)   # the call is in its entry by now, without the GIL
                kernel._bind(binding(runner.state))   # the same plan: the old state's last reference goes
                [np.zeros(16 << 20, np.uint8) for _ in range(4)]
            thread = threading.Thread(target=rebind)
            thread.start()
            started.set()
            kernel(xs)
            thread.join()
            assert kernel._fast_calls == attempt + 2
        print("OK")
    """
    proc = subprocess.run([sys.executable, "-c", textwrap.dedent(script)], capture_output=True, text=True,
                          cwd=tmp_path, timeout=240, env=os.environ.copy())
    assert proc.returncode == 0 and proc.stdout.strip() == "OK", (proc.returncode, proc.stderr[-2000:])


# Before, a Caller's __init__ could run again, releasing the bound buffers a call in another
# thread was running its entry on.
@needs_native
def test_a_caller_is_set_up_once():
    library = rj.JitCompiler().compile(x * 2.0)._runner.library
    caller = library.caller("fF")
    xs, out = np.arange(4, dtype=np.float32), np.empty(4, np.float32)
    with pytest.raises(TypeError, match="resin_jit: a Caller is set up once"):
        caller.__init__(library.entry_address, "fF", "v", None, (), library)
    caller(xs, out)
    np.testing.assert_array_equal(out, xs * 2.0)
