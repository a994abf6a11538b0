"""Issue 4: the VSA kernels on the NEON tier (and plain C on AArch64), cross-compiled and run
under qemu against the numpy reference. All kernels go into one static executable (each entry
renamed with -Drj_entry=...), and one qemu process serves every call."""
import os
import struct
from pathlib import Path

import numpy as np

from resin_jit.toolchain import isa
from resin_jit.vsa import TritVector, kernels, reference as R
from resin_jit.vsa.vectors import popcount_rows, words_for

from support import needs_neon
from support.neon import build_vsa_harness, run_under_qemu

pytestmark = needs_neon

SIZES = {"b": 1, "u": 8, "q": 8, "d": 8, "i": 4}
DTYPES = {"b": np.int8, "u": np.uint64, "q": np.int64, "d": np.float64, "i": np.int32}


def cases():
    """(tier, op, layout, dim, k): each kind of loop on NEON (below one 16-trit vector; a tail;
    more than one int8 flush block), and the word-popcount path of plain C on AArch64."""
    out = []
    for dim in (7, 33, 4097):
        for op in ("dot", "hamming", "cosine", "bind"):
            out += [("neon", op, "dense", dim, None), ("neon", op, "packed", dim, None)]
        out += [("neon", "bundle", "dense", dim, 3), ("neon", "bundle", "packed", dim, 3),
                ("neon", "pack", "dense", dim, None)]
    out += [("neon", "bundle_stacked", "dense", 1023, None), ("neon", "bundle_stacked", "packed", 1023, None),
            ("neon", "permute", "packed", 1023, 5), ("neon", "similarity_cosine", "packed", 1023, None),
            ("neon", "similarity_hamming", "packed", 65, None),
            ("scalar", "dot", "packed", 1023, None), ("scalar", "cosine", "dense", 1023, None)]
    for tier, dim in (("neon", 7), ("neon", 33), ("neon", 4097), ("scalar", 1023)):   # records and training
        out += [(tier, "record_rows", "packed", dim, 0), (tier, "record_rows", "packed", dim, 1),
                (tier, "class_add", "packed", dim, 3), (tier, "class_add", "packed", dim, 40),
                (tier, "class_quantise", "packed", dim, None), (tier, "dots_update", "packed", dim, 70)]
    return out


def learning_arguments(op, dim, k):
    """record_rows (k: sparse codebooks or not), class_add (k rows), class_quantise and dots_update
    (k rows), as arguments() gives them."""
    rng = np.random.default_rng(dim)
    pk = lambda trits: np.stack([TritVector(t).pack()._buf for t in trits])   # noqa: E731
    if op == "record_rows":
        keys, values = (rng.integers(-1 if k else 0, 2, (n, dim)).astype(np.int8) for n in (9, 4))
        if not k:
            keys, values = keys * 2 - 1, values * 2 - 1
        index = rng.integers(0, 4, (5, 9))
        want = np.sign((keys[None].astype(np.int64) * values[index]).sum(axis=1)).astype(np.int8)
        return [index, pk(keys), pk(values), np.zeros((5, 2 * words_for(dim) + 1), np.uint64)], \
            (lambda ri, rf, bufs: np.array_equal(bufs[-1].reshape(5, -1), pk(want)))
    if op == "dots_update":   # (k rows) transposed in numpy, a class vector changed at a tenth of its trits
        trits, old = rng.integers(-1, 2, (k, dim)).astype(np.int8), rng.integers(-1, 2, (1, dim)).astype(np.int8)
        new = np.where(rng.random((1, dim)) < 0.1, rng.integers(-1, 2, (1, dim)), old).astype(np.int8)
        qw = (k + 63) // 64
        planes = np.zeros((2, 64 * qw, dim), np.uint64)
        planes[0, :k], planes[1, :k] = trits > 0, trits < 0
        cols = (planes.reshape(2, qw, 64, dim) << np.arange(64, dtype=np.uint64)[:, None]).sum(axis=2, dtype=np.uint64)
        dots = (trits.astype(np.int64) @ old.T).astype(np.float64)
        want = (trits.astype(np.int64) @ new.T).astype(np.float64)
        cols = np.ascontiguousarray(cols.transpose(2, 0, 1))   # position by position: (j, plane, q), vsa_dots.h
        return [cols.reshape(dim, 2 * qw), pk(old), pk(new), np.array([0]), dots, np.zeros(k, np.int32)], \
            (lambda ri, rf, bufs: np.array_equal(bufs[4].reshape(k, 1), want))
    acc = rng.integers(-9, 9, (3, dim)).astype(np.int32)
    if op == "class_add":
        trits, plus, minus = rng.integers(-1, 2, (k, dim)).astype(np.int8), rng.integers(0, 3, k), rng.integers(0, 3, k)
        want = acc + 2 * np.stack([trits[plus == c].sum(axis=0) - trits[minus == c].sum(axis=0) for c in range(3)])
        return [pk(trits), plus, minus, acc, 2], (lambda ri, rf, bufs: np.array_equal(bufs[3].reshape(3, dim), want))
    cut = np.sort(np.abs(acc), axis=1)[:, dim // 3 - 1:dim // 3] if dim >= 3 else 0
    want = np.where(np.abs(acc) > cut, np.sign(acc), 0)
    return [acc, np.arange(3), np.zeros((3, 2 * words_for(dim) + 1), np.uint64), np.zeros(3, np.int64), dim // 3], \
        (lambda ri, rf, bufs: np.array_equal(bufs[2].reshape(3, -1), pk(want)))


def arguments(op, layout, dim, k):
    """The buffers (and integers) of one call and a function of the returned (ret_int, ret_float,
    buffers) → ok."""
    if op in ("record_rows", "class_add", "class_quantise", "dots_update"):
        return learning_arguments(op, dim, k)
    a, b, c = (TritVector.random(dim, seed=s, sparsity=0.25 if s == 2 else None) for s in range(3))
    many = [TritVector.random(dim, seed=10 + s) for s in range(40)]
    pk = (lambda v: v.pack()._buf) if layout == "packed" else (lambda v: v.data)
    empty = (np.zeros(2 * words_for(dim) + 1, np.uint64) if layout == "packed" else np.zeros(dim, np.int8))

    def out_equals(expected):
        want = TritVector(expected).pack()._buf if layout == "packed" else expected
        return lambda ri, rf, bufs: np.array_equal(bufs[-1], want)
    if op in ("dot", "hamming", "cosine"):
        want = getattr(R, op)(a.data, b.data)
        return [pk(a), pk(b)], (lambda ri, rf, bufs: (rf if op == "cosine" else ri) == want)
    if op == "bind":
        return [pk(a), pk(b), empty], out_equals(R.bind(a.data, b.data))
    if op == "bundle":
        return [pk(a), pk(b), pk(c), empty], out_equals(R.bundle([a.data, b.data, c.data]))
    if op == "bundle_stacked":
        return [np.stack([pk(v) for v in many]), empty], out_equals(R.bundle([v.data for v in many]))
    if op == "permute":
        return [pk(a), empty], out_equals(np.roll(a.data, k))
    if op == "pack":
        buf = np.zeros(2 * words_for(dim) + 1, np.uint64)
        return [c.data, buf], (lambda ri, rf, bufs: np.array_equal(bufs[-1], c.pack()._buf))
    metric = op.split("_")[1]
    queries, memory = np.stack([a.pack()._buf, b.pack()._buf]), np.stack([v.pack()._buf for v in many[:5]])
    want = R.similarity(np.stack([a.data, b.data]), np.stack([v.data for v in many[:5]]), metric)
    words = 2 * words_for(dim)
    if metric == "cosine":
        args = [queries, popcount_rows(queries[:, :words]), memory, popcount_rows(memory[:, :words])]
    else:
        args = [queries, memory]
    return args + [np.zeros(want.size)], (lambda ri, rf, bufs: np.array_equal(bufs[-1].reshape(want.shape), want))


def test_vsa_kernels_on_aarch64(tmp_path):
    selected = cases()
    exe = build_vsa_harness(tmp_path, selected)
    requests, checks = [], []
    for n, (tier, op, layout, dim, k) in enumerate(selected):
        args, check = arguments(op, layout, dim, k)
        argspec = kernels.rule(op, layout, k)[0]
        buffers = [(letter, a) for letter, a in zip(argspec, args) if letter != "n"]
        payload = struct.pack("<ii", n, len(args))   # (vsa_harness.c: an integer is an argument of size 0)
        for letter, arg in zip(argspec, args):
            if letter == "n":
                payload += struct.pack("<iqq", 0, int(arg), 0)
                continue
            arr = np.ascontiguousarray(arg, DTYPES[letter.lower()])
            payload += struct.pack("<iqq", SIZES[letter.lower()], arr.size, arr.shape[0] if arr.ndim == 2 else 1)
            payload += arr.tobytes()
        requests.append(payload)
        checks.append((argspec, [np.ascontiguousarray(a, DTYPES[l.lower()]) for l, a in buffers], check))
    reply, at = run_under_qemu(exe, b"".join(requests), timeout=120), 0
    failures = []
    for case, (argspec, args, check) in zip(selected, checks):
        status, ret_int, ret_float = struct.unpack_from("<iqd", reply, at)
        at += 20
        bufs = []
        for arr in args:
            bufs.append(np.frombuffer(reply, arr.dtype, arr.size, at))
            at += arr.nbytes
        if status != 0 or not check(ret_int, ret_float, bufs):
            failures.append(case)
    assert at == len(reply)
    assert not failures, f"kernels that disagree with numpy on AArch64: {failures}"
