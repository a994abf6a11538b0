"""Issue 18: the layout shows the pipeline. One folder per stage; each stage imports only the
stages before it (front → codegen → toolchain → store → runtime), the entry points at the top
import any; no module over 450 lines; the top of the package holds the entry points and the
stage folders."""
import ast
import pathlib

import resin_jit

PACKAGE = pathlib.Path(resin_jit.__file__).resolve().parent   # the sources, not an editable install's links
STAGES = ("front", "codegen", "toolchain", "store", "runtime")   # in pipeline order
TOP = {"__init__.py", "__main__.py", "compiler.py", "config.py", "cli.py", "demo.py", "dask.py", "warm.py",
       "bounded_json.py", "manifest_fields.py", "graph_entry.py", "record.py"}
LIMIT = 450


def modules():
    return sorted(p for p in PACKAGE.rglob("*.py") if "__pycache__" not in p.parts)


def stage_of(module_path):
    """The stage of a module ("front", ...), or None for the top and for audio/ and vsa/."""
    parts = module_path.relative_to(PACKAGE).parts
    return parts[0] if len(parts) > 1 and parts[0] in STAGES else None


def imported_modules(path):
    """What in the package `path` imports, in every spelling (import resin_jit.a.b, from resin_jit
    import a, from resin_jit.a import b, from . import a, from ..a import b), as name lists from
    the package down (["codegen", "assemble"]; ["JitError"] for a name of the package itself)."""
    tree = ast.parse(path.read_text())
    here = list(path.relative_to(PACKAGE).parent.parts)
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [alias.name.split(".")[1:] for alias in node.names if alias.name.split(".")[0] == "resin_jit"]
        elif isinstance(node, ast.ImportFrom):
            module = node.module.split(".") if node.module else []
            if node.level:
                base = here[:len(here) - (node.level - 1)] + module
            elif module and module[0] == "resin_jit":
                base = module[1:]
            else:
                continue
            found += [base + [alias.name] for alias in node.names]
    return [target for target in found if target]


def test_each_stage_imports_only_the_stages_before_it():
    """Whatever is not a stage (the top's modules and names, audio/, vsa/) is above every stage."""
    wrong = []
    for path in modules():
        stage = stage_of(path)
        if stage is None:
            continue
        for target in imported_modules(path):
            if target[0] not in STAGES or STAGES.index(target[0]) > STAGES.index(stage):
                wrong.append(f"{path.relative_to(PACKAGE)} imports {'.'.join(target)}")
    assert not wrong, "\n".join(wrong)


def test_the_runtime_does_not_import_the_code_generator():
    for path in (PACKAGE / "runtime").glob("*.py"):
        assert not [t for t in imported_modules(path) if t[0] == "codegen"], path


def test_no_module_is_over_the_limit():
    long = {str(p.relative_to(PACKAGE)): n for p in modules() if (n := len(p.read_text().splitlines())) > LIMIT}
    assert not long, long


def test_the_top_holds_the_entry_points_and_the_stage_folders():
    assert {p.name for p in PACKAGE.glob("*.py")} == TOP
    folders = {p.name for p in PACKAGE.iterdir() if p.is_dir() and (p / "__init__.py").exists()}
    assert folders == set(STAGES) | {"audio", "vsa"}
