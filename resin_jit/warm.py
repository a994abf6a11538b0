"""`resin-jit warm`: compile a manifest of kernels into a cache directory, in parallel across cores.

A warmed directory is a prebuilt layer: point RESIN_JIT_PREBUILT at it (or ship it as prebuilt/
inside the package) and processes load those kernels instead of compiling them. CI warms one
before the tests run (.ci/run).

A manifest is a JSON list of entries, each {"kind": KIND, **params}, e.g.
    [{"kind": "affine_simd", "a": 0.5, "b": 1.0}, {"kind": "vsa", "op": "dot", "dim": 1024}]
Optional "isa" and "opt_level" in an entry choose its JitConfig (default: what JitCompiler()
picks on this host, so the kernels are the ones a plain program asks for).

KINDS maps a kind to a function(jit, **params) that compiles the kernel; a new kind is one
function and one line there. Kinds today:
    affine_scalar, affine_simd   a, b        jit.compile_affine / compile_affine_simd
    vsa                          op, dim,    resin_jit.vsa.JitVSAEngine(jit).<op> on random
                                 shift=1, count=3, packed=False    TritVectors of that dim
    audio                        node, args, an audio node (e.g. "Biquad.lowpass", [1000.0]) on input x
                                 kwargs
    demo_patch                   -           the patch `resin-jit demo` renders
A kind whose module does not exist yet raises SkipEntry: noted, not a failure.
"""
import inspect
import json
import multiprocessing
import os
import sys
import threading
import time
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path

VSA_OPS = ("dot", "bind", "unbind", "bundle", "hamming", "cosine", "permute")
STAT_NAMES = ("compiles", "disk_hits", "prebuilt_hits", "memory_hits")


class SkipEntry(Exception):
    """An entry that cannot be built here yet (its module does not exist): noted, not a failure."""


class ManifestError(ValueError):
    """A manifest that is not a list of well-formed entries (a usage error: exit code 2)."""


# -- kinds ------------------------------------------------------------------------------------

def _affine_scalar(jit, a, b):
    jit.compile_affine(a, b)


def _affine_simd(jit, a, b):
    jit.compile_affine_simd(a, b)


def _vsa(jit, op, dim, shift=1, count=3, packed=False):
    from . import vsa
    if op not in VSA_OPS:
        raise ValueError(f"unknown vsa op {op!r} (one of {', '.join(VSA_OPS)})")
    engine = vsa.JitVSAEngine(jit)
    vectors = [vsa.TritVector.random(dim, seed=i) for i in range(max(2, count))]
    if packed:
        vectors = [v.pack() for v in vectors]
    if op == "bundle":
        engine.bundle(vectors)
    elif op == "permute":
        engine.permute(vectors[0], shift)
    else:
        getattr(engine, op)(vectors[0], vectors[1])


def _audio(jit, node, args=(), kwargs=None):
    """An audio node of resin_jit.audio applied to one input "x" (sources to none), compiled:
    {"kind": "audio", "node": "Biquad.lowpass", "args": [1000.0]}."""
    from . import audio, input as make_input
    target = audio
    for part in node.split("."):
        if part.startswith("_") or not hasattr(target, part):
            raise ValueError(f"unknown audio node {node!r}")
        target = getattr(target, part)
    instance = target(*args, **(kwargs or {}))
    jit.compile(instance() if instance.arity == 0 else instance(*[make_input("x")] * instance.arity))


def _demo_patch(jit):
    """The patch `resin-jit demo` renders."""
    from .demo import patch
    jit.compile(patch(44100.0), inputs=["gate"])


KINDS = {"affine_scalar": _affine_scalar, "affine_simd": _affine_simd, "vsa": _vsa, "audio": _audio,
         "demo_patch": _demo_patch}

STANDARD_AUDIO = [("Gain", [0.5]), ("SoftClip", [2.0]), ("Clip", [-1.0, 1.0]), ("SineOsc", [440.0]),
                  ("SawOsc", [110.0]), ("SquareOsc", [220.0]), ("Noise", [1]), ("OnePole.lowpass", [1000.0]),
                  ("OnePole.highpass", [100.0]), ("Biquad.lowpass", [1000.0]), ("Biquad.highpass", [1000.0]),
                  ("Biquad.bandpass", [1000.0]), ("Delay", [441]), ("Envelope", [])]


def builtin_manifest():
    """The demo's kernels, the standard audio node kernels, and the VSA operations at the
    dimensions the benchmarks use."""
    entries = [{"kind": "affine_scalar", "a": 0.5, "b": 1.0}, {"kind": "affine_simd", "a": 0.5, "b": 1.0},
               {"kind": "demo_patch"}]
    entries += [{"kind": "audio", "node": name, "args": args} for name, args in STANDARD_AUDIO]
    for dim in (1024, 4096, 10000):
        entries += [{"kind": "vsa", "op": op, "dim": dim}
                    for op in ("dot", "cosine", "hamming", "bind", "bundle", "permute")]
        entries.append({"kind": "vsa", "op": "dot", "dim": dim, "packed": True})
    return entries


# -- manifests ------------------------------------------------------------------------------------

def _params(entry):
    return {k: v for k, v in entry.items() if k not in ("kind", "isa", "opt_level")}


def validate(manifest):
    """The manifest itself if well formed, else ManifestError naming the first bad entry."""
    if not isinstance(manifest, list):
        raise ManifestError("a manifest is a JSON list of entries")
    for i, entry in enumerate(manifest):
        if not isinstance(entry, dict) or entry.get("kind") not in KINDS:
            raise ManifestError(f"entry {i}: {entry!r} needs a 'kind' among {', '.join(KINDS)}")
        try:
            inspect.signature(KINDS[entry["kind"]]).bind(None, **_params(entry))
        except TypeError as exc:
            raise ManifestError(f"entry {i}: {entry!r}: {exc}") from None
    return manifest


def load_manifest(path=None):
    if path is None:
        return builtin_manifest()
    try:
        return validate(json.loads(Path(path).read_text()))
    except (OSError, ValueError) as exc:
        raise ManifestError(f"cannot read manifest {path}: {exc}") from None


def describe(entry):
    return " ".join([entry["kind"]] + [f"{k}={v}" for k, v in entry.items() if k != "kind"])


# -- compiling entries, in whichever process ------------------------------------------------------

_compilers = {}


def compiler_for(entry, cache_dir=None, use_layers=True):
    """One JitCompiler per (config, layers) in this process. use_layers=False for warm: a kernel
    some other prebuilt layer already holds must still be built into the directory being warmed."""
    from .compiler import JitCompiler
    from .config import JitConfig
    config = JitConfig(cache_dir=cache_dir, isa=entry.get("isa", "auto"), opt_level=entry.get("opt_level", 2))
    if (config, use_layers) not in _compilers:
        jit = JitCompiler(config)
        if not use_layers and jit._cache is not None:
            jit._cache.layers = []
        _compilers[config, use_layers] = jit
    return _compilers[config, use_layers]


def run_entry(entry, cache_dir=None, use_layers=True):
    """Compile one entry in this process: (status, detail, stats delta); status is one of
    built / cached / skipped / failed. Never raises: a worker reports, the parent decides."""
    try:
        jit = compiler_for(entry, cache_dir, use_layers)
        if jit.backend != "native":
            return "failed", f"no native backend: {jit.unavailable_reason}", {}
        if cache_dir is not None and jit._cache is None:  # it would build into a temporary dir, for nothing
            return "failed", f"cache directory {cache_dir} is not usable", {}
        before = dict(jit.stats)
        start = time.perf_counter()
        KINDS[entry["kind"]](jit, **_params(entry))
        delta = {k: jit.stats[k] - before[k] for k in STAT_NAMES}
        return ("built" if delta["compiles"] else "cached"), f"{time.perf_counter() - start:.2f} s", delta
    except SkipEntry as exc:
        return "skipped", str(exc), {}
    except Exception as exc:  # noqa: BLE001 - reported per entry; warm exits 1
        return "failed", f"{type(exc).__name__}: {exc}", {}


def compile_here(manifest, cache_dir=None, use_layers=True):
    """Every entry, one by one, in this process: [(entry, status, detail, delta)]."""
    return [(entry, *run_entry(entry, cache_dir, use_layers)) for entry in manifest]


# -- warm: in parallel, with a progress bar -------------------------------------------------------

@dataclass
class Report:
    results: list = field(default_factory=list)  # (entry, status, detail, delta)
    seconds: float = 0.0

    def count(self, status):
        return sum(1 for r in self.results if r[1] == status)

    def ok(self):
        return self.count("failed") == 0


class Progress:
    """A plain text bar on stderr: redrawn in place on a terminal, a line per kernel in a log."""

    def __init__(self, total, stream=None, width=30):
        self.total, self.stream, self.width = total, stream or sys.stderr, width
        self.tty = hasattr(self.stream, "isatty") and self.stream.isatty()

    def update(self, done, label):
        filled = self.width * done // max(1, self.total)
        line = f"[{'#' * filled}{'.' * (self.width - filled)}] {done}/{self.total} {label}"
        if self.tty:
            self.stream.write("\r\033[K" + line + ("\n" if done == self.total else ""))
        else:
            self.stream.write(line + "\n")
        self.stream.flush()


def check_target(cache_dir):
    """Why kernels cannot be stored in cache_dir, or None (warm must not quietly build elsewhere)."""
    from .cache import make_private_dir
    problem = make_private_dir(cache_dir)
    if problem is None and not os.access(cache_dir, os.W_OK):
        problem = f"{cache_dir} is not writable"
    return problem


def _start_method():
    """fork where it is safe and cheap (Linux, one thread, no kernel loaded yet: the CLI), so a
    worker starts in milliseconds with everything imported; else spawn, so workers start clean."""
    from . import compiler
    if sys.platform.startswith("linux") and threading.active_count() == 1 and not compiler._memo:
        return "fork"
    return "spawn"


def warm(manifest, cache_dir, jobs=None, progress=True):
    """Compile every entry into cache_dir with `jobs` worker processes (default: one per core)."""
    validate(manifest)
    problem = check_target(cache_dir)
    if problem:
        raise OSError(f"cannot warm {cache_dir}: {problem}")
    jobs = max(1, min(jobs or os.cpu_count() or 1, len(manifest) or 1))
    bar = Progress(len(manifest)) if progress else None
    report, start = Report(), time.perf_counter()
    with ProcessPoolExecutor(jobs, mp_context=multiprocessing.get_context(_start_method())) as pool:
        futures = {pool.submit(run_entry, entry, str(cache_dir), False): entry for entry in manifest}
        for done, future in enumerate(as_completed(futures), 1):
            entry = futures[future]
            report.results.append((entry, *future.result()))
            if bar:
                bar.update(done, f"{report.results[-1][1]:8} {describe(entry)}")
    report.seconds = time.perf_counter() - start
    return report


def print_report(report, cache_dir, stream=None):
    stream = stream or sys.stdout
    counts = ", ".join(f"{report.count(s)} {s}" for s in ("built", "cached", "skipped", "failed"))
    print(f"warmed {len(report.results)} kernels into {cache_dir} in {report.seconds:.1f} s: {counts}", file=stream)
    notes = {}
    for entry, status, detail, _ in report.results:
        if status == "skipped":
            notes.setdefault((entry["kind"], detail), []).append(entry)
        elif status == "failed":
            print(f"  failed: {describe(entry)}: {detail}", file=stream)
    for (kind, detail), entries in notes.items():
        print(f"  note: skipped {len(entries)} {kind} entries: {detail}", file=stream)
