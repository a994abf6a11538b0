"""The `resin-jit` command (also `python -m resin_jit`). Exit codes: 0 ok, 1 failure, 2 usage."""
import argparse
import importlib
import os
import stat
import sys
import time
from pathlib import Path

from . import __version__
from .toolchain.isa import TIERS
from .toolchain.platforms import PLATFORMS

BENCH_GROUPS = ["core", "calls", "graph", "reductions", "vsa", "hdc_batch", "hdc_memory", "hdc_learn", "cache",
                "scaleout", "audio", "vmath", "compilers"]


def _bench_module(name):
    """A group's module, imported only when it runs. benchmarks/ installs as resin_jit.benchmarks
    (setup.py's package_dir); run from a source checkout's root, whose resin_jit/ comes first on
    the path (an installed package's mapping does not apply), it is the checkout's own benchmarks
    package (on the path, which spawned workers inherit)."""
    try:
        return importlib.import_module(f"resin_jit.benchmarks.bench_{name}")
    except ModuleNotFoundError as exc:
        root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
        if exc.name != "resin_jit.benchmarks" or not os.path.isfile(os.path.join(root, "benchmarks", "__init__.py")):
            raise
    if root not in sys.path:
        sys.path.insert(0, root)
    return importlib.import_module(f"benchmarks.bench_{name}")


BENCH_MODULES = {name: (lambda name=name: _bench_module(name)) for name in BENCH_GROUPS}


def _output_path(text):
    """--output: checked before the demo runs anything (a usage error, exit code 2). The demo's
    open checks again (demo.open_output): what is here now may be swapped before it writes."""
    folder = os.path.dirname(os.path.abspath(text))
    if not os.path.isdir(folder):
        raise argparse.ArgumentTypeError(f"directory {folder} does not exist")
    if os.path.islink(text):
        raise argparse.ArgumentTypeError(f"{text} is a symbolic link, which the demo does not follow")
    if os.path.isdir(text):
        raise argparse.ArgumentTypeError(f"{text} is a directory")
    if os.path.lexists(text) and not stat.S_ISREG(os.lstat(text).st_mode):
        raise argparse.ArgumentTypeError(f"{text} is not a regular file (a FIFO, a socket or a device)")
    if not os.access(folder, os.W_OK):
        raise argparse.ArgumentTypeError(f"directory {folder} is not writable")
    return text


def _plot_dir(text):
    """--plot: an existing, writable directory (a usage error otherwise)."""
    if not os.path.isdir(text) or not os.access(text, os.W_OK):
        raise argparse.ArgumentTypeError(f"{text} is not a writable directory")
    return text


def cmd_demo(args):
    from .demo import run
    return run(args)


def cmd_bench(args):
    for name in args.only or BENCH_GROUPS:
        BENCH_MODULES[name]().run(quick=args.quick)
    return 0


def cmd_doctor(args):
    """Every part resin_jit runs on, whether it works, and why not where it does not."""
    import warnings
    from . import JitCompiler
    from .runtime import load
    from .toolchain.host import host_info
    info = host_info()
    print(f"architecture      {info['architecture']} ({info['platform']}), Python {info['python']}")
    print(f"ISA tiers         {', '.join(info['isa_tiers'])} (auto picks {info['best_isa']})")
    print(f"extension         {'resin_jit.runtime._dispatch loaded' if load._dispatch else _NO_EXTENSION}")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)   # said below, part by part
        jit = JitCompiler()
    libraries = jit.libraries
    toolchain = libraries.toolchain
    compiler = _describe_compiler(toolchain) if toolchain else \
        f"none ({libraries.build_reason}): kernels load from prebuilt layers and the cache; any other runs on numpy"
    print(f"C compiler        {compiler}")
    cache = libraries.cache
    print(f"cache directory   {cache.root if cache else _cache_problem()}")
    _print_platform_paths()
    _print_layers("prebuilt layers   ")
    reason = f" ({jit.unavailable_reason})" if jit.unavailable_reason else ""
    print(f"backend           {jit.backend}{reason}")
    if jit.backend != "native":
        return 0
    kernel = jit.compile_affine_simd(0.5, 1.0)
    import numpy as np
    out = np.empty(4, np.float32)
    kernel.process(np.arange(4, dtype=np.float32), out)
    ok = out.tolist() == [1.0, 1.5, 2.0, 2.5]
    print(f"smoke test        affine kernel on {kernel.isa}, {kernel.backend}: {'ok' if ok else 'WRONG ' + str(out)}")
    return 0 if ok else 1


def _describe_compiler(toolchain):
    """The compiler's command, version and family; for zig, where it came from and where its caches are."""
    from .toolchain import compilers
    text = f"{' '.join(toolchain.command)}  {toolchain.version} ({toolchain.family})"
    if compilers.is_ziglang_binary(toolchain.path):
        text += ", from the ziglang package"
    caches = dict(toolchain.env).get("ZIG_GLOBAL_CACHE_DIR")
    return text + (f"; its caches in {caches}" if caches else "")


_NO_EXTENSION = ("not built: every kernel runs on numpy (reinstall with a C compiler present, or from a wheel "
                 "that carries it)")


def _cache_problem():
    """Why there is no usable kernel cache (off, or the directory cannot be used)."""
    from .store.disk import default_cache_dir
    from .store.fs import cache_dir_problem
    from .config import JitConfig
    config = JitConfig()
    if not config.cache_enabled():
        return "off (RESIN_JIT_CACHE=0): kernels are built in a private temporary directory"
    root = config.resolved_cache_dir() or default_cache_dir()
    return f"{root}: not used ({cache_dir_problem(root) or 'not writable'}): kernels are built privately"


def _print_platform_paths():
    """How this OS locks cache keys, loads a checked library, and checks who owns the cache."""
    from .store import fs, locks
    print(f"cache locks       {locks.describe()}")
    print(f"kernel loading    {fs.load_description()}")
    print(f"cache ownership   {fs.ownership().describe()}")


def _cache_root(args):
    from .store.disk import default_cache_dir
    from .config import JitConfig
    return Path(JitConfig(cache_dir=args.cache_dir).resolved_cache_dir() or default_cache_dir())


def _print_layers(label):
    from .store.disk import ReadOnlyLayer
    from .config import JitConfig
    roots = JitConfig.resolved_layers()
    if not roots:
        print(f"{label}none (resin-jit warm --cache-dir DIR, then RESIN_JIT_PREBUILT=DIR)")
    for root in roots:
        layer = ReadOnlyLayer(root)
        state = f"not used: {layer.problem}" if layer.problem else f"{len(layer.locator.keys())} kernels"
        print(f"{label}{root}: {state}")
        label = " " * len(label)


def cmd_warm(args):
    from . import warm
    from .store.fs import claim_cache_dir
    try:
        manifest = warm.load_manifest(args.manifest)
    except warm.ManifestError as exc:
        print(f"resin-jit warm: error: {exc}", file=sys.stderr)
        return 2
    problem = warm.tier_problem(args.isa, warm.targets_for(args.platform))
    if problem:
        print(f"resin-jit warm: error: {problem}", file=sys.stderr)
        return 2
    root = _cache_root(args)
    problem = claim_cache_dir(root)  # created and tagged: a prebuilt layer is a cache directory
    if problem:
        print(f"resin-jit warm: error: cannot warm {root}: {problem}", file=sys.stderr)
        return 1
    report = warm.warm(manifest, root, jobs=args.jobs, progress=not args.quiet, isa=args.isa,
                       platforms=args.platform)
    warm.print_report(report, root)
    return 0 if report.ok() else 1


def cmd_cache_path(args):
    print(_cache_root(args))
    return 0


def _open_cache(args):
    from .store.disk import KernelCache
    from .store.fs import cache_dir_problem
    from .config import JitConfig
    root = _cache_root(args)
    problem = cache_dir_problem(root) if root.exists() else None
    return KernelCache(root, max_bytes=JitConfig().resolved_cache_max_bytes()), problem


def cmd_cache_info(args):
    cache, problem = _open_cache(args)
    info = cache.summary()
    state = f"not used: {problem}" if problem else ("usable" if cache.root.exists() else "not created yet")
    limit = "none" if info["max_bytes"] is None else f"{info['max_bytes']:,} bytes"
    print(f"location          {info['root']} ({state})")
    print(f"entries           {info['entries']}")
    print(f"bytes             {info['bytes']:,} (limit: {limit})")
    print(f"disk hits         {info['hits']}")
    _print_layers("prebuilt layers   ")
    return 0


def cmd_cache_list(args):
    cache, _ = _open_cache(args)
    rows = cache.entries()
    print(f"{'key':16}  {'bytes':>8}  {'hits':>5}  {'last used':19}  isa")
    for row in reversed(rows):  # most recently used first
        used = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(row.last_used))
        print(f"{row.key[:16]}  {row.size:>8}  {row.hits:>5}  {used}  {row.meta.get('isa', '?')}")
    print(f"{len(rows)} kernels, {sum(r.size for r in rows):,} bytes")
    return 0


def cmd_cache_clear(args):
    from .store.disk import KernelCache
    from .store.fs import cache_dir_problem
    root = _cache_root(args)
    if not os.path.lexists(root):   # a fresh machine: not an error (a dangling symlink is refused below)
        print(f"nothing to clear: {root} does not exist")
        return 0
    problem = cache_dir_problem(root)
    if problem:
        print(f"resin-jit cache clear: error: refusing to clear {root}: {problem}", file=sys.stderr)
        return 1
    cleared = KernelCache(root).clear()
    busy = f"; {cleared.busy} kernels in use were left" if cleared.busy else ""
    print(f"removed {cleared.kernels} kernels and {cleared.files} other files from {root}{busy}")
    return 0


CACHE_ACTIONS = {"info": cmd_cache_info, "list": cmd_cache_list, "clear": cmd_cache_clear, "path": cmd_cache_path}


def build_parser():
    parser = argparse.ArgumentParser(prog="resin-jit", description="resin_jit: graphs of numeric nodes → native code.")
    parser.add_argument("--version", action="version", version=f"resin-jit {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)
    demo = sub.add_parser("demo", help="a short tour: kernels, an audio patch to a WAV file, timings vs numpy")
    demo.add_argument("--output", type=_output_path, metavar="FILE.wav", default=None,
                      help="write the WAV file to FILE.wav, a regular file (created or overwritten; a symbolic "
                           "link, FIFO or directory there is refused). Default: resin_jit_demo.wav in a new "
                           "private directory under the temp directory, named in the output")
    demo.add_argument("--plot", type=_plot_dir, metavar="DIR", default=None,
                      help="write a PNG of the patch's response and spectrogram into DIR (needs matplotlib)")
    demo.set_defaults(func=cmd_demo)
    bench = sub.add_parser("bench", help="run the benchmarks (medians and ratios, side by side)")
    bench.add_argument("--quick", action="store_true", help="fewer repetitions and smaller sizes: checks every benchmark runs, its figures are rough")
    bench.add_argument("--only", action="append", choices=BENCH_GROUPS, help="one benchmark group")
    bench.set_defaults(func=cmd_bench)
    doctor = sub.add_parser("doctor", help="architecture, ISA tiers, compiler, cache directory, prebuilt layers")
    doctor.set_defaults(func=cmd_doctor)
    _add_warm_parser(sub)
    _add_cache_parser(sub)
    return parser


def _positive_int(text):
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, not {value}")
    return value


def _add_warm_parser(sub):
    warm = sub.add_parser("warm", help="compile a manifest of kernels into a cache dir (a prebuilt layer)",
                          description="Compile a manifest of kernels in parallel; point RESIN_JIT_PREBUILT at the "
                                      "directory to use it as a read-only prebuilt layer.")
    warm.add_argument("--manifest", metavar="FILE", help="JSON list of entries like "
                      '{"kind": "affine_simd", "a": 0.5, "b": 1.0}, or a recording: what a run with '
                      "RESIN_JIT_RECORD=FILE compiled or loaded (default: the built-in manifest)")
    warm.add_argument("--cache-dir", metavar="DIR", help="where to put the kernels (default: the user cache)")
    warm.add_argument("--jobs", "-j", type=_positive_int, metavar="N", help="worker processes (default: one per core)")
    warm.add_argument("--isa", default="auto", choices=["auto", "all", *TIERS],
                      help="the tiers to build for: this host's best (auto, the default), one tier, or all of the "
                           "platform's architecture: one layer then serves every CPU of it")
    warm.add_argument("--platform", action="append", choices=["host", "all", *PLATFORMS], metavar="NAME",
                      help="build for this platform (host, the default; all; or one of "
                           f"{', '.join(PLATFORMS)}), cross-compiling with zig (pip install 'resin_jit[compiler]') "
                           "where the host cannot; repeat for several. Another platform's --isa auto is all its tiers")
    warm.add_argument("--quiet", "-q", action="store_true", help="no progress bar")
    warm.set_defaults(func=cmd_warm)


def _add_cache_parser(sub):
    cache = sub.add_parser("cache", help="the kernel cache: info, list, clear, path")
    actions = cache.add_subparsers(dest="action", required=True)
    for name, helptext in (("info", "location, entries, bytes, hit counts, prebuilt layers"),
                           ("list", "one line per cached kernel"), ("clear", "remove every cached kernel"),
                           ("path", "print the cache directory")):
        action = actions.add_parser(name, help=helptext)
        action.add_argument("--cache-dir", metavar="DIR", help="default: RESIN_JIT_CACHE_DIR, else the user cache")
        action.set_defaults(func=CACHE_ACTIONS[name])


def main(argv=None):
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        status = args.func(args) or 0
        sys.stdout.flush()  # a reader that went away shows here, not in the interpreter's flush at exit
        return status
    except BrokenPipeError:
        return _reader_went_away()
    except KeyboardInterrupt:
        return 1
    except Exception as exc:  # noqa: BLE001 - a CLI reports, it does not trace back
        print(f"resin-jit {args.command}: error: {exc}", file=sys.stderr)
        return 1



def _reader_went_away():
    """`resin-jit cache list | head`: stop quietly, as Unix tools do. stdout now points at
    /dev/null, so what is still buffered goes nowhere instead of failing again at exit."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
    os.close(devnull)
    return 128 + 13  # what a shell reports for a tool that SIGPIPE ended


if __name__ == "__main__":
    sys.exit(main())
