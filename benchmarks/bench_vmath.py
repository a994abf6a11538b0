"""The vector math's benchmarks (issues 14 and 20): every function of csrc/vmath_functions.h's
table, float32 and float64, at each accuracy level (JitConfig(ulp=0.5 | 1 | 4)) beside numpy's
ufunc; a graph of five of them beside numpy, numexpr (all its threads) and numba; and numexpr's
own test expressions (how many resin_jit can write, how many come out bit for bit as numpy's).
Ratios are numpy's time / resin_jit's: above 1, resin_jit is faster.

numpy dispatches its ufuncs by CPU; "numpy at AVX2" runs in a child process with numpy's
AVX-512 targets disabled (NPY_DISABLE_CPU_FEATURES), beside kernels built for AVX2, so the
comparison is tier for tier; the host's own numpy (perhaps AVX-512) is beside the host's tier.
On a host without AVX-512 the two are one. Each table's cases are sampled in turns
(common.medians); kernels run one thread. --quick: a few functions, float32, one size, the
default level.
"""
import json
import os
import subprocess
import sys

import numpy as np

import resin_jit as rj
from resin_jit.config import ULP_LEVELS
from resin_jit.front import vmath_table

from .common import SPEEDUP, Target, fmt_time, medians, native_jit, optional_import, print_verdicts, ratio, table

SIZES = (44_100, 1_000_000)
QUICK_SIZES = (44_100,)
DTYPES = ("float32", "float64")
QUICK_FUNCTIONS = ("sin", "exp", "log", "arctan2", "pow3")
DEFAULT_LEVEL = 1.0
ULP1_TARGET = 1.5       # issue 20: float32 at ulp=1, every function >= 1.5x the host's numpy
FLOAT64_TARGETS = {"exp": 1.5, "expm1": 1.5}   # issue 20: float64 >= 1x the host's numpy, these >= 1.5x
GRAPH_TARGET = 2.0      # issue 20: the 5-function graph at ulp=1, one thread, >= 2x numpy

# where each function is timed (a second range for binary functions): where it is defined and
# its result finite in float32; the others' first declared range
RANGES = {"sin": (-10, 10), "cos": (-10, 10), "tan": (-10, 10), "arcsin": (-1, 1), "arccos": (-1, 1),
          "arctan": (-10, 10), "exp": (-80, 80), "expm1": (-5, 5), "log": (0.01, 100), "log1p": (-0.9, 10),
          "log2": (0.01, 100), "log10": (0.01, 100), "sinh": (-5, 5), "cosh": (-5, 5), "tanh": (-5, 5),
          "arcsinh": (-10, 10), "arccosh": (1, 10), "arctanh": (-0.99, 0.99), "cbrt": (-10, 10),
          "pow3": (-10, 10), "pow4": (-10, 10), "pow_m2": (0.1, 10), "pow0": (-10, 10), "trunc": (-100, 100),
          "ceil": (-100, 100), "round": (-100, 100), "sign": (-1, 1), "arctan2": ((-10, 10), (-10, 10)),
          "hypot": ((-10, 10), (-10, 10)), "pow": ((0.1, 10), (-5, 5)), "fmod": ((-100, 100), (0.5, 7)),
          "copysign": ((-10, 10), (-10, 10)), "nextafter": ((-10, 10), (-10, 10))}


def _ranges(fn):
    declared = RANGES.get(fn.name) or tuple(r[:2] for r in fn.ranges[0])
    return [declared] if fn.arity == 1 and not isinstance(declared[0], tuple) else list(declared)


def _inputs(fn, n, dtype):
    rng = np.random.default_rng(len(fn.name))
    return [rng.uniform(lo, hi, n).astype(dtype) for lo, hi in _ranges(fn)]


def _expression(fn):
    names = ["x", "y"][:fn.arity]
    xs = [rj.input(name) for name in names]
    return (rj.pow(xs[0], fn.exponent) if fn.build == "power" else getattr(rj, fn.name)(*xs)), names


def _numpy_case(fn, args, out):
    """numpy's ufunc into `out` (a power: np.power with the exponent in the dtype, as numpy's x**k)."""
    if fn.build == "power":
        k = out.dtype.type(fn.exponent)
        return lambda: np.power(args[0], k, out=out)
    ufunc = getattr(np, fn.numpy)
    return lambda: ufunc(*args, out=out)


def _one_thread(kernel, args, out):
    """A call of kernel on one thread (threads=1 is the C path's, as the plain call is)."""
    return lambda: kernel.process(*args, out, threads=1)


def _level(ulp):
    return f"ulp={ulp:g}"


def bench_functions(jit, names, dtypes, sizes, levels, repeat):
    """{"name dtype n": {case: seconds}}: each function's kernel at each level on jit's tier, one
    thread, beside numpy's ufunc into an output array."""
    results = {}
    for name in names:
        fn = vmath_table.BY_NAME[name]
        expr, inputs = _expression(fn)
        for dtype in dtypes:
            kernels = {ulp: jit.compile(expr, inputs=inputs, dtype=dtype, ulp=ulp) for ulp in levels}
            for n in sizes:
                args, out = _inputs(fn, n, dtype), np.empty(n, dtype)
                cases = {_level(ulp): _one_thread(k, args, out) for ulp, k in kernels.items()}
                cases["numpy"] = _numpy_case(fn, args, out)
                cases["copy"] = lambda a=args[0]: np.copyto(out, a)   # the floor: a load and a store a sample
                with np.errstate(all="ignore"):
                    results[f"{name} {dtype} {n}"] = medians(cases, repeat=repeat)
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


def bench_graph(jit, sizes, levels, repeat):
    """{n: {case: seconds}} for the five-function graph in float32: the kernel at each level (one
    thread; every core at the default level), numexpr with every thread, numba, and numpy."""
    kernels = {ulp: jit.compile(five_function_graph(), ulp=ulp) for ulp in levels}
    nb = numba_five()
    numexpr = optional_import("numexpr")
    if numexpr:
        numexpr.set_num_threads(os.cpu_count())
    results = {}
    for n in sizes:
        x = np.random.default_rng(5).uniform(-2, 2, n).astype(np.float32)
        out = np.empty_like(x)
        cases = {f"resin_jit {_level(ulp)}, 1 thread": _one_thread(k, [x], out) for ulp, k in kernels.items()}
        default = kernels.get(DEFAULT_LEVEL)
        if default:
            cases[f"resin_jit {_level(DEFAULT_LEVEL)}, {os.cpu_count()} threads"] = \
                lambda: default.process(x, out, threads=os.cpu_count())
        cases["numpy"] = lambda: np.sinh(x) * np.arctan(x) + np.log1p(abs(x)) * np.arcsinh(x) - np.expm1(x * np.float32(0.25))
        if numexpr:
            cases["numexpr, all threads"] = lambda: numexpr.evaluate(FIVE, local_dict={"x": x}, out=out, casting="unsafe")
        if nb:
            cases["numba"] = lambda: nb(x, out)
        results[n] = medians(cases, repeat=repeat)
    return results


def numexpr_expressions(jit, limit=None):
    """numexpr's test expressions (its test_expressions list; the first `limit`) in float32 and
    float64: which resin_jit writes (the same text, numexpr's names bound to rj's), and which of
    those equal numpy's result bit for bit. Returns ({dtype: (written, bit_exact, not_written)}, count)."""
    try:
        from numexpr.tests.test_numexpr import tests
    except ImportError:
        return None
    expressions = [e for _, section in tests for e in section][:limit]
    functions = {name: getattr(rj, name) for name in rj.__all__ if callable(getattr(rj, name))}
    report = {}
    for dtype in DTYPES:
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
    or None where numpy has none above it here."""
    from numpy._core._multiarray_umath import __cpu_dispatch__, __cpu_features__
    above = [f for f in __cpu_dispatch__ if __cpu_features__.get(f) and ("AVX512" in f or f == "X86_V4")]
    return {**os.environ, "NPY_DISABLE_CPU_FEATURES": " ".join(above)} if above else None


def _child_measurements(plan):
    """bench_functions on AVX2 kernels in a child process whose numpy stays at AVX2, or None."""
    env = _numpy_avx2_env()
    if env is None:
        return None
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    env["PYTHONPATH"] = os.pathsep.join([root, env.get("PYTHONPATH", "")])
    code = f"import benchmarks.bench_vmath as b; b.child({json.dumps(plan)!r})"
    proc = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
    if proc.returncode:
        raise RuntimeError(f"the numpy-at-AVX2 child failed:\n{proc.stderr[-3000:]}")
    return json.loads(proc.stdout)


def child(plan):
    """The child's side: print bench_functions' medians (AVX2 kernels, numpy at AVX2) as JSON."""
    with native_jit() as jit:
        avx2 = rj.JitCompiler(rj.JitConfig(isa="avx2", cache_dir=jit.config.cache_dir))
        print(json.dumps(bench_functions(avx2, **json.loads(plan))))


def function_tables(measured, plan, where):
    """One table per dtype and size: each function's time at each level, numpy's, and the ratios."""
    for dtype in plan["dtypes"]:
        for n in plan["sizes"]:
            rows = []
            for name in plan["names"]:
                t = measured[f"{name} {dtype} {n}"]
                row = {_level(u): fmt_time(t[_level(u)]) for u in plan["levels"]}
                row["numpy"] = fmt_time(t["numpy"])
                if "copy" in t:
                    row["copy"] = fmt_time(t["copy"])
                row.update({f"x {_level(u)}": ratio(t["numpy"], t[_level(u)]) for u in plan["levels"]})
                rows.append((vmath_table.BY_NAME[name].label, row))
            table(f"functions, n = {n:,} {dtype}, one thread, {where}; ratios: numpy's time / resin_jit's", rows,
                  note="copy = np.copyto(out, x), what any function writing a new array costs at least "
                       "(a load and a store a sample): a function at that floor cannot be made faster out of place")


def verdicts(host, avx2, graph, expressions, plan):
    """A Target for each of the issue's targets that this run measured."""
    out = []
    if DEFAULT_LEVEL in plan["levels"] and "float32" in plan["dtypes"]:
        for source, where in ((host, "the host's numpy"), (avx2, "numpy at AVX2")):
            for name in plan["names"] if source else ():
                for n in plan["sizes"]:
                    t = source[f"{name} float32 {n}"]
                    out.append(Target(f"{vmath_table.BY_NAME[name].label} float32 n={n:,} ulp=1",
                                      t["numpy"] / t[_level(DEFAULT_LEVEL)], -ULP1_TARGET, SPEEDUP, where))
    if DEFAULT_LEVEL in plan["levels"] and "float64" in plan["dtypes"] and host:
        for name in plan["names"]:
            for n in plan["sizes"]:
                t = host[f"{name} float64 {n}"]
                out.append(Target(f"{vmath_table.BY_NAME[name].label} float64 n={n:,} ulp=1",
                                  t["numpy"] / t[_level(DEFAULT_LEVEL)], -FLOAT64_TARGETS.get(name, 1.0), SPEEDUP,
                                  "the host's numpy"))
    for n, t in graph.items():
        one = t.get(f"resin_jit {_level(DEFAULT_LEVEL)}, 1 thread")
        if one and "numpy" in t:
            out.append(Target(f"5-function graph n={n:,} ulp=1, one thread", t["numpy"] / one, -GRAPH_TARGET, SPEEDUP,
                              "numpy"))
        best = min(v for k, v in t.items() if k.startswith("resin_jit"))
        if "numexpr, all threads" in t:
            out.append(Target(f"5-function graph n={n:,}", t["numexpr, all threads"] / best, -1.0, SPEEDUP,
                              "numexpr, all threads"))
        if "numba" in t:
            out.append(Target(f"5-function graph n={n:,}", t["numba"] / best, -1.0, SPEEDUP, "numba"))
    if expressions:
        report, total = expressions
        for dtype, (written, _, _) in report.items():
            out.append(Target(f"numexpr's {total} test expressions, {dtype}", total - written, 0,
                              "expressions not written"))
    return out


def run(quick=False):
    names = QUICK_FUNCTIONS if quick else [fn.name for fn in vmath_table.FUNCTIONS]
    plan = {"names": list(names), "dtypes": ["float32"] if quick else list(DTYPES),
            "sizes": list(QUICK_SIZES if quick else SIZES), "levels": [DEFAULT_LEVEL] if quick else list(ULP_LEVELS),
            "repeat": 5 if quick else 15}
    with native_jit() as jit:
        if not jit:
            return
        host = bench_functions(jit, **plan)
        function_tables(host, plan, f"isa {jit.isa} beside the host's numpy")
        avx2 = _child_measurements(plan)
        if avx2:
            function_tables(avx2, plan, "isa avx2 beside numpy at AVX2")
        else:
            print("\n(numpy has no dispatch target above AVX2 on this host: the host's numpy is numpy at AVX2)")
        graph = bench_graph(jit, plan["sizes"], plan["levels"], plan["repeat"])
        for n, t in graph.items():
            best = min(v for k, v in t.items() if k.startswith("resin_jit"))
            table(f"{FIVE}, n = {n:,} float32 (isa {jit.isa}); ratios: this time / the best resin_jit's",
                  [(case, {"median": fmt_time(v), "ratio": ratio(v, best)}) for case, v in t.items()])
        expressions = numexpr_expressions(jit, limit=12 if quick else None)
        if expressions:
            report, total = expressions
            for dtype, (written, exact, missing) in report.items():
                table(f"numexpr's test expressions, {dtype}: {written} of {total} written, {exact} of those "
                      f"bit for bit numpy's", [(m, {}) for m in missing])
        print_verdicts(verdicts(host, avx2, graph, expressions, plan))
