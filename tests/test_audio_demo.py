"""Issue 12: the demo's automated patch, its numpy/scipy twin and --plot (test_cli runs the audio benchmarks)."""
import subprocess
import sys

import numpy as np
import pytest

from resin_jit import demo


def run(*args, prelude=""):
    code = f"import sys; {prelude}from resin_jit.cli import main; sys.exit(main({list(args)!r}))"
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)


def test_the_numpy_scipy_twin_renders_what_the_patch_renders(jit):
    """The demo times numpy/scipy doing the same work: the same audio, but for the sweep's
    coefficients, which lfilter changes every 64 samples instead of every sample."""
    pytest.importorskip("scipy")
    n = 44100
    ours = jit.compile(demo.patch(), sample_rate=44100)(n=n).astype(np.float64)
    theirs = demo._numpy_scipy_patch()(n, 44100.0)
    assert np.sqrt(np.mean((ours - theirs) ** 2)) < 0.02 * np.sqrt(np.mean(ours ** 2))


def test_demo_plot_writes_a_png(tmp_path):
    pytest.importorskip("matplotlib")
    proc = run("demo", "--plot", str(tmp_path), "--output", str(tmp_path / "demo.wav"))
    assert proc.returncode == 0, proc.stderr
    png = (tmp_path / "resin_jit_demo.png").read_bytes()
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) > 10_000
    assert "swept by an LFO" in proc.stdout and (tmp_path / "demo.wav").stat().st_size > 44


def test_demo_plot_without_matplotlib_says_what_to_install(tmp_path):
    proc = run("demo", "--plot", str(tmp_path), prelude="sys.modules['matplotlib'] = None; ")
    assert proc.returncode == 1
    assert "--plot needs matplotlib" in proc.stderr and "resin_jit[plot]" in proc.stderr
    assert "affine" not in proc.stdout   # said before any work


def test_demo_plot_needs_a_writable_directory(tmp_path):
    proc = run("demo", "--plot", str(tmp_path / "missing"))
    assert proc.returncode == 2 and "not a writable directory" in proc.stderr
