"""Gradients of the valid strided correlation against finite differences of J = sum(G * Z)."""

import itertools

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from convcli import convolve
from convcli.errors import DataError, UsageError
from convcli.gradients import conv_grad_input, conv_grad_kernel, correlate_valid
from tests.naive import naive_channels, naive_correlate_multi


def forward(x, k, stride):
    """Independent forward pass: naive references (float64)."""
    x = np.asarray(x, dtype=np.float64)
    k = np.asarray(k, dtype=np.float64)
    if k.ndim in (1, 2):
        return naive_channels(x, k, mode="corr", padding="valid", stride=stride)
    if k.ndim == 3:  # (out, in, kw) on (N, Cin): a 2-D problem with one row
        xs = x[None] if x.ndim == 2 else x[None, :, None]
        return naive_correlate_multi(xs, k[:, :, None, :], stride=(1, stride))[0]
    xs = x if x.ndim == 3 else x[:, :, None]
    st_ = (stride, stride) if np.isscalar(stride) else stride
    return naive_correlate_multi(xs, k, stride=st_)


def J(x, k, g, stride):
    return float(np.sum(g * forward(x, k, stride)))


def fd_grad_kernel(x, g, kshape, stride):
    # J is linear in k: J(unit kernel e_idx) is exactly dJ/dk[idx]
    out = np.zeros(kshape)
    for idx in itertools.product(*(range(n) for n in kshape)):
        e = np.zeros(kshape)
        e[idx] = 1.0
        out[idx] = J(x, e, g, stride)
    return out


def fd_grad_input(k, g, xshape, stride):
    out = np.zeros(xshape)
    for idx in itertools.product(*(range(n) for n in xshape)):
        e = np.zeros(xshape)
        e[idx] = 1.0
        out[idx] = J(e, k, g, stride)
    return out


CASES_2D = [
    # (input shape, kernel shape)
    ((9, 11), (3, 3)),
    ((8, 10), (2, 4)),
    ((7, 9, 3), (3, 2)),           # shared 2-D kernel over 3 channels
    ((9, 8, 1), (2, 1, 3, 3)),     # 1 -> 2 channels
    ((8, 9, 3), (2, 3, 2, 3)),     # 3 -> 2 channels
    ((7, 7, 2), (4, 2, 1, 2)),     # 2 -> 4 channels
    ((8, 7), (1, 1, 3, 2)),        # (out, in, ...) kernel on a gray image
]
CASES_1D = [((13,), (3,)), ((12, 2), (4,)), ((11, 3), (2, 3, 3)), ((10,), (3, 1, 2))]


@pytest.mark.parametrize("stride", [1, 2, 3])
@pytest.mark.parametrize("xshape,kshape", CASES_2D + CASES_1D)
def test_grad_kernel_is_the_finite_difference(xshape, kshape, stride, rng):
    x = rng.normal(size=xshape)
    zshape = forward(x, np.zeros(kshape), stride).shape
    g = rng.normal(size=zshape)
    got = conv_grad_kernel(x, g, kshape, stride=stride, dtype=np.float64)
    assert got.shape == kshape
    np.testing.assert_allclose(got, fd_grad_kernel(x, g, kshape, stride), rtol=1e-10, atol=1e-10)


@pytest.mark.parametrize("stride", [1, 2, 3])
@pytest.mark.parametrize("xshape,kshape", CASES_2D + CASES_1D)
def test_grad_input_is_the_finite_difference(xshape, kshape, stride, rng):
    k = rng.normal(size=kshape)
    zshape = forward(np.zeros(xshape), k, stride).shape
    g = rng.normal(size=zshape)
    got = conv_grad_input(k, g, xshape, stride=stride, dtype=np.float64)
    assert got.shape == xshape
    np.testing.assert_allclose(got, fd_grad_input(k, g, xshape, stride), rtol=1e-10, atol=1e-10)


def test_mixed_strides(rng):
    x = rng.normal(size=(10, 11, 2))
    k = rng.normal(size=(3, 2, 3, 2))
    st_ = (3, 2)
    g = rng.normal(size=forward(x, k, st_).shape)
    np.testing.assert_allclose(conv_grad_kernel(x, g, k.shape, stride=st_, dtype=np.float64),
                               fd_grad_kernel(x, g, k.shape, st_), atol=1e-10)
    np.testing.assert_allclose(conv_grad_input(k, g, x.shape, stride=st_, dtype=np.float64),
                               fd_grad_input(k, g, x.shape, st_), atol=1e-10)


@pytest.mark.parametrize("stride", [1, 2, (2, 3)])
def test_forward_matches_convolve_and_the_reference(stride, rng):
    x = rng.normal(size=(23, 19, 2))
    k = rng.normal(size=(4, 3))
    np.testing.assert_allclose(correlate_valid(x, k, stride=stride),
                               convolve(x, k, mode="corr", padding="valid", stride=stride), rtol=1e-5, atol=1e-5)
    k4 = rng.normal(size=(3, 2, 4, 3))
    np.testing.assert_allclose(correlate_valid(x, k4, stride=stride, dtype=np.float64),
                               forward(x, k4, stride), atol=1e-12)


@given(h=st.integers(3, 12), w=st.integers(3, 12), kh=st.integers(1, 3), kw=st.integers(1, 3),
       sy=st.integers(1, 3), sx=st.integers(1, 3), cin=st.integers(1, 3), cout=st.integers(1, 3),
       seed=st.integers(0, 2**31))
def test_adjoint_identity(h, w, kh, kw, sy, sx, cin, cout, seed):
    # <G, Z(x, k)> = <g(G, x), k> = <x, h(k, G)>: both gradients are the adjoints of the forward pass
    r = np.random.default_rng(seed)
    x = r.normal(size=(h, w, cin))
    k = r.normal(size=(cout, cin, kh, kw))
    z = correlate_valid(x, k, stride=(sy, sx), dtype=np.float64)
    g = r.normal(size=z.shape)
    lhs = np.sum(g * z)
    assert np.isclose(lhs, np.sum(conv_grad_kernel(x, g, k.shape, stride=(sy, sx), dtype=np.float64) * k))
    assert np.isclose(lhs, np.sum(conv_grad_input(k, g, x.shape, stride=(sy, sx), dtype=np.float64) * x))


def test_results_do_not_depend_on_threads(rng):
    import numba

    x = rng.normal(size=(64, 70, 3)).astype(np.float32)
    k = rng.normal(size=(2, 3, 3, 3))
    g = rng.normal(size=correlate_valid(x, k).shape)
    before = numba.get_num_threads()
    try:
        numba.set_num_threads(1)
        one = (conv_grad_kernel(x, g, k.shape), conv_grad_input(k, g, x.shape), correlate_valid(x, k))
        numba.set_num_threads(before)
        many = (conv_grad_kernel(x, g, k.shape), conv_grad_input(k, g, x.shape), correlate_valid(x, k))
    finally:
        numba.set_num_threads(before)
    for a, b in zip(one, many, strict=True):
        np.testing.assert_array_equal(a, b)


def test_default_dtype_is_float32(rng):
    x = rng.normal(size=(6, 6))
    assert conv_grad_kernel(x, np.ones((4, 4)), (3, 3)).dtype == np.float32
    assert conv_grad_input(np.ones((3, 3)), np.ones((4, 4)), (6, 6)).dtype == np.float32


def test_shape_errors(rng):
    x = rng.normal(size=(6, 6, 2))
    with pytest.raises(UsageError, match="grad_out has shape"):
        conv_grad_kernel(x, np.ones((3, 3, 2)), (3, 3))
    with pytest.raises(UsageError, match="Cin = 3"):
        conv_grad_kernel(x, np.ones((4, 4, 1)), (1, 3, 3, 3))
    with pytest.raises(UsageError, match="5-D kernel"):
        conv_grad_input(np.ones((1, 1, 1, 1, 1)), np.ones((6, 6)), (6, 6))
    with pytest.raises(DataError, match="larger"):
        conv_grad_kernel(x, np.ones((1, 1, 2)), (7, 3))
    with pytest.raises(UsageError, match="stride"):
        conv_grad_kernel(x, np.ones((4, 4, 2)), (3, 3), stride=0)


@pytest.mark.parametrize("stride", [1, 2, 3])
def test_gradients_match_scipy(stride, rng):
    from scipy import signal

    x = rng.normal(size=(30, 27))
    k = rng.normal(size=(4, 3))
    g = rng.normal(size=correlate_valid(x, k, stride=stride).shape)
    # a strided output's gradient is the unit-stride one with zeros between the samples
    up = np.zeros((x.shape[0] - 3, x.shape[1] - 2))
    up[::stride, ::stride] = g
    np.testing.assert_allclose(conv_grad_kernel(x, g, k.shape, stride=stride, dtype=np.float64),
                               signal.correlate2d(x, up, mode="valid"), atol=1e-10)
    np.testing.assert_allclose(conv_grad_input(k, g, x.shape, stride=stride, dtype=np.float64),
                               signal.convolve2d(up, k, mode="full"), atol=1e-10)


@given(n=st.integers(4, 30), kw=st.integers(1, 5), s=st.integers(1, 4), cin=st.integers(1, 3),
       cout=st.integers(1, 3), seed=st.integers(0, 2**31))
def test_adjoint_identity_1d(n, kw, s, cin, cout, seed):
    r = np.random.default_rng(seed)
    if kw > n:
        return
    x = r.normal(size=(n, cin))
    k = r.normal(size=(cout, cin, kw))
    z = correlate_valid(x, k, stride=s, dtype=np.float64)
    assert z.shape == ((n - kw) // s + 1, cout)
    g = r.normal(size=z.shape)
    lhs = np.sum(g * z)
    assert np.isclose(lhs, np.sum(conv_grad_kernel(x, g, k.shape, stride=s, dtype=np.float64) * k))
    assert np.isclose(lhs, np.sum(conv_grad_input(k, g, x.shape, stride=s, dtype=np.float64) * x))
