"""Issue 6 (part): threaded calls equal single-threaded ones; kernels and vectors pickle."""
import pickle
from concurrent.futures import ProcessPoolExecutor

import numpy as np
import pytest

import resin_jit as rj
from resin_jit import audio
from resin_jit.vsa import ItemMemory, JitVSAEngine, PackedTritVector, TritVector

from support import needs_native


@needs_native
def test_threads_split_samples_and_channels(jit):
    x = rj.input("x")
    pure = jit.compile([rj.clip(x * 3.0 - 1.0, -1.0, 1.0), rj.sqrt(abs(x))])
    data = np.random.default_rng(0).standard_normal(300_001).astype(np.float32)
    single = pure(data, threads=1)
    for threads in (2, 3, 7):
        for got, want in zip(pure(data, threads=threads), single):
            np.testing.assert_array_equal(got, want)
    big = np.random.default_rng(1).standard_normal(2_200_000).astype(np.float32)  # above the auto threshold
    out_auto, out_one = np.empty_like(big), np.empty_like(big)
    k = jit.compile(x * 2.0 + 1.0)
    k.process(big, out_auto)
    k.process(big, out_one, threads=1)
    np.testing.assert_array_equal(out_auto, out_one)
    bank = jit.compile(audio.Biquad.lowpass(700.0)(audio.Delay(3, unit="samples")(x) + x))
    channels = np.random.default_rng(2).standard_normal((13, 2000)).astype(np.float32)
    one = bank(channels, threads=1)
    bank.reset()
    np.testing.assert_array_equal(bank(channels, threads=2), one)
    with pytest.raises(ValueError, match="threads"):
        pure(data, threads=0)


# Each thread's first sample counts itself in, then waits (a bounded spin) for another thread to
# have started: 1 where both ran at once, 0 where the first waited in vain.
MEET = """
static int arrived, gave_up;
static _Thread_local int counted;
static double meet(double v) {
    if (!counted) { counted = 1; __atomic_add_fetch(&arrived, 1, __ATOMIC_SEQ_CST); }
    for (long spin = 0; __atomic_load_n(&arrived, __ATOMIC_SEQ_CST) < 2 && !__atomic_load_n(&gave_up, __ATOMIC_SEQ_CST);
         spin++)
        if (spin == 400000000L) __atomic_store_n(&gave_up, 1, __ATOMIC_SEQ_CST);
    return __atomic_load_n(&arrived, __ATOMIC_SEQ_CST) >= 2 ? v : 0.0;
}
"""


@needs_native
@pytest.mark.parametrize("stateful", [False, True])
def test_threads_chunks_run_at_once_however_small(jit, stateful):
    """threads=2 runs its chunks without the GIL whatever their size (they ran one after the other,
    the GIL held, below 65,536 elements a chunk: 2 threads took three times one's time)."""
    x = rj.input("x")
    met = rj.extern("meet", "double(double)", c_source=MEET)(x)
    kernel = jit.compile(audio.Delay(1, unit="samples")(met) if stateful else met)
    shape = (2, 64) if stateful else (1024,)
    out = kernel(np.ones(shape, np.float32), threads=2)
    met_values = out[:, 1:] if stateful else out     # (the delay's first sample is its initial 0)
    assert met_values.min() == 1.0, "a chunk waited for the other in vain: the two ran one after the other"


@needs_native
def test_threads_one_or_none_is_the_c_path_and_anything_else_is_checked(jit):
    """threads=1 and threads=None cost nothing (the C path, counted), on a call and on process,
    above the size that would split; other values go to the slow path, which splits or refuses."""
    x = rj.input("x")
    k = jit.compile(x * 2.0 + 1.0)
    big = np.random.default_rng(4).standard_normal(1_100_000).astype(np.float32)   # above the auto threshold
    out = np.empty_like(big)
    fast, slow = k._fast_calls, k._slow_calls
    np.testing.assert_array_equal(k(big, threads=1), big * np.float32(2) + np.float32(1))
    k.process(big, out, threads=1)
    assert (k._fast_calls, k._slow_calls) == (fast + 2, slow)
    np.testing.assert_array_equal(out, big * np.float32(2) + np.float32(1))
    small = big[:1000]
    fast = k._fast_calls
    np.testing.assert_array_equal(k(small, threads=None), k(small))
    assert k._fast_calls == fast + 2
    # one row of a reduction or a stateful kernel cannot split: the C path, however long
    for one_row in (jit.compile(rj.argmax(x)), jit.compile(audio.OnePole.lowpass(500.0)(x))):
        fast = one_row._fast_calls
        one_row(big)
        assert one_row._fast_calls == fast + 1
    slow = k._slow_calls
    np.testing.assert_array_equal(k(big[:100], threads=2), big[:100] * np.float32(2) + np.float32(1))
    assert k._slow_calls == slow + 1
    for bad in (True, 0, -1, 1.0, "1"):
        with pytest.raises(ValueError, match="threads must be a positive int"):
            k(big[:10], threads=bad)


def _apply(kernel, data):
    return kernel(data)


@needs_native
def test_kernels_pickle_in_process_and_through_a_process_pool(jit):
    x = rj.input("x")
    kernel = jit.compile(audio.OnePole.lowpass(800.0)(x * rj.param("gain", 2.0)))
    kernel.set_param("gain", 0.5)
    data = np.random.default_rng(3).standard_normal(1000).astype(np.float32)
    expected = kernel(data)
    kernel.reset()
    clone = pickle.loads(pickle.dumps(kernel))
    assert clone.params["gain"] == 0.5 and clone.key == kernel.key
    np.testing.assert_array_equal(clone(data), expected)
    blob = pickle.dumps(kernel)
    assert b"\x7fELF" not in blob  # the graph and config travel, never the library
    scalar = pickle.loads(pickle.dumps(jit.compile_affine(0.5, 1.0)))
    assert scalar.call_f32(2.0) == 2.0
    with ProcessPoolExecutor(2) as pool:
        results = list(pool.map(_apply, [kernel] * 2, [data] * 2))
    for r in results:
        np.testing.assert_array_equal(r, expected)


def test_vectors_and_memories_pickle():
    v = TritVector.random(100, seed=1)
    p = v.pack()
    memory = ItemMemory([TritVector.random(64, seed=s) for s in range(5)], labels=list("abcde"))
    assert pickle.loads(pickle.dumps(v)) == v
    assert pickle.loads(pickle.dumps(p)) == p and isinstance(pickle.loads(pickle.dumps(p)), PackedTritVector)
    clone = pickle.loads(pickle.dumps(memory))
    assert clone.labels == memory.labels and np.array_equal(clone.pos, memory.pos)
    engine = JitVSAEngine(rj.JitCompiler())
    assert engine.cleanup(memory.vector(2), clone, threshold=0.9) == "c"
