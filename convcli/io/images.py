"""Image files in and out: Pillow formats, ``.npy``/``.npz``, stdin/stdout, atomic writes.

Conventions (SPEC "Files"): arrays are channels last; 8- and 16-bit images keep their own units
(0-255, 0-65535); palette images become RGB or RGBA; alpha is kept apart from the colour
channels so that filters can carry it through; JPEG EXIF orientation is applied.
"""

from __future__ import annotations

import io
import os
import zipfile
from dataclasses import dataclass, field

import numpy as np

from convcli.errors import DataError, InputError, OutputError, UsageError
from convcli.io.atomic import STDIO, atomic_open
from convcli.io.npy_header import check_npy_header
from convcli.io.png_read import SIGNATURE as PNG_SIGNATURE
from convcli.io.png_read import decode_png16, scan_png
from convcli.io.source import input_source

DEFAULT_MAX_PIXELS = 178_956_970  # Pillow's MAX_IMAGE_PIXELS
OUTPUT_RANGES = ("clip", "abs", "rescale", "offset")
DEPTHS = ("8", "16", "float")

_PIL_FORMATS = {
    ".png": "PNG", ".jpg": "JPEG", ".jpeg": "JPEG", ".tif": "TIFF", ".tiff": "TIFF", ".bmp": "BMP",
    ".gif": "GIF", ".pgm": "PPM", ".ppm": "PPM", ".pnm": "PPM", ".pbm": "PPM", ".webp": "WEBP",
}
FORMATS = ("png", "jpg", "jpeg", "tif", "tiff", "bmp", "gif", "pgm", "ppm", "pnm", "webp", "npy", "npz")


@dataclass
class ImageData:
    """A decoded image.

    Attributes
    ----------
    pixels : numpy.ndarray
        ``(H, W)`` or ``(H, W, C)`` colour/gray samples without alpha, in the file's own dtype.
    alpha : numpy.ndarray or None
        ``(H, W)`` alpha, same dtype as ``pixels``.
    full_scale : float or None
        The value of full white in ``pixels`` units (255, 65535), or None for raw arrays.
    format : str
        ``PNG``, ``JPEG``, ..., ``NPY``, ``NPZ``.
    info : dict
        Extra metadata (e.g. PNG text chunks).
    """

    pixels: np.ndarray
    alpha: np.ndarray | None = None
    full_scale: float | None = None
    format: str = ""
    info: dict = field(default_factory=dict)

    @property
    def combined(self) -> np.ndarray:
        """Pixels with alpha appended as the last channel (what ``load_image`` returns)."""
        if self.alpha is None:
            return self.pixels
        px = self.pixels if self.pixels.ndim == 3 else self.pixels[:, :, None]
        return np.concatenate([px, self.alpha[:, :, None].astype(px.dtype)], axis=2)


def _sniff(src) -> bytes:
    if isinstance(src, io.BytesIO):
        return src.getvalue()[:8]
    with open(src, "rb") as fh:
        return fh.read(8)


def read_image(
    path: str,
    *,
    max_pixels: int | None = DEFAULT_MAX_PIXELS,
    allow_truncated: bool = False,
) -> ImageData:
    """Read an image or array file (``-`` = standard input).

    Parameters
    ----------
    path : str
        PNG, JPEG, TIFF, BMP, GIF, PGM/PPM, WebP, ``.npy`` or ``.npz``; ``-`` for stdin.
    max_pixels : int or None
        Refuse images with more pixels than this (checked from the header, before decoding).
    allow_truncated : bool
        Decode what there is of a truncated file instead of failing.

    Raises
    ------
    InputError
        Missing, unreadable, truncated, corrupt or too large files.
    """
    src, name = input_source(path, "an image file")
    head = _sniff(src)
    if not head:
        raise InputError("the file is empty", name)
    if head.startswith(b"\x93NUMPY"):
        return _read_npy(src, name, max_pixels)
    if head.startswith(b"PK\x03\x04") or head.startswith(b"PK\x05\x06"):
        return _read_npz(src, name, max_pixels)
    if head.startswith(PNG_SIGNATURE):
        decoded = _read_png_checked(src, name, max_pixels, allow_truncated)
        if decoded is not None:
            return decoded
    return _read_pillow(src, name, max_pixels, allow_truncated)


def _read_png_checked(src, name: str, max_pixels: int | None, allow_truncated: bool) -> ImageData | None:
    """Check a PNG's chunks (CRCs, IEND: Pillow decodes some broken and cut files); decode 16-bit
    colour and gray+alpha here (Pillow reduces them to 8 bits); None leaves the rest to Pillow."""
    scan = scan_png(src, name, allow_truncated=allow_truncated,
                    on_header=lambda w, h: _check_pixels((h, w), max_pixels, name))
    if scan.bit_depth == 16 and scan.color_type in (2, 4, 6):
        pixels, alpha = decode_png16(src, scan, name)
        return ImageData(pixels, alpha, 65535.0, "PNG", dict(scan.text))
    return None


def load_image(path: str, **options) -> np.ndarray:
    """Read an image file as an array (alpha, if any, as the last channel); see :func:`read_image`."""
    return read_image(path, **options).combined


def _check_pixels(shape: tuple[int, ...], max_pixels: int | None, name: str) -> None:
    pixels = int(np.prod(shape[:2], dtype=np.int64)) if len(shape) >= 2 else int(shape[0]) if shape else 1
    if max_pixels is not None and pixels > max_pixels:
        dims = "x".join(str(s) for s in shape[:2][::-1])
        raise InputError(
            f"image is {dims} = {pixels:,} pixels, over the limit of {max_pixels:,} "
            "(a possible decompression bomb; raise it with --max-pixels)", name)


def _validate_array(arr, name: str, max_pixels: int | None) -> np.ndarray:
    if not isinstance(arr, np.ndarray) or arr.dtype.kind not in "biuf":
        raise InputError("the array must be real numbers (bool, int, uint or float)", name)
    if arr.size == 0:
        raise InputError(f"the array is empty (shape {arr.shape})", name)
    _check_pixels(arr.shape, max_pixels, name)
    if arr.dtype.kind == "b":
        arr = arr.astype(np.uint8)
    return arr


def _read_npy(src, name: str, max_pixels: int | None) -> ImageData:
    on_shape = lambda shape: _check_pixels(shape, max_pixels, name)  # noqa: E731
    if isinstance(src, io.BytesIO):
        check_npy_header(src, name, len(src.getbuffer()), on_shape)
        src.seek(0)
    else:
        with open(src, "rb") as fh:
            check_npy_header(fh, name, os.fstat(fh.fileno()).st_size, on_shape)
    try:
        arr = np.load(src, allow_pickle=False)
    except ValueError as exc:
        msg = "pickled arrays are refused" if "pickle" in str(exc) else f"not a valid .npy file: {exc}"
        raise InputError(msg, name) from None
    except (OSError, EOFError) as exc:
        raise InputError(f"cannot read .npy file (truncated or corrupt): {exc}", name) from None
    return ImageData(_validate_array(arr, name, max_pixels), format="NPY")


def _read_npz(src, name: str, max_pixels: int | None) -> ImageData:
    try:
        with np.load(src, allow_pickle=False) as npz:
            keys = list(npz.files)
            if "image" in keys:
                key = "image"
            elif len(keys) == 1:
                key = keys[0]
            else:
                raise InputError(f"the .npz file holds {len(keys)} arrays ({', '.join(keys[:5])}); "
                                 "name the image array 'image'", name)
            member = key + ".npy" if key + ".npy" in npz.zip.namelist() else key
            with npz.zip.open(member) as fh:
                check_npy_header(fh, name, npz.zip.getinfo(member).file_size,
                                 lambda shape: _check_pixels(shape, max_pixels, name))
            arr = npz[key]
    except InputError:
        raise
    except (ValueError, OSError, EOFError, zipfile.BadZipFile, KeyError) as exc:
        raise InputError(f"cannot read .npz file: {exc}", name) from None
    return ImageData(_validate_array(arr, name, max_pixels), format="NPZ")


def _read_pillow(src, name: str, max_pixels: int | None, allow_truncated: bool) -> ImageData:
    from PIL import Image, ImageFile, ImageOps, UnidentifiedImageError

    Image.MAX_IMAGE_PIXELS = None  # we apply our own limit, from the header, before decoding
    try:
        img = Image.open(src)
    except UnidentifiedImageError:
        raise InputError("not an image file, or a format convcli cannot read", name) from None
    except (OSError, SyntaxError, ValueError) as exc:
        raise InputError(f"cannot read image header: {exc}", name) from None
    try:
        w, h = img.size
        _check_pixels((h, w), max_pixels, name)
        previous = ImageFile.LOAD_TRUNCATED_IMAGES
        ImageFile.LOAD_TRUNCATED_IMAGES = allow_truncated
        try:
            img.load()
        finally:
            ImageFile.LOAD_TRUNCATED_IMAGES = previous
        fmt = img.format or ""
        info = {k: v for k, v in img.info.items() if isinstance(v, str)}
        if fmt == "JPEG" or img.getexif().get(0x0112, 1) != 1:
            img = ImageOps.exif_transpose(img)
        return _from_pillow(img, fmt, info, name)
    except InputError:
        raise
    except (OSError, SyntaxError, ValueError, EOFError, Image.DecompressionBombError) as exc:
        text = str(exc) or type(exc).__name__
        if "truncated" in text:
            text += " (use --allow-truncated to read what there is)"
        raise InputError(f"cannot decode image: {text}", name) from None
    finally:
        img.close()


def _from_pillow(img, fmt: str, info: dict, name: str) -> ImageData:
    mode = img.mode
    if mode == "1":
        img, mode = img.convert("L"), "L"
    if mode in ("P", "PA"):
        has_alpha = mode == "PA" or "transparency" in img.info
        img = img.convert("RGBA" if has_alpha else "RGB")
        mode = img.mode
    if mode in ("CMYK", "YCbCr", "LAB", "HSV", "RGBX"):
        img, mode = img.convert("RGB"), "RGB"
    if mode == "La":
        img, mode = img.convert("LA"), "LA"
    if mode == "RGBa":
        img, mode = img.convert("RGBA"), "RGBA"
    if mode.startswith("I;16"):
        arr = np.array(img).astype(np.uint16)
        return ImageData(arr, None, 65535.0, fmt, info)
    if mode == "I":
        arr = np.array(img)
        if arr.min() >= 0 and arr.max() <= 65535:
            return ImageData(arr.astype(np.uint16), None, 65535.0, fmt, info)
        return ImageData(arr.astype(np.float64), None, None, fmt, info)
    if mode == "F":
        return ImageData(np.array(img, dtype=np.float32), None, None, fmt, info)
    if mode in ("L", "RGB"):
        return ImageData(np.array(img), None, 255.0, fmt, info)
    if mode in ("LA", "RGBA"):
        arr = np.array(img)
        px = arr[:, :, 0] if mode == "LA" else arr[:, :, :3]
        return ImageData(np.ascontiguousarray(px), np.ascontiguousarray(arr[:, :, -1]), 255.0, fmt, info)
    raise InputError(f"unsupported image mode {mode}", name)


# --- writing ---------------------------------------------------------------------------------


def output_format(path: str, fmt: str | None = None) -> str:
    """The lower-case format name for ``path`` (or ``fmt``); ``-`` without ``fmt`` means PNG."""
    if fmt:
        f = fmt.lower().lstrip(".")
        if f not in FORMATS:
            raise UsageError(f"unknown output format {fmt!r}; choose one of {', '.join(FORMATS)}")
        return f
    if path == STDIO:
        return "png"
    ext = os.path.splitext(path)[1].lower()
    if not ext or ext.lstrip(".") not in FORMATS:
        raise UsageError(f"cannot tell the output format from {path!r}; use one of "
                         f"{', '.join('.' + f for f in FORMATS)} or --format")
    return ext.lstrip(".")


def to_integer(values: np.ndarray, bits: int, output_range: str = "clip",
               full_scale: float | None = None) -> np.ndarray:
    """Map float results to ``bits``-bit integers without wrapping.

    ``full_scale`` is the value of full white in ``values`` (255 for 8-bit sources, 65535 for
    16-bit); values are rescaled to the output depth's units first. ``clip`` clips to the range,
    ``abs`` takes magnitudes, ``offset`` adds mid-grey (signed results centred on grey), and
    ``rescale`` stretches the result's own min..max to the full range.
    """
    if output_range not in OUTPUT_RANGES:
        raise UsageError(f"output range must be one of {', '.join(OUTPUT_RANGES)}; got {output_range!r}")
    maxval = 255.0 if bits == 8 else 65535.0
    src = np.asarray(values)
    scale = maxval / full_scale if full_scale is not None and full_scale != maxval else None

    def prepared(part: np.ndarray) -> np.ndarray:
        v = part.astype(np.float64)
        if scale is not None:
            v *= scale
        if output_range == "abs":
            np.abs(v, out=v)
        elif output_range == "offset":
            v += (maxval + 1.0) / 2.0
        return v

    # Blocks of a million samples, so that a large image never needs float64 copies of itself
    # (the same element-wise operations as on the whole array, so the same result).
    flat = src.reshape(-1)
    blocks = [(i, min(i + _BLOCK, flat.size)) for i in range(0, flat.size, _BLOCK)]
    lo = hi = 0.0
    if output_range == "rescale":
        lows, highs = [], []
        for i, j in blocks:
            v = prepared(flat[i:j])
            finite = v[np.isfinite(v)]
            if finite.size:
                lows.append(float(finite.min()))
                highs.append(float(finite.max()))
        if lows:
            lo, hi = min(lows), max(highs)
    out = np.empty(flat.size, dtype=np.uint8 if bits == 8 else np.uint16)
    for i, j in blocks:
        v = prepared(flat[i:j])
        if output_range == "rescale":
            if hi > lo:
                v -= lo
                v *= maxval / (hi - lo)
            else:
                v[:] = 0.0
        np.nan_to_num(v, copy=False, nan=0.0, posinf=maxval, neginf=0.0)
        np.clip(v, 0.0, maxval, out=v)
        np.rint(v, out=v)
        out[i:j] = v
    return out.reshape(src.shape)


_BLOCK = 1 << 20


def write_image(
    path: str,
    values: np.ndarray,
    *,
    alpha: np.ndarray | None = None,
    alpha_scale: float | None = None,
    depth: str = "8",
    output_range: str = "clip",
    full_scale: float | None = None,
    fmt: str | None = None,
    text: dict[str, str] | None = None,
) -> None:
    """Write a result atomically; see :func:`save_image` for the public form.

    ``alpha`` (in ``alpha_scale`` units) is appended unfiltered; ``text`` becomes PNG text chunks.
    """
    fmt = output_format(path, fmt)
    depth = str(depth)
    if depth not in DEPTHS:
        raise UsageError(f"depth must be one of {', '.join(DEPTHS)}; got {depth!r}")
    arr = np.asarray(values)
    if arr.dtype.kind not in "biuf":
        raise DataError(f"cannot write an array of dtype {arr.dtype} (real numbers only)", path)
    if arr.ndim == 3 and arr.shape[2] == 1:
        arr = arr[:, :, 0]
    if fmt in ("npy", "npz"):
        out = arr if alpha is None else _append(arr, alpha.astype(arr.dtype, copy=False))
        with atomic_open(path) as fh:
            if fmt == "npy":
                np.save(fh, out, allow_pickle=False)
            else:
                np.savez_compressed(fh, image=out)
        return
    if arr.ndim not in (2, 3):
        raise OutputError(f"cannot write a {arr.ndim}-D array of shape {arr.shape} as an image; "
                          "write .npy or .npz", path)
    if arr.size == 0:
        raise DataError(f"cannot write an empty image (shape {arr.shape})", path)
    channels = 1 if arr.ndim == 2 else arr.shape[2]
    if channels > 4 or (alpha is not None and channels not in (1, 3)):
        raise OutputError(f"an image file holds 1 to 4 channels (gray, gray+alpha, RGB, RGBA); this "
                          f"result has {channels + (alpha is not None)}: write .npy/.npz instead", path)
    if depth == "float":
        _write_float(path, arr, alpha, fmt)
        return
    bits = 16 if depth == "16" else 8
    data = to_integer(arr, bits, output_range, full_scale)
    if alpha is not None and fmt not in ("jpg", "jpeg", "pgm", "ppm", "pnm"):
        data = _append(data, to_integer(alpha, bits, "clip", alpha_scale))
    _write_pillow(path, data, bits, fmt, text)


def _append(arr: np.ndarray, alpha: np.ndarray) -> np.ndarray:
    base = arr if arr.ndim == 3 else arr[:, :, None]
    return np.concatenate([base, alpha[:, :, None]], axis=2)


def _write_float(path: str, arr: np.ndarray, alpha, fmt: str) -> None:
    from PIL import Image

    if fmt not in ("tif", "tiff") or arr.ndim != 2 or alpha is not None:
        raise OutputError("--depth float is written to .npy, .npz or a grayscale .tif", path)
    img = Image.fromarray(np.ascontiguousarray(arr, dtype=np.float32), mode="F")
    with atomic_open(path) as fh:
        img.save(fh, format="TIFF")


def _write_pillow(path: str, data: np.ndarray, bits: int, fmt: str, text: dict[str, str] | None) -> None:
    from PIL import Image, PngImagePlugin

    pil_format = _PIL_FORMATS["." + fmt]
    channels = 1 if data.ndim == 2 else data.shape[2]
    if bits == 16:
        if pil_format == "PNG" and channels > 1:
            from convcli.io.png16 import encode_png16

            payload = encode_png16(data, text)
            with atomic_open(path) as fh:
                fh.write(payload)
            return
        if pil_format not in ("PNG", "TIFF") or channels > 1:
            raise OutputError("16-bit output is written as PNG (gray or colour) or grayscale TIFF", path)
        img = Image.fromarray(np.ascontiguousarray(data, dtype=np.uint16))
    else:
        img = Image.fromarray(np.ascontiguousarray(data))
    options = {}
    if pil_format == "PNG" and text:
        meta = PngImagePlugin.PngInfo()
        for key, value in text.items():
            meta.add_text(key, value)
        options["pnginfo"] = meta
    if pil_format == "JPEG":
        options["quality"] = 95
    with atomic_open(path) as fh:
        img.save(fh, format=pil_format, **options)


def save_image(
    path: str,
    image: np.ndarray,
    *,
    depth: str | int = 8,
    output_range: str = "clip",
    full_scale: float | None = 255.0,
) -> None:
    """Write an array as an image file, atomically, choosing the format by extension.

    Parameters
    ----------
    path : str
        Target; ``.npy``/``.npz`` keep raw values; ``-`` writes PNG to standard output.
    image : numpy.ndarray
        ``(H, W)``, ``(H, W, 3)``; a 2nd or 4th channel is written as alpha.
    depth : {8, 16, 'float'}
        Sample depth of the file.
    output_range : {'clip', 'abs', 'rescale', 'offset'}
        How values outside the integer range are mapped (never wrapped).
    full_scale : float or None
        Value of full white in ``image`` (255 by default); None writes values as they are.
    """
    arr = np.asarray(image)
    alpha = None
    if arr.ndim == 3 and arr.shape[2] in (2, 4) and not path.lower().endswith((".npy", ".npz")):
        arr, alpha = arr[:, :, :-1], arr[:, :, -1]
    write_image(path, arr, alpha=alpha, alpha_scale=full_scale, depth=str(depth),
                output_range=output_range, full_scale=full_scale)
