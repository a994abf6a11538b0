"""A forked child, and a kernel's lock held by another thread when the fork happens (only the
forking thread comes along into the child: the lock's holder is gone there)."""
import contextlib
import os
import threading
import time
import warnings


def in_child(work, timeout=60.0):
    """Run work() in a forked child: its exit code (0: work returned), or "hung" after `timeout`
    seconds (the child is killed)."""
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


@contextlib.contextmanager
def lock_held_by_another_thread(kernel):
    """Inside the block another thread holds the kernel's call lock, as a call in progress would;
    it lets go on leaving the block."""
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
        yield
    finally:
        done.set()
        holder.join(10)
