import itertools

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from convcli import conv_matrix, convolve
from convcli.convmatrix import describe_structure, map_indices, matrix_geometry, verify_matrix
from convcli.errors import UsageError
from convcli.kernels.boundary import map_index
from tests.naive import naive_conv_matrix

BOUNDARIES = ("zero", "reflect", "mirror", "nearest", "wrap")
PADDINGS = ("same", "valid", "full")
CODES = {"zero": 0, "reflect": 1, "mirror": 2, "nearest": 3, "wrap": 4}


@pytest.mark.parametrize("boundary", BOUNDARIES)
def test_map_indices_agree_with_the_numba_rule(boundary):
    for n in (1, 2, 3, 7):
        i = np.arange(-3 * n - 5, 4 * n + 5)
        want = [map_index(int(v), n, CODES[boundary]) for v in i]
        assert map_indices(i, n, boundary).tolist() == want


@pytest.mark.parametrize("boundary,padding,stride,mode", list(itertools.product(BOUNDARIES, PADDINGS, (1, 2, 3),
                                                                           ("conv", "corr"))))
def test_matrix_times_input_is_the_convolution_2d(rng, boundary, padding, stride, mode):
    x = rng.standard_normal((6, 7))
    k = rng.standard_normal((3, 2))
    opts = dict(mode=mode, padding=padding, boundary=boundary, stride=stride)
    m = conv_matrix(x.shape, k, dtype=np.float64, **opts)
    want = convolve(x, k, dtype=np.float64, **opts)
    assert m.shape == (want.size, x.size)
    np.testing.assert_allclose(m @ x.ravel(), want.ravel(), rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("boundary,padding,stride,dilation",
                         list(itertools.product(BOUNDARIES, PADDINGS, (1, 2), (1, 2))))
def test_matrix_times_input_is_the_convolution_1d(rng, boundary, padding, stride, dilation):
    x = rng.standard_normal(9)
    k = rng.standard_normal(3)
    opts = dict(padding=padding, boundary=boundary, stride=stride, dilation=dilation)
    m = conv_matrix(9, k, dtype=np.float64, **opts)
    np.testing.assert_allclose(m @ x, convolve(x, k, dtype=np.float64, **opts), rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("boundary,padding", list(itertools.product(BOUNDARIES, PADDINGS)))
def test_matrix_equals_the_impulse_responses_of_the_naive_reference(rng, boundary, padding):
    k = rng.standard_normal((2, 3))
    opts = dict(padding=padding, boundary=boundary, stride=(1, 2), dilation=(2, 1))
    m = conv_matrix((5, 6), k, dtype=np.float64, **opts)
    np.testing.assert_allclose(m, naive_conv_matrix((5, 6), k, **opts), atol=1e-12)


def test_full_zero_matrix_matches_scipy(rng):
    from scipy.signal import convolve2d

    x = rng.standard_normal((5, 4))
    k = rng.standard_normal((3, 3))
    m = conv_matrix(x.shape, k, padding="full", boundary="zero", dtype=np.float64)
    np.testing.assert_allclose(m @ x.ravel(), convolve2d(x, k, mode="full").ravel(), atol=1e-12)


@given(
    h=st.integers(1, 6), w=st.integers(1, 6), kh=st.integers(1, 3), kw=st.integers(1, 3),
    boundary=st.sampled_from(BOUNDARIES), padding=st.sampled_from(PADDINGS), mode=st.sampled_from(("conv", "corr")),
    sy=st.integers(1, 3), sx=st.integers(1, 3), dy=st.integers(1, 2), dx=st.integers(1, 2),
    seed=st.integers(0, 2**32 - 1),
)
def test_matrix_is_the_convolution_property(h, w, kh, kw, boundary, padding, mode, sy, sx, dy, dx, seed):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((h, w))
    k = rng.standard_normal((kh, kw))
    opts = dict(mode=mode, padding=padding, boundary=boundary, stride=(sy, sx), dilation=(dy, dx))
    if padding == "valid" and (dy * (kh - 1) + 1 > h or dx * (kw - 1) + 1 > w):
        return  # no output: covered by the error test
    m = conv_matrix(x.shape, k, dtype=np.float64, **opts)
    np.testing.assert_allclose(m @ x.ravel(), convolve(x, k, dtype=np.float64, **opts).ravel(),
                               rtol=1e-10, atol=1e-10)


def test_wrap_same_1d_is_circulant(rng):
    m = conv_matrix(8, rng.standard_normal(3), boundary="wrap", dtype=np.float64)
    assert m.shape == (8, 8)
    for i in range(8):
        np.testing.assert_array_equal(m[i], np.roll(m[0], i))


def test_wrap_same_2d_is_doubly_block_circulant(rng):
    h, w = 5, 6
    m = conv_matrix((h, w), rng.standard_normal((3, 3)), boundary="wrap", dtype=np.float64)
    first = m[0].reshape(h, w)
    for i, j in itertools.product(range(h), range(w)):
        # row (i, j) is row (0, 0) cyclically shifted by i rows and j columns
        np.testing.assert_array_equal(m[i * w + j].reshape(h, w), np.roll(first, (i, j), axis=(0, 1)))
    # the blocks themselves are circulant and the block pattern is circulant
    blocks = m.reshape(h, w, h, w).transpose(0, 2, 1, 3)
    for a, b in itertools.product(range(h), range(h)):
        np.testing.assert_array_equal(blocks[a, b], blocks[(a - b) % h, 0])
        for r in range(w):
            np.testing.assert_array_equal(blocks[a, b][r], np.roll(blocks[a, b][0], r))


def _is_toeplitz(a: np.ndarray) -> bool:
    """Constant along every diagonal."""
    return bool(np.array_equal(a[1:, 1:], a[:-1, :-1]))


@pytest.mark.parametrize("padding", PADDINGS)
def test_zero_boundary_1d_is_toeplitz(rng, padding):
    m = conv_matrix(7, rng.standard_normal(3), boundary="zero", padding=padding, dtype=np.float64)
    assert _is_toeplitz(m)
    assert not _is_toeplitz(conv_matrix(7, rng.standard_normal(3), boundary="reflect", dtype=np.float64))


def test_zero_boundary_2d_is_doubly_block_toeplitz(rng):
    h, w = 4, 5
    m = conv_matrix((h, w), rng.standard_normal((3, 3)), boundary="zero", dtype=np.float64)
    blocks = m.reshape(h, w, h, w).transpose(0, 2, 1, 3)
    for a, b in itertools.product(range(h), range(h)):
        assert _is_toeplitz(blocks[a, b])
        if a > 0 and b > 0:
            np.testing.assert_array_equal(blocks[a, b], blocks[a - 1, b - 1])
    assert not blocks[0, 3].any() and blocks[1, 0].any()


def test_structure_names():
    _, _, axes = matrix_geometry((4, 4), np.ones((3, 3)), boundary="wrap")
    assert describe_structure(axes, "wrap")["kind"] == "doubly block circulant"
    assert describe_structure(axes, "zero")["kind"] == "doubly block Toeplitz"
    _, _, axes = matrix_geometry(6, np.ones(3), boundary="wrap")
    assert describe_structure(axes, "wrap")["kind"] == "circulant"
    assert "reflect" in describe_structure(axes, "reflect")["kind"]


def test_default_dtype_is_float32_and_kernel_singleton_is_1d():
    m = conv_matrix(5, [[1.0, 2.0, 1.0]])
    assert m.dtype == np.float32 and m.shape == (5, 5)


def test_refuses_matrices_over_max_bytes():
    with pytest.raises(UsageError, match=r"4,096 x 4,096 = 16,777,216 entries, 64\.0 MiB"):
        conv_matrix((64, 64), np.ones((3, 3)), max_bytes=1 << 20)
    assert conv_matrix((8, 8), np.ones((3, 3)), max_bytes=None).shape == (64, 64)


@pytest.mark.parametrize("args", [((0, 4), np.ones((3, 3))), ((2, 3, 4), np.ones((3, 3))), ((5,), np.ones((3, 3))),
                                  ((5, 5), np.ones((2, 2, 2)))])
def test_bad_arguments(args):
    with pytest.raises(UsageError):
        conv_matrix(*args)


def test_verify_reports_a_small_error_and_catches_a_wrong_matrix(rng):
    k = rng.standard_normal((3, 3))
    m = conv_matrix((5, 5), k, boundary="mirror")
    v = verify_matrix(m, (5, 5), k, boundary="mirror")
    assert v["ok"] and v["max_abs_error"] < 1e-5
    m[3, 4] += 0.5
    assert not verify_matrix(m, (5, 5), k, boundary="mirror")["ok"]


def test_parse_bytes_and_formats():
    from convcli.matrix_io import matrix_format, parse_bytes

    assert parse_bytes("268435456") == 256 << 20
    assert parse_bytes("256MiB") == parse_bytes("256m") == 256 << 20
    assert parse_bytes("1G") == 1 << 30 and parse_bytes("2MB") == 2_000_000
    for bad in ("", "lots", "12 parsecs", "-5"):
        with pytest.raises(UsageError):
            parse_bytes(bad)
    assert matrix_format("-", None) == "png" and matrix_format("a.CSV", None) == "csv"
    with pytest.raises(UsageError):
        matrix_format("m.jpg", None)


def test_picture_refuses_huge_matrices_and_scales_small_ones():
    from convcli.matrix_io import matrix_picture

    with pytest.raises(UsageError, match="write .npy"):
        matrix_picture(np.zeros((9000, 2), dtype=np.float32))
    pic = matrix_picture(np.eye(3))
    assert pic.shape == (3 * 24 + 2, 3 * 24 + 2, 3) and pic.dtype == np.uint8
