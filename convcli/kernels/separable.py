"""Separable (rank-1) 2-D correlation in one parallel pass: rows, then columns, strip by strip.

``out[r, q] = sum_a col[a] * H[oy + r*sy + a*dy, q]`` with
``H[i, q] = sum_t row[t] * X[i, ox + q*sx + t*dx]`` and ``X`` extended by the boundary rule. Each
block of output rows is done in strips: the horizontal results for the input rows a strip reads go
to that block's slice of ``buf`` (a few hundred kB, so they stay in cache), then the vertical taps
are combined from there. Taps are summed in groups (``direct2d.group``; up to 5 per row pass, 6 per column
pass), each output sample in a fixed order by one thread, whatever the thread count.
"""

from numba import njit, prange

from convcli.kernels.boundary import map_index
from convcli.kernels.direct2d import TAPS, group
from convcli.kernels.direct_passes import block_unit

COLUMN_TAPS = 6  # vertical taps per pass


@njit(cache=True)
def _hborder(h, xrow, row2, q0, q1, ox, sx, dx, boundary):
    width = xrow.shape[0]
    kw = row2.shape[1]
    for q in range(q0, q1):
        acc = 0.0
        for t in range(kw):
            ix = map_index(ox + q * sx + t * dx, width, boundary)
            if ix >= 0:
                acc += row2[0, t] * xrow[ix]
        h[q] = acc


@njit(cache=True)
def _horizontal(h, xrow, row2, ox, sx, dx, q_lo, q_hi, boundary):
    kw = row2.shape[1]
    ow = h.shape[0]
    if q_lo > q_hi:
        _hborder(h, xrow, row2, 0, ow, ox, sx, dx, boundary)
        return
    _hborder(h, xrow, row2, 0, q_lo, ox, sx, dx, boundary)
    _hborder(h, xrow, row2, q_hi + 1, ow, ox, sx, dx, boundary)
    n = q_hi + 1 - q_lo
    o = h[q_lo : q_hi + 1]
    t = 0
    for g in range((kw + TAPS - 1) // TAPS):
        nt = group(kw, TAPS, g)
        if sx == 1:
            block_unit(o, xrow, xrow, xrow, xrow, xrow, xrow, row2, 0, t, 1, nt, ox + q_lo + t * dx, dx, n, t == 0)
        else:
            for j in range(n):
                p = ox + (q_lo + j) * sx + t * dx
                s = row2[0, t] * xrow[p]
                for k in range(1, nt):
                    s += row2[0, t + k] * xrow[p + k * dx]
                if t == 0:
                    o[j] = s
                else:
                    o[j] += s
        t += nt


@njit(cache=True, parallel=True)
def correlate_separable(x, col2, row2, out, buf, oy, ox, sy, sx, dy, dx, boundary, row_blocks, strip):
    """``out`` = correlation of ``x`` with ``outer(col2[:, 0], row2[0])``; ``buf`` is
    ``(row_blocks, (strip - 1) * sy + (kh - 1) * dy + 1, ow)`` scratch space."""
    height, width = x.shape
    kh = col2.shape[0]
    kw = row2.shape[1]
    oh, ow = out.shape
    q_lo = 0
    if ox < 0:
        q_lo = (-ox + sx - 1) // sx
    last = width - 1 - (kw - 1) * dx - ox
    q_hi = -1 if last < 0 else last // sx
    if q_hi > ow - 1:
        q_hi = ow - 1
    for blk in prange(row_blocks):
        r0 = blk * oh // row_blocks
        r1 = (blk + 1) * oh // row_blocks
        for s0 in range(r0, r1, strip):
            s1 = min(s0 + strip, r1)
            lo = oy + s0 * sy
            hi = oy + (s1 - 1) * sy + (kh - 1) * dy  # inclusive
            for i in range(lo, hi + 1):
                h = buf[blk, i - lo]
                iy = map_index(i, height, boundary)
                if iy < 0:
                    for q in range(ow):
                        h[q] = 0
                else:
                    _horizontal(h, x[iy], row2, ox, sx, dx, q_lo, q_hi, boundary)
            for r in range(s0, s1):
                o = out[r]
                base = oy + r * sy - lo
                a = 0
                for g in range((kh + COLUMN_TAPS - 1) // COLUMN_TAPS):
                    nr = group(kh, COLUMN_TAPS, g)
                    h0 = buf[blk, base + a * dy]
                    h1 = buf[blk, base + min(a + 1, kh - 1) * dy]
                    h2 = buf[blk, base + min(a + 2, kh - 1) * dy]
                    h3 = buf[blk, base + min(a + 3, kh - 1) * dy]
                    h4 = buf[blk, base + min(a + 4, kh - 1) * dy]
                    h5 = buf[blk, base + min(a + 5, kh - 1) * dy]
                    block_unit(o, h0, h1, h2, h3, h4, h5, col2, a, 0, nr, 1, 0, 1, ow, a == 0)
                    a += nr
    return out
