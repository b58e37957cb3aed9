"""Counting NaN and Inf samples in one parallel read (no temporary boolean array)."""

from numba import njit, prange

from convcli.kernels.spread import new_team, settle


@njit(cache=True, parallel=True)
def count_nonfinite(flat, counts):
    """``counts[b]`` = number of NaN/Inf samples in block ``b`` of the 1-D ``flat`` (``len(counts)`` blocks)."""
    n = flat.shape[0]
    blocks = counts.shape[0]
    team = new_team()  # threads kept apart (kernels/spread.py)
    for b in prange(blocks):
        settle(team)
        part = flat[b * n // blocks: (b + 1) * n // blocks]
        c = 0
        for j in range(part.shape[0]):
            d = part[j] - part[j]  # 0 for finite samples, NaN for NaN and +-Inf
            c += d != d
        counts[b] = c
    return counts
