import json
import os

import numpy as np
import pytest
from scipy import ndimage

from convcli import DataError, UsageError, check_equivariance
from tests.clihelp import run, run_process

CAMERA = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "samples", "camera.png")
SOBEL = np.array([[1.0, 0, -1], [2, 0, -2], [1, 0, -1]])


@pytest.mark.parametrize("boundary", ["wrap", "reflect", "zero", "nearest"])
def test_translation_error_is_rounding_level(rng, boundary):
    x = rng.random((40, 50))
    rep = check_equivariance(x, rng.normal(size=(4, 3)), shift=(-3, 7), boundary=boundary)
    assert rep["translation"]["error"] < 1e-13
    assert rep["translation"]["compared"].startswith("whole" if boundary == "wrap" else "interior")


def test_rotation_and_scale_errors_on_known_cases(rng):
    x = rng.random((48, 48))
    rep = check_equivariance(x, SOBEL, boundary="wrap")
    # rot90(conv(x, S)) = conv(rot90(x), rot90(S)): the error is the difference of the two kernels' responses
    r = np.rot90(x)
    a = ndimage.convolve(r, SOBEL, mode="wrap")
    b = ndimage.convolve(r, np.rot90(SOBEL), mode="wrap")
    assert rep["rotation90"]["error"] == pytest.approx(np.linalg.norm(a - b) / np.linalg.norm(b), rel=1e-9)
    assert rep["rotation90"]["error"] > 0.5
    assert rep["scale2"]["error"] > 0.1
    symmetric = check_equivariance(x, [[0, 1, 0], [1, -4, 1], [0, 1, 0]], boundary="wrap")
    assert symmetric["rotation90"]["error"] < 1e-13
    assert symmetric["scale2"]["error"] > 0.1
    delta = check_equivariance(x, [[0, 0, 0], [0, 2, 0], [0, 0, 0]], boundary="reflect")
    assert delta["scale2"]["error"] < 1e-15 and delta["rotation90"]["error"] < 1e-15


def test_pooling_invariance_of_an_impulse():
    x = np.zeros((21, 25))
    x[10, 12] = 1.0
    rep = check_equivariance(x, [[1.0]], boundary="wrap", pool_size=3, pool_stride=1)["pooling"]
    # unpooled: the impulse leaves one sample and lands on another; pooled: a 3x3 block moves by one
    assert rep["unpooled_change"] == pytest.approx(np.sqrt(2))
    assert rep["pooled_change"] == pytest.approx(np.sqrt(6) / 3)
    assert rep["unpooled_changed_fraction"] == pytest.approx(2 / (21 * 25))
    assert rep["pooled_changed_fraction"] == pytest.approx(6 / (19 * 23))


def test_check_errors(rng):
    with pytest.raises(UsageError):
        check_equivariance(np.ones((9, 9)), SOBEL, boundary="edge")
    with pytest.raises(UsageError):
        check_equivariance(np.ones((9, 9)), SOBEL, shift=(1, 2, 3))
    with pytest.raises(DataError):
        check_equivariance(np.ones((9, 9)), SOBEL, shift=(3, 3))


def test_cli_check_table_and_json():
    res = run("check", CAMERA, "--kernel", "sobel-x", "--shift", "3,5")
    assert res.exit_code == 0, res.output
    for text in ("translation (3, 5)", "rotation 90 degrees", "scaling 2x", "max 3x3/1"):
        assert text in res.stdout
    res = run("check", CAMERA, "-k", "sobel-x", "--shift", "3,5", "--boundary", "wrap", "--json")
    assert res.exit_code == 0, res.output
    doc = json.loads(res.stdout)["files"][0]
    assert doc["translation"]["error"] < 1e-12
    assert doc["rotation90"]["error"] > 0.5
    assert doc["pooling"]["pooled_changed_fraction"] < doc["pooling"]["unpooled_changed_fraction"]


def test_cli_check_errors(tmp_path):
    assert run("check", CAMERA, "-k", "sobel-x", "--shift", "a,b").exit_code == 2
    assert run("check", CAMERA).exit_code == 2
    assert run("check", CAMERA, "-k", "nope").exit_code == 2
    res = run("check", str(tmp_path / "missing.png"), "-k", "box:3")
    assert res.exit_code == 1 and "no such file" in res.stderr
    res = run("check", CAMERA, "-k", "box:3", "--shift", "300,0")
    assert res.exit_code == 1 and "too small" in res.stderr


def test_cli_check_subprocess():
    res = run_process("check", CAMERA, "-k", "laplacian", "--json")
    assert res.returncode == 0, res.stderr
    assert json.loads(res.stdout)["files"][0]["rotation90"]["error"] < 1e-6
