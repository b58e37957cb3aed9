import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from convcli import istft, stft
from convcli.errors import DataError, UsageError
from convcli.stft import WINDOWS, get_window
from tests.naive import naive_stft, naive_window


@pytest.mark.parametrize("window", WINDOWS)
def test_windows_match_formulas_and_scipy(window):
    import scipy.signal

    np.testing.assert_allclose(get_window(window, 512), naive_window(window, 512), atol=1e-12)
    name = "boxcar" if window == "rect" else window
    np.testing.assert_allclose(get_window(window, 512), scipy.signal.get_window(name, 512), atol=1e-12)


@pytest.mark.parametrize("window", WINDOWS)
@pytest.mark.parametrize("center", [True, False])
@pytest.mark.parametrize("n_fft,hop", [(64, 16), (100, 25), (33, 11)])
def test_stft_matches_direct_dft(rng, window, center, n_fft, hop):
    x = rng.standard_normal(1000)
    got = stft(x, n_fft=n_fft, hop=hop, window=window, center=center, dtype=np.float64)
    want = naive_stft(x, n_fft, hop, window, center)
    assert got.shape == want.shape == (n_fft // 2 + 1, want.shape[1])
    np.testing.assert_allclose(got, want, atol=1e-9)
    got32 = stft(x, n_fft=n_fft, hop=hop, window=window, center=center)
    assert got32.dtype == np.complex64
    np.testing.assert_allclose(got32, want, atol=1e-3 * np.abs(want).max())


def test_stft_matches_scipy(rng):
    import scipy.signal

    x = rng.standard_normal(20000)
    w = get_window("hann", 1024)
    _, _, z = scipy.signal.stft(x, window="hann", nperseg=1024, noverlap=1024 - 256, boundary="zeros", padded=True)
    got = stft(x, dtype=np.float64)
    # scipy scales by 1/sum(window) and may pad one more frame at the end
    np.testing.assert_allclose(got, z[:, :got.shape[1]] * w.sum(), atol=1e-8)


def test_multichannel_is_per_channel(rng):
    x = rng.standard_normal((3000, 3)).astype(np.float32)
    S = stft(x, n_fft=128, hop=32)
    assert S.shape == (65, 1 + 3000 // 32, 3)
    for c in range(3):
        np.testing.assert_array_equal(S[:, :, c], stft(x[:, c], n_fft=128, hop=32))


def test_many_blocks_and_threads_match_direct_dft(rng):
    # enough frames for several FFT blocks on several threads: the split must not change anything
    from convcli.stft import _THREAD_FRAMES

    x = rng.standard_normal(20000 * 8)
    got = stft(x, n_fft=16, hop=8, dtype=np.float64)
    assert got.shape[1] > 2 * _THREAD_FRAMES
    np.testing.assert_allclose(got, naive_stft(x, 16, 8, "hann"), atol=1e-10)
    one = _with_threads(1, lambda: stft(x.astype(np.float32), n_fft=16, hop=8))
    two = _with_threads(2, lambda: stft(x.astype(np.float32), n_fft=16, hop=8))
    np.testing.assert_array_equal(one, two)


def _with_threads(n, fn):
    from unittest import mock

    with mock.patch("convcli.stft._workers", lambda blocks: max(1, min(n, blocks))):
        return fn()


@pytest.mark.parametrize("window,hops", [("hann", (256, 128)), ("hamming", (256, 512)), ("blackman", (256, 341)),
                                         ("rect", (1024, 300))])
def test_istft_inverts_stft(rng, window, hops):
    x = (rng.standard_normal(44100) * 0.3).clip(-1, 1).astype(np.float32)
    for hop in hops:
        y = istft(stft(x, hop=hop, window=window), hop=hop, window=window, length=len(x))
        assert y.dtype == np.float32 and y.shape == x.shape
        assert np.abs(y - x).max() < 1e-6
        y64 = istft(stft(x, hop=hop, window=window, dtype=np.float64), hop=hop, window=window, length=len(x),
                    dtype=np.float64)
        assert np.abs(y64 - x).max() < 1e-12


def test_istft_multichannel_and_no_center(rng):
    x = rng.uniform(-1, 1, (5000, 2))
    y = istft(stft(x, n_fft=256, hop=64, dtype=np.float64), hop=64, length=5000, dtype=np.float64)
    np.testing.assert_allclose(y, x, atol=1e-12)
    # without centring, the first sample sits under a zero of the hann window: it cannot come back
    S = stft(x[:, 0], n_fft=256, hop=64, center=False, dtype=np.float64)
    y = istft(S, hop=64, center=False, dtype=np.float64)
    n = y.shape[0]
    assert y[0] == 0
    np.testing.assert_allclose(y[1:n], x[1:n, 0], atol=1e-12)


@given(n=st.integers(1, 600), n_fft=st.sampled_from([8, 16, 30, 64]), hop_div=st.sampled_from([2, 4]),
       seed=st.integers(0, 2**16))
def test_roundtrip_property(n, n_fft, hop_div, seed):
    x = np.random.default_rng(seed).uniform(-1, 1, n)
    hop = n_fft // hop_div
    S = stft(x, n_fft=n_fft, hop=hop, dtype=np.float64)
    assert S.shape[1] == 1 + n // hop
    np.testing.assert_allclose(istft(S, hop=hop, n_fft=n_fft, length=n, dtype=np.float64), x, atol=1e-10)


def test_bad_settings_are_usage_errors():
    x = np.zeros(100)
    with pytest.raises(UsageError):
        stft(x, window="kaiser")
    with pytest.raises(UsageError):
        stft(x, n_fft=64, hop=65)
    with pytest.raises(UsageError):
        stft(x, n_fft=1)
    with pytest.raises(DataError):
        stft(np.zeros(0))
    with pytest.raises(DataError):
        stft(x, n_fft=128, hop=32, center=False)
    with pytest.raises(DataError):
        istft(np.zeros((10, 4), complex), n_fft=64, hop=16)
