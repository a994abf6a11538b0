"""What a hostile review of issue 18's refactor (the stage folders, the kernel plan, the
CallBinding) found: each test here failed on the branch as reviewed; the comment above it names
the defect, says whether the refactor introduced it or left it as it was, and how bad it was.
"""
import os
import re
import shutil
import subprocess
import sys
import textwrap
import types
from pathlib import Path

import numpy as np
import pytest

import resin_jit as rj
from resin_jit.front import plan as plan_module
from resin_jit.runtime import load
from resin_jit.runtime.kernel import CallBinding
from resin_jit.store import disk, keys, memo
from resin_jit.codegen.resources import csrc_dir

from support import needs_native

x = rj.input("x")
ROOT = Path(__file__).resolve().parent.parent
PACKAGE = Path(rj.__file__).resolve().parent


def _run_script(script, cwd, timeout=240, **env):
    """`script` in a new Python process (a crash there is a return code, not the test run's death)."""
    return subprocess.run([sys.executable, "-c", textwrap.dedent(script)], capture_output=True, text=True,
                          cwd=cwd, timeout=timeout, env={**os.environ, **env})


def _binding(**plan_fields):
    """A CallBinding with no native code (entry 0) and a plan of the given fields."""
    fields = dict(letters="fF", out_rows="s", names=("x",), output_dtypes=(np.dtype(np.float32),),
                  stateful=False, broadcast=True)
    fields.update(plan_fields)
    return CallBinding(plan=types.SimpleNamespace(**fields), entry=0, bound=(), keepalive=None, state_rows=1,
                       one_d=False, fast=False, nogil_above=1 << 16, threads_from=0)


# Found (item 1, memory safety; pre-existing, the CallBinding rewrite kept it): try_fast sorts the
# arguments against the binding of the moment (req->n_in, req->n_out), then converts numbers, which
# runs Python code (a numpy float32 subclass's __float__), then reads the *live* binding again:
# new_output indexes self->out_dtypes with the old n_out. Rebinding there to a plan of fewer outputs
# reads past the tuple (ASan: heap-buffer-overflow READ in new_output, dispatch_kernel.c:45); without
# ASan the garbage taken for a dtype gives "TypeError: Cannot interpret '1796573603000000000' as a
# data type" or, within 30 such calls, SIGSEGV.
@needs_native
def test_rebinding_during_a_numbers_conversion_reads_nothing_past_the_new_binding(tmp_path):
    proc = _run_script("""
        import numpy as np, resin_jit as rj
        from resin_jit.runtime.kernel import CallBinding
        x, y, z = rj.input("x"), rj.input("y"), rj.input("z")
        jit = rj.JitCompiler()
        two = jit.compile([x * y, x + y], inputs=[x, y])
        one = jit.compile(z * 2.0)
        r = one._runner
        xs = np.arange(8, dtype=np.float32)
        bad = []
        for attempt in range(30):   # what lies past the tuple differs: repeated, it is soon a crash
            two._bind_calls()
            other = CallBinding(plan=one.plan, entry=r.library.entry_address, bound=r.bound(), keepalive=r.library,
                                state_rows=1, one_d=False, fast=True, nogil_above=1 << 16, threads_from=0)

            class Rebinding(np.float32):
                def __float__(self):
                    two._bind(other)   # mid-call: the kernel now has one input and one output
                    return 0.5

            try:
                result = two(xs, Rebinding(0.5))
                if not (isinstance(result, tuple) and len(result) == 2 and np.array_equal(result[0], xs * 0.5)
                        and np.array_equal(result[1], xs + 0.5)):
                    bad.append(f"wrong {result!r}")
            except Exception as exc:   # a clear error of the call path is fine; garbage read from memory is not
                if not str(exc).startswith("resin_jit"):
                    bad.append(f"{type(exc).__name__}: {exc}")
        print(bad or "OK")
    """, tmp_path)
    assert proc.returncode == 0 and proc.stdout.strip() == "OK", (proc.returncode, proc.stdout, proc.stderr[-2000:])


# Found (item 1, crash; pre-existing, kept): results() builds the returned tuple from self->n_out
# after the entry ran with the GIL released (a call of more than NOGIL_ABOVE samples). Another
# thread that rebinds the kernel meanwhile to a plan of more outputs makes it Py_NewRef(made[1]),
# which is NULL: the process dies with SIGSEGV.
@needs_native
def test_rebinding_from_another_thread_during_a_call_does_not_crash(tmp_path):
    proc = _run_script("""
        import threading, time
        import numpy as np, resin_jit as rj
        from resin_jit.runtime.kernel import CallBinding
        x = rj.input("x")
        jit = rj.JitCompiler()
        one = jit.compile(rj.sqrt(x) * 1.5 + rj.exp(x))
        two = jit.compile([x * 2.0, x + 1.0])

        def binding(k):
            r = k._runner
            return CallBinding(plan=k.plan, entry=r.library.entry_address, bound=r.bound(), keepalive=r.library,
                               state_rows=1, one_d=False, fast=True, nogil_above=1000, threads_from=0)

        xs = np.random.default_rng(0).random(8_000_000).astype(np.float32)
        for attempt in range(4):
            one._bind(binding(one))
            started = threading.Event()

            def rebind():
                started.wait()
                time.sleep(0.002)   # the call is in its entry by now, without the GIL
                one._bind(binding(two))
            thread = threading.Thread(target=rebind)
            thread.start()
            started.set()
            one(xs)
            thread.join()
        print("OK")
    """, tmp_path)
    assert proc.returncode == 0 and proc.stdout.strip() == "OK", (proc.returncode, proc.stdout, proc.stderr[-2000:])


# Found (item 1, a check lost): the old letters_fit refused a kernel without inputs whose outputs
# were of both number types ("FD"): every float output is of the kernel's one type. The new one
# takes `number` only from an input, so with none it accepts F and D side by side.
def test_a_kernel_without_inputs_still_has_one_number_type():
    kernel = load._dispatch.Kernel()
    with pytest.raises(ValueError, match="do not fit the call ABI"):
        kernel._bind(_binding(letters="FD", out_rows="ss", names=(),
                              output_dtypes=(np.dtype(np.float32), np.dtype(np.float64))))


# Found (item 1, unclear errors; low): a binding field of the wrong type or out of range fails with
# CPython's bare conversion message ("an integer is required", "Python int too large to convert to
# C ssize_t"), which names no field; and letters that are no str is a ValueError "does not fit"
# where names/bound that are no tuple are a TypeError naming the field.
@pytest.mark.parametrize("field, value", [("entry", "1"), ("state_rows", 2 ** 80), ("nogil_above", "many")])
def test_a_bad_binding_field_is_named_in_the_error(field, value):
    kernel = load._dispatch.Kernel()
    with pytest.raises((TypeError, ValueError, OverflowError), match=field):
        kernel._bind(_binding()._replace(**{field: value}))


# Found (item 4, untrusted input; introduced with memo/): the memo folder is opened by path, and
# only its files' last component is not followed. A memo/ that is a symlink (nothing resin_jit
# made) is followed: the memos are written into the folder it points at (overwriting a
# fingerprints.json or toolchains.json there), and `resin-jit cache clear` unlinks those files in
# that folder. Before, the memos sat at the root, which only the user chooses to be a link.
@needs_native
def test_a_memo_folder_that_is_a_symlink_is_not_followed(tmp_path, new_process):
    root, elsewhere = tmp_path / "cache", tmp_path / "elsewhere"
    elsewhere.mkdir()
    mine = {name: f'{{"{name}": "not resin_jit\'s"}}' for name in ("toolchains.json", "fingerprints.json")}
    for name, text in mine.items():
        (elsewhere / name).write_text(text)
    config = rj.JitConfig(cache_dir=str(root), prebuilt=False)
    new_process()
    rj.JitCompiler(config).compile(x * 3.0 - 0.0625)   # the cache, tagged, with its memo/
    shutil.rmtree(root / memo.FOLDER)
    os.symlink(elsewhere, root / memo.FOLDER)
    keys.codegen_fingerprint.cache_clear()
    new_process()
    rj.JitCompiler(config).compile(x * 5.0 - 0.0625)
    disk.KernelCache(root).clear()
    assert {p.name: p.read_text() for p in elsewhere.iterdir()} == mine


# Found (item 4, a memo that only saves time fails every compile; pre-existing): read_json_object
# catches OSError and ValueError, but json.loads of deeply nested brackets raises RecursionError,
# so a damaged memo file stops every compile of every process that uses the cache with
# "RecursionError: maximum recursion depth exceeded while decoding a JSON array".
def test_a_memo_of_deeply_nested_json_reads_as_empty(tmp_path):
    fingerprints = memo.memo(tmp_path, "fingerprints")
    fingerprints.path.parent.mkdir()
    fingerprints.path.write_text("[" * 100_000)
    assert fingerprints.get("anything") is None


# Found (item 5, import fails; introduced): front/vmath_table.py reads csrc/vmath_functions.h at
# import, by path. A zipped package (csrc/ inside it, as in the wheel) could not read it; a copy
# of the package folder without csrc/ failed with a bare FileNotFoundError. Now the header is read
# as a package resource (zip-safe, a BOM allowed), and a copy without it is a clear ImportError.
def test_a_zipped_package_imports_and_runs_on_numpy(tmp_path):
    tree = tmp_path / "tree"
    shutil.copytree(PACKAGE, tree / "resin_jit", ignore=shutil.ignore_patterns("__pycache__", "prebuilt", "*.so"))
    for folder in ("csrc", "templates"):
        if not (tree / "resin_jit" / folder).exists():
            shutil.copytree(csrc_dir().parent / folder, tree / "resin_jit" / folder)
    header = tree / "resin_jit" / "csrc" / "vmath_functions.h"
    header.write_bytes(b"\xef\xbb\xbf" + header.read_bytes())   # a BOM, as some editors save
    archive = shutil.make_archive(str(tmp_path / "resin_jit"), "zip", tree)
    proc = _run_script("""
        import warnings
        warnings.simplefilter("ignore")
        import numpy as np, resin_jit as rj
        assert ".zip" in rj.__file__, rj.__file__
        x = rj.input("x")
        print(rj.JitCompiler().compile(rj.sqrt(x) * 2.0)(np.full(2, 4.0, np.float32)).tolist())
    """, tmp_path, PYTHONPATH=archive, RESIN_JIT_DISABLE="1")
    assert proc.returncode == 0 and proc.stdout.strip() == "[4.0, 4.0]", proc.stderr[-1500:]


def test_a_copy_of_the_package_without_csrc_says_so_on_import(tmp_path):
    site = tmp_path / "site"
    shutil.copytree(PACKAGE, site / "resin_jit", ignore=shutil.ignore_patterns("__pycache__", "csrc", "templates",
                                                                                "prebuilt"))
    proc = _run_script("import resin_jit", tmp_path, PYTHONPATH=str(site))
    assert proc.returncode == 1
    assert "ImportError: resin_jit: csrc/vmath_functions.h is in neither the package nor beside it" in proc.stderr


# Found (item 2, wrong answer on the numpy backend; pre-existing, not caught by the plan): the
# backend's evaluate() casts every value that is not a mask to the kernel's dtype, an argmin or
# argmax index too, and only then (_output) to the plan's int64. In float32 an index above 2**24
# is rounded: argmax of 2**24 + 2 samples whose last is the largest gives 16777216, numpy 16777217
# (the native kernel gives 16777217).
def test_the_numpy_backend_gives_an_index_beyond_2_to_the_24_exactly(numpy_jit):
    samples = np.zeros((1 << 24) + 2, np.float32)
    samples[-1] = 1.0
    kernel = numpy_jit.compile(rj.argmax(x))
    assert int(kernel(samples)) == int(np.argmax(samples)) == samples.size - 1


# Found (item 3, the layout check can be fooled): tests/test_layout.py's imported_modules reads
# only `from ... import` statements, resolves `from resin_jit import codegen` to ["", "codegen"]
# (no stage), and does not count audio/ or vsa/ (above the pipeline) as higher than a stage. So a
# runtime module may `import resin_jit.codegen.assemble`, `from resin_jit import codegen` or
# `from .. import audio`, and test_layout.py stays green. Shown on a copy of the package.
@pytest.mark.parametrize("statement", ["import resin_jit.codegen.assemble", "from resin_jit import codegen",
                                       "from .. import audio"])
def test_the_layout_check_sees_every_upward_import(tmp_path, statement):
    tree = tmp_path / "tree"
    shutil.copytree(PACKAGE, tree / "resin_jit", ignore=shutil.ignore_patterns("__pycache__", "prebuilt"))
    for folder in ("csrc", "templates"):
        if not (tree / "resin_jit" / folder).exists():
            shutil.copytree(csrc_dir().parent / folder, tree / folder)
    (tree / "tests").mkdir()
    shutil.copy(ROOT / "tests" / "test_layout.py", tree / "tests")
    runners = tree / "resin_jit" / "runtime" / "runners.py"
    runners.write_text(runners.read_text() + f"\n\ndef _never_called():\n    {statement}\n")
    proc = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests/test_layout.py"],
                          cwd=tree, capture_output=True, text=True, timeout=240,
                          env={**os.environ, "PYTHONPATH": str(tree)})
    assert proc.returncode != 0, f"test_layout.py passed with `{statement}` in runtime/runners.py"


# Found (item 6, speed; introduced): a memory hit (compiling a graph this compiler already
# returned) now plans the kernel (plan_kernel, ~6 us) and wraps a new lru_cache before it looks the
# kernel up. bench_core's "in-process memo hit" (compile_affine_simd) went from 3.0 us to 9.7 us on
# this machine, 3.2x, just under its 10 us target; a two-output graph's from 3.0 to 11 us.
@needs_native
def test_a_memory_hit_plans_nothing(monkeypatch):
    jit = rj.JitCompiler()
    jit.compile_affine_simd(0.375, 1.5)
    planned = []
    original = plan_module._planned_output
    monkeypatch.setattr(plan_module, "_planned_output", lambda *a: planned.append(a) or original(*a))
    for _ in range(3):
        jit.compile_affine_simd(0.375, 1.5)
    assert jit.stats["memory_hits"] >= 3 and not planned


# Found (stale names; introduced): the extension moved to resin_jit.runtime._dispatch, but its
# types still say tp_name "resin_jit._dispatch.Kernel" / ".Caller": Kernel's base class reports a
# module that does not exist (help(), inspect.getmodule, pickling by reference all look there).
def test_the_dispatch_types_name_the_module_they_are_in():
    for cls in (load._dispatch.Kernel, load._dispatch.Caller):
        assert cls.__module__ == load._dispatch.__name__ == "resin_jit.runtime._dispatch", cls


# Found (stale comments; introduced): CallBinding's docstring and plan.py's comment say
# csrc/dispatch_kernel.c reads the binding's fields by name; the split moved that to
# csrc/dispatch_bind.c, which neither cites.
def test_the_file_cited_as_reading_the_binding_reads_it():
    plan_source = (PACKAGE / "front" / "plan.py").read_text()
    for where, text in (("CallBinding", CallBinding.__doc__),
                        ("plan.py", plan_source[plan_source.index("what the call path binds from"):][:200])):
        cited = re.findall(r"csrc/\w+\.c", text)
        assert cited and all('"out_rows"' in (ROOT / c).read_text() for c in cited), (where, cited)


# Found (the fingerprint's hand list; introduced): the hand list of dispatcher headers (keys.NOT_KERNEL_HEADERS) named only
# dispatch.h, so the dispatcher's new header dispatch_kernel.h, which no kernel includes, is in
# every key: editing the dispatcher's struct invalidates every cache and prebuilt layer, against
# the key's own rule ("the headers kernels include, csrc/*.h but the dispatcher's").
def test_the_dispatchers_headers_are_not_in_the_fingerprint():
    names = {name for name, _ in keys.codegen_files()}
    dispatcher = {f"csrc/{p.name}" for p in csrc_dir().glob("dispatch*.h")}
    assert not names & dispatcher, sorted(names & dispatcher)


# Found (reads badly; introduced): csrc/dispatch_kernel.h defines RJ_MAX_BOUND twice (once with
# its comment, once bare, five lines apart). Legal C, as the values agree; a model header has one.
def test_rj_max_bound_is_defined_once():
    header = (csrc_dir() / "dispatch_kernel.h").read_text()
    assert len(re.findall(r"#\s*define\s+RJ_MAX_BOUND\b", header)) == 1
