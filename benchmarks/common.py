"""Shared by every benchmark: medians measured side by side, and one table format."""
import contextlib
import statistics
import tempfile
import time


def median_seconds(fn, repeat=21, number=None, min_time=0.02):
    """Median over `repeat` samples of the time of one call of `fn` (each sample averages `number` calls)."""
    fn()  # warm-up: first-call costs are measured separately where they matter
    if number is None:
        number, elapsed = 1, 0.0
        while True:
            start = time.perf_counter()
            for _ in range(number):
                fn()
            elapsed = time.perf_counter() - start
            if elapsed >= min_time / 10 or number >= 1 << 20:
                break
            number *= 4
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        for _ in range(number):
            fn()
        samples.append((time.perf_counter() - start) / number)
    return statistics.median(samples)


def fmt_time(seconds):
    if seconds is None:
        return "-"
    for unit, scale in (("s", 1.0), ("ms", 1e-3), ("us", 1e-6), ("ns", 1e-9)):
        if seconds >= scale or unit == "ns":
            return f"{seconds / scale:.3g} {unit}"


def table(title, rows, note=None):
    """Print rows of (case, {column: value}) as an aligned table; values are already strings."""
    print(f"\n## {title}")
    if note:
        print(note)
    if not rows:
        return
    columns = list(rows[0][1])
    width = max(len(r[0]) for r in rows)
    print(f"{'case'.ljust(width)}  " + "  ".join(c.rjust(14) for c in columns))
    for case, values in rows:
        print(f"{case.ljust(width)}  " + "  ".join(str(values.get(c, "-")).rjust(14) for c in columns))


def ratio(slow, fast):
    """How many times faster `fast` is than `slow`, as text."""
    if not slow or not fast:
        return "-"
    return f"{slow / fast:.2f}x"


@contextlib.contextmanager
def native_jit():
    """A JitCompiler on a private cache directory, or None (said aloud) without a native backend."""
    import resin_jit as rj
    with tempfile.TemporaryDirectory() as tmp:
        jit = rj.JitCompiler(rj.JitConfig(cache_dir=tmp))
        if jit.backend != "native":
            print("resin_jit has no native backend here; nothing to benchmark natively")
            yield None
        else:
            yield jit
