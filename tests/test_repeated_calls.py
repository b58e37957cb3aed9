"""Repeated calls: the per-kernel preparation cache, and where outputs are placed (half a page from the
input; large ones on huge pages)."""

import numpy as np
import pytest

from convcli import DataError, convolve
from convcli.arrays import empty_apart, empty_output
from convcli.methods import select_method
from tests.naive import naive_convolve


def test_kernel_changed_in_place_between_calls(rng):
    x = rng.standard_normal((12, 10))
    k = rng.standard_normal((3, 3))
    first = k.copy()
    convolve(x, k, dtype=np.float64)
    k[1, 1] += 5.0  # the caller reuses its array
    np.testing.assert_allclose(convolve(x, k, dtype=np.float64), naive_convolve(x, k), rtol=1e-12, atol=1e-12)
    # a new array with the first values again gets the first result (the cache kept its own copy)
    np.testing.assert_allclose(convolve(x, first.copy(), dtype=np.float64), naive_convolve(x, first),
                               rtol=1e-12, atol=1e-12)
    k[...] = first
    np.testing.assert_allclose(convolve(x, k, dtype=np.float64), naive_convolve(x, first), rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("mode", ["conv", "corr"])
@pytest.mark.parametrize("method", ["auto", "direct", "separable"])
def test_same_kernel_other_options(rng, mode, method):
    # one kernel array, different mode/method/dtype in turn: each call gets its own preparation
    x = rng.standard_normal((15, 14))
    k = np.outer([1.0, 2.0, 1.0], [1.0, 0.0, -1.0]) + 0.01 * rng.standard_normal((3, 3))
    for dtype in (np.float64, np.float32, np.float64):
        got = convolve(x, k, mode=mode, method=method, dtype=dtype)
        assert got.dtype == dtype
        tol = 1e-12 if dtype == np.float64 else 2e-5
        np.testing.assert_allclose(got, naive_convolve(x, k, mode=mode), rtol=tol, atol=tol)


def test_bad_kernel_is_not_remembered(rng):
    x = rng.standard_normal((8, 8))
    k = np.ones((3, 3))
    k[0, 0] = np.nan
    for _ in range(2):
        with pytest.raises(DataError, match="kernel has 1 NaN"):
            convolve(x, k)
    k[0, 0] = 1.0
    np.testing.assert_allclose(convolve(x, k, dtype=np.float64), naive_convolve(x, k), rtol=1e-12)


def test_gaussian_plan_is_folded_once():
    from convcli.builtin_kernels import gaussian_1d
    from convcli.convolve import _prepared_kernel

    g = gaussian_1d(2.0)
    k = np.outer(g, g)
    assert select_method(k) == "separable"
    _, _, chosen = _prepared_kernel(k, "conv", "auto", np.dtype(np.float32))
    assert chosen.method == "separable" and chosen.symmetric == ((True, True),)
    col, row = chosen.cols[0], chosen.rows[0]
    assert np.array_equal(col, col[::-1]) and np.array_equal(row, row[::-1])


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_empty_apart_is_half_a_page_from_the_input(dtype):
    x = np.ones((300, 256), np.float32)
    for like in (x, x[1:]):
        out = empty_apart((300, 256), dtype, like)
        assert out.shape == (300, 256) and out.dtype == dtype and out.flags.c_contiguous and out.flags.writeable
        gap = (out.__array_interface__["data"][0] - like.__array_interface__["data"][0]) % 4096
        assert gap == 2048
        assert not np.shares_memory(out, like)


def test_empty_apart_small_arrays_are_plain():
    out = empty_apart((4, 4), np.float32, np.ones(8, np.float32))
    assert out.shape == (4, 4) and out.base is None


def _address(a):
    return a.__array_interface__["data"][0]


@pytest.mark.parametrize("dtype", [np.float32, np.float64, np.uint8])
@pytest.mark.parametrize("shape", [(2048, 2048), (5, 1000, 1777), (4099, 1513, 2)])
def test_empty_output_large_arrays_start_just_before_a_huge_page(shape, dtype):
    # all of 4 MiB or more
    x = np.ones((64, 64), np.float32)
    for like in (x, x[:, 1:], x.reshape(-1)[3:]):
        out = empty_output(shape, dtype, like)
        assert out.shape == shape and out.dtype == dtype and out.flags.c_contiguous and out.flags.writeable
        assert not np.shares_memory(out, like)
        start = _address(out)
        # the first page is the only one before a 2 MiB boundary, which comes within 4 KiB
        assert 0 < -start % (2 << 20) <= 4096
        # half a page from the input (mod 4 KiB), to the sample
        assert abs((start - _address(like)) % 4096 - 2048) < out.itemsize
        # the whole array is inside its buffer: filling it touches nothing else
        out[...] = 7
        base = out.base
        while base.base is not None:
            base = base.base
        assert _address(base) <= start and start + out.nbytes <= _address(base) + base.nbytes


def test_empty_output_below_4_mib_is_plain():
    out = empty_output((1000, 1000), np.float32, np.ones(8, np.float32))
    assert out.shape == (1000, 1000) and out.base is None


def test_large_convolution_outputs_are_placed_on_huge_pages(rng):
    # direct, separable and the general path (float64) all return arrays made by empty_output
    x = rng.random((1100, 1000), dtype=np.float32)
    for k in (rng.random((3, 3)), np.outer([1, 2, 1], [1, 2, 1]) / 16.0):
        for dtype in (None, np.float64):
            out = convolve(x, k, dtype=dtype, boundary="reflect")
            assert 0 < -_address(out) % (2 << 20) <= 4096
            np.testing.assert_allclose(out, naive_convolve(x.astype(np.float64), k, boundary="reflect"),
                                       rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("padding", ["same", "valid", "full"])
@pytest.mark.parametrize("boundary", ["zero", "reflect", "mirror", "nearest", "wrap"])
@pytest.mark.parametrize("kind", ["direct", "separable"])
def test_remembered_call_equals_general_path(rng, padding, boundary, kind):
    # a C-contiguous 2-D float32 input at unit stride takes the remembered kernel call; dtype=float32
    # given explicitly takes the general path: the same bits, first call and repeated calls
    from unittest import mock

    from convcli import smalldirect

    x = rng.standard_normal((40, 37)).astype(np.float32)
    g = np.array([1.0, 4.0, 6.0, 4.0, 1.0])
    k = rng.standard_normal((3, 4)) if kind == "direct" else np.outer(g, g[:3])
    with mock.patch.object(smalldirect, "SMALL_WORK", -1):  # the Numba kernels on a small input
        for _ in range(3):
            fast = convolve(x, k, padding=padding, boundary=boundary, method=kind)
            general = convolve(x, k, padding=padding, boundary=boundary, dtype=np.float32, method=kind)
            np.testing.assert_array_equal(fast, general)
        np.testing.assert_allclose(fast, naive_convolve(x.astype(np.float64), k, padding=padding, boundary=boundary),
                                   rtol=1e-4, atol=1e-4)


@pytest.mark.parametrize("bad", [np.nan, np.inf])
def test_remembered_call_still_finds_nonfinite_input(rng, bad):
    from unittest import mock

    from convcli import smalldirect

    x = rng.standard_normal((30, 30)).astype(np.float32)
    with mock.patch.object(smalldirect, "SMALL_WORK", -1):
        for k in (rng.standard_normal((3, 3)), np.outer([1.0, 2.0, 1.0], [1.0, 2.0, 1.0])):
            convolve(x, k)
            y = x.copy()
            y[29, 0] = bad
            with pytest.raises(DataError, match="NaN or Inf"):
                convolve(y, k)


def test_remembered_call_reports_bad_options_as_before(rng):
    from convcli import UsageError

    x = rng.standard_normal((20, 20)).astype(np.float32)
    k = rng.standard_normal((3, 3))
    with pytest.raises(UsageError, match="mode must be one of"):
        convolve(x, k, mode=["conv"])
    with pytest.raises(UsageError, match="boundary must be one of"):
        convolve(x, k, boundary="edge")
    with pytest.raises(DataError, match="larger than the input"):
        convolve(x, np.ones((21, 3)), padding="valid")


def test_caches_keep_a_bounded_number_of_entries(rng):
    import sys

    cm = sys.modules["convcli.convolve"]  # the module (convcli.convolve, the name, is the function)
    x = rng.standard_normal((9, 9)).astype(np.float32)
    for i in range(cm._PREPARED_MAX + 5):
        convolve(x, np.full((3, 3), float(i + 1)))
    assert len(cm._PREPARED) <= cm._PREPARED_MAX and len(cm._CALLS) <= cm._CALLS_MAX
    np.testing.assert_allclose(convolve(x, np.ones((3, 3)), dtype=np.float64), naive_convolve(x, np.ones((3, 3))),
                               rtol=1e-6)
