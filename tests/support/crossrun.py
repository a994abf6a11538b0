"""Kernels run where this machine can only emulate (Windows x86-64 under wine, Linux AArch64 under
qemu), held to what resin_jit's native calls give here: tests/c/call_harness.c's requests and
replies, and the comparison of the two.

A Call is one call of a kernel as resin_jit made it natively: its buffers in rj_call order (the
inputs, the outputs, the bound parameters and state), the bytes each held afterwards, and the
returned number. The same calls, written as requests, go to the harness built for the other
platform; its replies must be the same bytes. The kernels and their calls are
support.cross_kernels'."""
import math
import struct
from dataclasses import dataclass, field

import numpy as np

STATE = None   # Buffer.data of the kernel's state: the harness keeps it between calls, as resin_jit does


@dataclass
class Buffer:
    """One buffer of a call: `data` (STATE: the kernel's state, for `rows` channels, started afresh
    when `offset` is 1), placed `offset` bytes past a 64-byte boundary, of `rows` rows."""
    data: "np.ndarray | None"
    offset: int = 0
    rows: int = 1


@dataclass
class Call:
    """One native call: the buffers it was given (their contents before it), the numbers, and what
    it left: each buffer's bytes and the returned ret_int and ret_float (None: nothing returned)."""
    buffers: list
    after: list
    returned: "tuple | None" = None
    numbers: tuple = ()


@dataclass
class KernelCase:
    """A kernel's C source (the same for every tier: a -D flag picks it), whether it keeps state,
    and its native calls at one tier."""
    name: str
    tier: str
    source: str
    stateful: bool
    calls: list = field(default_factory=list)
    sums: tuple = ()   # the buffers that hold row sums of buffer 0 (their order follows the vector width)

    @property
    def label(self):
        return f"{self.name} [{self.tier}]"


def request(entry, call):
    """The harness's request for `call` on kernel number `entry`."""
    parts = [struct.pack("<iii", entry, len(call.buffers), len(call.numbers))]
    for buf in call.buffers:
        if buf.data is STATE:
            parts.append(struct.pack("<iiqq", 0, buf.offset, buf.rows, 1))
            continue
        data = np.ascontiguousarray(buf.data)
        parts.append(struct.pack("<iiqq", data.itemsize, buf.offset, data.size, buf.rows))
        parts.append(data.tobytes())
    parts.append(struct.pack(f"<{len(call.numbers)}d", *call.numbers))
    return b"".join(parts)


def requests(cases):
    """Every call of every case, kernel i being cases[i], as one stdin for the harness."""
    return b"".join(request(entry, call) for entry, case in enumerate(cases) for call in case.calls)


@dataclass
class Reply:
    status: int
    ret_int: int
    ret_float: float
    buffers: list   # bytes of each


def reply_bytes(reply):
    """A reply as the bytes it came as (to compare two: a NaN returned equals itself)."""
    return struct.pack("<iqd", reply.status, reply.ret_int, reply.ret_float) + b"".join(reply.buffers)


def replies(data, cases):
    """The harness's replies to requests(cases), in order: a list per case."""
    out, at = [], 0
    for case in cases:
        got = []
        for call in case.calls:
            status, ret_int, ret_float = struct.unpack_from("<iqd", data, at)
            at += 20
            buffers = []
            for _ in call.buffers:
                (size,) = struct.unpack_from("<q", data, at)
                buffers.append(data[at + 8:at + 8 + size])
                at += 8 + size
            got.append(Reply(status, ret_int, ret_float, buffers))
        out.append(got)
    if at != len(data):
        raise AssertionError(f"the harness replied {len(data)} bytes, the calls account for {at}")
    return out


def first_difference(got, want, dtype):
    """Where two buffers' bytes first differ, as elements of `dtype`: a short description."""
    item = np.dtype(dtype).itemsize
    if len(got) != len(want) or len(got) % item:
        return f"{len(got)} bytes, not {len(want)}"
    a, b = np.frombuffer(got, dtype), np.frombuffer(want, dtype)
    bad = np.flatnonzero(a.view(f"u{item}") != b.view(f"u{item}")) if item in (1, 2, 4, 8) else [0]
    i = int(bad[0])
    return f"{len(bad)} of {a.size} elements differ, first [{i}]: {a[i]!r} here, {b[i]!r} natively"


def same_but_nan_bits(here, there, dtype):
    """Equal bytes, but that a NaN may be another NaN (as float elements of `dtype`; a state's
    bytes as float64 where its length allows)."""
    dtype = np.dtype(np.float64 if dtype == np.uint8 and len(here) % 8 == 0 else dtype)
    if len(here) != len(there) or dtype.kind != "f":
        return here == there
    a, b = np.frombuffer(here, dtype), np.frombuffer(there, dtype)
    return bool(np.all((a.view(f"u{dtype.itemsize}") == b.view(f"u{dtype.itemsize}")) | (np.isnan(a) & np.isnan(b))))


def within_sum_bound(here, there, x, dtype):
    """Row sums of `x` (2-D, rows by samples) that may differ as README bounds a sum: each within
    (64 + log2(lanes) + log2(blocks) + 2) 2^-53 of the sum of the magnitudes (lanes up to 16,
    blocks up to n) and its final rounding of the exact sum; so two within twice that."""
    a, b = np.frombuffer(here, dtype), np.frombuffer(there, dtype)
    magnitudes = np.abs(x.astype(np.float64)).sum(axis=1)
    bound = 2 * ((64 + 4 + math.log2(max(x.shape[1], 2)) + 2) * 2.0 ** -53 * magnitudes
                 + np.spacing(np.abs(b)).astype(np.float64))
    with np.errstate(invalid="ignore"):
        return bool(np.all((a == b) | (np.isnan(a) & np.isnan(b)) | (np.abs(a.astype(np.float64) - b) <= bound)))


def _same_enough(case, call, b, here, after, loose_nans, other_architecture):
    buf = call.buffers[b]
    if buf.data is STATE:   # its layout follows the vector width: another architecture's is its own
        return other_architecture or here == after or (loose_nans and same_but_nan_bits(here, after, np.uint8))
    if here == after:
        return True
    if other_architecture and b in case.sums:
        x = call.buffers[0].data
        return within_sum_bound(here, after, x.reshape(call.buffers[0].rows, -1), buf.data.dtype)
    return (loose_nans or other_architecture) and same_but_nan_bits(here, after, buf.data.dtype)


def differences(cases, got, loose_nans=lambda case: False, other_architecture=False):
    """Every way the replies `got` (replies()) differ from the native calls: a list of lines. In the
    cases `loose_nans` picks, a NaN may come out as another NaN. From `other_architecture` (AArch64's
    replies to x86-64's calls): a NaN may be another everywhere (an invalid operation's NaN has its
    sign clear on AArch64, set on x86), a sum may differ within its bound (its order follows the
    vector width, and a case's `sums` are its buffers of row sums of buffer 0), and the state is its own."""
    lines = []
    for case, case_replies in zip(cases, got):
        for n, (call, reply) in enumerate(zip(case.calls, case_replies)):
            where = f"{case.label} call {n}"
            if reply.status != 0:
                lines.append(f"{where}: status {reply.status}")
                continue
            if call.returned is not None and \
                    struct.pack("<qd", reply.ret_int, reply.ret_float) != struct.pack("<qd", *call.returned):
                lines.append(f"{where}: returned {(reply.ret_int, reply.ret_float)}, natively {call.returned}")
            for b, (after, here) in enumerate(zip(call.after, reply.buffers)):
                if not _same_enough(case, call, b, here, after, loose_nans(case), other_architecture):
                    dtype = np.uint8 if call.buffers[b].data is STATE else call.buffers[b].data.dtype
                    lines.append(f"{where} buffer {b}: {first_difference(here, after, dtype)}")
    return lines
