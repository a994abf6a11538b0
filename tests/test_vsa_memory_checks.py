"""Issue 22, found in review (low): what an ItemMemory file or object edited by hand does. A dim
edited in a file's header is caught by verify=True; norms and a PackedBatch's dim set by hand are
refused; a file loaded with verify=False holding junk bits is scored the same by both backends;
load(mmap=False) of rows larger than the machine's memory (a huge sparse file) is refused before
anything is allocated, and a damaged file read into RAM fails at its first bad block."""
import struct

import numpy as np
import pytest

import resin_jit as rj
from resin_jit.vsa import ItemMemory, JitVSAEngine, PackedBatch, TritVector
from resin_jit.vsa import memory_file

from support import NATIVE

DIM = 70   # two words per plane; the last holds 6 trits


def saved(tmp_path, n=5, dim=DIM, name="m.bin"):
    rows = np.stack([TritVector.random(dim, seed=s, sparsity=0.3).data for s in range(n)])
    path = tmp_path / name
    ItemMemory(rows).save(path)
    return path, rows


def edit_rows(path, edit):
    """Apply edit(words) to the file's rows (N, 2 * words + 1) as uint64, in place."""
    raw = bytearray(path.read_bytes())
    header = memory_file.HEADER.unpack_from(raw)
    n, width, offset = header[4], header[5], header[8]
    words = np.frombuffer(bytes(raw[offset:offset + n * width * 8]), "<u8").reshape(n, width).copy()
    edit(words)
    raw[offset:offset + words.nbytes] = words.tobytes()
    path.write_bytes(bytes(raw))


def test_a_dim_edited_in_the_header_is_caught_by_verify(tmp_path):
    """69 trits take as many words as 70: the header's sizes agree, the rows' guard words do not."""
    path, _ = saved(tmp_path)
    raw = bytearray(path.read_bytes())
    struct.pack_into("<Q", raw, 16, DIM - 1)
    path.write_bytes(bytes(raw))
    for mmap in (True, False):
        with pytest.raises(ValueError, match=r"rows 0\.\.4 hold a row that is not a packed vector of 69 trits"):
            ItemMemory.load(path, mmap=mmap)
    unverified = ItemMemory.load(path, verify=False)
    engine = JitVSAEngine(rj.JitCompiler()) if NATIVE else None
    if engine is not None:   # a search still reads the guard words
        with pytest.raises(ValueError, match="guard word 70, not its dimension 69"):
            engine.top_k(TritVector.random(DIM - 1, seed=1), unverified, 2)


def test_norms_set_by_hand_are_refused():
    memory = ItemMemory(np.stack([TritVector.random(DIM, seed=s).data for s in range(4)]))
    for bad, message in ((np.zeros(3, np.int64), r"int64 array of shape \(4,\).*shape \(3,\)"),
                         (np.zeros(4), "dtype float64"), ([1, 2, 3, 4], "not list"),
                         (np.array([1, 2, 3, 71]), r"0\.\.70; these hold 1\.\.71"),
                         (np.array([-1, 2, 3, 4]), r"these hold -1\.\.4")):
        with pytest.raises(ValueError, match=message):
            memory.norms = bad
    memory.norms = np.array([1, 2, 3, 70])   # in range: taken as given (only a recount could tell)
    memory.norms = None
    assert memory.norms is None


def test_a_packed_batch_dim_cannot_be_set_by_hand():
    batch = PackedBatch(np.stack([TritVector.random(DIM, seed=s).data for s in range(3)]))
    with pytest.raises(AttributeError):
        batch.dim = DIM - 1
    with pytest.raises(AttributeError):
        batch.rows = batch.rows[:1]
    assert batch.dim == DIM and len(batch) == 3


def test_junk_bits_of_an_unverified_file_score_the_same_on_both_backends(tmp_path, numpy_jit):
    """A bit past dim, and a trit with both bits set: the numpy backend counts them as the kernels do."""
    if not NATIVE:
        pytest.skip("no C compiler on this machine: native path untestable")
    path, _ = saved(tmp_path, n=6)

    def junk(words):
        words[0, 1] |= np.uint64(1 << 9)                                  # past trit 69 of the positive plane
        words[3, 3] |= np.uint64(1 << 8)                                  # past dim in the negative plane
        words[1, 0] |= np.uint64(1 << 3)
        words[1, 2] |= np.uint64(1 << 3)                                  # trit 3: both bits
        words[4, 1] |= words[4, 3] | np.uint64(1 << 2)
        words[4, 3] |= np.uint64(1 << 2)
    edit_rows(path, junk)
    with pytest.raises(ValueError, match="not a packed vector"):
        ItemMemory.load(path)
    memory = ItemMemory.load(path, verify=False)
    native, numpy_engine = JitVSAEngine(rj.JitCompiler()), JitVSAEngine(numpy_jit)
    queries = [TritVector.random(DIM, seed=s, sparsity=0.4) for s in (10, 11, 12)]
    for metric in ("dot", "cosine", "hamming"):
        a, b = native.similarity(queries, memory, metric), numpy_engine.similarity(queries, memory, metric)
        assert np.array_equal(a, b), metric
        (ia, sa), (ib, sb) = native.top_k(queries, memory, 4, metric), numpy_engine.top_k(queries, memory, 4, metric)
        assert np.array_equal(ia, ib) and np.array_equal(sa, sb), metric
    clean = ItemMemory(memory.dense())   # what the junk reads as differs from its dense trits: it was junk
    assert not np.array_equal(native.similarity(queries, clean, "hamming"), native.similarity(queries, memory, "hamming"))


def test_rows_larger_than_memory_are_refused_before_reading(tmp_path, monkeypatch):
    """A sparse file whose header and size agree but whose rows exceed the machine's memory (here
    made 1 MB: the check comes before the labels (a list of N numbers) or the rows are made)."""
    assert memory_file._physical_memory() > 1 << 26
    monkeypatch.setattr(memory_file, "_physical_memory", lambda: 1 << 20)
    width = 2 * 2 + 1
    n = (1 << 20) // (width * 8) + 1
    labels = b"null"
    offset = memory_file.ROWS_ALIGN
    path = tmp_path / "huge.bin"
    with open(path, "wb") as f:
        f.write(memory_file.HEADER.pack(memory_file.MAGIC, 1, 0, DIM, n, width, memory_file.HEADER.size, len(labels),
                                        offset) + labels)
        f.truncate(offset + n * width * 8)   # sparse: nothing written
    with pytest.raises(ValueError, match="more than this machine's memory .* load it with mmap=True"):
        ItemMemory.load(path, mmap=False)
    with pytest.raises(ValueError, match="not a packed vector"):   # mapped, it is read (and refused) as it is
        ItemMemory.load(path, mmap=True)


def test_a_damaged_file_read_into_ram_fails_at_its_first_bad_block(tmp_path, monkeypatch):
    path, rows = saved(tmp_path, n=40)
    edit_rows(path, lambda words: words.__setitem__((12, -1), 0))   # row 12's guard word
    monkeypatch.setattr(memory_file, "VERIFY_BLOCK_BYTES", 8 * 5 * 10)   # blocks of 10 rows
    reads = []
    real = memory_file._verify_rows
    monkeypatch.setattr(memory_file, "_verify_rows", lambda block, *a: (reads.append(len(block)), real(block, *a)))
    with pytest.raises(ValueError, match=r"rows 10\.\.19 hold a row that is not a packed vector"):
        ItemMemory.load(path, mmap=False)
    assert reads == [10, 10]   # blocks 0..9 and 10..19, then the error: rows 20.. never read
    assert np.array_equal(ItemMemory.load(path, mmap=False, verify=False).rows[:12], ItemMemory(rows).rows[:12])
