"""Labelled grids of images (Gabor responses, kernels), drawn with Pillow's default font."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from convcli.io.atomic import atomic_open

BACKGROUND = 255
LABEL_HEIGHT = 14
GAP = 4


def to_tile(values: np.ndarray, *, signed: bool = False) -> np.ndarray:
    """Map one response (``(H, W)`` or ``(H, W, 3)``) to uint8: its own min..max, or for ``signed``
    values, 0 at mid-grey and ``+-max|v|`` at white/black."""
    v = np.asarray(values, dtype=np.float64)
    if signed:
        top = float(np.abs(v).max())
        scaled = 0.5 + 0.5 * v / top if top > 0 else np.full_like(v, 0.5)
    else:
        lo, hi = float(v.min()), float(v.max())
        scaled = (v - lo) / (hi - lo) if hi > lo else np.zeros_like(v)
    return np.rint(np.clip(scaled, 0, 1) * 255).astype(np.uint8)


def montage(tiles: Sequence[np.ndarray], labels: Sequence[str], columns: int, *, tile: int = 160,
            nearest: bool = False) -> np.ndarray:
    """Arrange uint8 tiles (gray or RGB) in a grid, each resized to fit ``tile`` pixels and captioned.

    Returns an RGB uint8 array.
    """
    from PIL import Image, ImageDraw, ImageFont

    font = ImageFont.load_default()
    rows = (len(tiles) + columns - 1) // columns
    cell_w = tile + GAP
    cell_h = tile + LABEL_HEIGHT + GAP
    canvas = Image.new("RGB", (columns * cell_w + GAP, rows * cell_h + GAP), (BACKGROUND,) * 3)
    draw = ImageDraw.Draw(canvas)
    resample = Image.Resampling.NEAREST if nearest else Image.Resampling.LANCZOS
    for i, (t, label) in enumerate(zip(tiles, labels, strict=True)):
        img = Image.fromarray(t).convert("RGB")
        scale = tile / max(img.size)
        size = (max(1, round(img.size[0] * scale)), max(1, round(img.size[1] * scale)))
        img = img.resize(size, resample)
        r, c = divmod(i, columns)
        x = GAP + c * cell_w
        y = GAP + r * cell_h
        draw.text((x, y), label, fill=(0, 0, 0), font=font)
        canvas.paste(img, (x, y + LABEL_HEIGHT))
    return np.asarray(canvas)


def write_png(path: str, rgb: np.ndarray) -> None:
    """Write an RGB uint8 array as PNG, atomically."""
    from PIL import Image

    with atomic_open(path) as fh:
        Image.fromarray(rgb).save(fh, format="PNG", optimize=True)
