"""3-D convolution: naive reference, scipy.ndimage, separable vs direct, strides, channels, threads."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from scipy import ndimage

from convcli import DataError, UsageError, convolve
from convcli.volume import convolve3d, convolve_frames, separable_factors
from tests.naive import naive_channels, naive_convolve

BOUNDARIES = ["zero", "reflect", "mirror", "nearest", "wrap"]
PADDINGS = ["same", "valid", "full"]
SCIPY_MODE = {"zero": "constant", "reflect": "reflect", "mirror": "mirror", "nearest": "nearest", "wrap": "wrap"}


def _outer3(a, b, c):
    a, b, c = (np.asarray(v, dtype=np.float64) for v in (a, b, c))
    return a[:, None, None] * b[None, :, None] * c[None, None, :]


@pytest.mark.parametrize("kshape", [(3, 3, 3), (2, 3, 4), (1, 2, 5), (4, 1, 1), (3, 5, 2)])
@pytest.mark.parametrize("boundary", BOUNDARIES)
@pytest.mark.parametrize("padding", PADDINGS)
@pytest.mark.parametrize("mode", ["conv", "corr"])
def test_3d_matches_naive(rng, kshape, boundary, padding, mode):
    x = rng.standard_normal((5, 7, 9))
    k = rng.standard_normal(kshape)
    got = convolve(x, k, mode=mode, padding=padding, boundary=boundary, dtype=np.float64)
    want = naive_convolve(x, k, mode=mode, padding=padding, boundary=boundary)
    np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("stride,dilation", [((2, 2, 2), (1, 1, 1)), ((1, 3, 1), (1, 1, 1)), ((1, 1, 2), (1, 1, 1)),
                                             ((1, 1, 1), (2, 2, 2)), ((3, 1, 2), (1, 2, 3)), ((2, 2, 3), (2, 1, 1))])
@pytest.mark.parametrize("padding", PADDINGS)
@pytest.mark.parametrize("boundary", BOUNDARIES)
def test_3d_strides_and_dilations_match_naive(rng, stride, dilation, padding, boundary):
    x = rng.standard_normal((9, 8, 10))
    k = rng.standard_normal((2, 3, 2))
    got = convolve(x, k, padding=padding, boundary=boundary, stride=stride, dilation=dilation, dtype=np.float64)
    want = naive_convolve(x, k, padding=padding, boundary=boundary, stride=stride, dilation=dilation)
    np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("boundary", BOUNDARIES)
@pytest.mark.parametrize("kshape", [(3, 3, 3), (5, 3, 1), (4, 4, 2), (2, 5, 3)])
def test_3d_against_scipy_ndimage(rng, boundary, kshape):
    x = rng.standard_normal((11, 13, 12))
    k = rng.standard_normal(kshape)
    # ndimage centres even kernels one sample later than scipy.signal / the contract
    origin = [-1 if s % 2 == 0 else 0 for s in kshape]
    want = ndimage.convolve(x, k, mode=SCIPY_MODE[boundary], origin=origin)
    np.testing.assert_allclose(convolve(x, k, boundary=boundary, dtype=np.float64), want, atol=1e-10)
    want = ndimage.correlate(x, k, mode=SCIPY_MODE[boundary])
    np.testing.assert_allclose(convolve(x, k, mode="corr", boundary=boundary, dtype=np.float64), want, atol=1e-10)


@pytest.mark.parametrize("boundary", BOUNDARIES)
def test_3d_float32_against_scipy_on_a_larger_volume(rng, boundary):
    # long rows take the flat-run kernel with several row blocks per plane
    x = rng.random((6, 40, 300), dtype=np.float32)
    k = rng.standard_normal((3, 5, 5))
    want = ndimage.convolve(x.astype(np.float64), k, mode=SCIPY_MODE[boundary])
    got = convolve(x, k, boundary=boundary, method="direct")
    assert got.dtype == np.float32
    np.testing.assert_allclose(got, want, atol=1e-4 * np.abs(k).sum())


@pytest.mark.parametrize("boundary", BOUNDARIES)
@pytest.mark.parametrize("padding", PADDINGS)
def test_separable_equals_direct(rng, boundary, padding):
    x = rng.random((12, 17, 15), dtype=np.float32)
    k = _outer3(rng.random(5) + 0.1, rng.random(3) - 0.5, rng.random(4) + 0.2)
    assert separable_factors(k) is not None
    direct = convolve(x, k, padding=padding, boundary=boundary, method="direct")
    auto = convolve(x, k, padding=padding, boundary=boundary)
    forced = convolve3d(x, k, padding=padding, boundary=boundary, method="separable")
    np.testing.assert_array_equal(auto, forced)
    scale = np.abs(k).sum() * np.abs(x).max()
    np.testing.assert_allclose(auto, direct, rtol=0, atol=4 * np.finfo(np.float32).eps * scale)
    want = naive_convolve(x, k, padding=padding, boundary=boundary)
    np.testing.assert_allclose(direct, want, rtol=0, atol=4 * np.finfo(np.float32).eps * scale)


def test_separable_with_stride_and_dilation_matches_naive(rng):
    x = rng.standard_normal((10, 11, 13))
    k = _outer3([1, 2, 1], [1, -1], [0.5, 1, 2, 1])
    for stride, dilation in [((2, 3, 1), (1, 2, 1)), ((1, 1, 2), (2, 1, 3))]:
        got = convolve3d(x, k, stride=stride, dilation=dilation, method="separable", dtype=np.float64)
        want = naive_convolve(x, k, stride=stride, dilation=dilation)
        np.testing.assert_allclose(got, want, atol=1e-12)


def test_separability_is_detected_exactly():
    from convcli.builtin_kernels import gaussian_1d

    g = gaussian_1d(1.5)
    gauss = _outer3(g, g, g)
    fd, fh, fw = separable_factors(gauss)
    np.testing.assert_allclose(_outer3(fd, fh, fw), gauss, rtol=0, atol=1e-15)
    assert separable_factors(np.ones((3, 3, 3))) is not None
    rank2 = _outer3([1, 2, 1], [1, 1, 1], [1, 0, 1]) + _outer3([0, 1, 0], [1, 2, 3], [1, 1, 1])
    assert separable_factors(rank2) is None
    nearly = gauss.copy()
    nearly[0, 0, 0] += 1e-6 * gauss.max()
    assert separable_factors(nearly) is None
    assert separable_factors(np.zeros((3, 3, 3))) is None
    # a zero row in one profile, negative values: still rank 1
    signed = _outer3([1, 0, -2], [3, -1], [0, 1, 1, -1])
    fd, fh, fw = separable_factors(signed)
    np.testing.assert_allclose(_outer3(fd, fh, fw), signed, atol=1e-15)


def test_colour_video_filters_each_channel(rng):
    x = rng.random((5, 6, 7, 3))
    k = rng.standard_normal((3, 2, 3))
    got = convolve(x, k, boundary="wrap", padding="full", dtype=np.float64)
    np.testing.assert_allclose(got, naive_channels(x, k, boundary="wrap", padding="full"), atol=1e-12)
    gauss = _outer3([1, 2, 1], [1, 2, 1], [1, 2, 1]) / 64
    sep = convolve(x, gauss, stride=2)
    assert sep.shape == (3, 3, 4, 3)
    np.testing.assert_allclose(sep, naive_channels(x, gauss, stride=2), atol=1e-6)


def test_strided_3d_is_unit_stride_subsampled(rng):
    x = rng.random((9, 20, 21), dtype=np.float32)
    k = rng.standard_normal((3, 3, 4))
    full = convolve(x, k)
    # the strided path uses the row kernel, unit stride the flat-run kernel: same taps, same order
    np.testing.assert_array_equal(convolve(x, k, stride=(2, 3, 2)), full[::2, ::3, ::2])
    np.testing.assert_array_equal(convolve(x, k, stride=(1, 1, 3)), full[:, :, ::3])
    # 'valid' reads the input in place (no staging); single-column kernels write runs straight to the output
    for kern, padding in ((k, "valid"), (rng.standard_normal((3, 5, 1)), "same"), (k, "full")):
        unit = convolve(x, kern, padding=padding, boundary="zero")
        np.testing.assert_array_equal(convolve(x, kern, padding=padding, boundary="zero", stride=(2, 2, 3)),
                                      unit[::2, ::2, ::3])
        np.testing.assert_allclose(unit, naive_convolve(x, kern, padding=padding, boundary="zero"), atol=1e-4)


def test_results_do_not_depend_on_thread_count(rng):
    import numba

    x = rng.random((7, 33, 40), dtype=np.float32)
    k = rng.standard_normal((3, 4, 5))
    g = _outer3([1, 3, 1], [1, 2, 3, 2, 1], [1, 1, 1])
    before = numba.get_num_threads()
    try:
        results = []
        for n in sorted({1, numba.config.NUMBA_NUM_THREADS}):
            numba.set_num_threads(n)
            results.append((convolve(x, k), convolve(x, g), convolve(x, k, stride=(1, 2, 2))))
    finally:
        numba.set_num_threads(before)
    for other in results[1:]:
        for a, b in zip(results[0], other, strict=True):
            np.testing.assert_array_equal(a, b)


def test_frames_helper_equals_per_frame_loop(rng):
    x = rng.random((4, 9, 10, 3), dtype=np.float32)
    k = rng.standard_normal((3, 4))
    got = convolve_frames(x, k, boundary="mirror", stride=2)
    want = np.stack([convolve(f, k, boundary="mirror", stride=2) for f in x])
    np.testing.assert_array_equal(got, want)


def test_3d_errors(rng):
    k = np.ones((3, 3, 3))
    with pytest.raises(UsageError):
        convolve(np.ones((4, 5)), k)
    with pytest.raises(UsageError):
        convolve(np.ones((4, 5, 6)), k, stride=(1, 2))
    with pytest.raises(DataError):
        convolve(np.ones((2, 5, 6)), k, padding="valid")
    with pytest.raises(UsageError):
        convolve3d(np.ones((4, 5, 6)), rng.standard_normal((3, 3, 3)), method="separable")
    x = np.ones((3, 4, 5))
    x[1, 1, 1] = np.nan
    with pytest.raises(DataError):
        convolve(x, k)
    assert np.isfinite(convolve(x, k, nan="zero")).all()


def test_input_untouched_and_float64(rng):
    x = rng.integers(0, 255, (4, 5, 6), dtype=np.uint8)
    copy = x.copy()
    y = convolve(x, np.ones((3, 3, 3)) / 27, dtype=np.float64)
    np.testing.assert_array_equal(x, copy)
    assert y.dtype == np.float64


@given(
    x=arrays(np.float64, st.tuples(st.integers(1, 6), st.integers(1, 7), st.integers(1, 8)),
             elements=st.floats(-10, 10)),
    kshape=st.tuples(st.integers(1, 3), st.integers(1, 3), st.integers(1, 4)),
    boundary=st.sampled_from(BOUNDARIES),
    padding=st.sampled_from(["same", "full"]),
    stride=st.tuples(st.integers(1, 3), st.integers(1, 3), st.integers(1, 3)),
    dilation=st.tuples(st.integers(1, 2), st.integers(1, 2), st.integers(1, 2)),
    seed=st.integers(0, 2**16),
)
def test_random_geometry_matches_naive(x, kshape, boundary, padding, stride, dilation, seed):
    k = np.random.default_rng(seed).standard_normal(kshape)
    got = convolve(x, k, boundary=boundary, padding=padding, stride=stride, dilation=dilation, dtype=np.float64)
    want = naive_convolve(x, k, boundary=boundary, padding=padding, stride=stride, dilation=dilation)
    np.testing.assert_allclose(got, want, rtol=1e-10, atol=1e-9)


def test_map_frames_applies_any_2d_operation(rng):
    from convcli.volume import map_frames

    x = rng.random((3, 5, 6))
    got = map_frames(lambda f: f[::2, ::3] * 2, x)
    np.testing.assert_array_equal(got, np.stack([f[::2, ::3] * 2 for f in x]))
    with pytest.raises(UsageError):
        map_frames(lambda f: f, np.ones((4, 5)))


@given(
    x=arrays(np.float64, st.tuples(st.integers(2, 6), st.integers(2, 6), st.integers(2, 7)),
             elements=st.floats(-5, 5)),
    shift=st.tuples(st.integers(-3, 3), st.integers(-3, 3), st.integers(-3, 3)),
    seed=st.integers(0, 2**16),
)
def test_3d_shift_equivariance_with_wrap(x, shift, seed):
    k = np.random.default_rng(seed).standard_normal((3, 2, 3))
    axes = (0, 1, 2)
    a = convolve(np.roll(x, shift, axis=axes), k, boundary="wrap", dtype=np.float64)
    b = np.roll(convolve(x, k, boundary="wrap", dtype=np.float64), shift, axis=axes)
    np.testing.assert_allclose(a, b, atol=1e-10)
