"""Issue 9: the `resin-jit` command under hostile or careless use: a closed pipe, a bad --output,
`cache clear` pointed at a directory that is not a resin_jit cache."""
import gc
import os
import subprocess
import sys

import numpy as np

import resin_jit as rj
from resin_jit import demo


def cli(*args, **env):
    return subprocess.run([sys.executable, "-m", "resin_jit", *args], capture_output=True, text=True,
                          env={**os.environ, "RESIN_JIT_PREBUILT": "", **env}, timeout=120)


def test_version():
    proc = cli("--version")
    assert proc.returncode == 0 and proc.stdout.strip() == f"resin-jit {rj.__version__}" == "resin-jit 0.1.0"


def test_a_reader_that_goes_away_ends_the_command_quietly(tmp_path):
    """`resin-jit cache list | head`: exit 141 like a tool SIGPIPE ends, and not a word on stderr."""
    proc = subprocess.Popen([sys.executable, "-m", "resin_jit", "cache", "list", "--cache-dir", str(tmp_path)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    proc.stdout.close()  # before the child has printed anything: its first write meets a closed pipe
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 141 and err == ""


def test_demo_output_in_a_missing_directory_is_a_usage_error_before_anything_runs(tmp_path):
    for output, words in ((tmp_path / "missing" / "x.wav", "does not exist"), (tmp_path, "is a directory")):
        proc = cli("demo", "--output", str(output))
        assert proc.returncode == 2 and proc.stdout == "", proc.stdout
        assert "--output" in proc.stderr and words in proc.stderr and "Exception ignored" not in proc.stderr


def test_the_wav_writer_leaves_nothing_behind_when_the_file_cannot_be_made(tmp_path, monkeypatch):
    unraisable = []
    monkeypatch.setattr(sys, "unraisablehook", unraisable.append)
    for path in (tmp_path / "missing" / "x.wav", "/dev/full"):
        try:
            demo.write_wav(path, np.zeros(50000, np.float32), 44100)
        except OSError:
            pass
        else:
            raise AssertionError(f"writing {path} should fail")
    gc.collect()
    assert unraisable == []
