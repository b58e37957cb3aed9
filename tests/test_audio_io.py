import os

import numpy as np
import pytest
import soundfile as sf

from convcli import load_audio, save_audio
from convcli.errors import DataError, InputError, UsageError
from tests.clihelp import run

SPEECH = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "samples", "speech.wav")


def _tone(n=4000, channels=1, rate=8000):
    t = np.arange(n) / rate
    x = np.stack([0.6 * np.sin(2 * np.pi * (300 + 200 * c) * t) for c in range(channels)], axis=1)
    return x[:, 0] if channels == 1 else x


# 2**-(bits-1) is one quantisation step of PCM
@pytest.mark.parametrize("subtype,step", [("PCM_U8", 2**-7), ("PCM_16", 2**-15), ("PCM_24", 2**-23),
                                          ("PCM_32", 2**-31), ("FLOAT", 1e-7), ("DOUBLE", 1e-7)])
@pytest.mark.parametrize("channels", [1, 2, 5])
def test_wav_depths_and_channels_round_trip(tmp_path, subtype, step, channels):
    x = _tone(channels=channels)
    path = str(tmp_path / "a.wav")
    sf.write(path, x, 8000, subtype=subtype)  # written by libsndfile itself (an independent writer)
    got, rate = load_audio(path)
    assert rate == 8000 and got.dtype == np.float32
    assert got.shape == x.shape
    assert np.abs(got - x).max() <= step + 1e-7
    out = str(tmp_path / "b.wav")
    save_audio(out, got, rate, subtype=subtype)
    assert sf.info(out).subtype == subtype and sf.info(out).channels == channels
    back, _ = sf.read(out, dtype="float64", always_2d=False)
    assert np.abs(back - got).max() <= step + 1e-7


def test_24bit_values_are_exact(tmp_path):
    ints = np.array([[-(2**23), 2**23 - 1], [1, -1], [12345, -54321]], dtype=np.int32)
    path = str(tmp_path / "a24.wav")
    sf.write(path, ints * 256, 44100, subtype="PCM_24")  # int32 samples: the top 24 bits are stored
    got, _ = load_audio(path)
    np.testing.assert_array_equal(got, (ints / 2.0**23).astype(np.float32))


@pytest.mark.parametrize("ext,tol", [(".flac", 2**-15), (".ogg", 0.05)])
def test_flac_and_ogg(tmp_path, ext, tol):
    x = _tone(channels=2)
    path = str(tmp_path / ("a" + ext))
    save_audio(path, x, 8000)
    got, rate = load_audio(path)
    assert rate == 8000 and got.shape == x.shape
    if ext == ".flac":
        assert np.abs(got - x).max() <= tol
    else:  # lossy: compare the signals' energy and correlation
        assert np.corrcoef(got[:, 0], x[:, 0])[0, 1] > 0.99


def test_speech_sample():
    x, rate = load_audio(SPEECH)
    info = sf.info(SPEECH)
    assert rate == info.samplerate and x.shape == (info.frames,)


def test_save_clips_pcm_never_wraps(tmp_path):
    path = str(tmp_path / "c.wav")
    save_audio(path, np.array([0.5, 1.7, -3.0]), 8000)
    got, _ = sf.read(path, dtype="int16")
    np.testing.assert_array_equal(got, [16384, 32767, -32768])


def test_save_integer_input_is_scaled(tmp_path):
    path = str(tmp_path / "i.wav")
    save_audio(path, np.array([0, 16384, -32768], dtype=np.int16), 8000)
    got, _ = load_audio(path)
    np.testing.assert_array_equal(got, [0, 0.5, -1])


def test_save_errors(tmp_path):
    with pytest.raises(UsageError):
        save_audio(str(tmp_path / "x.wav"), np.zeros(4), 0)
    with pytest.raises(UsageError):
        save_audio(str(tmp_path / "x.mp9"), np.zeros(4), 8000)
    with pytest.raises(UsageError):
        save_audio(str(tmp_path / "x.flac"), np.zeros(4), 8000, subtype="FLOAT")
    with pytest.raises(DataError):
        save_audio(str(tmp_path / "x.wav"), np.zeros(0), 8000)
    with pytest.raises(DataError):
        save_audio(str(tmp_path / "x.wav"), np.array([0.0, np.nan]), 8000)
    assert os.listdir(tmp_path) == []  # nothing half-written


# --- bad files, crafted here ------------------------------------------------------------------


def _wav_bytes(tmp_path, n=1000, subtype="PCM_16", channels=1):
    path = str(tmp_path / "src.wav")
    sf.write(path, _tone(n, channels), 8000, subtype=subtype)
    with open(path, "rb") as fh:
        return fh.read()


def _bad_files(tmp_path):
    files = {}
    good = _wav_bytes(tmp_path)
    files["empty_samples.wav"] = _wav_bytes(tmp_path, n=0)
    files["truncated.wav"] = good[: len(good) // 2]
    files["truncated24.wav"] = _wav_bytes(tmp_path, 999, "PCM_24", 2)[:1500]
    files["header_only.wav"] = good[:30]
    rate0 = bytearray(good)
    assert rate0[12:16] == b"fmt "
    rate0[24:28] = (0).to_bytes(4, "little")  # the fmt chunk's sample rate field
    files["rate0.wav"] = bytes(rate0)
    files["text.wav"] = b"this is not audio\n" * 20
    files["zero_bytes.wav"] = b""
    flac = str(tmp_path / "src.flac")
    sf.write(flac, _tone(8000), 8000)
    with open(flac, "rb") as fh:
        data = fh.read()
    files["truncated.flac"] = data[: len(data) // 2]
    paths = {}
    for name, payload in files.items():
        p = tmp_path / name
        p.write_bytes(payload)
        paths[name] = str(p)
    return paths


@pytest.mark.parametrize("name,words", [
    ("empty_samples.wav", "no samples"), ("truncated.wav", "truncated"), ("truncated24.wav", "truncated"),
    ("header_only.wav", "not an audio file"), ("rate0.wav", "sample rate is 0"), ("text.wav", "not an audio file"),
    ("zero_bytes.wav", "empty"), ("truncated.flac", ""),
])
def test_bad_files_are_input_errors(tmp_path, name, words):
    path = _bad_files(tmp_path)[name]
    with pytest.raises(InputError) as info:
        load_audio(path)
    assert info.value.path == path
    assert words in info.value.message
    res = run("spectrogram", path, "-o", str(tmp_path / "out.png"))
    assert res.exit_code == 1
    assert "Traceback" not in res.output
    assert name in res.stderr and res.stderr.startswith("convcli: error: ")
    assert not os.path.exists(tmp_path / "out.png")


def test_missing_file(tmp_path):
    with pytest.raises(InputError, match="no such file"):
        load_audio(str(tmp_path / "nope.wav"))
