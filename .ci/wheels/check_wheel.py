"""cibuildwheel's test of each wheel it builds (pyproject.toml, [tool.cibuildwheel] test-command),
in the fresh virtualenv where it installed the wheel alone: the dispatcher extension is in it, and
with no C compiler to be found (PATH this environment's scripts folder only, CC unset) every kernel
of the built-in manifest loads from the wheel's prebuilt layer (.ci/smoke.py --no-compiler) and
`resin-jit demo` runs natively (a numpy fallback's RuntimeWarning is an error). A wheel built
without the extension (it is optional), with a layer for another machine, or with the caches of the
compiler that warmed its layer (zig's: ~50 MB) fails here."""
import importlib.util
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

CI = Path(__file__).resolve().parent.parent
SCRIPTS = Path(sys.executable).parent   # the virtualenv's bin/ or Scripts/: python and resin-jit
CACHE = Path(tempfile.mkdtemp(prefix="resin_jit-wheel-"))


def without_compilers():
    """This environment with only the scripts folder on PATH (and on Windows its own System32,
    which holds no compiler): neither cc, gcc, clang nor zig can be found."""
    env = {k: v for k, v in os.environ.items() if k not in ("CC", "PYTHONPATH", "RESIN_JIT_PREBUILT")}
    path = [str(SCRIPTS)]
    if os.name == "nt":
        path.append(os.path.join(os.environ.get("SYSTEMROOT", r"C:\Windows"), "System32"))
    env["PATH"] = os.pathsep.join(path)
    env["RESIN_JIT_CACHE_DIR"] = str(CACHE / "cache")
    return env


def run(command, **extra_env):
    print("+", " ".join(map(str, command)), flush=True)
    subprocess.run([str(part) for part in command], env={**without_compilers(), **extra_env}, check=True)


def check_layer_has_no_compiler_caches():
    """A warm run with zig (Windows) keeps zig's caches in the layer's zig/ folder: not for a wheel."""
    package = Path(importlib.util.find_spec("resin_jit").origin).parent
    layer = package / "prebuilt"
    assert layer.is_dir(), f"the wheel has no prebuilt layer ({layer})"
    caches = layer / "zig"
    size = sum(f.stat().st_size for f in caches.rglob("*") if f.is_file()) if caches.exists() else 0
    assert not caches.exists(), f"the wheel ships zig's caches: {caches}, {size / 1e6:.1f} MB"


def main():
    check_layer_has_no_compiler_caches()
    resin_jit = shutil.which("resin-jit", path=str(SCRIPTS))
    assert resin_jit, f"the resin-jit command is not in {SCRIPTS}"
    run([sys.executable, CI / "smoke.py", "--no-compiler"])
    run([resin_jit, "demo", "--output", CACHE / "demo.wav"], PYTHONWARNINGS="error::RuntimeWarning")
    run([resin_jit, "doctor"])


if __name__ == "__main__":
    main()
