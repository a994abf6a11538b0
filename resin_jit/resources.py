"""Where csrc/ and templates/ are, and a fingerprint of everything that shapes generated code."""
import functools
import hashlib
import json
import os
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent


def _find(folder):
    # A wheel ships the folders inside the package; a source tree (editable install) has them beside it.
    for candidate in (PACKAGE_DIR / folder, PACKAGE_DIR.parent / folder):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError(f"resin_jit cannot find its {folder}/ directory")


@functools.lru_cache(maxsize=None)
def csrc_dir():
    return _find("csrc")


@functools.lru_cache(maxsize=None)
def templates_dir():
    return _find("templates")


@functools.lru_cache(maxsize=None)
def read_template(name):
    return (templates_dir() / name).read_text()


def _source_files():
    """csrc/, templates/ and the package's .py files: everything that shapes generated code."""
    found = []
    for root, recurse, keep in ((csrc_dir(), False, None), (templates_dir(), False, None), (PACKAGE_DIR, True, ".py")):
        stack = [str(root)]
        while stack:
            with os.scandir(stack.pop()) as entries:
                for entry in entries:
                    if entry.is_dir():
                        if recurse and entry.name not in ("__pycache__", "prebuilt"):
                            stack.append(entry.path)
                    elif keep is None or entry.name.endswith(keep):
                        found.append(entry)
    return sorted(found, key=lambda e: e.path)


@functools.lru_cache(maxsize=None)
def codegen_fingerprint(memo_dir=None):
    """sha256 over csrc/, templates/ and the package's Python: a change to any of them is a new key.

    Hashing every file costs milliseconds, so with `memo_dir` the digest is remembered under a
    signature of the files' paths, sizes and modification times, which a new process can check
    with a few stat calls.
    """
    files = _source_files()
    signature = hashlib.sha256("\n".join(f"{e.path}|{e.stat().st_size}|{e.stat().st_mtime_ns}"
                                         for e in files).encode()).hexdigest()
    memo = Path(memo_dir) / "fingerprints.json" if memo_dir else None
    known = _read_json(memo) if memo else {}
    if isinstance(known.get(signature), str):
        return known[signature]
    digest = hashlib.sha256()
    for entry in files:
        digest.update(entry.name.encode() + b"\0" + Path(entry.path).read_bytes() + b"\0")
    fingerprint = digest.hexdigest()
    if memo:
        _write_json(memo, {signature: fingerprint})
    return fingerprint


def _read_json(path):
    try:
        value = json.loads(path.read_text())
    except (OSError, ValueError):
        return {}
    return value if isinstance(value, dict) else {}


def _write_json(path, value):
    """Atomically (a reader never sees half a file); failures only cost the next process time."""
    try:
        tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        tmp.write_text(json.dumps(value))
        os.replace(tmp, path)
    except OSError:
        pass
