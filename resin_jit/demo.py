"""`resin-jit demo`: a short tour of what resin_jit does, with timings against numpy (and scipy)."""
import errno
import importlib.util
import os
import shutil
import stat
import statistics
import sys
import tempfile
import time

import numpy as np

from . import JitCompiler, audio, clip, host_info, input, sqrt
from .audio.io import write_wav


def _median(fn, repeat=31):
    """Median seconds of one call (after one warm-up call)."""
    fn()
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - start)
    return statistics.median(samples)


# Where the demo writes: exactly the path it was given, never through a link, never blocking on a
# FIFO (a non-blocking open, then a regular file or nothing), never truncating what it refuses.
OUTPUT_FLAGS = os.O_WRONLY | os.O_CREAT | os.O_NOFOLLOW | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0)
_REFUSALS = {errno.ELOOP: "is a symbolic link, which the demo does not follow",
             errno.ENXIO: "is not a regular file (a FIFO, a socket or a device)",
             errno.EISDIR: "is a directory"}


class OutputError(OSError):
    """The demo's output path is not a regular file it may write (said before anything is written)."""


def open_output(path):
    """`path` opened for writing as a regular file (created, or emptied once it is known to be one)."""
    try:
        fd = os.open(path, OUTPUT_FLAGS, 0o666)
    except OSError as exc:
        raise OutputError(f"{path} {_REFUSALS.get(exc.errno, f'cannot be written: {exc.strerror}')}") from None
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise OutputError(f"{path} {_REFUSALS[errno.ENXIO]}")
        if st.st_nlink > 1:   # a hard link another user planted: writing would change their file
            raise OutputError(f"{path} is a hard link to another file: choose a new name")
        os.ftruncate(fd, 0)
        return os.fdopen(fd, "wb")
    except BaseException:
        os.close(fd)
        raise


def private_output(name="resin_jit_demo.wav"):
    """The default output: `name` in a new directory only this user can enter (tempfile.mkdtemp),
    so nothing another user planted in the shared temp directory is ever opened."""
    return os.path.join(tempfile.mkdtemp(prefix="resin_jit_demo-"), name)


def save_wav(path, samples, sample_rate):
    """write_wav's file, made in a private directory, then copied into `path` through open_output."""
    with tempfile.TemporaryDirectory(prefix="resin_jit_demo-") as private:
        staged = os.path.join(private, "demo.wav")
        write_wav(staged, samples, sample_rate)
        with open(staged, "rb") as source, open_output(path) as target:
            shutil.copyfileobj(source, target)


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


SAMPLE_RATE = 44100
LFO_HZ, CENTER, SWEEP, Q = 0.25, 1400.0, 1100.0, 4.0     # the filter sweeps 300 to 2500 Hz every 4 s
SAW_HZ, ROOM, DAMP, WET, DRY, LEVEL = 110.0, 0.75, 0.3, 0.35, 0.65, 0.5


def patch(sample_rate=None):
    """The demo's automated patch: a band-limited saw through a resonant lowpass that an LFO sweeps,
    into a Freeverb-style reverb (settings as parameters: kernel.params)."""
    cutoff = audio.SineOsc(LFO_HZ, sample_rate=sample_rate)() * SWEEP + CENTER
    filtered = audio.Biquad.lowpass(cutoff, q=Q)(audio.SawOsc(SAW_HZ)())
    return audio.Gain(LEVEL, name="master")(audio.Reverb(ROOM, DAMP, WET, DRY)(filtered))


def tour_audio(jit, output, sample_rate=SAMPLE_RATE, seconds=4.0, block=256):
    print("\n2. an automated patch: saw → lowpass swept by an LFO → reverb, one fused loop, rendered to WAV")
    kernel = jit.compile(patch(), sample_rate=sample_rate)
    n = int(sample_rate * seconds)
    out = np.empty(n, np.float32)

    def render():
        kernel.reset()
        for start in range(0, n, block):  # streamed in blocks, as an audio callback would
            kernel.process(out[start:start + block])
    render()
    save_wav(output, out, sample_rate)
    print(f"   wrote {seconds:.1f} s of audio to {output}; parameters: {', '.join(kernel.params)}")
    t_rj = _median(render, repeat=5)
    scipy_patch = _numpy_scipy_patch()
    if scipy_patch is None:
        print(f"   {n} samples in {block}-sample blocks: resin_jit {_us(t_rj)} (install scipy to time numpy/scipy)")
        return out
    t_np = _median(lambda: scipy_patch(n, float(sample_rate)), repeat=1)
    print(f"   {n} samples: resin_jit in {block}-sample blocks {_us(t_rj)}   numpy/scipy (lfilter per 64-sample "
          f"block for the sweep) {_us(t_np)}   ({t_np / t_rj:.0f}x)")
    return out


def _numpy_scipy_patch():
    """The same work in numpy and scipy, as one would write it there, or None without scipy."""
    try:
        from scipy.signal import lfilter
    except ImportError:
        return None
    from .audio.filters import Biquad

    def delay_line(x, delay, step):
        """y[i] = x'[i - delay] through `step(block, back)` -> (written, out), blocks of at most `delay`."""
        buf, out = np.zeros(len(x) + delay), np.empty(len(x))
        for start in range(0, len(x), delay):
            end = min(start + delay, len(x))
            buf[start + delay:end + delay], out[start:end] = step(x[start:end], buf[start:end], start)
        return out

    def comb(x, delay, feedback, damp):
        state = {"zi": np.zeros(1)}

        def step(block, back, start):
            store, state["zi"] = lfilter([1 - damp], [1, -damp], back, zi=state["zi"])
            return block + feedback * store, back
        return delay_line(x, delay, step)

    def allpass(x, delay, gain):
        def step(block, back, start):
            w = block + gain * back
            return w, back - gain * w
        return delay_line(x, delay, step)

    def render(n, rate, block=64):
        t = np.arange(n) / rate
        phase, dt = (SAW_HZ * t) % 1.0, SAW_HZ / rate
        saw = 2 * phase - 1 - np.where(phase < dt, (phase / dt) * (2 - phase / dt) - 1,
                                       np.where(phase > 1 - dt, ((phase - 1) / dt) * ((phase - 1) / dt + 2) + 1, 0))
        cutoff = np.sin(2 * np.pi * LFO_HZ * t) * SWEEP + CENTER
        filtered, zi = np.empty(n), np.zeros(2)
        for start in range(0, n, block):
            b0, b1, b2, a1, a2 = Biquad.lowpass(float(cutoff[start]), Q, sample_rate=rate).coefficients
            filtered[start:start + block], zi = lfilter([b0, b1, b2], [1, a1, a2], saw[start:start + block], zi=zi)
        scale = rate / 44100
        wet = sum(comb(filtered * 0.015, int(d * scale), ROOM * 0.28 + 0.7, DAMP * 0.4)
                  for d in (1116, 1188, 1277, 1356, 1422, 1491, 1557, 1617))
        for d in (556, 441, 341, 225):
            wet = allpass(wet, int(d * scale), 0.5)
        return (wet * WET + filtered * DRY) * LEVEL
    return render


def plot(samples, sample_rate, folder):
    """A PNG of the patch's filter response along its sweep, and of the rendered audio's spectrogram."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    freqs = np.geomspace(20, sample_rate / 2 * 0.99, 400)
    fig, (response, spectrum) = plt.subplots(2, 1, figsize=(9, 8))
    for cutoff in (CENTER - SWEEP, CENTER, CENTER + SWEEP):
        h = audio.Biquad.lowpass(cutoff, Q, sample_rate=sample_rate).response(freqs)
        response.semilogx(freqs, 20 * np.log10(np.abs(h)), label=f"cutoff {cutoff:.0f} Hz")
    response.set(title="the swept lowpass: magnitude response", xlabel="Hz", ylabel="dB", ylim=(-60, 20))
    response.legend()
    response.grid(True, which="both", alpha=0.3)
    spectrum.specgram(samples, NFFT=2048, Fs=sample_rate, noverlap=1536, cmap="magma")
    spectrum.set(title="the rendered patch: spectrogram", xlabel="s", ylabel="Hz", ylim=(0, 8000))
    fig.tight_layout()
    path = os.path.join(folder, "resin_jit_demo.png")
    with open_output(path) as target:   # DIR may be shared, as /tmp is: no link followed there either
        fig.savefig(target, format="png", dpi=100)
    plt.close(fig)
    print(f"   plotted the response and the spectrogram to {path}")


def shaper():
    """The graph of the third part: clip(sqrt(|x|) * 2 - x*x, -1, 1)."""
    x = input("x")
    return clip(sqrt(abs(x)) * 2.0 - x * x, -1.0, 1.0)


def tour_graph(jit):
    print("\n3. an expression graph, fused into one vector loop: clip(sqrt(|x|) * 2 - x*x, -1, 1)")
    kernel = jit.compile(shaper())
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


VSA_DIM = 10000
# Every kernel of the tour, the engine's included, is in its recording, resin_jit/demo_manifest.json
# (warm's "demo" entry): made again by `RESIN_JIT_RECORD=resin_jit/demo_manifest.json resin-jit demo`
# on a new file after a change here, and compared with a fresh recording by tests/test_record.py.


def tour_vsa(jit):
    print("\n4. ternary hypervectors, each operation compiled for its dimension on first use")
    from .vsa import ItemMemory, JitVSAEngine, TritVector
    engine = JitVSAEngine(jit)
    a, b = TritVector.random(VSA_DIM, seed=1), TritVector.random(VSA_DIM, seed=2)
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
    memory_with_a = ItemMemory([a] + [TritVector.random(VSA_DIM, seed=s) for s in range(100, 1099)],
                               labels=["a"] + list(range(999)))
    label = engine.cleanup(query, memory_with_a, threshold=0.5)   # the first search compiles
    t_search = _median(lambda: engine.cleanup(query, memory_with_a, threshold=0.5), repeat=11)
    print(f"   cleanup of a 30%-erased vector among 1,000: {label!r} in {_us(t_search).strip()}; "
          f"stats {engine.stats}")


def _has_matplotlib():
    return importlib.util.find_spec("matplotlib") is not None


def run(args=None):
    info = host_info()
    print(f"resin_jit demo on {info['architecture']} with tiers {', '.join(info['isa_tiers'])}; "
          f"compiler: {info['compiler_version'] or 'none'}")
    folder = getattr(args, "plot", None)
    if folder and not _has_matplotlib():
        print("resin-jit demo: error: --plot needs matplotlib: pip install 'resin_jit[plot]'", file=sys.stderr)
        return 1
    jit = JitCompiler()
    tour_affine(jit)
    output = getattr(args, "output", None) or private_output()
    rendered = tour_audio(jit, output)
    if folder:
        plot(rendered, SAMPLE_RATE, folder)
    tour_graph(jit)
    tour_vsa(jit)
    print(f"\nstats: {jit.stats}")
    return 0
