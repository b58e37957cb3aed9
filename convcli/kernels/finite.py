"""Counting NaN and Inf samples in one parallel read (no temporary boolean array)."""

from numba import njit, prange


@njit(cache=True, parallel=True)
def count_nonfinite(flat, counts):
    """``counts[b]`` = number of NaN/Inf samples in block ``b`` of the 1-D ``flat`` (``len(counts)`` blocks)."""
    n = flat.shape[0]
    blocks = counts.shape[0]
    for b in prange(blocks):
        part = flat[b * n // blocks: (b + 1) * n // blocks]
        c = 0
        for j in range(part.shape[0]):
            d = part[j] - part[j]  # 0 for finite samples, NaN for NaN and +-Inf
            c += d != d
        counts[b] = c
    return counts
