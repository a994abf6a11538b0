"""Issue 13: a portable key. What shapes a kernel's machine code is in it; nothing else is."""
import shutil
import subprocess
import sys
import time

import pytest

import resin_jit as rj
from resin_jit import build, keys, resources

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
    keys.codegen_fingerprint.cache_clear()
    return keys.kernel_key(IDENT, "avx2", 2, False)


@pytest.mark.parametrize("edited, changes", [
    ("cli.py", False), ("demo.py", False), ("warm.py", False), ("csrc/dispatch_kernel.c", False),
    ("csrc/dispatch.h", False), ("nodes.py", True), ("ops.py", True), ("assemble.py", True), ("audio/filters.py", True),
    ("build.py", True), ("vsa/kernels.py", True), ("csrc/simd.h", True), ("csrc/rj_abi.h", True),
    ("templates/block.c", True),
])
def test_what_shapes_generated_code_is_in_the_key_and_nothing_else(package_copy, edited, changes):
    before = key_now()
    path = package_copy / edited
    path.write_text(path.read_text() + "\n/* an edit */\n" if path.suffix != ".py" else path.read_text() + "\n# edit\n")
    assert (key_now() != before) == changes


def test_an_installed_package_uses_the_fingerprint_its_build_wrote(package_copy):
    """A wheel's files are as it was built: its processes read the digest setup.py wrote (no stat,
    no hashing); a file that is not a digest is ignored and the files are hashed."""
    from_files = key_now()
    shipped = package_copy / keys.SHIPPED_FINGERPRINT
    shipped.write_text(keys.computed_fingerprint() + "\n")
    assert keys.shipped_fingerprint() == keys.computed_fingerprint() and key_now() == from_files
    (package_copy / "nodes.py").write_text((package_copy / "nodes.py").read_text() + "\n# edit\n")
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


def test_a_key_in_a_new_process_runs_nothing_and_hashes_once(tmp_path):
    """No subprocess (a compiler's --version) and no hashing of the sources in a process that finds
    the fingerprint memo: the bench reports the time, here what it is made of."""
    code = ("import subprocess, resin_jit as rj\n"
            "from resin_jit import keys\n"
            f"jit = rj.JitCompiler(rj.JitConfig(cache_dir={str(tmp_path)!r}))\n"
            "keys.codegen_fingerprint.cache_clear()\n"
            "calls, reads = [], []\n"
            "subprocess.Popen = lambda *a, **k: calls.append(a)\n"
            "original = keys.Path.read_bytes\n"
            "keys.Path.read_bytes = lambda self: reads.append(self) or original(self)\n"
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
