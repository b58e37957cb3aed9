"""The issue's bad-input cases, each through ``convcli filter``: exit code, one line naming the
file, nothing (partial) written, input unchanged. Pipes, Ctrl-C and the Numba cache are in
test_reliability_process.py; WAV cases in test_reliability_audio.py."""

from __future__ import annotations

import io
import os
import shutil

import numpy as np
import pytest
from PIL import Image

from tests.badfiles import (
    PNG_SIG,
    assert_one_line_error,
    chunk,
    ihdr,
    join_chunks,
    png_bytes,
    snapshot,
    split_chunks,
)
from tests.clihelp import run
from tests.naive import naive_convolve


@pytest.fixture
def place(tmp_path):
    """Folders ``in`` (inputs) and ``out`` (empty output folder)."""
    (tmp_path / "in").mkdir()
    (tmp_path / "out").mkdir()
    return tmp_path


def _write(place, name: str, data: bytes) -> str:
    path = place / "in" / name
    path.write_bytes(data)
    return str(path)


def fails(place, src: str, *extra: str, code: int = 1, names=None, out_name: str = "o.png") -> str:
    """Run filter and check a clean failure; returns the error line."""
    before = snapshot(place / "in")
    out = str(place / "out" / out_name)
    res = run("filter", src, "-k", "box:3", "-o", out, *extra)
    assert res.exit_code == code, (res.exit_code, res.stderr)
    line = assert_one_line_error(res.stderr, *(names if names is not None else [os.path.basename(src)]))
    assert os.listdir(place / "out") == []  # no output, no temporary file
    assert snapshot(place / "in") == before
    return line


def succeeds(place, src: str, *extra: str, kernel: str = "identity", out_name: str = "o.png"):
    before = snapshot(place / "in")
    listing = set(os.listdir(place / "out"))
    out = place / "out" / out_name
    res = run("filter", src, "-k", kernel, "-o", str(out), *extra)
    assert res.exit_code == 0, res.stderr
    assert snapshot(place / "in") == before
    assert set(os.listdir(place / "out")) == listing | {out_name}
    return out


def _gray(rng, h=12, w=10):
    return rng.integers(0, 256, (h, w), dtype=np.uint8)


# 1. broken PNG chunks ----------------------------------------------------------------------------


def _broken_variants(good: bytes) -> dict[str, bytes]:
    chunks = split_chunks(good)
    idat = next(p for t, p in chunks if t == b"IDAT")
    bad_crc = bytearray(good)
    bad_crc[8 + 8 + 13] ^= 0xFF  # the IHDR's CRC
    text_bad_crc = PNG_SIG + chunk(b"IHDR", chunks[0][1]) + chunk(b"tEXt", b"k\0v", crc=1) + b"".join(
        chunk(t, p) for t, p in chunks[1:])
    idat_bad_crc = PNG_SIG + b"".join(chunk(t, p, crc=0 if t == b"IDAT" else None) for t, p in chunks)
    return {
        "ihdr_crc": bytes(bad_crc),
        "text_crc": text_bad_crc,
        "idat_crc": idat_bad_crc,
        "no_ihdr": join_chunks([c for c in chunks if c[0] != b"IHDR"]),
        "short_ihdr": join_chunks([(b"IHDR", chunks[0][1][:9])] + chunks[1:]),
        "bad_depth": PNG_SIG + ihdr(10, 12, depth=7) + b"".join(chunk(t, p) for t, p in chunks[1:]),
        "zero_width": PNG_SIG + ihdr(0, 12) + b"".join(chunk(t, p) for t, p in chunks[1:]),
        "no_idat": join_chunks([c for c in chunks if c[0] != b"IDAT"]),
        "garbage_idat": join_chunks([(t, b"\x00garbage" * 4 if t == b"IDAT" else p) for t, p in chunks]),
        "huge_length": PNG_SIG + chunk(b"IHDR", chunks[0][1]) + b"\xff\xff\xff\xf0IDAT" + idat,
        "bad_tag": PNG_SIG + chunk(b"IHDR", chunks[0][1]) + chunk(b"I\x00AT", idat) + chunk(b"IEND", b""),
    }


@pytest.mark.parametrize("variant", sorted(_broken_variants(png_bytes(np.zeros((2, 2), np.uint8)))))
def test_broken_png_chunks(place, rng, variant):
    data = _broken_variants(png_bytes(_gray(rng)))[variant]
    src = _write(place, f"{variant}.png", data)
    line = fails(place, src)
    assert "PNG" in line or "image" in line


# 2. a header claiming 100000 x 100000 ----------------------------------------------------------


def test_header_claiming_100000_squared_is_refused_from_the_header(place):
    # the IDAT holds 100 bytes, so only the header can tell
    data = PNG_SIG + ihdr(100000, 100000) + chunk(b"IDAT", zlib_bytes(b"\0" * 100)) + chunk(b"IEND", b"")
    src = _write(place, "bomb.png", data)
    line = fails(place, src)
    assert "100000x100000" in line and "--max-pixels" in line and "10,000,000,000" in line


def zlib_bytes(raw: bytes) -> bytes:
    import zlib

    return zlib.compress(raw)


def test_max_pixels_is_adjustable(place, rng):
    src = _write(place, "a.png", png_bytes(_gray(rng, 20, 30)))
    line = fails(place, src, "--max-pixels", "599")
    assert "600" in line and "599" in line
    succeeds(place, src, "--max-pixels", "600")


# 3. cut files ------------------------------------------------------------------------------------


@pytest.mark.parametrize("keep", [0.2, 0.5, 0.9, -12, -4, -1])
def test_cut_png(place, rng, keep):
    good = png_bytes(rng.integers(0, 256, (64, 64, 3), dtype=np.uint8))
    n = int(len(good) * keep) if keep > 0 else len(good) + keep
    src = _write(place, "cut.png", good[:n])
    assert "truncated" in fails(place, src)


def test_cut_png_with_allow_truncated(place, rng):
    arr = rng.integers(0, 256, (64, 64), dtype=np.uint8)
    good = png_bytes(arr)
    src = _write(place, "cut.png", good[: len(good) - 12])  # IEND gone, the pixels all there
    out = succeeds(place, src, "--allow-truncated")
    np.testing.assert_array_equal(np.asarray(Image.open(out)), arr)
    src = _write(place, "half.png", good[: len(good) // 2])
    out = succeeds(place, src, "--allow-truncated", out_name="h.png")
    assert np.asarray(Image.open(out)).shape == (64, 64)


def test_cut_jpeg(place, rng):
    buf = io.BytesIO()
    Image.fromarray(rng.integers(0, 256, (64, 64, 3), dtype=np.uint8)).save(buf, "JPEG")
    src = _write(place, "cut.jpg", buf.getvalue()[: len(buf.getvalue()) // 2])
    assert "truncated" in fails(place, src)


def test_cut_npy(place, rng):
    buf = io.BytesIO()
    np.save(buf, rng.standard_normal((20, 20)))
    src = _write(place, "cut.npy", buf.getvalue()[:-50])
    fails(place, src, out_name="o.npy")


# 4, 5. a text file named .png, a zero-byte file --------------------------------------------------


def test_text_file_named_png(place):
    src = _write(place, "notes.png", b"these are my notes, not a picture\n")
    assert "not an image" in fails(place, src)


def test_zero_byte_file(place):
    src = _write(place, "empty.png", b"")
    assert "empty" in fails(place, src)


# 6-9. files that must work -------------------------------------------------------------------


def test_16bit_gray_keeps_its_values(place, rng):
    arr = rng.integers(0, 65536, (9, 11), dtype=np.uint16)
    src = place / "in" / "g16.png"
    Image.fromarray(arr).save(src)
    out = succeeds(place, str(src), "--depth", "16")
    np.testing.assert_array_equal(np.asarray(Image.open(out)), arr)


def test_palette_with_trns(place):
    img = Image.new("P", (5, 4))
    img.putpalette([10, 20, 30, 200, 100, 50] + [0] * 762)
    for xy in [(1, 1), (3, 2)]:
        img.putpixel(xy, 1)
    src = place / "in" / "pal.png"
    img.save(src, transparency=0)
    out = succeeds(place, str(src))
    got = np.asarray(Image.open(out))
    assert got.shape == (4, 5, 4)
    assert tuple(got[1, 1]) == (200, 100, 50, 255) and tuple(got[0, 0]) == (10, 20, 30, 0)


def test_cmyk_jpeg(place, rng):
    rgb = np.full((8, 8, 3), (200, 40, 90), dtype=np.uint8)
    src = place / "in" / "cmyk.jpg"
    Image.fromarray(rgb).convert("CMYK").save(src, quality=100)
    assert Image.open(src).mode == "CMYK"
    out = succeeds(place, str(src))
    got = np.asarray(Image.open(out)).astype(int)
    assert got.shape == (8, 8, 3)
    assert np.abs(got - rgb).max() <= 12  # CMYK round trip through JPEG


def test_exif_rotated_jpeg(place):
    arr = np.zeros((16, 32, 3), dtype=np.uint8)
    arr[:, :16] = 255  # the stored left half is white
    img = Image.fromarray(arr)
    exif = img.getexif()
    exif[0x0112] = 6  # displayed rotated 90 degrees clockwise: the white half on top
    src = place / "in" / "rot.jpg"
    img.save(src, exif=exif, quality=100)
    out = succeeds(place, str(src))
    got = np.asarray(Image.open(out)).astype(int)
    assert got.shape == (32, 16, 3)
    assert got[:12].mean() > 240 and got[20:].mean() < 15


# 13, 14. NaN/Inf and pickles in .npy ---------------------------------------------------------


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_nan_inf_in_npy(place, rng, bad):
    arr = rng.standard_normal((6, 7))
    arr[2, 3] = bad
    src = place / "in" / "bad.npy"
    np.save(src, arr)
    assert "NaN or Inf" in fails(place, str(src), out_name="o.npy")
    out = succeeds(place, str(src), "--nan", "zero", out_name="o.npy")
    want = arr.copy()
    want[2, 3] = 0
    np.testing.assert_allclose(np.load(out), want, rtol=1e-6, atol=1e-6)


def test_pickled_npy_is_refused(place):
    src = place / "in" / "p.npy"
    np.save(src, np.array([{"x": 1}, None], dtype=object), allow_pickle=True)
    assert "pickle" in fails(place, str(src), out_name="o.npy")


# 15, 16. kernel files with the wrong shape, even sizes -------------------------------------------


def _kernel_fails(place, rng, kernel: str, *names: str, code: int = 2) -> str:
    src = _write(place, "a.png", png_bytes(_gray(rng)))
    before = snapshot(place / "in")
    res = run("filter", src, "-k", kernel, "-o", str(place / "out" / "o.png"))
    assert res.exit_code == code, res.stderr
    line = assert_one_line_error(res.stderr, *names)
    assert os.listdir(place / "out") == [] and snapshot(place / "in") == before
    return line


def test_kernel_file_wrong_shape(place, rng):
    # (a 3-D kernel is no longer a wrong shape for an image: it filters it as a one-frame volume)
    k5 = place / "k5.npy"
    np.save(k5, np.ones((1, 1, 1, 1, 3)))
    assert "5-D" in _kernel_fails(place, rng, str(k5), "k5.npy")
    ragged = place / "ragged.txt"
    ragged.write_text("1 2 1\n2 4\n1 2 1\n")
    assert "different lengths" in _kernel_fails(place, rng, "@" + str(ragged), "ragged.txt")
    words = place / "words.txt"
    words.write_text("1 2 one\n")
    _kernel_fails(place, rng, "@" + str(words), "one")
    assert "needs 9 values" in _kernel_fails(place, rng, "3x3:1,2,3,4", "3x3")
    missing = place / "nope.npy"
    _kernel_fails(place, rng, str(missing), "nope.npy")
    pickled = place / "pk.npy"
    np.save(pickled, np.array([None], dtype=object), allow_pickle=True)
    _kernel_fails(place, rng, str(pickled), "pk.npy")


def test_even_size_where_odd_is_needed(place, rng):
    assert "odd" in _kernel_fails(place, rng, "identity:size=4", "identity")


def test_even_kernel_file_is_allowed_with_the_documented_origin(place, rng):
    # filter accepts even kernels: `same` keeps full[(k-1)//2 :] (SPEC), checked against the reference
    arr = _gray(rng, 9, 8)
    src = place / "in" / "a.npy"
    np.save(src, arr.astype(np.float64))
    kfile = place / "even.txt"
    k = np.array([[1.0, 2.0], [3.0, -1.0]])
    kfile.write_text("1 2\n3 -1\n")
    out = succeeds(place, str(src), kernel="@" + str(kfile), out_name="o.npy")
    want = naive_convolve(arr.astype(np.float64), k, boundary="reflect")
    np.testing.assert_allclose(np.load(out), want, rtol=1e-5, atol=1e-3)


# 17, 18. stride 0 and negative sizes: usage errors before any file is opened ----------------------


@pytest.mark.parametrize("args,text", [
    (["-k", "box:3", "--stride", "0"], "--stride"),
    (["-k", "box:3", "--stride", "2,0"], "--stride"),
    (["-k", "box:3", "--dilation", "0"], "--dilation"),
    (["-k", "box:3", "--stride", "-2"], "--stride"),
    (["-k", "box:3", "--dilation", "-1"], "--dilation"),
    (["-k", "box:-3"], "size"),
    (["-k", "gaussian:sigma=1,size=-5"], "size"),
    (["-k", "gaussian:sigma=-1"], "sigma"),
    (["-k", "moving-average:-4"], "n"),
    (["-k", "0x3:"], "positive"),
    (["-k", "-3x3:1,2,3,4,5,6,7,8,9"], "-3x3"),
    (["-k", "box:3", "--max-pixels", "-1"], "--max-pixels"),
    (["-k", "box:3", "--jobs", "0"], "--jobs"),
])
def test_zero_and_negative_sizes_are_usage_errors(place, args, text):
    # the input does not exist: a usage error must come first, before any file is opened
    missing = str(place / "in" / "missing.png")
    res = run("filter", missing, *args, "-o", str(place / "out" / "o.png"))
    assert res.exit_code == 2, res.stderr
    assert text in assert_one_line_error(res.stderr)
    assert "missing.png" not in res.stderr
    assert os.listdir(place / "out") == []


# 19-21. output problems ------------------------------------------------------------------------


def _immutable(path) -> bool:
    """Make a folder unwritable, even for root (chattr +i); False when that is not possible."""
    import subprocess

    os.chmod(path, 0o555)
    if os.geteuid() != 0:
        return True
    done = subprocess.run(["chattr", "+i", str(path)], capture_output=True)
    return done.returncode == 0


def _mutable(path) -> None:
    import subprocess

    if os.geteuid() == 0:
        subprocess.run(["chattr", "-i", str(path)], capture_output=True)
    os.chmod(path, 0o755)


def test_unwritable_output_directory(place, rng):
    src = _write(place, "a.png", png_bytes(_gray(rng)))
    locked = place / "locked"
    locked.mkdir()
    if not _immutable(locked):
        _mutable(locked)
        pytest.skip("cannot make a read-only folder here")
    try:
        before = snapshot(place / "in")
        for args in (["-o", str(locked / "o.png")], ["--out-dir", str(locked / "sub")]):
            res = run("filter", src, "-k", "box:3", *args)
            assert res.exit_code == 1, res.stderr
            assert_one_line_error(res.stderr, str(locked))
            assert os.listdir(locked) == []
        assert snapshot(place / "in") == before
    finally:
        _mutable(locked)


def test_output_directory_missing_or_a_file(place, rng):
    src = _write(place, "a.png", png_bytes(_gray(rng)))
    fails(place, src, names=["nodir"], out_name="nodir/o.png")
    fails(place, src, names=["a.png"], out_name="../in/a.png/o.png")


def test_output_is_the_input(place, rng):
    src = _write(place, "a.png", png_bytes(_gray(rng)))
    before = snapshot(place / "in")
    for target in (src, str(place / "in" / "." / "a.png")):
        res = run("filter", src, "-k", "box:3", "-o", target, "--force")
        assert res.exit_code == 1
        assert "input" in assert_one_line_error(res.stderr, "a.png")
    os.symlink(src, place / "out" / "link.png")
    res = run("filter", src, "-k", "box:3", "-o", str(place / "out" / "link.png"), "--force")
    assert res.exit_code == 1 and "input" in res.stderr
    # a directory batch whose --out-dir is the input folder, without a suffix
    res = run("filter", str(place / "in"), "-k", "box:3", "--out-dir", str(place / "in"), "--force")
    assert res.exit_code == 1 and "input" in res.stderr
    assert snapshot(place / "in") == before
    assert sorted(os.listdir(place / "in")) == ["a.png"]


def test_existing_output_without_force(place, rng):
    src = _write(place, "a.png", png_bytes(_gray(rng)))
    out = place / "out" / "o.png"
    out.write_bytes(b"precious")
    before = snapshot(place / "in")
    res = run("filter", src, "-k", "box:3", "-o", str(out))
    assert res.exit_code == 1
    assert "--force" in assert_one_line_error(res.stderr, "o.png")
    assert out.read_bytes() == b"precious" and os.listdir(place / "out") == ["o.png"]
    assert snapshot(place / "in") == before
    res = run("filter", src, "-k", "box:3", "-o", str(out), "--force")
    assert res.exit_code == 0 and out.read_bytes()[:8] == PNG_SIG


def test_outputs_get_normal_permissions(place, rng):
    src = _write(place, "a.png", png_bytes(_gray(rng)))
    out = succeeds(place, src)
    mask = os.umask(0)
    os.umask(mask)
    assert os.stat(out).st_mode & 0o777 == 0o666 & ~mask


def test_failed_write_leaves_no_partial_file(place, rng, monkeypatch):
    # the encoder fails half-way: the target stays absent and the temporary file is removed
    src = _write(place, "a.png", png_bytes(_gray(rng)))
    from PIL import Image as PILImage

    def broken_save(self, fh, *args, **kwargs):
        fh.write(b"half an image")
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(PILImage.Image, "save", broken_save)
    line = fails(place, src, names=["o.png"])
    assert "No space left" in line


def test_bad_files_in_a_batch_are_each_named(place, rng):
    good = png_bytes(_gray(rng))
    _write(place, "good1.png", good)
    _write(place, "good2.png", good)
    _write(place, "text.png", b"hello")
    _write(place, "empty.png", b"")
    _write(place, "cut.png", good[:-20])
    before = snapshot(place / "in")
    res = run("filter", str(place / "in"), "-k", "box:3", "--out-dir", str(place / "out"))
    assert res.exit_code == 1
    lines = res.stderr.strip().splitlines()
    assert sorted(lines[:-1]) == sorted(lines[:-1]) and len(lines) == 4
    for name in ("text.png", "empty.png", "cut.png"):
        assert sum(name in line for line in lines) == 1
    assert lines[-1] == "convcli: 3 of 5 inputs failed"
    assert sorted(os.listdir(place / "out")) == ["good1.png", "good2.png"]
    assert snapshot(place / "in") == before
    shutil.rmtree(place / "out")


# .npy headers are checked before NumPy allocates what they promise --------------------------------


def _npy_header_only(shape, extra: bytes = b"\0" * 64) -> bytes:
    from numpy.lib import format as npformat

    buf = io.BytesIO()
    npformat.write_array_header_1_0(buf, {"descr": "<f8", "fortran_order": False, "shape": shape})
    return buf.getvalue() + extra


def test_npy_header_claiming_100000_squared(place):
    src = _write(place, "bomb.npy", _npy_header_only((100000, 100000)))
    assert "--max-pixels" in fails(place, src, out_name="o.npy")
    # with the limit lifted, the missing data is found from the file size, not by allocating 75 GiB
    assert "truncated" in fails(place, src, "--max-pixels", str(10**12), out_name="o.npy")


def test_npz_member_header_claiming_more_than_it_holds(place):
    import zipfile

    path = place / "in" / "bomb.npz"
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("image.npy", _npy_header_only((20000, 20000)))
    assert "truncated" in fails(place, str(path), "--max-pixels", str(10**12), out_name="o.npy")
