"""Where the package, csrc/ and templates/ are (inside the package in a wheel, beside it in a source tree)."""
import functools
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent.parent   # resin_jit/


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
