"""The synthetic samples (phantom volume, colour video) and `convcli sample`."""

import json

import numpy as np
import pytest
from scipy import ndimage

from convcli import UsageError, convolve
from convcli.builtin_kernels import lookup
from convcli.io.stacks import read_stack
from convcli.phantom import shepp_logan_3d, synthetic_video
from tests.clihelp import run, run_process


def _at(vol, x, y, z):
    """The voxel nearest to phantom coordinates (x right, y up, z along planes), all in [-1, 1]."""
    n = vol.shape[0]
    idx = [int(round((v + 1) / 2 * (n - 1))) for v in (z, -y, x)]
    return float(vol[tuple(idx)])


def test_phantom_intensities_follow_the_ellipsoid_table():
    v = shepp_logan_3d(65)
    assert v.shape == (65, 65, 65) and v.dtype == np.float32
    assert v.min() == 0.0 and v.max() == pytest.approx(1.0)
    # skull 1.0, brain 1 - 0.8, ventricle 1 - 0.8 - 0.2, small feature 1 - 0.8 + 0.1, air 0
    assert _at(v, 0, 0.9, 0) == pytest.approx(1.0)
    assert _at(v, 0, 0, 0) == pytest.approx(0.2)
    assert _at(v, 0.22, 0, 0) == pytest.approx(0.0, abs=1e-6)
    assert _at(v, -0.22, 0, 0) == pytest.approx(0.0, abs=1e-6)
    assert _at(v, 0, 0.1, 0.25) == pytest.approx(0.3)
    assert _at(v, 0.95, 0.95, 0.95) == 0.0
    # the ventricle at x = -0.22 (a = 0.16, b = 0.41) is larger than the one at x = +0.22 (0.11, 0.31)
    dark = v[32, 16:49, 16:49] == 0  # |x|, |y| <= 0.5 in the central plane: inside the brain, zero = ventricle
    left, right = dark[:, :16].sum(), dark[:, 17:].sum()
    assert left > right > 0


def test_phantom_noise_is_seeded():
    a = shepp_logan_3d(16, noise=0.1, seed=3)
    b = shepp_logan_3d(16, noise=0.1, seed=3)
    np.testing.assert_array_equal(a, b)
    diff = a - shepp_logan_3d(16)
    assert 0.08 < diff.std() < 0.12
    with pytest.raises(UsageError):
        shepp_logan_3d(4)


def test_gaussian3d_on_the_phantom_matches_scipy_gaussian_filter():
    v = shepp_logan_3d(40, noise=0.05)
    k = lookup("gaussian3d").build({"sigma": 1.5})  # size 2*ceil(4.5)+1 = 11: truncate = 5/1.5
    got = convolve(v, k, boundary="reflect")
    want = ndimage.gaussian_filter(v.astype(np.float64), 1.5, mode="reflect", truncate=5 / 1.5)
    np.testing.assert_allclose(got, want, atol=2e-6)


def test_synthetic_video():
    clip = synthetic_video(6, 24, 32)
    assert clip.shape == (6, 24, 32, 3) and clip.dtype == np.uint8
    assert all(not np.array_equal(clip[i], clip[i + 1]) for i in range(5))
    np.testing.assert_array_equal(clip, synthetic_video(6, 24, 32))


def test_sample_phantom_command(tmp_path):
    out = str(tmp_path / "phantom.tif")
    r = run("sample", "phantom", "--size", "24", "-o", out, "--json")
    assert r.exit_code == 0, r.output
    report = json.loads(r.stdout)
    assert report["shape"] == [24, 24, 24] and report["format"] == "tif"
    s = read_stack(out)
    assert s.frames.shape == (24, 24, 24) and s.frames.dtype == np.uint8
    np.testing.assert_array_equal(s.frames, np.rint(shepp_logan_3d(24).astype(np.float64) * 255).astype(np.uint8))
    r = run("sample", "phantom", "--size", "24", "-o", out)
    assert r.exit_code == 1 and "--force" in r.output
    r = run("sample", "phantom", "--size", "3", "-o", out)
    assert r.exit_code == 2


def test_sample_video_command_and_a_real_process(tmp_path):
    out = str(tmp_path / "clip.gif")
    p = run_process("sample", "video", "--frames", "5", "--size", "40x30", "--duration", "50", "-o", out, "-q")
    assert p.returncode == 0, p.stderr
    assert p.stderr == b""
    s = read_stack(out)
    assert s.frames.shape == (5, 30, 40, 3) and s.durations == [50.0] * 5
    r = run("sample", "video", "--size", "40", "-o", str(tmp_path / "x.gif"))
    assert r.exit_code == 2 and "WIDTHxHEIGHT" in r.output
    assert run("sample", "-h").exit_code == 0
