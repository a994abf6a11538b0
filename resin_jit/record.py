"""RESIN_JIT_RECORD=FILE: a warm manifest of every kernel a run compiles or loads.

Set it, run the program once (where a C compiler is), and FILE holds one entry per kernel the run
asked for: expression and audio graphs as "graph" entries (graph_entry.py), compile_affine's
scalar functions as "affine_scalar", the VSA engine's kernels as "vsa". `resin-jit warm --manifest
FILE --cache-dir DIR` then builds them into a prebuilt layer, and a process pointed at it
(RESIN_JIT_PREBUILT=DIR, or DIR shipped as a package's prebuilt/) loads them with no compiler.

Entries are merged into what FILE holds (one entry once), under a lock beside it (FILE.lock), and
FILE is replaced whole: processes recording into one file at once lose nothing and never leave it
half written. A graph with code that is not data (an extern with c_source= or library=, a py_node,
a node class of another package) is not recorded: one warning names it. Recording never stops a
program: a file that cannot be written is one warning too.
"""
import json
import os
import warnings
from pathlib import Path

VARIABLE = "RESIN_JIT_RECORD"
# How a kernel that cannot be built here gets here natively: what the no-compiler warnings say.
WARM_ROUTE = (f"record it where a C compiler is ({VARIABLE}=FILE python your_program.py), warm the recording "
              "into a prebuilt layer (resin-jit warm --manifest FILE --cache-dir DIR), and point this process at "
              "it (RESIN_JIT_PREBUILT=DIR, with DIR shipped beside the program or in its image)")
_seen = set()      # (file, what was asked): each kernel is recorded once per process
_warned = set()


def target():
    """The file RESIN_JIT_RECORD names, or None when nothing is recorded."""
    return os.environ.get(VARIABLE, "").strip() or None


def graph(cg, dtype, config):
    """Record the block kernel of canonical graph `cg` at `dtype` under `config` (JitCompiler's)."""
    path = target()
    ulp = config.resolved_ulp()
    if path is None or not _first(path, ("graph", cg.ident, dtype, ulp, _config_fields(config))):
        return
    from .graph_entry import NotRecordable, entry_of
    try:
        entry = entry_of(cg, dtype, ulp)
    except NotRecordable as exc:
        _warn(("graph", cg.key), f"resin_jit: kernel {cg.key[:12]} is not recorded into {path}: {exc}. Its "
                                 "kernel is built where it runs (or runs on numpy without a compiler).")
        return
    add(path, {**entry, **dict(_config_fields(config))})


def affine_scalar(cg, config):
    """Record compile_affine's scalar function of the one-node graph `cg`."""
    node = cg.nodes[-1][0]
    path = target()
    if path is not None and _first(path, ("scalar", cg.ident, _config_fields(config))):
        add(path, {"kind": "affine_scalar", "a": node.a, "b": node.b, **dict(_config_fields(config))})


def vsa(op, layout, dim, k, config):
    """Record the VSA engine's kernel (op, layout, dim, k) as a "vsa" entry (warm.py's table)."""
    path = target()
    if path is None or not _first(path, ("vsa", op, layout, dim, k, _config_fields(config))):
        return
    entry = {"kind": "vsa", "op": op, "dim": dim}
    if op == "bundle":
        entry["count"] = k
    elif op == "permute":
        entry["shift"] = k
    if layout == "packed":
        entry["packed"] = True
    add(path, {**entry, **dict(_config_fields(config))})


def _config_fields(config):
    """What of the compiler's config changes a kernel's key, where it is not the default."""
    fields = {"isa": config.isa} if config.isa != "auto" else {}
    fields.update({"opt_level": config.opt_level} if config.opt_level != 2 else {})
    return tuple(sorted({**fields, **({"fastmath": True} if config.fastmath else {})}.items()))


def _first(path, what):
    if (path, what) in _seen:
        return False
    _seen.add((path, what))
    return True


def _warn(key, message):
    if key not in _warned:
        _warned.add(key)
        warnings.warn(message, RuntimeWarning, stacklevel=5)


def add(path, entry):
    """Merge `entry` into the manifest at `path`, warning (once per file) if it cannot. An entry
    that `resin-jit warm` would refuse (beyond a manifest's bounds: compile_affine(1e300, 0)) is
    left out with a warning, so that what is recorded is always a manifest warm reads."""
    from .warm import ManifestError, validate
    try:
        validate([entry])
    except ManifestError as exc:
        _warn(("entry", _text(entry)), f"resin_jit: a kernel is not recorded into {path}: {exc}")
        return
    try:
        merge(path, [entry])
    except (OSError, ValueError) as exc:
        _warn(("file", path), f"resin_jit: cannot record kernels into {path} ({VARIABLE}): {exc}")


def merge(path, entries):
    """Add to the manifest at `path` (made if missing) those of `entries` it does not hold yet,
    under the lock beside it, replacing the file whole. ValueError if what is there is not a
    manifest (then it is left as it is) or if the result would be beyond a manifest's bounds."""
    from . import bounded_json
    from .manifest_fields import LIMITS
    from .store.fs import replacing
    from .store.locks import key_lock
    path = Path(path)
    if not path.parent.is_dir():
        raise ValueError(f"directory {path.parent} does not exist")
    with key_lock(path.with_name(path.name + ".lock")):
        held = _read(path, bounded_json, LIMITS)
        known = {_text(e) for e in held}
        new = [e for e in entries if _text(e) not in known]
        if not new:
            return 0
        data = manifest_bytes(held + new)
        if len(held) + len(new) > LIMITS["entries"] or len(data) > LIMITS["bytes"]:
            raise ValueError(f"it would hold more than a manifest's {LIMITS['entries']} entries or "
                             f"{LIMITS['bytes']:,} bytes: record into a new file")
        with replacing(path) as out:
            out.write(data)
        return len(new)


def _read(path, bounded_json, limits):
    """The entries the manifest at `path` holds ([] when there is none), read as untrusted input:
    never through a symlink or from a FIFO (store/fs.open_regular), within a manifest's bounds."""
    from .store.fs import Refused, open_regular, read_fd
    if not os.path.lexists(path):
        return []
    try:
        fd, _ = open_regular(path)
    except Refused as exc:
        raise ValueError(f"{exc}: record into a regular file") from None
    try:
        value = bounded_json.loads(read_fd(fd, limits["bytes"] + 1), limits["bytes"], limits["depth"],
                                   limits["digits"])
    except ValueError as exc:
        raise ValueError(f"{path} is not a manifest ({exc}); it is left as it is") from None
    finally:
        os.close(fd)
    if not isinstance(value, list) or not all(isinstance(e, dict) for e in value):
        raise ValueError(f"{path} is not a manifest (a JSON list of entries); it is left as it is")
    return value


def _text(entry):
    return json.dumps(entry, sort_keys=True)


def manifest_bytes(entries):
    """A manifest as a file holds it: a JSON list, one entry a line."""
    return ("[\n" + ",\n".join(json.dumps(e) for e in entries) + "\n]\n").encode()
