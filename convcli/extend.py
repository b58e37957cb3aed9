"""Boundary extension with NumPy (for methods that need an explicitly extended input, such as FFT).

The direct Numba kernels map indices on the fly (kernels/boundary.py); this is the same rule,
vectorised, producing the extended array once.
"""

from __future__ import annotations

import numpy as np

from convcli.conventions import BOUNDARIES, check_choice


def boundary_indices(idx: np.ndarray, n: int, boundary: str) -> np.ndarray:
    """Map integer positions ``idx`` into ``[0, n)`` by the boundary rule; ``-1`` marks zeros."""
    check_choice("boundary", boundary, BOUNDARIES)
    idx = np.asarray(idx, dtype=np.int64)
    inside = (idx >= 0) & (idx < n)
    if boundary == "zero":
        return np.where(inside, idx, -1)
    if boundary == "nearest":
        return np.clip(idx, 0, n - 1)
    if boundary == "wrap":
        return np.mod(idx, n)
    if boundary == "reflect":
        j = np.mod(idx, 2 * n)
        return np.where(j < n, j, 2 * n - 1 - j)
    if n == 1:  # mirror of a single sample
        return np.zeros_like(idx)
    p = 2 * n - 2
    j = np.mod(idx, p)
    return np.where(j < n, j, p - j)


def extend_axis(x: np.ndarray, start: int, length: int, axis: int, boundary: str) -> np.ndarray:
    """Samples ``start .. start+length-1`` of ``x`` along ``axis``, extended by the boundary rule."""
    idx = boundary_indices(np.arange(start, start + length), x.shape[axis], boundary)
    out = np.take(x, np.maximum(idx, 0), axis=axis)
    if boundary == "zero" and (idx < 0).any():
        shape = [1] * x.ndim
        shape[axis] = length
        out = out * (idx >= 0).reshape(shape).astype(out.dtype)
    return out
