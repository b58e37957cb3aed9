"""Colour maps for pictures meant for people (spectrograms), and a small axis legend.

``viridis`` and ``magma`` are the matplotlib maps (by Nathaniel Smith and Stefan van der Walt,
CC0), approximated by the degree-6 polynomial fits of Matt Zucker (within a few 1/255 of the
tables); ``gray`` is linear.
"""

from __future__ import annotations

import numpy as np

from convcli.conventions import check_choice

COLORMAPS = ("viridis", "magma", "gray")

_POLY = {
    "viridis": np.array([
        [0.2777273272234177, 0.005407344544966578, 0.3340998053353061],
        [0.1050930431085774, 1.404613529898575, 1.384590162594685],
        [-0.3308618287255563, 0.214847559468213, 0.09509516302823659],
        [-4.634230498983486, -5.799100973351585, -19.33244095627987],
        [6.228269936347081, 14.17993336680509, 56.69055260068105],
        [4.776384997670288, -13.74514537774601, -65.35303263337234],
        [-5.435455855934631, 4.645852612178535, 26.3124352495832],
    ]),
    "magma": np.array([
        [-0.002136485053939582, -0.000749655052795221, -0.005386127855323933],
        [0.2516605407371642, 0.6775232436837668, 2.494026599312351],
        [8.353717279216625, -3.577719514958484, 0.3144679030132573],
        [-27.66873308576866, 14.26473078096533, -13.64921318813922],
        [52.17613981234068, -27.94360607168351, 12.94416944238394],
        [-50.76852536473588, 29.04658282127291, 4.23415299384598],
        [18.65570506591883, -11.48977351997316, -5.601961508734096],
    ]),
}


def colormap_lut(name: str) -> np.ndarray:
    """The 256-entry ``uint8`` RGB table of colour map ``name``."""
    check_choice("colormap", name, COLORMAPS)
    t = np.linspace(0.0, 1.0, 256)
    if name == "gray":
        rgb = np.repeat(t[:, None], 3, axis=1)
    else:
        c = _POLY[name]
        rgb = np.zeros((256, 3))
        for coef in c[::-1]:  # Horner
            rgb = rgb * t[:, None] + coef
    return np.rint(np.clip(rgb, 0.0, 1.0) * 255.0).astype(np.uint8)


def apply_colormap(values: np.ndarray, name: str) -> np.ndarray:
    """Map values in 0..1 (clipped) to ``(H, W, 3)`` uint8 colours."""
    idx = np.rint(np.clip(np.nan_to_num(values), 0.0, 1.0) * 255.0).astype(np.intp)
    return colormap_lut(name)[idx]


def _nice_step(span: float, target: int) -> float:
    raw = span / max(target, 1)
    mag = 10 ** np.floor(np.log10(raw)) if raw > 0 else 1.0
    for m in (1, 2, 5, 10):
        if raw <= m * mag:
            return float(m * mag)
    return float(10 * mag)


def with_axes(picture: np.ndarray, *, seconds: float, top_hz: float, bottom_hz: float = 0.0,
              row_hz=None) -> np.ndarray:
    """Add a frame with time (s) ticks below and frequency (Hz) ticks on the left.

    ``row_hz(f)`` maps a frequency to a row position from the bottom in 0..1 (linear by default,
    the mel scale for mel pictures).
    """
    from PIL import Image, ImageDraw, ImageFont

    h, w = picture.shape[:2]
    left, bottom, top, right = 46, 18, 6, 8
    canvas = Image.new("RGB", (w + left + right, h + top + bottom), (255, 255, 255))
    canvas.paste(Image.fromarray(picture), (left, top))
    draw = ImageDraw.Draw(canvas)
    font = ImageFont.load_default()
    ink = (0, 0, 0)
    draw.rectangle([left - 1, top - 1, left + w, top + h], outline=ink)
    if seconds > 0:
        step = _nice_step(seconds, max(2, w // 60))
        for k in range(int(seconds / step) + 1):
            s = k * step
            x = left + int(round(s / seconds * (w - 1)))
            draw.line([x, top + h, x, top + h + 3], fill=ink)
            draw.text((x - 8, top + h + 4), f"{s:g}s", fill=ink, font=font)
    span = top_hz - bottom_hz
    if span > 0:
        if row_hz is None:
            position = lambda f: (f - bottom_hz) / span  # noqa: E731
            step = _nice_step(span, max(2, h // 40))
            ticks = [bottom_hz + k * step for k in range(int(span / step) + 1)]
        else:  # a warped (mel) axis: octave-spaced ticks that are at least 12 pixels apart
            position = row_hz
            ticks, last = [], None
            for f in [bottom_hz] + [125.0 * 2**k for k in range(12)]:
                y = position(f) * (h - 1)
                if bottom_hz <= f <= top_hz and (last is None or y - last >= 12):
                    ticks.append(f)
                    last = y
        for f in ticks:
            y = top + h - 1 - int(round(position(f) * (h - 1)))
            draw.line([left - 4, y, left - 1, y], fill=ink)
            label = f"{f / 1000:g}k" if f >= 1000 else f"{f:g}"
            draw.text((2, y - 5), label, fill=ink, font=font)
    return np.asarray(canvas)
