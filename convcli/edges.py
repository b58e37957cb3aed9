"""Edge maps: gradients by Sobel, Prewitt, Scharr or a two-tap difference, and the Laplacian.

``x`` and ``y`` are the derivative estimates along columns (rightward) and rows (downward): for
``sobel``/``prewitt``/``scharr`` the true convolution with the ``*-x``/``*-y`` built-ins, positive
where intensity grows to the right/downward; for ``diff`` the seed's literal difference, the pixel
minus its right neighbour (``x``) and minus its lower neighbour (``y``), i.e. minus the forward
derivative. ``magnitude`` is ``sqrt(x^2 + y^2)`` (unnormalised: a unit step gives 4 with Sobel,
3 with Prewitt, 16 with Scharr, 1 with diff); ``direction`` is the angle, in degrees in
``(-180, 180]``, of the direction in which intensity grows, measured from the x axis towards y
(clockwise on screen, as Gabor's ``theta``). ``laplacian`` has only ``magnitude``, ``|L|``.
"""

from __future__ import annotations

import numpy as np

from convcli.arrays import as_float_array, check_finite, resolve_dtype
from convcli.conventions import BOUNDARIES, check_choice
from convcli.convolve import convolve
from convcli.errors import UsageError
from convcli.gabor import to_luma

OPS = ("sobel", "prewitt", "scharr", "diff", "laplacian")
OUTPUTS = ("magnitude", "x", "y", "direction", "color")


def gradients(x: np.ndarray, op: str, boundary: str, dtype) -> tuple[np.ndarray, np.ndarray]:
    """``(gx, gy)``: the ``x``/``y`` outputs of :func:`edges` (see the module doc)."""
    from convcli.builtin_kernels import lookup

    if op == "diff":
        # literally x[i, j] - x[i, j+1] at (i, j) (and x[i, j] - x[i+1, j]); the `same` crop of a
        # two-tap kernel would put it one sample to the right
        from convcli.extend import extend_axis

        x = x.astype(dtype, copy=False)
        gx = x - extend_axis(x, 1, x.shape[1], 1, boundary)
        gy = x - extend_axis(x, 1, x.shape[0], 0, boundary)
        return gx, gy
    gx = convolve(x, lookup(f"{op}-x").build({}), mode="conv", boundary=boundary, dtype=dtype)
    gy = convolve(x, lookup(f"{op}-y").build({}), mode="conv", boundary=boundary, dtype=dtype)
    return gx, gy


def edges(
    x,
    *,
    op: str = "sobel",
    output: str = "magnitude",
    boundary: str = "reflect",
    gray: bool = False,
    dtype=None,
    nan: str = "error",
) -> np.ndarray:
    """An edge map of an image.

    Parameters
    ----------
    x : array_like
        ``(H, W)`` or channels-last ``(H, W, C)`` (each channel alone unless ``gray``).
    op : {'sobel', 'prewitt', 'scharr', 'diff', 'laplacian'}
    output : {'magnitude', 'x', 'y', 'direction', 'color'}
        ``color`` is an ``(H, W, 3)`` RGB image in 0..1 with hue = direction and value = magnitude
        over its maximum (computed on luma for colour input).
    boundary : {'reflect', 'mirror', 'nearest', 'wrap', 'zero'}
    gray : bool
        Convert RGB(A) to ITU-R 601 luma first.
    dtype : {None, numpy.float32, numpy.float64}
    nan : {'error', 'zero'}

    Returns
    -------
    numpy.ndarray
        Same spatial shape as ``x``; float32 (or ``dtype``); direction in degrees.

    Raises
    ------
    UsageError
        A bad option, or an output other than ``magnitude`` for ``laplacian``.
    """
    op = check_choice("op", op, OPS)
    output = check_choice("output", output, OUTPUTS)
    boundary = check_choice("boundary", boundary, BOUNDARIES)
    if op == "laplacian" and output != "magnitude":
        raise UsageError("laplacian has only the magnitude output (use `filter --kernel laplacian` for signed values)")
    dt = resolve_dtype(dtype)
    xa = as_float_array(x, "input", np.float64)
    if gray or output == "color":
        xa = to_luma(xa)
    if xa.ndim not in (2, 3):
        raise UsageError(f"edges works on 2-D images (H, W) or (H, W, C); got shape {xa.shape}")
    xa = check_finite(xa.astype(dt, copy=False), "input", nan)
    if op == "laplacian":
        from convcli.builtin_kernels import lookup

        return np.abs(convolve(xa, lookup("laplacian").build({}), boundary=boundary, dtype=dt))
    gx, gy = gradients(xa, op, boundary, dt)
    if output == "x":
        return gx
    if output == "y":
        return gy
    mag = np.hypot(gx, gy)
    if output == "magnitude":
        return mag
    sign = -1.0 if op == "diff" else 1.0  # diff estimates minus the gradient
    direction = np.degrees(np.arctan2(sign * gy, sign * gx)).astype(dt)
    direction[direction == -180] = 180
    if output == "direction":
        return direction
    return direction_color(mag, direction)


def direction_color(magnitude: np.ndarray, direction: np.ndarray) -> np.ndarray:
    """RGB in 0..1: hue = direction (0 degrees red, 120 green, 240 blue), value = magnitude / max."""
    top = float(magnitude.max()) if magnitude.size else 0.0
    value = magnitude / top if top > 0 else np.zeros_like(magnitude)
    hue = np.mod(direction, 360.0) / 60.0
    chroma = value
    xc = chroma * (1 - np.abs(np.mod(hue, 2.0) - 1))
    sector = np.floor(hue).astype(np.int64) % 6
    zero = np.zeros_like(value)
    r = np.choose(sector, [chroma, xc, zero, zero, xc, chroma])
    g = np.choose(sector, [xc, chroma, chroma, xc, zero, zero])
    b = np.choose(sector, [zero, zero, xc, chroma, chroma, xc])
    return np.stack([r, g, b], axis=-1).astype(magnitude.dtype)
