"""Disk keys: the name a compiled library has in the cache and in every prebuilt layer.

A key is portable: the same on every machine of one platform, so a layer warmed in CI serves any
machine of its architecture. It covers what decides a library's machine code and nothing else:

  - the ident: what the source computes (a graph's canonical form, a VSA op and dimension);
  - a fingerprint of what shapes generated code: the headers kernels include (csrc/*.h but the
    dispatcher's), templates/, and every module of the package, found by walking its folders,
    but those that cannot shape a kernel (NOT_CODEGEN, each with its reason), so editing the
    CLI's help text leaves every key as it was and a new module is in the key until it is shown
    not to belong there;
  - the ISA tier, the optimisation level and fastmath;
  - the kernel ABI version (rj_abi.h, abi.ABI_VERSION);
  - the platform: operating system, architecture and C library family.

Kernels include no Python.h, so neither the Python version nor cffi's is part of it. The
compiler's identity, the host and the build time go into each entry's metadata instead.
"""
import functools
import hashlib
import os

from ..front import abi
from ..toolchain import platforms
from ..codegen.resources import PACKAGE_DIR, csrc_dir, templates_dir

# The modules (files, or folders ending in "/", relative to the package) that cannot change the
# code of any kernel: they neither make a kernel's source or flags nor read what a library holds.
# Every other module is in the fingerprint; test_keys.py checks that each entry here exists.
NOT_CODEGEN = {
    "__main__.py": "runs the command line",
    "cli.py": "the command line: it asks for kernels as any caller does",
    "demo.py": "the demo: a caller",
    "dask.py": "runs kernels over dask arrays: a caller",
    "warm.py": "chooses idents only: compiler.py and vsa/kernels.py pair each with its source",
    "bounded_json.py": "reads warm's manifests",
    "manifest_fields.py": "checks warm's manifests",
    "store/disk.py": "moves and checks a library's bytes by its key, never makes or reads what they are",
    "store/entries.py": "where a cache entry's files are, and the check of a library's bytes",
    "store/fs.py": "the cache's file primitives",
    "audio/io.py": "WAV files",
    "audio/analysis.py": "measures a compiled kernel's response: a caller",
    "benchmarks/": "timings: a caller (resin_jit.benchmarks in a wheel, beside the package in a source tree)",
}
# The dispatcher's own headers (csrc/dispatch.h, dispatch_kernel.h, ...): no kernel includes them.
# (A prefix, not an fnmatch pattern: compiling one cost a new process ~0.3 ms.)
NOT_KERNEL_HEADER_PREFIX = "dispatch"


def platform_tag(target=None):
    """OS, architecture and C library family of `target` (a platforms.Platform; default: this
    machine's), e.g. 'linux-x86_64-glibc': what a process there computes of itself."""
    return (target or platforms.host()).tag


def is_codegen_module(name):
    """True unless the module `name` (a path relative to the package) is in NOT_CODEGEN, itself
    or in a folder that is."""
    return name not in NOT_CODEGEN and not any(name.startswith(entry) for entry in NOT_CODEGEN if entry.endswith("/"))


def package_modules(root):
    """Every module of the package folder `root` and of its subpackages, at any depth, as paths
    relative to it ("audio/base.py"), sorted: what setup.py ships (a folder without __init__.py
    is no package, a name starting with "." no module), so a wheel and a source tree agree.
    (Plain strings and one scandir a folder: a new process in a source tree walks it.)"""
    found, folders = [], [""]
    while folders:
        relative = folders.pop()
        with os.scandir(os.path.join(root, relative)) as entries:
            names = {entry.name: entry.is_dir() for entry in entries if not entry.name.startswith(".")}
        for name, is_dir in names.items():
            path = f"{relative}/{name}" if relative else name
            if is_dir and os.path.isfile(os.path.join(root, path, "__init__.py")):
                folders.append(path)
            elif not is_dir and name.endswith(".py"):
                found.append(path)
    return sorted(found)


@functools.lru_cache(maxsize=None)
def codegen_files():
    """(name, path) of every file whose content shapes the machine code of a kernel, in a fixed
    order; the name is the same in a wheel and in a source tree."""
    csrc, templates, package = str(csrc_dir()), str(templates_dir()), str(PACKAGE_DIR)
    headers = sorted(n for n in os.listdir(csrc) if n.endswith(".h") and not n.startswith(NOT_KERNEL_HEADER_PREFIX))
    sources = sorted(n for n in os.listdir(templates) if n.endswith(".c"))
    modules = [n for n in package_modules(package) if is_codegen_module(n)]
    return (*((f"csrc/{n}", os.path.join(csrc, n)) for n in headers),
            *((f"templates/{n}", os.path.join(templates, n)) for n in sources),
            *((f"resin_jit/{n}", os.path.join(package, n)) for n in modules))


SHIPPED_FINGERPRINT = "codegen_fingerprint"   # in a built package (setup.py writes it): the files' digest


def shipped_fingerprint():
    """The fingerprint an installed package was built with, or None in a source tree."""
    try:
        text = (PACKAGE_DIR / SHIPPED_FINGERPRINT).read_text().strip()
    except OSError:
        return None
    return text if len(text) == 64 and all(c in "0123456789abcdef" for c in text) else None


def computed_fingerprint():
    """sha256 over the contents of codegen_files()."""
    digest = hashlib.sha256()
    for name, path in codegen_files():
        with open(path, "rb") as file:
            digest.update(name.encode() + b"\0" + file.read() + b"\0")
    return digest.hexdigest()


@functools.lru_cache(maxsize=None)
def codegen_fingerprint(memo=None):
    """sha256 over codegen_files(): a change to any of them is a new key.

    An installed package carries the digest its build computed (its files do not change), so a
    new process reads one small file. In a source tree, where they do change, hashing them costs
    about a millisecond: with a `memo` (store/memo.py) the digest is remembered under a signature
    of the files' paths, sizes and modification times, which a new process checks with a stat
    call per file.
    """
    shipped = shipped_fingerprint()
    if shipped:
        return shipped
    files = [path for _, path in codegen_files()]
    stats = [os.stat(f) for f in files]
    signature = hashlib.sha256("\n".join(f"{f}|{st.st_size}|{st.st_mtime_ns}"
                                         for f, st in zip(files, stats)).encode()).hexdigest()
    known = memo.get(signature) if memo else None
    if known:
        return known
    fingerprint = computed_fingerprint()
    if memo:
        memo.put(signature, fingerprint, keep_others=False)
    return fingerprint


def kernel_key(ident, tier, opt_level, fastmath, target=None, fingerprint=None):
    """The disk key of the library that `ident` compiles to with these settings, for the platform
    `target` (default: this machine's); `fingerprint` is codegen_fingerprint()'s (given by a
    caller that has it remembered)."""
    parts = [repr(ident), fingerprint or codegen_fingerprint(), tier, f"O{opt_level}", f"fastmath={bool(fastmath)}",
             f"abi={abi.ABI_VERSION}", platform_tag(target)]
    return hashlib.sha256("\0".join(parts).encode()).hexdigest()
