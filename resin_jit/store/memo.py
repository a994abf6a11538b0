"""Memos: small facts one process remembers for the next, each a JSON object in a file of the
memo/ folder beside a cache's kernels/: a C compiler's version by its path and stamp (toolchain),
the code's fingerprint by its files' stats (store/keys.py). They only save time: a memo that is
missing, odd or unwritable reads as empty and costs the next process a little work, never a
wrong answer.
"""
import contextlib
import json
from dataclasses import dataclass
from pathlib import Path

from .fs import directories_problem, mkdir_private, read_json_object, write_atomically

FOLDER = "memo"
NAMES = ("toolchains", "fingerprints")   # every memo there is: `cache clear` removes these, nothing else
LEGACY_FILES = ("toolchains.json", "fingerprints.json")   # where resin_jit kept them before, at the root


@dataclass(frozen=True)
class Memo:
    """One memo file: get(key) a str remembered, put(key, value) remembered for the next process.
    The memo/ folder is trusted only as the cache's kernels/ is (a directory, not a link, that
    nobody else could have replaced): else the memo remembers nothing."""
    root: "Path | None"   # the cache directory; None: a memo that remembers nothing
    name: str = ""

    @property
    def path(self):
        return None if self.root is None else self.root / FOLDER / f"{self.name}.json"

    def _trusted(self):
        return self.root is not None and directories_problem(self.root, (FOLDER,), missing_ok=True) is None

    def get(self, key):
        value = read_json_object(self.path).get(key) if self._trusted() else None
        return value if isinstance(value, str) else None

    def put(self, key, value, keep_others=True):
        """Remember `value` under `key` (with keep_others False, only it); a failure costs time only."""
        if not self._trusted():
            return
        known = read_json_object(self.path) if keep_others else {}
        with contextlib.suppress(OSError):
            mkdir_private(self.path.parent)
            if self._trusted():   # made by us just now, or checked again after another process made it
                write_atomically(self.path, json.dumps({**known, key: value}).encode())


NO_MEMO = Memo(None)


def memo(root, name):
    """The memo `name` (one of NAMES) of the cache directory `root` (None: NO_MEMO)."""
    if name not in NAMES:
        raise ValueError(f"unknown memo {name!r}; the memos are {', '.join(NAMES)}")
    return NO_MEMO if root is None else Memo(Path(root), name)


def files(root):
    """Every memo file resin_jit may have made in the cache directory `root`: what `cache clear`
    removes (none in a memo/ folder that is a link or not resin_jit's to trust)."""
    root = Path(root)
    legacy = [root / name for name in LEGACY_FILES]
    if directories_problem(root, (FOLDER,), missing_ok=True):
        return legacy
    return [root / FOLDER / f"{name}.json" for name in NAMES] + legacy
