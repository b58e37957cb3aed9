"""The direct method in NumPy, for small problems: no JIT kernel to load.

Loading a compiled Numba kernel (importing Numba, then the cached parallel function) costs more
than half a second in a new process, while a 512x512 image with a 3x3 kernel takes a few
milliseconds with NumPy (~0.5 ns per multiply-add here). Problems of at most ``SMALL_WORK``
multiply-adds per plane (a 1024x1024 3x3, a 512x512 7x7 or separable Gaussian up to sigma 5) are
therefore done here, band by band of output rows: the input rows a band reads are extended by the
boundary rule (and, at a column stride above 1, split into that many column phases), then each tap
adds its weighted view. Each output sample gets the same operations in the same order
whatever the stride, so a strided output is exactly the unit-stride output subsampled; the result
equals the Numba kernel's to floating-point rounding (the summation order differs).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from convcli.conventions import Axis
from convcli.extend import extend_axis

BAND = 65536  # output samples per band of rows (256 KiB of float32: out, scratch and input rows stay in L2)
SMALL_WORK = 1 << 24  # output samples x taps (~8 ms of NumPy work; loading Numba costs 0.3-0.7 s)


def is_small(out_shape: Sequence[int], kshape: Sequence[int]) -> bool:
    """True when the NumPy path is the faster one for a single call in a fresh process."""
    return math.prod(out_shape) * math.prod(kshape) <= SMALL_WORK


def correlate2d(x: np.ndarray, c: np.ndarray, out: np.ndarray, axes: Sequence[Axis], boundary: str) -> None:
    """Fill ``out`` with the correlation of the plane ``x`` with ``c`` (geometry ``axes``).

    Band by band of output rows (rows longer than ``BAND`` samples, such as a 1-D signal's, chunk by
    chunk of columns): the input rows a band reads are extended by the boundary rule along both axes
    into a small array (``extend_axis``), then each tap adds its weighted view. Whole-plane
    temporaries (the extended input, each tap's product) streamed through memory and, being fresh
    allocations of several MiB, page-faulted on every call: a 2048x2048 3x3 at stride 2 took 19-20 ms
    that way, 7 ms in bands; a 1024x1024 3x3 7 -> 4.3 ms (2026-11-28, issue 7).
    """
    ay, ax = axes
    oh, ow = out.shape
    kh, kw = c.shape
    height = x.shape[0]
    sx = ax.stride
    rows = max(1, BAND // max(ow, 1))
    cols = max(1, min(ow, BAND))  # output columns per chunk: long rows (1-D signals) in pieces too
    tmp = np.empty((min(rows, oh), min(cols, ow)), dtype=out.dtype)
    for r0 in range(0, oh, rows):
        r1 = min(oh, r0 + rows)
        y0 = ay.offset + r0 * ay.stride
        need = (r1 - r0 - 1) * ay.stride + (kh - 1) * ay.dilation + 1
        inside = 0 <= y0 and y0 + need <= height
        band = x[y0 : y0 + need] if inside else extend_axis(x, y0, need, 0, boundary)
        for q0 in range(0, ow, cols):
            q1 = min(ow, q0 + cols)
            _chunk(band, c, out[r0:r1, q0:q1], tmp[: r1 - r0, : q1 - q0], ay, ax.offset + q0 * sx, sx, ax.dilation,
                   boundary)


def _chunk(band, c, o, t_, ay, x0, sx, dx, boundary) -> None:
    """Output rows ``o`` from the input rows ``band``, columns from ``x0`` on (see ``correlate2d``)."""
    kh, kw = c.shape
    rows, n = o.shape
    span = (n - 1) * sx + (kw - 1) * dx + 1
    # the band's columns extended by the boundary rule, in sx phases (column stride > 1): tap t reads
    # phase (t*dx) % sx from column (t*dx) // sx on, so every view has unit column stride (NumPy's
    # loops over views with a column step are slower)
    phases = [extend_axis(band, x0 + p, -(-(span - p) // sx), 1, boundary, sx).astype(o.dtype, copy=False)
              for p in range(min(sx, span))]
    first = True
    for a in range(kh):
        ys = slice(a * ay.dilation, a * ay.dilation + (rows - 1) * ay.stride + 1, ay.stride)
        for t in range(kw):
            start, phase = divmod(t * dx, sx)
            view = phases[phase][ys, start : start + n]
            if first:
                np.multiply(view, c[a, t], out=o)
                first = False
            else:
                np.multiply(view, c[a, t], out=t_)
                o += t_
