"""`convcli filter` on stacks: animations, multi-page TIFF, .npy volumes, folders of slices."""

import json
import os

import numpy as np
import pytest
from PIL import Image

from convcli import convolve
from convcli.builtin_kernels import gaussian_1d
from convcli.io.images import to_integer
from convcli.io.stacks import read_stack, write_stack
from tests.clihelp import run, run_process
from tests.naive import naive_convolve


def _gauss3(sigma):
    g = gaussian_1d(sigma)
    return g[:, None, None] * g[None, :, None] * g[None, None, :]


@pytest.fixture
def clip(rng):
    x = rng.integers(0, 256, (6, 12, 14), dtype=np.uint8)
    x[:, 0, 0] = np.arange(6)  # distinct frames
    return x


@pytest.mark.parametrize("ext", ["gif", "png"])
def test_animation_smoothed_in_space_and_time(tmp_path, clip, ext):
    src, dst = str(tmp_path / f"clip.{ext}"), str(tmp_path / f"smooth.{ext}")
    durations = [40, 50, 60, 70, 80, 90]
    write_stack(src, clip, full_scale=255, durations=durations)
    r = run("filter", src, "--kernel", "gaussian3d:sigma=1", "-o", dst)
    assert r.exit_code == 0, r.output
    out = read_stack(dst)
    assert out.n_frames == 6 and out.durations == durations
    frames = read_stack(src).frames.astype(np.float64)
    want = to_integer(naive_convolve(frames[..., 0] if frames.ndim == 4 else frames, _gauss3(1.0)), 8)
    got = out.frames[..., 0] if out.frames.ndim == 4 else out.frames
    assert np.abs(got.astype(int) - want.astype(int)).max() <= (0 if ext == "png" else 2)


def test_a_flash_in_one_frame_spreads_to_its_neighbours(tmp_path):
    clip = np.zeros((5, 8, 8), dtype=np.uint8)
    clip[2] = 255
    src, dst = str(tmp_path / "flash.png"), str(tmp_path / "out.png")
    write_stack(src, clip, full_scale=255, durations=[50] * 5)
    assert run("filter", src, "--kernel", "gaussian3d:sigma=1", "--boundary", "zero", "-o", dst).exit_code == 0
    got = read_stack(dst).frames
    means = got.reshape(5, -1).mean(axis=1)
    g = gaussian_1d(1.0)  # in the middle of the frame the spatial blur keeps the level: time profile = g
    np.testing.assert_allclose(got[:, 4, 4], np.rint(255 * g[[1, 2, 3, 4, 5]]), atol=1)
    assert means[1] > 0 and means[3] > 0 and means[0] < means[1] < means[2]


def test_2d_kernel_on_a_stack_equals_the_per_frame_loop(tmp_path, rng):
    vol = rng.integers(0, 65536, (5, 16, 18), dtype=np.uint16)
    src, dst = str(tmp_path / "vol.tif"), str(tmp_path / "out.tif")
    write_stack(src, vol, depth="16", full_scale=65535)
    r = run("filter", src, "--kernel", "sobel-x", "--boundary", "mirror", "--stride", "2,1", "--depth", "float",
            "-o", dst)
    assert r.exit_code == 0, r.output
    got = read_stack(dst).frames
    want = np.stack([convolve(frame, [[1, 0, -1], [2, 0, -2], [1, 0, -1]], boundary="mirror", stride=(2, 1))
                     for frame in vol])
    np.testing.assert_array_equal(got, want)


def test_3d_kernel_on_npy_volume_matches_the_api(tmp_path, rng):
    vol = rng.standard_normal((7, 9, 10)).astype(np.float32)
    src, dst = str(tmp_path / "v.npy"), str(tmp_path / "o.npy")
    np.save(src, vol)
    r = run("filter", src, "--kernel", "3x3x2:" + ",".join(["1"] * 17 + ["-2"]), "--stride", "1,2,2",
            "--padding", "full", "--boundary", "wrap", "-o", dst, "--json")
    assert r.exit_code == 0, r.output
    k = np.ones(18)
    k[-1] = -2
    k = k.reshape(2, 3, 3)
    want = naive_convolve(vol, k, stride=(1, 2, 2), padding="full", boundary="wrap")
    np.testing.assert_allclose(np.load(dst), want, atol=1e-4)
    report = json.loads(r.stdout)["files"][0]
    assert report["kernel_shape"] == [2, 3, 3] and report["filtered_across_frames"] is True


def test_volume_flag_reads_3d_npy_as_a_volume(tmp_path, rng):
    vol = rng.random((4, 8, 3)).astype(np.float32)  # (H, W, C) without --volume
    src = str(tmp_path / "v.npy")
    np.save(src, vol)
    r = run("filter", src, "--kernel", "box:3", "--volume", "-o", str(tmp_path / "a.npy"))
    assert r.exit_code == 0, r.output
    per_frame = np.stack([convolve(f, np.ones((3, 3)) / 9) for f in vol])
    np.testing.assert_array_equal(np.load(tmp_path / "a.npy"), per_frame)
    r = run("filter", src, "--kernel", "box:3", "-o", str(tmp_path / "b.npy"))
    assert r.exit_code == 0, r.output
    np.testing.assert_array_equal(np.load(tmp_path / "b.npy"), convolve(vol, np.ones((3, 3)) / 9))


def test_folder_of_slices_in_and_out(tmp_path, rng):
    vol = rng.integers(0, 256, (4, 10, 11), dtype=np.uint8)
    src = tmp_path / "slices"
    src.mkdir()
    for i, f in enumerate(vol):
        Image.fromarray(f).save(src / f"ct_{i}.png")
    r = run("filter", str(src), "--stack", "--kernel", "box3d:3", "-o", str(tmp_path / "out") + "/")
    assert r.exit_code == 0, r.output
    names = sorted(os.listdir(tmp_path / "out"))
    assert names == [f"slice_{i:03d}.png" for i in range(4)]
    want = to_integer(naive_convolve(vol, np.ones((3, 3, 3)) / 27), 8)
    np.testing.assert_array_equal(read_stack(str(tmp_path / "out")).frames, want)
    r = run("filter", str(src), "--stack", "--kernel", "box3d:3", "-o", str(tmp_path / "out") + "/")
    assert r.exit_code == 1 and "--force" in r.output
    r = run("filter", str(src), "--stack", "--kernel", "box3d:3", "--out-dir", str(tmp_path / "many"),
            "--format", "tif")
    assert r.exit_code == 0, r.output
    assert read_stack(str(tmp_path / "many" / "slices.tif")).n_frames == 4


def test_apng_alpha_is_carried(tmp_path, rng):
    c = rng.integers(0, 256, (3, 6, 7, 3), dtype=np.uint8)
    a = rng.integers(0, 256, (3, 6, 7), dtype=np.uint8)
    c[:, 0, 0, 0] = [1, 2, 3]
    src, dst = str(tmp_path / "a.png"), str(tmp_path / "b.png")
    write_stack(src, c, alpha=a, full_scale=255, alpha_scale=255, durations=[10, 20, 30])
    r = run("filter", src, "--kernel", "gaussian3d:sigma=0.7", "-o", dst)
    assert r.exit_code == 0, r.output
    out = read_stack(dst)
    np.testing.assert_array_equal(out.alpha, a)
    assert out.durations == [10, 20, 30]


def test_stack_errors(tmp_path, clip):
    src = str(tmp_path / "clip.gif")
    write_stack(src, clip, full_scale=255)
    r = run("filter", src, "--kernel", "box3d:3", "--stride", "1,2", "-o", str(tmp_path / "x.gif"))
    assert r.exit_code == 2 and "stride" in r.output
    r = run("filter", src, "--kernel", "box3d:3", "-o", str(tmp_path / "x.jpg"))
    assert r.exit_code == 1 and "cannot be written as .jpg" in r.output
    assert not os.path.exists(tmp_path / "x.jpg")
    r = run("filter", str(tmp_path / "missing.tif"), "--kernel", "box3d:3", "-o", str(tmp_path / "y.tif"))
    assert r.exit_code == 1 and "no such file" in r.output


def test_real_process_filters_a_gif(tmp_path, clip):
    src, dst = str(tmp_path / "clip.gif"), str(tmp_path / "smooth.gif")
    write_stack(src, clip, full_scale=255, durations=[30] * 6)
    p = run_process("filter", src, "--kernel", "gaussian3d:sigma=1", "-o", dst)
    assert p.returncode == 0, p.stderr
    assert p.stderr == b""
    with Image.open(dst) as img:
        assert img.n_frames == 6
