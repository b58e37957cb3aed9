"""The direct method in NumPy, for small problems: no JIT kernel to load.

Loading a compiled Numba kernel (importing Numba, then the cached parallel function) costs more
than half a second in a new process, while a 512x512 image with a 3x3 kernel takes a few
milliseconds with NumPy (~0.5 ns per multiply-add here). Problems of at most ``SMALL_WORK``
multiply-adds per plane (a 1024x1024 3x3, a 512x512 7x7 or separable Gaussian up to sigma 5) are
therefore done here: the input is extended by the boundary rule over the region the output reads, then each
tap adds its weighted, strided view. Each output sample gets the same operations in the same order
whatever the stride, so a strided output is exactly the unit-stride output subsampled; the result
equals the Numba kernel's to floating-point rounding (the summation order differs).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from convcli.conventions import Axis
from convcli.extend import extend_axis

SMALL_WORK = 1 << 24  # output samples x taps (~8 ms of NumPy work; loading Numba costs 0.3-0.7 s)


def is_small(out_shape: Sequence[int], kshape: Sequence[int]) -> bool:
    """True when the NumPy path is the faster one for a single call in a fresh process."""
    return math.prod(out_shape) * math.prod(kshape) <= SMALL_WORK


def correlate2d(x: np.ndarray, c: np.ndarray, out: np.ndarray, axes: Sequence[Axis], boundary: str) -> None:
    """Fill ``out`` with the correlation of the plane ``x`` with ``c`` (geometry ``axes``)."""
    region = x
    for axis, (ax, k) in enumerate(zip(axes, c.shape, strict=True)):
        span = (ax.length - 1) * ax.stride + (k - 1) * ax.dilation + 1
        if ax.offset != 0 or span != region.shape[axis]:
            region = extend_axis(region, ax.offset, span, axis, boundary)
    region = region.astype(out.dtype, copy=False)
    ay, ax = axes
    oh, ow = out.shape
    tmp = np.empty_like(out)
    first = True
    for a in range(c.shape[0]):
        ys = slice(a * ay.dilation, a * ay.dilation + (oh - 1) * ay.stride + 1, ay.stride)
        for t in range(c.shape[1]):
            xs = slice(t * ax.dilation, t * ax.dilation + (ow - 1) * ax.stride + 1, ax.stride)
            if first:
                np.multiply(region[ys, xs], c[a, t], out=out)
                first = False
            else:
                np.multiply(region[ys, xs], c[a, t], out=tmp)
                out += tmp
