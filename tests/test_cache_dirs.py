"""Issue 5 (section 3 of test_cache_trust.py), issue 17: the directories of a cache. Whoever can
write a directory above an entry could have put what is there and could swap what we put there:
nothing is loaded from it, stored in it or removed from it, and the log says so. A cache this
process cannot write is loaded from and never changed.
"""
import json
import logging
import os
import stat
import subprocess
import sys
import textwrap

import numpy as np
import pytest

import resin_jit as rj
from resin_jit.store import disk, fs

from support import needs_native
from support.cache import CLEAN_ENV, X, only_entry, probe, run_affine, snapshot, warnings_of

pytestmark = needs_native


def test_directories_are_created_0700(tmp_path, new_process):
    new_process()
    root = tmp_path / "a" / "b" / "cache"
    run_affine(root)
    dirs = [tmp_path / "a", tmp_path / "a" / "b", root, *(p for p in root.rglob("*") if p.is_dir())]
    assert {"kernels", "locks", "staging"} <= {p.name for p in dirs}
    assert all(stat.S_IMODE(p.stat().st_mode) == 0o700 for p in dirs), [(p, oct(p.stat().st_mode)) for p in dirs]


def _hostile(path, how):
    if how == "other owner":
        os.chown(path, 12345, 12345)
    else:
        os.chmod(path, {"group-writable": 0o770, "world-writable": 0o777}[how])


needs_root = pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() != 0, reason="chown needs root")
HOSTILE = ["group-writable", "world-writable", pytest.param("other owner", marks=needs_root)]


@pytest.mark.parametrize("how", HOSTILE)
def test_cache_dir_not_ours_alone_is_not_loaded_from(tmp_path, new_process, how):
    new_process()
    root = tmp_path / "cache"
    run_affine(root)
    before = sorted(p.name for p in root.rglob("*"))
    _hostile(root, how)
    new_process()
    with pytest.warns(RuntimeWarning, match="not using cache directory"):
        jit = run_affine(root)
    assert jit.stats["compiles"] == 1 and jit.stats["disk_hits"] == 0
    assert sorted(p.name for p in root.rglob("*")) == before  # nothing written there either


@pytest.mark.parametrize("how", HOSTILE)
@pytest.mark.parametrize("what", ["library", "metadata"])
def test_artifact_not_ours_alone_is_not_loaded(tmp_path, how, what):
    probe(tmp_path)
    lib, meta = only_entry(tmp_path)
    _hostile(lib if what == "library" else meta, how)
    result = probe(tmp_path)
    assert result["stats"]["compiles"] == 1 and len(result["loaded"]) == 1  # only the rebuilt one
    assert any("owned by uid" in m or "writable by group" in m for m in result["warnings"]), result["warnings"]
    lib, meta = only_entry(tmp_path)
    assert fs.untrusted_reason(lib) is None and fs.untrusted_reason(meta) is None


def untrusted_warning(root, shard, reason):
    """What the log says of a cache whose directories above an entry others could write (issue 17:
    it said "damaged cache entry ...: removed and rebuilt" while nothing was rebuilt there)."""
    return (f"not using the kernel cache {root} for kernels under {shard}: {reason}; nothing there is loaded, "
            "replaced or removed, they are built in a private directory")


@pytest.mark.parametrize("how", HOSTILE)
def test_a_kernels_dir_not_ours_alone_is_not_loaded_from_or_written_to(tmp_path, how):
    """Whoever can write kernels/ can swap a whole shard folder between the checks and dlopen(),
    and could have put what is there: it is left as it is, and the log says so."""
    probe(tmp_path)
    lib, _ = only_entry(tmp_path)
    kernels = tmp_path / "kernels"
    _hostile(kernels, how)
    before = snapshot(kernels)
    result = probe(tmp_path)
    assert result["stats"]["disk_hits"] == 0 and result["stats"]["compiles"] == 1
    reason = fs.untrusted_reason(kernels)
    assert result["warnings"] == [untrusted_warning(tmp_path, lib.parent, reason)]
    assert snapshot(kernels) == before


def test_entry_in_a_group_writable_subdirectory_is_refused_and_never_rewritten_there(tmp_path):
    probe(tmp_path)
    lib, _ = only_entry(tmp_path)
    os.chmod(lib.parent, 0o777)
    before = snapshot(tmp_path / "kernels")
    result = probe(tmp_path)
    assert result["stats"]["compiles"] == 1 and snapshot(tmp_path / "kernels") == before
    assert result["warnings"] == [untrusted_warning(tmp_path, lib.parent, f"{lib.parent} is writable by group or "
                                                                          "others (mode 777)")]


READ_ONLY_CHILD = textwrap.dedent("""
    import json, sys, warnings
    import numpy as np
    import resin_jit as rj
    root = sys.argv[1]
    try:
        open(root + "/probe", "w")
        writable = True
    except OSError:
        writable = False
    outs, stats = [], []
    for a in (0.5, 0.5, 2.0):
        jit = rj.JitCompiler(rj.JitConfig(cache_dir=root))
        out = np.empty(4, np.float32)
        jit.compile_affine_simd(a, 1.0).process([0, 1, 2, 3], out)
        outs.append(out.tolist())
        stats.append(jit.stats)
    print(json.dumps({"writable": writable, "outs": outs, "stats": stats}))
""")
PR_CAPBSET_DROP, CAPS_THAT_IGNORE_MODES = 24, (1, 2, 3)  # CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH, CAP_FOWNER


def _without_root_overrides():
    """In the child, before exec: drop the capabilities that let root write a 0500 directory
    (dropped from the bounding set, so the exec'ed Python never gets them back)."""
    import ctypes
    libc = ctypes.CDLL(None, use_errno=True)
    for cap in CAPS_THAT_IGNORE_MODES:
        if libc.prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) != 0:
            raise OSError(ctypes.get_errno(), "prctl(PR_CAPBSET_DROP)")


def test_read_only_cache_dir_still_works_and_warns_once(tmp_path, new_process):
    """A truly read-only directory: mode 0500, and as root the child also loses the capabilities
    that ignore modes, so the writes really fail (os.access and the filesystem both say no).
    Issue 17: what it holds is loaded (it was never loaded from); what it lacks is built
    privately; nothing in it changes, not even a use recorded."""
    new_process()
    root = tmp_path / "ro"
    run_affine(root)  # one kernel in it already (a=0.5)
    before = {p: p.stat().st_mtime_ns for p in root.rglob("*")}
    os.chmod(root, 0o500)
    as_root = os.geteuid() == 0
    try:
        proc = subprocess.run([sys.executable, "-c", READ_ONLY_CHILD, str(root)], capture_output=True, text=True,
                              env={**os.environ, **CLEAN_ENV}, preexec_fn=_without_root_overrides if as_root else None)
    except subprocess.SubprocessError as exc:
        pytest.skip(f"cannot drop root's capabilities here: {exc}")
    finally:
        os.chmod(root, 0o700)
    assert proc.returncode == 0, proc.stderr
    result = json.loads(proc.stdout.splitlines()[-1])
    if result["writable"]:
        pytest.skip("this environment cannot make a directory read-only for this user")
    assert result["outs"] == [[1.0, 1.5, 2.0, 2.5]] * 2 + [[1.0, 3.0, 5.0, 7.0]]
    assert [s["disk_hits"] for s in result["stats"]] == [1, 0, 0]   # the memo serves the repeat
    assert [s["compiles"] for s in result["stats"]] == [0, 0, 1]    # what it lacks: built privately
    assert proc.stderr.count("not writable") == 1, proc.stderr
    assert {p: p.stat().st_mtime_ns for p in root.rglob("*")} == before


def test_unwritable_kernel_dir_falls_back_to_a_private_build(tmp_path, new_process, monkeypatch, caplog):
    """The cache was usable at start and then writes fail (disk full, remounted read-only)."""
    new_process()
    root = tmp_path / "c"
    jit = rj.JitCompiler(rj.JitConfig(cache_dir=root))

    def full(*args, **kwargs):
        raise OSError(28, "No space left on device")
    monkeypatch.setattr(disk.CacheLocator, "staging", full)
    with caplog.at_level(logging.WARNING, logger="resin_jit"):
        out = np.empty_like(X)
        jit.compile_affine_simd(1.5, 2.0).process(X, out)
    assert out.tolist() == (1.5 * X + 2).tolist()
    assert any("cannot write to the kernel cache" in m for m in warnings_of(caplog))
