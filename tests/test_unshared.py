"""Locally connected and tiled convolution against references and the convolution they generalise."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from convcli import convolve
from convcli.errors import UsageError
from convcli.gradients import correlate_valid
from convcli.unshared import (
    local_weights_from_kernel,
    locally_connected,
    random_local_weights,
    random_tiled_kernels,
    tiled_convolve,
    tiled_kernels_from_kernel,
)
from tests.naive import naive_channels, naive_correlate_multi, naive_locally_connected, naive_tiled


@pytest.mark.parametrize("xshape,stride", [((9, 10), (1, 1)), ((11, 9, 3), (2, 1)), ((10, 12, 2), (3, 2))])
def test_local_matches_reference(xshape, stride, rng):
    x = rng.normal(size=xshape)
    w = random_local_weights(xshape, (3, 2), out_channels=2, stride=stride, seed=1)
    got = locally_connected(x, w, stride=stride, dtype=np.float64)
    np.testing.assert_allclose(got, naive_locally_connected(x, w, stride=stride), atol=1e-12)


@pytest.mark.parametrize("xshape,stride", [((9, 10), (1, 1)), ((11, 9, 3), (2, 1)), ((13, 12, 2), (3, 2))])
@pytest.mark.parametrize("tile", [(1, 1), (2, 3), (3, 2)])
def test_tiled_matches_reference(xshape, stride, tile, rng):
    x = rng.normal(size=xshape)
    cin = xshape[2] if len(xshape) == 3 else 1
    k = random_tiled_kernels(cin, (2, 3), tile, out_channels=2, seed=2)
    got = tiled_convolve(x, k, stride=stride, dtype=np.float64)
    np.testing.assert_allclose(got, naive_tiled(x, k, stride=stride), atol=1e-12)


@given(h=st.integers(3, 14), w=st.integers(3, 14), kh=st.integers(1, 3), kw=st.integers(1, 3),
       s=st.integers(1, 3), seed=st.integers(0, 2**31))
def test_local_with_equal_weights_is_convolution(h, w, kh, kw, s, seed):
    r = np.random.default_rng(seed)
    x = r.normal(size=(h, w))
    k = r.normal(size=(kh, kw))
    wts = local_weights_from_kernel(x.shape, k, stride=s, mode="corr")
    # every output position holds the same kernel
    assert np.all(wts == k)
    want = convolve(x, k, mode="corr", padding="valid", stride=s, dtype=np.float64)
    np.testing.assert_allclose(locally_connected(x, wts, stride=s, dtype=np.float64)[..., 0], want, atol=1e-10)
    # and in filter's default orientation (true convolution)
    wconv = local_weights_from_kernel(x.shape, k, stride=s)
    np.testing.assert_allclose(locally_connected(x, wconv, stride=s, dtype=np.float64)[..., 0],
                               convolve(x, k, padding="valid", stride=s, dtype=np.float64), atol=1e-10)


def test_local_with_equal_multichannel_weights_is_multichannel_correlation(rng):
    x = rng.normal(size=(10, 9, 3))
    k4 = rng.normal(size=(2, 3, 3, 2))
    w = np.broadcast_to(k4[:, None, None], (2, 8, 8, 3, 3, 2))
    np.testing.assert_allclose(locally_connected(x, w, dtype=np.float64), naive_correlate_multi(x, k4), atol=1e-10)


@given(h=st.integers(3, 14), w=st.integers(3, 14), c=st.integers(1, 3), s=st.integers(1, 3),
       seed=st.integers(0, 2**31))
def test_tiled_with_one_tile_is_convolution(h, w, c, s, seed):
    r = np.random.default_rng(seed)
    x = r.normal(size=(h, w, c))
    k = r.normal(size=(3, 3))
    kt = tiled_kernels_from_kernel(c, k, 1, mode="corr")
    assert kt.shape == (c, c, 3, 3, 1, 1)
    want = naive_channels(x, k, mode="corr", padding="valid", stride=s)
    np.testing.assert_allclose(tiled_convolve(x, kt, stride=s, dtype=np.float64), want, atol=1e-10)
    k4 = r.normal(size=(2, c, 2, 3))
    np.testing.assert_allclose(tiled_convolve(x, k4[..., None, None], stride=s, dtype=np.float64),
                               correlate_valid(x, k4, stride=s, dtype=np.float64), atol=1e-10)


@pytest.mark.parametrize("tile", [(2, 2), (3, 2), (1, 4)])
def test_tiled_output_uses_kernel_j_mod_t(tile, rng):
    ty, tx = tile
    x = rng.normal(size=(12, 13, 2))
    k = rng.normal(size=(2, 2, 3, 3, ty, tx))
    got = tiled_convolve(x, k, dtype=np.float64)
    for a in range(ty):
        for b in range(tx):
            # each output position (j, k) with j % ty == a and k % tx == b is the convolution with kernel (a, b)
            full = correlate_valid(x, k[..., a, b], dtype=np.float64)
            np.testing.assert_allclose(got[a::ty, b::tx], full[a::ty, b::tx], atol=1e-10)
            if (ty, tx) != (1, 1):
                other = correlate_valid(x, k[..., (a + 1) % ty, (b + 1) % tx], dtype=np.float64)
                assert not np.allclose(got[a::ty, b::tx], other[a::ty, b::tx])


def test_results_do_not_depend_on_threads(rng):
    import numba

    x = rng.normal(size=(40, 37, 2))
    w = random_local_weights(x.shape, 3, out_channels=3, seed=0)
    k = random_tiled_kernels(2, 3, 2, out_channels=3, seed=0)
    before = numba.get_num_threads()
    try:
        numba.set_num_threads(1)
        one = locally_connected(x, w), tiled_convolve(x, k)
        numba.set_num_threads(before)
        many = locally_connected(x, w), tiled_convolve(x, k)
    finally:
        numba.set_num_threads(before)
    for a, b in zip(one, many, strict=True):
        np.testing.assert_array_equal(a, b)


def test_shape_errors(rng):
    x = rng.normal(size=(8, 8, 2))
    with pytest.raises(UsageError, match="expected"):
        locally_connected(x, np.ones((1, 5, 6, 2, 3, 3)))
    with pytest.raises(UsageError, match="6-D"):
        locally_connected(x, np.ones((3, 3)))
    with pytest.raises(UsageError, match="input channel"):
        tiled_convolve(x, np.ones((1, 3, 3, 3, 2, 2)))
    with pytest.raises(UsageError, match="input channel"):
        local_weights_from_kernel(x.shape, np.ones((1, 3, 2, 2)))
