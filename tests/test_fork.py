"""Issue 17, item 7: a forked child keeps working.

Only the forking thread comes along into a child: the thread pool's workers and any other thread
holding a stateful kernel's lock are gone there. The child must neither wait for the pool forever
nor for a lock nobody will release.
"""
import os
import threading
import time
import warnings

import numpy as np
import pytest

import resin_jit as rj
from resin_jit import audio

from conftest import needs_native

pytestmark = pytest.mark.skipif(not hasattr(os, "fork"), reason="this platform has no fork()")
x = rj.input("x")


def in_child(work, timeout=60.0):
    """Run work() in a forked child; its exit status (0: work returned), killing it after `timeout`."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)   # 3.12: fork() of a process with threads
        pid = os.fork()
    if pid == 0:   # the child: never return into pytest
        status = 1
        try:
            work()
            status = 0
        finally:
            os._exit(status)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            return os.waitstatus_to_exitcode(status)
        time.sleep(0.05)
    os.kill(pid, 9)
    os.waitpid(pid, 0)
    return "hung"


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
    holding, done = threading.Event(), threading.Event()

    def hold():
        kernel._acquire()
        holding.set()
        done.wait(30)
        kernel._release()
    holder = threading.Thread(target=hold)
    holder.start()
    holding.wait(10)
    try:
        def work():
            assert np.array_equal(kernel(np.ones(64, np.float32)), expected)
        assert in_child(work) == 0
    finally:
        done.set()
        holder.join(10)
    np.testing.assert_array_equal(kernel(np.ones(64, np.float32)), expected)   # the parent's lock still works


def test_the_numpy_backend_lock_is_renewed_in_a_child_too(numpy_jit):
    kernel = numpy_jit.compile(audio.Biquad.lowpass(1000.0)(x))
    holding, done = threading.Event(), threading.Event()

    def hold():
        kernel._acquire()
        holding.set()
        done.wait(30)
        kernel._release()
    holder = threading.Thread(target=hold)
    holder.start()
    holding.wait(10)
    try:
        assert in_child(lambda: kernel(np.ones(16, np.float32))) == 0
    finally:
        done.set()
        holder.join(10)
