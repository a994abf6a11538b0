"""An ItemMemory on disk: save(memory, path) and load(cls, path, mmap, verify).

The format, little-endian, version 1:
    offset  size  field
    0       8     magic b"RJVSAMEM"
    8       4     version (uint32, 1)
    12      4     flags (uint32, 0)
    16      8     dim, trits per vector (uint64, >= 1)
    24      8     N, vectors (uint64, >= 1)
    32      8     words per row (uint64): 2 * ceil(dim / 64) + 1, a packed vector's buffer
    40      8     labels offset (uint64): 64
    48      8     labels length in bytes (uint64)
    56      8     rows offset (uint64): the first multiple of 4096 after the labels
    64      ...   labels: UTF-8 JSON, `null` (the default labels 0..N-1) or a list of N str/int
                  (numpy integers are saved as int)
    rows offset   N * words * 8 bytes: the packed rows (pos plane, neg plane, guard word = dim),
                  then the end of the file.

A file is untrusted until checked: the header's sizes against each other and the file's size
(computed in Python ints, so no size wraps), the labels parsed as JSON of str and int only (never
pickle), the file a regular file; anything else is a ValueError naming what is wrong. With
`verify` every row is read once, in blocks, and checked: its guard word is the header's dim (so
a dim edited in the header to another with the same words per row is caught; one with other
words per row fails the header check either way), no trit has both bits set, no bit is set past
dim. Without it a row whose guard word is not dim is still refused when a search reads it, and
the other bits are scored as the kernels count them, on both backends (search.packed_scores).
A file has no norms (a memory counts them on its first cosine search). With mmap=False the rows
are read in blocks, each verified as it arrives; rows larger than the machine's memory are
refused before anything is allocated. A mapped file
must not be truncated by another process while mapped (the operating system then kills the
reader on access, as for any memory-mapped file).
"""
import json
import mmap as _mmap
import os
import stat
import struct

import numpy as np

from ..front.abi import aligned_empty
from ..store.fs import replacing
from .vectors import _check_dim, words_for

MAGIC = b"RJVSAMEM"
VERSION = 1
HEADER = struct.Struct("<8sIIQQQQQQ")
ROWS_ALIGN = 4096
VERIFY_BLOCK_BYTES = 1 << 24


def save(memory, path):
    """Write `memory` to `path` in the format above, through store/fs.replacing: written under a new
    name never used before beside it (created anew, no link followed) and renamed over `path`, so a
    memory mapped from a file there keeps its data, a reader never sees half a file, and nothing is
    left behind on an error. A directory, FIFO or device at `path` is refused."""
    n, width = memory.rows.shape
    if len(memory.labels) != n:
        raise ValueError(f"the memory has {n} vectors but {len(memory.labels)} labels: give one label per vector "
                         f"(labels changed by hand?) before saving")
    labels = _labels_json(memory.labels)
    rows_offset = -(-(HEADER.size + len(labels)) // ROWS_ALIGN) * ROWS_ALIGN
    header = HEADER.pack(MAGIC, VERSION, 0, memory.dim, n, width, HEADER.size, len(labels), rows_offset)
    with replacing(path) as f:
        f.write(header + labels)
        f.write(b"\0" * (rows_offset - HEADER.size - len(labels)))
        f.write(np.ascontiguousarray(memory.rows, "<u8").data)


def load(cls, path, mmap=True, verify=True):
    """The ItemMemory in the file at `path` (see the module's docstring)."""
    with _open_regular(path) as f:
        dim, n, width, rows_offset, labels = _read_head(f, os.fstat(f.fileno()).st_size, path, in_ram=not mmap)
        if mmap:
            mapped = _mmap.mmap(f.fileno(), 0, access=_mmap.ACCESS_READ)
            rows = np.frombuffer(mapped, "<u8", n * width, rows_offset).reshape(n, width)
            if verify:
                _verify_rows(rows, dim, path)
        else:
            rows = _read_rows(f, n, width, rows_offset, dim, path, verify)
    memory = cls.__new__(cls)
    memory.rows, memory.dim, memory.labels, memory.norms, memory._capacity = rows, dim, labels, None, None
    rows.flags.writeable = False
    return memory


def _open_regular(path):
    """The file at `path` opened for reading, or ValueError if it is not a regular file (opened
    without blocking first: a FIFO would wait for a writer)."""
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0))
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise ValueError(f"{path!s} is not a regular file; an item memory file is one saved by ItemMemory.save")
        return os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise


def _read_head(f, size, path, in_ram=False):
    """(dim, N, words per row, rows offset, labels) of a checked header and labels; in_ram: rows
    larger than the machine's memory (a huge sparse file, say) refused before anything is made."""
    raw = f.read(HEADER.size)
    if len(raw) < HEADER.size or raw[:8] != MAGIC:
        raise ValueError(f"{path!s} is not an item memory file (no {MAGIC!r} header); save one with ItemMemory.save")
    magic, version, flags, dim, n, width, labels_offset, labels_len, rows_offset = HEADER.unpack(raw)
    if version != VERSION or flags != 0:
        raise ValueError(f"{path!s}: item memory file version {version} (flags {flags}); this resin_jit reads "
                         f"version {VERSION}: save the memory again with this version")
    if not 1 <= dim <= 1 << 40 or width != 2 * words_for(dim) + 1:
        raise ValueError(f"{path!s}: a header of dim {dim} with {width} words per row (expected "
                         f"{2 * words_for(dim) + 1 if dim >= 1 else 'dim >= 1'}); the file is damaged")
    expected = -(-(HEADER.size + labels_len) // ROWS_ALIGN) * ROWS_ALIGN
    if n < 1 or labels_offset != HEADER.size or rows_offset != expected or rows_offset + n * width * 8 != size:
        raise ValueError(f"{path!s}: the header says {n} rows of {width} words after {labels_len} bytes of labels, "
                         f"which does not match the file's {size} bytes; the file is damaged or truncated")
    if in_ram and n * width * 8 > _physical_memory():
        raise ValueError(f"{path!s}: its {n} rows take {n * width * 8} bytes, more than this machine's memory "
                         f"({_physical_memory()} bytes): load it with mmap=True, which maps it instead of reading it")
    return _check_dim(dim), n, width, rows_offset, _read_labels(f.read(labels_len), n, path)


def _labels_json(labels):
    """The labels as JSON bytes: null for the default 0..N-1, else a list of str/int."""
    if labels == list(range(len(labels))) and all(type(x) is int or isinstance(x, np.integer) for x in labels):
        return b"null"   # the default labels (not False/True or 0.0, 1.0, ..., which compare equal to them)
    plain = []
    for label in labels:
        if isinstance(label, (bool, np.bool_)) or not isinstance(label, (str, int, np.integer)):
            raise TypeError(f"ItemMemory.save stores labels that are str or int; got {type(label).__name__} "
                            f"{label!r}: map the labels to str or int before saving (a file never holds pickles)")
        plain.append(str(label) if isinstance(label, str) else int(label))
    return json.dumps(plain, ensure_ascii=False).encode()


def _read_labels(raw, n, path):
    try:
        labels = json.loads(raw.decode("utf-8"))
    except (ValueError, RecursionError) as e:
        raise ValueError(f"{path!s}: the labels are not valid UTF-8 JSON ({e}); the file is damaged") from None
    if labels is None:
        return list(range(n))
    if not isinstance(labels, list) or len(labels) != n or any(type(x) not in (str, int) for x in labels):
        raise ValueError(f"{path!s}: the labels must be a JSON list of {n} strings or integers; the file is damaged")
    return labels


def _read_rows(f, n, width, offset, dim, path, verify):
    """The rows read into RAM a block at a time, each block verified as it arrives: a damaged file
    fails at its first bad block, not after all of it is read."""
    rows = aligned_empty((n, width), np.uint64)
    f.seek(offset)
    step = _block_rows(width)
    for lo in range(0, n, step):
        block = rows[lo:lo + step]
        if f.readinto(block.data.cast("B")) != block.nbytes:
            raise ValueError(f"{path!s}: the rows end early (the file changed while read)")
        if verify:
            _verify_rows(block, dim, path, lo)
    return rows


def _physical_memory():
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (AttributeError, ValueError, OSError):   # no sysconf (Windows): no limit known
        return 1 << 62


def _block_rows(width):
    return max(1, VERIFY_BLOCK_BYTES // (width * 8))


def _verify_rows(rows, dim, path, first=0):
    """Every row's guard word is dim, no trit both +1 and -1, no bit past the last trit (rows
    numbered from `first` in the error)."""
    words = words_for(dim)
    step = _block_rows(rows.shape[1])
    tail = np.uint64(dim % 64)
    for lo in range(0, rows.shape[0], step):
        block = rows[lo:lo + step]
        pos, neg = block[:, :words], block[:, words:2 * words]
        if (np.any(block[:, 2 * words] != dim) or np.any(pos & neg)
                or (tail and np.any((pos[:, -1] | neg[:, -1]) >> tail))):
            raise ValueError(f"{path!s}: rows {first + lo}..{first + lo + len(block) - 1} hold a row that is not a "
                             f"packed vector of {dim} trits (its guard word or bits); the file is damaged")
