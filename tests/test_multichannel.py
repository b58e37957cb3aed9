import numba
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from convcli import DataError, UsageError, convolve
from tests.naive import naive_multichannel, naive_seed_formula


def test_valid_correlation_is_the_seed_formula(rng):
    v = rng.normal(size=(9, 11, 3))
    k = rng.normal(size=(4, 3, 3, 2))
    got = convolve(v, k, mode="corr", padding="valid", dtype=np.float64)
    np.testing.assert_allclose(got, naive_seed_formula(v, k), rtol=1e-12, atol=1e-12)


def test_conv_flips_the_spatial_axes_only(rng):
    v = rng.normal(size=(10, 8, 2))
    k = rng.normal(size=(3, 2, 3, 4))
    got = convolve(v, k, mode="conv", padding="valid", dtype=np.float64)
    want = naive_seed_formula(v, k[:, :, ::-1, ::-1])
    np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-12)


@given(
    h=st.integers(1, 9), w=st.integers(1, 12), cin=st.integers(1, 3), cout=st.integers(1, 3),
    kh=st.integers(1, 4), kw=st.integers(1, 5), mode=st.sampled_from(["conv", "corr"]),
    padding=st.sampled_from(["same", "valid", "full"]),
    boundary=st.sampled_from(["zero", "reflect", "mirror", "nearest", "wrap"]),
    sy=st.integers(1, 3), sx=st.integers(1, 3), dy=st.integers(1, 2), dx=st.integers(1, 2),
    seed=st.integers(0, 2**16),
)
def test_matches_sums_of_single_channel_references(h, w, cin, cout, kh, kw, mode, padding, boundary,
                                                   sy, sx, dy, dx, seed):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(h, w, cin))
    k = rng.normal(size=(cout, cin, kh, kw))
    opts = dict(mode=mode, padding=padding, boundary=boundary, stride=(sy, sx), dilation=(dy, dx))
    if padding == "valid" and (dy * (kh - 1) + 1 > h or dx * (kw - 1) + 1 > w):
        with pytest.raises(DataError):
            convolve(x, k, **opts)
        return
    got = convolve(x, k, dtype=np.float64, **opts)
    want = naive_multichannel(x, k, **opts)
    assert got.shape == want.shape
    np.testing.assert_allclose(got, want, rtol=1e-10, atol=1e-10)


@pytest.mark.parametrize("groups", [1, 2, 4])
def test_groups_equal_slicing_by_hand(rng, groups):
    x = rng.normal(size=(20, 17, 8)).astype(np.float32)
    k = rng.normal(size=(12, 8 // groups, 3, 3))
    got = convolve(x, k, groups=groups, boundary="wrap", stride=2)
    cpg, opg = 8 // groups, 12 // groups
    parts = [convolve(x[:, :, g * cpg:(g + 1) * cpg], k[g * opg:(g + 1) * opg], boundary="wrap", stride=2)
             for g in range(groups)]
    np.testing.assert_array_equal(got, np.concatenate(parts, axis=2))
    np.testing.assert_allclose(got, naive_multichannel(x, k, groups=groups, boundary="wrap", stride=2),
                               rtol=1e-4, atol=1e-4)


def test_depthwise_groups_equal_per_channel_2d_convolution(rng):
    x = rng.normal(size=(30, 25, 3)).astype(np.float32)
    k2 = rng.normal(size=(5, 5))
    k4 = np.stack([k2] * 3)[:, None]  # K[3, 1, 5, 5], groups=3: each channel alone
    np.testing.assert_allclose(convolve(x, k4, groups=3), convolve(x, k2), rtol=1e-5, atol=1e-5)


def test_a_single_channel_image_and_kernel_larger_than_the_image(rng):
    x = rng.normal(size=(4, 5))
    k = rng.normal(size=(2, 1, 9, 11))
    for boundary in ("reflect", "mirror", "wrap", "nearest", "zero"):
        got = convolve(x, k, boundary=boundary, dtype=np.float64)
        want = np.stack([convolve(x, k[i, 0], boundary=boundary, dtype=np.float64) for i in range(2)], axis=-1)
        np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-12)


def test_strided_output_is_the_unit_stride_output_subsampled(rng):
    x = rng.random((41, 37, 4), dtype=np.float32)
    k = rng.normal(size=(5, 4, 3, 3))
    full = convolve(x, k)
    np.testing.assert_array_equal(convolve(x, k, stride=(2, 3)), full[::2, ::3])


def test_results_do_not_depend_on_threads(rng, monkeypatch):
    monkeypatch.setattr("convcli.multichannel._SERIAL_BELOW", 0)  # the parallel kernels even when small
    x = rng.random((67, 129, 6), dtype=np.float32)
    k = rng.normal(size=(8, 3, 3, 3))
    threads = numba.get_num_threads()
    try:
        numba.set_num_threads(1)
        one = convolve(x, k, groups=2), convolve(x, k, groups=2, stride=2)
        numba.set_num_threads(max(threads, 2))
        many = convolve(x, k, groups=2), convolve(x, k, groups=2, stride=2)
    finally:
        numba.set_num_threads(threads)
    for a, b in zip(one, many, strict=True):
        np.testing.assert_array_equal(a, b)


def test_matches_torch_conv2d_when_installed(rng):
    torch = pytest.importorskip("torch")
    x = rng.random((33, 40, 6), dtype=np.float32)
    k = rng.normal(size=(4, 3, 3, 5)).astype(np.float32)
    tx = torch.from_numpy(np.ascontiguousarray(np.moveaxis(x, 2, 0))[None])
    want = torch.nn.functional.conv2d(tx, torch.from_numpy(k), stride=2, padding=(1, 2), groups=2)[0].numpy()
    got = convolve(x, k, mode="corr", boundary="zero", stride=2, groups=2)
    np.testing.assert_allclose(got, np.moveaxis(want, 0, 2), rtol=1e-4, atol=1e-4)


def test_errors(rng):
    x = rng.normal(size=(8, 8, 4))
    with pytest.raises(UsageError):
        convolve(x, np.ones((3, 3)), groups=2)
    with pytest.raises(UsageError):
        convolve(x, np.ones((3, 2, 3, 3)), groups=2)  # 3 output channels, 2 groups
    with pytest.raises(UsageError):
        convolve(x, np.ones((4, 2, 3, 3)), groups=0)
    with pytest.raises(DataError):
        convolve(x, np.ones((4, 3, 3, 3)))  # needs 3 input channels
    with pytest.raises(DataError):
        convolve(x, np.ones((4, 4, 3, 3)), groups=2)  # needs 8
    with pytest.raises(UsageError):
        convolve(np.ones(10), np.ones((1, 1, 3, 3)))


def test_parallel_and_serial_kernels_agree(rng, monkeypatch):
    x = rng.normal(size=(23, 31, 4))
    k = rng.normal(size=(6, 2, 3, 4))
    cases = [dict(groups=2), dict(groups=2, stride=(2, 3), padding="full", boundary="mirror"),
             dict(groups=1, mode="corr", padding="valid", dilation=2)]
    kernels = [k, k, rng.normal(size=(3, 4, 2, 2))]
    serial = [convolve(x, kk, dtype=np.float64, **case) for kk, case in zip(kernels, cases, strict=True)]
    monkeypatch.setattr("convcli.multichannel._SERIAL_BELOW", 0)
    for kk, case, want in zip(kernels, cases, serial, strict=True):
        np.testing.assert_array_equal(convolve(x, kk, dtype=np.float64, **case), want)
        np.testing.assert_allclose(want, naive_multichannel(x, kk, **case), rtol=1e-10, atol=1e-10)
