"""Splitting one kernel call across threads: the C call releases the GIL, so chunks of a large
array (or groups of channels of a stateful kernel) run on all cores at once."""
import os
from concurrent.futures import ThreadPoolExecutor

# Below this many samples a call stays on one thread: handing chunks to the pool costs ~20-50 us,
# which a 10-node graph earns back from about a million samples on this kind of machine.
AUTO_THREADS_MIN_SAMPLES = 1 << 20
_pool = None


def usable_cores():
    """The cores this process may run on (its affinity mask, which containers and taskset narrow)."""
    try:
        return len(os.sched_getaffinity(0)) or 1
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def _forget_pool():
    """In a forked child: the pool's threads did not come along, so work sent to it would wait forever."""
    global _pool
    _pool = None


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_forget_pool)


def pool():
    """One pool for the process, made on first use."""
    global _pool
    if _pool is None:
        _pool = ThreadPoolExecutor(max_workers=usable_cores(), thread_name_prefix="resin_jit")
    return _pool


def thread_count(threads, work, threshold=AUTO_THREADS_MIN_SAMPLES):
    """The threads to use: as asked, or automatic (all cores once `work` reaches `threshold`)."""
    if threads is None:
        return usable_cores() if work >= threshold else 1
    if isinstance(threads, bool) or not isinstance(threads, int) or threads < 1:
        raise ValueError(f"threads must be a positive int, not {threads!r}")
    return threads


def bounds(total, parts, align=1):
    """`parts` + 1 split points over range(total), each a multiple of `align` (but the last)."""
    step = -(-total // parts)
    step = -(-step // align) * align
    points = list(range(0, total, step)) + [total]
    return points


def run_chunks(work, points):
    """work(lo, hi) for each consecutive pair of points; the first chunk on this thread."""
    pairs = list(zip(points[:-1], points[1:]))
    futures = [pool().submit(work, lo, hi) for lo, hi in pairs[1:]]
    work(*pairs[0])
    for f in futures:
        f.result()
