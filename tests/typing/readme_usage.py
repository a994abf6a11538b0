"""Every Python block of README.md as a user's script, which `mypy --strict` passes
(tests/test_typing.py runs it, and holds each line of the README's blocks to a line here). Each
block is a function, so that names the blocks share (x, a, b, jit) keep one type in each."""
import os
import tempfile

import dask.array as da
import numpy as np

import resin_jit as rj
from resin_jit import audio, dask as rj_dask
from resin_jit.vsa import (Classifier, Codebook, ItemMemory, JitVSAEngine, LevelCodebook, PackedBatch, RandomProjection,
                           RecordEncoder, SequenceEncoder, TritVector)


def the_use_block() -> None:
    """README's Use block."""
    jit = rj.JitCompiler()                        # or rj.JitCompiler(rj.JitConfig(isa="sse2", opt_level=3))

    # Expressions: one fused loop, SIMD main loop plus scalar tail
    x, y = rj.input("x"), rj.input("y")
    kernel = jit.compile([rj.clip(x * y + 1, -1, 1), rj.where(x < y, rj.sin(x), rj.sqrt(abs(y)))])
    xs = np.linspace(-1, 1, 1000, dtype=np.float32)
    a, b = kernel(x=xs, y=0.5)                    # inputs by name; new arrays; numbers broadcast
    a, b = kernel(xs, 0.5, out=(a, None))         # as numpy's ufuncs: into arrays you own (returned
                                                  # themselves), None for one the call makes
    kernel.process(x=xs, y=xs[::-1], out=[a, b])  # the same, returning None
    kernel(xs, 0.5)                               # positionally: kernel.input_names, in the order
                                                  # the graph meets them, or as inputs=[x, y] fixes
    stats = jit.compile([x.sum(), x.argmax(), x.clip(0, None).mean()])   # numpy's methods: rj.sum, ...
    total, peak_at, mean_rectified = stats(xs)

    # Runtime parameters change without recompiling
    k = jit.compile(x * rj.param("gain", 0.5))
    k.params["gain"] = 0.8                        # or k.set_param("gain", 0.8)

    # Audio nodes: stateful, streaming, multichannel; every setting a runtime parameter
    patch = audio.Biquad.lowpass(1000.0, q=0.7071)(audio.SawOsc(110.0)() * x)
    synth = jit.compile(patch, sample_rate=48000) # one rate per graph (else JitConfig(sample_rate=...), else 44100)
    synth.params["lowpass.frequency"] = 1200.0    # no compile: the kernel recomputes its coefficients
    block = synth(np.ones(256, np.float32))       # state carries over to the next block
    bank = synth(np.ones((8, 44100), np.float32)) # (channels, n): one state per channel, channels in SIMD lanes
    frames = synth(np.ones((44100, 2), np.float32), channel_axis=-1)  # soundfile's (n, channels), and back so
    synth.reset()

    # The seed's affine example, a one-node graph like any other
    jit.compile_affine(0.5, 1.0).call_f32(2.0)    # 2.0
    out = np.empty(4, np.float32)
    jit.compile_affine_simd(0.5, 1.0).process([0, 1, 2, 3], out)   # [1.0, 1.5, 2.0, 2.5]

    # External C and Python inside a compiled graph
    erf = rj.extern("erff", "float(float)")                               # a C library function
    cube = rj.extern("cube", "double(double)", c_source="static double cube(double v) { return v*v*v; }",
                     reference=lambda v: v ** 3)  # what runs where there is no C compiler
    def running_peak(v: float, state: dict[str, float]) -> float:   # any Python, per sample (slow, anything goes)
        state["peak"] = max(state["peak"], abs(v))
        return state["peak"]
    meter = jit.compile(cube(x) + erf(x) + rj.py_node(running_peak, state={"peak": 0.0})(x))
    meter(xs)

    jit.stats     # {'compiles': .., 'disk_hits': .., 'prebuilt_hits': .., 'memory_hits': ..}
    jit.backend   # 'native', or 'numpy' without a C compiler
    rj.host_info()


def the_vsa_block() -> None:
    """README's VSA block."""
    engine = JitVSAEngine()                       # or JitVSAEngine(jit)
    a, b = TritVector.random(10_000, seed=1), TritVector.random(10_000, seed=2)
    engine.dot(a, b), engine.cosine(a, b), engine.hamming(a, b)
    key_value = engine.bind(a, b)                 # unbind(key_value, b) gives a back where b != 0
    engine.bundle([a, b, engine.permute(a, 3)])   # sign of the sum, ties 0
    pa, pb = a.pack(), b.pack()                   # two bit planes: dot/hamming/cosine by popcount
    engine.dot(pa, pb) == engine.dot(a, b)
    memory = ItemMemory([TritVector.random(10_000, seed=s) for s in range(100)], labels=range(100))
    engine.similarity([a, b], memory, metric="cosine")   # (2, 100) scores, threads for large memories
    engine.top_k(a, memory, 5), engine.cleanup(a, memory, threshold=0.2)   # best 5 (indices, scores); a's label
    engine.stats                                  # jit_hits, jit_misses, total_ops, cache_size, hit_rate


def the_batch_block() -> None:
    """README's block on batches of vectors."""
    engine = JitVSAEngine()
    A = np.random.default_rng(0).integers(-1, 2, (200, 10_000), dtype=np.int8)   # a dense batch: (N, dim) int8
    key = TritVector.random(10_000, seed=3)
    bound = engine.bind(A, key)                   # every row bound to key: a new (200, 10000) int8 array
    assert np.array_equal(engine.bind(bound, A), np.where(A != 0, key.data, 0))   # rows and rows: same N (or 1)
    assert np.array_equal(engine.permute(A, 1), np.roll(A, 1, axis=1))
    weights = np.arange(200) % 3                  # one per row, ints (exact) or floats
    one = engine.bundle(A, weights=weights, threshold=2)   # a TritVector: +1 where sum > 2, -1 where < -2, else 0
    groups = engine.bundle(A.reshape(20, 10, 10_000), axis=1)   # (20, 10000): each group of 10 bundled
    packed = PackedBatch(A)                       # N packed rows, ItemMemory's row layout (4x less memory)
    assert engine.bind(packed, key) == PackedBatch(bound) and engine.bundle(packed, weights=weights, threshold=2) == one


def the_memory_block() -> None:
    """README's block on a growing, saved and memory-mapped ItemMemory."""
    engine = JitVSAEngine()
    memory = ItemMemory(np.random.default_rng(0).integers(-1, 2, (1_000, 10_000), dtype=np.int8))
    memory.add(TritVector.random(10_000, seed=7), label="seven")       # amortised: no repacking
    memory.extend([TritVector.random(10_000, seed=s) for s in (1, 2)], labels=["one", "two"])
    path = os.path.join(tempfile.mkdtemp(), "memory.rjm")
    memory.save(path)                                # header, labels as JSON (str/int only), packed rows
    mapped = ItemMemory.load(path, mmap=True)        # mapped read-only; the file is checked first
    queries = [TritVector.random(10_000, seed=7), TritVector.random(10_000, seed=2)]
    indices, scores = engine.top_k(queries, mapped, 5)   # (2, 5) each, best first; indices[:, 0] == [1000, 1002]


def the_classifier_block() -> None:
    """README's block on encoders and the Classifier."""
    letters = Codebook("abcdefgh", 4096, seed=1)                   # a seeded random vector per symbol
    levels = LevelCodebook(16, 4096, low=0.0, high=1.0, seed=2)    # neighbouring levels similar, the ends orthogonal
    records = RecordEncoder(letters, levels).encode([{"a": 0.1, "b": 0.9}, {"c": 0.5}])   # (2, 4096) int8 trits
    trigrams = SequenceEncoder(letters, n=3).encode(["abcabc", "hgfedc"])                # bundles of bound n-grams
    rng = np.random.default_rng(0)
    labels = rng.integers(0, 4, 300)
    features = rng.normal(0, 3, (4, 20))[labels] + rng.normal(size=(300, 20))          # four clusters
    trits = RandomProjection(20, 4096, seed=3).encode(features)                         # signs of a ternary projection
    model = Classifier(dim=4096, epochs=10, seed=0).fit(features[:200], labels[:200])
    accuracy = model.score(features[200:], labels[200:])   # also predict, decision_function, partial_fit


def the_dask_block() -> None:
    """README's Scale-out block (Dask)."""
    jit, x = rj.JitCompiler(), rj.input("x")
    samples = np.random.default_rng(0).standard_normal(4_000_000).astype(np.float32)
    y = rj_dask.map_blocks(jit.compile(rj.tanh(x * 2.0)), da.from_array(samples, chunks=1_000_000))
    bank = jit.compile(audio.Biquad.lowpass(800.0)(x))        # stateful: chunk the channels only
    z = rj_dask.map_blocks(bank, da.from_array(np.ones((16, 48_000), np.float32), chunks=(4, -1)))
    trits = np.random.default_rng(1).integers(-1, 2, (20_000, 1024), dtype=np.int8)
    queries = [TritVector(trits[5]), TritVector.random(1024, seed=9)]
    indices, scores = rj_dask.similarity(queries, da.from_array(trits, chunks=(5_000, 1024)), k=5)
    lazy = rj_dask.top_k(queries, [ItemMemory(trits[:8_000]), ItemMemory(trits[8_000:])], k=5)
    y, z = y.compute(), z.compute()                           # indices[0][0] == 5
    top = lazy.compute()                                      # the same (indices, scores), merged
