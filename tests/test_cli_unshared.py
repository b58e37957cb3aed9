"""`convcli local` and `convcli tiled` from the shell."""

import json

import numpy as np
import pytest
from PIL import Image

from convcli import convolve
from tests.clihelp import run, run_process
from tests.naive import naive_locally_connected, naive_tiled


@pytest.fixture
def gray(tmp_path, rng):
    arr = rng.integers(0, 256, (21, 26), dtype=np.uint8)
    path = tmp_path / "gray.png"
    Image.fromarray(arr).save(path)
    return path, arr.astype(np.float64)


@pytest.fixture
def rgb(tmp_path, rng):
    arr = rng.integers(0, 256, (17, 19, 3), dtype=np.uint8)
    path = tmp_path / "rgb.png"
    Image.fromarray(arr, "RGB").save(path)
    return path, arr.astype(np.float64)


@pytest.mark.parametrize("cmd", ["local", "tiled"])
@pytest.mark.parametrize("spec,kernel", [("sobel-x", [[1, 0, -1], [2, 0, -2], [1, 0, -1]]),
                                         ("2x3:1,2,3,4,5,6", [[1, 2], [3, 4], [5, 6]])])
def test_from_kernel_equals_filter_valid(tmp_path, gray, cmd, spec, kernel):
    path, arr = gray
    out = tmp_path / "out.npy"
    extra = ["--tile", "3"] if cmd == "tiled" else []
    res = run(cmd, str(path), "--init", f"from-kernel:{spec}", *extra, "--depth", "float", "-o", str(out))
    assert res.exit_code == 0, res.output
    want = convolve(arr, np.array(kernel, float), padding="valid", dtype=np.float64)
    np.testing.assert_allclose(np.load(out), want, rtol=1e-5, atol=1e-3)


@pytest.mark.parametrize("cmd,ref", [("local", naive_locally_connected), ("tiled", naive_tiled)])
def test_random_weights_are_saved_and_reused(tmp_path, rgb, cmd, ref):
    path, arr = rgb
    wfile = tmp_path / "w.npy"
    out1 = tmp_path / "a.npy"
    res = run(cmd, str(path), "--init", "random", "--size", "3,2", "--out-channels", "2", "--stride", "2",
              "--save-weights", str(wfile), "--depth", "float", "-o", str(out1), "--json")
    assert res.exit_code == 0, res.output
    w = np.load(wfile)
    doc = json.loads(res.stdout)["files"][0]
    assert doc["weights_shape"] == list(w.shape) and doc["parameters"] == w.size
    if cmd == "local":
        assert w.shape == (2, 8, 9, 3, 3, 2)
    else:
        assert w.shape == (2, 3, 3, 2, 2, 2)
    want = ref(arr, w.astype(np.float64), stride=(2, 2))
    np.testing.assert_allclose(np.load(out1), want, rtol=1e-5, atol=1e-3)
    out2 = tmp_path / "b.npy"
    flag = "--weights" if cmd == "local" else "--kernels"
    res = run(cmd, str(path), flag, str(wfile), "--stride", "2", "--depth", "float", "-o", str(out2))
    assert res.exit_code == 0, res.output
    np.testing.assert_array_equal(np.load(out1), np.load(out2))


def test_save_weights_alone_writes_no_image(tmp_path, gray):
    path, _ = gray
    wfile = tmp_path / "w.npy"
    res = run("local", str(path), "--init", "random", "--save-weights", str(wfile))
    assert res.exit_code == 0, res.output
    assert np.load(wfile).shape == (1, 19, 24, 1, 3, 3)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["gray.png", "w.npy"]


def test_image_output_and_alpha(tmp_path, rng):
    arr = rng.integers(0, 256, (12, 14, 4), dtype=np.uint8)
    src = tmp_path / "rgba.png"
    Image.fromarray(arr, "RGBA").save(src)
    out = tmp_path / "o.png"
    res = run("tiled", str(src), "--init", "from-kernel:box:3", "--tile", "1", "-o", str(out))
    assert res.exit_code == 0, res.output
    got = np.asarray(Image.open(out))
    assert got.shape == (10, 12, 4)
    np.testing.assert_array_equal(got[:, :, 3], arr[1:-1, 1:-1, 3])
    box = convolve(arr[:, :, :3].astype(float), np.ones((3, 3)) / 9, padding="valid", dtype=np.float64)
    assert np.abs(got[:, :, :3] - np.clip(np.rint(box), 0, 255)).max() <= 1


def test_errors(tmp_path, gray, rgb):
    path, _ = gray
    out = str(tmp_path / "o.png")
    assert run("local", str(path), "-o", out).exit_code == 2
    assert run("local", str(path), "--init", "random", "--weights", "w.npy", "-o", out).exit_code == 2
    assert run("tiled", str(path), "--init", "from-kernel:", "-o", out).exit_code == 2
    assert run("tiled", str(path), "--init", "from-kernel:nonsense", "-o", out).exit_code == 2
    assert run("local", str(path), "--init", "random", "--save-weights", "w.txt").exit_code == 2
    assert run("local", str(path), str(rgb[0]), "--init", "random", "--save-weights",
               str(tmp_path / "w.npy"), "--out-dir", str(tmp_path / "d")).exit_code == 2
    bad = tmp_path / "bad.npy"
    np.save(bad, np.ones((3, 3)))
    res = run("local", str(path), "--weights", str(bad), "-o", out)
    assert res.exit_code == 1 and "6-D" in res.stderr
    wrong = tmp_path / "wrong.npy"
    np.save(wrong, np.ones((1, 5, 5, 1, 3, 3)))
    res = run("local", str(path), "--weights", str(wrong), "-o", out)
    assert res.exit_code == 1 and "expected (1, 19, 24, 1, 3, 3)" in res.stderr


def test_help_and_subprocess(tmp_path, gray):
    for cmd in ("local", "tiled", "learn"):
        res = run(cmd, "--help")
        assert res.exit_code == 0 and "Examples" in res.stdout
    path, arr = gray
    out = tmp_path / "o.npy"
    proc = run_process("tiled", str(path), "--init", "from-kernel:identity", "--tile", "1", "--depth", "float",
                       "-o", str(out))
    assert proc.returncode == 0, proc.stderr
    np.testing.assert_allclose(np.load(out), arr[1:-1, 1:-1])  # identity is 3x3: the valid part
