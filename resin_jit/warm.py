"""`resin-jit warm`: compile a manifest of kernels into a cache directory, in parallel across cores.

A warmed directory is a prebuilt layer: point RESIN_JIT_PREBUILT at it (or ship it as prebuilt/
inside the package) and processes load those kernels instead of compiling them. CI warms one
before the tests run (.ci/run).

A manifest is a JSON list of entries, each {"kind": KIND, **fields}, e.g.
    [{"kind": "affine_simd", "a": 0.5, "b": 1.0}, {"kind": "vsa", "op": "dot", "dim": 1024}]
Optional "isa" and "opt_level" in an entry choose its JitConfig (default: what JitCompiler()
picks on this host, so the kernels are the ones a plain program asks for).

A manifest comes from outside, so every field is checked against KINDS before anything runs,
names (a VSA operation, an audio node) are looked up in explicit tables, never as attributes, and
every size it can state is bounded (LIMITS: bytes read, nesting, entries, list and string
lengths, digits and magnitude of numbers):
    affine_scalar, affine_simd   a, b        jit.compile_affine / compile_affine_simd
    vsa                          op, dim,    resin_jit.vsa.JitVSAEngine(jit).<op> on random
                                 shift=1, count=3, packed=False    TritVectors of that dim
    audio                        node, args, a node of resin_jit.audio.NODES (e.g. "Biquad.lowpass",
                                 kwargs     [1000.0]) applied to input x (a source to nothing)
    demo                         -           every kernel `resin-jit demo` uses
    graph                        nodes,      an expression or audio graph as graph_entry.py writes
                                 outputs,    it (a recording's: RESIN_JIT_RECORD=FILE, record.py),
                                 inputs, dtype, ulp, sample_rate    every node resolved through a table
The vsa ops are the engine's names (dot, hamming, cosine, bind, unbind, bundle, permute) and its own
kernels' (pack, norms, bundle_stacked, similarity_dot|hamming|cosine, top_k_dot|hamming|cosine), as a
recording writes them.
"""
import inspect
import multiprocessing
import os
import sys
import threading
import time
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field

from . import bounded_json
from .manifest_fields import LIMITS, _shown, _cut, _real, _int_in, _one_of, _bool, _argument, _list_of, _names_to
from .store.disk import KernelCache
from .front.errors import JitError

STAT_NAMES = ("compiles", "disk_hits", "prebuilt_hits", "memory_hits")


class ManifestError(ValueError):
    """A manifest that is not a list of well-formed entries (a usage error: exit code 2)."""


# -- kinds: each gives the (ident, make_source) requests of its kernels --------------------------

def _affine_scalar(a, b):
    from .compiler import _affine_graph, _exact_pair, scalar_request
    return [scalar_request(_affine_graph(*_exact_pair(a, b)))]


def _affine_simd(a, b):
    from .compiler import _affine_graph, _exact_pair, graph_request
    return [graph_request(_affine_graph(*_exact_pair(a, b)), "float32")]


# A manifest's VSA operation → the kernel it compiles to (op, k(count, shift, dim)).
_VSA_KERNELS = {
    "dot": lambda count, shift, dim: ("dot", None), "hamming": lambda count, shift, dim: ("hamming", None),
    "cosine": lambda count, shift, dim: ("cosine", None), "bind": lambda count, shift, dim: ("bind", None),
    "unbind": lambda count, shift, dim: ("bind", None), "bundle": lambda count, shift, dim: ("bundle", count),
    "permute": lambda count, shift, dim: ("permute", shift % dim),
    # the engine's own kernels, as a recording (record.py) names them
    **{op: (lambda count, shift, dim, op=op: (op, None)) for op in (
        "pack", "norms", "bundle_stacked", "similarity_dot", "similarity_hamming", "similarity_cosine",
        "top_k_dot", "top_k_hamming", "top_k_cosine", "bind_rows", "permute_rows", "bundle_rows",
        "record_rows", "class_add", "class_quantise", "transpose", "dots_update", "class_retrain", "class_dots")},
}


def _vsa(op, dim, shift=1, count=3, packed=False):
    from .vsa import kernels
    kernel_op, k = _VSA_KERNELS[op](count, shift, dim)
    return [kernels.request(kernel_op, "packed" if packed else "dense", dim, k)]


def _vsa_problem(entry):
    """Why a vsa entry names no kernel (an operation of one layout only), or None."""
    from .vsa import kernels
    kernel_op, k = _VSA_KERNELS[entry["op"]](entry.get("count", 3), entry.get("shift", 1), entry["dim"])
    layout = "packed" if entry.get("packed") else "dense"
    if kernel_op not in ("bundle", "permute") and (kernel_op, layout) not in kernels.RULES:
        return f"vsa operation {entry['op']!r} has no {layout} kernel"
    return None


def _graph(**fields):
    """A recorded expression graph (graph_entry.py) at its dtype and accuracy level."""
    from .compiler import graph_request
    from .graph_entry import canonical_of
    entry = {"kind": "graph", **fields}
    return [graph_request(canonical_of(entry), entry.get("dtype", "float32"), entry.get("ulp", 1.0))]


def _graph_problem(entry):
    from .graph_entry import GraphEntryError, canonical_of
    try:
        canonical_of(entry)
    except GraphEntryError as exc:
        return f"graph: {exc}"
    return None


def _graph_request(outputs, inputs=None, sample_rate=None):
    from .compiler import graph_request
    from .front.canonical import canonical_graph
    return [graph_request(canonical_graph(outputs, inputs, "float32", sample_rate), "float32")]


def _audio(node, args=(), kwargs=None):
    """The audio node NODES[node](*args, **kwargs) applied to one input "x" (sources to none)."""
    from . import audio, input as make_input
    instance = audio.NODES[node](*args, **(kwargs or {}))
    signals = instance.inputs if hasattr(instance, "inputs") else instance.arity   # with settings: the signals
    out = instance() if signals == 0 else instance(*[make_input("x")] * signals)
    return _graph_request(list(out) if isinstance(out, tuple) else [out])


DEMO_MANIFEST = os.path.join(os.path.dirname(os.path.abspath(__file__)), "demo_manifest.json")


def _demo():
    """Every kernel `resin-jit demo` compiles, so the demo runs natively from a wheel's layer: its
    recording (RESIN_JIT_RECORD=resin_jit/demo_manifest.json resin-jit demo; tests/test_record.py
    records it again and compares)."""
    return [request for entry in load_manifest(DEMO_MANIFEST) if entry["kind"] != "demo"
            for request in KINDS[entry["kind"]].requests(**_params(entry))]


def _audio_nodes():
    from .audio import NODES
    return tuple(NODES)


@dataclass(frozen=True)
class Kind:
    requests: object         # function(**fields) -> [(ident, make_source)]
    required: dict = field(default_factory=dict)
    optional: dict = field(default_factory=dict)


MAX_VSA_DIM = 1 << 24
COMMON_FIELDS = {"isa": _one_of(("auto", "scalar", "sse2", "sse4.1", "avx2", "avx512", "neon")),
                 "opt_level": _int_in(0, 3), "fastmath": _bool}


def _checked_whole(value):
    """A graph's fields are checked together (graph_entry.check_shape, then its nodes)."""
    return None

KINDS = {
    "affine_scalar": Kind(_affine_scalar, {"a": _real, "b": _real}),
    "affine_simd": Kind(_affine_simd, {"a": _real, "b": _real}),
    "vsa": Kind(_vsa, {"op": _one_of(tuple(_VSA_KERNELS)), "dim": _int_in(1, MAX_VSA_DIM)},
                {"shift": _int_in(-MAX_VSA_DIM, MAX_VSA_DIM), "count": _int_in(2, 64), "packed": _bool}),
    "audio": Kind(_audio, {"node": _one_of(_audio_nodes())},
                  {"args": _list_of(_argument), "kwargs": _names_to(_argument)}),
    "demo": Kind(_demo),
    "graph": Kind(_graph, {"nodes": _checked_whole, "outputs": _checked_whole},
                  {"inputs": _checked_whole, "dtype": _checked_whole, "ulp": _checked_whole,
                   "sample_rate": _checked_whole}),
}

# One kernel per structure: the values are parameters, so any Biquad.lowpass(...)(x) loads this one.
STANDARD_AUDIO = [("Gain", [0.5]), ("SoftClip", [2.0]), ("Clip", [-1.0, 1.0]), ("SineOsc", [440.0]),
                  ("SawOsc", [110.0]), ("SquareOsc", [220.0]), ("Noise", [1]), ("OnePole.lowpass", [1000.0]),
                  ("OnePole.highpass", [100.0]), ("Biquad.lowpass", [1000.0]), ("Biquad.highpass", [1000.0]),
                  ("Biquad.bandpass", [1000.0]), ("Biquad.peak", [1000.0]), ("Delay", [0.01]), ("Envelope", []),
                  ("Pan", []), ("Reverb", []), ("Limiter", []), ("PeakMeter", []), ("RMSMeter", [])]


def builtin_manifest():
    """The demo's kernels, the standard audio node kernels, and the VSA operations at the
    dimensions the benchmarks use."""
    entries = [{"kind": "demo"}]
    entries += [{"kind": "audio", "node": name, "args": args} for name, args in STANDARD_AUDIO]
    for dim in (1024, 4096, 10000):
        entries += [{"kind": "vsa", "op": op, "dim": dim}
                    for op in ("dot", "cosine", "hamming", "bind", "bundle", "permute")]
        entries.append({"kind": "vsa", "op": "dot", "dim": dim, "packed": True})
    return entries


# -- manifests ------------------------------------------------------------------------------------

def _params(entry):
    return {k: v for k, v in entry.items() if k not in ("kind", *COMMON_FIELDS)}


def _entry_problem(entry):
    """What is wrong with one manifest entry, or None."""
    if not isinstance(entry, dict):
        return f"an entry is an object with a 'kind', not {type(entry).__name__}"
    kind = KINDS.get(entry.get("kind")) if isinstance(entry.get("kind"), str) else None
    if kind is None:
        return f"'kind' must be one of {', '.join(KINDS)}; got {_shown(entry.get('kind'))}"
    allowed = {**kind.required, **kind.optional, **COMMON_FIELDS}
    unknown = sorted(set(entry) - set(allowed) - {"kind"})
    if unknown:
        return f"unknown field(s) {_cut(', '.join(map(repr, unknown)), 200)} for kind {entry['kind']!r}"
    missing = [name for name in kind.required if name not in entry]
    if missing:
        return f"kind {entry['kind']!r} needs field(s) {', '.join(map(repr, missing))}"
    for name, check in allowed.items():
        problem = check(entry[name]) if name in entry else None
        if problem:
            return f"field {name!r} {problem}"
    return _WHOLE_ENTRY_CHECKS.get(entry["kind"], lambda entry: None)(entry)


def _audio_arguments_problem(entry):
    from .audio import NODES
    try:
        inspect.signature(NODES[entry["node"]]).bind(*entry.get("args", ()), **entry.get("kwargs", {}))
    except TypeError as exc:
        return f"audio node {entry['node']!r}: {exc}"
    return None


_WHOLE_ENTRY_CHECKS = {"audio": _audio_arguments_problem, "vsa": _vsa_problem, "graph": _graph_problem}


def validate(manifest):
    """The manifest itself if well formed, else ManifestError naming the first bad entry."""
    if not isinstance(manifest, list):
        raise ManifestError("a manifest is a JSON list of entries")
    if len(manifest) > LIMITS["entries"]:
        raise ManifestError(f"a manifest holds at most {LIMITS['entries']} entries, not {len(manifest)}")
    for i, entry in enumerate(manifest):
        problem = _entry_problem(entry)
        if problem:
            raise ManifestError(f"entry {i}: {problem}")
    return manifest


def load_manifest(path=None):
    if path is None:
        return builtin_manifest()
    try:
        value = bounded_json.load(path, LIMITS["bytes"], LIMITS["depth"], LIMITS["digits"])
    except (OSError, ValueError) as exc:
        raise ManifestError(f"cannot read manifest {path}: {exc}") from None
    return validate(value)


def describe(entry):
    return " ".join([entry["kind"]] + [f"{k}={v}" for k, v in entry.items() if k != "kind"])


# -- building entries, in whichever process ---------------------------------------------------

def targets_for(names=None):
    """The platforms to warm for (toolchain/platforms.py): this one (None or "host"), named ones,
    or "all" (every platform of the table). A ValueError names one that is not known."""
    from .toolchain import platforms
    found = []
    for name in names or ["host"]:
        rows = (platforms.host(),) if name == "host" else tuple(platforms.PLATFORMS.values()) if name == "all" \
            else (platforms.named(name),)
        found += [row for row in rows if row not in found]
    return found


def tiers_for(isa_choice, entry=None, target=None):
    """The tiers to warm an entry for on the platform `target` (default: this one): its own "isa",
    or the --isa choice: "auto" (this host's best; for another platform, whose CPUs are unknown
    here, every tier as "all"), a tier name, or "all" (every tier of the platform's architecture
    but the scalar one: one layer then serves every CPU of the platform). Another architecture's
    tiers are another platform's (--platform linux-aarch64)."""
    from .toolchain import host, isa, platforms
    target = target or platforms.host()
    choice = (entry or {}).get("isa", isa_choice)
    if choice == "auto" and target == platforms.host():
        return [host.best_tier()]
    if choice not in ("all", "auto"):   # a tier of another architecture has no kernels here
        return [choice] if isa.TIERS[choice].arch in (None, target.arch) else []
    return [t.name for t in isa.tiers_of(target.arch) if t.name != "scalar"]


def tier_problem(isa_choice, targets):
    """Why --isa `isa_choice` cannot be warmed for every one of `targets` (a tier of one
    architecture, platforms of another), or None."""
    from .toolchain import isa
    arch = isa.TIERS[isa_choice].arch if isa_choice in isa.TIERS else None
    others = [t.name for t in targets if arch not in (None, t.arch)]
    return f"the {isa_choice} tier is {arch}'s, not {', '.join(others)}'s" if others else None


_builders = {}


def _builder(tier, opt_level, cache_dir, target=None, fastmath=False):
    """One build-only Libraries per (tier, -O, fastmath, directory, platform) in this process."""
    from .config import JitConfig
    from .store.libraries import Libraries
    config = JitConfig(cache_dir=cache_dir, isa=tier, opt_level=opt_level, prebuilt=False, fastmath=fastmath)
    if (config, target) not in _builders:
        _builders[config, target] = Libraries(config, build_only=True, target=target)
    return _builders[config, target]


def build_entry(entry, tier, cache_dir, target=None):
    """Build one entry's kernels for one tier into cache_dir, for the platform named `target`
    (default: this one), loading nothing: (status, detail), status built / cached / failed.
    Never raises: a worker reports, the parent decides."""
    problem = _entry_problem(entry)
    if problem:
        return "failed", problem
    try:
        from .toolchain import platforms
        libraries = _builder(tier, entry.get("opt_level", 2), cache_dir, platforms.named(target) if target else None,
                             entry.get("fastmath", False))
        start = time.perf_counter()
        statuses = [libraries.put(*request) for request in KINDS[entry["kind"]].requests(**_params(entry))]
        return ("built" if "built" in statuses else "cached"), f"{time.perf_counter() - start:.2f} s"
    except Exception as exc:  # noqa: BLE001 - reported per entry; warm exits 1
        return "failed", f"{type(exc).__name__}: {exc}"


def kernel_count(manifest):
    """How many distinct kernels a (valid) manifest asks for at one tier: entries may share them."""
    return len({(entry.get("isa", "auto"), entry.get("opt_level", 2), entry.get("fastmath", False), ident)
                for entry in validate(manifest) for ident, _ in KINDS[entry["kind"]].requests(**_params(entry))})


def load_here(manifest, jit_for=None):
    """Every entry's kernels asked of this process's compilers, as a program would (from a layer,
    the cache, or built): the JitCompilers used, for their stats. Raises on the first failure."""
    from .compiler import JitCompiler
    from .config import JitConfig
    compilers = {}
    for entry in validate(manifest):
        config = JitConfig(isa=entry.get("isa", "auto"), opt_level=entry.get("opt_level", 2),
                           fastmath=entry.get("fastmath", False))
        jit = compilers.setdefault(config, JitCompiler(config))
        for request in KINDS[entry["kind"]].requests(**_params(entry)):
            if jit.libraries.get(*request) is None:
                raise JitError(f"{describe(entry)}: in no layer or cache, and no compiler to build it")
    return list(compilers.values())


# -- warm: in parallel, with a progress bar -------------------------------------------------------

@dataclass
class Report:
    results: list = field(default_factory=list)  # (entry, platform name, tier, status, detail)
    seconds: float = 0.0

    def count(self, status):
        return sum(1 for r in self.results if r[3] == status)

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
    from .store.fs import claim_writable_cache_dir
    return claim_writable_cache_dir(cache_dir)


def _start_method():
    """fork where it is safe and cheap (Linux, one thread, no kernel loaded yet: the CLI), so a
    worker starts in milliseconds with everything imported; else spawn, so workers start clean."""
    from .store import libraries
    if sys.platform.startswith("linux") and threading.active_count() == 1 and not libraries._memo:
        return "fork"
    return "spawn"


def warm(manifest, cache_dir, jobs=None, progress=True, isa="auto", platforms=None):
    """Build every entry's kernels, for each platform `platforms` names (see targets_for; default
    this one) and each tier `isa` names there (see tiers_for), into cache_dir with `jobs` worker
    processes (default: one per core). Nothing is loaded."""
    validate(manifest)
    targets = targets_for(platforms)
    problem = check_target(cache_dir)
    if problem:
        raise OSError(f"cannot warm {cache_dir}: {problem}")
    work = [(entry, None if target.name == _host_name() else target.name, tier)
            for target in targets for entry in manifest for tier in tiers_for(isa, entry, target)]
    jobs = max(1, min(jobs or os.cpu_count() or 1, len(work) or 1))
    bar = Progress(len(work)) if progress else None
    report, start = Report(), time.perf_counter()
    with ProcessPoolExecutor(jobs, mp_context=multiprocessing.get_context(_start_method())) as pool:
        futures = {pool.submit(build_entry, entry, tier, str(cache_dir), target): (entry, target, tier)
                   for entry, target, tier in work}
        for done, future in enumerate(as_completed(futures), 1):
            entry, target, tier = futures[future]
            report.results.append((entry, target or _host_name(), tier, *future.result()))
            if bar:
                bar.update(done, f"{report.results[-1][3]:8} {target or '':18} {tier:7} {describe(entry)}")
    KernelCache(cache_dir).tidy()   # a layer is its entries: no lock files, hit counts or memos
    report.seconds = time.perf_counter() - start
    return report


def _host_name():
    from .toolchain import platforms
    return platforms.host().name


def print_report(report, cache_dir, stream=None):
    stream = stream or sys.stdout
    counts = ", ".join(f"{report.count(s)} {s}" for s in ("built", "cached", "failed"))
    builds = {}
    for _, target, tier, _, _ in report.results:
        builds.setdefault(target, set()).add(tier)
    shown = "; ".join(f"{target}: {', '.join(sorted(tiers))}" for target, tiers in builds.items())
    print(f"warmed {len(report.results)} kernels ({shown or 'no tiers'}) into {cache_dir} in "
          f"{report.seconds:.1f} s: {counts}", file=stream)
    for entry, target, tier, status, detail in report.results:
        if status == "failed":
            print(f"  failed: {target} {tier} {describe(entry)}: {detail}", file=stream)
