import io
import os

import numpy as np
import pytest
from PIL import Image

from convcli.errors import InputError, OutputError
from convcli.io.images import load_image, read_image, save_image, to_integer, write_image


def _save(img: Image.Image, path, **kw):
    img.save(path, **kw)
    return str(path)


def test_png_gray_rgb_rgba_roundtrip(tmp_path, rng):
    for shape in [(7, 9), (7, 9, 3), (7, 9, 4), (7, 9, 2)]:
        arr = rng.integers(0, 256, shape, dtype=np.uint8)
        path = str(tmp_path / f"a{len(shape)}{shape[-1]}.png")
        save_image(path, arr)
        np.testing.assert_array_equal(load_image(path), arr)


def test_alpha_is_kept_apart(tmp_path, rng):
    arr = rng.integers(0, 256, (5, 6, 4), dtype=np.uint8)
    path = _save(Image.fromarray(arr, "RGBA"), tmp_path / "a.png")
    data = read_image(path)
    assert data.pixels.shape == (5, 6, 3) and data.alpha.shape == (5, 6)
    np.testing.assert_array_equal(data.alpha, arr[:, :, 3])


def test_16bit_gray_and_colour(tmp_path, rng):
    gray = rng.integers(0, 65536, (6, 5), dtype=np.uint16)
    path = str(tmp_path / "g16.png")
    save_image(path, gray, depth=16, full_scale=65535)
    data = read_image(path)
    assert data.pixels.dtype == np.uint16 and data.full_scale == 65535
    np.testing.assert_array_equal(data.pixels, gray)
    colour = rng.integers(0, 65536, (6, 5, 3), dtype=np.uint16)
    path = str(tmp_path / "c16.png")
    save_image(path, colour, depth=16, full_scale=65535)
    import cv2

    np.testing.assert_array_equal(cv2.imread(path, cv2.IMREAD_UNCHANGED)[:, :, ::-1], colour)


def test_palette_with_transparency_becomes_rgba(tmp_path):
    img = Image.new("P", (4, 3))
    img.putpalette([0, 0, 0, 255, 0, 0] + [0] * 762)
    img.putpixel((1, 1), 1)
    img.info["transparency"] = 0
    path = _save(img, tmp_path / "p.png", transparency=0)
    data = read_image(path)
    assert data.pixels.shape == (3, 4, 3)
    assert data.alpha is not None and data.alpha[1, 1] == 255 and data.alpha[0, 0] == 0
    assert tuple(data.pixels[1, 1]) == (255, 0, 0)


def test_exif_orientation_is_applied(tmp_path):
    arr = np.zeros((4, 8, 3), dtype=np.uint8)
    arr[:, :4] = 255  # left half white
    img = Image.fromarray(arr)
    exif = img.getexif()
    exif[0x0112] = 6  # rotate 90 CW to display
    path = _save(img, tmp_path / "r.jpg", exif=exif, quality=100)
    data = read_image(path)
    assert data.pixels.shape == (8, 4, 3)
    assert data.pixels[0, :, 0].mean() > 200 and data.pixels[-1, :, 0].mean() < 50


def test_cmyk_jpeg_and_bmp_gif_tiff_pgm(tmp_path, rng):
    arr = rng.integers(0, 256, (6, 7, 3), dtype=np.uint8)
    cmyk = _save(Image.fromarray(arr).convert("CMYK"), tmp_path / "c.jpg")
    assert read_image(cmyk).pixels.shape == (6, 7, 3)
    for ext in ("bmp", "tif", "ppm"):
        path = _save(Image.fromarray(arr), tmp_path / f"x.{ext}")
        np.testing.assert_array_equal(read_image(path).pixels, arr)
    gray = arr[:, :, 0]
    path = _save(Image.fromarray(gray), tmp_path / "x.pgm")
    np.testing.assert_array_equal(read_image(path).pixels, gray)
    gif = _save(Image.fromarray(gray), tmp_path / "x.gif")
    assert read_image(gif).pixels.shape[:2] == (6, 7)


def test_npy_npz_raw(tmp_path, rng):
    arr = rng.standard_normal((4, 5)).astype(np.float32)
    np.save(tmp_path / "a.npy", arr)
    data = read_image(str(tmp_path / "a.npy"))
    assert data.full_scale is None
    np.testing.assert_array_equal(data.pixels, arr)
    np.savez(tmp_path / "a.npz", image=arr, other=arr)
    np.testing.assert_array_equal(read_image(str(tmp_path / "a.npz")).pixels, arr)
    write_image(str(tmp_path / "o.npy"), arr * 1000)
    np.testing.assert_array_equal(np.load(tmp_path / "o.npy"), arr * 1000)


def test_float_tiff(tmp_path, rng):
    arr = rng.standard_normal((4, 5)).astype(np.float32) * 1000
    path = str(tmp_path / "f.tif")
    write_image(path, arr, depth="float")
    data = read_image(path)
    assert data.full_scale is None
    np.testing.assert_array_equal(data.pixels, arr)


@pytest.mark.parametrize("rng_name,values,expected", [
    ("clip", [-10, 0, 100, 300], [0, 0, 100, 255]),
    ("abs", [-10, 0, 100, 300], [10, 0, 100, 255]),
    ("offset", [-10, 0, 100, 300], [118, 128, 228, 255]),
    ("rescale", [-10, 0, 100, 300], [0, 8, 90, 255]),  # (v+10)/310*255, rounded
])
def test_output_ranges_never_wrap(rng_name, values, expected):
    got = to_integer(np.array(values, dtype=np.float64), 8, rng_name, 255.0)
    np.testing.assert_array_equal(got, expected)


def test_units_convert_between_depths():
    np.testing.assert_array_equal(to_integer(np.array([255.0, 128.0]), 16, "clip", 255.0), [65535, 32896])
    np.testing.assert_array_equal(to_integer(np.array([65535.0, 257.0]), 8, "clip", 65535.0), [255, 1])


@pytest.mark.parametrize("content,message", [
    (b"", "empty"),
    (b"hello, I am text\n", "not an image"),
    (b"\x89PNG\r\n\x1a\n" + b"\0" * 20, ""),
])
def test_bad_files(tmp_path, content, message):
    path = tmp_path / "bad.png"
    path.write_bytes(content)
    with pytest.raises(InputError) as info:
        read_image(str(path))
    assert message in str(info.value)
    assert str(path) in str(info.value)


def test_truncated_png(tmp_path, samples_dir):
    data = open(os.path.join(samples_dir, "camera.png"), "rb").read()
    path = tmp_path / "cut.png"
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(InputError, match="truncated"):
        read_image(str(path))
    assert read_image(str(path), allow_truncated=True).pixels.shape == (512, 512)


def test_pixel_limit_from_header(tmp_path):
    buf = io.BytesIO()
    Image.new("L", (200, 100)).save(buf, "PNG")
    path = tmp_path / "big.png"
    path.write_bytes(buf.getvalue())
    with pytest.raises(InputError, match="over the limit"):
        read_image(str(path), max_pixels=10_000)


def test_missing_and_pickled(tmp_path):
    with pytest.raises(InputError, match="no such file"):
        read_image(str(tmp_path / "nope.png"))
    np.save(tmp_path / "p.npy", np.array([{"a": 1}], dtype=object), allow_pickle=True)
    with pytest.raises(InputError, match="pickle"):
        read_image(str(tmp_path / "p.npy"))


def test_unwritable_and_too_many_channels(tmp_path):
    with pytest.raises(OutputError):
        write_image(str(tmp_path / "no" / "dir.png"), np.zeros((2, 2)))
    with pytest.raises(OutputError):
        write_image(str(tmp_path / "five.png"), np.zeros((2, 2, 5)))
    assert os.listdir(tmp_path) == []


def test_outputs_get_the_usual_permissions(tmp_path):
    old = os.umask(0o022)
    try:
        path = str(tmp_path / "perm.png")
        save_image(path, np.zeros((2, 2), dtype=np.uint8))
    finally:
        os.umask(old)
    assert os.stat(path).st_mode & 0o777 == 0o644
