"""The algorithms (direct, separable, FFT, auto) agree with each other and with the naive reference."""

import json

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from convcli import DataError, UsageError, convolve
from convcli.methods import FFT_MIN_TAPS, plan, select_method, separable_factors
from tests.clihelp import run
from tests.naive import naive_convolve

BOUNDARIES = ["zero", "reflect", "mirror", "nearest", "wrap"]
PADDINGS = ["same", "valid", "full"]
METHODS = ["direct", "separable", "fft", "auto"]


def _tolerance(x, k, dtype):
    # float rounding of a sum of |k|.size products, scaled by the largest term
    eps = np.finfo(dtype).eps
    return 64 * eps * (1 + np.abs(x).max()) * (1 + np.abs(k).sum())


@pytest.mark.parametrize("method", ["separable", "fft", "auto"])
@pytest.mark.parametrize("boundary", BOUNDARIES)
@pytest.mark.parametrize("padding", PADDINGS)
@pytest.mark.parametrize("kshape", [(3, 3), (4, 2), (1, 5), (6, 1), (5, 7)])
def test_methods_match_naive(rng, method, boundary, padding, kshape):
    x = rng.standard_normal((19, 23))
    k = rng.standard_normal(kshape)
    for st_, dl in [((1, 1), (1, 1)), ((2, 3), (1, 2))]:
        opts = dict(padding=padding, boundary=boundary, stride=st_, dilation=dl)
        got = convolve(x, k, method=method, dtype=np.float64, **opts)
        np.testing.assert_allclose(got, naive_convolve(x, k, **opts), atol=1e-9)


@pytest.mark.parametrize("rank", [1, 2])
def test_separable_terms_are_exact_for_low_rank_kernels(rng, rank):
    k = sum(np.outer(rng.standard_normal(5), rng.standard_normal(4)) for _ in range(rank))
    cols, rows = separable_factors(k, np.float64)
    assert len(cols) == rank
    np.testing.assert_allclose(sum(np.outer(c, r) for c, r in zip(cols, rows, strict=True)), k, atol=1e-12)


def test_auto_choices():
    rng = np.random.default_rng(1)
    assert select_method(np.ones((3, 3))) == "direct"  # one pass is cheaper than two
    assert select_method(np.ones((9, 9))) == "separable"
    g = np.exp(-np.arange(-6, 7) ** 2 / 8.0)
    assert select_method(np.outer(g, g)) == "separable"
    low = np.outer(rng.random(15), rng.random(15)) + np.outer(rng.random(15), rng.random(15))
    assert plan(low.astype(np.float32)).method == "separable" and len(plan(low.astype(np.float32)).cols) == 2
    assert select_method(rng.random((5, 5))) == "direct"
    n = int(np.ceil(np.sqrt(FFT_MIN_TAPS)))
    assert select_method(rng.random((n, n))) == "fft"
    assert select_method(rng.random((5, 5)), method="fft") == "fft"
    assert select_method(rng.random((5, 5)), method="separable") == "separable"
    assert select_method(np.ones((1, 5)), method="separable") == "direct"  # 1-D: already one pass
    with pytest.raises(UsageError):
        select_method(np.ones((3, 3)), method="winograd")
    with pytest.raises(UsageError):
        convolve(np.ones((4, 4)), np.ones((3, 3)), method="winograd")


def test_float32_methods_agree_to_rounding(rng):
    x = rng.random((64, 80), dtype=np.float32) * 255
    for k in (rng.random((7, 5)), rng.random((18, 18)), np.outer(rng.random(9), rng.random(11))):
        want = convolve(x, k, method="direct", dtype=np.float64)
        for method in METHODS:
            got = convolve(x, k, method=method)
            assert got.dtype == np.float32
            np.testing.assert_allclose(got, want, atol=_tolerance(x, k, np.float32))


def test_multichannel_and_1d_methods(rng):
    img = rng.standard_normal((20, 17, 3))
    k = np.outer(rng.standard_normal(4), rng.standard_normal(3))
    want = convolve(img, k, method="direct", dtype=np.float64, boundary="mirror")
    for method in METHODS:
        np.testing.assert_allclose(convolve(img, k, method=method, dtype=np.float64, boundary="mirror"),
                                   want, atol=1e-9)
    sig = rng.standard_normal((300, 2))
    k1 = rng.standard_normal(40)
    want = convolve(sig, k1, method="direct", dtype=np.float64, padding="full", stride=3)
    for method in METHODS:
        np.testing.assert_allclose(convolve(sig, k1, method=method, dtype=np.float64, padding="full", stride=3),
                                   want, atol=1e-9)


def test_methods_keep_the_errors(rng):
    for method in METHODS:
        with pytest.raises(DataError):
            convolve(np.ones((3, 3)), np.ones((5, 5)), padding="valid", method=method)


images = arrays(np.float64, st.tuples(st.integers(1, 14), st.integers(1, 14)),
                elements=st.floats(-100, 100, allow_nan=False, width=32))
kernels = arrays(np.float64, st.tuples(st.integers(1, 6), st.integers(1, 6)),
                 elements=st.floats(-4, 4, allow_nan=False, width=32))


@given(images, kernels, st.sampled_from(BOUNDARIES), st.sampled_from(PADDINGS), st.integers(1, 3),
       st.integers(1, 2), st.sampled_from(["conv", "corr"]), st.sampled_from(["separable", "fft", "auto"]))
def test_random_geometry_methods_agree(x, k, boundary, padding, stride, dilation, mode, method):
    opts = dict(boundary=boundary, padding=padding, stride=stride, dilation=dilation, mode=mode)
    ke = [dilation * (s - 1) + 1 for s in k.shape]
    if padding == "valid" and any(e > n for e, n in zip(ke, x.shape, strict=True)):
        with pytest.raises(DataError):
            convolve(x, k, method=method, **opts)
        return
    want = convolve(x, k, method="direct", dtype=np.float64, **opts)
    np.testing.assert_allclose(convolve(x, k, method=method, dtype=np.float64, **opts), want,
                               atol=_tolerance(x, k, np.float64))


@given(images, st.tuples(st.integers(1, 5), st.integers(1, 5)), st.sampled_from(BOUNDARIES))
def test_random_rank1_kernels_separable_float32(x, kshape, boundary):
    rng = np.random.default_rng(kshape[0] * 7 + kshape[1])
    k = np.outer(rng.standard_normal(kshape[0]), rng.standard_normal(kshape[1]))
    want = convolve(x, k, boundary=boundary, method="direct", dtype=np.float64)
    got = convolve(x, k, boundary=boundary, method="separable")
    np.testing.assert_allclose(got, want, atol=_tolerance(x, k, np.float32))


@pytest.mark.parametrize("method,kernel,expected", [
    ("auto", "box:9", "separable"), ("auto", "3x3:1,2,1,0,5,0,-1,2,-1", "direct"),
    ("fft", "box:3", "fft"), ("direct", "gaussian:sigma=3", "direct"),
])
def test_report_names_the_method_used(tmp_path, samples_dir, method, kernel, expected):
    out = tmp_path / "o.png"
    res = run("filter", f"{samples_dir}/camera.png", "--kernel", kernel, "--method", method, "-o", str(out),
              "--json", "-q")
    assert res.exit_code == 0, res.output
    assert json.loads(res.stdout)["files"][0]["method"] == expected


def test_bad_method_is_a_usage_error(tmp_path, samples_dir):
    res = run("filter", f"{samples_dir}/camera.png", "--kernel", "box:3", "--method", "magic",
              "-o", str(tmp_path / "o.png"))
    assert res.exit_code == 2
