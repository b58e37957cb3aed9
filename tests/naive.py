"""Slow, obvious NumPy references that follow SPEC.md's formulas literally (for tests only)."""

from __future__ import annotations

import itertools

import numpy as np

NP_PAD_MODE = {"zero": "constant", "reflect": "symmetric", "mirror": "reflect", "nearest": "edge", "wrap": "wrap"}


def extend(x: np.ndarray, before: tuple[int, ...], after: tuple[int, ...], boundary: str) -> np.ndarray:
    """Pad the leading axes of ``x`` by the boundary rule, with ``numpy.pad`` (an independent
    implementation: it repeats reflections for pads longer than the array)."""
    widths = list(zip(before, after, strict=True)) + [(0, 0)] * (x.ndim - len(before))
    return np.pad(np.asarray(x, dtype=np.float64), widths, mode=NP_PAD_MODE[boundary])


def naive_convolve(x, k, *, mode="conv", padding="same", boundary="reflect", stride=1, dilation=1):
    """``convolve`` for one channel of any dimension, straight from the definitions.

    ``full``: ``F[o] = sum_t X[o - (ke-1) + t] * c[t]`` with ``c`` the (dilated) kernel, flipped for
    ``conv``; ``same`` crops ``full`` to the input size from ``(ke-1)//2``; ``valid`` keeps
    ``full[ke-1 : n]``; the stride keeps samples ``0, s, 2s, ...``.
    """
    x = np.asarray(x, dtype=np.float64)
    k = np.asarray(k, dtype=np.float64)
    nd = k.ndim
    strides = (stride,) * nd if np.isscalar(stride) else tuple(stride)
    dils = (dilation,) * nd if np.isscalar(dilation) else tuple(dilation)
    c = np.flip(k) if mode == "conv" else k
    ke = [d * (s - 1) + 1 for d, s in zip(dils, k.shape, strict=True)]
    cd = np.zeros(ke)
    cd[tuple(slice(None, None, d) for d in dils)] = c
    xp = extend(x, tuple(e - 1 for e in ke), tuple(e - 1 for e in ke), boundary)
    full_shape = [n + e - 1 for n, e in zip(x.shape, ke, strict=True)]
    full = np.zeros(full_shape)
    for o in itertools.product(*(range(n) for n in full_shape)):
        window = xp[tuple(slice(i, i + e) for i, e in zip(o, ke, strict=True))]
        full[o] = np.sum(window * cd)
    crops = []
    for n, e in zip(x.shape, ke, strict=True):
        start = {"full": 0, "same": (e - 1) // 2, "valid": e - 1}[padding]
        length = {"full": n + e - 1, "same": n, "valid": n - e + 1}[padding]
        crops.append((start, length))
    out = full[tuple(slice(s, s + n) for s, n in crops)]
    return out[tuple(slice(None, None, s) for s in strides)]


def naive_channels(x, k, **options):
    """Apply ``naive_convolve`` to each channel of a channels-last array."""
    x = np.asarray(x, dtype=np.float64)
    if x.ndim == k.ndim:
        return naive_convolve(x, k, **options)
    return np.stack([naive_convolve(x[..., c], k, **options) for c in range(x.shape[-1])], axis=-1)


def naive_gabor(size, *, alpha, beta_x, beta_y, f, phi, tau, x0, y0):
    """SPEC's Gabor formula, one tap at a time: row = y (down), column = x (right)."""
    import math

    k = np.zeros((size, size))
    for row in range(size):
        for col in range(size):
            dx, dy = col - x0, row - y0
            xr = dx * math.cos(tau) + dy * math.sin(tau)
            yr = -dx * math.sin(tau) + dy * math.cos(tau)
            k[row, col] = alpha * math.exp(-beta_x * xr * xr - beta_y * yr * yr) * math.cos(f * xr + phi)
    return k


def naive_correlate_same(x, k, boundary="reflect"):
    """``same`` correlation of a 2-D array with an odd-sized kernel, one output at a time."""
    kh, kw = k.shape
    xp = extend(x, (kh // 2, kw // 2), (kh // 2, kw // 2), boundary)
    out = np.zeros(x.shape)
    for i in range(x.shape[0]):
        for j in range(x.shape[1]):
            out[i, j] = np.sum(xp[i:i + kh, j:j + kw] * k)
    return out
