import json
import os

import numpy as np
import pytest
import soundfile as sf
from PIL import Image

from convcli import convolve, istft, load_audio, stft
from convcli.io.images import read_image
from convcli.io.spectrogram_files import is_spectrogram_npz, read_spectrogram_npz
from convcli.spectrogram import mel_filterbank, spectral_correlation
from tests.clihelp import run, run_process

SAMPLES = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "samples")
SPEECH = os.path.join(SAMPLES, "speech.wav")
BELL = os.path.join(SAMPLES, "bell.wav")


def _ok(res):
    assert res.exit_code == 0, res.output
    return res


def _tone_file(tmp_path, freq=1000.0, rate=8000, n=8000, name="tone.wav", subtype="PCM_16"):
    t = np.arange(n) / rate
    path = str(tmp_path / name)
    sf.write(path, 0.5 * np.sin(2 * np.pi * freq * t), rate, subtype=subtype)
    return path


def test_png_is_16bit_db_with_settings_read_back(tmp_path):
    out = tmp_path / "s.png"
    _ok(run("spectrogram", SPEECH, "-o", str(out), "--n-fft", "512", "--hop", "128", "--window", "hamming",
            "--db-range", "70"))
    img = Image.open(out)
    assert img.mode.startswith("I;16")
    data = read_image(str(out))
    info = data.info
    x, rate = load_audio(SPEECH)
    assert (info["n_fft"], info["hop"], info["window"], info["center"]) == ("512", "128", "hamming", "1")
    assert int(info["sample_rate"]) == rate and int(info["length"]) == len(x)
    assert float(info["db_range"]) == 70.0
    # the pixels are the formula: dB relative to the loudest bin, -70..0 -> 0..65535, low frequencies at the bottom
    mag = np.abs(stft(x, n_fft=512, hop=128, window="hamming", dtype=np.float64))
    assert float(info["db_ref"]) == pytest.approx(mag.max(), rel=1e-5)
    db = np.clip(20 * np.log10(np.maximum(mag, 1e-30) / mag.max()), -70, 0)
    want = np.flipud(np.rint((db + 70) / 70 * 65535))
    assert data.pixels.shape == (257, 1 + len(x) // 128)
    assert np.abs(data.pixels.astype(float) - want).max() <= 2


def test_low_frequencies_at_the_bottom(tmp_path):
    src = _tone_file(tmp_path, freq=1000.0, rate=8000)
    out = tmp_path / "t.png"
    _ok(run("spectrogram", src, "-o", str(out), "--n-fft", "256", "--hop", "64"))
    px = np.asarray(Image.open(out)).astype(float)
    row = int(np.argmax(px[:, px.shape[1] // 2]))
    bin_ = px.shape[0] - 1 - row  # bottom row is bin 0
    assert bin_ == round(1000 / 8000 * 256)


def test_npz_resynth_is_exact(tmp_path):
    spec, wav = tmp_path / "s.npz", tmp_path / "back.wav"
    _ok(run("spectrogram", SPEECH, "-o", str(spec)))
    assert is_spectrogram_npz(str(spec))
    S, settings = read_spectrogram_npz(str(spec))
    x, rate = load_audio(SPEECH)
    assert (settings.n_fft, settings.hop, settings.sample_rate, settings.length) == (1024, 256, rate, len(x))
    np.testing.assert_allclose(S, stft(x), atol=1e-3)
    _ok(run("resynth", str(spec), "-o", str(wav)))
    y, rate2 = load_audio(str(wav))
    assert rate2 == rate and y.shape == x.shape
    np.testing.assert_array_equal(y, x)  # 16-bit in, 16-bit out: every sample comes back


def test_griffin_lim_from_png_correlates(tmp_path):
    png, wav = tmp_path / "s.png", tmp_path / "gl.wav"
    _ok(run("spectrogram", SPEECH, "-o", str(png), "--n-fft", "512", "--hop", "128"))
    res = _ok(run("resynth", str(png), "-o", str(wav), "--iterations", "16", "--json"))
    assert json.loads(res.stdout)["files"][0]["method"] == "griffin-lim"
    x, rate = load_audio(SPEECH)
    y, rate2 = load_audio(str(wav))
    assert rate2 == rate and y.shape == x.shape
    a = np.abs(stft(x, n_fft=512, hop=128))
    b = np.abs(stft(y, n_fft=512, hop=128))
    assert spectral_correlation(a, b) > 0.9
    # deterministic: the same command gives the same file
    wav2 = tmp_path / "gl2.wav"
    _ok(run("resynth", str(png), "-o", str(wav2), "--iterations", "16"))
    assert wav.read_bytes() == wav2.read_bytes()


def test_mel_picture_and_resynth(tmp_path):
    png, wav = tmp_path / "m.png", tmp_path / "m.wav"
    _ok(run("spectrogram", SPEECH, "--mel", "64", "--n-fft", "512", "--hop", "128", "-o", str(png)))
    data = read_image(str(png))
    assert data.pixels.shape[0] == 64 and data.info["scale"] == "mel"
    x, rate = load_audio(SPEECH)
    mel = mel_filterbank(rate, 512, 64) @ np.abs(stft(x, n_fft=512, hop=128, dtype=np.float64))
    db = np.clip(20 * np.log10(np.maximum(mel, 1e-30) / mel.max()), -80, 0)
    assert np.abs(data.pixels.astype(float) - np.flipud(np.rint((db + 80) / 80 * 65535))).max() <= 2
    _ok(run("resynth", str(png), "-o", str(wav), "--iterations", "8"))
    assert load_audio(str(wav))[0].shape == x.shape


def test_mel_filterbank_shape_and_peaks():
    fb = mel_filterbank(22050, 1024, 40)
    assert fb.shape == (40, 513) and (fb >= 0).all()
    peaks = fb.argmax(axis=1)
    assert (np.diff(peaks) >= 0).all()  # filters climb in frequency
    assert (fb.sum(axis=1) > 0).all()


def test_colormap_picture(tmp_path):
    out = tmp_path / "c.png"
    _ok(run("spectrogram", SPEECH, "--colormap", "viridis", "-o", str(out), "--no-legend"))
    img = Image.open(out)
    assert img.mode == "RGB"
    px = np.asarray(img).reshape(-1, 3).astype(int)
    # the darkest (-80 dB) colour is viridis(0) = #440154 and the loudest is viridis(1) = #fde725
    assert np.abs(px - [68, 1, 84]).max(axis=1).min() <= 5
    assert np.abs(px - [253, 231, 37]).max(axis=1).min() <= 5
    legend = tmp_path / "l.png"
    _ok(run("spectrogram", SPEECH, "--colormap", "magma", "-o", str(legend)))
    assert Image.open(legend).size[0] > img.size[0]  # the axes add a frame
    res = run("resynth", str(legend), "-o", str(tmp_path / "x.wav"))
    assert res.exit_code == 1 and "colour-mapped" in res.stderr


def test_multichannel_one_per_channel_or_mono(tmp_path):
    out = tmp_path / "b.png"
    _ok(run("spectrogram", BELL, "-o", str(out)))
    assert not out.exists()
    x, _ = load_audio(BELL)
    for c in range(2):
        data = read_image(str(tmp_path / f"b_ch{c}.png"))
        assert data.info["channel"] == f"{c} of 2"
        mag = np.abs(stft(x[:, c], dtype=np.float64))
        assert float(data.info["db_ref"]) == pytest.approx(mag.max(), rel=1e-5)
    mono = tmp_path / "m.png"
    _ok(run("spectrogram", BELL, "--mono", "-o", str(mono)))
    mag = np.abs(stft(x.mean(axis=1), dtype=np.float64))
    assert float(read_image(str(mono)).info["db_ref"]) == pytest.approx(mag.max(), rel=1e-5)
    # .npz keeps all channels in one file and resynthesises a stereo file
    spec, wav = tmp_path / "b.npz", tmp_path / "b.wav"
    _ok(run("spectrogram", BELL, "-o", str(spec)))
    _ok(run("resynth", str(spec), "-o", str(wav)))
    np.testing.assert_array_equal(load_audio(str(wav))[0], x)


def test_npy_is_db_array(tmp_path):
    out = tmp_path / "s.npy"
    _ok(run("spectrogram", SPEECH, "-o", str(out), "--n-fft", "256", "--hop", "64"))
    db = np.load(out)
    x, _ = load_audio(SPEECH)
    mag = np.abs(stft(x, n_fft=256, hop=64, dtype=np.float64))
    want = np.clip(20 * np.log10(np.maximum(mag, 1e-30) / mag.max()), -80, 0)
    np.testing.assert_allclose(db, want, atol=1e-3)


def test_filter_spectrogram_keeps_phase(tmp_path):
    spec, filt = tmp_path / "s.npz", tmp_path / "f.npz"
    _ok(run("spectrogram", SPEECH, "-o", str(spec), "--n-fft", "256", "--hop", "64"))
    _ok(run("filter", str(spec), "--kernel", "moving-average:5", "-o", str(filt)))
    S, _ = read_spectrogram_npz(str(spec))
    F, settings = read_spectrogram_npz(str(filt))
    assert settings.n_fft == 256 and F.shape == S.shape
    want_mag = convolve(np.abs(S), np.full((1, 5), 0.2))  # 1-D kernel: along time (rows are frequencies)
    np.testing.assert_allclose(np.abs(F), np.maximum(want_mag, 0), rtol=1e-4, atol=1e-4)
    nz = (np.abs(S) > 1e-3) & (np.abs(F) > 1e-3)
    np.testing.assert_allclose(np.angle(F[nz] * np.conj(S[nz])), 0, atol=1e-3)  # same phase
    wav = tmp_path / "f.wav"
    _ok(run("resynth", str(filt), "-o", str(wav)))
    y, _ = load_audio(str(wav))
    want = istft(F.astype(np.complex128), n_fft=256, hop=64, length=len(y), dtype=np.float64)
    assert np.abs(y - np.clip(want, -1, 1)).max() <= 2**-15


def test_filter_spectrogram_2d_and_identity(tmp_path):
    spec = tmp_path / "s.npz"
    _ok(run("spectrogram", BELL, "-o", str(spec), "--n-fft", "128", "--hop", "32"))
    same = tmp_path / "same.npz"
    _ok(run("filter", str(spec), "--kernel", "identity", "-o", str(same)))
    S, _ = read_spectrogram_npz(str(spec))
    np.testing.assert_allclose(read_spectrogram_npz(str(same))[0], S, rtol=1e-5, atol=1e-6)
    g = tmp_path / "g.npz"
    _ok(run("filter", str(spec), "--kernel", "3x3:1,2,1,2,4,2,1,2,1", "-o", str(g)))
    k = np.array([[1, 2, 1], [2, 4, 2], [1, 2, 1]], float)
    want = np.stack([convolve(np.abs(S[:, :, c]), k) for c in range(2)], axis=2)
    np.testing.assert_allclose(np.abs(read_spectrogram_npz(str(g))[0]), want, rtol=1e-4, atol=1e-3)
    res = run("filter", str(spec), "--kernel", "box:3", "--padding", "valid", "-o", str(tmp_path / "v.npz"))
    assert res.exit_code == 1 and "padding same" in res.stderr
    res = run("filter", str(spec), "--kernel", "box:3", "-o", str(tmp_path / "v.png"))
    assert res.exit_code == 1


def test_png_without_settings_needs_flags(tmp_path):
    png = tmp_path / "s.png"
    _ok(run("spectrogram", SPEECH, "-o", str(png), "--n-fft", "256", "--hop", "64"))
    bare = tmp_path / "bare.png"
    Image.fromarray(np.asarray(Image.open(png))).save(bare)  # drops the text chunks
    res = run("resynth", str(bare), "-o", str(tmp_path / "x.wav"))
    assert res.exit_code == 1 and "--n-fft" in res.stderr and "bare.png" in res.stderr
    _ok(run("resynth", str(bare), "-o", str(tmp_path / "x.wav"), "--n-fft", "256", "--hop", "64",
            "--sample-rate", "22050", "--db-range", "80", "--iterations", "2"))


def test_usage_errors_exit_2(tmp_path):
    out = str(tmp_path / "o.png")
    assert run("spectrogram", SPEECH, "-o", out, "--window", "kaiser").exit_code == 2
    assert run("spectrogram", SPEECH, "-o", out, "--n-fft", "64", "--hop", "128").exit_code == 2
    assert run("spectrogram", SPEECH, "-o", str(tmp_path / "o.jpg")).exit_code == 2
    assert run("spectrogram", SPEECH, "-o", str(tmp_path / "o.npz"), "--mel", "40").exit_code == 2
    assert not os.listdir(tmp_path)


def test_existing_output_needs_force(tmp_path):
    out = tmp_path / "s.npz"
    _ok(run("spectrogram", SPEECH, "-o", str(out), "--n-fft", "128", "--hop", "64"))
    res = run("spectrogram", SPEECH, "-o", str(out), "--n-fft", "128", "--hop", "64")
    assert res.exit_code == 1 and "--force" in res.stderr
    _ok(run("spectrogram", SPEECH, "-o", str(out), "--n-fft", "128", "--hop", "64", "--force"))


def test_real_processes_round_trip(tmp_path):
    spec = tmp_path / "s.npz"
    p = run_process("spectrogram", SPEECH, "-o", str(spec), "--n-fft", "256", "--hop", "64")
    assert p.returncode == 0, p.stderr
    p = run_process("resynth", str(spec), "-o", "-")
    assert p.returncode == 0, p.stderr
    assert p.stdout[:4] == b"RIFF"
    import io

    y, rate = sf.read(io.BytesIO(p.stdout), dtype="float32")
    x, rate0 = load_audio(SPEECH)
    assert rate == rate0
    np.testing.assert_array_equal(y, x)
    p = run_process("spectrogram", str(tmp_path / "missing.wav"), "-o", str(tmp_path / "x.png"))
    assert p.returncode == 1 and p.stderr.decode().startswith("convcli: error: no such file")
    assert b"Traceback" not in p.stderr


def test_folder_input_with_out_dir(tmp_path):
    src = tmp_path / "in"
    src.mkdir()
    _tone_file(src, name="a.wav")
    _tone_file(src, name="b.flac")
    (src / "notes.txt").write_text("not audio")
    out = tmp_path / "out"
    _ok(run("spectrogram", str(src), "--out-dir", str(out), "--format", "npz", "--n-fft", "128", "--hop", "32"))
    assert sorted(os.listdir(out)) == ["a.npz", "b.npz"]
    assert all(is_spectrogram_npz(str(out / n)) for n in os.listdir(out))
