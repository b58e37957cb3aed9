import os

import numpy as np
import pytest
import soundfile as sf
from hypothesis import given
from hypothesis import strategies as st

from convcli import load_audio, smooth
from convcli.errors import UsageError
from convcli.kernelspec import parse_kernel
from tests.clihelp import run, run_process
from tests.naive import naive_causal_average


def test_step_keeps_the_past_untouched():
    x = np.zeros(200)
    x[120:] = 1.0
    w = parse_kernel("exp-decay:alpha=0.2,n=30")
    y = smooth(x, w, dtype=np.float64)
    np.testing.assert_array_equal(y[:120], 0.0)  # nothing before the step changes
    assert y[120] == pytest.approx(w[0])  # the newest sample weighs w[0]
    np.testing.assert_allclose(y[120:150], np.cumsum(w), rtol=1e-12)
    np.testing.assert_allclose(y[149:], 1.0, rtol=1e-12)
    # a centred kernel, by contrast, sees the future
    yc = smooth(x, np.ones(9), causal=False, dtype=np.float64)
    assert yc[119] > 0


@given(n=st.integers(1, 60), k=st.integers(1, 12), seed=st.integers(0, 2**16))
def test_causal_matches_the_formula(n, k, seed):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal(n)
    w = rng.uniform(0.1, 1.0, k)
    np.testing.assert_allclose(smooth(x, w, dtype=np.float64), naive_causal_average(x, w), atol=1e-12)


def test_centered_matches_scipy():
    import scipy.ndimage

    x = np.random.default_rng(1).standard_normal(300)
    w = np.array([1, 4, 6, 4, 1.0])
    want = scipy.ndimage.convolve1d(x, w / w.sum(), mode="nearest")
    np.testing.assert_allclose(smooth(x, w, causal=False, dtype=np.float64), want, atol=1e-12)


def test_channels_are_independent():
    x = np.random.default_rng(2).standard_normal((100, 3))
    y = smooth(x, [3, 2, 1], dtype=np.float64)
    for c in range(3):
        np.testing.assert_allclose(y[:, c], naive_causal_average(x[:, c], [3, 2, 1]), atol=1e-12)


def test_zero_sum_kernel_is_usage_error():
    with pytest.raises(UsageError):
        smooth(np.ones(5), [1, -1])
    res = run("smooth", "whatever.csv", "--kernel", "diff", "-o", "x.csv")
    assert res.exit_code == 2


def test_csv_keeps_header_and_kept_columns(tmp_path):
    t = np.arange(50) * 0.1
    a = np.where(t >= 2.0, 10.0, 0.0)
    b = np.sin(t)
    src = tmp_path / "sensor.csv"
    rows = "".join(f"{ti:g},{ai:g},{bi:.12g}\n" for ti, ai, bi in zip(t, a, b, strict=True))
    src.write_text("time,angle,other\n" + rows)
    out = tmp_path / "out.csv"
    res = run("smooth", str(src), "--kernel", "exp-decay:alpha=0.5,n=8", "--keep", "time", "-o", str(out))
    assert res.exit_code == 0, res.output
    lines = out.read_text().splitlines()
    assert lines[0] == "time,angle,other"
    got = np.loadtxt(out, delimiter=",", skiprows=1)
    w = parse_kernel("exp-decay:alpha=0.5,n=8")
    np.testing.assert_allclose(got[:, 0], t, atol=1e-9)
    np.testing.assert_allclose(got[:, 1], naive_causal_average(a, w), atol=1e-7)
    np.testing.assert_allclose(got[:, 2], naive_causal_average(b, w), atol=1e-7)
    assert (got[:20, 1] == 0).all()


def test_csv_without_header_and_tabs(tmp_path):
    src = tmp_path / "x.tsv"
    src.write_text("1\t2\n3\t4\n5\t6\n")
    out = tmp_path / "y.tsv"
    assert run("smooth", str(src), "--kernel", "moving-average:2", "-o", str(out)).exit_code == 0
    assert out.read_text().splitlines() == ["1\t2", "2\t3", "4\t5"]


def test_bad_csv_is_input_error(tmp_path):
    src = tmp_path / "bad.csv"
    src.write_text("a,b\n1,2\n3\n")
    res = run("smooth", str(src), "--kernel", "moving-average:2", "-o", str(tmp_path / "o.csv"))
    assert res.exit_code == 1 and "line 3" in res.stderr and "bad.csv" in res.stderr


@pytest.mark.parametrize("subtype", ["PCM_16", "PCM_24", "FLOAT"])
def test_multichannel_wav(tmp_path, subtype):
    rng = np.random.default_rng(3)
    x = rng.uniform(-0.5, 0.5, (2000, 3))
    src = str(tmp_path / "in.wav")
    sf.write(src, x, 16000, subtype=subtype)
    xin, _ = load_audio(src)
    out = str(tmp_path / "out.wav")
    res = run("smooth", src, "--kernel", "moving-average:4", "-o", out, "--json")
    assert res.exit_code == 0, res.output
    info = sf.info(out)
    assert (info.samplerate, info.channels, info.subtype) == (16000, 3, subtype)
    y, _ = load_audio(out)
    step = {"PCM_16": 2**-15, "PCM_24": 2**-23, "FLOAT": 1e-7}[subtype]
    want = np.stack([naive_causal_average(xin[:, c], np.ones(4)) for c in range(3)], axis=1)
    assert np.abs(y - want).max() <= step


def test_wav_to_csv_and_npy(tmp_path):
    src = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "samples", "bell.wav")
    x, _ = load_audio(src)
    out = tmp_path / "b.npy"
    assert run("smooth", src, "--kernel", "moving-average:3", "-o", str(out)).exit_code == 0
    y = np.load(out)
    np.testing.assert_allclose(y, np.stack([naive_causal_average(x[:, c], np.ones(3)) for c in range(2)], 1),
                               atol=1e-6)
    p = run_process("smooth", str(out), "--kernel", "moving-average:3", "--sample-rate", "8000", "-o",
                    str(tmp_path / "b.wav"))
    assert p.returncode == 0, p.stderr
    assert sf.info(str(tmp_path / "b.wav")).samplerate == 8000


def test_stdout_gets_the_inputs_kind(tmp_path):
    import io

    src = tmp_path / "t.csv"
    src.write_text("a,b\n1,2\n3,4\n")
    res = run("smooth", str(src), "-k", "moving-average:2", "-o", "-")
    assert res.exit_code == 0 and res.stdout.splitlines() == ["a,b", "1,2", "2,3"]
    wav = tmp_path / "x.wav"
    sf.write(str(wav), np.zeros(100), 8000)
    p = run_process("smooth", str(wav), "-k", "moving-average:2", "-o", "-")
    assert p.returncode == 0 and sf.info(io.BytesIO(p.stdout)).samplerate == 8000


def test_bad_audio_is_exit_1(tmp_path):
    bad = tmp_path / "bad.wav"
    bad.write_bytes(b"RIFF....WAVEfmt nothing here")
    res = run("smooth", str(bad), "-k", "moving-average:2", "-o", str(tmp_path / "o.wav"))
    assert res.exit_code == 1 and "bad.wav" in res.stderr and "Traceback" not in res.output


def test_causal_zero_boundary_is_scipy_lfilter():
    import scipy.signal

    rng = np.random.default_rng(4)
    x = rng.standard_normal((400, 2))
    w = parse_kernel("exp-decay:alpha=0.1,n=40")
    want = scipy.signal.lfilter(w / w.sum(), [1.0], x, axis=0)  # FIR filter from rest: past samples only
    np.testing.assert_allclose(smooth(x, w, boundary="zero", dtype=np.float64), want, atol=1e-12)
