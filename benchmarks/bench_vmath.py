"""Issue 14's benchmarks: each new elementwise function beside numpy's float32 ufunc, a graph of
five of them beside numexpr (all its threads) and numba, and numexpr's own test expressions
(how many resin_jit can write, how many come out bit for bit as numpy's).

numpy dispatches its ufuncs by CPU; "numpy at AVX2" runs in a child process with numpy's
AVX-512 targets disabled (NPY_DISABLE_CPU_FEATURES), beside the kernels built for AVX2, so the
comparison is tier for tier; the host's own numpy (here perhaps AVX-512 with SVML) is shown
beside it. Each table's cases are sampled in turns (common.medians); kernels run one thread.
"""
import json
import os
import subprocess
import sys

import numpy as np

import resin_jit as rj

from .common import fmt_time, medians, native_jit, optional_import, ratio, table

SIZES = (44_100, 1_000_000)
QUICK_SIZES = (44_100,)
FUNCTION_TARGET = 4.0        # each new function >= 4x numpy's float32 ufunc, both at AVX2

# the new functions, with an input range where each is defined; binary ones take a second range
UNARY = {"sinh": (-5, 5), "cosh": (-5, 5), "arcsin": (-1, 1), "arccos": (-1, 1), "arctan": (-10, 10),
         "arcsinh": (-10, 10), "arccosh": (1, 10), "arctanh": (-0.99, 0.99), "expm1": (-5, 5), "log1p": (-0.9, 10),
         "log2": (0.01, 100), "log10": (0.01, 100), "ceil": (-100, 100), "trunc": (-100, 100), "round": (-100, 100),
         "sign": (-1, 1)}
BINARY = {"arctan2": ((-10, 10), (-10, 10)), "hypot": ((-10, 10), (-10, 10)), "fmod": ((-100, 100), (0.5, 7)),
          "copysign": ((-10, 10), (-10, 10)), "nextafter": ((-10, 10), (-10, 10))}
NUMPY_NAMES = {"round": "rint"}


def _inputs(name, n):
    rng = np.random.default_rng(len(name))
    ranges = [UNARY[name]] if name in UNARY else list(BINARY[name])
    return [rng.uniform(lo, hi, n).astype(np.float32) for lo, hi in ranges]


def _one_thread(kernel, args, out):
    """A call of kernel on one thread: below a million samples that is the default, and the
    plain call form (an explicit threads= takes a slower path in runtime/kernel.py)."""
    if args[0].size < 1_000_000:
        return lambda: kernel.process(*args, out)
    return lambda: kernel.process(*args, out, threads=1)


def bench_functions(jits, sizes, repeat):
    """{name: {n: {case: seconds}}}: each function's kernel on every tier in `jits`, one thread,
    beside numpy's ufunc into an output array."""
    results = {}
    for name in [*UNARY, *BINARY]:
        names = ["x", "y"][:1 + (name in BINARY)]
        kernels = {tier: jit.compile(getattr(rj, name)(*map(rj.input, names)), inputs=names)
                   for tier, jit in jits.items()}
        ufunc = getattr(np, NUMPY_NAMES.get(name, name))
        results[name] = {}
        for n in sizes:
            args = _inputs(name, n)
            out = np.empty(n, np.float32)
            cases = {f"resin_jit {tier}": _one_thread(k, args, out) for tier, k in kernels.items()}
            cases["numpy"] = lambda: ufunc(*args, out=out)
            results[name][n] = medians(cases, repeat=repeat)
    return results


FIVE = "sinh(x) * arctan(x) + log1p(abs(x)) * arcsinh(x) - expm1(x * 0.25)"


def five_function_graph():
    x = rj.input("x")
    return rj.sinh(x) * rj.arctan(x) + rj.log1p(abs(x)) * rj.arcsinh(x) - rj.expm1(x * 0.25)


def numba_five():
    numba = optional_import("numba")
    if numba is None:
        return None

    @numba.njit
    def five(x, out):
        for i in range(x.shape[0]):
            v = x[i]
            out[i] = (np.sinh(v) * np.arctan(v) + np.log1p(abs(v)) * np.arcsinh(v)
                      - np.expm1(v * np.float32(0.25)))
    probe = np.zeros(8, np.float32)
    five(probe, probe.copy())
    return five


def bench_graph(jit, sizes, repeat):
    """{n: {case: seconds}} for the five-function graph: the kernel (one thread and every core),
    numexpr with every thread, numba, and numpy."""
    kernel = jit.compile(five_function_graph())
    nb = numba_five()
    try:
        import numexpr
        numexpr.set_num_threads(os.cpu_count())
    except ImportError:
        numexpr = None
    results = {}
    for n in sizes:
        x = np.random.default_rng(5).uniform(-2, 2, n).astype(np.float32)
        out = np.empty_like(x)
        cases = {"resin_jit, 1 thread": _one_thread(kernel, [x], out),
                 f"resin_jit, {os.cpu_count()} threads": lambda: kernel.process(x, out, threads=os.cpu_count()),
                 "numpy": lambda: np.sinh(x) * np.arctan(x) + np.log1p(abs(x)) * np.arcsinh(x) - np.expm1(x * np.float32(0.25))}
        if numexpr:
            cases["numexpr, all threads"] = lambda: numexpr.evaluate(FIVE, local_dict={"x": x}, out=out, casting="unsafe")
        if nb:
            cases["numba"] = lambda: nb(x, out)
        results[n] = medians(cases, repeat=repeat)
    return results


def numexpr_expressions(jit):
    """numexpr's test expressions (its test_expressions list) in float32 and float64: which resin_jit
    writes (the same text, numexpr's names bound to rj's), and which of those equal numpy's
    result bit for bit. Returns {dtype: (written, bit_exact, not_written)}."""
    try:
        from numexpr.tests.test_numexpr import tests
    except ImportError:
        return None
    expressions = [e for _, section in tests for e in section]
    functions = {name: getattr(rj, name) for name in rj.__all__ if callable(getattr(rj, name))}
    report = {}
    for dtype in ("float32", "float64"):
        size = 100
        arrays = {"a": np.arange(2 * size, dtype=dtype)[::2], "b": np.arange(size, dtype=dtype) / size,
                  "c": np.arange(size, dtype=dtype), "d": np.arange(size, dtype=dtype), "e": np.arange(size, dtype=dtype),
                  "a2": np.arange(2 * size, dtype=dtype).reshape(2, size)}
        written, exact, missing = 0, 0, []
        for text in expressions:
            try:
                expr = eval(text, {"__builtins__": {"abs": abs}, **functions, **{k: rj.input(k) for k in arrays}})  # noqa: S307
                kernel = jit.compile(expr, dtype=dtype)
                got = kernel(**{k: arrays[k] for k in kernel.input_names}) if kernel.input_names else kernel(n=size)
            except Exception as exc:  # noqa: BLE001 - anything resin_jit cannot write is counted, not fatal
                missing.append(f"{text} ({type(exc).__name__})")
                continue
            written += 1
            with np.errstate(all="ignore"):
                expected = np.asarray(eval(text, {"__builtins__": {"abs": abs}, **vars(np), **arrays}), dtype)  # noqa: S307
            exact += bool(np.array_equal(np.broadcast_to(expected, got.shape), got, equal_nan=True))
        report[dtype] = (written, exact, missing)
    return report, len(expressions)


def _numpy_avx2_env():
    """The environment that keeps numpy's ufuncs at AVX2 (its dispatch targets above it disabled),
    or None where numpy has none above it."""
    from numpy._core._multiarray_umath import __cpu_dispatch__, __cpu_features__
    above = [f for f in __cpu_dispatch__ if __cpu_features__.get(f) and ("AVX512" in f or f == "X86_V4")]
    return {**os.environ, "NPY_DISABLE_CPU_FEATURES": " ".join(above)} if above else None


def _child_measurements(sizes, repeat):
    """bench_functions run in a child process whose numpy stays at AVX2, or None."""
    env = _numpy_avx2_env()
    if env is None:
        return None
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    env["PYTHONPATH"] = os.pathsep.join([root, env.get("PYTHONPATH", "")])
    code = f"import benchmarks.bench_vmath as b; b.child({list(sizes)!r}, {repeat})"
    proc = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    return {name: {int(n): t for n, t in per.items()} for name, per in json.loads(proc.stdout).items()}


def child(sizes, repeat):
    """The child's side: print bench_functions' medians (AVX2 kernels, numpy at AVX2) as JSON."""
    with native_jit() as jit:
        jits = {"avx2": rj.JitCompiler(rj.JitConfig(isa="avx2", cache_dir=jit.config.cache_dir))}
        print(json.dumps(bench_functions(jits, sizes, repeat)))


def function_tables(host, avx2, sizes):
    for n in sizes:
        rows = []
        for name in host:
            h = host[name][n]
            row = {case: fmt_time(t) for case, t in h.items() if case.startswith("resin_jit")}
            row["numpy (host)"] = fmt_time(h["numpy"])
            row["vs numpy host"] = ratio(h["numpy"], h["resin_jit avx2"])
            if avx2:
                row["numpy at AVX2"] = fmt_time(avx2[name][n]["numpy"])
                row["vs numpy AVX2"] = ratio(avx2[name][n]["numpy"], avx2[name][n]["resin_jit avx2"])
            rows.append((name, row))
        table(f"new functions, n = {n:,} float32, one thread; ratios: numpy's time / resin_jit avx2's", rows)


def verdicts(avx2, graph, expressions, sizes):
    """(target, measured, bound): bound > 0 an upper limit, < 0 a lower limit of its absolute value."""
    out = []
    if avx2:
        for name, per in avx2.items():
            for n in sizes:
                t = per[n]
                out.append((f"{name} n={n:,}: avx2 kernel >= 4x numpy float32 at AVX2",
                            t["numpy"] / t["resin_jit avx2"], -FUNCTION_TARGET))
    for n, t in graph.items():
        best = min(v for k, v in t.items() if k.startswith("resin_jit"))
        if "numexpr, all threads" in t:
            out.append((f"5-function graph n={n:,} >= 1.0x numexpr (all threads)", t["numexpr, all threads"] / best, -1.0))
        if "numba" in t:
            out.append((f"5-function graph n={n:,} >= 1.0x numba", t["numba"] / best, -1.0))
    if expressions:
        report, total = expressions
        for dtype, (written, _, _) in report.items():
            out.append((f"numexpr's {total} test expressions written, {dtype} (missing)", total - written, 0.0))
    return out


def print_verdicts(rows):
    print("\n## targets")
    for name, value, bound in rows:
        holds = value <= bound if bound >= 0 else value >= -bound
        print(f"{'MET   ' if holds else 'MISSED'}  {name}: {value:.2f}")


def run(quick=False):
    sizes, repeat = (QUICK_SIZES, 5) if quick else (SIZES, 15)
    with native_jit() as jit:
        if not jit:
            return
        jits = {"avx2": rj.JitCompiler(rj.JitConfig(isa="avx2", cache_dir=jit.config.cache_dir))}
        if jit.isa != "avx2":
            jits[jit.isa] = jit
        host = bench_functions(jits, sizes, repeat)
        avx2 = _child_measurements(sizes, repeat)
        function_tables(host, avx2, sizes)
        graph = bench_graph(jit, sizes, repeat)
        for n, t in graph.items():
            best = min(v for k, v in t.items() if k.startswith("resin_jit"))
            table(f"{FIVE}, n = {n:,} float32 (isa {jit.isa}); ratios: this time / the best resin_jit's",
                  [(case, {"median": fmt_time(v), "ratio": ratio(v, best)}) for case, v in t.items()])
        expressions = numexpr_expressions(jit)
        if expressions:
            report, total = expressions
            for dtype, (written, exact, missing) in report.items():
                table(f"numexpr's test expressions, {dtype}: {written} of {total} written, {exact} of those "
                      f"bit for bit numpy's", [(m, {}) for m in missing])
        print_verdicts(verdicts(avx2, graph, expressions, sizes))
