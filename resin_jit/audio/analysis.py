"""The frequency response of a compiled linear graph, from its impulse response."""
import numpy as np

from ..front.node_settings import DEFAULT_SAMPLE_RATE

IMPULSE_SAMPLES = 1 << 15


def frequency_response(kernel, frequencies, samples=IMPULSE_SAMPLES, sample_rate=None):
    """H(f) at `frequencies` (Hz) of a kernel of one input and one output whose graph is linear
    and time-invariant (filters, delays, gains, mixes): the DTFT of its impulse response over
    `samples` samples, run on a fresh copy of the kernel (the kernel's own state is untouched).
    Frequencies are at the graph's sample rate (sample_rate for a graph without one, else 44100).
    `samples` is how many samples of the response are measured: a length for the DTFT, not a
    node's time setting, so a count (32768 is 0.68 s at 48 kHz).
    ValueError if the graph is not linear or its response has not died out by then."""
    if getattr(kernel, "n_inputs", None) != 1 or kernel.n_outputs != 1:
        raise ValueError("frequency_response needs a kernel of one input and one output")
    rate = kernel.graph.sample_rate or sample_rate or DEFAULT_SAMPLE_RATE
    impulse = np.zeros(samples, kernel.dtype)
    impulse[0] = 1.0
    h, h2 = _fresh(kernel)(impulse).astype(np.float64), _fresh(kernel)(impulse * 2).astype(np.float64)
    scale = max(np.abs(h).max(), 1e-30)
    if not np.all(np.isfinite(h)) or np.abs(h2 - 2 * h).max() > 1e-4 * scale or \
            np.abs(_fresh(kernel)(np.zeros(64, kernel.dtype))).max() > 0:
        raise ValueError("frequency_response needs a linear graph (no sources, no nonlinear nodes)")
    if np.abs(h[-samples // 16:]).max() > 1e-4 * scale:
        raise ValueError(f"the impulse response has not died out after {samples} samples: pass samples=")
    w = -2j * np.pi * np.asarray(frequencies, np.float64).reshape(-1) / rate
    n = np.arange(samples)
    response = np.concatenate([np.exp(np.multiply.outer(w[i:i + 64], n)) @ h for i in range(0, w.size, 64)])
    return response.reshape(np.shape(frequencies))


def _fresh(kernel):
    """The kernel's graph again, with its parameter values, its state new (a memo hit, no compile)."""
    from ..compiler import fresh_copy
    return fresh_copy(kernel)
