"""Issue 14.6: the documentation a Python user expects. Every public name and method has a
docstring, help() on a kernel shows how to call it, the examples in docstrings run, the package
is typed, and the licence file matches the metadata."""
import doctest
import importlib
import inspect
import pkgutil
import pydoc
import tomllib
from importlib import resources
from pathlib import Path

import pytest

import resin_jit as rj

ROOT = Path(__file__).resolve().parent.parent
PUBLIC_MODULES = ["resin_jit", "resin_jit.audio", "resin_jit.vsa", "resin_jit.dask"]


def public_names():
    for module_name in PUBLIC_MODULES:
        module = importlib.import_module(module_name)
        for name in module.__all__:
            yield f"{module_name}.{name}", getattr(module, name)


def public_members(cls):
    """(name, object) of a class's public methods and properties, its own and those it inherits
    from resin_jit classes (not object's, Enum's or Protocol's)."""
    for klass in cls.__mro__:
        if not klass.__module__.startswith("resin_jit"):
            continue
        for name, value in vars(klass).items():
            if name.startswith("_"):
                continue
            if isinstance(value, (classmethod, staticmethod)):
                value = value.__func__
            if isinstance(value, property) or inspect.isfunction(value):
                yield name, getattr(cls, name) if not isinstance(value, property) else value


def test_every_public_name_and_method_has_a_docstring():
    missing = []
    for qualname, obj in public_names():
        if not inspect.getdoc(obj):
            missing.append(qualname)
        if inspect.isclass(obj):
            missing += [f"{qualname}.{name}" for name, member in public_members(obj)
                        if not (member.__doc__ if isinstance(member, property) else inspect.getdoc(member))]
    assert not missing, f"no docstring: {', '.join(sorted(set(missing)))}"


def test_help_on_a_kernel_says_how_to_call_it():
    text = pydoc.render_doc(rj.Kernel, renderer=pydoc.plaintext)
    for name in ("process", "input_names", "dtype", "params", "reset", "n_outputs"):
        assert name in text, name
    kernel_help = pydoc.render_doc(rj.JitCompiler().compile(rj.input("x") * 2.0), renderer=pydoc.plaintext)
    assert "process" in kernel_help and "input_names" in kernel_help


def package_modules():
    """Every module of the package but the benchmarks (which import their peers) and __main__."""
    for info in pkgutil.walk_packages(rj.__path__, "resin_jit."):
        if not info.name.startswith("resin_jit.benchmarks") and info.name != "resin_jit.__main__":
            yield info.name


@pytest.mark.parametrize("module_name", sorted(package_modules()))
def test_the_examples_in_docstrings_run(module_name):
    module = importlib.import_module(module_name)
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    assert result.failed == 0, f"{result.failed} of {result.attempted} doctest examples of {module_name} failed"


def test_docstring_examples_exist_where_they_help():
    counted = {name: doctest.testmod(importlib.import_module(name), report=False).attempted
               for name in ("resin_jit.compiler", "resin_jit.front.graph", "resin_jit.front.reductions", "resin_jit.vsa.vectors")}
    assert all(counted.values()), counted


def test_the_package_is_typed_and_its_entry_points_are_annotated():
    assert resources.files("resin_jit").joinpath("py.typed").is_file()
    for name in ("compile", "compile_affine", "compile_affine_simd", "source_of"):
        assert inspect.signature(getattr(rj.JitCompiler, name)).return_annotation is not inspect.Signature.empty, name
    for fn in (rj.input, rj.param, rj.host_info, rj.sum, rj.mean):
        assert inspect.signature(fn).return_annotation is not inspect.Signature.empty, fn.__name__


def test_the_licence_file_matches_the_metadata():
    meta = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    licence = (ROOT / "LICENSE").read_text()
    assert meta["license"] == "MIT" and licence.startswith("MIT License")
    assert "LICENSE" in meta["license-files"]
