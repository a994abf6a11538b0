"""A stereo synth patch rendered to a WAV file, streamed in blocks as an audio callback would.

A band-limited saw through a lowpass whose cutoff an LFO sweeps, shaped by an ADSR envelope
on a gate, panned by a second LFO, through a limiter. The cutoff's resonance is a runtime
parameter: the script turns it up halfway through without compiling again.

    python examples/audio_patch.py [out.wav]
"""
import os
import sys
import tempfile

import numpy as np

import resin_jit as rj
from resin_jit import audio

RATE, SECONDS, BLOCK = 48_000, 3.0, 256


def build():
    gate = rj.input("gate")
    cutoff = audio.SineOsc(0.5, name="sweep")() * 900.0 + 1200.0
    voice = audio.Biquad.lowpass(cutoff, q=1.0, name="filter")(audio.SawOsc(110.0)())
    shaped = voice * audio.Envelope(attack=0.02, decay=0.3, sustain=0.6, release=0.5)(gate)
    left, right = audio.Pan(audio.SineOsc(0.25, name="pan_lfo")())(shaped)
    limiter = audio.Limiter(threshold=0.5)
    return [limiter(left), limiter(right)]


def render(kernel, n):
    gate = np.zeros(n, np.float32)
    gate[: int(n * 0.8)] = 1.0                       # key down for 80% of the time, then released
    out = np.empty((2, n), np.float32)
    for start in range(0, n, BLOCK):
        if start == n // 2:
            kernel.params["filter.q"] = 6.0          # a knob turned while playing: no compile
        block = slice(start, min(start + BLOCK, n))
        kernel.process(gate[block], out=[out[0, block], out[1, block]])
    return out


def main(path=None):
    path = path or os.path.join(tempfile.gettempdir(), "resin_jit_example.wav")
    jit = rj.JitCompiler()
    kernel = jit.compile(build(), sample_rate=RATE)
    samples = render(kernel, int(RATE * SECONDS))
    audio.write_wav(path, samples, RATE)
    print(f"wrote {samples.shape[1] / RATE:.1f} s of stereo to {path}; peak {np.abs(samples).max():.3f}; "
          f"parameters: {', '.join(kernel.params)}; kernels built or loaded: "
          f"{jit.stats['compiles'] + jit.stats['disk_hits'] + jit.stats['prebuilt_hits']}")
    return path


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else None)
