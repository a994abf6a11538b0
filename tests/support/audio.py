"""What the audio tests share: the sample rate, a test signal, and the RBJ cookbook's biquad
coefficients with a plain biquad to run them (references written from the cookbook, not the nodes)."""
import math

import numpy as np

SR = 44100.0


def rbj(kind, f0, q, gain_db=0.0, fs=SR):
    """The RBJ cookbook's coefficients, normalised by a0 (from the cookbook text)."""
    A = 10 ** (gain_db / 40)
    w0 = 2 * math.pi * f0 / fs
    c, alpha = math.cos(w0), math.sin(w0) / (2 * q)
    if kind == "lowpass":
        b, a = [(1 - c) / 2, 1 - c, (1 - c) / 2], [1 + alpha, -2 * c, 1 - alpha]
    elif kind == "highpass":
        b, a = [(1 + c) / 2, -(1 + c), (1 + c) / 2], [1 + alpha, -2 * c, 1 - alpha]
    elif kind == "bandpass":
        b, a = [alpha, 0, -alpha], [1 + alpha, -2 * c, 1 - alpha]
    elif kind == "notch":
        b, a = [1, -2 * c, 1], [1 + alpha, -2 * c, 1 - alpha]
    elif kind == "peak":
        b, a = [1 + alpha * A, -2 * c, 1 - alpha * A], [1 + alpha / A, -2 * c, 1 - alpha / A]
    elif kind == "lowshelf":
        s = 2 * math.sqrt(A) * alpha
        b = [A * ((A + 1) - (A - 1) * c + s), 2 * A * ((A - 1) - (A + 1) * c), A * ((A + 1) - (A - 1) * c - s)]
        a = [(A + 1) + (A - 1) * c + s, -2 * ((A - 1) + (A + 1) * c), (A + 1) + (A - 1) * c - s]
    else:
        s = 2 * math.sqrt(A) * alpha
        b = [A * ((A + 1) + (A - 1) * c + s), -2 * A * ((A - 1) + (A + 1) * c), A * ((A + 1) + (A - 1) * c - s)]
        a = [(A + 1) - (A - 1) * c + s, 2 * ((A - 1) - (A + 1) * c), (A + 1) - (A - 1) * c - s]
    return [b[0] / a[0], b[1] / a[0], b[2] / a[0], a[1] / a[0], a[2] / a[0]]


def signal(n=3000, seed=0):
    """A 220 Hz sine with seeded noise, float32."""
    rng = np.random.default_rng(seed)
    t = np.arange(n) / SR
    return (0.5 * np.sin(2 * np.pi * 220 * t) + 0.3 * rng.standard_normal(n)).astype(np.float32)


def ref_biquad_per_sample(x, rows):
    """Direct form I (the past inputs and outputs are the state: what a coefficient change sees) with
    a row of (b0, b1, b2, a1, a2) per sample."""
    x1 = x2 = y1 = y2 = 0.0
    out = np.empty(len(x))
    for i, (v, (b0, b1, b2, a1, a2)) in enumerate(zip(x.astype(np.float64), rows)):
        y = b0 * v + b1 * x1 + b2 * x2 - a1 * y1 - a2 * y2
        x1, x2, y1, y2 = v, x1, y, y1
        out[i] = y
    return out
