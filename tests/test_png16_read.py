"""The 16-bit colour PNG decoder (io/png_read.py + kernels/png_unfilter.py), against OpenCV and
a slow reference encoder that uses every row filter and Adam7 interlacing."""

from __future__ import annotations

import os
import struct

import cv2
import numpy as np
import pytest

from convcli.errors import InputError
from convcli.io.images import read_image
from tests.badfiles import chunk, split_chunks
from tests.clihelp import run
from tests.naive import naive_png16


def _rgb_to_bgr(arr: np.ndarray) -> np.ndarray:
    return arr[:, :, [2, 1, 0]] if arr.shape[2] == 3 else arr[:, :, [2, 1, 0, 3]]


def _combined(data) -> np.ndarray:
    px = data.pixels if data.pixels.ndim == 3 else data.pixels[:, :, None]
    return px if data.alpha is None else np.concatenate([px, data.alpha[:, :, None]], axis=2)


def _image(rng, shape):
    arr = rng.integers(0, 65536, shape, dtype=np.uint16)
    arr[: shape[0] // 2] = np.linspace(0, 65535, shape[1], dtype=np.uint16)[None, :, None]  # smooth rows too
    return arr


@pytest.mark.parametrize("shape", [(1, 1, 3), (7, 9, 3), (33, 20, 4), (64, 3, 3)])
@pytest.mark.parametrize("level", [0, 1, 9])
def test_matches_opencv_written_files(tmp_path, rng, shape, level):
    arr = _image(rng, shape)
    path = str(tmp_path / "c.png")
    assert cv2.imwrite(path, _rgb_to_bgr(arr), [cv2.IMWRITE_PNG_COMPRESSION, level])
    data = read_image(path)
    assert data.pixels.dtype == np.uint16 and data.full_scale == 65535.0 and data.format == "PNG"
    np.testing.assert_array_equal(_combined(data), arr)


@pytest.mark.parametrize("channels", [2, 3, 4])
@pytest.mark.parametrize("filters", [(0,), (1,), (2,), (3,), (4,), (4, 3, 2, 1, 0)])
@pytest.mark.parametrize("interlace", [False, True])
def test_every_filter_and_adam7_against_opencv(tmp_path, rng, channels, filters, interlace):
    arr = _image(rng, (11, 13, channels))
    path = tmp_path / "n.png"
    path.write_bytes(naive_png16(arr, filters, interlace))
    np.testing.assert_array_equal(_combined(read_image(str(path))), arr)
    if channels != 2:  # OpenCV drops gray+alpha's alpha; it confirms the reference encoder otherwise
        np.testing.assert_array_equal(cv2.imread(str(path), cv2.IMREAD_UNCHANGED), _rgb_to_bgr(arr))


def test_roundtrip_with_convcli_writer_and_cli_keeps_16_bits(tmp_path, rng):
    arr = _image(rng, (20, 30, 3))
    src = tmp_path / "in.png"
    assert cv2.imwrite(str(src), _rgb_to_bgr(arr))
    out = tmp_path / "out.png"
    res = run("filter", str(src), "-k", "identity", "--depth", "16", "-o", str(out))
    assert res.exit_code == 0, res.stderr
    np.testing.assert_array_equal(cv2.imread(str(out), cv2.IMREAD_UNCHANGED), _rgb_to_bgr(arr))


def test_trns_colour_key_becomes_alpha(tmp_path, rng):
    arr = _image(rng, (6, 5, 3))
    key = arr[4, 2].copy()
    data = naive_png16(arr, (0,))
    chunks = split_chunks(data)
    trns = (b"tRNS", struct.pack(">HHH", *key.tolist()))
    path = tmp_path / "t.png"
    path.write_bytes(data[:8] + b"".join(chunk(t, p) for t, p in chunks[:1] + [trns] + chunks[1:]))
    got = read_image(str(path))
    want = np.where((arr == key).all(axis=2), 0, 65535)
    np.testing.assert_array_equal(got.alpha, want)
    np.testing.assert_array_equal(got.pixels, arr)


def test_text_chunks_are_kept(tmp_path, rng):
    data = naive_png16(_image(rng, (3, 4, 3)))
    chunks = split_chunks(data)
    path = tmp_path / "t.png"
    text = (b"tEXt", b"convcli\0hello")
    path.write_bytes(data[:8] + b"".join(chunk(t, p) for t, p in chunks[:1] + [text] + chunks[1:]))
    assert read_image(str(path)).info == {"convcli": "hello"}


def test_unknown_filter_type_is_an_input_error(tmp_path, rng):
    path = tmp_path / "f.png"
    path.write_bytes(naive_png16(_image(rng, (4, 4, 3)), (5,)))
    with pytest.raises(InputError, match="filter type 5") as info:
        read_image(str(path))
    assert "f.png" in str(info.value)


def test_truncated_16bit(tmp_path, rng):
    arr = rng.integers(0, 65536, (40, 40, 3), dtype=np.uint16)
    good = naive_png16(arr, (0,))
    path = tmp_path / "cut.png"
    path.write_bytes(good[: len(good) // 2])
    with pytest.raises(InputError, match="truncated"):
        read_image(str(path))
    data = read_image(str(path), allow_truncated=True)
    assert data.pixels.shape == (40, 40, 3)
    rows = int(np.argmax((data.pixels != arr).any(axis=(1, 2))))
    assert 5 < rows < 35
    np.testing.assert_array_equal(data.pixels[:rows], arr[:rows])
    assert (data.pixels[rows + 1:] == 0).all()


def test_inflating_beyond_the_image_is_bounded(tmp_path):
    # an IDAT stream that inflates to far more than the header's 2x2 image: decoded, not read further
    import zlib

    header = struct.pack(">IIBBBBB", 2, 2, 16, 2, 0, 0, 0)
    raw = (b"\0" + b"\1" * 12) * 2 + b"\0" * (50 << 20)
    path = tmp_path / "z.png"
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(raw, 9))
                     + chunk(b"IEND", b""))
    data = read_image(str(path))
    assert (data.pixels == 257).all()
    assert os.path.getsize(path) < 1 << 20
