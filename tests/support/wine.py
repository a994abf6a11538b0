"""Windows x86-64 on this machine: programs cross-built for it and run under wine (Debian's wine64).

Kernels are compiled for x86_64-windows-gnu as resin_jit builds a kernel (its compiler family's
flags, toolchain/compilers.py; the tier's; -O2; no contraction) by zig cc, which `resin-jit warm`
cross-builds Windows layers with, and by MinGW-w64's gcc, a compiler a Windows user may have.
MinGW-w64 links them (into one program with tests/c/call_harness.c, or each into a DLL): zig's own
link of a Windows program first builds zig's MinGW C library, ~80 s, once per zig cache.

Wine runs in a prefix of the caller's (a folder it creates, ~650 MB), with one wineserver kept
up between runs: its start is the slow part (~1 s; the prefix's creation ~5 s)."""
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from resin_jit.codegen.resources import csrc_dir
from resin_jit.toolchain import compilers, isa, platforms
from resin_jit.toolchain.build import CONTRACT_FLAG

from . import zig_binary

WINE = shutil.which("wine") or shutil.which("wine64")
WINESERVER = shutil.which("wineserver")
MINGW_CC = shutil.which("x86_64-w64-mingw32-gcc")
MINGW_OBJCOPY = shutil.which("x86_64-w64-mingw32-objcopy")
MINGW_OBJDUMP = shutil.which("x86_64-w64-mingw32-objdump")
ZIG = zig_binary()
MISSING = [name for name, found in (("wine (apt-get install wine wine64)", WINE and WINESERVER),
                                    ("x86_64-w64-mingw32-gcc (apt-get install gcc-mingw-w64-x86-64-win32)",
                                     MINGW_CC and MINGW_OBJCOPY and MINGW_OBJDUMP),
                                    ("zig (pip install ziglang)", ZIG)) if not found]
if MISSING and os.environ.get("CI"):
    raise RuntimeError("CI must provide what runs Windows programs here (.ci/run installs it): missing "
                       + ", ".join(MISSING))
needs_wine = pytest.mark.skipif(bool(MISSING), reason="needs " + ", ".join(MISSING))

HARNESSES = Path(__file__).resolve().parent.parent / "c"
# The symbols a kernel defines for its caller; each gets a suffix where many kernels share a program.
KERNEL_SYMBOLS = ("rj_entry", "rj_scalar", "rj_state_size", "rj_state_lanes", "rj_state_init")
COMPILERS = ("zig", "mingw-gcc")


def kernel_command(compiler, tier, opt_level=2):
    """The command that compiles a kernel of `tier` for Windows x86-64 to an object (-c, -o follow)."""
    family = compilers.family("zig" if compiler == "zig" else "gcc")
    program = [ZIG, "cc"] if compiler == "zig" else [MINGW_CC]
    return [*program, f"-O{opt_level}", *family.compile_flags(), *family.target_flags(platforms.named("windows-x86_64")),
            CONTRACT_FLAG, *isa.compile_flags(tier), "-I", str(csrc_dir()), "-c"]


def run_checked(command, **kwargs):
    """subprocess.run that fails with the command's output in the message."""
    proc = subprocess.run(command, capture_output=True, text=True, timeout=600, **kwargs)
    assert proc.returncode == 0, f"{' '.join(map(str, command))} failed:\n{proc.stdout}{proc.stderr}"
    return proc


def compile_kernel(source, compiler, tier, obj):
    """`source` (a kernel's C) compiled for Windows into the object `obj` (written beside it as .c)."""
    c_file = Path(obj).with_suffix(".c")
    c_file.write_text(source)
    env = {**os.environ, **compilers.zig_cache_env(Path(obj).parent / "zig-cache")} if compiler == "zig" else None
    run_checked([*kernel_command(compiler, tier), str(c_file), "-o", str(obj)], env=env)
    return obj


def renamed(obj, n):
    """A copy of the kernel object `obj` whose symbols end in _n, to link beside other kernels, and
    without its linker directives (.drectve: the exports RJ_EXPORT asks for, under the old names)."""
    out = Path(obj).with_name(f"{Path(obj).stem}_{n}.o")
    run_checked([MINGW_OBJCOPY, "--remove-section=.drectve", *(f"--redefine-sym={s}={s}_{n}" for s in KERNEL_SYMBOLS),
                 str(obj), str(out)])
    return out


def link_harness(objects, stateful, workdir, name):
    """tests/c/call_harness.c linked with the kernel objects (each renamed), the program's path;
    `stateful` says which kernels keep state."""
    workdir = Path(workdir)
    (workdir / "call_entries.h").write_text(
        "#define RJ_ENTRIES(X) " + " ".join(f"X({n})" for n in range(len(objects))) + "\n"
        "#define RJ_STATEFUL(X) " + " ".join(f"X({n})" for n, s in enumerate(stateful) if s) + "\n")
    exe = workdir / f"{name}.exe"
    run_checked([MINGW_CC, "-O2", "-std=gnu11", "-Wall", "-Werror", "-DRJ_LINKED_ENTRIES", "-I", str(csrc_dir()),
                 "-I", str(workdir), str(HARNESSES / "call_harness.c"),
                 *(str(renamed(obj, n)) for n, obj in enumerate(objects)), "-o", str(exe)])
    return exe


def link_loader(workdir, name="call_loader"):
    """tests/c/call_harness.c as a program that loads kernel DLLs named on its command line."""
    exe = Path(workdir) / f"{name}.exe"
    run_checked([MINGW_CC, "-O2", "-std=gnu11", "-Wall", "-Werror", "-I", str(csrc_dir()),
                 str(HARNESSES / "call_harness.c"), "-o", str(exe)])
    return exe


def link_dll(obj, dll):
    """The kernel object linked into a DLL that exports only what the source marks RJ_EXPORT:
    --exclude-all-symbols turns off MinGW's exporting of every global when none is marked, so an
    unmarked entry is not found. libgcc is linked in, as zig links its compiler_rt."""
    run_checked([MINGW_CC, "-shared", "-static-libgcc", "-Wl,--exclude-all-symbols", str(obj), "-o", str(dll)])
    return dll


def exports(dll):
    """The names a DLL's export table lists."""
    text = run_checked([MINGW_OBJDUMP, "-p", str(dll)]).stdout
    table = text.split("[Ordinal/Name Pointer] Table", 1)[1] if "[Ordinal/Name Pointer] Table" in text else ""
    return sorted(re.findall(r"^\s*\[\s*\d+\]\s+(\S+)\s*$", table, re.M))


class Wine:
    """Windows programs run under wine in the prefix `folder`/prefix (made on the first run), with
    its wineserver kept up between runs until close(), which stops that server and removes the prefix."""

    def __init__(self, folder):
        self.prefix = Path(folder) / "prefix"
        # no debug channels; no offer to install Mono or Gecko; no display to open windows on
        self.env = {**os.environ, "WINEPREFIX": str(self.prefix), "WINEDEBUG": "-all",
                    "WINEDLLOVERRIDES": "mscoree,mshtml=", "DISPLAY": ""}
        self._server = False

    def run(self, exe, *args, payload=b"", timeout=300):
        """`exe` run under wine in its own folder with `payload` on stdin: the CompletedProcess
        (stdout and stderr as bytes). Through files, not pipes: the services wine starts (once
        per prefix) would inherit a pipe and hold it open after the program ends."""
        if not self._server:   # one server for every run (it needs the folder); the first run fills the prefix
            self.prefix.mkdir(parents=True, exist_ok=True)   # the server stays 2 minutes after the last run
            subprocess.run([WINESERVER, "-p120"], env=self.env, check=True, timeout=60)   # (close() ends it)
            self._server = True
        streams = [self.prefix.parent / name for name in ("stdin", "stdout", "stderr")]
        streams[0].write_bytes(payload)
        with open(streams[0], "rb") as stdin, open(streams[1], "wb") as stdout, open(streams[2], "wb") as stderr:
            proc = subprocess.run([WINE, str(exe), *map(str, args)], stdin=stdin, stdout=stdout, stderr=stderr,
                                  timeout=timeout, env=self.env, cwd=Path(exe).parent)
        return subprocess.CompletedProcess(proc.args, proc.returncode, streams[1].read_bytes(), streams[2].read_bytes())

    def close(self):
        if self._server:   # this prefix's server and the programs it runs, no other
            subprocess.run([WINESERVER, "-k"], env=self.env, timeout=60)
        shutil.rmtree(self.prefix, ignore_errors=True)
        for name in ("stdin", "stdout", "stderr"):
            (self.prefix.parent / name).unlink(missing_ok=True)
