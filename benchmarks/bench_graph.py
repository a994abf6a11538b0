"""Issue 3's benchmarks: a fused 10-node graph, biquads mono and as an 8-channel bank, the demo patch."""
import dataclasses

import numpy as np

import resin_jit as rj
from resin_jit import audio

from .common import fmt_time, median_seconds, medians, native_jit, optional_import, ratio, table

N = 44100
SR = 44100.0


def ten_node_graph():
    """Ten pure-math nodes, what a user would otherwise write as ten numpy calls:
    mul, add, max, min (the clip), abs, mul, sub, gt, mul, where."""
    x = rj.input("x")
    y = rj.clip(x * 0.5 + 0.25, -1.0, 1.0)
    z = abs(y) * 2.0 - y
    return rj.where(z > 0.5, z * z, y)


def numpy_ten_node(x, out, tmp, mask):
    np.multiply(x, np.float32(0.5), out=out)
    np.add(out, np.float32(0.25), out=out)
    np.clip(out, np.float32(-1.0), np.float32(1.0), out=out)
    np.abs(out, out=tmp)
    np.multiply(tmp, np.float32(2.0), out=tmp)
    np.subtract(tmp, out, out=tmp)
    np.greater(tmp, np.float32(0.5), out=mask)
    np.multiply(tmp, tmp, out=tmp)
    np.copyto(out, tmp, where=mask)


def sqrt_div_graph():
    """The same size of graph with a square root and a division, which IEEE makes costly."""
    x = rj.input("x")
    y = rj.clip(x * 0.5 + 0.25, -1.0, 1.0)
    z = rj.sqrt(abs(y)) * 2.0 - y
    return rj.maximum(z * z, 0.125) / 3.0


def numba_kernels():
    numba = optional_import("numba")
    if numba is None:
        return None
    import math

    @numba.njit(fastmath=True)
    def ten(x, out):
        for i in range(x.shape[0]):
            y = min(max(x[i] * np.float32(0.5) + np.float32(0.25), np.float32(-1.0)), np.float32(1.0))
            z = abs(y) * np.float32(2.0) - y
            out[i] = z * z if z > np.float32(0.5) else y

    @numba.njit(fastmath=True)
    def sqrt_div(x, out):
        for i in range(x.shape[0]):
            y = min(max(x[i] * np.float32(0.5) + np.float32(0.25), np.float32(-1.0)), np.float32(1.0))
            z = math.sqrt(abs(y)) * np.float32(2.0) - y
            out[i] = max(z * z, np.float32(0.125)) / np.float32(3.0)

    @numba.njit
    def biquad(x, out, b0, b1, b2, a1, a2):
        z1 = 0.0
        z2 = 0.0
        for i in range(x.shape[0]):
            v = np.float64(x[i])
            y = b0 * v + z1
            z1 = b1 * v - a1 * y + z2
            z2 = b2 * v - a2 * y
            out[i] = y
    x = np.zeros(16, np.float32)
    ten(x, x.copy())
    sqrt_div(x, x.copy())
    biquad(x, x.copy(), 1.0, 0.0, 0.0, 0.0, 0.0)
    return ten, biquad, sqrt_div


def bench_ten_node(jit, nb):
    x = np.random.default_rng(0).standard_normal(N).astype(np.float32)
    out, tmp, mask = np.empty_like(x), np.empty_like(x), np.empty(N, bool)
    kernel, heavy = jit.compile(ten_node_graph()), jit.compile(sqrt_div_graph())
    fast = rj.JitCompiler(dataclasses.replace(jit.config, fastmath=True))
    fast_kernel, fast_heavy = fast.compile(ten_node_graph()), fast.compile(sqrt_div_graph())
    numpy_ten_node(x, out, tmp, mask)
    np.testing.assert_array_equal(kernel(x), out)
    cases = {"resin_jit": lambda: kernel.process(x, out),
             "numpy in place": lambda: numpy_ten_node(x, out, tmp, mask),
             "resin_jit fastmath=True": lambda: fast_kernel.process(x, out),
             "resin_jit, sqrt+div graph": lambda: heavy.process(x, out),
             "resin_jit fastmath=True, sqrt+div graph": lambda: fast_heavy.process(x, out)}
    if nb:
        cases["numba njit(fastmath)"] = lambda: nb[0](x, out)
        cases["numba fastmath, sqrt+div graph"] = lambda: nb[2](x, out)
    t = medians(cases)
    rows = [(k, {"median": fmt_time(t[k]), "resin_jit speedup": ratio(t[k], t["resin_jit"])})
            for k in ("resin_jit", "numpy in place", "numba njit(fastmath)") if k in t]
    rows += [(k, {"median": fmt_time(t[k]), "resin_jit speedup": ratio(t[k], t["resin_jit, sqrt+div graph"])})
             for k in ("resin_jit, sqrt+div graph", "numba fastmath, sqrt+div graph") if k in t]
    table(f"10-node pure-math graph on {N} float32 (isa {kernel.isa})", rows,
          "targets: >= 10x numpy in place; no slower than numba fastmath. (sqrt+div rows: resin_jit keeps IEEE\n"
          "division and square root; numba's fastmath may use approximate reciprocals)")
    if nb:
        rows = []
        for mine, peer in (("resin_jit fastmath=True", "numba njit(fastmath)"),
                           ("resin_jit fastmath=True, sqrt+div graph", "numba fastmath, sqrt+div graph")):
            rows.append((mine, {"median": fmt_time(t[mine]), "vs numba fastmath": ratio(t[peer], t[mine])}))
            rows.append((peer, {"median": fmt_time(t[peer]), "vs numba fastmath": "1.00x"}))
        table("fastmath against fastmath: multiply-adds fused, IEEE otherwise", rows)
    return t


def bench_biquads(jit, nb):
    node = audio.Biquad.lowpass(1000.0, q=0.7071, sample_rate=SR)
    mono = np.random.default_rng(1).standard_normal(N).astype(np.float32)
    bank_in = np.random.default_rng(2).standard_normal((8, N)).astype(np.float32)
    kernel = jit.compile(node(rj.input("x")))
    out, bank_out = np.empty_like(mono), np.empty_like(bank_in)
    t = {"mono resin_jit": median_seconds(lambda: kernel.process(mono, out), repeat=11)}
    t["8ch resin_jit"] = median_seconds(lambda: kernel.process(bank_in, bank_out), repeat=11)
    rows = []
    if nb:
        c = node.coefficients
        t["mono numba"] = median_seconds(lambda: nb[1](mono, out, *c), repeat=11)

        def numba_bank():
            for ch in range(8):
                nb[1](bank_in[ch], bank_out[ch], *c)
        t["8ch numba per channel"] = median_seconds(numba_bank, repeat=11)
        rows = [("mono: resin_jit", {"median": fmt_time(t["mono resin_jit"]), "vs numba": ratio(
                    t["mono numba"], t["mono resin_jit"])}),
                ("mono: numba njit", {"median": fmt_time(t["mono numba"]), "vs numba": "1.00x"}),
                ("8 channels: resin_jit (lanes)", {"median": fmt_time(t["8ch resin_jit"]), "vs numba": ratio(
                    t["8ch numba per channel"], t["8ch resin_jit"])}),
                ("8 channels: numba one by one", {"median": fmt_time(t["8ch numba per channel"]), "vs numba": "1.00x"})]
    else:
        rows = [(k, {"median": fmt_time(v)}) for k, v in t.items()]
    table(f"biquad lowpass, {N} samples", rows,
          "targets: mono no slower than numba; 8 channels >= 3x numba channel by channel")
    return t


def bench_demo_blocks(jit, block=256, calls=172):
    from resin_jit.demo import SAMPLE_RATE, patch
    kernel = jit.compile(patch(), sample_rate=SAMPLE_RATE)
    outs = np.empty(block * calls, np.float32)
    blocks = [outs[i * block:(i + 1) * block] for i in range(calls)]

    def one_second():
        for o in blocks:
            kernel.process(o)
    total = median_seconds(one_second, repeat=11)
    whole = median_seconds(lambda: kernel.process(outs), repeat=11)
    per_call = (total - whole) / calls
    rows = [(f"{calls} calls of {block} samples", {"median": fmt_time(total)}),
            ("one call of the whole second", {"median": fmt_time(whole)}),
            ("overhead per block call", {"median": fmt_time(per_call)})]
    table("the demo's patch (saw → LFO-swept lowpass → reverb → gain), one second in blocks", rows)


def run(quick=False):
    with native_jit() as jit:
        if not jit:
            return
        nb = numba_kernels()
        bench_ten_node(jit, nb)
        bench_biquads(jit, nb)
        bench_demo_blocks(jit)
