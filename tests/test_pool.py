import numba
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from scipy import ndimage

from convcli import DataError, UsageError, pool
from tests.naive import naive_pool

OPS = ("max", "avg", "l2")
BOUNDARIES = ("ignore", "zero", "reflect", "mirror", "nearest", "wrap")


@pytest.mark.parametrize("op", OPS)
@pytest.mark.parametrize("boundary", BOUNDARIES)
def test_same_padding_matches_naive(rng, op, boundary):
    x = rng.normal(size=(13, 11))
    for size, stride in [(3, 2), ((2, 3), (1, 2)), (4, 3), (2, 1)]:
        got = pool(x, op=op, size=size, stride=stride, padding="same", boundary=boundary, dtype=np.float64)
        want = naive_pool(x, op=op, size=size, stride=stride, padding="same", boundary=boundary)
        np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-12)


@given(
    h=st.integers(1, 12), w=st.integers(1, 40), c=st.sampled_from([0, 1, 3]),
    kh=st.integers(1, 4), kw=st.integers(1, 4), sy=st.integers(1, 3), sx=st.integers(1, 3),
    op=st.sampled_from(OPS), padding=st.sampled_from(["valid", "same"]), boundary=st.sampled_from(BOUNDARIES),
    seed=st.integers(0, 2**16),
)
def test_pool_matches_naive_property(h, w, c, kh, kw, sy, sx, op, padding, boundary, seed):
    x = np.random.default_rng(seed).normal(size=(h, w, c) if c else (h, w))
    if padding == "valid" and (kh > h or kw > w):
        with pytest.raises(DataError):
            pool(x, size=(kh, kw), stride=(sy, sx), padding=padding)
        return
    got = pool(x, op=op, size=(kh, kw), stride=(sy, sx), padding=padding, boundary=boundary, dtype=np.float64)
    want = naive_pool(x, op=op, size=(kh, kw), stride=(sy, sx), padding=padding, boundary=boundary)
    assert got.shape == want.shape
    np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("op,reduce", [("max", np.max), ("avg", np.mean),
                                       ("l2", lambda b, axis: np.sqrt(np.sum(b * b, axis=axis)))])
def test_non_overlapping_windows_are_numpy_block_reductions(rng, op, reduce):
    x = rng.random((64, 96, 3), dtype=np.float32)
    blocks = x.astype(np.float64).reshape(16, 4, 24, 4, 3)
    want = reduce(blocks, axis=(1, 3))
    np.testing.assert_allclose(pool(x, op=op, size=4), want, rtol=2e-6)
    gray = x[:, :, 0]
    np.testing.assert_allclose(pool(gray, op=op, size=4), want[:, :, 0], rtol=2e-6)


def test_2x2_stride2_max_pool_of_odd_sizes_drops_the_last_row_and_column(rng):
    x = rng.random((9, 7), dtype=np.float32)
    want = x[:8, :6].reshape(4, 2, 3, 2).max(axis=(1, 3))
    np.testing.assert_array_equal(pool(x, size=2), want)


@pytest.mark.parametrize("size", [2, 3, 4, 5])
@pytest.mark.parametrize("boundary,mode", [("ignore", "nearest"), ("reflect", "reflect"), ("mirror", "mirror"),
                                           ("nearest", "nearest"), ("wrap", "wrap")])
def test_stride1_same_max_is_scipy_maximum_filter(rng, size, boundary, mode):
    x = rng.normal(size=(40, 33)).astype(np.float32)
    # our window of an even size starts at the sample (k-1)//2 before: scipy's origin -1 on even sizes
    origin = -1 if size % 2 == 0 else 0
    want = ndimage.maximum_filter(x, size=size, mode=mode, origin=origin)
    np.testing.assert_array_equal(pool(x, size=size, stride=1, padding="same", boundary=boundary), want)


def test_stride1_same_avg_is_scipy_uniform_filter(rng):
    x = rng.normal(size=(30, 31))
    for boundary, mode in [("reflect", "reflect"), ("mirror", "mirror"), ("wrap", "wrap"), ("zero", "constant")]:
        want = ndimage.uniform_filter(x, size=3, mode=mode)
        got = pool(x, op="avg", size=3, stride=1, padding="same", boundary=boundary, dtype=np.float64)
        np.testing.assert_allclose(got, want, rtol=1e-10, atol=1e-12)


def test_one_d_signals_and_channels(rng):
    sig = rng.normal(size=50)
    got = pool(sig, op="avg", size=5)
    np.testing.assert_allclose(got, sig.reshape(10, 5).mean(axis=1), rtol=1e-5, atol=1e-6)
    multi = rng.normal(size=(50, 4))
    got = pool(multi, op="max", size=(5,), stride=(5,))
    np.testing.assert_allclose(got, multi.reshape(10, 5, 4).max(axis=1), rtol=1e-6)
    same = pool(sig, size=4, stride=3, padding="same", dtype=np.float64)
    np.testing.assert_array_equal(same, naive_pool(sig[None], size=(1, 4), stride=(1, 3), padding="same")[0])


@pytest.mark.parametrize("op", OPS)
def test_across_channels_groups_consecutive_channels(rng, op):
    x = rng.normal(size=(6, 5, 12))
    got = pool(x, op=op, across_channels=4, dtype=np.float64)
    groups = x.reshape(6, 5, 3, 4)
    want = {"max": groups.max(axis=-1), "avg": groups.mean(axis=-1),
            "l2": np.sqrt((groups ** 2).sum(axis=-1))}[op]
    np.testing.assert_allclose(got, want, rtol=1e-12)
    both = pool(x, op=op, size=2, across_channels=4, dtype=np.float64)
    np.testing.assert_allclose(both, naive_pool(want, op=op, size=2), rtol=1e-12)


def test_max_over_orientation_channels_is_rotation_invariant():
    # the seed's point: max over filters of several orientations responds to every orientation
    from convcli import convolve

    img = np.zeros((32, 32))
    img[:, 16] = 1.0  # a vertical line
    kx = np.array([[-1, 2, -1]] * 3, dtype=float)  # vertical-line detector
    bank = np.stack([kx, kx.T], axis=0)  # vertical and horizontal
    k4 = bank[:, None]  # K[out=2, in=1, 3, 3]
    resp_v = pool(convolve(img, k4, mode="corr"), across_channels=2)
    resp_h = pool(convolve(img.T, k4, mode="corr"), across_channels=2)
    np.testing.assert_allclose(resp_v[..., 0], resp_h[..., 0].T, atol=1e-6)


def test_results_do_not_depend_on_threads(rng, monkeypatch):
    monkeypatch.setattr("convcli.pooling._SERIAL_BELOW", 0)  # the parallel kernels even for small inputs
    x = rng.random((301, 257, 3), dtype=np.float32)
    gray = x[:, :, 0].copy()
    threads = numba.get_num_threads()
    try:
        numba.set_num_threads(1)
        one = [pool(gray, op=op, size=3, stride=2, padding="same") for op in OPS]
        one.append(pool(x, op="avg", size=2))
        numba.set_num_threads(max(threads, 2))
        many = [pool(gray, op=op, size=3, stride=2, padding="same") for op in OPS]
        many.append(pool(x, op="avg", size=2))
    finally:
        numba.set_num_threads(threads)
    for a, b in zip(one, many, strict=True):
        np.testing.assert_array_equal(a, b)


def test_integer_input_becomes_float32_and_input_is_untouched(rng):
    x = rng.integers(0, 256, (8, 8), dtype=np.uint8)
    before = x.copy()
    y = pool(x, size=2)
    assert y.dtype == np.float32
    np.testing.assert_array_equal(x, before)
    np.testing.assert_array_equal(y, x.reshape(4, 2, 4, 2).max(axis=(1, 3)))


def test_errors():
    x = np.ones((4, 4))
    with pytest.raises(UsageError):
        pool(x, op="median", size=2)
    with pytest.raises(UsageError):
        pool(x, size=0)
    with pytest.raises(UsageError):
        pool(x, size=2, padding="full")
    with pytest.raises(UsageError):
        pool(x, size=2, boundary="edge")
    with pytest.raises(UsageError):
        pool(x)
    with pytest.raises(UsageError):
        pool(x, size=(2, 2, 2, 2))
    with pytest.raises(DataError):  # 3 values are 3-D pooling (issue 9): a 2-D input does not fit
        pool(x, size=(2, 2, 2))
    with pytest.raises(DataError):
        pool(x, size=5)
    with pytest.raises(DataError):
        pool(np.ones((4, 4, 3)), across_channels=2)
    with pytest.raises(DataError):
        pool(np.ones((2, 2, 2, 2)), size=2)
    with pytest.raises(DataError):
        pool(np.array([[1.0, np.nan]]), size=1)
    assert pool(np.array([[1.0, np.nan]]), size=1, nan="zero")[0, 1] == 0


@pytest.mark.parametrize("shape", [(301, 257), (300, 400, 1), (301, 257, 3), (70000,)])
@pytest.mark.parametrize("where", [0, -1, 1234])
def test_nan_or_inf_anywhere_is_found_even_where_no_window_reads(shape, where):
    x = np.zeros(shape, dtype=np.float32)
    flat = x.reshape(-1)
    for bad in (np.nan, np.inf, -np.inf):
        flat[:] = 0
        flat[where] = bad  # the last sample is outside every valid 2x2 window of the odd sizes
        with pytest.raises(DataError):
            pool(x, size=2)
        zeroed = pool(x, size=2, nan="zero")
        assert np.isfinite(zeroed).all() and zeroed.max() == 0


@pytest.mark.parametrize("c", [0, 3])
def test_parallel_and_serial_kernels_agree_and_match_naive(rng, monkeypatch, c):
    x = rng.normal(size=(37, 41, c) if c else (37, 41))
    cases = [dict(op=op, size=(3, 2), stride=(2, 1), padding=pad, boundary=b)
             for op in OPS for pad in ("valid", "same") for b in ("ignore", "zero", "reflect")]
    cases.append(dict(op="max", size=2))
    serial = [pool(x, dtype=np.float64, **case) for case in cases]
    monkeypatch.setattr("convcli.pooling._SERIAL_BELOW", 0)
    for case, want in zip(cases, serial, strict=True):
        got = pool(x, dtype=np.float64, **case)
        np.testing.assert_array_equal(got, want)
        np.testing.assert_allclose(got, naive_pool(x, **case), rtol=1e-12, atol=1e-12)
    with pytest.raises(DataError):
        bad = x.copy()
        bad[-1, -1] = np.nan
        pool(bad, size=2)
