"""Measuring what convolution and pooling are (and are not) invariant or equivariant to.

Convolution commutes with translation, ``conv(shift(x)) == shift(conv(x))``, but not with a 90-degree
rotation or a 2x scaling of the input (unless the kernel has that symmetry); max pooling makes the
output nearly invariant to small shifts. Each error is relative, ``||a - b|| / ||b||`` (root of the
sum of squares), computed away from the image border (where the boundary rule, not the convolution,
decides the values) unless the boundary is ``wrap`` and the shift circular, which is exact everywhere.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from convcli.conventions import BOUNDARIES, MODES, check_choice, per_axis
from convcli.convolve import convolve
from convcli.errors import DataError
from convcli.pooling import pool

ONE_PIXEL_SHIFTS = ((0, 1), (1, 0), (0, -1), (-1, 0))


def _relative(a: np.ndarray, b: np.ndarray) -> dict:
    diff = a - b
    ref = float(np.sqrt(np.sum(b * b)))
    err = float(np.sqrt(np.sum(diff * diff)))
    return {"error": err / ref if ref > 0 else (0.0 if err == 0 else float("inf")),
            "max_abs": float(np.max(np.abs(diff))) if diff.size else 0.0}


def _crop(a: np.ndarray, my: int, mx: int) -> np.ndarray:
    if a.shape[0] <= 2 * my or a.shape[1] <= 2 * mx:
        raise DataError(f"the image ({a.shape[1]}x{a.shape[0]}) is too small to compare away from its border "
                        f"({mx} columns and {my} rows on each side); use a smaller shift or kernel")
    return a[my: a.shape[0] - my, mx: a.shape[1] - mx]


def check_equivariance(
    x,
    kernel,
    *,
    shift: int | Sequence[int] = (3, 5),
    boundary: str = "reflect",
    mode: str = "conv",
    pool_size: int = 3,
    pool_stride: int = 1,
    dtype=np.float64,
) -> dict:
    """Translation equivariance, rotation and scaling errors, and pooling's invariance to 1-pixel shifts.

    Parameters
    ----------
    x : array_like
        An image ``(H, W)`` or ``(H, W, C)``.
    kernel : array_like
        2-D kernel (each channel alone) or 4-D ``K[out, in, kh, kw]``.
    shift : int or (int, int)
        The translation ``(dy, dx)`` in pixels (circular, ``numpy.roll``).
    boundary : str
        The convolution's boundary rule; with ``wrap`` the comparison covers the whole image.
    mode : {'conv', 'corr'}
        True convolution or correlation.
    pool_size, pool_stride : int
        The max pooling whose invariance to 1-pixel shifts is measured.
    dtype : numpy dtype
        Working precision (float64 by default, so that the equivariant cases show rounding-level errors).

    Returns
    -------
    dict
        ``translation``, ``rotation90`` and ``scale2``: ``{"error", "max_abs", "compared"}``;
        ``pooling``: the relative change and the fraction of changed samples, unpooled and pooled,
        averaged over the four 1-pixel shifts.
    """
    check_choice("boundary", boundary, BOUNDARIES)
    check_choice("mode", mode, MODES)
    dy, dx = per_axis("shift", shift, 2, minimum=-(1 << 30))
    pool_size = per_axis("pool size", pool_size, 1)[0]
    pool_stride = per_axis("pool stride", pool_stride, 1)[0]
    k = np.asarray(kernel, dtype=np.float64)
    kh, kw = k.shape[-2:]
    xa = np.asarray(x, dtype=dtype)

    def conv(a):
        return convolve(a, k, mode=mode, boundary=boundary, dtype=dtype)

    y = conv(xa)
    wrap = boundary == "wrap"
    report: dict = {"shift": [dy, dx], "boundary": boundary, "kernel_shape": list(k.shape)}

    shifted = conv(np.roll(xa, (dy, dx), axis=(0, 1)))
    expected = np.roll(y, (dy, dx), axis=(0, 1))
    my, mx = (0, 0) if wrap else (abs(dy) + kh, abs(dx) + kw)
    report["translation"] = {**_relative(_crop(shifted, my, mx), _crop(expected, my, mx)),
                             "compared": _described(_crop(expected, my, mx), wrap)}

    rotated = conv(np.rot90(xa, axes=(0, 1)))
    expected = np.rot90(y, axes=(0, 1))
    m = 0 if wrap else max(kh, kw)
    report["rotation90"] = {**_relative(_crop(rotated, m, m), _crop(expected, m, m)),
                            "compared": _described(_crop(expected, m, m), wrap)}

    bigger = np.repeat(np.repeat(xa, 2, axis=0), 2, axis=1)
    scaled = conv(bigger)
    expected = np.repeat(np.repeat(y, 2, axis=0), 2, axis=1)
    m = 0 if wrap else 2 * max(kh, kw)
    report["scale2"] = {**_relative(_crop(scaled, m, m), _crop(expected, m, m)),
                        "compared": _described(_crop(expected, m, m), wrap)}

    report["pooling"] = _pooling_invariance(xa, y, conv, (kh, kw), pool_size, pool_stride, wrap)
    return report


def _described(a: np.ndarray, wrap: bool) -> str:
    return f"{'whole image' if wrap else 'interior'} {a.shape[1]}x{a.shape[0]}"


def _pooling_invariance(x, y, conv, kshape, size, stride, wrap) -> dict:
    margin_y, margin_x = (0, 0) if wrap else (kshape[0] + 1, kshape[1] + 1)
    base = _crop(y, margin_y, margin_x)
    pooled = pool(base, op="max", size=size, stride=stride, dtype=base.dtype)
    changes = {"unpooled": [], "pooled": [], "unpooled_fraction": [], "pooled_fraction": []}
    for s in ONE_PIXEL_SHIFTS:
        moved = _crop(conv(np.roll(x, s, axis=(0, 1))), margin_y, margin_x)
        moved_pooled = pool(moved, op="max", size=size, stride=stride, dtype=moved.dtype)
        for name, a, b in (("unpooled", moved, base), ("pooled", moved_pooled, pooled)):
            changes[name].append(_relative(a, b)["error"])
            tol = 1e-6 * max(float(np.max(np.abs(b))), 1e-30)
            changes[name + "_fraction"].append(float(np.mean(np.abs(a - b) > tol)))
    return {
        "pool": f"max {size}x{size} stride {stride}",
        "unpooled_change": float(np.mean(changes["unpooled"])),
        "pooled_change": float(np.mean(changes["pooled"])),
        "unpooled_changed_fraction": float(np.mean(changes["unpooled_fraction"])),
        "pooled_changed_fraction": float(np.mean(changes["pooled_fraction"])),
        "shifts": [list(s) for s in ONE_PIXEL_SHIFTS],
    }
