"""Writing a convolution matrix: ``.npy``, ``.csv`` and a structure picture (``.png``), atomically.

The picture has one cell per entry (scaled up for small matrices): zeros white, nonzero entries
coloured by value on a diverging blue-white-red scale (blue negative, red positive, the palest
nonzero still visibly tinted), grey lines between blocks and around the matrix.
"""

from __future__ import annotations

import io
import os
import re

import numpy as np

from convcli.errors import UsageError
from convcli.io.atomic import STDIO, atomic_open

MATRIX_FORMATS = ("npy", "png", "csv")
MAX_PICTURE_SIDE = 8192

_RED = np.array([178.0, 24.0, 43.0])
_BLUE = np.array([33.0, 102.0, 172.0])
_WHITE = np.array([255.0, 255.0, 255.0])
_LINE = np.array([190, 190, 190], dtype=np.uint8)
_UNITS = {"": 1, "b": 1, "k": 1 << 10, "kb": 1000, "kib": 1 << 10, "m": 1 << 20, "mb": 10**6, "mib": 1 << 20,
          "g": 1 << 30, "gb": 10**9, "gib": 1 << 30}


def parse_bytes(text: str) -> int:
    """``'256MiB'`` -> 268435456; plain integers are bytes; K/M/G are binary, KB/MB/GB decimal."""
    m = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([a-zA-Z]*)\s*", str(text))
    unit = m.group(2).lower() if m else None
    if not m or unit not in _UNITS:
        raise UsageError(f"--max-bytes must be a size such as 268435456, 256MiB or 1G; got {text!r}")
    return int(float(m.group(1)) * _UNITS[unit])


def matrix_format(path: str, fmt: str | None) -> str:
    """The output format from ``fmt`` or the extension (``-`` without ``fmt``: PNG)."""
    if fmt:
        f = fmt.lower().lstrip(".")
    elif path == STDIO:
        f = "png"
    else:
        f = os.path.splitext(path)[1].lower().lstrip(".")
    if f not in MATRIX_FORMATS:
        raise UsageError(f"write the matrix as .npy, .png or .csv (or --format); got {path!r}")
    return f


def matrix_picture(m: np.ndarray, block_shape: tuple[int, int] | None = None, scale: int | None = None) -> np.ndarray:
    """RGB ``uint8`` picture of ``m`` (see the module docstring).

    ``block_shape`` ``(rows, cols)`` draws a grid line between blocks; ``scale`` pixels per entry
    (default: enough for about 600 pixels on the longer side, at most 24).
    """
    rows, cols = m.shape
    if scale is None:
        scale = max(1, min(24, 600 // max(rows, cols)))
    br, bc = block_shape or (rows, cols)
    lines_r, lines_c = -(-rows // br) + 1, -(-cols // bc) + 1
    height, width = rows * scale + lines_r, cols * scale + lines_c
    if max(height, width) > MAX_PICTURE_SIDE:
        raise UsageError(f"a {rows:,} x {cols:,} matrix is too large for a picture ({width} x {height} pixels, "
                         f"at most {MAX_PICTURE_SIDE} a side); write .npy instead")
    v = np.asarray(m, dtype=np.float64)
    peak = float(np.abs(v).max()) if v.size else 0.0
    a = np.abs(v) / peak if peak > 0 else np.zeros_like(v)
    s = np.where(v != 0, 0.2 + 0.8 * a, 0.0)[..., None]
    colour = np.where((v < 0)[..., None], _BLUE, _RED)
    cells = np.rint(_WHITE * (1 - s) + colour * s).astype(np.uint8)
    cells = np.concatenate([cells, np.broadcast_to(_LINE, (1, cols, 3))], axis=0)
    cells = np.concatenate([cells, np.broadcast_to(_LINE, (rows + 1, 1, 3))], axis=1)
    return cells[np.ix_(_pixel_map(rows, br, scale), _pixel_map(cols, bc, scale))]


def _pixel_map(n: int, block: int, scale: int) -> np.ndarray:
    """For each pixel along one side: the cell index it shows, or ``n`` (the line colour)."""
    out = []
    for start in range(0, n, block):
        out.append(n)
        stop = min(start + block, n)
        out.extend(np.repeat(np.arange(start, stop), scale).tolist())
    out.append(n)
    return np.asarray(out, dtype=np.int64)


def save_matrix(path: str, m: np.ndarray, *, fmt: str | None = None, block_shape=None,
                text: dict[str, str] | None = None) -> str:
    """Write ``m`` to ``path`` (``-``: stdout) as ``.npy``, ``.csv`` or a ``.png`` picture; returns the format."""
    f = matrix_format(path, fmt)
    if f == "png":
        from convcli.io.images import write_image

        write_image(path, matrix_picture(m, block_shape), fmt="png", full_scale=None, text=text)
    elif f == "npy":
        with atomic_open(path) as fh:
            np.save(fh, m, allow_pickle=False)
    else:
        buf = io.StringIO()
        np.savetxt(buf, m, delimiter=",", fmt="%.17g" if m.dtype == np.float64 else "%.9g")
        with atomic_open(path) as fh:
            fh.write(buf.getvalue().encode())
    return f
