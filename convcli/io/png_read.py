"""PNG structure checks and a 16-bit colour PNG decoder.

:func:`scan_png` walks a PNG's chunks before anything is decoded: the signature, a valid IHDR
first, every chunk's length and CRC, and an IEND at the end. Pillow skips some of these checks
(it decodes a file whose end is cut off, and ignores IDAT CRCs), so broken and cut files are
caught here with a clear message. :func:`decode_png16` reads 16-bit RGB, RGBA and gray+alpha
PNGs at full precision (Pillow reduces them to 8 bits): zlib, then the PNG row filters
(``convcli.kernels.png_unfilter``), Adam7 interlacing included.
"""

from __future__ import annotations

import io
import struct
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from convcli.errors import InputError

SIGNATURE = b"\x89PNG\r\n\x1a\n"
_MAX_CHUNK = (1 << 31) - 1
_PIECE = 1 << 20
_CHANNELS = {0: 1, 2: 3, 3: 1, 4: 2, 6: 4}
_DEPTHS = {0: (1, 2, 4, 8, 16), 2: (8, 16), 3: (1, 2, 4, 8), 4: (8, 16), 6: (8, 16)}
# Adam7 passes: (x start, y start, x step, y step)
_ADAM7 = ((0, 0, 8, 8), (4, 0, 8, 8), (0, 4, 4, 8), (2, 0, 4, 4), (0, 2, 2, 4), (1, 0, 2, 2), (0, 1, 1, 2))
_TRUNCATED_HINT = " (use --allow-truncated to read what there is)"


@dataclass
class PngScan:
    """What :func:`scan_png` found."""

    width: int
    height: int
    bit_depth: int
    color_type: int
    interlace: int
    idat: list[tuple[int, int]] = field(default_factory=list)  # (offset, length) of each IDAT's data
    text: dict[str, str] = field(default_factory=dict)
    trns: bytes | None = None
    truncated: bool = False

    @property
    def channels(self) -> int:
        return _CHANNELS[self.color_type]


def _open(src) -> io.BufferedIOBase:
    if isinstance(src, io.BytesIO):
        src.seek(0)
        return src
    return open(src, "rb")


def scan_png(src, name: str, *, allow_truncated: bool = False,
             on_header: Callable[[int, int], None] | None = None) -> PngScan:
    """Check a PNG's chunk structure; ``on_header(width, height)`` is called as soon as IHDR is read.

    Raises
    ------
    InputError
        Not a PNG, a bad IHDR, a bad chunk length or CRC, no image data, or (unless
        ``allow_truncated``) a file that ends before its IEND chunk.
    """
    fh = _open(src)
    try:
        return _scan(fh, name, allow_truncated, on_header)
    finally:
        if fh is not src:
            fh.close()
        else:
            fh.seek(0)


def _scan(fh, name: str, allow_truncated: bool, on_header) -> PngScan:
    if fh.read(8) != SIGNATURE:
        raise InputError("not a PNG file (bad signature)", name)
    scan: PngScan | None = None
    pos = 8
    while True:
        head = fh.read(8)
        tag = head[4:8] if len(head) == 8 else b""
        if len(head) < 8:
            return _cut(scan, name, allow_truncated, "before its IEND chunk")
        length = struct.unpack(">I", head[:4])[0]
        label = tag.decode("latin-1", "replace")
        if not tag.isalpha() or not tag.isascii():
            raise InputError(f"broken PNG file: bad chunk type {tag!r} at byte {pos + 4}", name)
        if length > _MAX_CHUNK:
            raise InputError(f"broken PNG file: chunk {label!r} claims {length:,} bytes", name)
        if scan is None and tag != b"IHDR":
            raise InputError(f"broken PNG file: the first chunk is {label!r}, not IHDR", name)
        crc = zlib.crc32(tag)
        data = b""
        keep = tag in (b"IHDR", b"tEXt", b"zTXt", b"tRNS") and length <= (1 << 20)
        remaining = length
        parts = []
        while remaining:
            piece = fh.read(min(remaining, _PIECE))
            if not piece:
                break
            crc = zlib.crc32(piece, crc)
            remaining -= len(piece)
            if keep:
                parts.append(piece)
        if remaining:
            if tag == b"IDAT" and scan is not None:
                scan.idat.append((pos + 8, length - remaining))
            return _cut(scan, name, allow_truncated, f"inside chunk {label!r}")
        stored = fh.read(4)
        if len(stored) < 4:
            if tag == b"IDAT" and scan is not None:
                scan.idat.append((pos + 8, length))
            return _cut(scan, name, allow_truncated, f"inside chunk {label!r}")
        if struct.unpack(">I", stored)[0] != crc & 0xFFFFFFFF:
            raise InputError(f"broken PNG file: CRC error in chunk {label!r} (the file is corrupt)", name)
        data = b"".join(parts)
        if tag == b"IHDR":
            if scan is not None:
                raise InputError("broken PNG file: two IHDR chunks", name)
            scan = _ihdr(data, name)
            if on_header is not None:
                on_header(scan.width, scan.height)
        elif tag == b"IDAT":
            scan.idat.append((pos + 8, length))
        elif tag == b"tRNS":
            scan.trns = data
        elif tag in (b"tEXt", b"zTXt") and keep:
            _text(scan, tag, data)
        elif tag == b"IEND":
            if not scan.idat:
                raise InputError("broken PNG file: no image data (IDAT) chunk", name)
            return scan
        pos += 12 + length


def _cut(scan: PngScan | None, name: str, allow_truncated: bool, where: str) -> PngScan:
    if scan is None:
        raise InputError(f"truncated PNG file: it ends {where}, before the image header", name)
    if not allow_truncated:
        raise InputError(f"truncated PNG file: it ends {where}{_TRUNCATED_HINT}", name)
    if not scan.idat:
        raise InputError("truncated PNG file: no image data at all", name)
    scan.truncated = True
    return scan


def _ihdr(data: bytes, name: str) -> PngScan:
    if len(data) != 13:
        raise InputError(f"broken PNG file: IHDR has {len(data)} bytes, not 13", name)
    width, height, depth, ctype, comp, filt, inter = struct.unpack(">IIBBBBB", data)
    if not (0 < width <= _MAX_CHUNK and 0 < height <= _MAX_CHUNK):
        raise InputError(f"broken PNG file: image size {width}x{height} is invalid", name)
    if ctype not in _DEPTHS or depth not in _DEPTHS[ctype]:
        raise InputError(f"broken PNG file: colour type {ctype} with bit depth {depth} is invalid", name)
    if comp != 0 or filt != 0 or inter not in (0, 1):
        raise InputError("broken PNG file: unknown compression, filter or interlace method", name)
    return PngScan(width, height, depth, ctype, inter)


def _text(scan: PngScan, tag: bytes, data: bytes) -> None:
    key, sep, value = data.partition(b"\0")
    if not sep or not key:
        return
    if tag == b"zTXt":
        try:
            value = zlib.decompressobj().decompress(value[1:], 1 << 20)
        except zlib.error:
            return
    scan.text[key.decode("latin-1")] = value.decode("latin-1")


# --- 16-bit decoding ------------------------------------------------------------------------


def _passes(scan: PngScan):
    if scan.interlace == 0:
        yield 0, 0, 1, 1, scan.width, scan.height
        return
    for xs, ys, dx, dy in _ADAM7:
        pw = max(0, (scan.width - xs + dx - 1) // dx)
        ph = max(0, (scan.height - ys + dy - 1) // dy)
        if pw and ph:
            yield xs, ys, dx, dy, pw, ph


def decode_png16(src, scan: PngScan, name: str) -> tuple[np.ndarray, np.ndarray | None]:
    """Decode a 16-bit PNG found by :func:`scan_png` into ``(pixels, alpha)``, uint16, channels last.

    A truncated file (``scan.truncated``) gives what there is; missing rows are 0.
    """
    from convcli.kernels.png_unfilter import unfilter_rows

    channels = scan.channels
    bpp = 2 * channels
    passes = list(_passes(scan))
    expected = sum(ph * (1 + pw * bpp) for *_, pw, ph in passes)
    raw = _inflate(src, scan, expected, name)
    out = np.zeros((scan.height, scan.width, channels), dtype=np.uint16)
    start = 0
    for xs, ys, dx, dy, pw, ph in passes:
        size = ph * (1 + pw * bpp)
        block = raw[start:start + size]
        start += size
        rows = block.size // (1 + pw * bpp)
        if rows == 0:
            break
        block = block[: rows * (1 + pw * bpp)].reshape(rows, 1 + pw * bpp)
        plain = np.empty((rows, pw * bpp), dtype=np.uint8)
        bad = unfilter_rows(block, bpp, plain)
        if bad >= 0:
            raise InputError(f"broken PNG file: unknown row filter type {int(block[bad, 0])}", name)
        values = plain.view(">u2").reshape(rows, pw, channels)
        out[ys: ys + rows * dy: dy, xs::dx] = values
    alpha = None
    if scan.color_type in (4, 6):
        alpha = np.ascontiguousarray(out[:, :, -1])
        out = out[:, :, :-1]
    elif scan.trns is not None and len(scan.trns) == 2 * channels:
        key = np.frombuffer(scan.trns, dtype=">u2").astype(np.uint16)
        alpha = np.where((out == key).all(axis=2), 0, 65535).astype(np.uint16)
    if out.shape[2] == 1:
        out = out[:, :, 0]
    return np.ascontiguousarray(out), alpha


def _inflate(src, scan: PngScan, expected: int, name: str) -> np.ndarray:
    fh = _open(src)
    inflater = zlib.decompressobj()
    out = bytearray()
    try:
        for offset, length in scan.idat:
            fh.seek(offset)
            remaining = length
            while remaining and len(out) < expected:
                piece = fh.read(min(remaining, _PIECE))
                if not piece:
                    break
                remaining -= len(piece)
                # bounded: a stream that inflates past the image size is not read further
                out += inflater.decompress(piece, expected - len(out))
    except zlib.error as exc:
        raise InputError(f"broken PNG file: corrupt image data ({exc})", name) from None
    finally:
        if fh is not src:
            fh.close()
        else:
            fh.seek(0)
    if len(out) < expected and not scan.truncated:
        raise InputError(f"truncated PNG file: image data ends after {len(out):,} of {expected:,} bytes"
                         + _TRUNCATED_HINT, name)
    return np.frombuffer(bytes(out), dtype=np.uint8)
