import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from scipy import ndimage

from convcli import UsageError, edges
from convcli.edges import direction_color

BOUNDARIES = {"reflect": "reflect", "mirror": "mirror", "nearest": "nearest", "wrap": "wrap", "zero": "constant"}


@pytest.mark.parametrize("boundary", list(BOUNDARIES))
@pytest.mark.parametrize("op", ["sobel", "prewitt"])
def test_gradients_match_scipy(rng, op, boundary):
    x = rng.random((31, 27)) * 255
    fn = getattr(ndimage, op)
    mode = BOUNDARIES[boundary]
    # scipy's sobel/prewitt along axis 1 is the right-minus-left difference (positive where x grows)
    gx = fn(x, axis=1, mode=mode)
    gy = fn(x, axis=0, mode=mode)
    kw = dict(op=op, boundary=boundary, dtype=np.float64)
    np.testing.assert_allclose(edges(x, output="x", **kw), gx, atol=1e-9)
    np.testing.assert_allclose(edges(x, output="y", **kw), gy, atol=1e-9)
    np.testing.assert_allclose(edges(x, **kw), np.hypot(gx, gy), atol=1e-9)


def _naive_gradient(x, smooth):
    """Right-minus-left and down-minus-up differences smoothed across, with the reflect boundary."""
    p = np.pad(x, 1, mode="symmetric")
    h, w = x.shape
    gx = np.zeros((h, w))
    gy = np.zeros((h, w))
    for i in range(h):
        for j in range(w):
            for t in range(3):
                gx[i, j] += smooth[t] * (p[i + t, j + 2] - p[i + t, j])
                gy[i, j] += smooth[t] * (p[i + 2, j + t] - p[i, j + t])
    return gx, gy


def test_scharr_matches_naive(rng):
    x = rng.random((12, 15)) * 255
    gx, gy = _naive_gradient(x, (3.0, 10.0, 3.0))
    np.testing.assert_allclose(edges(x, op="scharr", output="x", dtype=np.float64), gx, atol=1e-9)
    np.testing.assert_allclose(edges(x, op="scharr", output="y", dtype=np.float64), gy, atol=1e-9)


def test_diff_is_pixel_minus_right_neighbour(rng):
    x = rng.random((9, 11)) * 255
    dx = edges(x, op="diff", output="x", dtype=np.float64)
    dy = edges(x, op="diff", output="y", dtype=np.float64)
    np.testing.assert_allclose(dx[:, :-1], x[:, :-1] - x[:, 1:], atol=1e-12)
    np.testing.assert_allclose(dy[:-1], x[:-1] - x[1:], atol=1e-12)
    assert not dx[:, -1].any() and not dy[-1].any()  # reflect repeats the edge sample
    np.testing.assert_allclose(edges(x, op="diff", dtype=np.float64), np.hypot(dx, dy))


def test_laplacian_magnitude(rng):
    x = rng.random((14, 13)) * 255
    want = np.abs(ndimage.laplace(x, mode="reflect"))
    np.testing.assert_allclose(edges(x, op="laplacian", dtype=np.float64), want, atol=1e-9)
    with pytest.raises(UsageError):
        edges(x, op="laplacian", output="x")


@pytest.mark.parametrize("op", ["sobel", "prewitt", "scharr", "diff"])
@pytest.mark.parametrize("angle", [0, 30, 90, 135, -60, 180])
def test_direction_points_where_intensity_grows(op, angle):
    # a ramp growing along (cos a, sin a), y downward
    y, x = np.mgrid[0:21, 0:21].astype(float)
    a = np.radians(angle)
    ramp = 3.0 * (x * np.cos(a) + y * np.sin(a))
    d = edges(ramp, op=op, output="direction", dtype=np.float64)[5:-5, 5:-5]
    # every operator's differences are exact on a ramp (diff's sign is undone for the direction)
    err = (d - angle + 180) % 360 - 180
    assert np.abs(err).max() < 1e-6
    assert d.min() > -180 and d.max() <= 180


def test_per_channel_and_gray(rng):
    x = rng.random((10, 12, 3)) * 255
    per = edges(x, dtype=np.float64)
    assert per.shape == (10, 12, 3)
    for c in range(3):
        np.testing.assert_allclose(per[..., c], edges(x[..., c], dtype=np.float64))
    luma = x @ np.array([0.299, 0.587, 0.114])
    np.testing.assert_allclose(edges(x, gray=True, dtype=np.float64), edges(luma, dtype=np.float64), atol=1e-9)


def test_color_hue_and_brightness():
    mag = np.array([[0.0, 1.0, 2.0, 2.0, 2.0, 2.0]])
    direction = np.array([[0.0, 0.0, 0.0, 120.0, -120.0, 60.0]])
    rgb = direction_color(mag, direction)
    np.testing.assert_allclose(rgb[0], [[0, 0, 0], [0.5, 0, 0], [1, 0, 0], [0, 1, 0], [0, 0, 1], [1, 1, 0]])
    out = edges(np.random.default_rng(1).random((8, 8, 3)), output="color")
    assert out.shape == (8, 8, 3) and out.min() >= 0 and out.max() <= 1


@pytest.mark.parametrize("kwargs", [dict(op="canny"), dict(output="angle"), dict(boundary="edge")])
def test_bad_options(kwargs):
    with pytest.raises(UsageError):
        edges(np.zeros((4, 4)), **kwargs)


def test_diff_boundaries():
    x = np.arange(12.0).reshape(3, 4) ** 2
    np.testing.assert_allclose(edges(x, op="diff", output="x", boundary="zero", dtype=np.float64)[:, -1], x[:, -1])
    np.testing.assert_allclose(edges(x, op="diff", output="x", boundary="wrap", dtype=np.float64)[:, -1],
                               x[:, -1] - x[:, 0])
    np.testing.assert_allclose(edges(x, op="diff", output="y", boundary="mirror", dtype=np.float64)[-1],
                               x[-1] - x[-2])


@given(arrays(np.float64, st.tuples(st.integers(2, 9), st.integers(2, 9)), elements=st.floats(0, 255)),
       st.floats(-100, 100), st.sampled_from(["sobel", "prewitt", "scharr", "diff"]))
def test_properties_offset_invariance_and_negation(x, c, op):
    kw = dict(op=op, dtype=np.float64)
    mag = edges(x, **kw)
    np.testing.assert_allclose(edges(x + c, **kw), mag, atol=1e-8)
    np.testing.assert_allclose(edges(-x, output="x", **kw), -edges(x, output="x", **kw), atol=1e-9)
    d, dn = edges(x, output="direction", **kw), edges(-x, output="direction", **kw)
    strong = mag > 1e-6
    turn = np.mod(dn - d, 360.0)[strong]
    assert np.all(np.abs(turn - 180.0) < 1e-6)
