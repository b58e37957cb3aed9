import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from convcli import UsageError, gabor_bank, gabor_filter, gabor_kernel, load_image
from convcli.conventions import axes_for
from convcli.fftconv import fft_correlate_pairs
from convcli.gabor import SIGMA_PER_WAVELENGTH, to_luma
from convcli.kernelspec import parse_kernel
from tests.naive import naive_convolve, naive_correlate_same, naive_gabor

BOUNDARIES = ["zero", "reflect", "mirror", "nearest", "wrap"]


# --- the kernel --------------------------------------------------------------------------------


@pytest.mark.parametrize("theta,frequency,sigma,gamma,phase,size", [
    (0, 0.1, 4, 1, 0, 25), (30, 0.2, 2.5, 0.5, 90, 17), (-47.5, 0.05, 6, 1.7, 33, 31), (90, 0.3, 1, 1, 180, 8),
])
def test_kernel_matches_the_formula(theta, frequency, sigma, gamma, phase, size):
    got = gabor_kernel(theta=theta, frequency=frequency, sigma=sigma, gamma=gamma, phase=phase, size=size)
    c = (size - 1) / 2
    want = naive_gabor(size, alpha=1.0, beta_x=1 / (2 * sigma**2), beta_y=gamma**2 / (2 * sigma**2),
                       f=2 * math.pi * frequency, phi=math.radians(phase), tau=math.radians(theta), x0=c, y0=c)
    np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-14)


def test_raw_parameters_match_the_formula():
    raw = dict(alpha=2.5, beta_x=0.02, beta_y=0.05, f=0.7, phi=0.4, tau=1.1, x0=6.5, y0=8.0)
    got = gabor_kernel(size=15, **raw)
    np.testing.assert_allclose(got, naive_gabor(15, **raw), rtol=1e-12, atol=1e-14)


def test_orientation_convention_x_right_y_down():
    # theta 0: the carrier varies along x (columns): constant down the centre column's neighbours
    k0 = gabor_kernel(theta=0, frequency=0.25, sigma=3, gamma=0.01, size=13)
    np.testing.assert_allclose(k0[:, 6], k0[6, 6] * np.exp(-(0.01**2) * (np.arange(13) - 6.0) ** 2 / 18), rtol=1e-9)
    # theta 90: x' = y (down), so the odd kernel cos(f y + 90) = -sin(f y) is negative below the centre
    odd = gabor_kernel(theta=90, frequency=0.1, sigma=3, phase=90, size=13)
    assert odd[7, 6] < 0 < odd[5, 6]
    assert abs(odd[6, 7]) < 1e-12


def test_default_size_is_fixed_across_theta_and_covers_3_sigma():
    for sigma, gamma in [(4, 1), (2.5, 0.5), (3, 2), (1.1, 1)]:
        sizes = {gabor_kernel(theta=t, frequency=0.1, sigma=sigma, gamma=gamma).shape for t in range(0, 360, 15)}
        assert len(sizes) == 1
        (n, m), = sizes
        assert n == m == 2 * math.ceil(3 * max(sigma, sigma / gamma)) + 1
    # the default sigma: a one-octave bandwidth, as scikit-image's
    f = 0.125
    assert gabor_kernel(frequency=f).shape[0] == 2 * math.ceil(3 * SIGMA_PER_WAVELENGTH / f) + 1
    assert SIGMA_PER_WAVELENGTH == pytest.approx(1 / math.pi * math.sqrt(math.log(2) / 2) * 3)


@pytest.mark.parametrize("theta", [0, 22.5, 45, 100, 200])
def test_odd_kernel_negates_at_theta_plus_180_and_even_is_unchanged(theta):
    kw = dict(frequency=0.15, sigma=3, gamma=0.7)
    np.testing.assert_allclose(gabor_kernel(theta=theta + 180, phase=90, **kw),
                               -gabor_kernel(theta=theta, phase=90, **kw), atol=1e-12)
    np.testing.assert_allclose(gabor_kernel(theta=theta + 180, **kw), gabor_kernel(theta=theta, **kw), atol=1e-12)


@pytest.mark.parametrize("kwargs", [
    dict(theta=1, tau=1), dict(frequency=0.1, f=1), dict(sigma=2, beta_x=0.1), dict(gamma=1, beta_y=0.1),
    dict(phase=0, phi=0), dict(sigma=0), dict(sigma=-1), dict(gamma=0), dict(frequency=-0.1),
    dict(frequency=0), dict(size=0), dict(size=2.5), dict(theta=float("nan")), dict(size=10**6),
])
def test_bad_parameters_are_usage_errors(kwargs):
    with pytest.raises(UsageError):
        gabor_kernel(**kwargs)


# --- the built-in SPEC -------------------------------------------------------------------------


def test_gabor_spec_builds_the_kernel():
    np.testing.assert_array_equal(parse_kernel("gabor:theta=45,frequency=0.1,sigma=4"),
                                  gabor_kernel(theta=45, frequency=0.1, sigma=4))
    np.testing.assert_array_equal(parse_kernel("gabor"), gabor_kernel())
    np.testing.assert_array_equal(parse_kernel("gabor:tau=0.5,f=0.6,beta_x=0.05,size=9"),
                                  gabor_kernel(tau=0.5, f=0.6, beta_x=0.05, size=9))


@pytest.mark.parametrize("spec", ["gabor:theta=1,tau=1", "gabor:sigma=0", "gabor:bogus=1", "gabor:size=2.5"])
def test_bad_gabor_specs(spec):
    with pytest.raises(UsageError):
        parse_kernel(spec)


def test_filter_conv_mode_negates_the_odd_response(rng):
    from convcli import convolve

    x = rng.standard_normal((30, 30))
    odd = gabor_kernel(theta=30, frequency=0.2, sigma=2, phase=90)
    even = gabor_kernel(theta=30, frequency=0.2, sigma=2)
    corr_odd = convolve(x, odd, mode="corr", dtype=np.float64)
    np.testing.assert_allclose(convolve(x, odd, dtype=np.float64), -corr_odd, atol=1e-9)
    np.testing.assert_allclose(convolve(x, even, dtype=np.float64), convolve(x, even, mode="corr", dtype=np.float64),
                               atol=1e-9)


# --- OpenCV and scikit-image -------------------------------------------------------------------


@pytest.mark.parametrize("theta", [0, 30, 100, 200])
@pytest.mark.parametrize("psi", [0.0, 0.7, -math.pi / 2])
def test_opencv_mapping(theta, psi):
    cv2 = pytest.importorskip("cv2")
    sigma, lambd, gamma, n = 3.0, 8.0, 0.6, 21
    want = cv2.getGaborKernel((n, n), sigma, math.radians(theta), lambd, gamma, psi, ktype=cv2.CV_64F)
    got = gabor_kernel(theta=theta, frequency=1 / lambd, sigma=sigma, gamma=gamma, phase=-math.degrees(psi), size=n)
    np.testing.assert_allclose(got, want, atol=1e-12)


def test_opencv_filter2d_response_is_our_correlation(rng):
    cv2 = pytest.importorskip("cv2")
    x = rng.random((60, 50)).astype(np.float32) * 255
    bank = gabor_bank(4, [0.15], gamma=0.5)
    res = gabor_filter(x, bank, keep=("even", "odd"))
    for i in range(len(bank)):
        n = int(bank.sizes[i])
        args = ((n, n), bank.sigmas[i], math.radians(bank.thetas[i]), 1 / 0.15, 0.5)
        even = cv2.filter2D(x, -1, cv2.getGaborKernel(*args, 0.0, ktype=cv2.CV_32F), borderType=cv2.BORDER_REFLECT)
        odd = cv2.filter2D(x, -1, cv2.getGaborKernel(*args, -math.pi / 2, ktype=cv2.CV_32F),
                           borderType=cv2.BORDER_REFLECT)
        np.testing.assert_allclose(res.even[i], even, atol=2e-2, rtol=1e-4)
        np.testing.assert_allclose(res.odd[i], odd, atol=2e-2, rtol=1e-4)


@pytest.mark.parametrize("theta", [0, 30, 100])
def test_skimage_kernel_mapping(theta):
    skf = pytest.importorskip("skimage.filters")
    fx, sx, sy, off = 0.1, 3.0, 5.0, 0.3
    g = skf.gabor_kernel(fx, theta=math.radians(theta), sigma_x=sx, sigma_y=sy, offset=off)
    h, w = g.shape
    common = dict(theta=theta, frequency=fx, sigma=sx, gamma=sx / sy, size=41, alpha=1 / (2 * math.pi * sx * sy))
    m = 20
    crop = (slice(m - h // 2, m + h // 2 + 1), slice(m - w // 2, m + w // 2 + 1))
    np.testing.assert_allclose(gabor_kernel(phase=math.degrees(off), **common)[crop], g.real, atol=1e-15)
    np.testing.assert_allclose(gabor_kernel(phase=math.degrees(off) + 90, **common)[crop], -g.imag, atol=1e-15)


def test_skimage_bandwidth_default_sigma():
    skf = pytest.importorskip("skimage.filters")
    g = skf.gabor_kernel(0.2, theta=0)  # bandwidth=1
    sigma = SIGMA_PER_WAVELENGTH / 0.2
    n = g.shape[0]
    ours = gabor_kernel(frequency=0.2, theta=0, alpha=1 / (2 * math.pi * sigma**2), size=n)
    np.testing.assert_allclose(ours, g.real, atol=1e-14)


@pytest.mark.parametrize("theta", [0, 90])
def test_skimage_filters_gabor_is_our_even_odd_pair(rng, theta):
    skf = pytest.importorskip("skimage.filters")
    x = rng.random((48, 40))
    f, sigma = 0.2, 2.0
    real, imag = skf.gabor(x, f, theta=math.radians(theta), sigma_x=sigma, sigma_y=sigma, mode="reflect")
    n = 2 * math.ceil(3 * sigma) + 1  # scikit-image's size at theta 0 and 90 (ours at every theta)
    bank = gabor_bank([theta], [f], sigma=sigma, size=n)
    res = gabor_filter(x, bank, keep=("even", "odd"), dtype=np.float64)
    scale = 2 * math.pi * sigma * sigma
    np.testing.assert_allclose(res.even[0] / scale, real, atol=1e-12)
    np.testing.assert_allclose(res.odd[0] / scale, imag, atol=1e-12)


# --- banks -------------------------------------------------------------------------------------


@pytest.mark.parametrize("method,gamma,orientations", [
    ("separable", 1.0, 4), ("fft", 1.0, 4), ("fft", 0.6, 4), ("auto", 0.6, 4), ("separable", 0.6, [0, 90, 180, 270]),
])
@pytest.mark.parametrize("boundary", BOUNDARIES)
def test_bank_matches_naive_correlation(rng, method, gamma, orientations, boundary):
    x = rng.standard_normal((19, 23))
    bank = gabor_bank(orientations, [0.12, 0.3], gamma=gamma, phase=25)
    res = gabor_filter(x, bank, boundary=boundary, method=method, keep=("even", "odd"), dtype=np.float64)
    assert res.energy.shape == (8, 19, 23)
    for i in range(len(bank)):
        t, fr = bank.thetas[i], bank.frequencies[i]
        even = naive_correlate_same(x, gabor_kernel(theta=t, frequency=fr, gamma=gamma, phase=25), boundary)
        odd = naive_correlate_same(x, gabor_kernel(theta=t, frequency=fr, gamma=gamma, phase=115), boundary)
        np.testing.assert_allclose(res.even[i], even, atol=1e-9)
        np.testing.assert_allclose(res.odd[i], odd, atol=1e-9)
        np.testing.assert_allclose(res.energy[i], np.sqrt(even**2 + odd**2), atol=1e-9)


@given(st.integers(1, 6), st.floats(0.03, 0.45), st.floats(0.8, 4.0), st.floats(-180, 180), st.booleans(),
       st.sampled_from(BOUNDARIES))
def test_separable_equals_fft(n_orient, freq, sigma, phase, zero_mean, boundary):
    x = np.random.default_rng(7).standard_normal((21, 17))
    bank = gabor_bank(n_orient, [freq], sigma=sigma, phase=phase)
    a = gabor_filter(x, bank, method="separable", zero_mean=zero_mean, boundary=boundary, keep=("even", "odd"),
                     dtype=np.float64)
    b = gabor_filter(x, bank, method="fft", zero_mean=zero_mean, boundary=boundary, keep=("even", "odd"),
                     dtype=np.float64)
    for name in ("even", "odd", "energy"):
        np.testing.assert_allclose(getattr(a, name), getattr(b, name), atol=1e-8)


def test_zero_mean_removes_the_dc_response():
    bank = gabor_bank(4, [0.05, 0.2])
    flat = np.full((40, 40), 100.0)
    assert gabor_filter(flat, bank, zero_mean=True, dtype=np.float64).energy.max() < 1e-8
    assert gabor_filter(flat, bank, dtype=np.float64).energy.max() > 1.0


def test_float32_close_to_float64(rng):
    x = rng.random((64, 64)) * 255
    bank = gabor_bank(3, [0.1, 0.25])
    e32 = gabor_filter(x, bank).energy
    e64 = gabor_filter(x, bank, dtype=np.float64).energy
    assert e32.dtype == np.float32
    np.testing.assert_allclose(e32, e64, rtol=1e-4, atol=1e-3 * e64.max())


def test_results_do_not_depend_on_thread_count(rng):
    import numba

    x = rng.random((70, 65)).astype(np.float32)
    bank = gabor_bank(4, [0.1, 0.3])
    before = numba.get_num_threads()
    try:
        numba.set_num_threads(1)
        one = [gabor_filter(x, bank, method=m).energy for m in ("separable", "fft")]
        numba.set_num_threads(numba.config.NUMBA_NUM_THREADS)
        many = [gabor_filter(x, bank, method=m).energy for m in ("separable", "fft")]
    finally:
        numba.set_num_threads(before)
    for a, b in zip(one, many, strict=True):
        assert a.tobytes() == b.tobytes()


def test_per_channel_and_gray(rng):
    x = rng.random((24, 20, 3)) * 255
    bank = gabor_bank(2, [0.2])
    res = gabor_filter(x, bank, dtype=np.float64)
    assert res.energy.shape == (2, 24, 20, 3)
    for c in range(3):
        np.testing.assert_allclose(res.energy[..., c], gabor_filter(x[..., c], bank, dtype=np.float64).energy)
    gray = gabor_filter(x, bank, gray=True, dtype=np.float64)
    luma = 0.299 * x[..., 0] + 0.587 * x[..., 1] + 0.114 * x[..., 2]
    np.testing.assert_allclose(gray.energy, gabor_filter(luma, bank, dtype=np.float64).energy, atol=1e-9)
    np.testing.assert_allclose(to_luma(np.dstack([x, x[..., :1]])), luma)  # alpha ignored
    assert res.features()["mean"].shape == (2, 3)


def test_fft_pairs_match_naive_with_stride_and_dilation(rng):
    x = rng.standard_normal((20, 18))
    first = rng.standard_normal((3, 3, 4))
    second = rng.standard_normal((3, 3, 4))
    axes = axes_for(x.shape, (3, 4), (2, 1), (1, 2), "full")
    got = {}
    fft_correlate_pairs(x, first, second, axes, "mirror", lambda i, re, im: got.__setitem__(i, (re.copy(), im.copy())))
    for i in range(3):
        for part, k in ((0, first[i]), (1, second[i])):
            want = naive_convolve(x, k, mode="corr", padding="full", boundary="mirror", stride=(2, 1), dilation=(1, 2))
            np.testing.assert_allclose(got[i][part], want, atol=1e-9)


def test_separable_refuses_rotated_anisotropic_envelopes():
    with pytest.raises(UsageError):
        gabor_filter(np.zeros((8, 8)), gabor_bank(4, [0.2], gamma=0.5), method="separable")


def test_bank_layout_and_kernels():
    bank = gabor_bank(4, [0.1, 0.2], sigma=[3, 2])
    assert bank.thetas.tolist() == [0, 45, 90, 135] * 2
    assert bank.frequencies.tolist() == [0.1] * 4 + [0.2] * 4
    assert bank.sizes.tolist() == [19] * 4 + [13] * 4
    ev = bank.kernels("even")
    assert ev.shape == (8, 19, 19)
    np.testing.assert_array_equal(ev[5, 3:16, 3:16], gabor_kernel(theta=45, frequency=0.2, sigma=2))
    assert not ev[5, :3].any()
    assert bank.labels()[5] == "theta45_freq0.2"
    with pytest.raises(UsageError):
        gabor_bank(4, [0.1, 0.2], sigma=[1, 2, 3])
    with pytest.raises(UsageError):
        gabor_bank(0, [0.1])
    with pytest.raises(UsageError):
        gabor_bank(4, [0.0])


# --- what the bank is for ----------------------------------------------------------------------


def _grating(theta_deg, freq, n=128):
    y, x = np.mgrid[0:n, 0:n].astype(float)
    t = math.radians(theta_deg)
    return np.cos(2 * math.pi * freq * (x * math.cos(t) + y * math.sin(t)))


@pytest.mark.parametrize("theta,freq", [(45, 0.1), (112.5, 0.2), (0, 0.05), (157.5, 0.4)])
def test_grating_energy_peaks_at_its_frequency_and_orientation(theta, freq):
    bank = gabor_bank(8, [0.05, 0.1, 0.2, 0.4])
    res = gabor_filter(_grating(theta, freq), bank, dtype=np.float64)
    inner = res.energy[:, 40:-40, 40:-40].mean(axis=(1, 2))
    best = int(np.argmax(inner))
    assert (bank.thetas[best], bank.frequencies[best]) == (theta, freq)
    best_e, arg = res.max_over_orientations()
    fi = [0.05, 0.1, 0.2, 0.4].index(freq)
    assert np.all(arg[fi, 40:-40, 40:-40] == theta)
    np.testing.assert_array_equal(best_e[fi], res.energy[8 * fi : 8 * fi + 8].max(axis=0))


def test_energy_is_shift_insensitive_unlike_the_even_response():
    bank = gabor_bank([0], [0.1])
    a = gabor_filter(_grating(0, 0.1), bank, keep=("even",), dtype=np.float64)
    inner = (slice(None), slice(40, -40), slice(40, -40))
    assert a.energy[inner].std() < 0.01 * a.energy[inner].mean()
    assert a.even[inner].std() > 0.5 * a.energy[inner].mean()


def test_texture_features_separate_brick_from_grass(samples_dir):
    import os

    brick = load_image(os.path.join(samples_dir, "brick.png"))
    grass = load_image(os.path.join(samples_dir, "grass.png"))
    bank = gabor_bank(6, [0.05, 0.1, 0.2, 0.3])

    def features(img):
        f = gabor_filter(img, bank, gray=True, zero_mean=True).features()
        return np.log(np.concatenate([f["mean"], f["std"]]))

    h, w = brick.shape[:2]
    a, b = features(brick[: h // 2, : w // 2]), features(brick[h // 2 :, w // 2 :])
    g1, g2 = features(grass[: h // 2, : w // 2]), features(grass[h // 2 :, w // 2 :])
    same = np.linalg.norm(a - b)
    assert same < np.linalg.norm(a - g1) and same < np.linalg.norm(b - g2)
    assert np.linalg.norm(g1 - g2) < np.linalg.norm(g1 - a)


def test_auto_sends_large_isotropic_kernels_to_fft():
    from convcli.gabor import SEPARABLE_MAX_SIZE, _plan

    bank = gabor_bank(2, [0.01, 0.2])
    assert bank.sizes[0] > SEPARABLE_MAX_SIZE >= bank.sizes[2]
    assert _plan(bank, "auto") == ([2, 3], [0, 1])
    assert _plan(gabor_bank(4, [0.2], gamma=0.5), "auto") == ([0, 2], [1, 3])  # axis-aligned: separable
    x = np.random.default_rng(3).standard_normal((40, 36))
    auto = gabor_filter(x, bank, keep=("even", "odd"), dtype=np.float64)
    for method in ("fft", "separable"):
        other = gabor_filter(x, bank, keep=("even", "odd"), dtype=np.float64, method=method)
        for name in ("even", "odd", "energy"):
            np.testing.assert_allclose(getattr(auto, name), getattr(other, name), atol=1e-8)
