"""Prints PATH without the folders that hold a C compiler resin_jit would pick before zig (cc, gcc,
clang): pyproject.toml's [tool.cibuildwheel.windows] environment, so that a Windows wheel's
prebuilt layer is built by the ziglang package's zig (a build requirement there) whatever the
runner has on PATH (GitHub's Windows images carry MinGW's and Strawberry Perl's gcc). MSVC is not
on PATH and is found by setuptools itself: it builds the dispatcher extension."""
import os
import shutil

COMPILERS = ("cc", "gcc", "clang")


def has_compiler(folder):
    return any(shutil.which(name, path=folder) for name in COMPILERS)


if __name__ == "__main__":
    folders = os.environ.get("PATH", "").split(os.pathsep)
    print(os.pathsep.join(folder for folder in folders if folder and not has_compiler(folder)))
