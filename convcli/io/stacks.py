"""Stacks of frames in and out: multi-page TIFF, animated GIF/APNG, 3-D/4-D ``.npy``/``.npz``, folders of slices.

A stack is ``(D, H, W)`` (gray) or ``(D, H, W, C)`` (colour), channels last like images, with the
alpha channel kept apart (``(D, H, W)``) and per-frame metadata: frame durations in milliseconds
(animated GIF/APNG) and the loop count. Multi-page TIFF is read with tifffile (Pillow fails on
some multi-page RGB and float TIFFs), falling back to Pillow for what tifffile cannot decode
(e.g. JPEG-compressed pages without the imagecodecs package). Outputs are atomic: files via
:func:`convcli.io.atomic.atomic_open`, folders written beside the target and renamed.
"""

from __future__ import annotations

import contextlib
import io
import os
import re
import shutil
import sys
import tempfile
from dataclasses import dataclass, field

import numpy as np

from convcli.errors import InputError, OutputError, UsageError
from convcli.io.atomic import STDIO, atomic_open
from convcli.io.images import (
    DEFAULT_MAX_PIXELS,
    DEPTHS,
    FORMATS,
    ImageData,
    _check_pixels,
    _from_pillow,
    read_image,
    to_integer,
    write_image,
)

STACK_FORMATS = ("tif", "tiff", "gif", "png", "npy", "npz")  # formats that hold many frames
SLICE_EXTENSIONS = (".png", ".tif", ".tiff", ".jpg", ".jpeg", ".bmp", ".pgm", ".ppm", ".pnm", ".gif", ".webp")
DEFAULT_DURATION_MS = 100
FOLDER = "folder"


@dataclass
class StackData:
    """A decoded stack of frames.

    Attributes
    ----------
    frames : numpy.ndarray
        ``(D, H, W)`` or ``(D, H, W, C)`` samples without alpha, in the file's own dtype.
    alpha : numpy.ndarray or None
        ``(D, H, W)`` alpha, or None.
    full_scale : float or None
        Value of full white in ``frames`` units (255, 65535), None for raw arrays.
    format : str
        ``TIFF``, ``GIF``, ``PNG`` (APNG), ``NPY``, ``NPZ``, ``SLICES`` or a single-image format.
    durations : list of float or None
        Display time of each frame in milliseconds (animations), else None.
    info : dict
        Other metadata: ``loop`` (animations), ``names`` (slice files).
    """

    frames: np.ndarray
    alpha: np.ndarray | None = None
    full_scale: float | None = None
    format: str = ""
    durations: list[float] | None = None
    info: dict = field(default_factory=dict)

    @property
    def n_frames(self) -> int:
        return int(self.frames.shape[0])

    def frame(self, i: int) -> ImageData:
        """Frame ``i`` as an :class:`ImageData` (to reuse 2-D code frame by frame)."""
        alpha = None if self.alpha is None else self.alpha[i]
        return ImageData(self.frames[i], alpha, self.full_scale, self.format)


# --- reading ---------------------------------------------------------------------------------


def _sniff(path: str) -> bytes:
    with open(path, "rb") as fh:
        return fh.read(8)


def _is_tiff(head: bytes) -> bool:
    return head[:4] in (b"II*\x00", b"MM\x00*", b"II+\x00", b"MM\x00+")


def is_stack_file(path: str) -> bool:
    """True for a folder, a TIFF with several pages, or an animated GIF/PNG (reads headers only)."""
    if path == STDIO or not os.path.exists(path):
        return False
    if os.path.isdir(path):
        return True
    try:
        head = _sniff(path)
        if _is_tiff(head):
            import tifffile

            with _quiet(), tifffile.TiffFile(path) as tif:
                return len(tif.pages) > 1
        if head.startswith(b"GIF8") or head.startswith(b"\x89PNG"):
            from PIL import Image

            with Image.open(path) as img:
                return bool(getattr(img, "is_animated", False))
    except Exception:  # unreadable here: let the reader report it properly
        return False
    return False


def read_stack(
    path: str,
    *,
    volume: bool = True,
    max_pixels: int | None = DEFAULT_MAX_PIXELS,
    allow_truncated: bool = False,
) -> StackData:
    """Read a stack of frames (``-`` = standard input).

    Parameters
    ----------
    path : str
        A multi-page TIFF, an animated GIF or APNG, a ``.npy``/``.npz`` array, a folder of
        numbered slices (``slice_000.png``, ... in numeric order), or any single image (one frame).
    volume : bool
        A 3-D array is a volume ``(D, H, W)``; with False it is one colour image ``(H, W, C)``.
        4-D arrays are always ``(D, H, W, C)``.
    max_pixels : int or None
        Refuse frames with more pixels than this (from the header, before decoding).
    allow_truncated : bool
        Decode what there is of truncated image files.

    Raises
    ------
    InputError
        Missing, unreadable or corrupt files; slices or pages of different sizes.
    """
    if path != STDIO and os.path.isdir(path):
        return _read_folder(path, max_pixels, allow_truncated)
    if path == STDIO:
        data = sys.stdin.buffer.read()
        if not data:
            raise InputError("standard input is empty", "-")
        src, head = io.BytesIO(data), data[:8]
    else:
        if not os.path.exists(path):
            raise InputError("no such file", path)
        src, head = path, _sniff(path)
    if _is_tiff(head):
        return _read_tiff(src, path, max_pixels, allow_truncated)
    if head.startswith(b"GIF8") or head.startswith(b"\x89PNG"):
        return _read_animation(src, path, max_pixels, allow_truncated)
    if isinstance(src, io.BytesIO):  # an array or single image on stdin: hand read_image the bytes
        data = _stdin_image(src, max_pixels, allow_truncated)
    else:
        data = read_image(path, max_pixels=max_pixels, allow_truncated=allow_truncated)
    return _from_image(data, volume, path)


def _stdin_image(src: io.BytesIO, max_pixels, allow_truncated) -> ImageData:
    from convcli.io import images

    head = src.getvalue()[:8]
    if head.startswith(b"\x93NUMPY"):
        return images._read_npy(src, "-", max_pixels)
    if head.startswith(b"PK"):
        return images._read_npz(src, "-", max_pixels)
    return images._read_pillow(src, "-", max_pixels, allow_truncated)


def _from_image(data: ImageData, volume: bool, name: str) -> StackData:
    px = data.pixels
    if data.format in ("NPY", "NPZ"):
        if px.ndim == 4 or (px.ndim == 3 and volume):
            return StackData(px, None, None, data.format)
        if px.ndim == 3:
            return StackData(px[None], None, None, data.format)
        if px.ndim == 2:
            return StackData(px[None], None, None, data.format)
        raise InputError(f"a stack array is 2-D to 4-D; this one has shape {px.shape}", name)
    alpha = None if data.alpha is None else data.alpha[None]
    return StackData(px[None], alpha, data.full_scale, data.format, info=dict(data.info))


def _natural_key(name: str):
    return [int(t) if t.isdigit() else t.lower() for t in re.split(r"(\d+)", name)]


def _read_folder(path: str, max_pixels, allow_truncated) -> StackData:
    names = sorted((n for n in os.listdir(path)
                    if n.lower().endswith(SLICE_EXTENSIONS) and os.path.isfile(os.path.join(path, n))),
                   key=_natural_key)
    if not names:
        raise InputError("the folder holds no image slices (slice_000.png, ...)", path)
    frames: list[ImageData] = []
    for name in names:
        data = read_image(os.path.join(path, name), max_pixels=max_pixels, allow_truncated=allow_truncated)
        if frames and (data.pixels.shape != frames[0].pixels.shape or
                       (data.alpha is None) != (frames[0].alpha is None)):
            raise InputError(f"slice {name} is {_describe(data)} but {names[0]} is {_describe(frames[0])}; "
                             "the slices of a stack must match", path)
        frames.append(data)
    return _assemble(frames, "SLICES", None, {"names": names}, path)


def _describe(data: ImageData) -> str:
    shape = "x".join(str(s) for s in data.pixels.shape[:2][::-1])
    channels = 1 if data.pixels.ndim == 2 else data.pixels.shape[2]
    return f"{shape} with {channels + (data.alpha is not None)} channel(s)"


def _assemble(frames: list[ImageData], fmt: str, durations, info: dict, name: str) -> StackData:
    dtypes = {f.pixels.dtype for f in frames}
    if len(dtypes) > 1:
        raise InputError("the frames have different sample types (8/16-bit)", name)
    pixels = np.stack([f.pixels for f in frames])
    alpha = None if frames[0].alpha is None else np.stack([f.alpha for f in frames])
    return StackData(pixels, alpha, frames[0].full_scale, fmt, durations, info)


def _read_animation(src, name: str, max_pixels, allow_truncated) -> StackData:
    from PIL import Image, ImageFile, UnidentifiedImageError

    Image.MAX_IMAGE_PIXELS = None  # our own limit, from the header
    try:
        img = Image.open(src)
    except UnidentifiedImageError:
        raise InputError("not an image file, or a format convcli cannot read", name) from None
    except (OSError, SyntaxError, ValueError) as exc:
        raise InputError(f"cannot read image header: {exc}", name) from None
    previous = ImageFile.LOAD_TRUNCATED_IMAGES
    ImageFile.LOAD_TRUNCATED_IMAGES = allow_truncated
    try:
        w, h = img.size
        _check_pixels((h, w), max_pixels, name)
        fmt = img.format or ""
        loop = img.info.get("loop")
        n = getattr(img, "n_frames", 1)
        frames, durations = [], []
        for i in range(n):
            img.seek(i)
            frame = img.copy()
            frame.load()
            durations.append(float(img.info.get("duration", 0) or 0))
            if fmt == "GIF":  # frames after the first come as RGB(A), the first as P: make them alike
                frame = frame.convert("RGBA")
            frames.append(_from_pillow(frame, fmt, {}, name))
        if fmt == "GIF" and all(f.alpha is None or bool((f.alpha == 255).all()) for f in frames):
            frames = [ImageData(f.pixels, None, f.full_scale, f.format) for f in frames]
        if any(f.pixels.shape != frames[0].pixels.shape for f in frames) or \
                len({f.alpha is None for f in frames}) > 1:
            raise InputError("the animation's frames have different sizes or modes", name)
        info = {} if loop is None else {"loop": int(loop)}
        animated = n > 1 or fmt == "GIF" or "duration" in img.info
        return _assemble(frames, fmt, durations if animated else None, info, name)
    except InputError:
        raise
    except (OSError, SyntaxError, ValueError, EOFError, Image.DecompressionBombError) as exc:
        text = str(exc) or type(exc).__name__
        if "truncated" in text:
            text += " (use --allow-truncated to read what there is)"
        raise InputError(f"cannot decode animation: {text}", name) from None
    finally:
        ImageFile.LOAD_TRUNCATED_IMAGES = previous
        img.close()


def _read_tiff(src, name: str, max_pixels, allow_truncated) -> StackData:
    import tifffile

    try:
        with _quiet(), tifffile.TiffFile(src) as tif:
            pages = list(tif.pages)
            if not pages:
                raise _UsePillow
            for page in pages:
                _check_pixels((page.imagelength, page.imagewidth), max_pixels, name)
            if any(int(p.photometric) not in (0, 1, 2) for p in pages):
                raise _UsePillow
            frames = [_tiff_page(p) for p in pages]
    except InputError:
        raise
    except Exception:  # a codec or layout tifffile cannot handle: let Pillow try
        if isinstance(src, io.BytesIO):
            src.seek(0)
        with _quiet():
            return _read_tiff_pillow(src, name, max_pixels, allow_truncated)
    if any(f.pixels.shape != frames[0].pixels.shape or (f.alpha is None) != (frames[0].alpha is None)
           for f in frames):
        raise InputError("the TIFF's pages have different sizes or channels; convcli reads equal pages as a "
                         "stack", name)
    return _assemble(frames, "TIFF", None, {}, name)


class _UsePillow(Exception):
    pass


@contextlib.contextmanager
def _quiet():
    """Silence tifffile's log warnings and Pillow's warnings about damaged files: they would print
    beside our one-line errors (a damaged file is reported as an InputError instead)."""
    import logging
    import warnings

    logger = logging.getLogger("tifffile")
    level = logger.level
    logger.setLevel(logging.CRITICAL)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            yield
    finally:
        logger.setLevel(level)


def _tiff_page(page) -> ImageData:
    arr = page.asarray()
    samples = int(page.samplesperpixel)
    if samples > 1 and int(page.planarconfig) == 2:  # separate planes: (S, H, W)
        arr = np.moveaxis(arr, 0, -1)
    if arr.ndim == 3 and samples == 1:
        arr = arr[..., 0]
    if int(page.photometric) == 0:  # min-is-white
        arr = (np.iinfo(arr.dtype).max - arr) if arr.dtype.kind == "u" else -arr
    alpha = None
    if samples in (2, 4):
        arr, alpha = arr[..., :-1], arr[..., -1]
        if samples == 2:
            arr = arr[..., 0]
    elif samples > 4:
        raise _UsePillow
    arr = np.ascontiguousarray(arr)
    if arr.dtype == np.uint8:
        scale = 255.0
    elif arr.dtype == np.uint16:
        scale = 65535.0
    elif arr.dtype == np.bool_:
        arr, scale = arr.astype(np.uint8) * np.uint8(255), 255.0
    else:
        arr, scale = arr.astype(np.float32 if arr.dtype.itemsize <= 4 else np.float64), None
    if alpha is not None:
        alpha = np.ascontiguousarray(alpha).astype(arr.dtype)
    return ImageData(arr, alpha, scale, "TIFF")


def _read_tiff_pillow(src, name: str, max_pixels, allow_truncated) -> StackData:
    from PIL import Image

    try:
        img = Image.open(src)
        n = getattr(img, "n_frames", 1)
        frames = []
        for i in range(n):
            img.seek(i)
            w, h = img.size
            _check_pixels((h, w), max_pixels, name)
            frame = img.copy()
            frames.append(_from_pillow(frame, "TIFF", {}, name))
    except InputError:
        raise
    except Exception as exc:
        raise InputError(f"cannot decode TIFF: {exc}", name) from None
    if not frames:
        raise InputError("the TIFF has no pages", name)
    if any(f.pixels.shape != frames[0].pixels.shape or (f.alpha is None) != (frames[0].alpha is None)
           for f in frames):
        raise InputError("the TIFF's pages have different sizes or channels", name)
    return _assemble(frames, "TIFF", None, {}, name)


# --- writing ---------------------------------------------------------------------------------


def stack_output_format(path: str, fmt: str | None = None) -> str:
    """``tif``, ``gif``, ``png`` (APNG), ``npy``, ``npz``, another image format (one frame only), or
    ``folder`` for a folder of slices: a path ending in ``/``, an existing folder, or no extension."""
    if path != STDIO and (path.endswith(("/", os.sep)) or os.path.isdir(path) or not os.path.splitext(path)[1]):
        if fmt and fmt.lower().lstrip(".") not in FORMATS:
            raise UsageError(f"unknown slice format {fmt!r}; choose one of {', '.join(FORMATS)}")
        return FOLDER
    from convcli.io.images import output_format

    return output_format(path, fmt)


def check_stack_target(path: str, *, force: bool, inputs: tuple[str, ...] = ()) -> None:
    """Like :func:`convcli.io.atomic.check_target`, also for folder outputs."""
    from convcli.io.atomic import check_target

    if path == STDIO or not os.path.isdir(path):
        check_target(path, force=force, inputs=inputs)
        return
    for src in inputs:
        if src != STDIO and os.path.exists(src) and os.path.samefile(src, path):
            raise OutputError("the output is the input folder; choose another output name", path)
    if os.listdir(path) and not force:
        raise OutputError("the output folder exists and is not empty; use --force to write into it", path)


def write_stack(
    path: str,
    frames: np.ndarray,
    *,
    alpha: np.ndarray | None = None,
    alpha_scale: float | None = None,
    depth: str = "8",
    output_range: str = "clip",
    full_scale: float | None = None,
    fmt: str | None = None,
    durations: list[float] | None = None,
    loop: int | None = 0,
) -> str:
    """Write a stack ``(D, H, W[, C])`` atomically; returns the format written.

    Formats by ``path``: multi-page TIFF (8/16-bit, ``depth='float'`` float32), animated GIF or
    APNG ``.png`` (8-bit; ``durations`` in ms per frame, default 100; ``loop`` 0 = forever),
    ``.npy``/``.npz`` (raw values, alpha as the last channel), a folder of slices
    ``slice_000.png``, ... (``fmt`` names the slice format). One frame may go to any image format.
    ``output_range``/``full_scale`` map values to integers as :func:`convcli.io.images.to_integer`
    does, over the whole stack (``rescale`` uses the stack's own min..max).
    """
    kind = stack_output_format(path, fmt)
    depth = str(depth)
    if depth not in DEPTHS:
        raise UsageError(f"depth must be one of {', '.join(DEPTHS)}; got {depth!r}")
    arr = np.asarray(frames)
    if arr.ndim == 4 and arr.shape[3] == 1:
        arr = arr[..., 0]
    if arr.ndim not in (3, 4):
        raise OutputError(f"a stack is (D, H, W) or (D, H, W, C); got shape {arr.shape}", path)
    n = arr.shape[0]
    if durations is not None and len(durations) != n:
        raise OutputError(f"{len(durations)} frame durations for {n} frames", path)
    if kind == FOLDER:
        _write_folder(path, arr, alpha, alpha_scale, depth, output_range, full_scale, fmt)
        return kind
    if kind in ("npy", "npz"):
        out = arr if alpha is None else np.concatenate(
            [arr if arr.ndim == 4 else arr[..., None], alpha[..., None].astype(arr.dtype, copy=False)], axis=3)
        with atomic_open(path) as fh:
            if kind == "npy":
                np.save(fh, out, allow_pickle=False)
            elif durations is None:
                np.savez_compressed(fh, image=out)
            else:
                np.savez_compressed(fh, image=out, durations=np.asarray(durations, dtype=np.float64))
        return kind
    channels = 1 if arr.ndim == 3 else arr.shape[3]
    if channels > 4 or (alpha is not None and channels not in (1, 3)):
        raise OutputError(f"an image stack holds 1 to 4 channels; this result has {channels + (alpha is not None)}:"
                          " write .npy/.npz instead", path)
    if kind in ("tif", "tiff"):
        _write_tiff(path, arr, alpha, alpha_scale, depth, output_range, full_scale)
        return kind
    if n == 1:
        write_image(path, arr[0], alpha=None if alpha is None else alpha[0], alpha_scale=alpha_scale, depth=depth,
                    output_range=output_range, full_scale=full_scale, fmt=fmt)
        return kind
    if kind not in ("gif", "png"):
        raise OutputError(f"a stack of {n} frames cannot be written as .{kind}; write .tif, .gif, .png (APNG), "
                          ".npy/.npz or a folder of slices", path)
    if depth != "8":
        raise OutputError("animated GIF/PNG are 8-bit; write a multi-page .tif or .npy for --depth 16/float", path)
    _write_animation(path, arr, alpha, alpha_scale, output_range, full_scale, kind, durations, loop)
    return kind


def _is_folder(path: str) -> bool:
    return path.endswith(("/", os.sep)) or os.path.isdir(path) or not os.path.splitext(path)[1]


def _write_tiff(path, arr, alpha, alpha_scale, depth, output_range, full_scale) -> None:
    import tifffile

    if depth == "float":
        data = np.asarray(arr, dtype=np.float32)
        extra = None if alpha is None else np.asarray(alpha, dtype=np.float32)
    else:
        bits = 16 if depth == "16" else 8
        data = to_integer(arr, bits, output_range, full_scale)
        extra = None if alpha is None else to_integer(alpha, bits, "clip", alpha_scale)
    photometric = "rgb" if data.ndim == 4 else "minisblack"
    options = {"planarconfig": "contig"} if data.ndim == 4 else {}
    if extra is not None:
        data = np.concatenate([data if data.ndim == 4 else data[..., None], extra[..., None]], axis=3)
        options["extrasamples"] = ["unassalpha"]
    buf = io.BytesIO()  # tifffile wants a named file or a BytesIO, not atomic_open's descriptor
    tifffile.imwrite(buf, np.ascontiguousarray(data), photometric=photometric, metadata=None, **options)
    with atomic_open(path) as fh:
        fh.write(buf.getvalue())


def _write_animation(path, arr, alpha, alpha_scale, output_range, full_scale, kind, durations, loop) -> None:
    from PIL import Image

    data = to_integer(arr, 8, output_range, full_scale)
    if alpha is not None and kind == "png":
        a = to_integer(alpha, 8, "clip", alpha_scale)
        data = np.concatenate([data if data.ndim == 4 else data[..., None], a[..., None]], axis=3)
    images = [Image.fromarray(np.ascontiguousarray(f)) for f in data]
    times = [float(d) for d in durations] if durations is not None else [float(DEFAULT_DURATION_MS)] * len(images)
    loop = 0 if loop is None else int(loop)
    if kind == "gif":
        payload = _encode_gif(images, times, loop)
        with atomic_open(path) as fh:
            fh.write(payload)
        return
    # Pillow merges a frame identical to the previous one into it (adding the durations) unless their
    # disposal ops differ: alternate "none" and "previous" (which its writer and reader both follow;
    # "background" fails for non-RGBA modes) so that every frame is kept
    disposal = [2 * (i % 2) for i in range(len(images))]
    with atomic_open(path) as fh:
        images[0].save(fh, format="PNG", save_all=True, append_images=images[1:], duration=times, loop=loop,
                       disposal=disposal, blend=0, default_image=False)


def _encode_gif(images, times: list[float], loop: int) -> bytes:
    """Animated GIF with every frame kept (Pillow's writer merges identical consecutive frames):
    full frames, each with its own palette (adaptive for colour, the grey ramp for grey) and delay."""
    from PIL import GifImagePlugin, Image

    grey = bytes(v for i in range(256) for v in (i, i, i))
    frames = []
    for im in images:
        if im.mode == "L":
            im = im.copy()
            im.putpalette(grey)  # L -> P with the identity grey palette (exact)
        else:
            im = im.convert("RGB").convert("P", palette=Image.Palette.ADAPTIVE, colors=256)
        frames.append(im)
    header, _ = GifImagePlugin.getheader(frames[0], info={"loop": loop})
    parts = list(header)
    for im, t in zip(frames, times, strict=True):
        centis = int(round(t / 10.0))
        parts.extend(GifImagePlugin.getdata(im, (0, 0), duration=centis * 10, disposal=1, include_color_table=True))
    parts.append(b";")
    return b"".join(bytes(p) for p in parts)


def slice_names(n: int, ext: str) -> list[str]:
    """``slice_000.ext``, ... with at least 3 digits (more when there are over 1000 slices)."""
    digits = max(3, len(str(n - 1)))
    return [f"slice_{i:0{digits}d}.{ext}" for i in range(n)]


def _write_folder(path, arr, alpha, alpha_scale, depth, output_range, full_scale, fmt) -> None:
    ext = (fmt or "png").lower().lstrip(".")
    if ext not in FORMATS:
        raise UsageError(f"unknown slice format {fmt!r}; choose one of {', '.join(FORMATS)}")
    names = slice_names(arr.shape[0], ext)
    if depth != "float" and output_range == "rescale":  # one min..max for the whole stack
        bits = 16 if depth == "16" else 8
        arr, output_range, full_scale = to_integer(arr, bits, "rescale", full_scale), "clip", float(2**bits - 1)
    target = path.rstrip("/" + os.sep) or path
    if os.path.isdir(target):  # --force into an existing folder: slice by slice, each atomic
        for i, name in enumerate(names):
            write_image(os.path.join(target, name), arr[i], alpha=None if alpha is None else alpha[i],
                        alpha_scale=alpha_scale, depth=depth, output_range=output_range, full_scale=full_scale)
        _remove_stale_slices(target, set(names), ext)
        return
    parent = os.path.dirname(os.path.abspath(target))
    if not os.path.isdir(parent):
        raise OutputError("the output's parent folder does not exist", path)
    try:
        tmp = tempfile.mkdtemp(prefix="." + os.path.basename(target) + ".", suffix=".part", dir=parent)
    except OSError as exc:
        raise OutputError(f"cannot write here: {exc.strerror or exc}", path) from None
    try:
        for i, name in enumerate(names):
            write_image(os.path.join(tmp, name), arr[i], alpha=None if alpha is None else alpha[i],
                        alpha_scale=alpha_scale, depth=depth, output_range=output_range, full_scale=full_scale)
        os.rename(tmp, target)
    except OSError as exc:
        shutil.rmtree(tmp, ignore_errors=True)
        raise OutputError(f"cannot write: {exc.strerror or exc}", path) from None
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def _remove_stale_slices(folder: str, keep: set[str], ext: str) -> None:
    pattern = re.compile(r"^slice_\d+\." + re.escape(ext) + "$")
    for name in os.listdir(folder):
        if pattern.match(name) and name not in keep:
            with contextlib.suppress(OSError):
                os.unlink(os.path.join(folder, name))
