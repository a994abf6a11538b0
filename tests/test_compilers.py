"""Issue 19, item 1: any C compiler. Every kernel on every tier this host runs, built by clang (the
system's), by zig's clang and by gcc 11, gives gcc's results bit for bit: the vector-math
functions, the reductions, an audio patch and the VSA operations, on edge values (NaN with a
payload, ±inf, ±0, denormals, halves, trig arguments for the slow reduction) at awkward sizes
and a misaligned view.

The compiler is not part of a kernel's key (store/keys.py), which is what this proves right. So
each compiler builds into a cache directory of its own, with the process memo emptied around it:
else gcc's kernels would answer for clang's. gcc is the reference; a compiler missing is a skip
only off CI (.ci/run installs clang, gcc-11 and the ziglang package: missing there is an error).
"""
import contextlib
import ctypes
import dataclasses
import ctypes.util
import os
import shutil

import numpy as np
import pytest

import resin_jit as rj
from resin_jit import audio
from resin_jit.front import vmath_table
from resin_jit.store import libraries
from resin_jit.vsa import JitVSAEngine, PackedBatch, TritVector

from support import NATIVE, TIERS, zig_binary
from support.audio import signal

GCC = shutil.which("gcc")
# name: (family, command or None). gcc 11 (Ubuntu 22.04's, RHEL 9's) has no __builtin_shufflevector:
# simd.h's fallback for it is what it tests.
COMPILERS = {"clang": ("clang", shutil.which("clang")), "zig": ("zig", zig_binary()),
             "gcc-11": ("gcc", shutil.which("gcc-11"))}
MISSING = {"clang": "clang is not installed (Debian: apt-get install clang)",
           "zig": "the ziglang package is not installed (pip install 'resin_jit[compiler]')",
           "gcc-11": "gcc-11 is not installed (Debian: apt-get install gcc-11)"}
if os.environ.get("CI") and any(command is None for _, command in COMPILERS.values()):
    raise RuntimeError("CI must provide every compiler held against gcc (.ci/run installs clang and gcc-11 "
                       "with apt, ziglang with pip): missing " +
                       ", ".join(name for name, (_, command) in COMPILERS.items() if command is None))

pytestmark = pytest.mark.skipif(not (NATIVE and GCC), reason="gcc builds the reference results: not installed")


@pytest.fixture(params=list(COMPILERS))
def compiler(request):
    """(family, command) of a compiler to hold against gcc."""
    if COMPILERS[request.param][1] is None:
        pytest.skip(MISSING[request.param])
    return COMPILERS[request.param]


@contextlib.contextmanager
def own_memo():
    """Kernels opened in the block are its own: the process memo is keyed by what a kernel
    computes, not by who built it (as the disk key is)."""
    saved, libraries._memo = libraries._memo, {}
    try:
        yield
    finally:
        libraries._memo = saved


def run_built_by(command, tier, cache_dir, battery, family=None):
    """battery(jit) on a compiler of `tier` driving `command` (into `cache_dir`), which must have
    built each of its kernels there; battery's results as bytes (NaNs as one NaN where the
    battery's kernels leave a NaN's bits to the compiler: LOOSE_NAN_BITS)."""
    with own_memo():
        jit = rj.JitCompiler(rj.JitConfig(cc=command, isa=tier, cache_dir=cache_dir))
        assert jit.backend == "native" and jit.libraries.toolchain.family == (family or "gcc")
        results = battery(jit)
        assert jit.stats["compiles"] > 0 and jit.stats["disk_hits"] == 0 == jit.stats["prebuilt_hits"], jit.stats
    if battery in LOOSE_NAN_BITS:
        results = [np.where(np.isnan(r), np.nan, r).astype(np.asarray(r).dtype) for r in results]
    return [np.ascontiguousarray(r).tobytes() + str(np.asarray(r).dtype).encode() for r in results]


_reference = {}


def gcc_results(tier, battery, tmp_path_factory):
    """What gcc's kernels give for battery on `tier` (built once per session)."""
    if (tier, battery) not in _reference:
        cache = tmp_path_factory.mktemp(f"gcc-{tier}")
        _reference[(tier, battery)] = run_built_by(GCC, tier, cache, battery)
    return _reference[(tier, battery)]


# -- the inputs ----------------------------------------------------------------------------------

def edge_values(dtype):
    """What IEEE arithmetic and the vector-math algorithms treat specially, in `dtype`."""
    info = np.finfo(dtype)
    bits = np.uint32 if dtype == "float32" else np.uint64
    quiet_with_payload = np.array([0x7FC00123 if dtype == "float32" else 0x7FF8000000000123], bits).view(dtype)
    values = [0.0, -0.0, np.inf, -np.inf, np.nan, -np.nan, 1.0, -1.0, 0.5, -0.5, 1.5, 2.5, -2.5, 3.5, -4.5,
              info.tiny, -info.tiny, info.smallest_subnormal, -info.smallest_subnormal, info.tiny / 3,
              info.max, -info.max, info.eps, 1 - info.epsneg, np.pi / 2, -np.pi, 3 * np.pi / 4, 1e4, 1e6,
              1e22, 88.72, -103.97, 709.78, -745.1, 1e-5, 0.9999, 1.0001, -1e-30, 1e300]
    with np.errstate(over="ignore"):
        return np.concatenate([np.array(values).astype(dtype), quiet_with_payload])


def samples(dtype, n=1221, seed=19):
    """Edge values, then magnitudes spread over the whole range (denormals to the largest) and
    near-unit values, with random signs: n in all (not a multiple of any vector width)."""
    rng = np.random.default_rng(seed)
    info = np.finfo(dtype)
    edges = edge_values(dtype)
    spread = 10.0 ** rng.uniform(np.log10(float(info.smallest_subnormal)), np.log10(float(info.max)), n // 2)
    near = rng.standard_normal(n - len(edges) - len(spread)) * 4
    values = np.concatenate([spread, near]) * rng.choice([-1.0, 1.0], n - len(edges))
    with np.errstate(over="ignore"):
        return np.concatenate([edges, values.astype(dtype)])


def views(x, y=None):
    """The whole arrays, a misaligned view, and short prefixes (0, 1, a vector's tail)."""
    ys = (lambda s: (y[s],)) if y is not None else (lambda s: ())
    cuts = [slice(None), slice(1, None), slice(0, 0), slice(0, 1), slice(3, 20)]
    return [(x[c], *ys(c)) for c in cuts]


# -- the batteries: each compiles its kernels on a JitCompiler and returns what they give ----------

UNARY = [f for f in vmath_table.FUNCTIONS if f.arity == 1]
BINARY = [f for f in vmath_table.FUNCTIONS if f.arity == 2]
OUTPUTS_PER_KERNEL = 12   # rj_call holds 32 buffers: a kernel of every function would not fit


def _apply(declared, x, y):
    if declared.build == "power":
        return rj.pow(x, declared.exponent)
    return getattr(rj, declared.name)(*((x,) if declared.arity == 1 else (x, y)))


def vmath(jit):
    """Every function csrc/vmath_functions.h declares, float32 and float64, x and x against a shuffle."""
    results = []
    x, y = rj.input("x"), rj.input("y")
    for dtype in ("float32", "float64"):
        xs = samples(dtype)
        ys = np.random.default_rng(1).permutation(xs)
        for group in range(0, len(vmath_table.FUNCTIONS), OUTPUTS_PER_KERNEL):
            functions = vmath_table.FUNCTIONS[group:group + OUTPUTS_PER_KERNEL]
            kernel = jit.compile([_apply(f, x, y) for f in functions], inputs=["x", "y"], dtype=dtype)
            for args in views(xs, ys):
                with np.errstate(all="ignore"):
                    results += list(kernel(*args))
    return results


def reductions(jit):
    """sum, prod, mean, min, max, argmin and argmax of x and of expressions in x: finite values
    (the sum's lanes and blocks decide its bits), then with ±0, infinities and a NaN."""
    x = rj.input("x")
    results = []
    for dtype in ("float32", "float64"):
        kernel = jit.compile([rj.sum(x), rj.prod(x * 0.001 + 1.0), rj.mean(x), rj.min(x), rj.max(x), rj.argmin(x),
                              rj.argmax(x), rj.sum(x * x + 1.0), rj.max(abs(x)), rj.mean(rj.sin(x))], dtype=dtype)
        finite = np.random.default_rng(7).standard_normal(4099).astype(dtype) * 1000
        special = finite.copy()
        special[[5, 700, 3001]] = [-0.0, np.inf, -np.inf]
        with_nan = special.copy()
        with_nan[2222] = np.nan
        for data in (finite, special, with_nan):
            for n in (1, 7, 515, 4099):
                results += list(kernel(data[:n])) + list(kernel(data[1:n + 1]))
    return results


def patch(x):
    """Oscillators (one frequency-modulated by x), noise, filters, delays and dynamics."""
    tone = audio.SawOsc(220.0)() + audio.SquareOsc(330.0, duty=0.3)() + audio.SineOsc(x * 200.0 + 440.0)()
    noisy = tone * 0.3 + audio.Noise(seed=5, amplitude=0.1)()
    filtered = audio.Biquad.lowpass(900.0)(noisy) + audio.OnePole.highpass(40.0)(x)
    echoed = audio.Allpass(113, 0.5, unit="samples")(audio.Comb(97, 0.7, 0.3, unit="samples")(
        audio.Delay(11, unit="samples")(filtered)))
    return [audio.Limiter(0.8)(audio.SoftClip(2.0)(echoed)), audio.EnvelopeFollower()(filtered),
            audio.Biquad.highpass(300.0)(x)]


def audio_input():
    """A signal with zeros, denormals and loud samples in it, and at its end infinities and NaNs
    (after which a filter's state is NaN for good)."""
    x = signal(3000, seed=19)
    x[100:108] = [0.0, -0.0, 1e-39, -1e-40, 1e-45, -1e-45, 1.1754942e-38, 0.0]
    x[500:502] = [1e4, -1e4]
    x[-20:-16] = [np.inf, -np.inf, 0.0, np.nan]
    return x


def audio_patch(jit):
    """The patch on one channel, block by block, and on a bank of 5 channels."""
    kernel = jit.compile(patch(rj.input("x")), sample_rate=44100.0)
    mono = audio_input()
    results = [*kernel(mono[:1000]), *kernel(mono[1000:1007]), *kernel(mono[1007:])]
    bank = jit.compile(patch(rj.input("x")), sample_rate=44100.0)
    return results + list(bank(np.stack([np.roll(mono, 37 * c) for c in range(5)])))


def vsa(jit):
    """Every VSA operation, dense and packed, at a dimension with a tail in both layouts."""
    engine = JitVSAEngine(jit)
    dim = 1023
    a, b, c = (TritVector.random(dim, seed=s, sparsity=0.3 if s == 2 else None) for s in range(3))
    many = [TritVector.random(dim, seed=10 + s) for s in range(40)]
    results = []
    for x, y in ((a, b), (a.pack(), b.pack()), (c, a)):
        results += [engine.dot(x, y), engine.hamming(x, y), engine.cosine(x, y), engine.bind(x, y)._buf]
    for group in ([a, b, c], many):
        results += [engine.bundle(group)._buf, engine.bundle([v.pack() for v in group])._buf]
    results += [engine.pack(a)._buf, engine.permute(a, 5)._buf, engine.permute(a.pack(), -7)._buf]
    rows = np.stack([v.data for v in many[:9]])   # the batch kernels (csrc/vsa_batch*.h), both layouts
    weights = (None, np.arange(9) - 3, np.full(9, 2 ** 55), np.linspace(-1, 1, 9), np.linspace(-1, 1, 9, dtype=np.float32))
    for batch in (rows, PackedBatch(rows)):
        results += [np.asarray(engine.bind(batch, a)), np.asarray(engine.permute(batch, 3))]
        results += [np.asarray(engine.bundle(batch, weights=w, threshold=0.5)) for w in weights]
    return results


def fastmath(jit):
    """Multiply-adds with JitConfig(fastmath=True) (front/fusion.py decides which fuse, not the
    compiler: gcc and clang contract differently) and without, float32 and float64: a product
    used twice, one taken from the right, chained, beside a vector-math function."""
    fast = rj.JitCompiler(dataclasses.replace(jit.config, fastmath=True))
    x, y, z = rj.input("x"), rj.input("y"), rj.input("z")
    graph = [x * y + z, x * y - z, z - x * 0.75, (x * y + z) * x - y, x * x + y * y, rj.exp(x * 0.5) * y - z]
    results = []
    for dtype in ("float32", "float64"):
        a = samples(dtype)
        b, c = np.roll(a, 7), np.roll(a, 13)
        for compiler in (jit, fast):
            kernel = compiler.compile(graph, inputs=["x", "y", "z"], dtype=dtype)
            for (x_view, y_view), (z_view,) in zip(views(a, b), views(c)):
                results += kernel(x_view, y_view, z_view)
    return results


BATTERIES = {"vmath": vmath, "reductions": reductions, "audio": audio_patch, "vsa": vsa, "fastmath": fastmath}
# A stateful kernel's state arithmetic is C's + and * (codegen/context.py: simd.h's ordered add and
# mul cost a patch a quarter of its speed), whose operands a compiler may swap: where two NaNs
# meet there, which comes out is the compiler's choice. That a NaN is one is not, nor any other bit.
# A fused subtract is simd.h's fma of a negated operand: gcc folds the negation into one vfmsub
# (a NaN c comes out as it went in), clang may flip c's sign first, so a NaN's sign there is the
# compiler's too (fastmath's README: a NaN operand still gives NaN).
LOOSE_NAN_BITS = {audio_patch, fastmath}


@pytest.mark.parametrize("battery", list(BATTERIES))
@pytest.mark.parametrize("tier", TIERS)
def test_kernels_built_by_each_compiler_give_gcc_s_bits(compiler, tier, battery, tmp_path, tmp_path_factory):
    family, command = compiler
    expected = gcc_results(tier, BATTERIES[battery], tmp_path_factory)
    got = run_built_by(command, tier, tmp_path, BATTERIES[battery], family)
    assert len(got) == len(expected)
    different = [i for i, (g, e) in enumerate(zip(got, expected)) if g != e]
    assert not different, f"{command} differs from gcc on {battery}, {tier}: results {different[:10]}"


# -- what a rounding mode the caller set cannot change ---------------------------------------------

def _set_rounding(mode):
    libm = ctypes.CDLL(ctypes.util.find_library("m"))
    return libm.fesetround(mode)


FE_UPWARD = 0x800   # x86-64 <fenv.h>


@pytest.mark.skipif(not TIERS or "sse4.1" not in TIERS, reason="needs the sse4.1 tier (x86-64)")
def test_round_is_half_to_even_in_the_vector_lanes_and_the_tail_alike_under_any_rounding_mode(compiler, tmp_path):
    """round (numpy's: halves to even) is ROUNDPS in the vector loop, whatever the rounding mode; a
    scalar tail rounding as rint would, by the caller's mode, made 2.5 into 3 there and 2 in the
    loop (clang 14 has no roundeven builtin: the tail is computed from trunc instead)."""
    family, command = compiler
    halves = np.array([2.5, -2.5, 0.5, -0.5, 1.5, 3.5, 2.5000002, 8388607.5], np.float32)
    data = np.concatenate([halves, halves[:3]])   # 8 in the vector loop, 3 in the tail
    expected = np.array([2, -2, 0, -0.0, 2, 4, 3, 8388608, 2, -2, 0], np.float32)
    with own_memo():
        kernel = rj.JitCompiler(rj.JitConfig(cc=command, isa="sse4.1", cache_dir=tmp_path)).compile(
            rj.round(rj.input("x")))
        assert _set_rounding(FE_UPWARD) == 0
        try:
            got = kernel(data)
        finally:
            _set_rounding(0)
    np.testing.assert_array_equal(got.view(np.uint32), expected.view(np.uint32))
