"""Issue 14.6: the scripts in examples/ run as their docstrings say, and do what they claim."""
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from resin_jit import audio

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


def run(script, *args):
    proc = subprocess.run([sys.executable, str(EXAMPLES / script), *args], capture_output=True, text=True,
                          timeout=300)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return proc.stdout


def test_the_audio_patch_renders_a_stereo_wav(tmp_path):
    out = run("audio_patch.py", str(tmp_path / "patch.wav"))
    samples, rate = audio.read_wav(tmp_path / "patch.wav")
    assert rate == 48_000 and samples.shape == (2, 144_000)
    assert 0.1 < np.abs(samples).max() <= 0.5 + 2 ** -15          # the limiter's threshold holds
    assert not np.array_equal(samples[0], samples[1])             # panned: the sides differ
    assert "kernels built or loaded: 1" in out                     # turning the knob compiled nothing


def test_the_item_memory_answers_the_dollar_of_mexico():
    out = run("vsa_item_memory.py")
    assert "the dollar of Mexico: peso" in out and "the capital of Mexico: mexico city" in out


def test_the_dask_pipeline_agrees_with_single_calls():
    pytest.importorskip("dask.array", reason="dask is in the test extra: pip install -e '.[test]'")
    out = run("dask_pipeline.py")
    assert "same as one call: True" in out and "best matches: [123, 17001]" in out
    difference = float(out.split("largest difference from numpy ")[1].split()[0])
    assert difference < 1e-6


def test_the_digits_classifier_reaches_95_percent_after_retraining():
    pytest.importorskip("sklearn", reason="scikit-learn is in the test extra: pip install -e '.[test]'")
    out = run("hdc_digits.py")
    centroids = float(out.split("centroids only: test accuracy ")[1].split()[0])
    retrained = float(out.split(": test accuracy ")[2].split()[0])
    assert retrained >= 0.95 and retrained > centroids
