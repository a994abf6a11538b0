"""Issue 12: WAV files in and out, and frequency responses."""
import struct
import wave

import numpy as np
import pytest

import resin_jit as rj
from resin_jit import audio

from support.audio import SR, rbj


def pcm16_values(shape, seed=0):
    return (np.random.default_rng(seed).integers(-32768, 32768, shape) / 32768.0).astype(np.float32)


@pytest.mark.parametrize("channels", [1, 2, 5])
def test_pcm16_round_trip_is_exact(tmp_path, channels):
    samples = pcm16_values((channels, 1000))
    samples[0, :3] = [-1.0, 32767 / 32768, 0.0]
    audio.write_wav(tmp_path / "a.wav", samples, 48000)
    back, rate = audio.read_wav(tmp_path / "a.wav")
    assert rate == 48000 and back.dtype == np.float32 and back.shape == (channels, 1000)
    np.testing.assert_array_equal(back, samples)
    with wave.open(str(tmp_path / "a.wav")) as f:   # a plain PCM file any reader takes
        assert (f.getnchannels(), f.getsampwidth(), f.getframerate(), f.getnframes()) == (channels, 2, 48000, 1000)


def test_pcm24_round_trip_is_exact(tmp_path):
    samples = (np.random.default_rng(1).integers(-2 ** 23, 2 ** 23, (2, 777)) / 2.0 ** 23).astype(np.float32)
    audio.write_wav(tmp_path / "a.wav", samples, 44100, format="pcm24")
    back, rate = audio.read_wav(tmp_path / "a.wav")
    assert rate == 44100
    np.testing.assert_array_equal(back, samples)


def test_float32_round_trip_is_exact(tmp_path):
    samples = np.random.default_rng(2).standard_normal((3, 999)).astype(np.float32) * 4   # beyond ±1 too
    samples[0, :4] = [np.inf, -0.0, 1e-42, -3.4e38]
    audio.write_wav(tmp_path / "f.wav", samples, 96000, format="float32")
    back, rate = audio.read_wav(tmp_path / "f.wav")
    assert rate == 96000
    np.testing.assert_array_equal(back.view(np.uint32), samples.view(np.uint32))
    raw = (tmp_path / "f.wav").read_bytes()
    assert raw[:4] == b"RIFF" and struct.unpack_from("<H", raw, 20)[0] == 3   # WAVE_FORMAT_IEEE_FLOAT
    assert struct.unpack_from("<I", raw, 4)[0] == len(raw) - 8


def test_mono_writes_one_channel_and_pcm_clips(tmp_path):
    audio.write_wav(tmp_path / "m.wav", np.array([0.5, 2.0, -3.0, np.nan]), 8000)
    back, _ = audio.read_wav(tmp_path / "m.wav")
    np.testing.assert_array_equal(back, [[0.5, 32767 / 32768, -1.0, 0.0]])


@pytest.mark.parametrize("content, message", [
    (b"", "not a WAV file|soundfile"), (b"RIFF\x04\x00\x00\x00WAVE", "'fmt ' chunk"),
    (b"RIFF\xff\xff\xff\xffWAVEfmt \x10\x00\x00\x00" + b"\x01\x00\x00\x00" + b"\x00" * 12 + b"data\x00\x00\x00\x00",
     "0 channels"),
    (b"hello world, no RIFF here", "soundfile|not a WAV"),
])
def test_bad_files_are_named_errors(tmp_path, content, message):
    path = tmp_path / "bad.wav"
    path.write_bytes(content)
    with pytest.raises(ValueError, match=message):
        audio.read_wav(path)


def test_bad_arguments_are_named_errors(tmp_path):
    with pytest.raises(ValueError, match="cannot read"):
        audio.read_wav(tmp_path / "missing.wav")
    with pytest.raises(ValueError, match="whole number"):
        audio.write_wav(tmp_path / "x.wav", np.zeros(4), 44100.5)
    with pytest.raises(TypeError, match="sample_rate must be a real number"):
        audio.write_wav(tmp_path / "x.wav", np.zeros(4), "fast")
    with pytest.raises(ValueError, match=r"\(channels, n\)"):
        audio.write_wav(tmp_path / "x.wav", np.zeros((2, 2, 2)), 44100)


# -- frequency responses ------------------------------------------------------------------------

def cookbook_response(kind, f0, q, gain_db, freqs):
    b0, b1, b2, a1, a2 = rbj(kind, f0, q, gain_db)
    z = np.exp(-2j * np.pi * np.asarray(freqs) / SR)
    return (b0 + b1 * z + b2 * z * z) / (1 + a1 * z + a2 * z * z)


def test_biquad_response_is_the_cookbook_transfer_function():
    freqs = np.geomspace(20, 20000, 50)
    node = audio.Biquad.peak(1000.0, q=2.0, gain_db=6.0)
    np.testing.assert_allclose(node.response(freqs), cookbook_response("peak", 1000.0, 2.0, 6.0, freqs), rtol=1e-12)
    assert abs(node.response([1000.0])[0]) == pytest.approx(10 ** (6 / 20), rel=1e-9)
    at_48k = node.response(freqs, sample_rate=48000)   # the same filter at another rate: coefficients too
    np.testing.assert_allclose(at_48k, audio.Biquad.peak(1000.0, q=2.0, gain_db=6.0, sample_rate=48000).response(
        freqs), rtol=1e-12)
    assert abs(at_48k[np.argmin(abs(freqs - 1000))]) == pytest.approx(abs(node.response(freqs)[np.argmin(
        abs(freqs - 1000))]), rel=1e-3)


def test_frequency_response_of_a_compiled_linear_graph(jit):
    x = rj.input("x")
    graph = audio.Biquad.lowpass(2000.0, q=1.5)(audio.Biquad.peak(500.0, gain_db=-6.0)(x)) * 0.5 + x * 0.25
    kernel = jit.compile(graph, dtype="float64")
    freqs = np.array([50.0, 500.0, 1999.0, 5000.0, 15000.0])
    expected = (cookbook_response("lowpass", 2000.0, 1.5, 0, freqs) * cookbook_response("peak", 500.0, 0.7071, -6.0, freqs)
                * 0.5 + 0.25)
    np.testing.assert_allclose(audio.frequency_response(kernel, freqs), expected, rtol=1e-6, atol=1e-9)
    kernel.params["lowpass.frequency"] = 4000.0
    changed = audio.frequency_response(kernel, freqs)
    assert abs(changed[3]) > abs(expected[3])   # follows the kernel's parameters


def test_frequency_response_refuses_what_it_cannot_measure(jit):
    x = rj.input("x")
    with pytest.raises(ValueError, match="linear"):
        audio.frequency_response(jit.compile(audio.SoftClip(3.0)(x)), [100.0])
    with pytest.raises(ValueError, match="linear"):
        audio.frequency_response(jit.compile(audio.Biquad.lowpass(1000.0)(x) + audio.SineOsc(5.0)()), [100.0])
    with pytest.raises(ValueError, match="died out"):
        audio.frequency_response(jit.compile(audio.Comb(1000 / SR, feedback=0.9999)(x)), [100.0], samples=4096)
    with pytest.raises(ValueError, match="one input and one output"):
        audio.frequency_response(jit.compile([x * 2, x * 3]), [100.0])


@pytest.mark.parametrize("fmt", ["pcm16", "pcm24", "float32"])
def test_what_read_wav_returns_is_written_back_bit_for_bit(tmp_path, fmt):
    samples = np.random.default_rng(7).uniform(-1, 1, (2, 500)).astype(np.float32)
    audio.write_wav(tmp_path / "a.wav", samples, 22050, format=fmt)
    back, rate = audio.read_wav(tmp_path / "a.wav")
    audio.write_wav(tmp_path / "b.wav", back, rate, format=fmt)
    assert (tmp_path / "a.wav").read_bytes() == (tmp_path / "b.wav").read_bytes()


@pytest.mark.parametrize("fmt", ["pcm16", "float32"])
def test_a_file_that_cannot_be_made_is_an_os_error_and_leaves_nothing_behind(tmp_path, monkeypatch, fmt):
    import gc
    import sys
    unraisable = []
    monkeypatch.setattr(sys, "unraisablehook", unraisable.append)
    for path in (tmp_path / "missing" / "x.wav", "/dev/full"):
        with pytest.raises(OSError):
            audio.write_wav(path, np.zeros(50000, np.float32), 44100, format=fmt)
    gc.collect()
    assert unraisable == []


# -- layout and atomic writes (issue 21) ------------------------------------------------------------

def test_read_wav_gives_either_layout(tmp_path):
    samples = pcm16_values((2, 300), seed=3)
    audio.write_wav(tmp_path / "a.wav", samples, 8000)
    first, _ = audio.read_wav(tmp_path / "a.wav")
    last, rate = audio.read_wav(tmp_path / "a.wav", channel_axis=-1)
    assert rate == 8000 and first.shape == (2, 300) and last.shape == (300, 2)
    for array in (first, last):
        assert array.flags.c_contiguous and array.flags.writeable and array.dtype == np.float32
    np.testing.assert_array_equal(last, samples.T)


@pytest.mark.parametrize("fmt", ["pcm16", "pcm24", "float32"])
def test_frames_by_channels_is_written_with_channel_axis(tmp_path, fmt):
    samples = pcm16_values((2, 500), seed=4)
    audio.write_wav(tmp_path / "first.wav", samples, 44100, format=fmt)
    audio.write_wav(tmp_path / "last.wav", samples.T.copy(), 44100, format=fmt, channel_axis=-1)
    assert (tmp_path / "first.wav").read_bytes() == (tmp_path / "last.wav").read_bytes()


@pytest.mark.parametrize("shape", [(1000, 2), (48000, 2), (48000, 1)])
def test_frames_by_channels_without_channel_axis_is_refused_naming_the_fix(tmp_path, shape):
    with pytest.raises(ValueError, match=r"\.T.*channel_axis=-1") as info:
        audio.write_wav(tmp_path / "x.wav", np.zeros(shape), 44100)
    assert str(shape) in str(info.value)
    assert list(tmp_path.iterdir()) == []


def test_channel_axis_zero_writes_the_rows_as_channels(tmp_path):
    audio.write_wav(tmp_path / "many.wav", np.zeros((100, 2)), 8000, channel_axis=0)
    with wave.open(str(tmp_path / "many.wav")) as f:
        assert (f.getnchannels(), f.getnframes()) == (100, 2)
    with pytest.raises(ValueError, match="at most 32767 channels"):   # a frame's bytes must fit 16 bits
        audio.write_wav(tmp_path / "huge.wav", np.zeros((48000, 2)), 8000, channel_axis=0)
    assert [p.name for p in tmp_path.iterdir()] == ["many.wav"]


@pytest.mark.parametrize("fmt", ["pcm16", "pcm24"])
def test_a_failure_mid_write_leaves_nothing_behind_and_the_old_file_untouched(tmp_path, monkeypatch, fmt):
    old = b"the file that was there"
    (tmp_path / "a.wav").write_bytes(old)

    def fail(self, data):
        self._file.write(data[:100])   # part of the file is out when the disk fills up
        raise OSError(28, "No space left on device")
    monkeypatch.setattr(wave.Wave_write, "writeframes", fail)
    with pytest.raises(OSError, match="No space"):
        audio.write_wav(tmp_path / "a.wav", np.zeros((2, 5000)), 44100, format=fmt)
    with pytest.raises(OSError, match="No space"):
        audio.write_wav(tmp_path / "new.wav", np.zeros((2, 5000)), 44100, format=fmt)
    assert [p.name for p in tmp_path.iterdir()] == ["a.wav"] and (tmp_path / "a.wav").read_bytes() == old


def test_a_write_replaces_a_symlink_and_never_writes_through_it(tmp_path):
    victim = tmp_path / "victim"
    victim.write_bytes(b"keep")
    (tmp_path / "out.wav").symlink_to(victim)
    audio.write_wav(tmp_path / "out.wav", np.zeros(10), 8000)
    assert victim.read_bytes() == b"keep" and not (tmp_path / "out.wav").is_symlink()
    assert audio.read_wav(tmp_path / "out.wav")[0].shape == (1, 10)


def test_a_directory_or_fifo_at_the_path_is_refused(tmp_path):
    import os
    (tmp_path / "dir.wav").mkdir()
    os.mkfifo(tmp_path / "pipe.wav")
    for name, error in (("dir.wav", IsADirectoryError), ("pipe.wav", FileExistsError)):
        with pytest.raises(error, match="not a regular file"):
            audio.write_wav(tmp_path / name, np.zeros(10), 8000)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["dir.wav", "pipe.wav"]
    assert list((tmp_path / "dir.wav").iterdir()) == []


def test_a_new_file_gets_the_mode_open_gives(tmp_path):
    import os
    umask = os.umask(0o022)
    try:
        audio.write_wav(tmp_path / "a.wav", np.zeros(10), 8000)
    finally:
        os.umask(umask)
    assert (tmp_path / "a.wav").stat().st_mode & 0o777 == 0o644
