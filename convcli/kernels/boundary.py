"""Index mapping for the boundary rules (codes shared with ``convcli.conventions.BOUNDARY_CODES``)."""

from numba import njit

ZERO, REFLECT, MIRROR, NEAREST, WRAP = 0, 1, 2, 3, 4


@njit(cache=True)
def map_index(i, n, mode):
    """Map a possibly out-of-range index ``i`` into ``[0, n)``; ``-1`` means "zero" (outside)."""
    if i >= 0 and i < n:
        return i
    if mode == ZERO:
        return -1
    if mode == NEAREST:
        return 0 if i < 0 else n - 1
    if mode == WRAP:
        return i % n
    if mode == REFLECT:  # cba|abcd|dcb: period 2n
        p = 2 * n
        j = i % p
        return j if j < n else p - 1 - j
    # MIRROR, dcb|abcd|cba: period 2n - 2
    if n == 1:
        return 0
    p = 2 * n - 2
    j = i % p
    return j if j < n else p - j


@njit(cache=True)
def image_row(x, zero, y, mode):
    """Row ``y`` of the 2-D ``x`` extended by the rule ``mode``: ``x[y]`` inside, the mapped row
    outside, or ``zero`` (a row of zeros as long as ``x``'s) where the rule gives zeros."""
    if y >= 0 and y < x.shape[0]:  # the usual case without the call: 1-2 % of a 3x3 or 7x7 (2026-11-28)
        return x[y]
    i = map_index(y, x.shape[0], mode)
    return x[i] if i >= 0 else zero


@njit(cache=True)
def map_column(e, width, mode, nch):
    """``map_index`` for sample ``e`` of a row of ``nch`` interleaved channels (``width`` samples):
    the pixel is extended by the boundary rule, the channel kept; ``-1`` means "zero"."""
    if nch == 1:
        return map_index(e, width, mode)
    pixel = e // nch  # floor, also for negative e
    m = map_index(pixel, width // nch, mode)
    return m * nch + (e - pixel * nch) if m >= 0 else -1
