"""Shared by every benchmark: medians measured side by side, and one table format."""
import contextlib
import importlib
import statistics
import tempfile
import time
from typing import NamedTuple


def optional_import(name):
    """The module `name`, or None where it is not installed (a peer the bench then leaves out)."""
    try:
        return importlib.import_module(name)
    except ImportError:
        return None


def median_seconds(fn, repeat=21, number=None, min_time=0.02):
    """Median over `repeat` samples of the time of one call of `fn` (each sample averages `number` calls)."""
    return medians({"fn": fn}, repeat, number, min_time)["fn"]


class TimedInC:
    """A case that times itself inside C: `seconds_per_call(calls)` runs the code `calls` times
    between two clock readings taken in C, so no Python is in the measurement."""

    def __init__(self, seconds_per_call):
        self.seconds_per_call = seconds_per_call


def _sample(fn, calls):
    """Seconds per call of `fn`, averaged over `calls` calls."""
    if isinstance(fn, TimedInC):
        return fn.seconds_per_call(calls)
    start = time.perf_counter()
    for _ in range(calls):
        fn()
    return (time.perf_counter() - start) / calls


def medians(fns, repeat=21, number=None, min_time=0.02):
    """{name: median seconds per call} of the callables (or TimedInC cases) in `fns`, sampled in
    turns (one sample of each, then again), so that a machine that slows down or speeds up mid-run
    affects all alike and their ratios stay fair. Each sample averages enough calls to take about
    min_time / 10."""
    counts = {}
    for name, fn in fns.items():
        _sample(fn, 1)  # warm-up: first-call costs are measured separately where they matter
        counts[name] = number or _calls_per_sample(fn, min_time / 10)
    samples = {name: [] for name in fns}
    for _ in range(repeat):
        for name, fn in fns.items():
            samples[name].append(_sample(fn, counts[name]))
    return {name: statistics.median(s) for name, s in samples.items()}


def paired_medians(fn_a, fn_b, repeat=21, min_time=0.02):
    """(median of fn_a, median of fn_b), sampled in turns (see medians)."""
    m = medians({"a": fn_a, "b": fn_b}, repeat, min_time=min_time)
    return m["a"], m["b"]


def _calls_per_sample(fn, seconds):
    number = 1
    while number < 1 << 20:
        if _sample(fn, number) * number >= seconds:
            break
        number *= 4
    return number


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


SPEEDUP = "the peer's time / ours"    # a Target's measure: how many times faster than the peer
TIME_RATIO = "our time / the peer's"  # how many times the peer's time


class Target(NamedTuple):
    """One target of a benchmark: `case` measured as `value` (`measure` says what the figure is:
    SPEEDUP, TIME_RATIO or a unit) against `bound`, an upper limit when >= 0, else a lower limit of
    its absolute value; `peer` is what it is measured beside ("" for a target in absolute units)."""
    case: str
    value: float
    bound: float
    measure: str
    peer: str = ""

    @property
    def met(self):
        return self.value <= self.bound if self.bound >= 0 else self.value >= -self.bound


def print_verdicts(targets, title="targets"):
    """One line per Target, MET or MISSED, each with its measure, its target and its peer."""
    print(f"\n## {title}")
    for t in targets:
        times = "x" if t.measure in (SPEEDUP, TIME_RATIO) else ""
        limit = f"{'<=' if t.bound >= 0 else '>='} {abs(t.bound):g}{times}"
        peer = f"peer: {t.peer}" if t.peer else "no peer (an absolute target)"
        figure = (f"{t.value:.0f}" if float(t.value).is_integer() and not times else f"{t.value:.2f}") + times
        print(f"{'MET   ' if t.met else 'MISSED'}  {t.case}: {figure} ({t.measure}); target {limit}; {peer}")


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
