"""Separable (rank-1) 2-D correlation in one parallel pass: columns, then rows, one output row at a time.

``out[r, q] = sum_t row[t] * V[r, ox + q*sx + t*dx]`` with
``V[r, p] = sum_a col[a] * X[oy + r*sy + a*dy, p]`` and ``X`` extended by the boundary rule. For
each output row, the vertical pass combines the ``kh`` input rows it needs (whole unit-stride
rows, as the direct kernel does; consecutive output rows share them, so they come from cache) into
``V``'s row in ``buf`` (two rows per block, in L1); the row is extended by the boundary rule (the
vertical pass commutes with the horizontal extension: an extended column of ``V`` is ``V`` at the
mapped column), then the horizontal pass reads it at unit stride, with no border cases. A column
stride ``sx > 1`` computes the unit-stride row in ``hbuf`` and keeps every ``sx``-th sample, so that
strided outputs are the unit-stride ones subsampled, bit for bit.

With ``sym_col``/``sym_row`` (the factor equals its reverse exactly), taps at equal distance from
the centre are folded: ``w*(a + b)``, one multiplication for two taps (``sep_passes.fold_pass``,
up to ``PAIRS_V`` or ``PAIRS_H`` pairs per pass over the row); an odd symmetric column with
``sy == dy`` computes two consecutive output rows per vertical pass (``fold_pass2``: each input row
loaded once for both, each row's sum in ``fold_pass``'s order, so the results are the same bits).
The horizontal pass and the two-row vertical pass read their rows from one array at offsets
(``fold_offsets``, ``fold_offsets2``; the latter through row views where a row is outside and zero):
every Numba array view updates its array's reference count, atomically, on a count the threads
share, which cost ~330 ns per pair of rows (2026-11-28, issue 7).
Otherwise ``direct_passes.block_unit`` sums up to ``COLUMN_TAPS`` rows or ``TAPS`` taps per pass.
Each output sample is computed by one thread in a fixed order, whatever the thread count.
"""

import numpy as np
from numba import njit, prange

from convcli.kernels.boundary import map_column, map_index
from convcli.kernels.direct2d import TAPS, counted_row, group, nonfinite
from convcli.kernels.direct_passes import block_unit
from convcli.kernels.sep_passes import fold_offsets, fold_offsets2, fold_pass, fold_pass2
from convcli.kernels.spread import new_team, settle

COLUMN_TAPS = 6  # vertical taps per pass (kernels that are not symmetric)
# Folded tap pairs per pass over the row (symmetric kernels). Vertical: rows 8 KiB apart (or any
# multiple of 4 KiB) share cache sets; 3 pairs + centre (7 input rows + the output) ran 0.52 ns/px
# for 13 taps, 6 pairs (13 rows) 1.9 ns/px (2048-wide rows, one thread, 2026-11-27).
# Horizontal: views of one row, 6 pairs best.
PAIRS_V = 3
PAIRS_H = 6


@njit(cache=True)
def _xrow(x, zrow, i, ok, boundary):
    """Input row ``i`` extended by the boundary rule (``zrow``, zeros, outside or when not ``ok``)."""
    if not ok:
        return zrow
    iy = map_index(i, x.shape[0], boundary)
    if iy < 0:
        return zrow
    return x[iy]


@njit(cache=True)
def _vertical_sym(v, x, zrow, col2, i0, dy, boundary):
    kh = col2.shape[0]
    n = x.shape[1]
    centre = kh % 2 == 1
    npairs = kh // 2
    rc = _xrow(x, zrow, i0 + (kh // 2) * dy, centre, boundary)
    wc = col2[kh // 2, 0]
    k = 0
    first = True
    while first or k < npairs:
        m = min(PAIRS_V, npairs - k)
        lo = kh // 2 - 1 - k  # left tap of pair k; its partner is kh - 1 - lo
        a0 = _xrow(x, zrow, i0 + lo * dy, m > 0, boundary)
        b0 = _xrow(x, zrow, i0 + (kh - 1 - lo) * dy, m > 0, boundary)
        a1 = _xrow(x, zrow, i0 + (lo - 1) * dy, m > 1, boundary)
        b1 = _xrow(x, zrow, i0 + (kh - lo) * dy, m > 1, boundary)
        a2 = _xrow(x, zrow, i0 + (lo - 2) * dy, m > 2, boundary)
        b2 = _xrow(x, zrow, i0 + (kh + 1 - lo) * dy, m > 2, boundary)
        a3 = _xrow(x, zrow, i0 + (lo - 3) * dy, m > 3, boundary)
        b3 = _xrow(x, zrow, i0 + (kh + 2 - lo) * dy, m > 3, boundary)
        a4 = _xrow(x, zrow, i0 + (lo - 4) * dy, m > 4, boundary)
        b4 = _xrow(x, zrow, i0 + (kh + 3 - lo) * dy, m > 4, boundary)
        a5 = _xrow(x, zrow, i0 + (lo - 5) * dy, m > 5, boundary)
        b5 = _xrow(x, zrow, i0 + (kh + 4 - lo) * dy, m > 5, boundary)
        fold_pass(v, rc, a0, b0, a1, b1, a2, b2, a3, b3, a4, b4, a5, b5, wc,
                  col2[max(lo, 0), 0], col2[max(lo - 1, 0), 0], col2[max(lo - 2, 0), 0],
                  col2[max(lo - 3, 0), 0], col2[max(lo - 4, 0), 0], col2[max(lo - 5, 0), 0],
                  n, first and centre, m, first)
        first = False
        k += m


@njit(cache=True)
def _xoff(x, i, ok, boundary):
    """The offset of input row ``i`` (extended by the boundary rule) in ``x`` flattened; 0 when not
    ``ok`` (an unused row), -1 when the row is outside and zero."""
    if not ok:
        return 0
    iy = map_index(i, x.shape[0], boundary)
    return iy * x.shape[1] if iy >= 0 else -1


@njit(cache=True)
def _vertical_sym2(v0, v1, x, xf, zrow, col2, i0, dy, boundary):
    """Two output rows (centres ``i0 + m*dy`` and one ``dy`` below) of an odd symmetric ``col2``:
    each input row is loaded once for both; each row's sum as in ``_vertical_sym``. The input rows
    are read from ``xf`` (``x`` flattened) at offsets, or as row views where one is zero (outside,
    zero boundary)."""
    kh = col2.shape[0]
    n = x.shape[1]
    m = kh // 2
    c = i0 + m * dy
    d0 = 0
    first = True
    while first or d0 < m:
        p = min(PAIRS_V, m - d0)
        o0 = _xoff(x, c - d0 * dy, True, boundary)
        o1 = _xoff(x, c - (d0 + 1) * dy, p > 0, boundary)
        o2 = _xoff(x, c - (d0 + 2) * dy, p > 1, boundary)
        o3 = _xoff(x, c - (d0 + 3) * dy, p > 2, boundary)
        q1 = _xoff(x, c + (d0 + 1) * dy, True, boundary)
        q2 = _xoff(x, c + (d0 + 2) * dy, p > 0, boundary)
        q3 = _xoff(x, c + (d0 + 3) * dy, p > 1, boundary)
        q4 = _xoff(x, c + (d0 + 4) * dy, p > 2, boundary)
        w1, w2, w3 = col2[max(m - d0 - 1, 0), 0], col2[max(m - d0 - 2, 0), 0], col2[max(m - d0 - 3, 0), 0]
        if min(min(o0, o1), min(o2, o3)) >= 0 and min(min(q1, q2), min(q3, q4)) >= 0:
            fold_offsets2(v0, v1, xf, o0, o1, o2, o3, q1, q2, q3, q4, col2[m, 0], w1, w2, w3, n, first, p, first)
        else:
            l0 = _xrow(x, zrow, c - d0 * dy, True, boundary)
            l1 = _xrow(x, zrow, c - (d0 + 1) * dy, p > 0, boundary)
            l2 = _xrow(x, zrow, c - (d0 + 2) * dy, p > 1, boundary)
            l3 = _xrow(x, zrow, c - (d0 + 3) * dy, p > 2, boundary)
            r1 = _xrow(x, zrow, c + (d0 + 1) * dy, True, boundary)
            r2 = _xrow(x, zrow, c + (d0 + 2) * dy, p > 0, boundary)
            r3 = _xrow(x, zrow, c + (d0 + 3) * dy, p > 1, boundary)
            r4 = _xrow(x, zrow, c + (d0 + 4) * dy, p > 2, boundary)
            fold_pass2(v0, v1, l0, l1, l2, l3, r1, r2, r3, r4, col2[m, 0], w1, w2, w3, n, first, p, first)
        first = False
        d0 += p


@njit(cache=True)
def _vertical(v, x, zrow, col2, i0, dy, boundary):
    kh = col2.shape[0]
    n = x.shape[1]
    nil, one = np.int64(0), np.int64(1)  # not literals: see direct2d's module doc
    a = nil
    for g in range((kh + COLUMN_TAPS - 1) // COLUMN_TAPS):
        nr = group(kh, COLUMN_TAPS, g)
        r0 = _xrow(x, zrow, i0 + a * dy, True, boundary)
        r1 = _xrow(x, zrow, i0 + (a + 1) * dy, nr > 1, boundary)
        r2 = _xrow(x, zrow, i0 + (a + 2) * dy, nr > 2, boundary)
        r3 = _xrow(x, zrow, i0 + (a + 3) * dy, nr > 3, boundary)
        r4 = _xrow(x, zrow, i0 + (a + 4) * dy, nr > 4, boundary)
        r5 = _xrow(x, zrow, i0 + (a + 5) * dy, nr > 5, boundary)
        block_unit(v, r0, r1, r2, r3, r4, r5, col2, a, nil, nr, one, nil, one, n, a == 0)
        a += nr


@njit(cache=True)
def _horizontal_sym(o, v, row2, b, dx, n):
    # v read at offsets (no views: see sep_passes)
    kw = row2.shape[1]
    centre = kw % 2 == 1
    npairs = kw // 2
    c = b + (kw // 2) * dx if centre else 0
    wc = row2[0, kw // 2]
    k = 0
    first = True
    while first or k < npairs:
        m = min(PAIRS_H, npairs - k)
        lo = kw // 2 - 1 - k
        a0 = b + lo * dx if m > 0 else 0
        b0 = b + (kw - 1 - lo) * dx if m > 0 else 0
        a1 = b + (lo - 1) * dx if m > 1 else 0
        b1 = b + (kw - lo) * dx if m > 1 else 0
        a2 = b + (lo - 2) * dx if m > 2 else 0
        b2 = b + (kw + 1 - lo) * dx if m > 2 else 0
        a3 = b + (lo - 3) * dx if m > 3 else 0
        b3 = b + (kw + 2 - lo) * dx if m > 3 else 0
        a4 = b + (lo - 4) * dx if m > 4 else 0
        b4 = b + (kw + 3 - lo) * dx if m > 4 else 0
        a5 = b + (lo - 5) * dx if m > 5 else 0
        b5 = b + (kw + 4 - lo) * dx if m > 5 else 0
        fold_offsets(o, v, c, a0, b0, a1, b1, a2, b2, a3, b3, a4, b4, a5, b5, wc,
                     row2[0, max(lo, 0)], row2[0, max(lo - 1, 0)], row2[0, max(lo - 2, 0)],
                     row2[0, max(lo - 3, 0)], row2[0, max(lo - 4, 0)], row2[0, max(lo - 5, 0)],
                     n, first and centre, m, first)
        first = False
        k += m


@njit(cache=True)
def _horizontal(o, v, row2, b, dx, n, sym):
    if sym:
        _horizontal_sym(o, v, row2, b, dx, n)
        return
    kw = row2.shape[1]
    nil, one = np.int64(0), np.int64(1)  # not literals: see direct2d's module doc
    t = nil
    for g in range((kw + TAPS - 1) // TAPS):
        nt = group(kw, TAPS, g)
        block_unit(o, v, v, v, v, v, v, row2, nil, t, one, nt, b + t * dx, dx, n, t == 0)
        t += nt


@njit(cache=True, parallel=True)
def correlate_separable(x, col2, row2, out, buf, hbuf, zrow, oy, ox, sy, sx, dy, dx, boundary, nch, row_blocks,
                        sym_col, sym_row, counts):
    """``out`` = correlation of ``x`` with ``outer(col2[:, 0], row2[0])``.

    ``counts`` is empty, or has ``row_blocks`` entries that receive each block's number of NaN/Inf
    samples in the output rows it counts (while the row is in cache: rows ``r % kh == 0`` and the
    last, which is enough to find any NaN/Inf input at unit stride, see ``direct2d``'s module doc).

    ``buf`` is ``(row_blocks, 2, L)`` scratch space, ``L = max(ox + (ow-1)*sx + (kw-1)*dx, width-1) - min(ox, 0) + 1``;
    ``hbuf`` is ``(row_blocks, (ow-1)*sx + 1)`` when ``sx > 1``; ``zrow`` is ``width`` zeros.
    ``nch > 1``: channels-last images ``(H, W, nch)`` seen as ``(H, W*nch)``, ``ox`` and ``dx`` in
    samples (times ``nch``), ``sx == 1``; each row is extended pixel by pixel, channel by channel.
    """
    width = x.shape[1]
    oh, ow = out.shape
    off = -min(ox, 0)  # buf index of input column 0
    watch = counts.shape[0] > 0
    two = sym_col and col2.shape[0] % 2 == 1 and sy == dy  # consecutive output rows share input rows
    kh = col2.shape[0]
    xf = x.reshape(x.size)
    team = new_team()  # threads kept apart (kernels/spread.py)
    for blk in prange(row_blocks):
        settle(team)
        v0 = buf[blk, 0]
        v1 = buf[blk, 1]
        bad = 0
        r = blk * oh // row_blocks
        end = (blk + 1) * oh // row_blocks
        while r < end:
            i0 = oy + r * sy
            if two and r + 1 < end:
                _vertical_sym2(v0[off : off + width], v1[off : off + width], x, xf, zrow, col2, i0, dy, boundary)
                bad += _finish(out[r], v0, hbuf[blk], row2, off, width, ox, sx, dx, boundary, nch, sym_row,
                               watch and counted_row(r, 0, kh, oh - 1))
                bad += _finish(out[r + 1], v1, hbuf[blk], row2, off, width, ox, sx, dx, boundary, nch, sym_row,
                               watch and counted_row(r + 1, 0, kh, oh - 1))
                r += 2
                continue
            if sym_col:
                _vertical_sym(v0[off : off + width], x, zrow, col2, i0, dy, boundary)
            else:
                _vertical(v0[off : off + width], x, zrow, col2, i0, dy, boundary)
            bad += _finish(out[r], v0, hbuf[blk], row2, off, width, ox, sx, dx, boundary, nch, sym_row,
                           watch and counted_row(r, 0, kh, oh - 1))
            r += 1
        if watch:
            counts[blk] = bad
    return out


@njit(cache=True)
def _finish(o, v, h, row2, off, width, ox, sx, dx, boundary, nch, sym_row, watch):
    """Extend the vertical results ``v[off : off + width]`` by the boundary rule, run the horizontal
    pass into the output row ``o``; the number of its non-finite samples when ``watch``."""
    span = v.shape[0]
    for p in range(off):
        ix = map_column(p - off, width, boundary, nch)
        v[p] = v[off + ix] if ix >= 0 else 0
    for p in range(off + width, span):
        ix = map_column(p - off, width, boundary, nch)
        v[p] = v[off + ix] if ix >= 0 else 0
    b = ox + off
    ow = o.shape[0]
    if sx == 1:
        _horizontal(o, v, row2, b, dx, ow, sym_row)
    else:
        _horizontal(h, v, row2, b, dx, (ow - 1) * sx + 1, sym_row)
        for q in range(ow):
            o[q] = h[q * sx]
    return nonfinite(o) if watch else 0
