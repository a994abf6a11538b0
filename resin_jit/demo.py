"""`resin-jit demo`: a short tour of what resin_jit does, with timings against numpy."""
import os
import statistics
import tempfile
import time
import wave

import numpy as np

from . import JitCompiler, audio, clip, host_info, input, sqrt


def _median(fn, repeat=31):
    """Median seconds of one call (after one warm-up call)."""
    fn()
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - start)
    return statistics.median(samples)


def _us(seconds):
    return f"{seconds * 1e6:8.1f} us"


def tour_affine(jit):
    print("\n1. affine y = 0.5*x + 1, one node through node → C snippet → template → gcc → cache → load")
    start = time.perf_counter()
    scalar = jit.compile_affine(0.5, 1.0)
    block = jit.compile_affine_simd(0.5, 1.0)
    print(f"   compiled (or loaded) both kernels in {(time.perf_counter() - start) * 1e3:.1f} ms "
          f"[isa {block.isa}, backend {jit.backend}]")
    print(f"   scalar: call_f32(2.0) = {scalar.call_f32(2.0)}")
    out = np.empty(4, np.float32)
    block.process([0, 1, 2, 3], out)
    print(f"   block:  process([0, 1, 2, 3], out) → {out.tolist()}")
    x = np.random.default_rng(1).standard_normal(44100).astype(np.float32)
    y = np.empty_like(x)
    a, b = np.float32(0.5), np.float32(1.0)
    t_rj = _median(lambda: block.process(x, y))
    t_np = _median(lambda: (np.multiply(x, a, out=y), np.add(y, b, out=y)))
    print(f"   44100 samples: resin_jit {_us(t_rj)}   numpy in place {_us(t_np)}   ({t_np / t_rj:.1f}x)")


def patch(sample_rate):
    """Oscillator → filter → envelope → gain, on a gate input."""
    gate = input("gate")
    osc = audio.SawOsc(110.0, sample_rate=sample_rate)()
    filtered = audio.Biquad.lowpass(1200.0, q=2.0, sample_rate=sample_rate)(osc)
    env = audio.Envelope(attack=0.01, decay=0.2, sustain=0.5, release=0.4, sample_rate=sample_rate)(gate)
    return audio.Gain(0.5)(filtered * env)


def write_wav(path, samples, sample_rate):
    pcm = (np.clip(samples, -1.0, 1.0) * 32767).astype("<i2")
    # The file opened first and closed by its own `with`: wave.open(path) leaves a half-made
    # writer whose __del__ raises again when the file cannot be created.
    with open(path, "wb") as raw, wave.open(raw, "wb") as f:
        f.setnchannels(1)
        f.setsampwidth(2)
        f.setframerate(sample_rate)
        f.writeframes(pcm.tobytes())


def tour_audio(jit, output, sample_rate=44100, seconds=2.0, block=256):
    print("\n2. an audio patch: saw oscillator → RBJ lowpass → ADSR envelope → gain, one fused loop")
    kernel = jit.compile(patch(float(sample_rate)), inputs=["gate"])
    n = int(sample_rate * seconds)
    gate = np.zeros(n, np.float32)
    gate[:int(sample_rate * 1.2)] = 1.0
    out = np.empty(n, np.float32)
    for start in range(0, n, block):  # streamed in blocks, as an audio callback would
        kernel.process(gate[start:start + block], out[start:start + block])
    write_wav(output, out, sample_rate)
    print(f"   wrote {seconds:.1f} s of audio to {output}")
    numpy_kernel = _numpy_backend_kernel(patch(float(sample_rate)))
    kernel.reset()
    t_rj = _median(lambda: kernel.process(gate, out), repeat=7)
    t_np = _median(lambda: numpy_kernel(gate), repeat=1)
    print(f"   {n} samples: resin_jit {_us(t_rj)}   numpy backend (node references) {_us(t_np)}"
          f"   ({t_np / t_rj:.0f}x)")


def tour_graph(jit):
    print("\n3. an expression graph, fused into one vector loop: clip(sqrt(|x|) * 2 - x*x, -1, 1)")
    x = input("x")
    kernel = jit.compile(clip(sqrt(abs(x)) * 2.0 - x * x, -1.0, 1.0))
    a = np.random.default_rng(2).standard_normal(44100).astype(np.float32)
    out, tmp = np.empty_like(a), np.empty_like(a)

    def numpy_version():
        np.abs(a, out=tmp)
        np.sqrt(tmp, out=tmp)
        np.multiply(tmp, np.float32(2.0), out=tmp)
        np.multiply(a, a, out=out)
        np.subtract(tmp, out, out=out)
        np.clip(out, np.float32(-1.0), np.float32(1.0), out=out)
    t_rj = _median(lambda: kernel.process(a, out))
    t_np = _median(numpy_version)
    print(f"   44100 samples: resin_jit {_us(t_rj)}   numpy in place {_us(t_np)}   ({t_np / t_rj:.1f}x)")


def tour_vsa(jit):
    print("\n4. ternary hypervectors, each operation compiled for its dimension on first use")
    from .vsa import ItemMemory, JitVSAEngine, TritVector
    engine = JitVSAEngine(jit)
    a, b = TritVector.random(10000, seed=1), TritVector.random(10000, seed=2)
    pa, pb = a.pack(), b.pack()
    a32, b32 = a.data.astype(np.int32), b.data.astype(np.int32)
    print(f"   dot(a, b) = {engine.dot(a, b)} (dense) = {engine.dot(pa, pb)} (packed), "
          f"cosine = {engine.cosine(a, b):.4f}")
    t_np = _median(lambda: np.dot(a32, b32), repeat=201)
    t_rj = _median(lambda: engine.dot(pa, pb), repeat=201)
    print(f"   10,000-trit dot: resin_jit packed {_us(t_rj)}   numpy int32 {_us(t_np)}   ({t_np / t_rj:.0f}x)")
    noisy = a.data.copy()
    noisy[:3000] = 0
    query = TritVector(noisy)
    memory_with_a = ItemMemory([a] + [TritVector.random(10000, seed=s) for s in range(100, 1099)],
                               labels=["a"] + list(range(999)))
    label = engine.cleanup(query, memory_with_a, threshold=0.5)   # the first search compiles
    t_search = _median(lambda: engine.cleanup(query, memory_with_a, threshold=0.5), repeat=11)
    print(f"   cleanup of a 30%-erased vector among 1,000: {label!r} in {_us(t_search).strip()}; "
          f"stats {engine.stats}")


def _numpy_backend_kernel(expr):
    """The same graph on the numpy backend (each node's numpy/Python reference)."""
    from .canonical import canonicalize
    from .kernel import Kernel, NumpyRunner
    cg = canonicalize([expr], ["gate"], "float32")
    return Kernel(cg, "float32", "numpy", NumpyRunner(cg, "float32"))


def run(args=None):
    info = host_info()
    print(f"resin_jit demo on {info['architecture']} with tiers {', '.join(info['isa_tiers'])}; "
          f"compiler: {info['compiler_version'] or 'none'}")
    jit = JitCompiler()
    tour_affine(jit)
    output = getattr(args, "output", None) or os.path.join(tempfile.gettempdir(), "resin_jit_demo.wav")
    tour_audio(jit, output)
    tour_graph(jit)
    tour_vsa(jit)
    print(f"\nstats: {jit.stats}")
    return 0
