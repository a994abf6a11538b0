"""Issue 18: a float64 call, like a float32 one, runs no Python frame on the fast path: every
call form the README shows goes from Python straight into the compiled entry when its arrays
fit (the kernel's dtype, C-contiguous, one shape), for every dtype and every template."""
import sys

import numpy as np
import pytest

import resin_jit as rj
from resin_jit import audio

from support import needs_native

x, y = rj.input("x"), rj.input("y")


def python_frames(call):
    """How many Python functions run while call() does (the call itself excluded)."""
    frames = []

    def profile(frame, event, arg):
        if event == "call":
            frames.append(frame.f_code.co_name)
    call()   # once first: a kernel's first call may bind its state
    sys.setprofile(profile)
    try:
        call()
    finally:
        sys.setprofile(None)
    return [f for f in frames if f != "<lambda>"]


KERNELS = {
    "expressions": lambda: [rj.clip(x * y + 1, -1, 1), rj.where(x < y, rj.sin(x), rj.sqrt(abs(y)))],
    "reductions": lambda: [x * y, rj.sum(x * y), rj.argmax(x)],
    "stateful": lambda: [audio.Biquad.lowpass(1000.0, q=0.7071)(audio.SawOsc(110.0)() * x) + 0 * y],
}


@needs_native
@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("name", sorted(KERNELS))
def test_every_call_form_runs_no_python_frame(dtype, name):
    kernel = rj.JitCompiler().compile(KERNELS[name](), inputs=[x, y], dtype=dtype)
    xs = np.linspace(-1, 1, 1000).astype(dtype)
    ys = xs[::-1].copy()
    outs = [np.empty(s, d) for s, d in zip([(1000,) if not p else () for p in kernel._per_row], kernel.output_dtypes)]
    forms = {
        "kernel(x=xs, y=ys)": lambda: kernel(x=xs, y=ys),
        "kernel(xs, ys)": lambda: kernel(xs, ys),
        "kernel.process(x=xs, y=ys, out=[...])": lambda: kernel.process(x=xs, y=ys, out=outs),
        "kernel.process(xs, ys, *outs)": lambda: kernel.process(xs, ys, *outs),
        "kernel.process(xs, ys, out=(...))": lambda: kernel.process(xs, ys, out=tuple(outs)),
    }
    if name == "expressions":   # numbers broadcast where nothing keeps state or reduces
        forms["kernel(x=xs, y=0.5)"] = lambda: kernel(x=xs, y=0.5)
        forms["kernel(xs, np.float64(0.5))"] = lambda: kernel(xs, np.float64(0.5))
    for form, call in forms.items():
        assert python_frames(call) == [], f"{form} ({dtype}) ran Python code"


@needs_native
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_a_kernel_without_inputs_takes_n_without_python_frames(dtype):
    kernel = rj.JitCompiler().compile(audio.SineOsc(440.0)(), dtype=dtype)
    assert python_frames(lambda: kernel(n=256)) == []
