"""`convcli pool` and `convcli edges` on stacks (volumes, issue 9): real multi-page TIFF and animated
GIF/APNG inputs, .npy volumes and folders of slices; values against per-frame (or 3-D) API calls."""

import json
import os

import numpy as np
import pytest
import tifffile
from PIL import Image

from convcli import edges, pool
from convcli.io.images import to_integer
from convcli.io.stacks import read_stack
from tests.clihelp import run, run_process
from tests.naive import naive_pool3d

DURATIONS = [40, 50, 60, 70, 80, 90]


def _pillow_gif(path, rng, n=6, size=(14, 12)):
    """An animated grey GIF written by Pillow itself (not by convcli), distinct frames."""
    frames = []
    for i in range(n):
        a = rng.integers(0, 256, (size[1], size[0]), dtype=np.uint8)
        a[0, 0] = i
        frames.append(Image.fromarray(a, mode="L"))
    frames[0].save(path, save_all=True, append_images=frames[1:], duration=DURATIONS[:n], loop=0)
    return path


def _tifffile_stack(path, arr):
    """A multi-page TIFF written by tifffile (one page per frame)."""
    tifffile.imwrite(path, arr, photometric="minisblack" if arr.ndim == 3 else "rgb", metadata=None)
    return path


def _gif_durations(path):
    with Image.open(path) as img:
        out = []
        for i in range(img.n_frames):
            img.seek(i)
            out.append(img.info["duration"])
        return img.n_frames, out


@pytest.mark.parametrize("op", ["max", "avg", "l2"])
def test_pool_gif_frame_by_frame_equals_per_frame_api(tmp_path, rng, op):
    src = _pillow_gif(str(tmp_path / "clip.gif"), rng)
    frames = read_stack(src).frames
    r = run("pool", src, "--op", op, "--size", "2", "-o", str(tmp_path / "out.npy"), "--json")
    assert r.exit_code == 0, r.output
    rep = json.loads(r.stdout)["files"][0]
    assert rep["frames"] == rep["output_frames"] == 6 and rep["pooled_across_frames"] is False
    want = np.stack([pool(f, op=op, size=2) for f in frames])
    np.testing.assert_array_equal(np.load(tmp_path / "out.npy"), want)
    assert run("pool", src, "--op", op, "--size", "2", "-o", str(tmp_path / "out.gif")).exit_code == 0
    n, durations = _gif_durations(str(tmp_path / "out.gif"))
    assert n == 6 and durations == DURATIONS
    got = read_stack(str(tmp_path / "out.gif")).frames
    assert got.shape == (6, 6, 7, 3)
    assert np.abs(got.astype(int) - to_integer(want, 8).astype(int)).max() <= 2  # GIF palette


@pytest.mark.parametrize("ext", ["gif", "png"])
def test_pool_animation_in_3d_scales_durations_by_the_depth_stride(tmp_path, rng, ext):
    src = _pillow_gif(str(tmp_path / "clip.gif"), rng)
    frames = read_stack(src).frames
    dst = str(tmp_path / f"out.{ext}")
    r = run("pool", src, "--size", "2,2,2", "-o", dst)
    assert r.exit_code == 0, r.output
    out = read_stack(dst)
    assert out.n_frames == 3
    # each output frame: the duration of the frame at its window's centre (frames 0, 2, 4) times 2
    assert out.durations == [2 * DURATIONS[0], 2 * DURATIONS[2], 2 * DURATIONS[4]]
    want = naive_pool3d(frames, size=2)
    np.testing.assert_allclose(out.frames, want, atol=2 if ext == "gif" else 0)
    r = run("pool", src, "--op", "avg", "--size", "3,1,1", "--stride", "1", "--padding", "same",
            "-o", str(tmp_path / "t.png"))
    assert r.exit_code == 0, r.output
    assert read_stack(str(tmp_path / "t.png")).durations == DURATIONS  # stride 1: durations unchanged


def test_pool_multipage_tiff_per_frame_and_volume(tmp_path, rng):
    vol = rng.integers(0, 65536, (5, 16, 18), dtype=np.uint16)
    src = _tifffile_stack(str(tmp_path / "vol.tif"), vol)
    dst = str(tmp_path / "avg.tif")
    r = run("pool", src, "--op", "avg", "--size", "3", "--stride", "1", "--padding", "same", "--boundary",
            "reflect", "--depth", "float", "-o", dst)
    assert r.exit_code == 0, r.output
    with tifffile.TiffFile(dst) as tif:
        assert len(tif.pages) == 5
    want = np.stack([pool(f, op="avg", size=3, stride=1, padding="same", boundary="reflect") for f in vol])
    np.testing.assert_array_equal(read_stack(dst).frames, want)
    r = run("pool", src, "--volume", "--op", "l2", "--size", "2", "--depth", "float", "-o", str(tmp_path / "v.tif"))
    assert r.exit_code == 0, r.output
    got = read_stack(str(tmp_path / "v.tif")).frames
    assert got.shape == (2, 8, 9)
    np.testing.assert_allclose(got, naive_pool3d(vol, op="l2", size=2), rtol=2e-6)
    np.testing.assert_array_equal(got, pool(vol, op="l2", size=2, volume=True))


def test_pool_rgb_tiff_keeps_channels(tmp_path, rng):
    vol = rng.integers(0, 256, (4, 10, 12, 3), dtype=np.uint8)
    src = _tifffile_stack(str(tmp_path / "rgb.tif"), vol)
    r = run("pool", src, "--size", "2,2,3", "-o", str(tmp_path / "o.tif"))
    assert r.exit_code == 0, r.output
    got = read_stack(str(tmp_path / "o.tif")).frames
    np.testing.assert_array_equal(got, naive_pool3d(vol, size=(2, 2, 3)).astype(np.uint8))


def test_pool_npy_stack_and_volume_flags_and_folders(tmp_path, rng):
    vol = rng.normal(size=(4, 8, 10)).astype(np.float32)
    np.save(tmp_path / "vol.npy", vol)
    src = str(tmp_path / "vol.npy")
    assert run("pool", src, "--size", "2", "-o", str(tmp_path / "img.npy")).exit_code == 0
    assert np.load(tmp_path / "img.npy").shape == (2, 4, 10)  # no flag: one (H, W, C) image, as before
    assert run("pool", src, "--stack", "--size", "2", "-o", str(tmp_path / "frames.npy")).exit_code == 0
    np.testing.assert_array_equal(np.load(tmp_path / "frames.npy"), np.stack([pool(f, size=2) for f in vol]))
    assert run("pool", src, "--volume", "--size", "2", "-o", str(tmp_path / "vol3.npy")).exit_code == 0
    np.testing.assert_array_equal(np.load(tmp_path / "vol3.npy"), pool(vol, size=2, volume=True))
    # a folder of slices in, a folder of slices out
    slices = tmp_path / "slices"
    slices.mkdir()
    u8 = rng.integers(0, 256, (3, 8, 8), dtype=np.uint8)
    for i, s in enumerate(u8):
        Image.fromarray(s).save(slices / f"slice_{i}.png")
    r = run("pool", str(slices), "--stack", "--size", "2", "-o", str(tmp_path / "small") + "/")
    assert r.exit_code == 0, r.output
    assert sorted(os.listdir(tmp_path / "small")) == ["slice_000.png", "slice_001.png", "slice_002.png"]
    got = read_stack(str(tmp_path / "small")).frames
    np.testing.assert_array_equal(got, u8.reshape(3, 4, 2, 4, 2).max(axis=(2, 4)))


def test_pool_apng_alpha_is_pooled_alongside(tmp_path, rng):
    rgba = rng.integers(0, 256, (4, 8, 8, 4), dtype=np.uint8)
    rgba[:, 0, 0, 0] = np.arange(4)
    frames = [Image.fromarray(f, mode="RGBA") for f in rgba]
    src = str(tmp_path / "a.png")
    frames[0].save(src, save_all=True, append_images=frames[1:], duration=[100] * 4, loop=0, default_image=False)
    r = run("pool", src, "--size", "2", "-o", str(tmp_path / "o.png"))
    assert r.exit_code == 0, r.output
    out = read_stack(str(tmp_path / "o.png"))
    assert out.alpha is not None and out.alpha.shape == (4, 4, 4)
    np.testing.assert_array_equal(out.alpha, rgba[..., 3].reshape(4, 4, 2, 4, 2).max(axis=(2, 4)))


def test_pool_stack_errors(tmp_path, rng):
    np.save(tmp_path / "v.npy", np.zeros((4, 6, 6), np.float32))
    src = str(tmp_path / "v.npy")
    r = run("pool", src, "--volume", "--size", "2,2", "-o", str(tmp_path / "o.npy"))
    assert r.exit_code == 2 and "3-D pooling" in r.output
    r = run("pool", src, "--size", "2,2,2,2", "-o", str(tmp_path / "o.npy"))
    assert r.exit_code == 2
    r = run("pool", src, "--size", "2,2", "--stride", "1,1,1", "-o", str(tmp_path / "o.npy"))
    assert r.exit_code == 2
    Image.fromarray(np.zeros((6, 6), np.uint8)).save(tmp_path / "one.png")
    r = run("pool", str(tmp_path / "one.png"), "--size", "2,2,2", "-o", str(tmp_path / "o.png"))
    assert r.exit_code == 1 and "larger than" in r.output
    assert not os.path.exists(tmp_path / "o.png")


def test_edges_gif_every_frame_and_durations(tmp_path, rng):
    src = _pillow_gif(str(tmp_path / "clip.gif"), rng)
    frames = read_stack(src).frames
    r = run("edges", src, "--gray", "--depth", "float", "-o", str(tmp_path / "e.npy"), "--json")
    assert r.exit_code == 0, r.output
    assert json.loads(r.stdout)["files"][0]["frames"] == 6
    want = np.stack([edges(f, gray=True) for f in frames])
    np.testing.assert_array_equal(np.load(tmp_path / "e.npy"), want)
    assert run("edges", src, "--gray", "-o", str(tmp_path / "e.gif")).exit_code == 0
    n, durations = _gif_durations(str(tmp_path / "e.gif"))
    assert n == 6 and durations == DURATIONS
    got = read_stack(str(tmp_path / "e.gif")).frames[..., 0]
    assert np.abs(got.astype(int) - to_integer(want, 8).astype(int)).max() <= 2


@pytest.mark.parametrize("op,output", [("scharr", "x"), ("sobel", "direction"), ("laplacian", "magnitude")])
def test_edges_multipage_tiff_equals_per_frame_api(tmp_path, rng, op, output):
    vol = rng.integers(0, 65536, (5, 14, 11), dtype=np.uint16)
    src = _tifffile_stack(str(tmp_path / "vol.tif"), vol)
    dst = str(tmp_path / "e.tif")
    r = run("edges", src, "--op", op, "--output", output, "--depth", "float", "-o", dst)
    assert r.exit_code == 0, r.output
    with tifffile.TiffFile(dst) as tif:
        assert len(tif.pages) == 5
    want = np.stack([edges(f, op=op, output=output) for f in vol])
    np.testing.assert_array_equal(read_stack(dst).frames, want)


def test_edges_volume_npy_and_color_folder(tmp_path, rng):
    vol = rng.normal(size=(3, 9, 10)).astype(np.float32)
    np.save(tmp_path / "v.npy", vol)
    src = str(tmp_path / "v.npy")
    assert run("edges", src, "--volume", "-o", str(tmp_path / "e.npy")).exit_code == 0
    np.testing.assert_array_equal(np.load(tmp_path / "e.npy"), np.stack([edges(f) for f in vol]))
    assert run("edges", src, "-o", str(tmp_path / "img.npy")).exit_code == 0  # no flag: an (H, W, C) image
    np.testing.assert_array_equal(np.load(tmp_path / "img.npy"), edges(vol))
    r = run("edges", src, "--stack", "--color", "-o", str(tmp_path / "hue") + "/")
    assert r.exit_code == 0, r.output
    assert len(os.listdir(tmp_path / "hue")) == 3
    assert read_stack(str(tmp_path / "hue")).frames.shape == (3, 9, 10, 3)


def test_real_processes_pool_a_gif_and_edge_a_tiff(tmp_path, rng):
    src = _pillow_gif(str(tmp_path / "clip.gif"), rng)
    p = run_process("pool", src, "--size", "2,2,2", "-o", str(tmp_path / "p.gif"))
    assert p.returncode == 0 and p.stderr == b"", p.stderr
    assert _gif_durations(str(tmp_path / "p.gif")) == (3, [80, 120, 160])
    vol = rng.integers(0, 256, (4, 12, 12), dtype=np.uint8)
    tif = _tifffile_stack(str(tmp_path / "v.tif"), vol)
    p = run_process("edges", tif, "-o", str(tmp_path / "e.tif"))
    assert p.returncode == 0 and p.stderr == b"", p.stderr
    want = to_integer(np.stack([edges(f) for f in vol]), 8, "clip", 255.0)
    np.testing.assert_array_equal(read_stack(str(tmp_path / "e.tif")).frames, want)
