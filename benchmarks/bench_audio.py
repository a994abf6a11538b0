"""Issue 12's benchmarks: setting a parameter, one compile per structure, the LFO-swept biquad
(per-sample coefficients) beside numba doing the same, and the static biquad beside the one
before issue 12 (TDF-II, coefficients compiled in as constants), rebuilt here as a node."""
import math

import numpy as np

import resin_jit as rj
from resin_jit import audio

from .common import (SPEEDUP, TIME_RATIO, Target, fmt_time, medians, native_jit, optional_import, print_verdicts,
                     ratio, table)

N = 44100
SR = 44100.0
LFO_HZ, CENTER, DEPTH, Q = 0.5, 1000.0, 800.0, 0.7071


class TDF2Constants(rj.Node):
    """The biquad as it was before issue 12: transposed direct form II, its coefficients constants."""
    category = rj.JitCategory.STATEFUL
    channel_simd = True

    def __init__(self, coefficients):
        self.coefficients = tuple(coefficients)
        self._key = ("TDF2Constants",) + tuple(float(c).hex() for c in coefficients)

    def initial_state(self):
        return {"z1": 0.0, "z2": 0.0}

    def emit(self, ctx, args):
        b0, b1, b2, a1, a2 = self.coefficients
        x, z1, z2 = ctx.local(ctx.to_double(args[0]), "x"), ctx.state("z1"), ctx.state("z2")
        y = ctx.local(ctx.dop("fma", ctx.dconst(b0), x, z1), "y")
        ahead = ctx.local(ctx.dop("fma", ctx.dconst(b1), x, z2), "t")
        ctx.emit(f"{z1} = {ctx.dop('fma', ctx.dconst(-a1), y, ahead)};")
        ctx.emit(f"{z2} = {ctx.dop('fma', ctx.dconst(-a2), y, ctx.dop('mul', ctx.dconst(b2), x))};")
        return ctx.from_double(y)


def numba_peers():
    """(static TDF-II, swept from a frequency array, swept by its own LFO) as numba loops, or None."""
    numba = optional_import("numba")
    if numba is None:
        return None

    @numba.njit
    def step(v, f, q, sr, state):
        """One sample of the RBJ lowpass at frequency f, direct form I (as resin_jit's Biquad)."""
        w0 = 2 * math.pi * f / sr
        cw, alpha = math.cos(w0), math.sin(w0) / (2 * q)
        inv = 1 / (1 + alpha)
        b0 = (1 - cw) * 0.5 * inv
        y = b0 * v + 2 * b0 * state[0] + b0 * state[1] + 2 * cw * inv * state[2] - (1 - alpha) * inv * state[3]
        state[1], state[0], state[3], state[2] = state[0], v, state[2], y
        return y

    @numba.njit
    def swept(x, f, out, q, sr):
        state = np.zeros(4)
        for i in range(x.shape[0]):
            out[i] = step(np.float64(x[i]), np.float64(f[i]), q, sr, state)

    @numba.njit
    def swept_lfo(x, out, q, sr, rate, depth, center):
        state, phase = np.zeros(4), 0.0
        for i in range(x.shape[0]):
            f = center + depth * np.float32(math.sin(2 * math.pi * phase))
            phase += rate / sr
            phase -= math.floor(phase)
            out[i] = step(np.float64(x[i]), f, q, sr, state)
    probe = np.zeros(8, np.float32)
    swept(probe, probe + 1000, probe.copy(), Q, SR)
    swept_lfo(probe, probe.copy(), Q, SR, LFO_HZ, DEPTH, CENTER)
    from .bench_graph import numba_kernels
    return numba_kernels()[1], swept, swept_lfo


def bench_parameters(jit, repeat):
    x = rj.input("x")
    kernel = jit.compile(audio.Biquad.peak(1000.0, gain_db=3.0)(x))
    view = kernel.params
    compiles = jit.stats["compiles"]
    values = iter(np.tile(np.linspace(100.0, 8000.0, 1000), 1 << 12))
    t = medians({"kernel.params[name] = v": lambda: view.__setitem__("peak.frequency", next(values)),
                 "kernel.set_param(name, v)": lambda: kernel.set_param("peak.frequency", next(values))},
                repeat=repeat)
    set_compiles = jit.stats["compiles"] - compiles
    bands = [31.25 * 2 ** k for k in range(10)]

    def eq(scale):
        y = x
        for f in bands:
            y = audio.Biquad.peak(f * scale, q=1.4, gain_db=-3.0)(y)
        return y
    before = jit.stats["compiles"]
    for scale in (1.0, 1.07, 0.93, 1.21):
        jit.compile(eq(scale))
    eq_compiles = jit.stats["compiles"] - before
    rows = [(k, {"median": fmt_time(v), "target": "<= 1 us"}) for k, v in t.items()]
    rows.append(("compiles while setting them", {"median": str(set_compiles), "target": "0"}))
    rows.append(("compiles for 4 ten-band EQs, all frequencies different", {"median": str(eq_compiles),
                                                                             "target": "1"}))
    table("runtime parameters", rows)
    return {"set": t["kernel.params[name] = v"], "set_param": t["kernel.set_param(name, v)"],
            "set_compiles": set_compiles, "eq_compiles": eq_compiles}


def bench_swept(jit, nb, repeat):
    x = np.random.default_rng(1).standard_normal(N).astype(np.float32)
    lfo = (CENTER + DEPTH * np.sin(2 * np.pi * LFO_HZ * np.arange(N) / SR)).astype(np.float32)
    bank, lfos = np.random.default_rng(2).standard_normal((8, N)).astype(np.float32), np.tile(lfo, (8, 1))
    out, bank_out = np.empty_like(x), np.empty_like(bank)
    by_input = jit.compile(audio.Biquad.lowpass(rj.input("f"), q=Q)(rj.input("x")), inputs=["x", "f"])
    inside = jit.compile(audio.Biquad.lowpass(audio.SineOsc(LFO_HZ)() * DEPTH + CENTER, q=Q)(rj.input("x")))
    cases = {"resin_jit, frequency from an LFO signal": lambda: by_input.process(x, lfo, out),
             "resin_jit, the LFO inside the graph": lambda: (inside.reset(), inside.process(x, out)),
             "resin_jit 8 channels, LFO signals": lambda: by_input.process(bank, lfos, bank_out)}
    if nb:
        _, swept, swept_lfo = nb
        swept(x, lfo, out, Q, SR)
        np.testing.assert_allclose(by_input(x, lfo), out, atol=1e-4)
        swept_lfo(x, out, Q, SR, LFO_HZ, DEPTH, CENTER)
        inside.reset()
        np.testing.assert_allclose(inside(x), out, atol=1e-3)

        def numba_bank():
            for ch in range(8):
                swept(bank[ch], lfos[ch], bank_out[ch], Q, SR)
        cases.update({"numba, frequency from an LFO signal": lambda: swept(x, lfo, out, Q, SR),
                      "numba, its own LFO": lambda: swept_lfo(x, out, Q, SR, LFO_HZ, DEPTH, CENTER),
                      "numba 8 channels one by one": numba_bank})
    t = medians(cases, repeat=repeat)
    peers = {"resin_jit, frequency from an LFO signal": "numba, frequency from an LFO signal",
             "resin_jit, the LFO inside the graph": "numba, its own LFO",
             "resin_jit 8 channels, LFO signals": "numba 8 channels one by one"}
    rows = [(k, {"median": fmt_time(v), "vs numba": ratio(t.get(peers.get(k)), v) if k in peers else "1.00x"})
            for k, v in t.items()]
    table(f"lowpass swept by an LFO, coefficients every sample, {N} samples (isa {by_input.isa})", rows,
          "targets: mono >= 1.0x numba doing the same; 8 channels >= 3x numba channel by channel")
    return t


def bench_static(jit, nb, repeat):
    node = audio.Biquad.lowpass(1000.0, q=Q)
    coefficients = node.coefficients   # computed once: numba gets them as plain floats
    before = TDF2Constants(coefficients)
    x = np.random.default_rng(3).standard_normal(N).astype(np.float32)
    bank = np.random.default_rng(4).standard_normal((8, N)).astype(np.float32)
    out, bank_out = np.empty_like(x), np.empty_like(bank)
    kernels = {"parameters": jit.compile(node(rj.input("x"))),
               "frozen": jit.compile(audio.Biquad.lowpass(1000.0, q=Q, freeze=True)(rj.input("x"))),
               "before": jit.compile(before(rj.input("x")))}
    cases = {}
    for name, k in kernels.items():
        cases[f"mono, {name}"] = lambda k=k: k.process(x, out)
        cases[f"8 channels, {name}"] = lambda k=k: k.process(bank, bank_out)
    if nb:
        cases["mono, numba"] = lambda: nb[0](x, out, *coefficients)

        def numba_bank():
            for ch in range(8):
                nb[0](bank[ch], bank_out[ch], *coefficients)
        cases["8 channels, numba"] = numba_bank
    t = medians(cases, repeat=repeat)
    rows = [(k, {"median": fmt_time(v), "vs before": ratio(t[k.split(",")[0] + ", before"], v),
                 "vs numba": ratio(t.get(k.split(",")[0] + ", numba"), v)}) for k, v in t.items()]
    table(f"static biquad lowpass, {N} samples: settings as parameters, frozen, and before issue 12 "
          "(TDF-II, constants)", rows, "targets: parameters no slower than before; mono >= 1.0x numba")
    return t


def verdicts(params, swept, static):
    """A Target for each of the issue's targets that this run measured."""
    before = "the same filter before issue 12 (TDF-II, constants)"
    out = [Target("setting a parameter (kernel.params[name] = v)", params["set"] * 1e6, 1.0, "microseconds"),
           Target("kernel.set_param(name, v)", params["set_param"] * 1e6, 1.0, "microseconds"),
           Target("compiles while setting parameters", params["set_compiles"], 0, "compiles"),
           Target("compiles for 4 ten-band EQs of different frequencies", params["eq_compiles"], 1, "compiles"),
           Target("static biquad mono, settings as parameters", static["mono, parameters"] / static["mono, before"],
                  1.0, TIME_RATIO, before),
           Target("static biquad 8 channels, settings as parameters",
                  static["8 channels, parameters"] / static["8 channels, before"], 1.0, TIME_RATIO, before)]
    if "mono, numba" in static:
        out.append(Target("static biquad mono", static["mono, numba"] / static["mono, parameters"], -1.0, SPEEDUP,
                          "numba"))
    if "numba, frequency from an LFO signal" in swept:
        out += [Target("swept biquad mono (LFO signal)", swept["numba, frequency from an LFO signal"]
                       / swept["resin_jit, frequency from an LFO signal"], -1.0, SPEEDUP, "numba"),
                Target("swept biquad mono (LFO inside)", swept["numba, its own LFO"]
                       / swept["resin_jit, the LFO inside the graph"], -1.0, SPEEDUP, "numba, its own LFO"),
                Target("swept biquad 8 channels", swept["numba 8 channels one by one"]
                       / swept["resin_jit 8 channels, LFO signals"], -3.0, SPEEDUP, "numba, channel by channel")]
    return out


def run(quick=False):
    with native_jit() as jit:
        if not jit:
            return
        repeat = 5 if quick else 21
        nb = numba_peers()
        if nb is None:
            print("(numba is not installed: pip install -e '.[bench]' for the numba rows)")
        params = bench_parameters(jit, repeat)
        swept = bench_swept(jit, nb, repeat)
        static = bench_static(jit, nb, repeat)
        print_verdicts(verdicts(params, swept, static))
