"""Issue 19, item 3: layers for every platform, from one machine.

A process finds its kernels by a key naming its platform (store/keys.py), so a layer warmed here
for another platform is of use there only if its keys are the ones a process there computes of
itself: toolchain/platforms.py describes each OS's report (Windows says AMD64, macOS arm64, musl
has no glibc version) as one row, tested here with each OS's report faked. `resin-jit warm
--platform` cross-builds with zig, each library in its platform's format, named and exporting
what the dispatcher looks up (checked with LLVM's tools, which read ELF, Mach-O and PE alike).
"""
import json
import os
import platform as python_platform
import shutil
import struct
import subprocess
import sys

import numpy as np
import pytest

import resin_jit as rj
from resin_jit import cli, warm
from resin_jit.config import JitConfig
from resin_jit.store import keys
from resin_jit.store.disk import KernelCache
from resin_jit.store.libraries import Libraries
from resin_jit.toolchain import compilers, platforms

from support import assert_affine_close

IN_CI = bool(os.environ.get("CI"))   # CI installs ziglang and LLVM: there a missing one is a failure
ZIG = compilers.ziglang_binary() or shutil.which("zig")
needs_zig = pytest.mark.skipif(not ZIG and not IN_CI, reason="no zig (pip install ziglang) to cross-build with")
LLVM_NM = shutil.which("llvm-nm") or shutil.which("llvm-nm-14")
LLVM_READOBJ = shutil.which("llvm-readobj") or shutil.which("llvm-readobj-14")

# What Python reports on each platform: sys.platform, platform.machine(), and what
# os.confstr("CS_GNU_LIBC_VERSION") returns (or raises: no such name on macOS and musl; no
# os.confstr at all on Windows), and the row that process must find itself to be.
REPORTS = [
    ("linux", "x86_64", "glibc 2.36", "linux-x86_64"),
    ("linux", "aarch64", "glibc 2.17", "linux-aarch64"),
    ("linux", "x86_64", None, "linux-x86_64-musl"),
    ("linux", "aarch64", ValueError, "linux-aarch64-musl"),   # no row: named by its tag, as its keys are
    ("darwin", "arm64", ValueError, "macos-arm64"),
    ("darwin", "x86_64", ValueError, "macos-x86_64"),
    ("win32", "AMD64", AttributeError, "windows-x86_64"),
]


@pytest.fixture
def fake_host(monkeypatch):
    """Makes this process report what another platform's Python reports."""
    def fake(system, machine, libc):
        monkeypatch.setattr(sys, "platform", system)
        monkeypatch.setattr(python_platform, "machine", lambda: machine)
        if libc is AttributeError:
            monkeypatch.delattr(os, "confstr")
        elif isinstance(libc, type):
            def refuse(name):
                raise libc(f"unrecognized configuration name {name!r}")
            monkeypatch.setattr(os, "confstr", refuse)
        else:
            monkeypatch.setattr(os, "confstr", lambda name: libc)
        platforms.host.cache_clear()
    yield fake
    platforms.host.cache_clear()


IDENT = ("graph", "a key's ident: what it is does not matter here")


@pytest.mark.parametrize("system, machine, libc, name", REPORTS)
def test_a_process_on_each_platform_computes_the_keys_warm_built_for_it(fake_host, system, machine, libc, name):
    target = platforms.PLATFORMS.get(name) or platforms.describe(system, machine, "musl")
    tier = "neon" if target.arch == "aarch64" else "avx2"
    warmed = Libraries(JitConfig(isa=tier, cache=False), build_only=True, target=target).key(IDENT)
    fake_host(system, machine, libc)
    assert platforms.host() == target
    assert keys.kernel_key(IDENT, tier, 2, False) == warmed
    assert target.library_suffix == {"darwin": ".dylib", "win32": ".dll"}.get(system, ".so")


@pytest.mark.parametrize("machine, arch", [("AMD64", "x86_64"), ("x86_64", "x86_64"), ("ARM64", "aarch64"),
                                           ("arm64", "aarch64"), ("aarch64", "aarch64"), ("riscv64", "riscv64")])
def test_every_os_s_name_of_an_architecture_is_isa_s(machine, arch):
    assert platforms.normalise_arch(machine) == arch


def test_a_platform_not_in_the_table_is_named_by_its_tag_and_zig_is_not_asked_to_guess():
    other = platforms.describe("freebsd14", "amd64", "libc")
    assert other.name == other.tag == "freebsd14-x86_64-libc" and other.library_suffix == ".so"
    with pytest.raises(ValueError, match="no zig target known"):
        other.zig_target()
    with pytest.raises(ValueError, match="unknown platform 'beos-x86_64'; known: linux-x86_64"):
        platforms.named("beos-x86_64")


def test_a_tier_of_another_architecture_is_refused_for_a_platform(tmp_path, capsys):
    mac = platforms.named("macos-arm64")
    with pytest.raises(rj.JitError, match="the avx2 tier is x86_64's; macos-arm64 runs aarch64"):
        Libraries(JitConfig(isa="avx2", cache_dir=str(tmp_path)), build_only=True, target=mac)
    with pytest.raises(rj.JitError, match="built here, not run"):
        Libraries(JitConfig(isa="scalar", cache_dir=str(tmp_path)), target=mac)
    assert cli.main(["warm", "--platform", "macos-arm64", "--isa", "avx2", "--cache-dir", str(tmp_path / "l")]) == 2
    assert "the avx2 tier is x86_64's, not macos-arm64's" in capsys.readouterr().err
    assert not (tmp_path / "l").exists()
    with pytest.raises(SystemExit):   # argparse: not one of the choices
        cli.main(["warm", "--platform", "beos-x86_64", "--cache-dir", str(tmp_path / "l")])
    # An entry's own tier of another architecture has no kernels there (a manifest for several)
    assert warm.tiers_for("auto", {"isa": "avx2"}, mac) == [] and warm.tiers_for("all", None, mac) == ["neon"]
    assert warm.tiers_for("auto", None, mac) == ["neon"]   # another machine's CPU is not known: every tier


# -- the libraries themselves: format, architecture, names, exports ----------------------------

def binary_format(data):
    """(format, machine) of a shared library's first bytes: ELF e_machine, Mach-O cputype, PE Machine."""
    if data[:4] == b"\x7fELF":
        return "elf", {0x3E: "x86_64", 0xB7: "aarch64"}.get(struct.unpack_from("<H", data, 18)[0])
    if data[:4] == b"\xcf\xfa\xed\xfe":
        return "macho", {0x01000007: "x86_64", 0x0100000C: "aarch64"}.get(struct.unpack_from("<I", data, 4)[0])
    if data[:2] == b"MZ":
        pe = struct.unpack_from("<I", data, 0x3C)[0]
        assert data[pe:pe + 4] == b"PE\0\0"
        return "pe", {0x8664: "x86_64", 0xAA64: "aarch64"}.get(struct.unpack_from("<H", data, pe + 4)[0])
    return None, None


FORMATS = {"linux": "elf", "darwin": "macho", "win32": "pe"}


def exported(path):
    """The names a shared library exports (Mach-O's leading underscore taken off)."""
    if path.suffix == ".dll":
        out = subprocess.run([LLVM_READOBJ, "--coff-exports", str(path)], capture_output=True, text=True, check=True).stdout
        return {line.split(":", 1)[1].strip() for line in out.splitlines() if line.strip().startswith("Name:")}
    flags = ["-D"] if path.suffix == ".so" else []
    out = subprocess.run([LLVM_NM, *flags, "--extern-only", "--defined-only", str(path)],
                         capture_output=True, text=True, check=True).stdout
    names = {line.split()[-1] for line in out.splitlines() if line.split()[1:2] == ["T"]}
    return {n[1:] if path.suffix == ".dylib" else n for n in names}


MANIFEST = [{"kind": "affine_simd", "a": 0.640625, "b": -3.5},   # a kernel no other test loads first
            {"kind": "audio", "node": "Biquad.lowpass", "args": [800.0]},
            {"kind": "vsa", "op": "dot", "dim": 64}]
EXPORTS = {"affine_simd": {"rj_entry"}, "audio": {"rj_entry", "rj_state_size", "rj_state_lanes", "rj_state_init"},
           "vsa": {"rj_entry"}}


@pytest.fixture(scope="module")
def every_platform_layer(tmp_path_factory):
    """MANIFEST warmed for every platform of the table (their every tier) into one layer."""
    layer = tmp_path_factory.mktemp("platforms") / "layer"
    report = warm.warm(MANIFEST, layer, jobs=2, progress=False, platforms=["all"])
    assert report.ok(), [r for r in report.results if r[3] == "failed"]
    return layer, report


@needs_zig
def test_warm_builds_each_platform_s_libraries_in_its_format_name_and_tiers(every_platform_layer):
    layer, report = every_platform_layer
    built = {}
    for meta_path in (layer / "kernels").rglob("*.json"):
        meta = json.loads(meta_path.read_text())
        target = platforms.named(meta["platform"])
        library = meta_path.with_suffix(target.library_suffix)
        assert binary_format(library.read_bytes()) == (FORMATS[target.system], target.arch), library
        if target.name not in (platforms.host().name, "linux-aarch64"):   # that one: aarch64-linux-gnu-gcc first
            assert meta["compiler_family"] == "zig"
        built.setdefault(target.name, set()).add(meta["isa"])
    for target in platforms.PLATFORMS.values():   # each platform, with every tier of its architecture
        assert set(warm.tiers_for("auto", None, target)) <= built[target.name], target.name
    assert {r[1] for r in report.results} == set(platforms.PLATFORMS)
    assert not (layer / "zig").exists()   # a layer holds kernels: zig's caches stay in the user's cache


@needs_zig
@pytest.mark.skipif(not (LLVM_NM and LLVM_READOBJ) and not IN_CI, reason="LLVM's nm and readobj read the exports")
def test_each_library_exports_what_the_dispatcher_looks_up_and_nothing_else(every_platform_layer):
    layer, _ = every_platform_layer
    seen = set()
    for entry in MANIFEST:
        kind_exports = EXPORTS[entry["kind"]]
        for target in platforms.PLATFORMS.values():
            tier = warm.tiers_for("auto", None, target)[-1]
            (ident, _), = warm.KINDS[entry["kind"]].requests(**warm._params(entry))
            key = Libraries(JitConfig(isa=tier, cache=False), build_only=True, target=target).key(ident)
            library = layer / "kernels" / key[:2] / f"{key}{target.library_suffix}"
            assert exported(library) == kind_exports, (target.name, entry)
            seen.add(target.name)
    assert seen == set(platforms.PLATFORMS)


@needs_zig
def test_this_host_loads_its_own_kernels_from_a_layer_of_every_platform(every_platform_layer, monkeypatch):
    layer, _ = every_platform_layer
    monkeypatch.setenv("RESIN_JIT_PREBUILT", str(layer))
    jit = rj.JitCompiler(rj.JitConfig(cache=False))
    kernel = jit.compile_affine_simd(0.640625, -3.5)
    x = np.linspace(-3, 3, 37, dtype=np.float32)
    assert_affine_close(kernel(x), x, 0.640625, -3.5)   # one fma where the tier has it
    assert jit.stats["prebuilt_hits"] == 1 and jit.stats["compiles"] == 0
    entries = KernelCache(layer).entries()   # listing sees every platform's entries
    assert {e.meta["platform"] for e in entries} == set(platforms.PLATFORMS)
    assert all(e.size > 0 for e in entries)
