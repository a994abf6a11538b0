"""Disk keys: the name a compiled library has in the cache and in every prebuilt layer.

A key is portable: the same on every machine of one platform, so a layer warmed in CI serves any
machine of its architecture. It covers what decides a library's machine code and nothing else:

  - the ident: what the source computes (a graph's canonical form, a VSA op and dimension);
  - a fingerprint of what shapes generated code: the headers kernels include (csrc/*.h but the
    dispatcher's), templates/, and the Python modules that emit C or choose build flags
    (CODEGEN_MODULES), so editing the CLI's help text leaves every key as it was;
  - the ISA tier, the optimisation level and fastmath;
  - the kernel ABI version (rj_abi.h, abi.ABI_VERSION);
  - the platform: operating system, architecture and C library family.

Kernels include no Python.h, so neither the Python version nor cffi's is part of it. The
compiler's identity, the host and the build time go into each entry's metadata instead.
"""
import functools
import hashlib
import os
import sys
from pathlib import Path

from . import abi, host
from .cachefs import read_json_object, write_memo
from .resources import PACKAGE_DIR, csrc_dir, templates_dir

CODEGEN_MODULES = ("abi.py", "assemble.py", "audio/base.py", "audio/basic.py", "audio/delays.py",
                   "audio/dynamics.py", "audio/filters.py", "audio/formula.py", "audio/oscillators.py", "build.py",
                   "context.py", "emit.py", "external.py", "isa.py", "nodes.py", "ops.py", "vsa/kernels.py")
NOT_KERNEL_HEADERS = ("dispatch.h",)   # the dispatcher's own header: kernels never include it


@functools.lru_cache(maxsize=None)
def platform_tag(arch=None):
    """OS, architecture (default: this machine's) and C library family, e.g. 'linux-x86_64-glibc'."""
    try:
        libc = (os.confstr("CS_GNU_LIBC_VERSION") or "").split()[0]
    except (AttributeError, ValueError, OSError, IndexError):
        libc = ""
    if not libc:
        libc = "musl" if sys.platform.startswith("linux") else "libc"
    return f"{sys.platform}-{arch or host.architecture()}-{libc}"


@functools.lru_cache(maxsize=None)
def codegen_files():
    """Every file whose content shapes the machine code of a kernel, in a fixed order."""
    headers = sorted(n for n in os.listdir(csrc_dir()) if n.endswith(".h") and n not in NOT_KERNEL_HEADERS)
    templates = sorted(n for n in os.listdir(templates_dir()) if n.endswith(".c"))
    return (*(csrc_dir() / n for n in headers), *(templates_dir() / n for n in templates),
            *(PACKAGE_DIR / name for name in CODEGEN_MODULES))


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
    for f in codegen_files():
        digest.update(f.relative_to(f.parent.parent).as_posix().encode() + b"\0" + f.read_bytes() + b"\0")
    return digest.hexdigest()


@functools.lru_cache(maxsize=None)
def codegen_fingerprint(memo_dir=None):
    """sha256 over codegen_files(): a change to any of them is a new key.

    An installed package carries the digest its build computed (its files do not change), so a
    new process reads one small file. In a source tree, where they do change, hashing them costs
    about a millisecond: with `memo_dir` the digest is remembered under a signature of the files'
    paths, sizes and modification times, which a new process checks with a stat call per file.
    """
    shipped = shipped_fingerprint()
    if shipped:
        return shipped
    files = codegen_files()
    stats = [os.stat(f) for f in files]
    signature = hashlib.sha256("\n".join(f"{f}|{st.st_size}|{st.st_mtime_ns}"
                                         for f, st in zip(files, stats)).encode()).hexdigest()
    memo = Path(memo_dir) / "fingerprints.json" if memo_dir else None
    known = read_json_object(memo) if memo else {}
    if isinstance(known.get(signature), str):
        return known[signature]
    fingerprint = computed_fingerprint()
    if memo:
        write_memo(memo, {signature: fingerprint})
    return fingerprint


def kernel_key(ident, tier, opt_level, fastmath, memo_dir=None, arch=None):
    """The disk key of the library that `ident` compiles to with these settings, for `arch`
    (default: this machine's architecture)."""
    parts = [repr(ident), codegen_fingerprint(memo_dir), tier, f"O{opt_level}", f"fastmath={bool(fastmath)}",
             f"abi={abi.ABI_VERSION}", platform_tag(arch)]
    return hashlib.sha256("\0".join(parts).encode()).hexdigest()
