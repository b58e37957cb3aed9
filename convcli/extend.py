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


def extend_axis(x: np.ndarray, start: int, length: int, axis: int, boundary: str, step: int = 1) -> np.ndarray:
    """Samples ``start, start+step, ...`` (``length`` of them) of ``x`` along ``axis``, extended by the
    boundary rule."""
    n = x.shape[axis]
    idx = boundary_indices(start + step * np.arange(length), n, boundary)
    # the positions inside x are one slice copy; only the few outside are gathered (np.take of the whole
    # axis was ~4 ms per axis for a 2048x2048 float32 plane, issue 7)
    lo = min(max(-(start // step), 0), length)  # first i with start + i*step >= 0
    hi = max(min(-((start - n) // step), length), 0)  # first i with start + i*step >= n
    if hi <= lo:
        lo = hi = 0
    shape = list(x.shape)
    shape[axis] = length
    out = np.empty(shape, dtype=x.dtype)

    def part(a: int, b: int, s: int = 1) -> tuple:
        return (slice(None),) * axis + (slice(a, b, s),)

    if hi > lo:
        out[part(lo, hi)] = x[part(start + lo * step, start + (hi - 1) * step + 1, step)]
    for a, b in ((0, lo), (hi, length)):
        if b > a:
            out[part(a, b)] = np.take(x, np.maximum(idx[a:b], 0), axis=axis)
            if boundary == "zero":
                out[part(a, b)] = 0  # every position outside x is a zero
    return out
