"""The issue's WAV cases, against the audio reader's API: ``convcli.io.audio.load_audio(path) ->
(samples, rate)``, float32 in -1..1, ``(N,)`` mono or ``(N, C)``, raising InputError.

Skipped until ``convcli.io.audio`` lands (it is being written for the audio issue)."""

from __future__ import annotations

import struct

import numpy as np
import pytest

from convcli.errors import InputError

audio = pytest.importorskip("convcli.io.audio")


def wav_bytes(frames: bytes, *, channels: int, rate: int, bits: int, fmt_code: int = 1,
              data_size: int | None = None) -> bytes:
    """A canonical WAV file; ``data_size`` overrides the data chunk's length (a lying header)."""
    block = channels * bits // 8
    fmt = struct.pack("<HHIIHH", fmt_code, channels, rate, rate * block, block, bits)
    size = len(frames) if data_size is None else data_size
    body = b"WAVE" + b"fmt " + struct.pack("<I", len(fmt)) + fmt + b"data" + struct.pack("<I", size) + frames
    return b"RIFF" + struct.pack("<I", len(body)) + body


def _pcm24(values: np.ndarray) -> bytes:
    v = values.astype("<i4").ravel()
    b = v.view(np.uint8).reshape(-1, 4)[:, :3]
    return b.tobytes()


def _load(path):
    before = path.read_bytes()
    try:
        return audio.load_audio(str(path))
    finally:
        assert path.read_bytes() == before  # the input is never modified


def test_wav_with_zero_samples(tmp_path):
    path = tmp_path / "silence.wav"
    path.write_bytes(wav_bytes(b"", channels=1, rate=8000, bits=16))
    with pytest.raises(InputError) as info:
        _load(path)
    assert "silence.wav" in str(info.value) and "\n" not in str(info.value)


def test_24_bit_pcm(tmp_path, rng):
    values = rng.integers(-(1 << 23), 1 << 23, (50, 2))
    path = tmp_path / "pcm24.wav"
    path.write_bytes(wav_bytes(_pcm24(values), channels=2, rate=44100, bits=24))
    samples, rate = _load(path)
    assert rate == 44100 and samples.shape == (50, 2)
    np.testing.assert_allclose(samples, values / float(1 << 23), rtol=0, atol=1e-7)


def test_float_wav(tmp_path, rng):
    values = rng.uniform(-1, 1, 64).astype("<f4")
    path = tmp_path / "float.wav"
    path.write_bytes(wav_bytes(values.tobytes(), channels=1, rate=16000, bits=32, fmt_code=3))
    samples, rate = _load(path)
    assert rate == 16000
    np.testing.assert_array_equal(np.asarray(samples).reshape(-1), values)


def test_8_channel_wav(tmp_path, rng):
    values = rng.integers(-32768, 32768, (30, 8)).astype("<i2")
    path = tmp_path / "eight.wav"
    path.write_bytes(wav_bytes(values.tobytes(), channels=8, rate=48000, bits=16))
    samples, rate = _load(path)
    assert rate == 48000 and samples.shape == (30, 8)
    np.testing.assert_allclose(samples, values / 32768.0, rtol=0, atol=1e-7)


def test_wav_whose_header_lies_about_its_length(tmp_path, rng):
    values = rng.integers(-32768, 32768, 100).astype("<i2")
    path = tmp_path / "liar.wav"
    path.write_bytes(wav_bytes(values.tobytes(), channels=1, rate=8000, bits=16, data_size=10 * len(values) * 2))
    with pytest.raises(InputError) as info:
        _load(path)
    assert "liar.wav" in str(info.value) and "\n" not in str(info.value)


def test_cut_wav_and_text_named_wav(tmp_path, rng):
    values = rng.integers(-32768, 32768, 100).astype("<i2")
    good = wav_bytes(values.tobytes(), channels=1, rate=8000, bits=16)
    for name, data in [("cut.wav", good[:30]), ("text.wav", b"just some text\n"), ("empty.wav", b"")]:
        path = tmp_path / name
        path.write_bytes(data)
        with pytest.raises(InputError) as info:
            _load(path)
        assert name in str(info.value)
