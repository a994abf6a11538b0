"""resin_jit kernels over Dask arrays: a fused expression over a chunked signal, a filter bank over
chunked channels, and a top-k search over an item memory partitioned across workers.

Kernels pickle as their graph and configuration, so each worker loads (or compiles) its own copy.

    pip install -e '.[dask]' && python examples/dask_pipeline.py
"""
import dask
import dask.array as da
import numpy as np

import resin_jit as rj
from resin_jit import audio
from resin_jit import dask as rj_dask
from resin_jit.vsa import TritVector

DIM = 4096


def main():
    jit = rj.JitCompiler()
    x = rj.input("x")
    rng = np.random.default_rng(0)

    # an elementwise graph, one fused loop per chunk
    shaper = jit.compile(rj.tanh(x * 2.0) * 0.5 + rj.sin(x) * 0.1)
    signal = rng.standard_normal(2_000_000).astype(np.float32)
    shaped = rj_dask.map_blocks(shaper, da.from_array(signal, chunks=500_000)).compute()
    expected = np.tanh(signal * np.float32(2)) * np.float32(0.5) + np.sin(signal) * np.float32(0.1)
    print(f"shaped {signal.size:,} samples in 4 chunks; largest difference from numpy "
          f"{np.abs(shaped - expected).max():.2e}")

    # a stateful kernel carries state along the samples: chunk the channels only
    lowpass = jit.compile(audio.Biquad.lowpass(800.0)(x), sample_rate=48_000)
    channels = rng.standard_normal((16, 48_000)).astype(np.float32)
    filtered = rj_dask.map_blocks(lowpass, da.from_array(channels, chunks=(4, -1))).compute()
    lowpass.reset()
    print(f"filtered {channels.shape[0]} channels in 4 chunks; same as one call: "
          f"{np.array_equal(filtered, lowpass(channels))}")

    # top-k over a memory of 20,000 trit vectors in 4 partitions
    trits = rng.integers(-1, 2, (20_000, DIM), dtype=np.int8)
    queries = [TritVector(trits[123]), TritVector(trits[17_001])]
    indices, scores = rj_dask.similarity(queries, da.from_array(trits, chunks=(5_000, DIM)), k=3)
    print(f"best matches: {indices[:, 0].tolist()} (scores {np.round(scores[:, 0], 3).tolist()})")
    return shaped, filtered, indices


if __name__ == "__main__":
    with dask.config.set(scheduler="threads"):
        main()
