"""What the cache tests share: a kernel run in this process or in a new one, and what they saw.

In-process tests stand for "a new process" by emptying the compiler's memo (conftest.py's
new_process fixture), which is the only state a process keeps between compiles; `probe` runs a
real one.
"""
import json
import logging
import os
import subprocess
import sys
import textwrap

import numpy as np

import resin_jit as rj

from . import CACHE_ENV

X = np.arange(37, dtype=np.float32)
CLEAN_ENV = dict.fromkeys(CACHE_ENV, "")


def run_affine(root, a=0.5, b=1.0, **config):
    jit = rj.JitCompiler(rj.JitConfig(cache_dir=root, **config))
    out = np.empty_like(X)
    jit.compile_affine_simd(a, b).process(X, out)
    np.testing.assert_array_equal(out, np.float32(a) * X + np.float32(b))
    return jit


PROBE = textwrap.dedent("""
    import json, logging, sys
    import numpy as np
    import resin_jit as rj
    from resin_jit.store import disk, entries
    from resin_jit.runtime import load
    messages, loaded = [], []
    class Keep(logging.Handler):
        def emit(self, record):
            messages.append([record.levelname, record.getMessage()])
    logging.getLogger("resin_jit").addHandler(Keep())
    logging.getLogger("resin_jit").setLevel(logging.INFO)
    original = load.LoadedLibrary
    def spy(path):
        loaded.append(entries.file_sha256(path))
        return original(path)
    load.LoadedLibrary = spy
    root, a, b, config = sys.argv[1], float(sys.argv[2]), float(sys.argv[3]), json.loads(sys.argv[4])
    jit = rj.JitCompiler(rj.JitConfig(cache_dir=root, **config))
    x = np.arange(37, dtype=np.float32)
    out = np.empty_like(x)
    jit.compile_affine_simd(a, b).process(x, out)
    ok = out.tolist() == (np.float32(a) * x + np.float32(b)).tolist()
    print(json.dumps({"stats": jit.stats, "ok": ok, "messages": messages, "loaded": loaded}))
""")


def probe(root, a=0.5, b=1.0, **config):
    """A new process asks for one affine kernel: its stats, its resin_jit log, what it dlopen()ed.
    Damage is always judged by a new process: one that has a library mapped would be hurt by its
    file changing in place, and dlopen() of a path it already opened returns the old handle."""
    proc = subprocess.run([sys.executable, "-c", PROBE, str(root), str(a), str(b), json.dumps(config)],
                          capture_output=True, text=True, env={**os.environ, **CLEAN_ENV}, timeout=120)
    assert proc.returncode == 0, proc.stderr
    result = json.loads(proc.stdout.splitlines()[-1])
    assert result["ok"], result
    result["warnings"] = [m for level, m in result["messages"] if level == "WARNING"]
    return result


def only_entry(root):
    (lib,) = (root / "kernels").rglob("*.so")
    return lib, lib.with_suffix(".json")


def snapshot(root):
    """Every path under root with its modification time and size: equal snapshots, nothing changed."""
    return {p: (p.lstat().st_mtime_ns, p.lstat().st_size) for p in root.rglob("*")}


def warnings_of(caplog):
    return [r.getMessage() for r in caplog.records if r.name == "resin_jit" and r.levelno == logging.WARNING]
