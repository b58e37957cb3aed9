"""The tiled (overlap-save) FFT correlation of large planes agrees with the naive sum and direct."""

import numba
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from convcli import convolve, fftsplit
from convcli.conventions import axes_for
from convcli.fftsplit import fft_correlate_split, fft_correlate_tiled, tile_size
from tests.naive import naive_convolve

BOUNDARIES = ["zero", "reflect", "mirror", "nearest", "wrap"]


def _axes(x, k, padding, stride, dilation):
    return axes_for(x.shape, k.shape, stride, dilation, padding)


@pytest.mark.parametrize("t", [32, 64, 128, 256])
def test_tile_transform_is_the_dft(rng, t):
    from convcli.kernels.fft2d import _fft2

    z = rng.standard_normal((t, t)) + 1j * rng.standard_normal((t, t))
    re, im = z.real.copy(), z.imag.copy()
    wre, wim = np.empty_like(re), np.empty_like(im)
    ang = 2 * np.pi * np.arange(t) / t
    in_w = _fft2(re, im, wre, wim, np.cos(ang), -np.sin(ang), 1.0, t)
    sr, si, orr, oi = (wre, wim, re, im) if in_w else (re, im, wre, wim)
    np.testing.assert_allclose(sr + 1j * si, np.fft.fft2(z).T, atol=1e-9 * t * t)
    in_w = _fft2(sr, si, orr, oi, np.cos(ang), np.sin(ang), -1.0, t)  # inverse, unscaled
    back = orr + 1j * oi if in_w else sr + 1j * si
    np.testing.assert_allclose(back / (t * t), z, atol=1e-12 * t * t)


@pytest.mark.parametrize("boundary", BOUNDARIES)
@pytest.mark.parametrize("padding", ["same", "valid", "full"])
@pytest.mark.parametrize("stride,dilation", [((1, 1), (1, 1)), ((2, 3), (1, 1)), ((1, 1), (2, 3)), ((3, 2), (2, 1))])
def test_tiles_match_naive(rng, boundary, padding, stride, dilation):
    x = rng.standard_normal((71, 90))
    k = rng.standard_normal((7, 4))
    got = fft_correlate_tiled(x, k, _axes(x, k, padding, stride, dilation), boundary, t=32)
    want = naive_convolve(x, k, mode="corr", padding=padding, boundary=boundary, stride=stride, dilation=dilation)
    np.testing.assert_allclose(got, want, atol=1e-9)


@given(st.integers(1, 80), st.integers(1, 80), st.integers(1, 12), st.integers(1, 12),
       st.sampled_from(BOUNDARIES), st.sampled_from(["same", "full", "valid"]), st.integers(1, 3), st.integers(1, 2),
       st.sampled_from([32, 64]))
def test_random_geometry_tiles_match_naive(h, w, kh, kw, boundary, padding, stride, dilation, t):
    rng = np.random.default_rng(h * 131 + w * 7 + kh)
    x = rng.standard_normal((h, w))
    k = rng.standard_normal((kh, kw))
    ke = [dilation * (s - 1) + 1 for s in k.shape]
    if max(ke) > t or (padding == "valid" and any(e > n for e, n in zip(ke, x.shape, strict=True))):
        return
    axes = _axes(x, k, padding, (stride, stride), (dilation, dilation))
    got = fft_correlate_tiled(x, k, axes, boundary, t=t)
    want = naive_convolve(x, k, mode="corr", padding=padding, boundary=boundary, stride=stride, dilation=dilation)
    np.testing.assert_allclose(got, want, atol=1e-9)


def test_float32_tiles_match_direct_to_rounding(rng):
    x = rng.random((300, 260), dtype=np.float32) * 255
    k = rng.random((31, 31)).astype(np.float32)
    want = convolve(x, k, mode="corr", method="direct", dtype=np.float64)
    got = fft_correlate_tiled(x, k, _axes(x, k, "same", (1, 1), (1, 1)), "reflect")
    assert got.dtype == np.float32
    eps = np.finfo(np.float32).eps
    np.testing.assert_allclose(got, want, atol=64 * eps * 255 * np.abs(k).sum())


def test_results_do_not_depend_on_the_thread_count(rng):
    x = rng.random((200, 230), dtype=np.float32)
    k = rng.random((9, 9)).astype(np.float32)
    axes = _axes(x, k, "same", (1, 1), (1, 1))
    before = numba.get_num_threads()
    try:
        numba.set_num_threads(1)
        one = fft_correlate_tiled(x, k, axes, "mirror", t=32)
    finally:
        numba.set_num_threads(before)
    assert fft_correlate_tiled(x, k, axes, "mirror", t=32).tobytes() == one.tobytes()


def test_convolve_uses_tiles_for_large_planes(rng, monkeypatch):
    img = rng.standard_normal((90, 70, 3))
    k = rng.standard_normal((12, 9))
    want = convolve(img, k, method="direct", dtype=np.float64, boundary="wrap", stride=2)
    calls = []
    real = fftsplit.fft_correlate_tiled
    monkeypatch.setattr(fftsplit, "TILED_MIN_OUTPUTS", 1)
    monkeypatch.setattr(fftsplit, "fft_correlate_tiled", lambda *a, **kw: calls.append(1) or real(*a, **kw))
    got = convolve(img, k, method="fft", dtype=np.float64, boundary="wrap", stride=2)
    assert len(calls) == 3  # one per channel (non-contiguous planes)
    np.testing.assert_allclose(got, want, atol=1e-9)


def test_split_fills_out_on_both_paths(rng, monkeypatch):
    x = rng.standard_normal((40, 50))
    k = rng.standard_normal((5, 5))
    axes = _axes(x, k, "same", (1, 1), (1, 1))
    want = naive_convolve(x, k, mode="corr", boundary="reflect")
    for min_outputs in (1, 1 << 30):
        monkeypatch.setattr(fftsplit, "TILED_MIN_OUTPUTS", min_outputs)
        out = np.full((40, 50), np.nan)
        assert fft_correlate_split(x, k, axes, "reflect", out=out) is out
        np.testing.assert_allclose(out, want, atol=1e-9)


def test_tile_size():
    assert tile_size((2048, 2048), 31) == 128
    assert tile_size((100, 100), 3) in (32, 64)
    assert tile_size((4096, 4096), 101) == 256
    assert tile_size((4096, 4096), 300) == 0
    for valid, ke in [((5000, 300), 17), ((64, 64), 40)]:
        t = tile_size(valid, ke)
        assert t in fftsplit.TILE_SIZES and t >= ke
