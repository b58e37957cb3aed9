"""A minimal PNG writer for 16-bit colour (Pillow cannot write 48/64-bit PNGs)."""

from __future__ import annotations

import struct
import zlib

import numpy as np


def _chunk(tag: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + tag + data + struct.pack(">I", zlib.crc32(tag + data) & 0xFFFFFFFF)


def encode_png16(pixels: np.ndarray, text: dict[str, str] | None = None) -> bytes:
    """Encode a uint16 ``(H, W)``, ``(H, W, 2)``, ``(H, W, 3)`` or ``(H, W, 4)`` array as PNG bytes."""
    arr = np.asarray(pixels, dtype=np.uint16)
    if arr.ndim == 2:
        arr = arr[:, :, None]
    h, w, c = arr.shape
    color_type = {1: 0, 2: 4, 3: 2, 4: 6}[c]
    raw = np.empty((h, 1 + w * c * 2), dtype=np.uint8)
    raw[:, 0] = 0  # filter type None
    raw[:, 1:] = arr.astype(">u2").reshape(h, -1).view(np.uint8)
    parts = [b"\x89PNG\r\n\x1a\n", _chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 16, color_type, 0, 0, 0))]
    for key, value in (text or {}).items():
        parts.append(_chunk(b"tEXt", key.encode("latin-1") + b"\0" + value.encode("latin-1")))
    parts.append(_chunk(b"IDAT", zlib.compress(raw.tobytes(), 6)))
    parts.append(_chunk(b"IEND", b""))
    return b"".join(parts)
