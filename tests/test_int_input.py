"""uint8/uint16 images go through the direct Numba kernel without a float copy of the whole image
(convcli.intdirect, convcli/kernels/direct2d_int.py): bit-for-bit the float path on the converted
image, and close to the naive reference, for every boundary, padding, stride and dilation."""

import tracemalloc

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from convcli import convolve, intdirect, smalldirect
from tests.naive import naive_channels, naive_convolve
from tests.threadcount import at_each_thread_count

BOUNDARIES = ["zero", "reflect", "mirror", "nearest", "wrap"]
GEOMETRIES = [((1, 1), (1, 1)), ((2, 3), (1, 1)), ((1, 2), (2, 1)), ((3, 3), (2, 2)), ((2, 2), (2, 2)),
              ((1, 1), (3, 1))]


@pytest.fixture
def numba_only(monkeypatch):
    monkeypatch.setattr(smalldirect, "SMALL_WORK", -1)


def _float_path(x, k, dtype=np.float32, **opts):
    return convolve(x.astype(dtype), k, method="direct", dtype=dtype, nan="propagate", **opts)


def _fits(padding, kshape, dilation, shape):
    return padding != "valid" or all(d * (s - 1) + 1 <= n for d, s, n in zip(dilation, kshape, shape, strict=True))


@pytest.mark.parametrize("kshape", [(3, 3), (5, 4), (1, 5), (6, 1), (7, 7)])
@pytest.mark.parametrize("boundary", BOUNDARIES)
@pytest.mark.parametrize("padding", ["same", "valid", "full"])
@pytest.mark.parametrize("dtype", ["uint8", "uint16"])
def test_integer_path_is_float_path_bit_for_bit(numba_only, monkeypatch, rng, kshape, boundary, padding, dtype):
    calls = []
    real = intdirect.correlate2d_integer
    monkeypatch.setattr(intdirect, "correlate2d_integer", lambda *a: calls.append(1) or real(*a))
    x = rng.integers(0, np.iinfo(dtype).max + 1, (23, 41)).astype(dtype)
    k = rng.standard_normal(kshape)  # negative taps too: -0 products with the zero boundary's rows
    for stride, dilation in GEOMETRIES:
        if not _fits(padding, kshape, dilation, x.shape):
            continue
        opts = dict(padding=padding, boundary=boundary, stride=stride, dilation=dilation)
        got = convolve(x, k, method="direct", **opts)
        assert got.dtype == np.float32
        np.testing.assert_array_equal(got, _float_path(x, k, **opts))
        np.testing.assert_allclose(got, naive_convolve(x, k, **opts), rtol=1e-5, atol=1e-5 * np.abs(k).sum() * x.max())
    assert calls  # the integer kernel ran


@pytest.mark.parametrize("band_bytes", [1, 40 * 4, 1 << 22])
@pytest.mark.parametrize("boundary", BOUNDARIES)
def test_any_band_size_gives_the_same_result(numba_only, monkeypatch, rng, band_bytes, boundary):
    # one output row per chunk, a few, or all of them: chunks never change a sum
    monkeypatch.setattr(intdirect, "BAND_BYTES", band_bytes)
    x = rng.integers(0, 256, (50, 40)).astype(np.uint8)
    k = rng.standard_normal((4, 5))
    for stride, dilation in GEOMETRIES:
        opts = dict(boundary=boundary, stride=stride, dilation=dilation)
        np.testing.assert_array_equal(convolve(x, k, method="direct", **opts), _float_path(x, k, **opts))


def test_float64_and_corr_and_channels_last(numba_only, rng):
    x = rng.integers(0, 65536, (30, 26, 3)).astype(np.uint16)
    k = rng.standard_normal((3, 5))
    for dtype in (np.float32, np.float64):
        for mode in ("conv", "corr"):
            opts = dict(mode=mode, boundary="mirror", stride=(2, 1), dilation=(1, 2))
            got = convolve(x, k, method="direct", dtype=dtype, **opts)
            assert got.dtype == dtype and got.shape == (15, 26, 3)
            np.testing.assert_array_equal(got, _float_path(x, k, dtype=dtype, **opts))
            np.testing.assert_allclose(got, naive_channels(x, k, **opts), rtol=1e-5,
                                       atol=1e-5 * np.abs(k).sum() * x.max())


def test_non_contiguous_input_view(numba_only, rng):
    big = rng.integers(0, 256, (61, 80)).astype(np.uint8)
    x = big[1::2, ::3]
    k = rng.standard_normal((3, 3))
    np.testing.assert_array_equal(convolve(x, k, method="direct"), _float_path(np.ascontiguousarray(x), k))
    assert np.array_equal(big, big.copy())  # the input is not modified (sanity: views stay views)


def test_integers_need_no_finite_check_and_overflow_is_not_an_error(numba_only, rng):
    # outputs overflow float32 (huge taps x 65535): no DataError, the same infinities as the float path
    x = rng.integers(0, 65536, (20, 20)).astype(np.uint16)
    k = np.full((3, 3), 1e36)
    k[1, 1] = -1e36
    got = convolve(x, k, method="direct", nan="error")
    assert np.isinf(got).any()
    np.testing.assert_array_equal(got, _float_path(x, k))


def test_single_row_outputs_and_small_problems_still_agree(rng):
    # fewer than 8 output rows and small problems convert (cheap) and take the float kernels
    for shape in ((3, 5000), (40, 33)):
        x = rng.integers(0, 256, shape).astype(np.uint8)
        k = rng.standard_normal((3, 3))
        np.testing.assert_array_equal(convolve(x, k, method="direct"), _float_path(x, k))


def test_other_methods_and_kernels_still_take_integers(rng):
    x = rng.integers(0, 256, (40, 50)).astype(np.uint8)
    k = np.outer([1.0, 2.0, 1.0], [1.0, 0.0, -1.0])
    for method in ("separable", "fft", "auto"):
        np.testing.assert_allclose(convolve(x, k, method=method), _float_path(x, k), rtol=1e-5, atol=1e-3)
    sig = rng.integers(0, 256, 300).astype(np.uint8)
    np.testing.assert_allclose(convolve(sig, [1.0, -2.0, 1.0]), naive_convolve(sig, [1.0, -2.0, 1.0]), atol=1e-3)
    with pytest.raises(Exception, match="empty"):
        convolve(np.zeros((0, 5), np.uint8), k)


def test_no_float_copy_of_the_whole_image(numba_only, rng):
    # the float path holds a float32 copy of the input next to the output (2x the output's bytes);
    # the integer path only its band (~4 MiB)
    x = rng.integers(0, 256, (2048, 2048)).astype(np.uint8)
    k = rng.standard_normal((3, 3))
    convolve(x, k, method="direct")  # load the kernel first
    tracemalloc.start()
    try:
        y = convolve(x, k, method="direct")
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    held = y if y.base is None else y.base  # large outputs: a view of a buffer with untouched ends (empty_output)
    assert peak < held.nbytes + 0.5 * x.size * 4  # less than half of a float32 copy on top of the output


def test_result_does_not_depend_on_threads(numba_only, rng):
    x = rng.integers(0, 256, (300, 700)).astype(np.uint8)
    k = rng.random((5, 7))
    results = at_each_thread_count(lambda: convolve(x, k, method="direct"))
    np.testing.assert_array_equal(results[0], results[-1])
    np.testing.assert_array_equal(results[0], _float_path(x, k))


@given(
    h=st.integers(1, 30), w=st.integers(1, 30), kh=st.integers(1, 6), kw=st.integers(1, 6),
    sy=st.integers(1, 3), sx=st.integers(1, 3), dy=st.integers(1, 3), dx=st.integers(1, 3),
    boundary=st.sampled_from(BOUNDARIES), padding=st.sampled_from(["same", "valid", "full"]),
    dtype=st.sampled_from(["uint8", "uint16"]), band=st.integers(1, 4000), seed=st.integers(0, 2**32 - 1),
)
def test_property_integer_path_equals_float_path(h, w, kh, kw, sy, sx, dy, dx, boundary, padding, dtype, band, seed):
    if not _fits(padding, (kh, kw), (dy, dx), (h, w)):
        return
    rng = np.random.default_rng(seed)
    x = rng.integers(0, np.iinfo(dtype).max + 1, (h, w)).astype(dtype)
    k = rng.standard_normal((kh, kw))
    opts = dict(padding=padding, boundary=boundary, stride=(sy, sx), dilation=(dy, dx))
    saved = (smalldirect.SMALL_WORK, intdirect.BAND_BYTES)
    smalldirect.SMALL_WORK, intdirect.BAND_BYTES = -1, band
    try:
        got = convolve(x, k, method="direct", **opts)
        want = _float_path(x, k, **opts)
    finally:
        smalldirect.SMALL_WORK, intdirect.BAND_BYTES = saved
    np.testing.assert_array_equal(got, want)


def test_array_subclasses_are_read_as_plain_arrays(numba_only, rng):
    # as before: the data, not the mask or the subclass (np.asarray)
    data = rng.integers(0, 256, (20, 30)).astype(np.uint8)
    masked = np.ma.array(data, mask=data > 200)
    k = rng.standard_normal((3, 3))
    got = convolve(masked, k, method="direct")
    assert type(got) is np.ndarray
    np.testing.assert_array_equal(got, _float_path(data, k))


def test_bands_larger_than_the_image_fall_back_to_converting(numba_only, monkeypatch, rng):
    # a tall, widely dilated kernel: every block's band would span more rows than the image
    monkeypatch.setattr(intdirect, "MAX_BAND_BYTES", 0)
    used = []
    real = intdirect.correlate2d_integer
    monkeypatch.setattr(intdirect, "correlate2d_integer", lambda *a: used.append(real(*a)) or used[-1])
    x = rng.integers(0, 256, (40, 50)).astype(np.uint8)
    k = rng.standard_normal((9, 3))
    got = convolve(x, k, method="direct", dilation=(6, 1), padding="full")
    assert used == [False]
    np.testing.assert_array_equal(got, _float_path(x, k, dilation=(6, 1), padding="full"))
    used.clear()
    monkeypatch.setattr(intdirect, "MAX_BAND_BYTES", 1 << 24)  # small bands: the integer kernel runs
    np.testing.assert_array_equal(convolve(x, k, method="direct", dilation=(6, 1), padding="full"), got)
    assert used == [True]


@pytest.mark.parametrize("kshape,symmetric", [((13, 13), True), ((5, 4), False), ((7, 1), True), ((1, 9), True)])
@pytest.mark.parametrize("boundary", BOUNDARIES)
@pytest.mark.parametrize("padding", ["same", "valid", "full"])
@pytest.mark.parametrize("channels", [0, 3])
def test_integer_separable_path_is_float_path_bit_for_bit(numba_only, monkeypatch, rng, kshape, symmetric, boundary,
                                                          padding, channels):
    # the separable kernel also reads uint8 images band by band (intdirect.by_bands), with small bands
    # so that an image takes several chunks: the same bits as on the image converted to float first
    monkeypatch.setattr(intdirect, "BAND_BYTES", 4096)
    shape = (37, 29) + ((channels,) if channels else ())
    x = rng.integers(0, 256, shape).astype(np.uint8)
    col, row = rng.standard_normal(kshape[0]), rng.standard_normal(kshape[1])
    if symmetric:
        col, row = col + col[::-1], row + row[::-1]
    k = np.outer(col, row)
    calls = []
    real = intdirect.by_bands
    monkeypatch.setattr(intdirect, "by_bands", lambda *a, **kw: calls.append(1) or real(*a, **kw))
    for stride in (1, (2, 1), (1, 3)):
        opts = dict(padding=padding, boundary=boundary, stride=stride, method="separable")
        got = convolve(x, k, **opts)
        want = convolve(x.astype(np.float32), k, **opts)
        np.testing.assert_array_equal(got, want)
    assert calls  # the band path ran
    del opts["method"]
    np.testing.assert_allclose(got, naive_channels(x.astype(np.float64), k, **opts) if channels
                               else naive_convolve(x.astype(np.float64), k, **opts), rtol=1e-4, atol=2e-2)
