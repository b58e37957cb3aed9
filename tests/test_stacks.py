"""Stack I/O: multi-page TIFF, animated GIF/APNG (frame count and durations), .npy volumes, folders."""

import io
import os

import numpy as np
import pytest
import tifffile
from PIL import Image

from convcli.errors import InputError, OutputError
from convcli.io.stacks import (
    check_stack_target,
    is_stack_file,
    read_stack,
    slice_names,
    stack_output_format,
    write_stack,
)


def _distinct_gray(rng, shape):
    # every frame different, so that no encoder merges consecutive frames
    x = rng.integers(0, 256, shape, dtype=np.uint8)
    x[:, 0, 0] = np.arange(shape[0]) % 256
    return x


def test_tiff_gray_roundtrip_8_and_16_bit(tmp_path, rng):
    g = _distinct_gray(rng, (5, 7, 9))
    path = str(tmp_path / "g.tif")
    write_stack(path, g, full_scale=255)
    s = read_stack(path)
    assert s.format == "TIFF" and s.frames.dtype == np.uint8 and s.full_scale == 255
    np.testing.assert_array_equal(s.frames, g)
    assert is_stack_file(path)
    with tifffile.TiffFile(path) as tif:  # an independent reader sees one page per frame
        assert len(tif.pages) == 5
        np.testing.assert_array_equal(tif.pages[3].asarray(), g[3])
    g16 = rng.integers(0, 65536, (3, 4, 5), dtype=np.uint16)
    path16 = str(tmp_path / "g16.tif")
    write_stack(path16, g16, depth="16", full_scale=65535)
    s = read_stack(path16)
    assert s.frames.dtype == np.uint16 and s.full_scale == 65535
    np.testing.assert_array_equal(s.frames, g16)


def test_tiff_rgb_and_rgba_roundtrip(tmp_path, rng):
    c = rng.integers(0, 256, (4, 6, 5, 3), dtype=np.uint8)
    a = rng.integers(0, 256, (4, 6, 5), dtype=np.uint8)
    path = str(tmp_path / "c.tif")
    write_stack(path, c, full_scale=255)
    s = read_stack(path)
    assert s.frames.shape == (4, 6, 5, 3) and s.alpha is None
    np.testing.assert_array_equal(s.frames, c)
    with tifffile.TiffFile(path) as tif:
        assert len(tif.pages) == 4 and tif.pages[0].photometric == tifffile.PHOTOMETRIC.RGB
    path_a = str(tmp_path / "ca.tif")
    write_stack(path_a, c, alpha=a, full_scale=255, alpha_scale=255)
    s = read_stack(path_a)
    np.testing.assert_array_equal(s.frames, c)
    np.testing.assert_array_equal(s.alpha, a)


def test_tiff_written_by_pillow_and_by_tifffile_planar(tmp_path, rng):
    frames = [rng.integers(0, 256, (6, 8, 3), dtype=np.uint8) for _ in range(3)]
    path = str(tmp_path / "pil.tif")
    imgs = [Image.fromarray(f) for f in frames]
    imgs[0].save(path, save_all=True, append_images=imgs[1:])
    s = read_stack(path)
    np.testing.assert_array_equal(s.frames, np.stack(frames))
    planar = str(tmp_path / "planar.tif")
    data = np.stack(frames)
    tifffile.imwrite(planar, np.moveaxis(data, -1, 1), photometric="rgb", planarconfig="separate")
    np.testing.assert_array_equal(read_stack(planar).frames, data)


def test_float_tiff_keeps_raw_values(tmp_path, rng):
    f = rng.standard_normal((3, 4, 5)).astype(np.float32) * 1000
    path = str(tmp_path / "f.tif")
    write_stack(path, f, depth="float")
    s = read_stack(path)
    assert s.full_scale is None
    np.testing.assert_array_equal(s.frames, f)


@pytest.mark.parametrize("ext", ["gif", "png"])
def test_animation_keeps_frame_count_and_durations(tmp_path, rng, ext):
    g = _distinct_gray(rng, (6, 8, 10))
    durations = [20, 40, 60, 80, 100, 120]
    path = str(tmp_path / f"clip.{ext}")
    write_stack(path, g, full_scale=255, durations=durations, loop=3)
    s = read_stack(path)
    assert s.n_frames == 6
    assert s.durations == durations
    assert s.info["loop"] == 3
    pixels = s.frames if s.frames.ndim == 3 else s.frames[..., 0]  # GIF reads as RGB, like read_image
    np.testing.assert_array_equal(pixels, g)
    with Image.open(path) as img:  # an independent reader
        assert img.n_frames == 6
        img.seek(4)
        assert img.info["duration"] == 100


def test_apng_rgba_keeps_alpha(tmp_path, rng):
    c = rng.integers(0, 256, (3, 5, 6, 3), dtype=np.uint8)
    a = rng.integers(0, 256, (3, 5, 6), dtype=np.uint8)
    c[:, 0, 0, 0] = [1, 2, 3]
    path = str(tmp_path / "a.png")
    write_stack(path, c, alpha=a, full_scale=255, alpha_scale=255, durations=[10, 20, 30])
    s = read_stack(path)
    np.testing.assert_array_equal(s.frames, c)
    np.testing.assert_array_equal(s.alpha, a)
    assert s.durations == [10, 20, 30]


def test_gif_made_by_pillow_is_read_with_durations(tmp_path):
    frames = [Image.new("RGB", (9, 7), (30 * i, 255 - 30 * i, 5)) for i in range(4)]
    path = str(tmp_path / "pil.gif")
    frames[0].save(path, save_all=True, append_images=frames[1:], duration=[50, 70, 90, 110], loop=0)
    s = read_stack(path)
    assert s.frames.shape == (4, 7, 9, 3)
    assert s.durations == [50, 70, 90, 110]
    np.testing.assert_array_equal(s.frames[2, 3, 4], [60, 195, 5])


def test_npy_volume_flag_and_4d(tmp_path, rng):
    v = rng.standard_normal((4, 5, 6)).astype(np.float32)
    path = str(tmp_path / "v.npy")
    np.save(path, v)
    assert read_stack(path, volume=True).frames.shape == (4, 5, 6)
    assert read_stack(path, volume=False).frames.shape == (1, 4, 5, 6)  # one (H, W, C) image
    v4 = rng.standard_normal((3, 4, 5, 3))
    np.save(str(tmp_path / "v4.npy"), v4)
    s = read_stack(str(tmp_path / "v4.npy"), volume=False)
    np.testing.assert_array_equal(s.frames, v4)
    out = str(tmp_path / "out.npy")
    write_stack(out, v4)
    np.testing.assert_array_equal(np.load(out), v4)


def test_folder_of_slices_in_numeric_order(tmp_path, rng):
    g = _distinct_gray(rng, (12, 5, 6))
    folder = tmp_path / "slices"
    folder.mkdir()
    for i, frame in enumerate(g):  # unpadded numbers: slice_10 must come after slice_9
        Image.fromarray(frame).save(folder / f"slice_{i}.png")
    (folder / "notes.txt").write_text("not a slice")
    s = read_stack(str(folder))
    np.testing.assert_array_equal(s.frames, g)
    assert s.info["names"][10] == "slice_10.png"
    out = str(tmp_path / "out")
    assert stack_output_format(out) == "folder"
    write_stack(out, g, full_scale=255)
    assert sorted(os.listdir(out)) == slice_names(12, "png")
    np.testing.assert_array_equal(read_stack(out).frames, g)
    with pytest.raises(OutputError):
        check_stack_target(out, force=False)
    check_stack_target(out, force=True)
    write_stack(out, g[:3], full_scale=255)  # --force into the folder: stale slices go
    assert sorted(os.listdir(out)) == slice_names(3, "png")


def test_folder_with_mismatched_slices_is_an_error(tmp_path):
    folder = tmp_path / "bad"
    folder.mkdir()
    Image.new("L", (4, 4)).save(folder / "s0.png")
    Image.new("L", (5, 4)).save(folder / "s1.png")
    with pytest.raises(InputError, match="must match"):
        read_stack(str(folder))
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(InputError, match="no image slices"):
        read_stack(str(empty))


def test_single_images_are_one_frame_stacks(tmp_path, rng):
    img = rng.integers(0, 256, (5, 6, 3), dtype=np.uint8)
    path = str(tmp_path / "one.png")
    Image.fromarray(img).save(path)
    assert not is_stack_file(path)
    s = read_stack(path)
    assert s.frames.shape == (1, 5, 6, 3) and s.durations is None
    out = str(tmp_path / "one.jpg")
    write_stack(out, s.frames, full_scale=255)  # one frame may go to any image format
    assert Image.open(out).size == (6, 5)
    with pytest.raises(OutputError, match="cannot be written as .jpg"):
        write_stack(out, np.zeros((2, 5, 6)), full_scale=255)


def test_bad_stack_files(tmp_path):
    bad = tmp_path / "bad.tif"
    bad.write_bytes(b"II*\x00garbage")
    with pytest.raises(InputError):
        read_stack(str(bad))
    with pytest.raises(InputError):
        read_stack(str(tmp_path / "missing.gif"))
    with pytest.raises(OutputError):
        write_stack(str(tmp_path / "x.gif"), np.zeros((2, 3, 4)), depth="16")
    big = tmp_path / "big.tif"
    tifffile.imwrite(str(big), np.zeros((2, 40, 50), dtype=np.uint8))
    with pytest.raises(InputError, match="over the limit"):
        read_stack(str(big), max_pixels=1000)


def test_stdin_style_bytes_are_read(tmp_path, rng, monkeypatch):
    g = _distinct_gray(rng, (3, 4, 5))
    path = str(tmp_path / "s.tif")
    write_stack(path, g, full_scale=255)

    class FakeStdin:
        buffer = io.BytesIO(open(path, "rb").read())

    monkeypatch.setattr("sys.stdin", FakeStdin)
    np.testing.assert_array_equal(read_stack("-").frames, g)


@pytest.mark.parametrize("ext", ["gif", "png"])
@pytest.mark.parametrize("channels", [1, 3, 4])
def test_identical_consecutive_frames_are_kept(tmp_path, rng, ext, channels):
    # encoders like to merge a repeated frame into the previous one; a video's frame count must not change
    shape = (5, 6, 7) if channels == 1 else (5, 6, 7, 3)
    x = np.zeros(shape, dtype=np.uint8)
    x[2] = 200
    alpha = None if channels < 4 else np.full((5, 6, 7), 255, dtype=np.uint8)
    if alpha is not None:
        alpha[3:] = 100
    path = str(tmp_path / f"still.{ext}")
    write_stack(path, x, alpha=alpha, full_scale=255, alpha_scale=255, durations=[10, 20, 30, 40, 50])
    s = read_stack(path)
    assert s.n_frames == 5 and s.durations == [10, 20, 30, 40, 50]
    got = s.frames if (s.frames.ndim == 3 or channels > 1) else s.frames[..., 0]
    np.testing.assert_array_equal(got, x)
    if alpha is not None and ext == "png":
        np.testing.assert_array_equal(s.alpha, alpha)
    with Image.open(path) as img:
        assert img.n_frames == 5
