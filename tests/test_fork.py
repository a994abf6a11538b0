"""Issue 17, item 7: a forked child keeps working.

Only the forking thread comes along into a child: the thread pool's workers and any other thread
holding a stateful kernel's lock are gone there. The child must neither wait for the pool forever
nor for a lock nobody will release.
"""
import os

import numpy as np
import pytest

import resin_jit as rj
from resin_jit import audio

from support import needs_native
from support.fork import in_child, lock_held_by_another_thread

pytestmark = pytest.mark.skipif(not hasattr(os, "fork"), reason="this platform has no fork()")
x = rj.input("x")


@needs_native
def test_a_child_forked_after_a_threaded_call_can_call_with_threads_again():
    kernel = rj.JitCompiler().compile(x * 2 + 1)
    xs = np.ones(1 << 20, np.float32)
    np.testing.assert_array_equal(kernel(xs, threads=2), 3.0)   # the pool's threads now exist

    def work():
        assert (kernel(xs, threads=2) == 3.0).all()
    assert in_child(work) == 0


@needs_native
def test_a_child_forked_while_another_thread_holds_a_kernels_lock_can_call_it():
    kernel = rj.JitCompiler().compile(audio.Biquad.lowpass(1000.0)(x))
    expected = kernel(np.ones(64, np.float32))
    kernel.reset()

    def work():
        assert np.array_equal(kernel(np.ones(64, np.float32)), expected)
    with lock_held_by_another_thread(kernel):
        assert in_child(work) == 0
    np.testing.assert_array_equal(kernel(np.ones(64, np.float32)), expected)   # the parent's lock still works


def test_the_numpy_backend_lock_is_renewed_in_a_child_too(numpy_jit):
    kernel = numpy_jit.compile(audio.Biquad.lowpass(1000.0)(x))
    with lock_held_by_another_thread(kernel):
        assert in_child(lambda: kernel(np.ones(16, np.float32))) == 0
