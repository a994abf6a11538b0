"""Issue 22 item 4: an ItemMemory grows (add, extend), saves to a file and loads back (mapped or
read), a hostile file is a ValueError, and top_k takes a batch, streamed over the memory in
blocks: the same indices and scores as full similarity + best_first, on both backends."""
import json
import os
import struct

import numpy as np
import pytest

import resin_jit as rj
from resin_jit.vsa import ItemMemory, JitVSAEngine, TritVector
from resin_jit.vsa import memory_file, stream
from resin_jit.vsa.search import METRICS, best_first

from support import NATIVE, TIERS


@pytest.fixture(params=["numpy", "native"])
def engine(request):
    if request.param == "native" and not NATIVE:
        pytest.skip("no C compiler on this machine: native path untestable")
    return JitVSAEngine(request.getfixturevalue("numpy_jit") if request.param == "numpy" else rj.JitCompiler())


def trits(n, dim, seed, ties=True):
    """Random trits with duplicated rows, a zero row and a row of ones: ties for every metric."""
    data = np.random.default_rng(seed).integers(-1, 2, (n, dim), dtype=np.int8)
    if ties and n > 10:
        data[n // 2:n // 2 + 5] = data[3]
        data[n - 1] = data[3]
        data[7] = 0
        data[8] = 1
    return data


def reference_top_k(engine, queries, memory, k, metric):
    full = engine.similarity(queries, memory, metric)
    orders = [best_first(row if metric == "hamming" else -row, k) for row in full]
    return np.array(orders), np.array([row[o] for row, o in zip(full, orders)])


def test_growth_equals_a_memory_built_at_once(engine):
    data = trits(300, 200, 0)
    whole = ItemMemory(data, labels=[f"v{i}" for i in range(300)])
    grown = ItemMemory(data[:10], labels=[f"v{i}" for i in range(10)])
    grown.norms = engine.norms(grown.rows, 200)   # as a cosine search keeps them: growth keeps them in step
    held = grown.rows
    for i in range(10, 40):
        grown.add(TritVector(data[i]), label=f"v{i}")
    grown.extend(data[40:250], labels=[f"v{i}" for i in range(40, 250)])
    grown.extend([TritVector(row).pack() for row in data[250:]], labels=(f"v{i}" for i in range(250, 300)))
    assert np.array_equal(grown.rows, whole.rows) and grown.labels == whole.labels and len(grown) == 300
    assert np.array_equal(grown.norms, np.count_nonzero(data, axis=1)) and not grown.rows.flags.writeable
    assert np.array_equal(held, whole.rows[:10])        # a view taken before stays valid
    for metric in METRICS:
        got, want = engine.top_k(data[:5], grown, 7, metric), engine.top_k(data[:5], whole, 7, metric)
        assert np.array_equal(got[0], want[0]) and np.array_equal(got[1], want[1])
    numbered = ItemMemory(data[:2]).add(TritVector(data[2])).extend(data[3:5]).extend([])
    assert numbered.labels == [0, 1, 2, 3, 4] and len(numbered) == 5


def test_norms_dropped_and_counted_again_stay_in_step_with_growth(engine):
    data = trits(100, 130, 12)
    memory = ItemMemory(data[:3])
    memory.norms = engine.norms(memory.rows, 130)
    memory.extend(data[3:20])
    memory.norms = None                        # dropped: rows added now have none counted
    memory.extend(data[20:40])
    memory.norms = engine.norms(memory.rows, 130)
    memory.extend(data[40:])
    assert np.array_equal(memory.norms, np.count_nonzero(data, axis=1))


def test_growth_refuses_what_does_not_fit():
    memory = ItemMemory(trits(5, 64, 1))
    with pytest.raises(ValueError, match="dimension 65 added to a memory of dimension 64"):
        memory.add(TritVector.random(65, seed=0))
    with pytest.raises(ValueError, match="1 labels for 2 vectors"):
        memory.extend(trits(2, 64, 2), labels=["a"])
    assert len(memory) == 5 and len(memory.labels) == 5


@pytest.mark.parametrize("labels", [None, "str", "int"])
@pytest.mark.parametrize("mapped", [True, False])
def test_save_and_load_give_the_same_searches(engine, tmp_path, labels, mapped):
    data = trits(129, 1000, 3)
    names = {None: None, "str": [f"item-{i} é" for i in range(129)], "int": [i * 7 - 100 for i in range(129)]}
    memory = ItemMemory(data, labels=names[labels])
    path = tmp_path / "memory.rjm"
    memory.save(path)
    loaded = ItemMemory.load(path, mmap=mapped)
    assert loaded.dim == 1000 and loaded.labels == memory.labels and np.array_equal(loaded.rows, memory.rows)
    assert not loaded.rows.flags.writeable and loaded.rows.ctypes.data % 64 == 0
    for metric in METRICS:
        got, want = engine.top_k(data[:9], loaded, 11, metric), engine.top_k(data[:9], memory, 11, metric)
        assert np.array_equal(got[0], want[0]) and np.array_equal(got[1], want[1])
    loaded.add(TritVector(data[0]), label=labels and memory.labels[0])   # a mapped memory grows in RAM
    loaded.save(path)                                                    # over the file it was mapped from
    again = ItemMemory.load(str(path), mmap=mapped)
    assert len(again) == 130 and np.array_equal(again.rows[129], memory.rows[0])


def test_labels_that_are_not_str_or_int_are_not_saved(tmp_path):
    numbered = tmp_path / "numbered.rjm"
    ItemMemory(trits(3, 10, 4), labels=np.arange(5, 8)).save(numbered)       # numpy ints are ints
    assert ItemMemory.load(numbered).labels == [5, 6, 7]
    numbered.unlink()
    for bad in ([1.5, 2], [True, 1], [np.bool_(True), 1], [(1, 2), 3], [None, 1], [b"x", 1]):
        with pytest.raises(TypeError, match="labels that are str or int"):
            ItemMemory(trits(2, 10, 4), labels=bad).save(tmp_path / "m.rjm")
    assert not list(tmp_path.iterdir())          # nothing left behind


def saved(tmp_path, n=6, dim=100, labels=None):
    path = tmp_path / "good.rjm"
    ItemMemory(trits(n, dim, 5), labels=labels).save(path)
    return path.read_bytes()


def with_header(raw, **fields):
    names = ["magic", "version", "flags", "dim", "n", "width", "labels_offset", "labels_len", "rows_offset"]
    values = dict(zip(names, memory_file.HEADER.unpack(raw[:64])))
    values.update(fields)
    return memory_file.HEADER.pack(*values.values()) + raw[64:]


def hostile_files(tmp_path):
    raw = saved(tmp_path)
    labelled = saved(tmp_path, labels=["a", "b", "c", "d", "e", "f"])
    n, width, dim = 6, 2 * 2 + 1, 100
    rows_at = 4096

    def with_labels(text):
        body = text.encode() if isinstance(text, str) else text
        rows_offset = -(-(64 + len(body)) // 4096) * 4096
        head = with_header(raw[:64], labels_len=len(body), rows_offset=rows_offset)
        return head + body + b"\0" * (rows_offset - 64 - len(body)) + raw[rows_at:]

    def row_word(row, *words_values):
        out = bytearray(raw)
        for word, value in zip(words_values[::2], words_values[1::2]):
            struct.pack_into("<Q", out, rows_at + 8 * (row * width + word), value)
        return bytes(out)
    return {
        "empty": b"", "short header": raw[:30], "truncated labels": labelled[:70],
        "truncated rows": raw[:-8], "one row short": raw[:-8 * width], "longer": raw + b"\0" * 8,
        "wrong magic": b"NOTAMEMO" + raw[8:], "version 2": with_header(raw, version=2),
        "flags": with_header(raw, flags=1), "dim 0": with_header(raw, dim=0),
        "huge dim": with_header(raw, dim=2**63), "width": with_header(raw, width=width + 1),
        "huge N": with_header(raw, n=2**60), "N = -1": with_header(raw, n=2**64 - 1), "N = 0": with_header(raw, n=0),
        "negative labels length": with_header(raw, labels_len=2**64 - 1),
        "rows offset": with_header(raw, rows_offset=64), "labels offset": with_header(raw, labels_offset=0),
        "labels not json": with_labels("[1, 2,"), "labels not utf-8": with_labels(b'["\xff\xfe"]'),
        "labels of floats": with_labels(json.dumps([1.5] * n)), "labels of bools": with_labels(json.dumps([True] * n)),
        "labels too few": with_labels(json.dumps(["a"] * (n - 1))), "labels a dict": with_labels('{"a": 1}'),
        "labels nested deep": with_labels("[" * 100_000 + "]" * 100_000),
        "labels of lists": with_labels(json.dumps([[1]] * n)), "labels a huge int": with_labels("[" + ", ".join(["9" * 5000] * n) + "]"),
        "guard word": row_word(2, 4, 99), "both +1 and -1": row_word(1, 0, 1, 2, 1), "bits past the end": (
            row_word(1, 1, 1 << (dim % 64))),
    }



def test_save_replaces_a_link_without_writing_through_it_and_refuses_a_directory(tmp_path):
    """save goes through store/fs.replacing: a symlink at the path is replaced, never followed (the
    file it names is untouched), nothing is left beside it, and a directory there is refused."""
    memory = ItemMemory(np.random.default_rng(5).integers(-1, 2, (4, 100), dtype=np.int8))
    victim = tmp_path / "victim"
    victim.write_bytes(b"keep")
    link = tmp_path / "memory.rjm"
    link.symlink_to(victim)
    memory.save(link)
    assert victim.read_bytes() == b"keep" and not link.is_symlink()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["memory.rjm", "victim"]
    assert ItemMemory.load(link).labels == [0, 1, 2, 3]
    (tmp_path / "folder").mkdir()
    with pytest.raises(IsADirectoryError):
        memory.save(tmp_path / "folder")

def test_a_hostile_file_is_a_value_error_never_a_crash(tmp_path):
    for name, content in hostile_files(tmp_path).items():
        path = tmp_path / "hostile.rjm"
        path.write_bytes(content)
        for mapped in (True, False):
            with pytest.raises(ValueError, match="hostile.rjm"):
                ItemMemory.load(path, mmap=mapped)
                pytest.fail(f"{name}: loaded")
    with pytest.raises(ValueError, match="not a regular file"):
        ItemMemory.load(tmp_path)
    if hasattr(os, "mkfifo"):
        os.mkfifo(tmp_path / "fifo")
        with pytest.raises(ValueError, match="not a regular file"):
            ItemMemory.load(tmp_path / "fifo")


def test_an_unverified_file_with_a_bad_row_is_a_value_error_when_searched(tmp_path):
    """verify=False skips reading every row: a bad guard word is then refused by the kernel."""
    path = tmp_path / "hostile.rjm"
    path.write_bytes(hostile_files(tmp_path)["guard word"])
    memory = ItemMemory.load(path, verify=False)
    engine = JitVSAEngine(rj.JitCompiler())
    if engine.jit.backend == "native":
        with pytest.raises(ValueError):
            engine.top_k(trits(2, 100, 6), memory, 3)


@pytest.mark.parametrize("metric", METRICS)
def test_streamed_top_k_equals_full_similarity_and_best_first(engine, metric):
    data, queries = trits(1000, 150, 7), trits(6, 150, 8, ties=False)
    queries[1], queries[2] = data[3], 0
    memory = ItemMemory(data)
    for k in (1, 4, 37, 999, 1000, 5000):
        want = reference_top_k(engine, queries, memory, k, metric)
        for block_rows, threads in ((None, None), (64, 2), (333, 1), (7, 2), (1000, 2)):
            got = stream.top_k(engine, queries, memory, k, metric, threads, block_rows)
            assert got[0].shape == (6, min(k, 1000)) and got[0].dtype == np.int64
            assert np.array_equal(got[0], want[0]), (k, block_rows)
            assert np.array_equal(got[1], want[1]), (k, block_rows)
    none = engine.top_k(queries[:0], memory, 5, metric)
    assert none[0].shape == none[1].shape == (0, 5)
    one = engine.top_k(TritVector(queries[1]), memory, 9, metric)
    assert one[0].shape == (9,) and np.array_equal(one[0], want[0][1][:9]) and one[0][0] == 3


def test_best_per_row_keeps_ties_to_the_lower_index():
    keys = np.random.default_rng(9).integers(0, 4, (20, 300)).astype(np.float64)
    for k in (1, 3, 50, 299, 300, 400):
        idx, got = stream.best_per_row(keys, k, offset=1000)
        for row, i in zip(keys, idx - 1000):
            assert sorted(i.tolist()) == sorted(best_first(row, k).tolist())


def test_top_k_refuses_bad_arguments(engine):
    memory = ItemMemory(trits(20, 64, 10))
    for k in (0, -1, 1.5, True, "3"):
        with pytest.raises(ValueError, match="k must be a positive int"):
            engine.top_k(trits(2, 64, 11), memory, k)
    with pytest.raises(ValueError, match="block_rows must be a positive int"):
        stream.top_k(engine, trits(2, 64, 11), memory, 3, block_rows=0)
    with pytest.raises(ValueError, match="metric must be"):
        engine.top_k(trits(2, 64, 11), memory, 3, metric="euclid")
    with pytest.raises(ValueError, match="dimension 65 against a memory of dimension 64"):
        engine.top_k(trits(2, 65, 11), memory, 3)


def test_every_tier_top_k_kernel_equals_numpy(numpy_jit, tmp_path):
    """The top-k kernels of each ISA tier this host runs, at dimensions with a tail and of one
    word, against numpy's scores and best_first."""
    if not NATIVE:
        pytest.skip("no C compiler on this machine: native path untestable")
    reference = JitVSAEngine(numpy_jit)
    for tier in TIERS:
        engine = JitVSAEngine(rj.JitCompiler(rj.JitConfig(isa=tier, cache_dir=tmp_path)))
        for dim in (1, 63, 65, 1000):
            data, queries = trits(200, dim, dim), trits(3, dim, dim + 1, ties=False)
            memory = ItemMemory(data)
            for metric in METRICS:
                want = reference_top_k(reference, queries, memory, 25, metric)
                got = stream.top_k(engine, queries, memory, 25, metric, threads=2, block_rows=60)
                assert np.array_equal(got[0], want[0]) and np.array_equal(got[1], want[1]), (tier, dim, metric)


# -- found in review (issue 22) ------------------------------------------------------------------------

def test_labels_that_only_compare_equal_to_the_default_are_not_saved_as_it(tmp_path):
    """[False, True] and [0.0, 1.0] equal [0, 1] but are not ints: refused as such labels are
    elsewhere, never saved as the default labels and loaded back as ints."""
    for labels in ([False, True], [0.0, 1.0], [np.bool_(False), np.bool_(True)]):
        with pytest.raises(TypeError, match="labels that are str or int"):
            ItemMemory(trits(2, 10, 4), labels=labels).save(tmp_path / "m.rjm")
    assert not list(tmp_path.iterdir())


def test_save_refuses_labels_out_of_step_with_the_vectors(tmp_path):
    memory = ItemMemory(trits(3, 10, 4))
    memory.labels.append("extra")   # labels is a plain list: changed by hand, one too many
    with pytest.raises(ValueError, match="3 vectors but 4 labels"):
        memory.save(tmp_path / "m.rjm")
    assert not list(tmp_path.iterdir())   # no file that load would call damaged


@pytest.mark.parametrize("metric", METRICS)
def test_an_unverified_bad_guard_word_is_named_on_both_backends(engine, tmp_path, metric):
    """verify=False: the row whose guard word is wrong is named, by the memory's row number, by
    the kernels and by numpy alike (numpy used to search it as if it were valid)."""
    path = tmp_path / "hostile.rjm"
    path.write_bytes(hostile_files(tmp_path)["guard word"])
    memory = ItemMemory.load(path, verify=False)
    for threads, block_rows in ((1, None), (2, 2)):
        with pytest.raises(ValueError, match="packed row 2 has the guard word 99, not its dimension 100"):
            stream.top_k(engine, trits(2, 100, 6), memory, 3, metric, threads, block_rows)
    with pytest.raises(ValueError, match="packed row 2 has the guard word 99"):
        engine.similarity(trits(2, 100, 6), memory, metric)
