"""Issue 19, item 1: the compiler families' table (resin_jit/toolchain/compilers.py). A family is
recognised from the command and `--version`, remembered in the toolchain memo with the version,
recorded in an entry's metadata, and decides the flags: each compiler builds with no warning about
them, for exactly the CPU its tier says (zig's clang would build for this machine's), and with no
sanitizer. Bit-identical results across compilers: tests/test_compilers.py."""
import json
import shutil
import subprocess

import pytest

import resin_jit as rj
from resin_jit.store import memo
from resin_jit.toolchain import build, compilers, host, platforms

from support import NATIVE, TIERS, zig_binary

GCC_TEXT = "gcc (Debian 12.2.0-14+deb12u1) 12.2.0\nCopyright (C) 2022 Free Software Foundation, Inc.\n"


@pytest.mark.parametrize("command, text, family", [
    (("/usr/bin/x86_64-linux-gnu-gcc-12",), GCC_TEXT, "gcc"),
    (("/usr/bin/cc",), GCC_TEXT.replace("gcc (", "cc ("), "gcc"),          # named cc: the copyright says
    (("/opt/bin/gcc",), "gcc (GCC) 13.2.1 20230801\n", "gcc"),
    (("/usr/bin/clang",), "Debian clang version 14.0.6\nTarget: x86_64-pc-linux-gnu\n", "clang"),
    (("/opt/homebrew/bin/clang",), "Homebrew clang version 17.0.6\n", "clang"),
    (("/usr/bin/gcc",), "Apple clang version 15.0.0 (clang-1500.1.0.2.5)\nTarget: arm64-apple-darwin23\n",
     "apple-clang"),                                                       # macOS's gcc is Apple's clang
    (("/x/site-packages/ziglang/zig", "cc"), "clang version 22.1.8\nTarget: x86_64-unknown-linux-gnu\n", "zig"),
    (("/usr/bin/tcc",), "tcc version 0.9.27 (x86_64 Linux)\n", "cc"),
    (("/usr/bin/aarch64-linux-gnu-gcc",), "cross", "gcc"),                # the name, where the text says neither
])
def test_a_family_is_recognised_from_the_command_and_version_text(command, text, family):
    assert compilers.recognise(command, text).name == family


def test_each_family_has_its_own_error_flag_and_a_toolchain_checks_its_family():
    linux, mac = platforms.named("linux-x86_64"), platforms.named("macos-arm64")
    assert "-Werror=builtin-declaration-mismatch" in compilers.FAMILIES["gcc"].flags(linux)
    for name in ("clang", "apple-clang", "zig"):
        flags = compilers.FAMILIES[name].flags(linux)
        assert "-Werror=incompatible-library-redeclaration" in flags and "-Werror=builtin-declaration-mismatch" not in flags
    assert "-Wl,-z,defs" in compilers.FAMILIES["gcc"].flags(linux)
    assert "-Wl,-z,defs" not in compilers.FAMILIES["apple-clang"].flags(mac)   # Apple's ld: no -z
    assert "-target" not in compilers.FAMILIES["clang"].flags(linux)
    assert build.Toolchain("/usr/bin/clang", "Debian clang version 14.0.6").family == "clang"
    assert build.Toolchain("/opt/zig", "clang version 22.1.8", "zig").command == ("/opt/zig", "cc")
    with pytest.raises(ValueError, match="unknown compiler family 'icc'"):
        build.Toolchain("/opt/icc", "icc 2021", "icc")


@pytest.mark.parametrize("name, target", [
    ("linux-x86_64", "x86_64-linux-gnu.2.17"), ("linux-x86_64-musl", "x86_64-linux-musl"),
    ("macos-arm64", "aarch64-macos.11.0"), ("macos-x86_64", "x86_64-macos.11.0"),
    ("windows-x86_64", "x86_64-windows-gnu"),
])
def test_zig_is_told_its_target_for_the_kernel_s_architecture_and_platform(name, target):
    """Told no target, zig builds for this CPU and asks the system's cc four times a build where its
    C library is; told one, it links against the stubs it carries (glibc 2.17's symbols: every
    manylinux2014 system; macOS 11, the first on Apple Silicon)."""
    flags = compilers.ZIG.flags(platforms.named(name))
    assert flags[flags.index("-target") + 1] == target and "-mcpu=baseline" in flags and "-g0" in flags
    assert ("-s" in flags) == name.startswith("windows")   # no .pdb beside a DLL
    with pytest.raises(ValueError, match="no zig target known for the platform 'sunos5-x86_64-libc'"):
        platforms.describe("sunos5", "x86_64", "libc").zig_target()


@pytest.fixture
def fake_zig(tmp_path):
    """A program called zig whose `cc` runs gcc and whose `version` says 0.0.0-fake."""
    if shutil.which("gcc") is None:
        pytest.skip("gcc is not installed")
    zig = tmp_path / "bin" / "zig"
    zig.parent.mkdir()
    zig.write_text('#!/bin/sh\nif [ "$1" = version ]; then echo 0.0.0-fake; exit 0; fi\nshift\nexec gcc "$@"\n')
    zig.chmod(0o755)
    return zig


def test_cc_may_be_a_command_and_zig_alone_means_zig_cc(fake_zig, monkeypatch):
    monkeypatch.setenv("PATH", f"{fake_zig.parent}:/usr/bin:/bin")
    assert host.find_compiler_command(f"{fake_zig} cc") == (str(fake_zig), "cc")
    assert host.find_compiler_command("zig cc") == (str(fake_zig), "cc")
    assert host.find_compiler_command(str(fake_zig)) == (str(fake_zig), "cc")
    monkeypatch.setenv("CC", "zig cc")
    assert host.find_compiler_command() == (str(fake_zig), "cc")
    monkeypatch.setenv("CC", "'unbalanced")          # no compiler by that name: the next candidate
    assert host.find_compiler_command() not in (None, ("'unbalanced",))
    assert host.find_compiler_command("no-such-compiler cc") is None   # given: the only one tried
    toolchain = build.find_toolchain(f"{fake_zig} cc")
    assert (toolchain.family, toolchain.args) == ("zig", ("cc",))
    assert toolchain.version.startswith("zig 0.0.0-fake (") and "12." in toolchain.version


def test_the_memo_remembers_the_family_and_is_read_only_in_its_own_form(fake_zig, tmp_path, monkeypatch):
    (tmp_path / "cache").mkdir(mode=0o700)
    toolchains = memo.memo(tmp_path / "cache", "toolchains")
    first = build.find_toolchain(str(fake_zig), toolchains)
    (value,) = json.loads(toolchains.path.read_text()).values()
    assert value == f"zig\n{first.version}"

    def no_version(command):
        raise AssertionError("ran --version although the memo knew it")
    monkeypatch.setattr(host, "compiler_identity", no_version)
    assert build.find_toolchain(str(fake_zig), toolchains) == first      # from the memo: family too
    (key,) = json.loads(toolchains.path.read_text())
    toolchains.put(key, "gcc (Debian 12.2.0) 12.2.0")                     # an older memo's form: no family
    monkeypatch.setattr(host, "compiler_identity", lambda command: ("zig", "again"))
    assert build.find_toolchain(str(fake_zig), toolchains).version == "again"


# -- with the real compilers -------------------------------------------------------------------

def real_compilers():
    found = {"gcc": shutil.which("gcc"), "clang": shutil.which("clang"), "zig": zig_binary()}
    return [pytest.param(cc, marks=pytest.mark.skipif(found[family] is None, reason=f"{family} is not installed"),
                         id=family) for family, cc in found.items()]


# What each x86 tier may define: the macros of the tiers above it must stay undefined.
TIER_MACROS = {"scalar": ("__SSE3__", "__AVX__"), "sse2": ("__SSE3__", "__SSE4_1__", "__AVX__"),
               "sse4.1": ("__AVX__", "__FMA__"), "avx2": ("__AVX512F__",), "avx512": ()}



@pytest.mark.skipif(not NATIVE, reason="no C compiler on this machine: native path untestable")
@pytest.mark.parametrize("cc", real_compilers())
@pytest.mark.parametrize("tier", [t for t in TIERS if t in TIER_MACROS])
def test_each_compiler_builds_for_its_tier_only_and_with_no_warning(cc, tier, tmp_path):
    """The family's flags are the compiler's own (an unknown option is a warning on every build)
    and select the tier's CPU, not this machine's: a scalar kernel built here runs on any x86-64."""
    toolchain = build.find_toolchain(cc)
    forbidden = "\n".join(f"#if defined({m})\n#error {m} is defined on {tier}\n#endif" for m in TIER_MACROS[tier])
    source = f'{forbidden}\n#include "rj_abi.h"\nRJ_EXPORT int rj_entry(rj_call *c) {{ (void)c; return 0; }}\n'
    (tmp_path / "probe.c").write_text(source)
    command = [*toolchain.command, *toolchain.flags(tier, 0), "-I", str(build.csrc_dir()), "-o",
               str(tmp_path / "probe.so"), str(tmp_path / "probe.c"), *build.LINK_LIBRARIES]
    proc = subprocess.run(command, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0 and not proc.stderr.strip(), proc.stderr
    assert b"__ubsan" not in (tmp_path / "probe.so").read_bytes()   # zig cc's -O0 default: instrumented


@pytest.mark.skipif(not NATIVE, reason="no C compiler on this machine: native path untestable")
def test_an_entry_records_its_compiler_s_family_and_host_info_names_it(tmp_path):
    jit = rj.JitCompiler(rj.JitConfig(cache_dir=tmp_path, isa="scalar"))
    jit.compile_affine_simd(1.5, -2.0)
    (meta,) = (tmp_path / "kernels").rglob("*.json")
    assert json.loads(meta.read_text())["compiler_family"] == jit.libraries.toolchain.family
    info = rj.host_info()
    assert info["compiler_family"] in compilers.FAMILIES and info["compiler_command"][0] == info["compiler"]
