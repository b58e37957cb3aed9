import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from convcli import convolve
from convcli.conventions import axes_for
from convcli.extend import boundary_indices
from convcli.fftconv import fft_correlate, fft_correlate_bank, next_fast_len
from tests.naive import naive_convolve

BOUNDARIES = ["zero", "reflect", "mirror", "nearest", "wrap"]


def _axes(x, k, padding, stride, dilation):
    return axes_for(x.shape, k.shape, (stride, stride), (dilation, dilation), padding)


@pytest.mark.parametrize("boundary", BOUNDARIES)
@pytest.mark.parametrize("padding", ["same", "valid", "full"])
@pytest.mark.parametrize("stride,dilation", [(1, 1), (2, 1), (1, 2), (3, 2)])
def test_fft_matches_naive(rng, boundary, padding, stride, dilation):
    x = rng.standard_normal((23, 19))
    k = rng.standard_normal((4, 3))
    got = fft_correlate(x, k, _axes(x, k, padding, stride, dilation), boundary)
    want = naive_convolve(x, k, mode="corr", padding=padding, boundary=boundary, stride=stride, dilation=dilation)
    np.testing.assert_allclose(got, want, atol=1e-9)


def test_bank_equals_direct_per_kernel(rng):
    x = rng.standard_normal((64, 48)).astype(np.float32)
    bank = rng.standard_normal((5, 7, 7)).astype(np.float32)
    axes = _axes(x, bank[0], "same", 1, 1)
    got = fft_correlate_bank(x, bank, axes, "reflect")
    for i in range(5):
        np.testing.assert_allclose(got[i], convolve(x, bank[i], mode="corr"), atol=2e-4)
    one_thread = fft_correlate_bank(x, bank, axes, "reflect", workers=1)
    assert one_thread.tobytes() == got.tobytes()


@given(st.integers(-30, 30), st.integers(1, 6), st.sampled_from(BOUNDARIES))
def test_boundary_indices_follow_numpy_pad(i, n, boundary):
    from tests.naive import NP_PAD_MODE

    base = np.arange(n, dtype=float)
    pad = 31
    padded = np.pad(base, pad, mode=NP_PAD_MODE[boundary])
    idx = boundary_indices(np.array([i]), n, boundary)[0]
    assert padded[i + pad] == (0.0 if idx < 0 else base[idx])


def test_next_fast_len():
    for n in (1, 7, 11, 97, 1000, 1025, 2049):
        m = next_fast_len(n)
        assert m >= n
        r = m
        for p in (2, 3, 5):
            while r % p == 0:
                r //= p
        assert r == 1
        assert all(not _smooth(j) for j in range(n, m))


def _smooth(m):
    for p in (2, 3, 5):
        while m % p == 0:
            m //= p
    return m == 1
