"""Issue 22: the batch kernels (bind_rows, permute_rows, bundle_rows; csrc/vsa_batch*.h) on the NEON
tier, cross-compiled and run under qemu against numpy, as test_vsa_neon.py runs the single-vector
kernels: one static executable of every kernel (tests/c/vsa_harness.c, which takes the integer
and float arguments too), one qemu process for every call."""
import struct

import numpy as np

from resin_jit.vsa import PackedBatch, kernels

from support import needs_neon
from support.neon import run_under_qemu
from support.vsa_batch import majority, trits
from support.neon import build_vsa_harness as build

pytestmark = needs_neon

DIMS = (7, 4097)   # below one 16-trit vector; two blocks of 2048 and a tail
SIZES = {"b": 1, "u": 8, "q": 8, "d": 8}
DTYPES = {"b": np.int8, "u": np.uint64, "q": np.int64, "d": np.float64}
RJ_OK, RJ_ERR_ARGUMENT = 0, None   # a refusal is any non-zero status


def layout_of(x, layout):
    return PackedBatch(x).rows if layout == "packed" else x


def calls(layout, dim):
    """(op, arguments, expected out as dense trits or None for a refusal) for one layout and dim."""
    a, b = trits((5, dim), 1), trits((5, dim), 2, sparsity=0.3)
    out = (lambda n: np.zeros((n, 2 * ((dim + 63) // 64) + 1), np.uint64)) if layout == "packed" else \
        (lambda n: np.zeros((n, dim), np.int8))
    L = lambda x: layout_of(x, layout)   # noqa: E731
    yield "bind_rows", [L(a), L(b), out(5)], a * b
    yield "bind_rows", [L(a), L(b[2:3]), out(5)], a * b[2]
    for shift in (3, dim - 1):
        yield "permute_rows", [L(a), out(5), shift], np.roll(a, shift, axis=1)
    ends = dim if layout == "dense" else (dim + 63) // 64
    no_int, no_float = np.zeros(0, np.int64), np.zeros(0, np.float64)
    rng = np.random.default_rng(dim)
    for k, g in ((5, 2), (130, 1)):   # 130 > 127: int8 counts widened on the way
        stack = trits((g, k, dim), k, sparsity=0.2)
        rows = L(stack.reshape(g * k, dim))
        weights = [(None, no_int, no_float, 0), (w := rng.integers(-3, 5, k), w.astype(np.int64), no_float, 0),
                   (w := np.full(k, 2 ** 55), w.astype(np.int64), no_float, 0),   # int64 sums (packed: unpacked)
                   (w := rng.normal(size=k), no_int, w, 0),
                   (w := rng.normal(size=k).astype(np.float32), no_int, w.astype(np.float64), 1)]
        for given, iw, fw, f32 in weights:
            for threshold in (0.0, 1.5):
                yield ("bundle_rows", [rows, iw, fw, out(g), k, 0, ends, f32, threshold],
                       majority(stack, given, threshold))
    if layout == "dense":
        bad = a.copy()
        bad[3, dim // 2] = 5
        yield "bind_rows", [bad, a, out(5)], None


def request(entry, argspec, args):
    payload = struct.pack("<ii", entry, len(args))
    buffers = []
    for letter, arg in zip(argspec, args):
        if letter == "n":
            payload += struct.pack("<iqq", 0, int(arg), 0)
        elif letter == "x":
            payload += struct.pack("<idq", -1, float(arg), 0)
        else:
            arr = np.ascontiguousarray(arg, DTYPES[letter.lower()])
            payload += struct.pack("<iqq", SIZES[letter.lower()], arr.size, arr.shape[0] if arr.ndim == 2 else 1)
            payload += arr.tobytes()
            buffers.append(arr)
    return payload, buffers


def test_batch_kernels_on_aarch64(tmp_path):
    selected = [("neon", op, layout, dim, None) for layout in ("dense", "packed") for dim in DIMS
                for op in kernels.BATCH_OPS]
    exe = build(tmp_path, selected)
    payload, expected = b"", []
    for n, (_, op, layout, dim, _) in enumerate(selected):
        for call_op, args, want in calls(layout, dim):
            if call_op == op:
                data, buffers = request(n, kernels.rule(op, layout)[0], args)
                payload += data
                expected.append(((op, layout, dim), buffers, want))
    reply, at, failures = run_under_qemu(exe, payload, timeout=120), 0, []
    for case, buffers, want in expected:
        status = struct.unpack_from("<i", reply, at)[0]
        at += 20
        got = []
        for arr in buffers:
            got.append(np.frombuffer(reply, arr.dtype, arr.size, at).reshape(arr.shape))
            at += arr.nbytes
        if want is None:
            ok = status != RJ_OK
        else:
            out = got[-1]
            dense = PackedBatch.from_planes(*np.split(out[:, :-1], 2, axis=1), case[2]).dense() \
                if case[1] == "packed" else out
            ok = status == RJ_OK and np.array_equal(dense, want) and (case[1] == "dense" or (out[:, -1] == case[2]).all())
        if not ok:
            failures.append(case)
    assert at == len(reply)
    assert len(expected) > 60 and not failures, f"batch kernels that disagree with numpy on AArch64: {failures}"
