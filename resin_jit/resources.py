"""Where csrc/ and templates/ are, and a fingerprint of everything that shapes generated code."""
import functools
import hashlib
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


@functools.lru_cache(maxsize=None)
def codegen_fingerprint():
    """sha256 over csrc/, templates/ and the package's Python: a change to any of them is a new key."""
    digest = hashlib.sha256()
    files = sorted(csrc_dir().rglob("*")) + sorted(templates_dir().rglob("*")) + sorted(PACKAGE_DIR.rglob("*.py"))
    for path in files:
        if path.is_file():
            digest.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()
