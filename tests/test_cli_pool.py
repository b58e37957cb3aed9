import json
import os

import numpy as np
from PIL import Image

from tests.clihelp import run, run_process
from tests.naive import naive_multichannel, naive_pool

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CAMERA = os.path.join(ROOT, "samples", "camera.png")


def _camera():
    return np.asarray(Image.open(CAMERA), dtype=np.float64)


def test_pool_max_2x2_halves_the_image(tmp_path):
    out = tmp_path / "half.png"
    res = run("pool", CAMERA, "--op", "max", "--size", "2", "-o", str(out))
    assert res.exit_code == 0, res.output
    cam = _camera()
    want = cam.reshape(256, 2, 256, 2).max(axis=(1, 3))
    np.testing.assert_array_equal(np.asarray(Image.open(out), dtype=np.float64), want)


def test_pool_avg_same_and_json_report(tmp_path):
    out = tmp_path / "avg.npy"
    res = run("pool", CAMERA, "--op", "avg", "--size", "3", "--stride", "2", "--padding", "same", "-o", str(out),
              "--json")
    assert res.exit_code == 0, res.output
    doc = json.loads(res.stdout)
    assert doc["ok"] == 1 and doc["files"][0]["output_shape"] == [256, 256]
    assert doc["files"][0]["size"] == [3] and doc["files"][0]["stride"] == [2]
    cam = _camera()
    want = naive_pool(cam[:40, :40], op="avg", size=3, stride=2, padding="same")
    np.testing.assert_allclose(np.load(out)[:19, :19], want[:19, :19], rtol=1e-5)


def test_pool_across_channels_of_an_npy_stack(tmp_path, rng):
    x = rng.normal(size=(10, 12, 8)).astype(np.float32)
    src, out = tmp_path / "x.npy", tmp_path / "y.npy"
    np.save(src, x)
    res = run("pool", str(src), "--across-channels", "4", "-o", str(out))
    assert res.exit_code == 0, res.output
    np.testing.assert_array_equal(np.load(out), x.reshape(10, 12, 2, 4).max(axis=-1))
    out2 = tmp_path / "y2.npy"
    res = run("pool", str(src), "--op", "l2", "--across-channels", "2", "--size", "2", "-o", str(out2))
    assert res.exit_code == 0, res.output
    l2 = np.sqrt((x.astype(np.float64).reshape(10, 12, 4, 2) ** 2).sum(axis=-1))
    np.testing.assert_allclose(np.load(out2), naive_pool(l2, op="l2", size=2), rtol=1e-5)


def test_pool_rgba_alpha_is_pooled_alongside(tmp_path, rng):
    arr = rng.integers(0, 256, (8, 10, 4), dtype=np.uint8)
    src, out = tmp_path / "rgba.png", tmp_path / "out.png"
    Image.fromarray(arr, "RGBA").save(src)
    assert run("pool", str(src), "--size", "2", "-o", str(out)).exit_code == 0
    got = np.asarray(Image.open(out))
    np.testing.assert_array_equal(got, arr.reshape(4, 2, 5, 2, 4).max(axis=(1, 3)))


def test_pool_usage_errors_exit_2_and_missing_files_exit_1(tmp_path):
    for args in (["--size", "0"], ["--size", "2,2,2,2"], ["--op", "median"], ["--stride", "x"],
                 ["--across-channels", "0"]):
        res = run("pool", CAMERA, *args, "-o", str(tmp_path / "o.png"))
        assert res.exit_code == 2, (args, res.output)
    res = run("pool", str(tmp_path / "missing.png"), "-o", str(tmp_path / "o.png"))
    assert res.exit_code == 1 and "no such file" in res.stderr
    res = run("pool", CAMERA, "--size", "2,2,2", "-o", str(tmp_path / "o.png"))  # 3-D (issue 9): one frame
    assert res.exit_code == 1 and "larger than" in res.stderr
    res = run("pool", CAMERA, "--across-channels", "2", "-o", str(tmp_path / "o.png"))
    assert res.exit_code == 1 and "channels" in res.stderr
    assert not (tmp_path / "o.png").exists()


def test_pool_subprocess_stdout_png():
    res = run_process("pool", CAMERA, "--size", "4", "-o", "-")
    assert res.returncode == 0, res.stderr
    assert res.stdout.startswith(b"\x89PNG")


def _rgb(tmp_path, rng, h=20, w=24):
    arr = rng.integers(0, 256, (h, w, 3), dtype=np.uint8)
    src = tmp_path / "rgb.png"
    Image.fromarray(arr).save(src)
    return src, arr.astype(np.float64)


def test_filter_with_a_4d_kernel_maps_channels(tmp_path, rng):
    src, arr = _rgb(tmp_path, rng)
    k = rng.normal(size=(2, 3, 3, 3))
    kpath, out = tmp_path / "k.npy", tmp_path / "y.npy"
    np.save(kpath, k)
    res = run("filter", str(src), "--kernel", str(kpath), "--mode", "corr", "--stride", "2", "-o", str(out))
    assert res.exit_code == 0, res.output
    want = naive_multichannel(arr, k, mode="corr", stride=2)
    np.testing.assert_allclose(np.load(out), want, rtol=1e-4, atol=1e-3)


def test_filter_4d_groups_and_image_output(tmp_path, rng):
    src, arr = _rgb(tmp_path, rng)
    k = np.abs(rng.normal(size=(3, 1, 3, 3))) / 9  # depthwise: each channel alone
    kpath, out = tmp_path / "k.npy", tmp_path / "y.png"
    np.save(kpath, k)
    res = run("filter", str(src), "--kernel", str(kpath), "--groups", "3", "-o", str(out))
    assert res.exit_code == 0, res.output
    want = np.clip(np.rint(naive_multichannel(arr, k, groups=3)), 0, 255)
    assert np.abs(np.asarray(Image.open(out), dtype=np.float64) - want).max() <= 1


def test_filter_many_output_channels_one_file_each_with_out_dir(tmp_path, rng):
    src, arr = _rgb(tmp_path, rng)
    k = np.abs(rng.normal(size=(6, 3, 1, 1)))
    kpath = tmp_path / "k.npy"
    np.save(kpath, k)
    res = run("filter", str(src), "--kernel", str(kpath), "-o", str(tmp_path / "six.png"))
    assert res.exit_code == 1 and "--out-dir" in res.stderr
    assert not (tmp_path / "six.png").exists()
    res = run("filter", str(src), "--kernel", str(kpath), "--out-dir", str(tmp_path / "out"), "--json")
    assert res.exit_code == 0, res.output
    names = sorted(os.listdir(tmp_path / "out"))
    assert names == [f"rgb_c{i:02d}.png" for i in range(6)]
    assert json.loads(res.stdout)["files"][0]["output"][0].endswith("rgb_c00.png")
    for i in range(6):
        want = np.clip(np.rint(arr @ k[i, :, 0, 0]), 0, 255)
        got = np.asarray(Image.open(tmp_path / "out" / f"rgb_c{i:02d}.png"), dtype=np.float64)
        assert np.abs(got - want).max() <= 1


def test_filter_groups_usage_errors(tmp_path, rng):
    src, _ = _rgb(tmp_path, rng)
    res = run("filter", str(src), "--kernel", "box:3", "--groups", "2", "-o", str(tmp_path / "o.png"))
    assert res.exit_code == 2 and "4-D" in res.stderr
    kpath = tmp_path / "k.npy"
    np.save(kpath, np.ones((3, 1, 3, 3)))
    res = run("filter", str(src), "--kernel", str(kpath), "--groups", "2", "-o", str(tmp_path / "o.png"))
    assert res.exit_code == 2
    res = run("filter", str(src), "--kernel", str(kpath), "-o", str(tmp_path / "o.png"))  # needs 1 channel
    assert res.exit_code == 1 and "input channels" in res.stderr


def test_filter_4d_kernel_carries_alpha(tmp_path, rng):
    arr = rng.integers(0, 256, (12, 14, 4), dtype=np.uint8)
    src, out = tmp_path / "rgba.png", tmp_path / "out.png"
    Image.fromarray(arr, "RGBA").save(src)
    swap = np.zeros((3, 3, 1, 1))
    swap[0, 2] = swap[1, 1] = swap[2, 0] = 1  # RGB -> BGR
    np.save(tmp_path / "swap.npy", swap)
    res = run("filter", str(src), "--kernel", str(tmp_path / "swap.npy"), "-o", str(out))
    assert res.exit_code == 0, res.output
    got = np.asarray(Image.open(out))
    np.testing.assert_array_equal(got[:, :, :3], arr[:, :, 2::-1])
    np.testing.assert_array_equal(got[:, :, 3], arr[:, :, 3])
    res = run("filter", str(src), "--kernel", str(tmp_path / "swap.npy"), "--alpha", "filter", "-o",
              str(tmp_path / "o2.png"))
    assert res.exit_code == 2
