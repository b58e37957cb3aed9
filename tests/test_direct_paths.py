"""The Numba direct kernel and the NumPy one for small problems (convcli.smalldirect) both follow the
contract: the rest of the suite mostly uses small arrays, which run in NumPy until a test has loaded
the Numba kernel and on the kernel afterwards, so here each path is forced and both are checked
against the naive reference and each other (bit for bit)."""

import sys
from unittest import mock

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from convcli import DataError, convolve, smalldirect
from tests.naive import naive_convolve
from tests.threadcount import at_each_thread_count

BOUNDARIES = ["zero", "reflect", "mirror", "nearest", "wrap"]
CONVOLVE_MODULE = sys.modules["convcli.convolve"]  # the module (convcli.convolve, the name, is the function)


@pytest.fixture
def numba_only(monkeypatch):
    monkeypatch.setattr(smalldirect, "SMALL_WORK", -1)


@pytest.mark.parametrize("kshape", [(3, 3), (4, 2), (1, 5), (5, 1), (7, 8), (1, 1), (10, 3)])
@pytest.mark.parametrize("boundary", BOUNDARIES)
@pytest.mark.parametrize("padding", ["same", "valid", "full"])
def test_numba_kernel_matches_naive(numba_only, rng, kshape, boundary, padding):
    x = rng.standard_normal((15, 17))
    k = rng.standard_normal(kshape)
    for stride, dilation in [((1, 1), (1, 1)), ((2, 3), (1, 1)), ((1, 2), (2, 1)), ((3, 3), (2, 2))]:
        opts = dict(padding=padding, boundary=boundary, stride=stride, dilation=dilation)
        if padding == "valid" and any(d * (s - 1) + 1 > n for d, s, n in zip(dilation, kshape, x.shape, strict=True)):
            continue
        got = convolve(x, k, dtype=np.float64, method="direct", **opts)
        np.testing.assert_allclose(got, naive_convolve(x, k, **opts), atol=1e-10)


@pytest.mark.parametrize("kshape", [(3, 3), (5, 4), (7, 7), (2, 9)])
def test_numba_strided_is_unit_stride_subsampled_bit_for_bit(numba_only, rng, kshape):
    x = rng.standard_normal((60, 70)).astype(np.float32)
    k = rng.standard_normal(kshape)
    for boundary in ("reflect", "zero"):
        full = convolve(x, k, boundary=boundary, method="direct")
        for stride in ((3, 2), (2, 5), (1, 3)):
            np.testing.assert_array_equal(convolve(x, k, stride=stride, boundary=boundary, method="direct"),
                                          full[:: stride[0], :: stride[1]])


def test_numba_result_does_not_depend_on_threads(numba_only, rng):
    x = rng.random((300, 2500), dtype=np.float32)
    sig = rng.random(100_000, dtype=np.float32)
    k = rng.random((5, 7))
    results = at_each_thread_count(lambda: (convolve(x, k, method="direct"), convolve(sig, k[0], method="direct")))
    for a, b in zip(results[0], results[-1], strict=True):
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("kshape", [(3, 3), (7, 7)])
def test_every_block_is_computed_once_whichever_thread_takes_it(numba_only, rng, kshape):
    # blocks go to whichever thread is free (kernels/handout.py): none is skipped or computed twice,
    # and each block's NaN/Inf entry belongs to it
    from convcli.conventions import BOUNDARY_CODES
    from convcli.kernels.direct2d import correlate2d

    x = rng.random((400, 300), dtype=np.float32)
    c = rng.random(kshape).astype(np.float32)
    h = kshape[0] // 2
    want = convolve(x, c[::-1, ::-1], boundary="reflect", method="direct")
    for bad_row in (None, 0, 130, 399):
        xb = x.copy()
        if bad_row is not None:
            xb[bad_row, 17] = np.inf
        for _ in range(10):
            out = np.full(x.shape, np.nan, dtype=np.float32)
            counts = np.full(8, -1, dtype=np.int64)
            correlate2d(xb, c, out, -h, -h, 1, 1, 1, 1, BOUNDARY_CODES["reflect"], 1, 8, 1, counts)
            flagged = set(np.flatnonzero(counts).tolist())
            if bad_row is None:
                np.testing.assert_array_equal(out, want)
                assert flagged == set()
            else:
                near = {b for b in range(8) if b * 400 // 8 - h <= bad_row < (b + 1) * 400 // 8 + h}
                assert flagged and flagged <= near


@pytest.fixture
def numpy_only(monkeypatch):
    # the NumPy path for small problems even when an earlier test has loaded the Numba kernel
    monkeypatch.setattr(CONVOLVE_MODULE, "_small_on_numba", lambda *args: False)


def test_small_path_strided_is_subsampled_and_agrees_with_numba(rng, monkeypatch, numpy_only):
    x = rng.standard_normal((40, 33)).astype(np.float32)
    k = rng.standard_normal((5, 4))
    assert smalldirect.is_small(x.shape, k.shape)
    small = convolve(x, k, method="direct")
    np.testing.assert_array_equal(convolve(x, k, stride=(3, 2), method="direct"), small[::3, ::2])
    monkeypatch.setattr(smalldirect, "SMALL_WORK", -1)
    np.testing.assert_array_equal(convolve(x, k, method="direct"), small)


def test_small_path_sums_in_the_kernels_blocks():
    from convcli.kernels import direct2d

    assert smalldirect.BLOCK_UNIT == (direct2d.FAST_ROWS, direct2d.FAST_TAPS)
    assert smalldirect.BLOCK_DILATED == (direct2d.ROWS, direct2d.TAPS)
    assert [direct2d.group(k, most, g) for k in range(1, 30) for most in (3, 5, 7) for g in range(-(-k // most))] == [
        size for k in range(1, 30) for most in (3, 5, 7) for size in smalldirect._groups(k, most)]


@settings(max_examples=150, deadline=None)
@given(st.integers(1, 26), st.integers(1, 26), st.integers(1, 16), st.integers(1, 16),
       st.tuples(st.integers(1, 3), st.integers(1, 3)), st.tuples(st.integers(1, 3), st.integers(1, 3)),
       st.sampled_from(BOUNDARIES), st.sampled_from(["same", "valid", "full"]),
       st.sampled_from(["float32", "float64"]), st.integers(0, 2**32 - 1))
def test_small_path_equals_the_numba_kernel_bit_for_bit(h, w, kh, kw, stride, dilation, boundary, padding, dtype,
                                                         seed):
    # the NumPy path sums every output in the kernel's order (blocks of 7x7 or 3x5 taps, border
    # columns column-major), so a small problem gives the same bits whichever path runs it
    if padding == "valid" and ((kh - 1) * dilation[0] + 1 > h or (kw - 1) * dilation[1] + 1 > w):
        return
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((h, w)).astype(dtype)
    k = rng.standard_normal((kh, kw))
    opts = dict(padding=padding, boundary=boundary, stride=stride, dilation=dilation, dtype=dtype, method="direct")
    assert smalldirect.is_small(x.shape, k.shape)
    with mock.patch.object(CONVOLVE_MODULE, "_small_on_numba", lambda *args: False):
        numpy_path = convolve(x, k, **opts)
    with mock.patch.object(smalldirect, "SMALL_WORK", -1):
        np.testing.assert_array_equal(convolve(x, k, **opts), numpy_path)


def test_small_problems_use_the_kernel_once_it_is_loaded(rng):
    x = rng.standard_normal((200, 300)).astype(np.float32)
    k = rng.standard_normal((5, 5))
    with mock.patch.object(smalldirect, "SMALL_WORK", -1):
        loaded = convolve(x, k, method="direct", boundary="wrap")  # loads the float32 kernel
    with mock.patch.object(smalldirect, "correlate2d", side_effect=AssertionError("the NumPy path ran")):
        np.testing.assert_array_equal(convolve(x, k, method="direct", boundary="wrap"), loaded)
        np.testing.assert_array_equal(convolve(x, k, method="direct", boundary="wrap", stride=2), loaded[::2, ::2])
        tiny = np.ascontiguousarray(x[:5, :6])  # one thread, one block
        got = convolve(tiny, k, method="direct")
    with mock.patch.object(CONVOLVE_MODULE, "_small_on_numba", lambda *args: False):
        np.testing.assert_array_equal(convolve(tiny, k, method="direct"), got)


@settings(max_examples=60, deadline=None)
@given(st.integers(1, 30), st.integers(1, 30), st.integers(1, 5), st.integers(1, 5), st.integers(1, 3),
       st.integers(1, 3), st.integers(1, 2), st.integers(1, 2), st.sampled_from(BOUNDARIES),
       st.sampled_from(["same", "valid", "full"]), st.integers(1, 40), st.integers(0, 2**31 - 1))
def test_small_path_in_bands_matches_naive_and_one_band(h, w, kh, kw, sy, sx, dy, dx, boundary, padding, band, seed):
    # smalldirect works band by band of output rows, and rows longer than a band chunk by chunk of
    # columns; bands of a few samples exercise the band and chunk edges, the rows and columns read
    # across them and the boundary ones, and must give the bits of a single band
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((h, w)).astype(np.float32)
    k = rng.standard_normal((kh, kw))
    opts = dict(padding=padding, boundary=boundary, stride=(sy, sx), dilation=(dy, dx), method="direct")
    if padding == "valid" and (dy * (kh - 1) + 1 > h or dx * (kw - 1) + 1 > w):
        return
    with mock.patch.object(CONVOLVE_MODULE, "_small_on_numba", lambda *args: False):
        whole = convolve(x, k, **opts)
        with mock.patch.object(smalldirect, "BAND", band):
            banded = convolve(x, k, **opts)
    np.testing.assert_array_equal(banded, whole)
    del opts["method"]
    np.testing.assert_allclose(banded, naive_convolve(x, k, **opts), rtol=1e-4, atol=1e-4)


@pytest.mark.parametrize("boundary", ["reflect", "zero", "wrap"])
def test_numba_rows_wider_than_a_column_tile_match_the_numpy_path(rng, monkeypatch, numpy_only, boundary):
    from convcli.kernels.direct2d import TILE

    x = rng.standard_normal((9, TILE + 345))
    for kshape, stride, dilation in [((3, 3), (1, 1), (1, 1)), ((7, 5), (1, 1), (1, 1)), ((3, 4), (2, 3), (1, 2))]:
        k = rng.standard_normal(kshape)
        assert smalldirect.is_small(x.shape, kshape)  # the NumPy path, itself checked against naive
        opts = dict(boundary=boundary, stride=stride, dilation=dilation, dtype=np.float64, method="direct")
        numpy_path = convolve(x, k, **opts)
        with monkeypatch.context() as m:
            m.setattr(smalldirect, "SMALL_WORK", -1)
            got = convolve(x, k, **opts)
        np.testing.assert_array_equal(got, numpy_path)


def test_numba_methods_agree_on_larger_images(numba_only, rng):
    x = rng.random((130, 300), dtype=np.float32)
    for k in (rng.random((6, 9)), np.outer(rng.random(11), rng.random(8)), rng.random((24, 24))):
        want = convolve(x, k, method="direct", dtype=np.float64, boundary="nearest")
        for method in ("direct", "separable", "fft", "auto"):
            np.testing.assert_allclose(convolve(x, k, method=method, boundary="nearest"), want,
                                       rtol=1e-5, atol=1e-4 * np.abs(k).sum())


@pytest.mark.parametrize("boundary", BOUNDARIES)
@pytest.mark.parametrize("padding", ["same", "valid", "full"])
def test_numba_separable_kernel_matches_naive(numba_only, rng, boundary, padding):
    x = rng.standard_normal((41, 37))
    for kshape in [(3, 3), (4, 7), (9, 2)]:
        k = np.outer(rng.standard_normal(kshape[0]), rng.standard_normal(kshape[1]))
        for stride, dilation in [((1, 1), (1, 1)), ((2, 3), (1, 2)), ((3, 1), (2, 1))]:
            opts = dict(padding=padding, boundary=boundary, stride=stride, dilation=dilation)
            got = convolve(x, k, dtype=np.float64, method="separable", **opts)
            np.testing.assert_allclose(got, naive_convolve(x, k, **opts), atol=1e-10)


@pytest.mark.parametrize("kshape", [(3, 3), (5, 5), (7, 4), (8, 6)])
@pytest.mark.parametrize("boundary", BOUNDARIES)
def test_numba_rows_sharing_inputs_match_naive_and_single_rows(numba_only, rng, kshape, boundary):
    # unit column stride with row stride == row dilation runs three output rows per pass (shared
    # input rows); row stride 1 with the same dilation runs one row per pass: same values, same bits
    x = rng.standard_normal((40, 37)).astype(np.float32)
    k = rng.standard_normal(kshape)
    for dy, dx in ((2, 1), (3, 2)):
        opts = dict(boundary=boundary, dilation=(dy, dx), method="direct")
        shared = convolve(x, k, stride=(dy, 1), **opts)
        single = convolve(x, k, **opts)
        np.testing.assert_array_equal(shared, single[::dy])
        want = naive_convolve(x.astype(np.float64), k, boundary=boundary, stride=(dy, 1), dilation=(dy, dx))
        np.testing.assert_allclose(shared, want, rtol=1e-4, atol=1e-4)


@pytest.mark.parametrize("where", [(0, 0), (0, 16), (14, 0), (14, 16), (7, 8), (1, 15)])
@pytest.mark.parametrize("padding", ["same", "valid", "full"])
@pytest.mark.parametrize("kshape", [(3, 3), (1, 5), (6, 4), (7, 7)])
@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_numba_kernel_finds_nonfinite_input_anywhere(numba_only, kshape, padding, where, bad):
    # the kernel's own count of non-finite outputs replaces a pass over the input: every input
    # sample, corners and borders included, must still be found, whatever the kernel's zeros
    from convcli.errors import DataError

    x = np.ones((15, 17), np.float32)
    x[where] = bad
    k = np.zeros(kshape)
    k[0, 0] = 1.0
    for boundary in BOUNDARIES:
        with pytest.raises(DataError, match="NaN or Inf"):
            convolve(x, k, padding=padding, boundary=boundary, method="direct")
    np.testing.assert_array_equal(x[where], bad)  # input unchanged
    for mode in ("conv", "corr"):  # and with nan="zero" as if the sample were 0
        x0 = x.copy()
        x0[where] = 0
        np.testing.assert_array_equal(convolve(x, k, padding=padding, mode=mode, nan="zero", method="direct"),
                                      convolve(x0, k, padding=padding, mode=mode, method="direct"))


def test_numba_kernel_overflow_of_finite_input_is_not_an_input_error(numba_only):
    # finite float32 samples whose sum overflows give Inf outputs, as before, and no error
    x = np.full((20, 20), 3e38, np.float32)
    got = convolve(x, np.ones((3, 3)), method="direct")
    assert np.isinf(got).all()


@pytest.mark.parametrize("stride,dilation", [((2, 2), (1, 1)), ((1, 1), (2, 3)), ((3, 1), (1, 2))])
def test_strided_or_dilated_still_check_every_input_sample(numba_only, stride, dilation):
    # samples the strided/dilated output never reads still make nan="error" fail
    from convcli.errors import DataError

    x = np.ones((15, 17), np.float32)
    x[13, 15] = np.nan
    with pytest.raises(DataError):
        convolve(x, np.ones((3, 3)), padding="valid", stride=stride, dilation=dilation, method="direct")


def test_integer_input_is_not_checked_or_copied_twice(numba_only):
    x = np.arange(15 * 17, dtype=np.uint8).reshape(15, 17)
    np.testing.assert_allclose(convolve(x, np.ones((3, 3)), method="direct"),
                               convolve(x.astype(np.float32), np.ones((3, 3)), method="direct"))


@settings(max_examples=60, deadline=None)
@given(st.integers(1, 24), st.integers(1, 24), st.integers(1, 7), st.integers(1, 7),
       st.sampled_from(BOUNDARIES), st.sampled_from(["same", "valid", "full"]),
       st.tuples(st.integers(1, 3), st.integers(1, 3)), st.tuples(st.integers(1, 3), st.integers(1, 3)),
       st.sampled_from(["conv", "corr"]), st.integers(0, 2**32 - 1))
def test_numba_kernel_random_geometry_matches_naive(h, w, kh, kw, boundary, padding, stride, dilation, mode, seed):
    # interior, transposed border columns and row mapping together, on random shapes (the
    # border-only cases included: kernels wider than the image)
    if padding == "valid" and ((kh - 1) * dilation[0] + 1 > h or (kw - 1) * dilation[1] + 1 > w):
        return
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((h, w))
    k = rng.standard_normal((kh, kw))
    opts = dict(mode=mode, padding=padding, boundary=boundary, stride=stride, dilation=dilation)
    with mock.patch.object(smalldirect, "SMALL_WORK", -1):
        got = convolve(x, k, dtype=np.float64, method="direct", **opts)
        got32 = convolve(x.astype(np.float32), k, method="direct", **opts)
    want = naive_convolve(x, k, **opts)
    np.testing.assert_allclose(got, want, atol=1e-10)
    np.testing.assert_allclose(got32, want, rtol=1e-4, atol=1e-4)


@settings(max_examples=80, deadline=None)
@given(st.integers(1, 30), st.integers(1, 30), st.integers(1, 8), st.integers(1, 8),
       st.sampled_from(BOUNDARIES), st.sampled_from(["same", "valid", "full"]),
       st.sampled_from([np.nan, np.inf, -np.inf]), st.integers(0, 2**32 - 1))
def test_counted_rows_find_any_nonfinite_input(h, w, kh, kw, boundary, padding, bad, seed):
    # the kernels count NaN/Inf only in every kh-th output row, the last row, and every kw-th border
    # column: one bad sample anywhere, on any geometry, must still be found (direct and separable)
    from convcli.errors import DataError

    if padding == "valid" and (kh > h or kw > w):
        return
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((h, w)).astype(np.float32)
    x[rng.integers(h), rng.integers(w)] = bad
    k = rng.standard_normal((kh, kw)) * (rng.random((kh, kw)) < 0.7)  # zeros too
    col, row = rng.standard_normal(kh), rng.standard_normal(kw)
    if seed % 2:  # symmetric factors: the folded passes (two output rows per vertical pass)
        col, row = col + col[::-1], row + row[::-1]
    with mock.patch.object(smalldirect, "SMALL_WORK", -1):
        with pytest.raises(DataError, match="NaN or Inf"):
            convolve(x, k, padding=padding, boundary=boundary, method="direct")
        with pytest.raises(DataError, match="NaN or Inf"):
            convolve(x, np.outer(col, row), padding=padding, boundary=boundary, method="separable")


@settings(max_examples=60, deadline=None)
@given(st.integers(1, 20), st.integers(1, 20), st.integers(1, 4), st.integers(1, 6), st.integers(1, 6),
       st.sampled_from(BOUNDARIES), st.sampled_from(["same", "valid", "full"]),
       st.tuples(st.integers(1, 3), st.integers(1, 2)), st.sampled_from([1, 2, 3]),
       st.sampled_from(["float32", "uint8"]), st.sampled_from(["direct", "separable"]), st.integers(0, 2**32 - 1))
def test_channels_in_one_kernel_call_equal_each_channel_alone(h, w, nch, kh, kw, boundary, padding, dilation,
                                                             row_stride, dtype, method, seed):
    # a channels-last image goes through the direct or separable kernel as (H, W*C) with the taps C
    # apart and the border columns extended pixel by pixel: the same bits as each channel on its own,
    # except for a direct kernel with column dilation 1, where a plane alone gets the bigger blocks
    # of the dilation-1 loops (4 rows x 7 taps, the taps C apart 3 x 5): the same to rounding
    if padding == "valid" and ((kh - 1) * dilation[0] + 1 > h or (kw - 1) * dilation[1] + 1 > w):
        return
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((h, w, nch)).astype(np.float32)
    if dtype == "uint8":
        x = rng.integers(0, 256, (h, w, nch)).astype(np.uint8)
    k = rng.standard_normal((kh, kw))
    if method == "separable":  # rank 1, symmetric factors half the time (the folded passes)
        col, row = rng.standard_normal(kh), rng.standard_normal(kw)
        if seed % 2:
            col, row = col + col[::-1], row + row[::-1]
        k = np.outer(col, row)
    opts = dict(padding=padding, boundary=boundary, dilation=dilation, stride=(row_stride, 1), method=method)
    with mock.patch.object(smalldirect, "SMALL_WORK", -1):
        got = convolve(x, k, **opts)
        # (a separable request for a 1-wide kernel runs the direct kernel)
        exact = (method == "separable" and min(kh, kw) > 1) or nch == 1 or dilation[1] > 1 or (kh <= 3 and kw <= 5)
        for ch in range(nch):
            alone = convolve(np.ascontiguousarray(x[:, :, ch]), k, **opts)
            if exact:
                np.testing.assert_array_equal(got[:, :, ch], alone)
            else:
                scale = np.abs(k).sum() * float(np.abs(x[:, :, ch]).max())
                np.testing.assert_allclose(got[:, :, ch], alone, rtol=0, atol=1e-6 * scale)
        if dtype == "float32" and nch > 1 and row_stride == 1 and dilation == (1, 1):
            bad = x.copy()
            bad[rng.integers(h), rng.integers(w), rng.integers(nch)] = np.nan
            with pytest.raises(DataError, match="NaN or Inf"):
                convolve(bad, k, **opts)


@pytest.mark.parametrize("bad", [np.nan, -np.inf])
def test_small_problems_on_the_kernel_still_find_nonfinite_input(rng, bad):
    # the loaded kernel counts non-finite outputs for small problems too (no separate pass over the
    # input): the remembered call, the general path (explicit dtype) and channels-last, plane by plane
    k = rng.standard_normal((3, 3))
    x = rng.standard_normal((60, 70)).astype(np.float32)
    with mock.patch.object(smalldirect, "SMALL_WORK", -1):
        convolve(x, k, boundary="zero")  # loads the float32 kernel
    rgb = rng.standard_normal((60, 70, 3)).astype(np.float32)
    for image in (x, rgb):
        y = image.copy()
        y[59, 0] = bad
        assert smalldirect.is_small(image.shape[:2], k.shape)
        with mock.patch.object(smalldirect, "correlate2d", side_effect=AssertionError("the NumPy path ran")):
            np.testing.assert_array_equal(convolve(image, k, boundary="zero", dtype=np.float32),
                                          convolve(image, k, boundary="zero"))
            for opts in ({}, {"dtype": np.float32}):
                with pytest.raises(DataError, match="NaN or Inf"):
                    convolve(y, k, boundary="zero", **opts)


def test_small_kernel_calls_run_on_the_calling_thread_alone_and_restore_the_count(rng):
    import numba

    from convcli.threads import ONE_THREAD_WORK, threads_for

    before = numba.get_num_threads()
    with threads_for(ONE_THREAD_WORK - 1):
        assert numba.get_num_threads() == 1
    assert numba.get_num_threads() == before
    with threads_for(ONE_THREAD_WORK):
        assert numba.get_num_threads() == before
    with pytest.raises(RuntimeError), threads_for(10):
        raise RuntimeError
    assert numba.get_num_threads() == before


@settings(max_examples=60, deadline=None)
@given(st.integers(1, 20), st.integers(1, 40), st.integers(1, 8), st.integers(1, 8),
       st.tuples(st.integers(1, 3), st.integers(1, 3)), st.tuples(st.integers(1, 2), st.integers(1, 2)),
       st.sampled_from(BOUNDARIES), st.integers(1, 6), st.integers(1, 4), st.integers(0, 2**32 - 1))
def test_numba_kernel_blocks_never_change_the_result(h, w, kh, kw, stride, dilation, boundary, row_blocks,
                                                     col_blocks, seed):
    # small calls run in one block (convcli.threads.direct_blocks); any split into blocks of rows and
    # columns gives the same bits and finds the same non-finite outputs
    from convcli.conventions import BOUNDARY_CODES, axes_for
    from convcli.kernels.direct2d import correlate2d

    rng = np.random.default_rng(seed)
    x = rng.standard_normal((h, w)).astype(np.float32)
    x[rng.integers(h), rng.integers(w)] = np.nan if seed % 3 == 0 else 0.5
    c = rng.standard_normal((kh, kw)).astype(np.float32)
    ay, ax = axes_for(x.shape, c.shape, stride, dilation, "same")
    results = []
    for rb, cb in ((1, 1), (min(row_blocks, ay.length), min(col_blocks, ax.length))):
        out = np.empty((ay.length, ax.length), np.float32)
        counts = np.empty(rb * cb, np.int64)
        correlate2d(x, c, out, ay.offset, ax.offset, ay.stride, ax.stride, ay.dilation, ax.dilation,
                    BOUNDARY_CODES[boundary], 1, rb, cb, counts)
        results.append((out, bool(counts.sum())))
    np.testing.assert_array_equal(results[0][0], results[1][0])
    if stride == (1, 1) and dilation == (1, 1):
        assert results[0][1] == results[1][1] == (seed % 3 == 0)


def test_one_row_loops_sum_like_the_four_row_loops():
    # kernels of at most ONE_ROW_TAPS taps run one output row at a time: the same bits as the four-row loop
    from convcli.kernels.direct_passes import ONE_ROW_TAPS, block_fast, block_one

    rng = np.random.default_rng(7)
    n, nil = 45, np.int64(0)
    shapes = [(nr, nt) for nr in range(1, 8) for nt in range(1, 8) if nr * nt <= ONE_ROW_TAPS]
    assert (3, 3) in shapes and (1, 7) in shapes and (7, 1) in shapes and len(shapes) == 19
    for nr, nt in shapes:
        c = rng.standard_normal((nr, nt)).astype(np.float32)
        x = rng.standard_normal((10, n + nt - 1)).astype(np.float32)
        zero = np.zeros(x.shape[1], dtype=np.float32)
        four = np.empty((4, n), dtype=np.float32)
        block_fast(*four, *x, c, nil, nil, nr, nt, n)
        # output rows 1..4 of six, row r reading input rows r - 1 .. r + nr - 2 from column 0
        one = np.full((6, n + 2), 7, dtype=np.float32)
        args = (nil + 1, nil + 5, nil + 2, nil + n, nil - 1, nil + 1, nil + 1, nil, nil)
        assert not block_one(one, x, zero, c, nr, nt, *args)
        np.testing.assert_array_equal(one[1:5, 2:], four)
        assert (one[[0, 5]] == 7).all() and (one[:, :2] == 7).all()  # nothing outside rows 1..4, columns 2..
        x[nr + 2, n + nt - 2] = np.inf  # the last input sample the last row reads
        assert block_one(one, x, zero, c, nr, nt, *args)


def test_one_row_loops_extend_rows_by_the_boundary_rule():
    from convcli.kernels.boundary import REFLECT, ZERO, map_index
    from convcli.kernels.direct_passes import block_one

    rng = np.random.default_rng(8)
    x = rng.standard_normal((5, 12)).astype(np.float32)
    zero = np.zeros(12, dtype=np.float32)
    c = rng.standard_normal((3, 3)).astype(np.float32)
    i64 = np.int64
    for mode in (ZERO, REFLECT):
        # stride 2, dilation 2: output row r reads rows 2r - 3, 2r - 1, 2r + 1 from column 1
        out = np.empty((4, 8), dtype=np.float32)
        block_one(out, x, zero, c, 3, 3, i64(0), i64(4), i64(0), i64(8), i64(-3), i64(2), i64(2), i64(1), mode)
        for r in range(4):
            rows = [map_index(2 * r - 3 + 2 * i, 5, mode) for i in range(3)]
            ext = np.stack([x[i] if i >= 0 else zero for i in rows])
            want = sum(c[i, k] * ext[i, 1 + k : 9 + k] for i in range(3) for k in range(3))
            np.testing.assert_allclose(out[r], want, rtol=1e-5, atol=1e-5)


def test_one_row_is_chosen_for_kernels_of_one_block_of_at_most_nine_taps():
    from convcli.kernels.direct2d import one_row

    picked = {s for s in [(1, 1), (3, 3), (1, 7), (7, 1), (2, 4), (4, 2), (3, 4), (1, 9), (9, 1), (5, 5)]
              if one_row(np.ones(s))}
    assert picked == {(1, 1), (3, 3), (1, 7), (7, 1), (2, 4), (4, 2)}


@pytest.mark.parametrize("kshape", [(3, 3), (1, 7), (2, 4), (3, 1), (1, 1), (9, 1), (3, 4)])
@pytest.mark.parametrize("boundary", BOUNDARIES)
def test_one_row_kernels_equal_the_numpy_path_bit_for_bit(rng, kshape, boundary):
    x = rng.standard_normal((37, 41)).astype(np.float32)
    k = rng.standard_normal(kshape)
    for stride, dilation in [((1, 1), (1, 1)), ((2, 3), (1, 1)), ((1, 1), (2, 1)), ((3, 1), (1, 1))]:
        opts = dict(boundary=boundary, stride=stride, dilation=dilation, method="direct")
        with mock.patch.object(CONVOLVE_MODULE, "_small_on_numba", lambda *args: False):
            numpy_path = convolve(x, k, **opts)
        with mock.patch.object(smalldirect, "SMALL_WORK", -1):
            np.testing.assert_array_equal(convolve(x, k, **opts), numpy_path)
