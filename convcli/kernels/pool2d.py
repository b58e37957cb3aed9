"""Max / average / L2 pooling over windows of rows and columns, and over groups of channels.

``out[r, q] = OP over a < kh, t < kw of X[oy + r*sy + a, ox + q*sx + t]`` where ``X`` is ``x``
extended by the boundary rule (codes of ``kernels.boundary``, plus ``IGNORE``: samples outside
the input take no part, and an average divides by the number of samples inside). OP is ``MAX``,
``AVG`` (sum / count) or ``L2`` (square root of the sum of squares). Work is split into blocks of
output rows; each output sample is computed by one thread in a fixed order.
"""

import math

from numba import njit, prange

from convcli.kernels.boundary import ZERO, map_index
from convcli.kernels.spread import new_team, settle

MAX, AVG, L2 = 0, 1, 2
IGNORE = 5


@njit(cache=True)
def _max_interior(o, xs, sx, kw):
    # o[j] = max(o[j], xs[j*sx + t]); xs starts at the first tap, so every index is known to be
    # non-negative and selects (not conditional stores) let LLVM vectorise
    n = o.shape[0]
    if sx == 1:
        for t in range(kw):
            xt = xs[t:]
            for j in range(n):
                v = xt[j]
                m = o[j]
                o[j] = v if v > m else m
    elif kw == 2 and sx == 2:  # the common 2x2 / stride 2 case: a constant stride vectorises
        for j in range(n):
            v0 = xs[2 * j]
            v1 = xs[2 * j + 1]
            v = v0 if v0 > v1 else v1
            m = o[j]
            o[j] = v if v > m else m
    elif kw == 2:
        for j in range(n):
            v0 = xs[j * sx]
            v1 = xs[j * sx + 1]
            v = v0 if v0 > v1 else v1
            m = o[j]
            o[j] = v if v > m else m
    else:
        for t in range(kw):
            for j in range(n):
                v = xs[j * sx + t]
                m = o[j]
                o[j] = v if v > m else m


@njit(cache=True)
def _max_2x2_stride2(o, xs0, xs1):
    # two rows in one pass that assigns o: each input sample read once, o written once
    for j in range(o.shape[0]):
        a0 = xs0[2 * j]
        a1 = xs0[2 * j + 1]
        b0 = xs1[2 * j]
        b1 = xs1[2 * j + 1]
        a = a0 if a0 > a1 else a1
        b = b0 if b0 > b1 else b1
        o[j] = a if a > b else b


@njit(cache=True)
def _sum_interior(o, xs, sx, kw, square):
    # the same taps in the same order whatever the stride, so strided output = unit-stride subsampled
    n = o.shape[0]
    for t in range(kw):
        if square:
            for j in range(n):
                v = xs[j * sx + t]
                o[j] += v * v
        else:
            for j in range(n):
                o[j] += xs[j * sx + t]


@njit(cache=True)
def _border(orow, xrow, q0, q1, ox, sx, kw, width, op, boundary):
    for q in range(q0, q1):
        acc = orow[q]
        for t in range(kw):
            ix = ox + q * sx + t
            if ix < 0 or ix >= width:
                if boundary == IGNORE:
                    continue
                ix = map_index(ix, width, boundary)
            v = 0.0 if ix < 0 else xrow[ix]
            if op == MAX:
                if v > acc:
                    acc = v
            elif op == L2:
                acc += v * v
            else:
                acc += v
        orow[q] = acc


@njit(cache=True)
def _pool_row(orow, x, r, oy, ox, sy, sx, kh, kw, op, boundary, q_lo, q_hi):
    height, width = x.shape
    ow = orow.shape[0]
    init = -math.inf if op == MAX else 0.0
    i0 = max(q_lo, 0)
    i1 = min(q_hi + 1, ow)
    y = oy + r * sy
    if op == MAX and kh == 2 and kw == 2 and sx == 2 and i0 < i1 and y >= 0 and y + 1 < height:
        _max_2x2_stride2(orow[i0:i1], x[y][ox + i0 * sx:], x[y + 1][ox + i0 * sx:])
        for q in range(0, i0):
            orow[q] = init
        for q in range(i1, ow):
            orow[q] = init
        for a in range(2):
            _border(orow, x[y + a], 0, i0, ox, sx, kw, width, op, boundary)
            _border(orow, x[y + a], i1, ow, ox, sx, kw, width, op, boundary)
        return
    for q in range(ow):
        orow[q] = init
    rows_in = 0
    zero_rows = False
    for a in range(kh):
        iy = oy + r * sy + a
        if iy < 0 or iy >= height:
            if boundary == IGNORE:
                continue
            if boundary == ZERO:
                zero_rows = True
                continue
            iy = map_index(iy, height, boundary)
        rows_in += 1
        xrow = x[iy]
        if i0 < i1:
            o = orow[i0:i1]
            xs = xrow[ox + i0 * sx:]
            if op == MAX:
                _max_interior(o, xs, sx, kw)
            else:
                _sum_interior(o, xs, sx, kw, op == L2)
            _border(orow, xrow, 0, i0, ox, sx, kw, width, op, boundary)
            _border(orow, xrow, i1, ow, ox, sx, kw, width, op, boundary)
        else:
            _border(orow, xrow, 0, ow, ox, sx, kw, width, op, boundary)
    if op == MAX:
        if zero_rows:
            for q in range(ow):
                if orow[q] < 0:
                    orow[q] = 0.0
    elif op == L2:
        for q in range(ow):
            orow[q] = math.sqrt(orow[q])
    elif boundary == IGNORE:
        for q in range(ow):
            c0 = ox + q * sx
            cols_in = min(width, c0 + kw) - max(0, c0)
            orow[q] = orow[q] / (rows_in * cols_in)
    else:
        scale = 1.0 / (kh * kw)
        for q in range(ow):
            orow[q] = orow[q] * scale


@njit(cache=True)
def _count_nonfinite_rows(x, lo, hi):
    c = 0
    for iy in range(lo, hi):
        row = x[iy]
        for j in range(row.shape[0]):
            d = row[j] - row[j]  # 0 for finite samples, NaN for NaN and +-Inf
            c += d != d
    return c


@njit(cache=True)
def _columns(width, ow, ox, sx, kw):
    """Output columns ``[q_lo, q_hi]`` (inclusive) whose every tap is inside the row."""
    q_lo = 0
    if ox < 0:
        q_lo = (-ox + sx - 1) // sx
    last = width - kw - ox
    q_hi = -1 if last < 0 else last // sx
    return q_lo, q_hi


@njit(cache=True)
def _pool2d_block(x, out, rb, row_blocks, oy, ox, sy, sx, kh, kw, op, boundary, counts):
    height, width = x.shape
    oh, ow = out.shape
    q_lo, q_hi = _columns(width, ow, ox, sx, kw)
    r0 = rb * oh // row_blocks
    r1 = (rb + 1) * oh // row_blocks
    c = 0
    for r in range(r0, r1):
        if counts.shape[0] > 0:
            lo = 0 if r == 0 else min(max(oy + r * sy, 0), height)
            hi = height if r == oh - 1 else min(max(oy + (r + 1) * sy, 0), height)
            if hi > lo:
                c += _count_nonfinite_rows(x, lo, hi)
        _pool_row(out[r], x, r, oy, ox, sy, sx, kh, kw, op, boundary, q_lo, q_hi)
    if counts.shape[0] > 0:
        counts[rb] = c


@njit(cache=True, parallel=True)
def pool2d(x, out, oy, ox, sy, sx, kh, kw, op, boundary, row_blocks, counts):
    """Fill ``out`` (preallocated, 2-D) with the pooling of the 2-D ``x``; see the module doc.

    With ``len(counts) == row_blocks``, also count NaN/Inf input samples per block: each input row is
    scanned once, just before the output row whose windows start there reads it (so from cache).
    """
    team = new_team()  # threads kept apart (kernels/spread.py)
    for rb in prange(row_blocks):
        settle(team)
        _pool2d_block(x, out, rb, row_blocks, oy, ox, sy, sx, kh, kw, op, boundary, counts)
    return out


@njit(cache=True)
def pool2d_serial(x, out, oy, ox, sy, sx, kh, kw, op, boundary, row_blocks, counts):
    """``pool2d`` on one thread: for small inputs, where waking the thread pool costs more than the work."""
    for rb in range(row_blocks):
        _pool2d_block(x, out, rb, row_blocks, oy, ox, sy, sx, kh, kw, op, boundary, counts)
    return out


@njit(cache=True)
def _tap_channels(o, xv, nc, op):
    if op == MAX:
        for c in range(nc):
            v = xv[c]
            m = o[c]
            o[c] = v if v > m else m
    elif op == L2:
        for c in range(nc):
            o[c] += xv[c] * xv[c]
    else:
        for c in range(nc):
            o[c] += xv[c]


@njit(cache=True)
def _pool_cl_block(x, out, rb, row_blocks, oy, ox, sy, sx, kh, kw, op, boundary):
    height, width, nc = x.shape
    oh, ow, _ = out.shape
    init = -math.inf if op == MAX else 0.0
    q_lo, q_hi = _columns(width, ow, ox, sx, kw)
    i0 = min(q_lo, ow)
    i1 = max(min(q_hi + 1, ow), i0)
    r0 = rb * oh // row_blocks
    r1 = (rb + 1) * oh // row_blocks
    for r in range(r0, r1):
        orow = out[r]
        for q in range(ow):
            for c in range(nc):
                orow[q, c] = init
        rows_in = 0
        zero_rows = False
        for a in range(kh):
            iy = oy + r * sy + a
            if iy < 0 or iy >= height:
                if boundary == IGNORE:
                    continue
                if boundary == ZERO:
                    zero_rows = True
                    continue
                iy = map_index(iy, height, boundary)
            rows_in += 1
            xrow = x[iy]
            if sx == 1 and i0 < i1:
                # unit stride: channels-last rows, flattened, are a 1-D pooling with taps nc apart
                of = orow.reshape(-1)[i0 * nc: i1 * nc]
                xf = xrow.reshape(-1)
                for t in range(kw):
                    xs = xf[(ox + i0 + t) * nc:]
                    if op == MAX:
                        _max_interior(of, xs, 1, 1)
                    else:
                        _sum_interior(of, xs, 1, 1, op == L2)
            else:
                for q in range(i0, i1):  # every tap inside the row
                    o = orow[q]
                    b = ox + q * sx
                    for t in range(kw):
                        _tap_channels(o, xrow[b + t], nc, op)
            for q in range(ow):
                if i0 <= q < i1:
                    continue
                o = orow[q]
                for t in range(kw):
                    ix = ox + q * sx + t
                    if ix < 0 or ix >= width:
                        if boundary == IGNORE:
                            continue
                        ix = map_index(ix, width, boundary)
                        if ix < 0:  # zero boundary
                            if op == MAX:
                                for c in range(nc):
                                    if o[c] < 0:
                                        o[c] = 0.0
                            continue
                    _tap_channels(o, xrow[ix], nc, op)
        for q in range(ow):
            o = orow[q]
            if op == MAX:
                if zero_rows:
                    for c in range(nc):
                        if o[c] < 0:
                            o[c] = 0.0
            elif op == L2:
                for c in range(nc):
                    o[c] = math.sqrt(o[c])
            else:
                if boundary == IGNORE:
                    c0 = ox + q * sx
                    count = rows_in * (min(width, c0 + kw) - max(0, c0))
                else:
                    count = kh * kw
                for c in range(nc):
                    o[c] = o[c] / count


@njit(cache=True, parallel=True)
def pool2d_channels_last(x, out, oy, ox, sy, sx, kh, kw, op, boundary, row_blocks):
    """``pool2d`` for channels-last ``x`` ``(H, W, C)`` into ``out`` ``(OH, OW, C)``, channel by channel."""
    team = new_team()  # threads kept apart (kernels/spread.py)
    for rb in prange(row_blocks):
        settle(team)
        _pool_cl_block(x, out, rb, row_blocks, oy, ox, sy, sx, kh, kw, op, boundary)
    return out


@njit(cache=True)
def pool2d_channels_last_serial(x, out, oy, ox, sy, sx, kh, kw, op, boundary, row_blocks):
    """``pool2d_channels_last`` on one thread (small inputs)."""
    for rb in range(row_blocks):
        _pool_cl_block(x, out, rb, row_blocks, oy, ox, sy, sx, kh, kw, op, boundary)
    return out


@njit(cache=True, parallel=True)
def pool_channel_groups(x, out, n, op, blocks):
    """``out[p, g] = OP over t < n of x[p, g*n + t]`` for 2-D ``x`` ``(P, C)`` and ``out`` ``(P, C // n)``."""
    npix = x.shape[0]
    groups = out.shape[1]
    team = new_team()  # threads kept apart (kernels/spread.py)
    for b in prange(blocks):
        settle(team)
        p0 = b * npix // blocks
        p1 = (b + 1) * npix // blocks
        for p in range(p0, p1):
            xr = x[p]
            for g in range(groups):
                base = g * n
                if op == MAX:
                    m = xr[base]
                    for t in range(1, n):
                        v = xr[base + t]
                        if v > m:
                            m = v
                    out[p, g] = m
                else:
                    s = 0.0
                    for t in range(n):
                        v = xr[base + t]
                        s += v * v if op == L2 else v
                    out[p, g] = math.sqrt(s) if op == L2 else s / n
    return out
