"""Issue 17 item 3: `resin-jit demo` writes its WAV (and --plot's PNG) only where it says, never
through a link another user planted, and never waits on a FIFO."""
import os
import re
import stat
import subprocess
import sys

import numpy as np
import pytest

from resin_jit import demo

from support import run_cli


@pytest.fixture
def victim(tmp_path):
    """A file of the user's that a planted link points at: it must come out of every test as it went in."""
    path = tmp_path / "victim.txt"
    path.write_bytes(b"precious")
    yield path
    assert path.read_bytes() == b"precious"


def test_a_link_planted_at_the_old_shared_name_is_never_followed(tmp_path, victim):
    """The demo used to write to $TMPDIR/resin_jit_demo.wav, through whatever link was there."""
    shared = tmp_path / "shared-tmp"
    shared.mkdir()
    (shared / "resin_jit_demo.wav").symlink_to(victim)
    proc = run_cli("demo", TMPDIR=str(shared))
    assert proc.returncode == 0, proc.stderr
    wrote = re.search(r"of audio to (\S+);", proc.stdout).group(1)
    folder = os.path.dirname(wrote)
    assert os.path.dirname(folder) == str(shared) and os.path.basename(folder).startswith("resin_jit_demo-")
    assert stat.S_IMODE(os.stat(folder).st_mode) == 0o700   # a directory only this user can enter
    with open(wrote, "rb") as wav:
        assert wav.read(4) == b"RIFF"
    assert (shared / "resin_jit_demo.wav").is_symlink()


def test_a_fifo_at_output_is_a_usage_error_at_once(tmp_path):
    fifo = tmp_path / "out.wav"
    os.mkfifo(fifo)
    proc = run_cli("demo", "--output", str(fifo), timeout=60)   # the old demo waited for a reader forever
    assert proc.returncode == 2 and proc.stdout == ""
    assert f"{fifo} is not a regular file" in proc.stderr


@pytest.mark.parametrize("dangling", [False, True], ids=["to a file", "dangling"])
def test_a_link_at_output_is_refused(tmp_path, victim, dangling):
    target = tmp_path / "not-yet-there.wav" if dangling else victim
    link = tmp_path / "out.wav"
    link.symlink_to(target)
    proc = run_cli("demo", "--output", str(link), timeout=60)
    assert proc.returncode == 2 and proc.stdout == ""
    assert f"{link} is a symbolic link, which the demo does not follow" in proc.stderr
    assert link.is_symlink() and (victim.exists() if not dangling else not target.exists())


OPEN_FIFO = """
import sys
from resin_jit import demo
try:
    demo.open_output(sys.argv[1])
except demo.OutputError as exc:
    print(exc)
"""


def test_opening_the_output_refuses_what_was_swapped_in_after_the_check(tmp_path, victim):
    """The command line checks --output first; the demo's own open checks again, since what is
    there may change in between: a link is not followed, a FIFO not waited on, a file not emptied."""
    link, folder = tmp_path / "link.wav", tmp_path / "folder"
    link.symlink_to(victim)
    folder.mkdir()
    for path, words in ((link, "is a symbolic link"), (folder, "is a directory")):
        with pytest.raises(demo.OutputError, match=re.escape(f"{path} {words}")):
            demo.open_output(str(path))
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    proc = subprocess.run([sys.executable, "-c", OPEN_FIFO, str(fifo)], capture_output=True, text=True, timeout=60)
    assert proc.stdout.strip() == f"{fifo} is not a regular file (a FIFO, a socket or a device)", proc.stderr
    reader = os.open(fifo, os.O_RDONLY | os.O_NONBLOCK)   # with a reader the open succeeds: still refused
    try:
        with pytest.raises(demo.OutputError, match="is not a regular file"):
            demo.open_output(str(fifo))
        assert os.read(reader, 10) == b""
    finally:
        os.close(reader)


def test_the_output_file_is_created_or_replaced_in_place(tmp_path):
    old = tmp_path / "old.wav"
    old.write_bytes(b"x" * 100_000)
    for path in (old, tmp_path / "new.wav"):
        demo.save_wav(str(path), np.zeros(10, np.float32), 8000)
        data = path.read_bytes()
        assert data[:4] == b"RIFF" and data[8:12] == b"WAVE" and len(data) == 44 + 20


def test_the_plot_is_not_written_through_a_planted_link(tmp_path, victim):
    pytest.importorskip("matplotlib")
    (tmp_path / "resin_jit_demo.png").symlink_to(victim)
    with pytest.raises(demo.OutputError, match="is a symbolic link"):
        demo.plot(np.zeros(4096, np.float32), 44100, str(tmp_path))
