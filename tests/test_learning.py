"""Learning a kernel: gradient descent reaches the least-squares kernel."""

import numpy as np
import pytest

from convcli import convolve
from convcli.errors import UsageError
from convcli.gradients import correlate_valid
from convcli.learning import learn_kernel, valid_target

SOBEL_X = np.array([[1.0, 0, -1], [2, 0, -2], [1, 0, -1]])


def _lstsq_reference(x, t, kh, kw):
    """Least squares from an explicitly built patch matrix (numpy.linalg.lstsq), shared 2-D kernel."""
    x3 = x if x.ndim == 3 else x[:, :, None]
    t3 = t if t.ndim == 3 else t[:, :, None]
    rows, b = [], []
    for c in range(x3.shape[2]):
        for j in range(t3.shape[0]):
            for k in range(t3.shape[1]):
                rows.append(x3[j : j + kh, k : k + kw, c].ravel())
                b.append(t3[j, k, c])
    return np.linalg.lstsq(np.array(rows), np.array(b), rcond=None)[0].reshape(kh, kw)


@pytest.mark.parametrize("solver", ["gd", "momentum", "cg"])
def test_gradient_descent_reaches_the_least_squares_kernel(solver, rng):
    x = rng.normal(size=(40, 36))
    noise = 0.3 * rng.normal(size=(38, 34))
    t = correlate_valid(x, SOBEL_X, dtype=np.float64) + noise  # no exact solution: the minimum is lstsq's
    want = _lstsq_reference(x, t, 3, 3)
    res = learn_kernel(x, t, 3, solver=solver, steps=400)
    np.testing.assert_allclose(res.kernel, want, atol=1e-6)
    assert len(res.losses) == res.steps + 1
    assert res.losses[-1] <= res.losses[0]
    assert res.losses[-1] == pytest.approx(np.mean((correlate_valid(x, want, dtype=np.float64) - t) ** 2), rel=1e-6)
    lst = learn_kernel(x, t, 3, solver="lstsq")
    np.testing.assert_allclose(lst.kernel, want, atol=1e-9)


def test_lstsq_shared_kernel_over_channels(rng):
    x = rng.normal(size=(20, 22, 3))
    k = rng.normal(size=(2, 4))
    t = correlate_valid(x, k, dtype=np.float64) + 0.1 * rng.normal(size=(19, 19, 3))
    res = learn_kernel(x, t, (2, 4), solver="lstsq")
    np.testing.assert_allclose(res.kernel, _lstsq_reference(x, t, 2, 4), atol=1e-9)


@pytest.mark.parametrize("solver", ["lstsq", "cg", "momentum"])
def test_multichannel_kernel_is_recovered(solver, rng):
    x = rng.normal(size=(24, 25, 3))
    k4 = rng.normal(size=(2, 3, 3, 3))
    t = correlate_valid(x, k4, dtype=np.float64)
    res = learn_kernel(x, t, 3, channels=True, solver=solver, steps=600)
    np.testing.assert_allclose(res.kernel, k4, atol=1e-5)
    assert res.relative_error < 1e-5


def test_sobel_from_the_camera_edge_map(samples_dir):
    from convcli.io.images import load_image

    x = load_image(f"{samples_dir}/camera.png").astype(np.float64)[:160, :200]
    gx = convolve(x, SOBEL_X, dtype=np.float64)  # same size, reflect boundary: learn crops the border
    res = learn_kernel(x, gx, 3, solver="lstsq")
    np.testing.assert_allclose(np.flip(res.kernel), SOBEL_X, atol=1e-8)
    cg = learn_kernel(x, gx, 3, solver="cg", steps=50)
    np.testing.assert_allclose(np.flip(cg.kernel), SOBEL_X, atol=1e-6)


def test_valid_target_crops_same_sized_targets(rng):
    x = rng.normal(size=(15, 17))
    for kh, kw in [(3, 3), (4, 2), (2, 5)]:
        k = rng.normal(size=(kh, kw))
        same = convolve(x, k, mode="corr", dtype=np.float64)
        valid = convolve(x, k, mode="corr", padding="valid", dtype=np.float64)
        np.testing.assert_allclose(valid_target(x.shape, same, (kh, kw)), valid, atol=1e-12)


def test_errors(rng):
    x = rng.normal(size=(10, 10))
    with pytest.raises(UsageError, match="target is"):
        learn_kernel(x, np.ones((7, 7)), 3)
    with pytest.raises(UsageError, match="--channels"):
        learn_kernel(x, np.ones((8, 8, 3)), 3)
    with pytest.raises(UsageError, match="solver"):
        learn_kernel(x, np.ones((8, 8)), 3, solver="adam")
    with pytest.raises(UsageError, match="learning rate"):
        learn_kernel(x, np.ones((8, 8)), 3, lr=-1)


def test_too_large_a_step_is_reported(rng):
    from convcli.errors import DataError

    x = rng.normal(size=(20, 20))
    t = correlate_valid(x, SOBEL_X, dtype=np.float64)
    with pytest.raises(DataError, match="diverged"):
        learn_kernel(x, t, 3, solver="gd", lr=50.0, steps=200)


def test_callback_sees_the_reported_losses(rng):
    x = 100 * rng.normal(size=(20, 20))
    t = correlate_valid(x, SOBEL_X, dtype=np.float64)
    seen = []
    res = learn_kernel(x, t, 3, steps=7, callback=lambda step, loss: seen.append((step, loss)))
    assert [s for s, _ in seen] == list(range(1, 8))
    np.testing.assert_allclose([v for _, v in seen], res.losses[:-1], rtol=1e-12)


def test_kernel_larger_than_the_input(rng):
    from convcli.errors import DataError

    with pytest.raises(DataError, match="larger than the input"):
        learn_kernel(rng.normal(size=(4, 9)), np.ones((4, 9)), 5)
