"""Issue 17, item 1: every object a call reads is held for the whole call.

The C call path takes arrays straight from the arguments. Python code can run in the middle of a
call: a numpy scalar's __float__ while the numbers are converted, another thread while a stateful
call waits for its lock. If that code drops the last reference to an output (emptying the out=
list it came from), the kernel must still write into that array, never into freed memory that a
new array now owns.
"""
import threading
import time

import numpy as np

import resin_jit as rj
from resin_jit import audio

from support import needs_native

N = 4096
x, y = rj.input("x"), rj.input("y")


def victims():
    """Fresh arrays of the size just freed: where a freed output's memory goes next."""
    return [np.zeros(N, np.float32) for _ in range(8)]


@needs_native
def test_a_float_that_empties_the_out_list_cannot_make_the_kernel_write_freed_memory():
    kernel = rj.JitCompiler().compile(x * y + 1.0, inputs=[x, y])
    outs = [np.empty(N, np.float32)]
    made = []

    class Emptying(np.float32):
        def __float__(self):
            outs.clear()            # the only reference to the output goes
            made.extend(victims())
            return 2.0

    kernel.process(np.ones(N, np.float32), Emptying(2.0), out=outs)
    for victim in made:
        assert not victim.any(), "the kernel wrote into memory it no longer owned"


@needs_native
def test_a_call_waiting_for_the_lock_keeps_its_out_arrays_alive():
    kernel = rj.JitCompiler().compile(audio.Biquad.lowpass(1000.0)(x) + 1.0)
    outs = [np.empty(N, np.float32)]
    failures, made = [], []

    def call():
        try:
            kernel.process(np.ones(N, np.float32), out=outs)
        except Exception as exc:   # noqa: BLE001 - reported below
            failures.append(exc)

    kernel._acquire()   # as another call would hold it
    try:
        worker = threading.Thread(target=call)
        worker.start()
        time.sleep(0.2)   # the worker is waiting for the lock, without the GIL
        outs.clear()
        made.extend(victims())
    finally:
        kernel._release()
    worker.join(10)
    assert not worker.is_alive() and not failures
    for victim in made:
        assert not victim.any(), "the kernel wrote into memory it no longer owned"


@needs_native
def test_a_held_output_is_still_written():
    """The array the list held is the one the kernel fills (numpy semantics: the object, not the list)."""
    kernel = rj.JitCompiler().compile(x * y + 1.0, inputs=[x, y])
    target = np.zeros(N, np.float32)
    outs = [target]

    class Emptying(np.float32):
        def __float__(self):
            outs.clear()
            return 2.0

    kernel.process(np.ones(N, np.float32), Emptying(2.0), out=outs)
    np.testing.assert_array_equal(target, np.full(N, 3.0, np.float32))


@needs_native
def test_a_caller_converts_no_number_that_runs_python_code():
    """The VSA and scalar Callers take only floats and exact ints on their fast path."""
    scalar = rj.JitCompiler().compile_affine(0.5, 1.0)
    calls = []

    class Loud(np.float32):
        def __float__(self):
            calls.append(1)
            return 2.0

    assert scalar.call_f32(Loud(2.0)) == 2.0
    assert calls == [1]   # converted once, by the slow path, with nothing borrowed in hand
