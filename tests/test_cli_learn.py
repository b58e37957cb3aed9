"""`convcli learn`: the learned kernel, used by `filter`, reproduces the target."""

import json

import numpy as np
import pytest
from PIL import Image

from convcli import convolve
from convcli.cli.sparkline import BARS, sparkline
from tests.clihelp import run, run_process

SOBEL_X = np.array([[1.0, 0, -1], [2, 0, -2], [1, 0, -1]])


@pytest.fixture
def pair(tmp_path, samples_dir):
    """A crop of the camera photo and its sobel-x edge map written by `filter` (raw float .npy)."""
    img = np.asarray(Image.open(f"{samples_dir}/camera.png"))[100:196, 150:270]
    src = tmp_path / "cam.png"
    Image.fromarray(img).save(src)
    tgt = tmp_path / "gx.npy"
    res = run("filter", str(src), "-k", "sobel-x", "--depth", "float", "-o", str(tgt))
    assert res.exit_code == 0, res.output
    return src, tgt, img.astype(np.float64)


@pytest.mark.parametrize("solver", ["lstsq", "cg"])
def test_learn_recovers_sobel_and_filter_reproduces_the_target(tmp_path, pair, solver):
    src, tgt, img = pair
    out = tmp_path / "learned.npy"
    res = run("learn", str(src), str(tgt), "--size", "3", "--solver", solver, "-o", str(out), "--json")
    assert res.exit_code == 0, res.output
    doc = json.loads(res.stdout)
    kernel = np.load(out)
    np.testing.assert_allclose(kernel, SOBEL_X, atol=1e-4)  # saved for filter's default conv mode
    assert doc["mode"] == "conv" and doc["relative_error"] < 1e-5 and doc["kernel_shape"] == [3, 3]
    again = tmp_path / "again.npy"
    assert run("filter", str(src), "-k", str(out), "--padding", "valid", "--depth", "float",
               "-o", str(again)).exit_code == 0
    want = convolve(img, SOBEL_X, padding="valid", dtype=np.float64)
    np.testing.assert_allclose(np.load(again), want, atol=1e-2)


def test_learn_corr_mode_saves_the_correlation_kernel(tmp_path, pair):
    src, tgt, _ = pair
    out = tmp_path / "k.txt"
    res = run("learn", str(src), str(tgt), "--size", "3", "--solver", "lstsq", "--mode", "corr", "-o", str(out))
    assert res.exit_code == 0, res.output
    np.testing.assert_allclose(np.loadtxt(out), np.flip(SOBEL_X), atol=1e-4)


def test_learn_gradient_descent_reports_losses(tmp_path, pair):
    src, tgt, _ = pair
    res = run("learn", str(src), str(tgt), "--size", "3", "--steps", "40", "--json")
    assert res.exit_code == 0, res.output
    doc = json.loads(res.stdout)
    losses = doc["losses"]
    assert doc["solver"] == "momentum" and doc["steps"] == 40 and len(losses) == 41
    assert losses[-1] < 0.5 * losses[0]
    assert losses[-1] == pytest.approx(doc["rms_error"] ** 2, rel=1e-9)
    assert len(doc["loss_sparkline"]) == 41 and set(doc["loss_sparkline"]) <= set(BARS)
    table = run("learn", str(src), str(tgt), "--size", "3", "--steps", "40")
    assert table.exit_code == 0 and "final error" in table.stdout and "loss" in table.stdout


def test_learn_usage_errors(tmp_path, pair):
    src, tgt, _ = pair
    res = run("learn", str(src), str(tgt), "--size", "3", "-o", str(tmp_path / "k.png"))
    assert res.exit_code == 2 and "npy" in res.stderr
    res = run("learn", str(src), str(tgt), "--size", "0")
    assert res.exit_code == 2
    res = run("learn", str(src), str(tgt), "--size", "3", "--channels", "-o", str(tmp_path / "k.txt"))
    assert res.exit_code == 2
    res = run("learn", str(src), str(tmp_path / "missing.npy"), "--size", "3")
    assert res.exit_code == 1 and res.stderr.startswith("convcli: error:")
    wrong = tmp_path / "wrong.npy"
    np.save(wrong, np.zeros((10, 10)))
    res = run("learn", str(src), str(wrong), "--size", "3")
    assert res.exit_code == 2 and "target is" in res.stderr


def test_learn_channels_subprocess(tmp_path, rng):
    x = rng.normal(size=(30, 28, 2))
    k4 = rng.normal(size=(3, 2, 2, 3))
    from convcli.gradients import correlate_valid

    np.save(tmp_path / "x.npy", x)
    np.save(tmp_path / "t.npy", correlate_valid(x, k4, dtype=np.float64))
    out = tmp_path / "k4.npy"
    proc = run_process("learn", str(tmp_path / "x.npy"), str(tmp_path / "t.npy"), "--size", "2,3", "--channels",
                       "--solver", "cg", "--mode", "corr", "-o", str(out), "-q")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == b"" and proc.stderr == b""
    np.testing.assert_allclose(np.load(out), k4, atol=1e-5)


def test_sparkline():
    assert sparkline([]) == ""
    assert sparkline([1.0, 2.0, 3.0]) == BARS[0] + BARS[4] + BARS[-1]
    assert sparkline([5.0] * 4) == BARS[0] * 4
    line = sparkline([10.0**-i for i in range(200)], width=50)
    assert len(line) == 50 and line[0] == BARS[-1] and line[-1] == BARS[0]
    assert list(line) == sorted(line, reverse=True)


def test_compare_reports_the_distance_to_least_squares(pair):
    src, tgt, _ = pair
    res = run("learn", str(src), str(tgt), "--size", "3", "--solver", "gd", "--steps", "5", "--compare", "--json")
    assert res.exit_code == 0, res.output
    doc = json.loads(res.stdout)
    learned = np.flip(np.array(doc["kernel"]))  # back to correlation form
    assert doc["lstsq"]["relative_error"] < 1e-5
    assert doc["lstsq"]["kernel_max_difference"] == pytest.approx(np.abs(learned - np.flip(SOBEL_X)).max(), abs=1e-6)
    assert doc["relative_error"] > doc["lstsq"]["relative_error"]
