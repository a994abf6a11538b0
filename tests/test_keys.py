"""Issue 13: a portable key. What shapes a kernel's machine code is in it; nothing else is."""
import os
import shutil
import subprocess
import sys
import time

import pytest

import resin_jit as rj
from resin_jit.toolchain import build, platforms
from resin_jit.store import keys
from resin_jit.codegen import resources

IDENT = ("block", "float32", ("a graph",))


@pytest.fixture
def package_copy(tmp_path, monkeypatch):
    """A copy of the package with its csrc/ and templates/, which the fingerprint then reads."""
    copy = tmp_path / "resin_jit"
    shutil.copytree(resources.PACKAGE_DIR, copy, ignore=shutil.ignore_patterns("__pycache__", "*.so", "prebuilt"))
    for folder in ("csrc", "templates"):
        shutil.copytree(getattr(resources, f"{folder}_dir")(), copy / folder)
    monkeypatch.setattr(keys, "PACKAGE_DIR", copy)
    monkeypatch.setattr(keys, "csrc_dir", lambda: copy / "csrc")
    monkeypatch.setattr(keys, "templates_dir", lambda: copy / "templates")
    keys.codegen_files.cache_clear()
    keys.codegen_fingerprint.cache_clear()
    yield copy
    keys.codegen_files.cache_clear()
    keys.codegen_fingerprint.cache_clear()


def key_now():
    keys.codegen_files.cache_clear()
    keys.codegen_fingerprint.cache_clear()
    return keys.kernel_key(IDENT, "avx2", 2, False)


@pytest.mark.parametrize("edited, changes", [
    ("cli.py", False), ("demo.py", False), ("warm.py", False), ("csrc/dispatch_kernel.c", False),
    ("csrc/dispatch.h", False), ("front/nodes.py", True), ("front/ops.py", True), ("codegen/assemble.py", True),
    ("audio/filters.py", True), ("toolchain/build.py", True), ("vsa/kernels.py", True), ("csrc/simd.h", True),
    ("csrc/rj_abi.h", True), ("templates/block.c", True), ("front/canonical.py", True),
    ("front/reductions.py", True), ("audio/io.py", False), ("store/disk.py", False),
])
def test_what_shapes_generated_code_is_in_the_key_and_nothing_else(package_copy, edited, changes):
    before = key_now()
    path = package_copy / edited
    path.write_text(path.read_text() + "\n/* an edit */\n" if path.suffix != ".py" else path.read_text() + "\n# edit\n")
    assert (key_now() != before) == changes


@pytest.mark.parametrize("module", keys.package_modules(resources.PACKAGE_DIR))
def test_every_module_is_in_the_key_unless_it_cannot_shape_a_kernel(package_copy, module):
    """Issue 17: front/canonical.py and front/reductions.py shape kernels and were not in a hand-kept list.
    Now every module is in the key but those NOT_CODEGEN names, each with its reason."""
    before = key_now()
    (package_copy / module).write_text((package_copy / module).read_text() + "\n# edit\n")
    assert (key_now() != before) == (module not in keys.NOT_CODEGEN)


def test_a_new_module_is_in_the_key_at_any_depth(package_copy):
    """The walk follows subpackages (stage folders front/, codegen/, ...): nothing to remember."""
    before = key_now()
    folder = package_copy / "codegen" / "lowering"
    folder.mkdir(parents=True)
    for init in (package_copy / "codegen" / "__init__.py", folder / "__init__.py"):
        init.write_text("")
    (folder / "loops.py").write_text("UNROLL = 4\n")
    with_module = key_now()
    assert with_module != before
    (folder / "loops.py").write_text("UNROLL = 8\n")
    assert key_now() not in (before, with_module)


def test_what_is_no_module_of_the_package_is_not_in_the_key(package_copy):
    """A folder without __init__.py is no package (setup.py does not ship it), a dot file no
    module (an editor's lock file); benchmarks/ cannot shape a kernel."""
    before = key_now()
    (package_copy / "scratch").mkdir()
    (package_copy / "scratch" / "notes.py").write_text("x = 1\n")
    (package_copy / ".#nodes.py").symlink_to("nowhere@123")
    (package_copy / "benchmarks").mkdir()
    (package_copy / "benchmarks" / "__init__.py").write_text("")
    (package_copy / "benchmarks" / "bench_new.py").write_text("x = 1\n")
    assert key_now() == before


def test_every_module_is_classified():
    """The walk sees the modules the import system sees, each either in the key or named in
    NOT_CODEGEN, and every NOT_CODEGEN entry names a module that exists (a module moved to a
    stage folder is in the key until its entry moves with it)."""
    import pkgutil
    seen = {"__init__.py"}
    for info in pkgutil.walk_packages(rj.__path__, "resin_jit."):
        if info.module_finder.find_spec(info.name).origin.endswith(".py"):   # not the _dispatch extension
            seen.add("/".join(info.name.split(".")[1:]) + ("/__init__.py" if info.ispkg else ".py"))
    walked = set(keys.package_modules(resources.PACKAGE_DIR))
    assert walked == {m for m in seen if not m.startswith("benchmarks/")}   # a wheel's benchmarks are inside
    in_key = {name.removeprefix("resin_jit/") for name, _ in keys.codegen_files() if name.startswith("resin_jit/")}
    assert in_key == {m for m in walked if keys.is_codegen_module(m)}
    assert {"front/canonical.py", "front/reductions.py", "front/nodes.py", "codegen/emit.py", "audio/filters.py",
            "vsa/kernels.py"} <= in_key
    for entry in keys.NOT_CODEGEN:
        beside = resources.PACKAGE_DIR.parent / entry   # benchmarks/: beside the package in a source tree
        assert (resources.PACKAGE_DIR / entry).exists() or (entry == "benchmarks/" and beside.is_dir()), entry
        assert keys.NOT_CODEGEN[entry], f"{entry}: say why it cannot shape a kernel"


def test_a_wheel_has_the_fingerprint_of_its_source_tree(tmp_path):
    """A wheel ships csrc/, templates/ and benchmarks/ inside the package, with the prebuilt layer
    and the shipped fingerprint (setup.py): the same code has the same key there."""
    wheel = tmp_path / "site-packages" / "resin_jit"
    shutil.copytree(resources.PACKAGE_DIR, wheel, ignore=shutil.ignore_patterns("__pycache__", "prebuilt"))
    for folder in ("csrc", "templates", "benchmarks"):
        shutil.copytree(resources.PACKAGE_DIR.parent / folder, wheel / folder,
                        ignore=shutil.ignore_patterns("__pycache__"))
    (wheel / "prebuilt" / "kernels").mkdir(parents=True)
    (wheel / "__pycache__").mkdir(exist_ok=True)
    (wheel / "__pycache__" / "compiler.cpython-311.pyc").write_bytes(b"\0")
    code = ("from resin_jit.store import keys; from resin_jit.codegen import resources; "
            "print(resources.csrc_dir(), keys.computed_fingerprint())")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60,
                          cwd=tmp_path, env={**os.environ, "PYTHONPATH": str(wheel.parent)})
    assert proc.returncode == 0, proc.stderr
    csrc, fingerprint = proc.stdout.split()
    assert csrc == str(wheel / "csrc") and fingerprint == keys.computed_fingerprint()


@pytest.mark.skipif(not shutil.which("pip"), reason="pip builds the wheel")
def test_setup_py_writes_the_source_trees_fingerprint(tmp_path):
    """The real build (setup.py's build_py, without the prebuilt layer): what it ships as
    codegen_fingerprint is the source tree's fingerprint."""
    try:
        from setuptools import __version__ as version
    except ImportError:
        pytest.skip("no setuptools")
    if int(version.split(".")[0]) < 77:
        pytest.skip(f"pyproject.toml's build needs setuptools >= 77, not {version} (CI's isolated build has it)")
    root = resources.PACKAGE_DIR.parent
    tree = tmp_path / "tree"
    shutil.copytree(root, tree, ignore=shutil.ignore_patterns(".git", "__pycache__", "*.so", "build", "*.egg-info",
                                                               "prebuilt", "tests", "examples", ".ci"))
    proc = subprocess.run([sys.executable, "setup.py", "-q", "build_py", "--build-lib", str(tmp_path / "lib")],
                          cwd=tree, capture_output=True, text=True, timeout=300,
                          env={**os.environ, "RESIN_JIT_NO_PREBUILT": "1"})
    assert proc.returncode == 0, proc.stderr
    shipped = (tmp_path / "lib" / "resin_jit" / keys.SHIPPED_FINGERPRINT).read_text().strip()
    assert shipped == keys.computed_fingerprint()


def test_an_installed_package_uses_the_fingerprint_its_build_wrote(package_copy):
    """A wheel's files are as it was built: its processes read the digest setup.py wrote (no stat,
    no hashing); a file that is not a digest is ignored and the files are hashed."""
    from_files = key_now()
    shipped = package_copy / keys.SHIPPED_FINGERPRINT
    shipped.write_text(keys.computed_fingerprint() + "\n")
    assert keys.shipped_fingerprint() == keys.computed_fingerprint() and key_now() == from_files
    (package_copy / "front" / "nodes.py").write_text((package_copy / "front" / "nodes.py").read_text() + "\n# edit\n")
    assert key_now() == from_files          # the shipped digest wins
    shipped.write_text("../../etc/passwd\n")
    assert keys.shipped_fingerprint() is None and key_now() != from_files   # the edited files, hashed


def test_the_settings_that_change_machine_code_are_in_the_key():
    base = keys.kernel_key(IDENT, "avx2", 2, False)
    others = {keys.kernel_key(IDENT, "sse2", 2, False), keys.kernel_key(IDENT, "avx2", 3, False),
              keys.kernel_key(IDENT, "avx2", 2, True), keys.kernel_key(("block", "float64", ("a graph",)), "avx2", 2,
                                                                        False)}
    assert base not in others and len(others) == 4


def test_the_compiler_and_python_are_not_in_the_key(tmp_path, monkeypatch):
    """A layer warmed with one gcc on one Python serves another: the toolchain and the Python
    version go into an entry's metadata, never into its key."""
    jit = rj.JitCompiler(rj.JitConfig(cache_dir=tmp_path, isa="scalar"))
    if jit.backend != "native":
        pytest.skip("no C compiler on this machine: native path untestable")
    before = jit.libraries.key(IDENT)
    monkeypatch.setattr(jit.libraries, "toolchain", build.Toolchain("/opt/other/cc", "othercc 99.1"))
    monkeypatch.setattr(sys, "version_info", (3, 99, 0, "final", 0))
    monkeypatch.setattr(sys.implementation, "cache_tag", "cpython-399")
    assert jit.libraries.key(IDENT) == before


def test_platform_tag_names_os_architecture_and_libc():
    tag = keys.platform_tag()
    assert tag.startswith(sys.platform + "-") and tag.count("-") >= 2
    assert keys.platform_tag(platforms.named("macos-arm64")) == "darwin-aarch64-libc"


def test_a_key_in_a_new_process_runs_nothing_and_hashes_once(tmp_path):
    """No subprocess (a compiler's --version) and no hashing of the sources in a process that finds
    the fingerprint memo: the bench reports the time, here what it is made of."""
    code = ("import subprocess, resin_jit as rj\n"
            "from resin_jit.store import keys\n"
            f"jit = rj.JitCompiler(rj.JitConfig(cache_dir={str(tmp_path)!r}))\n"
            "keys.codegen_fingerprint.cache_clear()\n"
            "calls, reads = [], []\n"
            "subprocess.Popen = lambda *a, **k: calls.append(a)\n"
            "keys.open = lambda path, *a, **k: reads.append(path) or open(path, *a, **k)\n"
            "jit.libraries.key(('block', 'float32', ('g',)))\n"
            "print(len(calls), len(reads))\n")
    first = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    second = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert first.returncode == 0 and second.returncode == 0, first.stderr + second.stderr
    assert int(first.stdout.split()[1]) == len(keys.codegen_files())   # the first hashes every file once
    assert second.stdout.split() == ["0", "0"]                           # the next reads the memo


def test_metadata_records_the_compiler_host_and_time(tmp_path):
    import json
    jit = rj.JitCompiler(rj.JitConfig(cache_dir=tmp_path))
    if jit.backend != "native":
        pytest.skip("no C compiler on this machine: native path untestable")
    start = time.time()
    jit.compile_affine_simd(3.5, 1.0)
    (meta_path,) = (tmp_path / "kernels").rglob("*.json")
    meta = json.loads(meta_path.read_text())
    assert meta["compiler"] == jit.libraries.toolchain.version and meta["compiler_path"] and meta["host"]
    assert meta["created"] >= start - 1 and meta["isa"] == jit.isa
