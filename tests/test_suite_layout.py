"""The test suite's own rules (issue 18). A test file imports no other test file: what tests share
is in tests/support/, pytest's fixtures in conftest.py. A resin_jit module goes by its own name, not
by one another module has or had before the stage folders. A file the tests name by its path (in a
comment, a docstring or code) is there, so a file that moved is not cited at its old place."""
import ast
import pkgutil
import re
from pathlib import Path

import resin_jit

TESTS = Path(__file__).resolve().parent
ROOT = TESTS.parent
SOURCES = sorted(TESTS.glob("*.py")) + sorted((TESTS / "support").glob("*.py"))
# the modules the stage folders renamed (issue 18), by their former names
FORMER_NAMES = {"cache": "store/disk.py", "cachefs": "store/fs.py", "cacheentries": "store/entries.py",
                "fallback": "runtime/numpy_backend.py", "mathops": "front/functions.py",
                "external": "front/externals.py", "threads": "runtime/parallel.py"}
# a path with at least one folder, ending in a Python or C file name
PATH = re.compile(r"(?<![\w/.])((?:[A-Za-z_][\w.]*/)+[\w.-]+\.(?:py|c|h))\b")


def imports(path):
    """(full name, alias) of everything the file imports, anywhere in it."""
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            yield from ((a.name, a.asname) for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            prefix = "." * node.level + (f"{node.module}." if node.module else "")
            yield from ((prefix + a.name, a.asname) for a in node.names)


def test_no_test_file_imports_another_or_conftest():
    test_modules = {p.stem for p in TESTS.glob("test_*.py")} | {"conftest"}
    found = [f"{path.name} imports {name}" for path in SOURCES for name, _ in imports(path)
             if name.split(".")[0] in test_modules]
    assert not found, found


def test_resin_jit_modules_are_imported_under_their_own_names():
    modules = {info.name for info in pkgutil.walk_packages(resin_jit.__path__, "resin_jit.")}
    names = {m.rsplit(".", 1)[-1] for m in modules} | set(FORMER_NAMES)
    found = [f"{path.name}: {name} as {alias}" for path in SOURCES for name, alias in imports(path)
             if name in modules and alias not in (None, name.rsplit(".", 1)[-1]) and alias in names]
    assert not found, found


def test_every_file_the_tests_name_by_its_path_is_there():
    missing = [f"{path.name}: {named}" for path in SOURCES for named in PATH.findall(path.read_text())
               if not any((base / named).exists() for base in (ROOT, ROOT / "resin_jit", TESTS))]
    assert not missing, missing
