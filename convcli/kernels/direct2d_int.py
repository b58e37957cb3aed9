"""Direct 2-D correlation of an integer image (uint8, uint16) without a float copy of all of it.

Each block of output rows is done in chunks: the input rows one chunk needs (its output rows'
span plus the kernel's halo, rows outside the image mapped by the boundary rule, zero rows for
the zero boundary) are converted into a small float band owned by the block, and direct2d's loops
(``_border``, ``_interior``, ``_interior_rows``) run on the band with row offset 0. Every band row
is inside the band, so no row is mapped again; the columns are mapped exactly as in
``direct2d.correlate2d``. The products and their order are therefore the float path's: the
result is bit-for-bit ``correlate2d`` on the image converted to float first (a row of zeros in
the band adds ``+-0`` to a sum that is never ``-0``, which changes nothing). Integers are finite,
so nothing is counted.
"""

import numpy as np
from numba import njit, prange

from convcli.kernels.boundary import map_index
from convcli.kernels.direct2d import TILE, _border, _interior, _interior_rows


@njit(cache=True)
def _fill_band(band, x, y0, rows, boundary):
    """``band[i] = X[y0 + i]`` for ``i < rows``, ``X`` the boundary-extended ``x`` as floats."""
    height, width = x.shape
    for i in range(rows):
        iy = map_index(y0 + i, height, boundary)
        dst = band[i]
        if iy < 0:
            for j in range(width):
                dst[j] = 0.0
        else:
            src = x[iy]
            for j in range(width):
                dst[j] = src[j]


@njit(cache=True, parallel=True)
def correlate2d_int(x, c, out, bands, oy, ox, sy, sx, dy, dx, boundary, chunk):
    """Fill ``out`` with the correlation of the integer ``x`` with ``c`` (float, ``out``'s dtype).

    ``bands`` is ``(blocks, (chunk - 1) * sy + (kh - 1) * dy + 1, width)`` scratch of ``c``'s
    dtype: block ``b`` does output rows ``b*oh//blocks`` to ``(b+1)*oh//blocks``, ``chunk`` at a
    time, through ``bands[b]``.
    """
    width = x.shape[1]
    kh, kw = c.shape
    oh, ow = out.shape
    blocks = bands.shape[0]
    zero = np.zeros(width, dtype=bands.dtype)  # never read: band rows are never outside the band
    q_lo = 0
    if ox < 0:
        q_lo = (-ox + sx - 1) // sx
    last = width - 1 - (kw - 1) * dx - ox
    q_hi = -1 if last < 0 else last // sx  # inclusive
    if q_hi > ow - 1:
        q_hi = ow - 1
    i0 = q_lo
    i1 = q_hi + 1
    shared = sx == 1 and sy == dy
    z = sy * 0  # 0 typed int64, not Literal[int](0): direct2d's loops are reused as compiled for correlate2d
    for blk in prange(blocks):
        band = bands[blk]
        r_first = blk * oh // blocks
        r_end = (blk + 1) * oh // blocks
        for rc in range(r_first, r_end, chunk):
            re = min(rc + chunk, r_end)
            _fill_band(band, x, oy + rc * sy, (re - 1 - rc) * sy + (kh - 1) * dy + 1, boundary)
            for r in range(rc, re):
                if i0 < i1:
                    _border(out[r], band, c, r - rc, z, i0, z, ox, sy, sx, dy, dx, boundary)
                    _border(out[r], band, c, r - rc, i1, ow, z, ox, sy, sx, dy, dx, boundary)
                else:
                    _border(out[r], band, c, r - rc, z, ow, z, ox, sy, sx, dy, dx, boundary)
            for q0 in range(i0, i1, TILE):
                n = min(TILE, i1 - q0)
                r = rc
                while r < re:
                    if shared and r + 2 < re:
                        _interior_rows(out[r, q0 : q0 + n], out[r + 1, q0 : q0 + n], out[r + 2, q0 : q0 + n],
                                       band, zero, c, r - rc, q0, n, z, ox, sy, dy, dx, boundary)
                        r += 3
                    else:
                        _interior(out[r, q0 : q0 + n], band, zero, c, r - rc, q0, n, z, ox, sy, sx, dy, dx,
                                  boundary)
                        r += 1
    return out
