"""Builds resin_jit._dispatch, the small CPython extension every kernel call goes through,
and ships csrc/ and templates/ inside the package for non-editable installs.

The extension is optional: without a C compiler the package installs anyway and runs on its
numpy backend (or builds the extension later, at run time, into the kernel cache).
"""
import shutil
from pathlib import Path

from setuptools import Extension, setup
from setuptools.command.build_py import build_py

HERE = Path(__file__).parent


class BuildPyWithCSources(build_py):
    def run(self):
        super().run()
        for folder in ("csrc", "templates"):
            target = Path(self.build_lib) / "resin_jit" / folder
            shutil.rmtree(target, ignore_errors=True)
            shutil.copytree(HERE / folder, target)


setup(
    cmdclass={"build_py": BuildPyWithCSources},
    ext_modules=[
        Extension(
            "resin_jit._dispatch",
            sources=["csrc/dispatch.c", "csrc/dispatch_args.c", "csrc/dispatch_kernel.c"],
            depends=["csrc/dispatch.h", "csrc/rj_abi.h"],
            include_dirs=["csrc"],
            extra_compile_args=["-O2", "-Wall", "-Wshadow"],
            optional=True,
        )
    ],
)
