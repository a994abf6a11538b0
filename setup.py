"""Builds resin_jit.runtime._dispatch, the CPython extension every kernel call goes through, and, for a
wheel, ships csrc/ and templates/ inside the package with a prebuilt layer warmed for every ISA
tier of the platform (resin_jit/prebuilt/), so that a machine with no C compiler still runs the
built-in manifest's kernels natively. benchmarks/ installs as resin_jit.benchmarks.

The extension is optional: without a C compiler the package installs anyway and runs on its numpy
backend (install again with a compiler present, or from a wheel, to get the extension). It is
standard C11 (tests/test_dispatch_standard_c.py), so MSVC builds it for a Windows wheel; the
kernels of the prebuilt layer are GNU C and need gcc, clang or zig (pyproject.toml's
[tool.cibuildwheel] brings zig on Windows).

`pip install -e .` makes setuptools' strict editable install (its documented `editable_mode=strict`,
the default here): a tree of links to the sources under build/__editable__.*, put on the path by a
static .pth file, which type checkers (mypy, pyright) follow; setuptools' other mode for this
layout is an import hook they cannot see through. A new module needs `pip install -e .` again
(`--config-settings editable_mode=lenient` gives the import hook instead).
"""
import os
import shutil
import subprocess
import sys
from pathlib import Path

from setuptools import Extension, find_packages, setup
from setuptools.command.build_ext import build_ext
from setuptools.command.build_py import build_py

HERE = Path(__file__).parent
# The dispatcher's compile flags by the compiler's family (distutils' compiler_type): MSVC spells
# them its own way; gcc, clang and mingw take the GNU spelling.
DISPATCH_FLAGS = {"msvc": ["/O2", "/W3", "/std:c11"]}
GNU_DISPATCH_FLAGS = ["-O2", "-Wall", "-Wshadow"]


class BuildExtPerCompiler(build_ext):
    """The extension with flags its compiler understands (MSVC's are file names to gcc)."""

    def build_extensions(self):
        flags = DISPATCH_FLAGS.get(self.compiler.compiler_type, GNU_DISPATCH_FLAGS)
        for extension in self.extensions:
            extension.extra_compile_args = list(flags)
        super().build_extensions()


class BuildPyWithKernels(build_py):
    """The package, plus csrc/ and templates/ and, for a wheel, the warmed prebuilt layer."""

    def run(self):
        super().run()
        if getattr(self, "editable_mode", False):   # a source tree finds them beside the package
            return
        package = Path(self.build_lib) / "resin_jit"
        for folder in ("csrc", "templates"):
            shutil.rmtree(package / folder, ignore_errors=True)
            shutil.copytree(HERE / folder, package / folder)
        self._write_fingerprint(package)
        self._warm(package / "prebuilt")

    @staticmethod
    def _build_tree_env(package):
        """The build tree first; what pip put on the path of an isolated build (numpy, cffi) after it."""
        path = os.pathsep.join(p for p in (str(package.parent), os.environ.get("PYTHONPATH")) if p)
        return {**os.environ, "PYTHONPATH": path, "RESIN_JIT_PREBUILT": ""}

    def _write_fingerprint(self, package):
        """The digest of the files that shape kernels, as they ship (keys.shipped_fingerprint): an
        installed package's processes read it instead of hashing or statting every file."""
        target = package / "codegen_fingerprint"
        target.unlink(missing_ok=True)
        proc = subprocess.run([sys.executable, "-c", "from resin_jit.store import keys; print(keys.computed_fingerprint())"],
                              env=self._build_tree_env(package), capture_output=True, text=True)
        if proc.returncode == 0:
            target.write_text(proc.stdout.strip() + "\n")
        else:
            print(f"warning: no shipped fingerprint (keys are computed at run time): {proc.stderr}", file=sys.stderr)

    def _warm(self, layer):
        """`resin-jit warm --isa all` of the built-in manifest into the package being built (run
        from the build tree, so the keys are those of exactly the code that ships)."""
        if os.environ.get("RESIN_JIT_NO_PREBUILT") == "1":
            return
        shutil.rmtree(layer, ignore_errors=True)
        proc = subprocess.run([sys.executable, "-m", "resin_jit", "warm", "--isa", "all", "--cache-dir", str(layer),
                               "--quiet"], env=self._build_tree_env(layer.parent), capture_output=True, text=True)
        print(proc.stdout + proc.stderr)
        if proc.returncode != 0:
            shutil.rmtree(layer, ignore_errors=True)
            print("warning: no prebuilt layer in this build (resin-jit warm failed; see above)", file=sys.stderr)


setup(
    options={"editable_wheel": {"mode": "strict"}},   # a static path type checkers follow (docstring)
    cmdclass={"build_py": BuildPyWithKernels, "build_ext": BuildExtPerCompiler},
    packages=[*find_packages(include=["resin_jit", "resin_jit.*"]), "resin_jit.benchmarks"],
    package_dir={"resin_jit.benchmarks": "benchmarks"},
    package_data={"resin_jit": ["py.typed", "demo_manifest.json"]},
    ext_modules=[
        Extension(
            "resin_jit.runtime._dispatch",
            sources=["csrc/dispatch.c", "csrc/dispatch_args.c", "csrc/dispatch_kernel.c", "csrc/dispatch_request.c",
                     "csrc/dispatch_lock.c", "csrc/dispatch_bind.c", "csrc/dispatch_cpu.c"],
            depends=["csrc/dispatch.h", "csrc/dispatch_kernel.h", "csrc/rj_abi.h"],
            include_dirs=["csrc"],   # compile flags: BuildExtPerCompiler
            optional=True,
        )
    ],
)
