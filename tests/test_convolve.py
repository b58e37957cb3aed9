import itertools

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from scipy import ndimage, signal

from convcli import DataError, UsageError, convolve
from tests.naive import naive_channels, naive_convolve

BOUNDARIES = ["zero", "reflect", "mirror", "nearest", "wrap"]
PADDINGS = ["same", "valid", "full"]
MODES = ["conv", "corr"]
SCIPY_MODE = {"zero": "constant", "reflect": "reflect", "mirror": "mirror", "nearest": "nearest", "wrap": "wrap"}


@pytest.mark.parametrize("kshape", [(3, 3), (4, 2), (1, 5), (5, 1), (2, 2), (1, 1), (3, 4)])
@pytest.mark.parametrize("boundary", BOUNDARIES)
@pytest.mark.parametrize("padding", PADDINGS)
@pytest.mark.parametrize("mode", MODES)
def test_2d_matches_naive(rng, kshape, boundary, padding, mode):
    x = rng.standard_normal((9, 11))
    k = rng.standard_normal(kshape)
    got = convolve(x, k, mode=mode, padding=padding, boundary=boundary, dtype=np.float64)
    want = naive_convolve(x, k, mode=mode, padding=padding, boundary=boundary)
    np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("stride,dilation", [((2, 2), (1, 1)), ((3, 1), (1, 1)), ((1, 1), (2, 2)),
                                             ((2, 3), (2, 1)), ((4, 4), (3, 2))])
@pytest.mark.parametrize("padding", PADDINGS)
@pytest.mark.parametrize("boundary", ["zero", "reflect", "wrap", "mirror"])
def test_strides_and_dilations_match_naive(rng, stride, dilation, padding, boundary):
    x = rng.standard_normal((13, 12))
    k = rng.standard_normal((3, 2))
    got = convolve(x, k, padding=padding, boundary=boundary, stride=stride, dilation=dilation, dtype=np.float64)
    want = naive_convolve(x, k, padding=padding, boundary=boundary, stride=stride, dilation=dilation)
    np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-12)


def test_strided_output_is_unit_stride_output_subsampled(rng):
    x = rng.standard_normal((40, 33)).astype(np.float32)
    k = rng.standard_normal((5, 3))
    full = convolve(x, k)
    np.testing.assert_array_equal(convolve(x, k, stride=(3, 2)), full[::3, ::2])


@pytest.mark.parametrize("boundary", BOUNDARIES)
@pytest.mark.parametrize("kshape", [(3, 3), (5, 3), (4, 4), (2, 6)])
def test_against_scipy_ndimage(rng, boundary, kshape):
    x = rng.standard_normal((30, 27))
    k = rng.standard_normal(kshape)
    # ndimage centres even kernels one sample later than scipy.signal / the contract
    conv_origin = [-1 if s % 2 == 0 else 0 for s in kshape]
    want = ndimage.convolve(x, k, mode=SCIPY_MODE[boundary], origin=conv_origin)
    np.testing.assert_allclose(convolve(x, k, boundary=boundary, dtype=np.float64), want, atol=1e-10)
    want = ndimage.correlate(x, k, mode=SCIPY_MODE[boundary])
    np.testing.assert_allclose(convolve(x, k, mode="corr", boundary=boundary, dtype=np.float64), want, atol=1e-10)


@pytest.mark.parametrize("padding", PADDINGS)
@pytest.mark.parametrize("kshape", [(3, 3), (4, 5), (1, 2), (6, 1)])
def test_against_scipy_signal(rng, padding, kshape):
    x = rng.standard_normal((17, 19))
    k = rng.standard_normal(kshape)
    got = convolve(x, k, padding=padding, boundary="zero", dtype=np.float64)
    np.testing.assert_allclose(got, signal.convolve2d(x, k, mode=padding), atol=1e-10)
    if padding != "same" or all(s % 2 for s in kshape):  # scipy's correlate2d 'same' origin differs for even
        got = convolve(x, k, mode="corr", padding=padding, boundary="zero", dtype=np.float64)
        np.testing.assert_allclose(got, signal.correlate2d(x, k, mode=padding), atol=1e-10)
    got = convolve(x, k, padding=padding, boundary="wrap", dtype=np.float64)
    if padding == "full":
        np.testing.assert_allclose(got, signal.convolve2d(x, k, mode="full", boundary="wrap"), atol=1e-10)


@pytest.mark.parametrize("padding", PADDINGS)
@pytest.mark.parametrize("boundary", BOUNDARIES)
@pytest.mark.parametrize("n,k", [(20, 3), (20, 4), (5, 9), (1, 3), (7, 1)])
def test_1d_matches_naive(rng, padding, boundary, n, k):
    x = rng.standard_normal(n)
    w = rng.standard_normal(k)
    if padding == "valid" and k > n:
        with pytest.raises(DataError):
            convolve(x, w, padding=padding)
        return
    for mode, stride in itertools.product(MODES, (1, 2)):
        got = convolve(x, w, mode=mode, padding=padding, boundary=boundary, stride=stride, dtype=np.float64)
        want = naive_convolve(x, w, mode=mode, padding=padding, boundary=boundary, stride=stride)
        np.testing.assert_allclose(got, want, atol=1e-12)


def test_1d_against_numpy_and_long_signal(rng):
    x = rng.standard_normal(100_003)
    w = rng.standard_normal(7)
    np.testing.assert_allclose(convolve(x, w, padding="full", boundary="zero", dtype=np.float64),
                               np.convolve(x, w), atol=1e-10)
    np.testing.assert_allclose(convolve(x, w, padding="valid", dtype=np.float64),
                               np.convolve(x, w, mode="valid"), atol=1e-10)


def test_multichannel_signal_and_image(rng):
    sig = rng.standard_normal((50, 3))
    w = rng.standard_normal(4)
    np.testing.assert_allclose(convolve(sig, w, dtype=np.float64), naive_channels(sig, w), atol=1e-12)
    img = rng.standard_normal((12, 10, 3))
    k = rng.standard_normal((3, 3))
    got = convolve(img, k, padding="valid", stride=2, dtype=np.float64)
    np.testing.assert_allclose(got, naive_channels(img, k, padding="valid", stride=2), atol=1e-12)


def test_single_row_kernel_on_signal(rng):
    x = rng.standard_normal(30)
    np.testing.assert_allclose(convolve(x, [[1, 2, 3]]), convolve(x, [1, 2, 3]))


def test_dtypes_and_input_untouched(rng):
    x = (rng.random((20, 20)) * 255).astype(np.uint8)
    before = x.copy()
    y = convolve(x, np.ones((3, 3)) / 9)
    assert y.dtype == np.float32
    assert convolve(x, np.ones((3, 3)), dtype=np.float64).dtype == np.float64
    np.testing.assert_array_equal(x, before)
    np.testing.assert_allclose(y, convolve(x.astype(np.float64), np.ones((3, 3)) / 9, dtype=np.float64),
                               rtol=1e-5)


def test_results_do_not_depend_on_thread_count(rng):
    import numba

    x = rng.standard_normal((301, 257)).astype(np.float32)
    k = rng.standard_normal((7, 5))
    before = numba.get_num_threads()
    try:
        numba.set_num_threads(1)
        one = convolve(x, k, boundary="mirror")
        numba.set_num_threads(max(2, before))
        two = convolve(x, k, boundary="mirror")
    finally:
        numba.set_num_threads(before)
    assert one.tobytes() == two.tobytes()


@pytest.mark.parametrize("bad", [
    dict(mode="same"), dict(padding="circular"), dict(boundary="periodic"), dict(stride=0),
    dict(dilation=-1), dict(stride=(1, 2, 3)), dict(method="magic"), dict(dtype=np.int32), dict(nan="ignore"),
])
def test_bad_options_are_usage_errors(bad):
    with pytest.raises(UsageError):
        convolve(np.ones((5, 5)), np.ones((3, 3)), **bad)


def test_bad_data_errors():
    with pytest.raises(DataError):
        convolve(np.ones((0, 5)), np.ones((3, 3)))
    with pytest.raises(DataError):
        convolve(np.array([[1.0, np.nan], [0, 0]]), np.ones((1, 1)))
    with pytest.raises(DataError):
        convolve(np.ones((3, 3)), np.ones((5, 5)), padding="valid")
    with pytest.raises(DataError):
        convolve(np.ones((3, 3)), np.array([[np.inf]]))
    with pytest.raises(UsageError):
        convolve(np.ones(5), np.ones((3, 3)))
    with pytest.raises(ValueError):  # every API error is also a ValueError
        convolve(np.ones((3, 3)), "abc")
    got = convolve(np.array([[1.0, np.nan], [0, 0]]), np.ones((1, 1)), nan="zero")
    np.testing.assert_array_equal(got, [[1, 0], [0, 0]])


# --- properties ------------------------------------------------------------------------------

images = arrays(np.float64, st.tuples(st.integers(1, 12), st.integers(1, 12)),
                elements=st.floats(-100, 100, allow_nan=False, width=32))
kernels = arrays(np.float64, st.tuples(st.integers(1, 4), st.integers(1, 4)),
                 elements=st.floats(-4, 4, allow_nan=False, width=32))


@given(images, kernels, kernels, st.sampled_from(BOUNDARIES), st.sampled_from(["same", "full"]))
def test_linearity_in_the_input_and_kernel(x, k1, k2, boundary, padding):
    opts = dict(boundary=boundary, padding=padding, dtype=np.float64)
    if k1.shape != k2.shape:
        k2 = np.resize(k2, k1.shape)
    lhs = convolve(2 * x, k1, **opts) + convolve(x, 3 * k2, **opts)
    rhs = convolve(x, 2 * k1 + 3 * k2, **opts)
    np.testing.assert_allclose(lhs, rhs, atol=1e-7 * (1 + np.abs(x).max() * 16))


@given(images, st.sampled_from(BOUNDARIES), st.sampled_from(MODES), st.integers(1, 3))
def test_identity_kernel(x, boundary, mode, half):
    k = np.zeros((2 * half + 1, 2 * half + 1))
    k[half, half] = 1
    np.testing.assert_array_equal(convolve(x, k, boundary=boundary, mode=mode, dtype=np.float64), x)


@given(images, kernels, st.integers(-5, 5), st.integers(-5, 5), st.sampled_from(MODES))
def test_shift_equivariance_with_wrap(x, k, dy, dx, mode):
    shifted = np.roll(x, (dy, dx), axis=(0, 1))
    a = convolve(shifted, k, boundary="wrap", mode=mode, dtype=np.float64)
    b = np.roll(convolve(x, k, boundary="wrap", mode=mode, dtype=np.float64), (dy, dx), axis=(0, 1))
    np.testing.assert_allclose(a, b, atol=1e-9)


@given(images, kernels, st.sampled_from(BOUNDARIES), st.sampled_from(PADDINGS), st.integers(1, 3),
       st.integers(1, 2), st.sampled_from(MODES))
def test_random_geometry_matches_naive(x, k, boundary, padding, stride, dilation, mode):
    opts = dict(boundary=boundary, padding=padding, stride=stride, dilation=dilation, mode=mode)
    ke = [dilation * (s - 1) + 1 for s in k.shape]
    if padding == "valid" and any(e > n for e, n in zip(ke, x.shape, strict=True)):
        with pytest.raises(DataError):
            convolve(x, k, **opts)
        return
    np.testing.assert_allclose(convolve(x, k, dtype=np.float64, **opts), naive_convolve(x, k, **opts),
                               atol=1e-9)
