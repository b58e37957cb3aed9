"""Fuzzing with Hypothesis: readers and parsers let only ConvcliError escape; the API answers
bad arrays (NaN/Inf, empty, wrong dtype or shape) with ValueError-type errors."""

from __future__ import annotations

import io
import os
import struct
import tempfile
import zlib

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from convcli import convolve
from convcli.errors import ConvcliError, DataError, UsageError
from convcli.io.images import read_image, save_image
from convcli.kernelspec import parse_kernel
from tests.badfiles import PNG_SIG, chunk

SETTINGS = settings(deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])


def _read_bytes(data: bytes, suffix: str, **options):
    """read_image on ``data`` saved as a file; returns the ImageData or the ConvcliError."""
    fd, path = tempfile.mkstemp(suffix=suffix)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        try:
            result = read_image(path, max_pixels=1 << 20, **options)
        except ConvcliError as exc:
            assert path in str(exc)  # every error names the file
            assert "\n" not in str(exc)
            return exc
        assert isinstance(result.pixels, np.ndarray) and result.pixels.size > 0
        return result
    finally:
        os.unlink(path)


MAGICS = [b"", PNG_SIG, b"\x93NUMPY\x01\x00", b"PK\x03\x04", b"\xff\xd8\xff\xe0", b"GIF89a", b"BM", b"II*\x00",
          b"MM\x00*", b"P5\n", b"RIFF"]


@SETTINGS
@given(magic=st.sampled_from(MAGICS), body=st.binary(max_size=600),
       suffix=st.sampled_from([".png", ".npy", ".jpg", ".tif", ".bin"]), allow_truncated=st.booleans())
def test_random_bytes_never_crash_the_reader(magic, body, suffix, allow_truncated):
    _read_bytes(magic + body, suffix, allow_truncated=allow_truncated)


_DEPTHS = {0: (1, 2, 4, 8, 16), 2: (8, 16), 3: (1, 2, 4, 8), 4: (8, 16), 6: (8, 16)}


@st.composite
def png_files(draw):
    width = draw(st.integers(1, 12))
    height = draw(st.integers(1, 12))
    ctype = draw(st.sampled_from(sorted(_DEPTHS)))
    depth = draw(st.sampled_from(_DEPTHS[ctype]))
    interlace = draw(st.sampled_from([0, 1]))
    if draw(st.booleans()):  # sometimes an invalid header
        depth = draw(st.integers(0, 255))
        ctype = draw(st.integers(0, 8))
    header = struct.pack(">IIBBBBB", width, height, depth, ctype, 0, 0, interlace)
    channels = {0: 1, 2: 3, 3: 1, 4: 2, 6: 4}.get(ctype, 1)
    row = 1 + (width * channels * max(depth, 1) + 7) // 8
    raw_size = height * row * (2 if interlace else 1)
    kinds = st.sampled_from(["IDAT-good", "IDAT-random", "IDAT-zlib-random", "PLTE", "tRNS", "tEXt", "zTXt",
                             "random", "IEND"])
    chunks = [chunk(b"IHDR", header)]
    for kind in draw(st.lists(kinds, min_size=0, max_size=6)):
        if kind == "IDAT-good":
            filt = draw(st.binary(min_size=raw_size, max_size=raw_size))
            chunks.append(chunk(b"IDAT", zlib.compress(filt)))
        elif kind == "IDAT-random":
            chunks.append(chunk(b"IDAT", draw(st.binary(max_size=64))))
        elif kind == "IDAT-zlib-random":
            chunks.append(chunk(b"IDAT", zlib.compress(draw(st.binary(max_size=raw_size + 8)))))
        elif kind == "random":
            tag = draw(st.binary(min_size=4, max_size=4))
            chunks.append(chunk(tag, draw(st.binary(max_size=32))))
        elif kind == "IEND":
            chunks.append(chunk(b"IEND", b""))
        else:
            chunks.append(chunk(kind.encode(), draw(st.binary(max_size=48))))
    if draw(st.booleans()):
        chunks.append(chunk(b"IEND", b""))
    data = PNG_SIG + b"".join(chunks)
    if draw(st.booleans()):  # flip or cut a byte somewhere
        pos = draw(st.integers(0, len(data) - 1))
        if draw(st.booleans()):
            data = data[:pos] + bytes([data[pos] ^ draw(st.integers(1, 255))]) + data[pos + 1:]
        else:
            data = data[:pos]
    return data


@SETTINGS
@given(data=png_files(), allow_truncated=st.booleans())
def test_random_png_chunks_never_crash_the_reader(data, allow_truncated):
    result = _read_bytes(data, ".png", allow_truncated=allow_truncated)
    if not isinstance(result, ConvcliError):
        (width, height) = struct.unpack(">II", data[16:24])
        assert result.pixels.shape[:2] == (height, width)


@SETTINGS
@given(arr=hnp.arrays(dtype=st.sampled_from(["u1", "u2", "i4", "f4", "f8", "c8", "?", "U2", "M8[s]"]),
                      shape=hnp.array_shapes(min_dims=0, max_dims=4, min_side=0, max_side=5)))
def test_random_npy_never_crash_the_reader(arr):
    buf = io.BytesIO()
    np.save(buf, arr, allow_pickle=False)
    result = _read_bytes(buf.getvalue(), ".npy")
    if not isinstance(result, ConvcliError):
        assert result.pixels.dtype.kind in "uif"


@SETTINGS
@given(shape=st.lists(st.integers(0, 10**6), min_size=0, max_size=4),
       descr=st.sampled_from(["<f8", "|u1", "<i2", ">f4"]), data=st.binary(max_size=300),
       max_pixels=st.sampled_from([None, 1 << 20]))
def test_npy_headers_that_lie_never_crash_or_allocate(shape, descr, data, max_pixels):
    from numpy.lib import format as npformat

    buf = io.BytesIO()
    npformat.write_array_header_1_0(buf, {"descr": descr, "fortran_order": False, "shape": tuple(shape)})
    fd, path = tempfile.mkstemp(suffix=".npy")
    with os.fdopen(fd, "wb") as fh:
        fh.write(buf.getvalue() + data)
    try:
        result = read_image(path, max_pixels=max_pixels)
        assert result.pixels.nbytes <= len(data)  # nothing beyond what the file holds
    except ConvcliError as exc:
        assert path in str(exc)
    finally:
        os.unlink(path)


SPEC_ALPHABET = "0123456789x:,.=-+e@ abcdgilmnoprstuxyz_/\t\n#E"
BUILTIN_PREFIXES = ["", "box", "gaussian", "identity", "sobel-x", "laplacian", "diff", "moving-average",
                    "exp-decay", "3x3", "5", "2x2x2", "@", "k.npy"]


@SETTINGS
@given(prefix=st.sampled_from(BUILTIN_PREFIXES), sep=st.sampled_from(["", ":", ":sigma=", ":size=", ":n="]),
       tail=st.text(alphabet=SPEC_ALPHABET, max_size=24) | st.text(max_size=12))
def test_random_kernel_specs_only_raise_convcli_errors(prefix, sep, tail):
    spec = prefix + sep + tail
    assume(not spec.strip().startswith("@/dev"))
    try:
        kernel = parse_kernel(spec)
    except ConvcliError as exc:
        assert isinstance(exc, UsageError)  # a bad SPEC is a usage error (exit 2)
        assert "\n" not in str(exc).strip() or "\n" in spec
        return
    assert isinstance(kernel, np.ndarray) and kernel.size > 0 and np.isfinite(kernel).all()
    assert kernel.size <= 1 << 24


@pytest.mark.parametrize("spec", ["box:100000", "gaussian:sigma=100000", "gaussian:sigma=1,size=90000",
                                  "identity:size=99999", "box:16777216"])
def test_huge_builtin_kernels_are_refused_before_allocating(spec):
    with pytest.raises(UsageError, match="too large"):
        parse_kernel(spec)


@st.composite
def conv_args(draw):
    dtype = draw(st.sampled_from(["f4", "f8", "u1", "i2", "?", "c8"]))
    xshape = draw(hnp.array_shapes(min_dims=0, max_dims=3, min_side=0, max_side=6))
    x = draw(hnp.arrays(dtype=dtype, shape=xshape))
    kshape = draw(hnp.array_shapes(min_dims=0, max_dims=3, min_side=0, max_side=4))
    k = draw(hnp.arrays(dtype="f8", shape=kshape))
    options = {
        "mode": draw(st.sampled_from(["conv", "corr", "bad"])),
        "padding": draw(st.sampled_from(["same", "valid", "full"])),
        "boundary": draw(st.sampled_from(["reflect", "mirror", "nearest", "wrap", "zero"])),
        "stride": draw(st.integers(-1, 3)),
        "dilation": draw(st.integers(0, 3)),
        "nan": draw(st.sampled_from(["error", "zero", "propagate"])),
    }
    return x, k, options


@SETTINGS
@given(args=conv_args())
def test_random_arrays_to_the_api_give_value_errors(args):
    x, k, options = args
    try:
        y = convolve(x, k, **options)
    except ValueError as exc:
        assert isinstance(exc, (UsageError, DataError)), type(exc)
        return
    assert y.dtype == np.float32 and y.size > 0
    xf = np.nan_to_num(np.asarray(x, dtype=np.float64), nan=0, posinf=0, neginf=0)
    small = np.abs(xf).max() * np.abs(k).sum() < 1e30  # no float32 overflow possible
    if small and (options["nan"] == "zero" or np.isfinite(np.asarray(x, dtype=np.float64)).all()):
        assert np.isfinite(y).all()


@SETTINGS
@given(arr=hnp.arrays(dtype=st.sampled_from(["f4", "f8", "u1", "u2", "i8", "?"]),
                      shape=hnp.array_shapes(min_dims=0, max_dims=4, min_side=0, max_side=5),
                      elements=None),
       ext=st.sampled_from([".png", ".jpg", ".tif", ".npy"]), depth=st.sampled_from([8, 16, "float"]))
def test_random_arrays_to_save_image_give_convcli_errors(tmp_path, arr, ext, depth):
    path = str(tmp_path / f"out{ext}")
    if os.path.exists(path):
        os.unlink(path)
    try:
        save_image(path, arr, depth=depth)
    except ConvcliError as exc:
        assert isinstance(exc, (ValueError,)) or "out" in str(exc)
        assert not os.path.exists(path)
        return
    assert os.path.getsize(path) > 0


# what fuzzing found, kept as plain regression tests --------------------------------------------


def test_kernel_overflowing_float32_is_a_data_error():
    with pytest.raises(DataError, match="overflow"):
        convolve(np.zeros(3), [1e39])
    assert np.isfinite(convolve(np.ones(3), [1e39], dtype=np.float64)).all()


def test_input_beyond_float32_is_one_data_error_without_a_warning(tmp_path):
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error")  # numpy's "overflow encountered in cast" used to come first
        with pytest.raises(DataError, match="NaN or Inf"):
            convolve(np.full((4, 4), 1e300), np.ones((3, 3)))
    from typer.testing import CliRunner

    from convcli.cli import app

    np.save(tmp_path / "big.npy", np.full((20, 20), 1e300))
    result = CliRunner().invoke(app, ["filter", str(tmp_path / "big.npy"), "--kernel", "box:3",
                                      "-o", str(tmp_path / "out.npy")])
    assert result.exit_code == 1
    assert len(result.output.strip().splitlines()) == 1 and "NaN or Inf" in result.output
    assert not (tmp_path / "out.npy").exists()


def test_nul_in_a_kernel_file_name_is_a_spec_error():
    with pytest.raises(UsageError, match="cannot read kernel file"):
        parse_kernel("@a\x00b.txt")


@pytest.mark.parametrize("shape", [(0, 0), (0, 5), (3, 0, 3), (0, 0, 0)])
def test_empty_images_are_not_written(tmp_path, shape):
    path = tmp_path / "e.png"
    with pytest.raises(DataError, match="empty"):
        save_image(str(path), np.zeros(shape))
    assert not path.exists() and os.listdir(tmp_path) == []
