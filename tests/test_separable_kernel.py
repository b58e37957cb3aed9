"""The fused separable kernel (convcli/kernels/separable.py): vertical pass first, symmetric factors
folded pairwise, its own count of non-finite outputs, and the rank-1 factorisation without an SVD.
The Numba kernel is forced (the suite's small arrays would otherwise take the NumPy path)."""

import numpy as np
import pytest

from convcli import convolve, smalldirect
from convcli.builtin_kernels import gaussian_1d
from convcli.errors import DataError
from convcli.methods import _rank1_factors, plan, rank_tolerance
from tests.naive import naive_convolve
from tests.threadcount import at_each_thread_count

BOUNDARIES = ["zero", "reflect", "mirror", "nearest", "wrap"]
GEOMETRIES = [((1, 1), (1, 1)), ((2, 3), (1, 2)), ((3, 1), (2, 1)), ((1, 2), (3, 1)), ((2, 2), (2, 2))]


@pytest.fixture
def numba_only(monkeypatch):
    monkeypatch.setattr(smalldirect, "SMALL_WORK", -1)


def _symmetric(rng, n):
    v = rng.standard_normal(n)
    return v + v[::-1]


def _factors(rng, kind, kh, kw):
    if kind == "both":
        return _symmetric(rng, kh), _symmetric(rng, kw)
    if kind == "col":
        return _symmetric(rng, kh), rng.standard_normal(kw)
    return rng.standard_normal(kh), _symmetric(rng, kw)


@pytest.mark.parametrize("boundary", BOUNDARIES)
@pytest.mark.parametrize("padding", ["same", "valid", "full"])
@pytest.mark.parametrize("kind", ["both", "col", "row"])
def test_symmetric_factors_match_naive(numba_only, rng, boundary, padding, kind):
    # odd and even sizes, one pass and several passes of folded pairs (up to 25 taps), any geometry
    x = rng.standard_normal((43, 39))
    for kh, kw in [(3, 3), (4, 6), (5, 2), (13, 13), (25, 7), (2, 17)]:
        col, row = _factors(rng, kind, kh, kw)
        k = np.outer(col, row)
        for stride, dilation in GEOMETRIES:
            opts = dict(padding=padding, boundary=boundary, stride=stride, dilation=dilation)
            if padding == "valid" and any(d * (s - 1) + 1 > n for d, s, n in zip(dilation, k.shape, x.shape,
                                                                                strict=True)):
                continue
            got = convolve(x, k, dtype=np.float64, method="separable", **opts)
            np.testing.assert_allclose(got, naive_convolve(x, k, **opts), atol=1e-10,
                                       err_msg=f"{kh}x{kw} {stride} {dilation}")


@pytest.mark.parametrize("boundary", BOUNDARIES)
def test_gaussian_float32_equals_direct_to_rounding(numba_only, rng, boundary):
    x = (rng.random((70, 90)) * 255).astype(np.float32)
    for sigma in (0.8, 2.0, 4.0):
        g = gaussian_1d(sigma)
        k = np.outer(g, g)
        assert sigma < 2 or plan(k.astype(np.float32)).method == "separable"
        want = naive_convolve(x, k, boundary=boundary)
        got = convolve(x, k, boundary=boundary, method="separable")
        assert got.dtype == np.float32
        np.testing.assert_allclose(got, want, rtol=0, atol=16 * np.finfo(np.float32).eps * 255)


@pytest.mark.parametrize("sym", [True, False])
def test_strided_is_unit_stride_subsampled_bit_for_bit(numba_only, rng, sym):
    x = rng.standard_normal((60, 70)).astype(np.float32)
    col, row = (_symmetric(rng, 7), _symmetric(rng, 9)) if sym else (rng.standard_normal(7), rng.standard_normal(9))
    k = np.outer(col, row)
    for boundary in ("reflect", "zero"):
        full = convolve(x, k, boundary=boundary, method="separable")
        for stride in ((3, 2), (2, 5), (1, 3), (2, 1)):
            np.testing.assert_array_equal(convolve(x, k, stride=stride, boundary=boundary, method="separable"),
                                          full[:: stride[0], :: stride[1]])


def test_result_does_not_depend_on_threads(numba_only, rng):
    x = rng.random((300, 700), dtype=np.float32)
    g = gaussian_1d(3.0)
    kernels = (np.outer(g, g), np.outer(rng.random(9), rng.random(6)))
    results = at_each_thread_count(lambda: [convolve(x, k, method="separable") for k in kernels])
    for a, b in zip(results[0], results[-1], strict=True):
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("where", [(0, 0), (0, 16), (14, 0), (14, 16), (7, 8), (1, 15)])
@pytest.mark.parametrize("padding", ["same", "valid", "full"])
@pytest.mark.parametrize("factors", [([1, 0, 0], [0, 0, 1]), ([0, 1, 0], [1, 0, 1]), ([1, 2, 1], [1, 0, 0, 1])])
@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_kernel_finds_nonfinite_input_anywhere(numba_only, where, padding, factors, bad):
    # the kernel's own count of non-finite outputs replaces the pass over the input: every input
    # sample must still be found, whatever the factors' zeros (symmetric or not)
    x = np.ones((15, 17), np.float32)
    x[where] = bad
    k = np.outer(*factors).astype(np.float64)
    for boundary in BOUNDARIES:
        with pytest.raises(DataError, match="NaN or Inf"):
            convolve(x, k, padding=padding, boundary=boundary, method="separable")
    x0 = x.copy()
    x0[where] = 0
    np.testing.assert_array_equal(convolve(x, k, padding=padding, nan="zero", method="separable"),
                                  convolve(x0, k, padding=padding, method="separable"))


def test_overflow_of_finite_input_is_not_an_input_error(numba_only):
    x = np.full((20, 20), 3e38, np.float32)
    got = convolve(x, np.ones((3, 3)), method="separable")
    assert np.isinf(got).all()


def test_factors_symmetric_to_rounding_are_made_exact():
    from convcli.convolve import _exactly_symmetric

    g = gaussian_1d(2.0).astype(np.float32)
    same, sym = _exactly_symmetric(g)
    assert sym and same is g
    nudged = g.copy()
    nudged[0] = np.nextafter(nudged[0], np.float32(1))
    fixed, sym = _exactly_symmetric(nudged)
    assert sym and np.array_equal(fixed, fixed[::-1]) and fixed.dtype == np.float32
    assert np.abs(fixed - nudged).max() <= np.spacing(nudged[0])
    lopsided = g.copy()
    lopsided[0] *= 1.01
    kept, sym = _exactly_symmetric(lopsided)
    assert not sym and kept is lopsided


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_rank1_factors_agree_with_the_svd(rng, dtype):
    kernels = [np.outer(gaussian_1d(s), gaussian_1d(s)) for s in (1.0, 2.0, 8.0)]
    kernels += [np.ones((9, 9)) / 81, np.outer(rng.standard_normal(7), rng.standard_normal(5))]
    for k in kernels:
        c = k.astype(dtype).astype(np.float64)
        s = np.linalg.svd(c, compute_uv=False)
        assert s[1] <= rank_tolerance(dtype) * s[0]
        one = _rank1_factors(c, dtype)
        assert one is not None
        (col,), (row,) = one
        assert col.dtype == dtype and row.dtype == dtype
        np.testing.assert_allclose(np.outer(col, row), c, rtol=0, atol=8 * np.finfo(dtype).eps * np.abs(c).max())
    two = np.outer(rng.random(6), rng.random(6)) + np.outer(rng.random(6), rng.random(6))
    assert _rank1_factors(two, np.float64) is None
    assert len(plan(two, "separable").cols) == 2
    assert _rank1_factors(np.zeros((3, 3)), np.float64) is None


def test_rank2_multichannel_and_nan_propagation_match_naive(numba_only, rng):
    from tests.naive import naive_channels

    g = gaussian_1d(1.5)
    b = _symmetric(rng, g.size)
    k = np.outer(g, g) + np.outer(b, rng.standard_normal(g.size))  # rank 2: two fused passes, summed
    assert len(plan(k, "separable").cols) == 2
    x = rng.standard_normal((40, 45, 3))
    for boundary in BOUNDARIES:
        got = convolve(x, k, dtype=np.float64, boundary=boundary, method="separable")
        np.testing.assert_allclose(got, naive_channels(x, k, boundary=boundary), atol=1e-10)
    # nan="propagate": NaN reaches exactly the outputs whose window holds it (zero weights too),
    # and zero-boundary rows outside the image stay zeros
    x2 = rng.standard_normal((30, 33))
    x2[3, 30] = np.nan
    for boundary in ("zero", "reflect"):
        sym = np.outer(g, g)
        got = convolve(x2, sym, dtype=np.float64, boundary=boundary, method="separable", nan="propagate")
        want = naive_convolve(x2, sym, boundary=boundary)
        np.testing.assert_array_equal(np.isnan(got), np.isnan(want))
        np.testing.assert_allclose(got, want, atol=1e-10, equal_nan=True)
