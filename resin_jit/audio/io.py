"""WAV files: read_wav and write_wav, with the standard library's `wave` for PCM and a few lines of
RIFF for 32-bit float (which `wave` does not handle); other formats through soundfile when it is
installed. A file is outside input: whatever is wrong with it is a ValueError naming it.

Layout: arrays are (channels, n), as kernels take them; `channel_axis=-1` reads and writes
(n, channels), soundfile's frames × channels. write_wav refuses an array that looks like frames ×
channels given as (channels, n) (runtime/layout.looks_transposed), and writes its file whole
(store/fs.replacing): on an error, nothing is left behind and a file already there is untouched."""
import os
import struct
import wave

import numpy as np

from ..front.nodes import real_number
from ..runtime.layout import channels_last, looks_transposed
from ..store.fs import replacing

FORMATS = {"pcm16": 2, "pcm24": 3, "float32": 4}   # bytes per sample
PCM = 1                  # WAVE_FORMAT_PCM
PCM_FLOAT = 3            # WAVE_FORMAT_IEEE_FLOAT
EXTENSIBLE = 0xFFFE      # WAVE_FORMAT_EXTENSIBLE: the real format in the first two bytes of its GUID
MAX_RATE = (1 << 32) - 1


def read_wav(path, channel_axis=0):
    """(samples, sample_rate): a float32 array of shape (channels, n), PCM scaled to [-1, 1);
    with channel_axis=-1, of shape (n, channels) (soundfile's frames × channels). Either is
    C-contiguous and writable; a mono file gives (1, n) or (n, 1)."""
    last = channels_last(channel_axis)
    frames, rate = _read_frames(path)
    return np.require(frames if last else frames.T, np.float32, ["C", "W"]), rate


def _read_frames(path):
    """(frames × channels float32 array, sample_rate) of the file at `path`."""
    try:
        with open(path, "rb") as raw:
            data = raw.read()
    except OSError as exc:
        raise ValueError(f"cannot read {path}: {exc}") from None
    fmt = _riff_format(data, path)
    if fmt is None:
        return _read_other(path)
    code, channels, rate, bits, frames, extensible = fmt
    if code == PCM_FLOAT:
        if bits != 32:
            raise ValueError(f"{path}: {bits}-bit float WAV is not supported (32-bit is)")
        whole = len(frames) // (4 * channels) * 4 * channels
        return np.frombuffer(frames[:whole], "<f4").reshape(-1, channels), rate
    if code != PCM:
        return _read_other(path)
    if extensible:  # wave (3.11) reads only the plain PCM header
        return _pcm_to_float(frames, (bits + 7) // 8, channels, path), rate
    try:
        with wave.open(str(path), "rb") as f:
            channels, width, rate = f.getnchannels(), f.getsampwidth(), f.getframerate()
            pcm = f.readframes(f.getnframes())
    except (wave.Error, EOFError, struct.error) as exc:
        raise ValueError(f"{path} is not a WAV file wave can read: {exc}") from None
    return _pcm_to_float(pcm, width, channels, path), rate


def _riff_format(data, path):
    """(format code, channels, rate, bits, data bytes, extensible) of a RIFF/WAVE file, or None."""
    if len(data) < 12 or data[:4] != b"RIFF" or data[8:12] != b"WAVE":
        return None
    chunks, at = {}, 12
    while at + 8 <= len(data):
        name, size = data[at:at + 4], struct.unpack_from("<I", data, at + 4)[0]
        chunks.setdefault(name, data[at + 8:at + 8 + size])
        at += 8 + size + (size & 1)
    fmt, frames = chunks.get(b"fmt "), chunks.get(b"data")
    if fmt is None or frames is None or len(fmt) < 16:
        raise ValueError(f"{path}: a WAV file needs a 'fmt ' chunk of 16 bytes or more and a 'data' chunk")
    code, channels, rate, _, _, bits = struct.unpack_from("<HHIIHH", fmt)
    extensible = code == EXTENSIBLE and len(fmt) >= 26
    if extensible:
        code = struct.unpack_from("<H", fmt, 24)[0]
    if channels < 1 or rate < 1:
        raise ValueError(f"{path}: {channels} channels at {rate} samples/s")
    return code, channels, rate, bits, frames, extensible


def _pcm_to_float(pcm, width, channels, path):
    count = len(pcm) // (width * channels) * channels
    if width == 1:
        values = (np.frombuffer(pcm, np.uint8, count).astype(np.float32) - 128.0) / 128.0
    elif width == 2:
        values = np.frombuffer(pcm, "<i2", count).astype(np.float32) / 32768.0
    elif width == 3:
        b = np.frombuffer(pcm, np.uint8, count * 3).reshape(-1, 3).astype(np.int32)
        values = (((b[:, 0] | (b[:, 1] << 8) | (b[:, 2] << 16)) << 8) >> 8).astype(np.float32) / 8388608.0
    elif width == 4:
        values = (np.frombuffer(pcm, "<i4", count).astype(np.float64) / 2147483648.0).astype(np.float32)
    else:
        raise ValueError(f"{path}: {width * 8}-bit PCM is not supported")
    return values.reshape(-1, channels)


def write_wav(path, samples, sample_rate, format="pcm16", channel_axis=None):  # noqa: A002 - the API's name
    """Write (n,) or (channels, n) samples (with channel_axis=-1: (n, channels), soundfile's frames ×
    channels): format "pcm16", "pcm24" (clipped to [-1, 1], scaled by 2^15 or 2^23 and rounded: what
    read_wav returns is written back bit for bit) or "float32"; any other format is a soundfile
    subtype (e.g. "PCM_U8", "FLOAT" in a .flac), if it is installed.

    Without channel_axis, a 2-D array with far more rows than columns (more than 64, at least 16
    per column: (48000, 2)) is refused with a ValueError: it is frames × channels, so pass its .T
    or channel_axis=-1 (channel_axis=0 writes it as that many channels). The file is written to a
    new name beside `path` and renamed onto it: on an error nothing is left behind, and a file
    already at `path` is untouched."""
    array = _frames(samples, np.float64 if format != "float32" else np.float32, channel_axis)
    rate = _wav_rate(sample_rate)
    if format not in FORMATS:
        return _write_other(path, array, rate, format)
    _check_header_fits(array.shape[1], rate, FORMATS[format], format)
    if format == "float32":
        payload = np.ascontiguousarray(array, "<f4").tobytes()
        header = _float_header(array.shape[1], rate, array.shape[0], len(payload))
        with replacing(path) as out:
            out.write(header + payload)
        return
    bits = 8 * FORMATS[format]
    scale = float(1 << (bits - 1))
    ints = np.ascontiguousarray(np.clip(np.rint(np.nan_to_num(array) * scale), -scale, scale - 1), "<i4")
    payload = ints.astype("<i2").tobytes() if bits == 16 else ints.view(np.uint8).reshape(-1, 4)[:, :3].tobytes()
    with replacing(path) as raw, wave.open(raw, "wb") as f:  # raw first: a failed open leaves no writer behind
        f.setnchannels(array.shape[1])
        f.setsampwidth(FORMATS[format])
        f.setframerate(rate)
        f.writeframes(payload)


def _frames(samples, dtype, channel_axis):
    """`samples` as a frames × channels array of `dtype` (a view where it can be), or why not."""
    last = channels_last(channel_axis)
    array = np.asarray(samples, dtype)
    if array.ndim == 1:
        return array[:, None]
    layout = "(n, channels)" if last else "(channels, n)"
    if array.ndim != 2 or array.shape[1 if last else 0] < 1:
        raise ValueError(f"samples must be (n,) or {layout}, not of shape {np.shape(samples)}")
    if channel_axis is None and looks_transposed(array.shape):
        raise ValueError(f"samples of shape {array.shape} would be {array.shape[0]} channels of {array.shape[1]} "
                         f"frame(s): write_wav takes (channels, n). For soundfile's frames × channels pass "
                         f"samples.T (or channel_axis=-1); channel_axis=0 writes {array.shape[0]} channels")
    return array if last else array.T


def _wav_rate(sample_rate):
    rate = real_number(sample_rate, "sample_rate")
    if not (rate.is_integer() and 1 <= rate <= MAX_RATE):
        raise ValueError(f"a WAV file's sample_rate is a whole number from 1 to {MAX_RATE}, not {sample_rate!r}")
    return int(rate)


def _check_header_fits(channels, rate, width, format):  # noqa: A002
    """A WAV header holds a frame's bytes in 16 bits and a second's in 32."""
    if channels * width > 0xFFFF or rate * channels * width > MAX_RATE:
        raise ValueError(f"a {format} WAV file holds at most {0xFFFF // width} channels and {MAX_RATE:,} bytes "
                         f"a second, not {channels} channels at {rate} samples/s")


def _float_header(channels, rate, frames, data_bytes):
    fmt = struct.pack("<HHIIHHH", PCM_FLOAT, channels, rate, rate * channels * 4, channels * 4, 32, 0)
    fact = struct.pack("<I", frames)
    size = 4 + (8 + len(fmt)) + (8 + len(fact)) + (8 + data_bytes)
    return (b"RIFF" + struct.pack("<I", size) + b"WAVE" + b"fmt " + struct.pack("<I", len(fmt)) + fmt
            + b"fact" + struct.pack("<I", len(fact)) + fact + b"data" + struct.pack("<I", data_bytes))


def _soundfile(path):
    try:
        import soundfile
    except ImportError:
        raise ValueError(f"{path}: only WAV files of PCM or 32-bit float are read and written without "
                         "soundfile (pip install soundfile for other formats)") from None
    return soundfile


def _read_other(path):
    soundfile = _soundfile(path)
    try:
        return soundfile.read(str(path), dtype="float32", always_2d=True)
    except RuntimeError as exc:
        raise ValueError(f"cannot read {path}: {exc}") from None


def _write_other(path, frames, rate, format):  # noqa: A002
    """Through soundfile, into replacing(path)'s file: the container from path's extension."""
    if not isinstance(format, str):
        raise TypeError(f"format must be a str, not {type(format).__name__}")
    soundfile = _soundfile(path)
    container = os.path.splitext(str(path))[1][1:].upper() or None
    try:
        with replacing(path) as out:
            soundfile.write(out, frames, rate, subtype=format, format=container)
    except (RuntimeError, ValueError, TypeError) as exc:
        raise ValueError(f"cannot write {path} as {format!r}: {exc}") from None
