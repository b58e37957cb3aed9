"""FFT correlation of one large plane on two threads: the output rows are cut into two halves
and each half is transformed on its own (NumPy's FFT releases the GIL).

The cut is fixed (always two halves above ``SPLIT_MIN_ROWS`` output rows), not derived from the
thread count, so the result never depends on how many threads run it.
"""

from __future__ import annotations

from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor

import numpy as np

from convcli.conventions import Axis
from convcli.extend import extend_axis
from convcli.fftconv import fft_correlate

SPLIT_MIN_ROWS = 256
PARTS = 2


def extended_region(x: np.ndarray, axes: Sequence[Axis], kshape: Sequence[int], boundary: str) -> np.ndarray:
    """The boundary-extended input that the output reads (correlation form)."""
    region = x
    for axis, (ax, k) in enumerate(zip(axes, kshape, strict=True)):
        span = (ax.length - 1) * ax.stride + (k - 1) * ax.dilation + 1
        if ax.offset != 0 or span != region.shape[axis]:
            region = extend_axis(region, ax.offset, span, axis, boundary)
    return region


def fft_correlate_split(x: np.ndarray, c: np.ndarray, axes: Sequence[Axis], boundary: str,
                        *, workers: int = 2) -> np.ndarray:
    """Same as :func:`convcli.fftconv.fft_correlate`, faster on two cores for large planes."""
    ay, ax = axes
    if ay.length < SPLIT_MIN_ROWS:
        return fft_correlate(x, c, axes, boundary)
    region = extended_region(x, axes, c.shape, boundary)
    kh, kw = c.shape
    ke = (kh - 1) * ay.dilation + 1
    col_axis = Axis(region.shape[1], kw, ax.stride, ax.dilation, "valid")
    out = np.empty((ay.length, ax.length), dtype=x.dtype)
    cuts = [p * ay.length // PARTS for p in range(PARTS + 1)]

    def part(i: int) -> None:
        r0, r1 = cuts[i], cuts[i + 1]
        sub = region[r0 * ay.stride : (r1 - 1) * ay.stride + ke]
        row_axis = Axis(sub.shape[0], kh, ay.stride, ay.dilation, "valid")
        out[r0:r1] = fft_correlate(sub, c, (row_axis, col_axis), "zero")

    if workers > 1:
        with ThreadPoolExecutor(min(workers, PARTS)) as pool:
            list(pool.map(part, range(PARTS)))
    else:
        for i in range(PARTS):
            part(i)
    return out
