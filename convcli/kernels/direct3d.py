"""Direct strided, dilated 3-D correlation with boundary handling by index mapping.

``out[p, r, q] = sum_{b,a,t} X[oz + p*sz + b*dz, oy + r*sy + a*dy, ox + q*sx + t*dx] * c[b, a, t]``
where ``X`` is ``x`` extended by the boundary rule. The kernel's taps, in ``(b, a, t)`` order, are
applied four at a time (``o[j] += w0*x0[j] + w1*x1[j] + w2*x2[j] + w3*x3[j]``, measured ~10% faster
than three) over runs of output samples that start at index 0, so the inner loops vectorise:

- unit row and column stride, every tap of a block of output rows inside the volume: the block's
  rows are one run read in place (rows ``W`` apart in the input and in the run);
- unit stride near a border: the rows the block reads, of every kernel plane, are first copied
  into a small buffer extended by the rule (planes, rows and columns mapped with ``map_index``;
  zero outside), then one run over it;
- any other stride: one output row at a time, over a buffer of the ``kd * kh`` rows it reads.

Each output sample is computed by one thread with the same taps, the same values and the same
grouping whichever way it is reached, so a strided output is bit for bit the unit-stride output
subsampled and the number of threads does not matter. No temporary copy of the volume is made
(fresh 64 MiB allocations cost more than the arithmetic on this machine). A separable kernel is
three calls with kernels of shape ``(1, 1, kw)``, ``(1, kh, 1)`` and ``(kd, 1, 1)``."""

import numpy as np
from numba import njit, prange

from convcli.kernels.boundary import map_index
from convcli.kernels.spread import new_team, settle


@njit(cache=True)
def _pass4(o, xs, w0, w1, w2, w3, b0, b1, b2, b3, n, sx):
    if sx == 1:
        x0 = xs[b0 : b0 + n]
        x1 = xs[b1 : b1 + n]
        x2 = xs[b2 : b2 + n]
        x3 = xs[b3 : b3 + n]
        for j in range(n):
            o[j] += w0 * x0[j] + w1 * x1[j] + w2 * x2[j] + w3 * x3[j]
    else:
        for j in range(n):
            p = j * sx
            o[j] += w0 * xs[b0 + p] + w1 * xs[b1 + p] + w2 * xs[b2 + p] + w3 * xs[b3 + p]


@njit(cache=True)
def _pass3(o, xs, w0, w1, w2, b0, b1, b2, n, sx):
    # all taps read the one flat input array: with three different arrays LLVM did not vectorise
    if sx == 1:
        x0 = xs[b0 : b0 + n]
        x1 = xs[b1 : b1 + n]
        x2 = xs[b2 : b2 + n]
        for j in range(n):
            o[j] += w0 * x0[j] + w1 * x1[j] + w2 * x2[j]
    else:
        for j in range(n):
            p = j * sx
            o[j] += w0 * xs[b0 + p] + w1 * xs[b1 + p] + w2 * xs[b2 + p]


@njit(cache=True)
def _pass2(o, xs, w0, w1, b0, b1, n, sx):
    if sx == 1:
        x0 = xs[b0 : b0 + n]
        x1 = xs[b1 : b1 + n]
        for j in range(n):
            o[j] += w0 * x0[j] + w1 * x1[j]
    else:
        for j in range(n):
            p = j * sx
            o[j] += w0 * xs[b0 + p] + w1 * xs[b1 + p]


@njit(cache=True)
def _pass1(o, xs, w0, b0, n, sx):
    if sx == 1:
        x0 = xs[b0 : b0 + n]
        for j in range(n):
            o[j] += w0 * x0[j]
    else:
        for j in range(n):
            o[j] += w0 * xs[b0 + j * sx]


@njit(cache=True)
def _run(o, xs, c, base, pstride, rstride, n, dx, sx):
    """``o[:n] = sum of all taps``: tap ``(b, a, t)`` reads ``xs`` from ``base + b*pstride + a*rstride
    + t*dx``, four taps per pass, always in the same order and groups."""
    kd, kh, kw = c.shape
    for j in range(n):
        o[j] = 0
    pending = 0
    oa = 0
    ob = 0
    oc = 0
    wa = c[0, 0, 0]  # typed like the kernel (a 0.0 literal would make float32 weights float64)
    wb = wa
    wc = wa
    for b in range(kd):
        for a in range(kh):
            for t in range(kw):
                off = base + b * pstride + a * rstride + t * dx
                w = c[b, a, t]
                if pending == 0:
                    oa, wa = off, w
                    pending = 1
                elif pending == 1:
                    ob, wb = off, w
                    pending = 2
                elif pending == 2:
                    oc, wc = off, w
                    pending = 3
                else:
                    _pass4(o, xs, wa, wb, wc, w, oa, ob, oc, off, n, sx)
                    pending = 0
    if pending == 3:
        _pass3(o, xs, wa, wb, wc, oa, ob, oc, n, sx)
    elif pending == 2:
        _pass2(o, xs, wa, wb, oa, ob, n, sx)
    elif pending == 1:
        _pass1(o, xs, wa, oa, n, sx)


@njit(cache=True)
def _stage_row(dst, x, iz, iy, first, boundary):
    """``dst[j] = X[iz, iy, first + j]`` with columns (and a row or plane of -1: zero) by the rule."""
    width = x.shape[2]
    ws = dst.shape[0]
    if iz < 0 or iy < 0:
        for j in range(ws):
            dst[j] = 0
        return
    src = x[iz, iy]
    lo = min(max(0, -first), ws)
    hi = max(min(ws, width - first), lo)
    if hi > lo:
        d = dst[lo:hi]
        s = src[first + lo : first + hi]
        for j in range(hi - lo):
            d[j] = s[j]
    for j in range(lo):
        m = map_index(first + j, width, boundary)
        dst[j] = 0 if m < 0 else src[m]
    for j in range(hi, ws):
        m = map_index(first + j, width, boundary)
        dst[j] = 0 if m < 0 else src[m]


@njit(cache=True, parallel=True)
def correlate3d(x, c, out, oz, oy, ox, sz, sy, sx, dz, dy, dx, boundary, row_blocks):
    """Fill ``out`` ``(od, oh, ow)`` with the correlation of ``x`` and ``c``; see the module doc."""
    depth, height, width = x.shape
    kd, kh, kw = c.shape
    od, oh, ow = out.shape
    ws = (ow - 1) * sx + (kw - 1) * dx + 1  # staged row: the columns the taps read
    flat = sy == 1 and sx == 1
    plane = height * width
    xs = x.reshape(depth * plane)
    team = new_team()  # threads kept apart (kernels/spread.py)
    for blk in prange(od * row_blocks):
        settle(team)
        p = blk // row_blocks
        rb = blk % row_blocks
        r0 = rb * oh // row_blocks
        r1 = (rb + 1) * oh // row_blocks
        if r1 <= r0:
            continue
        z0 = oz + p * sz
        if (flat and ox >= 0 and ox + ws <= width and oy + r0 >= 0 and oy + r1 - 1 + (kh - 1) * dy < height
                and z0 >= 0 and z0 + (kd - 1) * dz < depth):
            # every tap inside: read the input in place, its rows one run (``width`` apart)
            n = (r1 - r0 - 1) * width + ow
            base = z0 * plane + (oy + r0) * width + ox
            if ow == width:
                _run(out[p].reshape(oh * ow)[r0 * ow : r0 * ow + n], xs, c, base, dz * plane, dy * width, n, dx, 1)
            else:
                o = np.empty(n, dtype=out.dtype)
                _run(o, xs, c, base, dz * plane, dy * width, n, dx, 1)
                _scatter(out, p, r0, r1, o, width)
        elif flat:
            # stage the block's input rows of every kernel plane (extended by the rule); one run
            rows = (r1 - r0) + (kh - 1) * dy
            stage = np.empty(kd * rows * ws, dtype=x.dtype)
            for b in range(kd):
                iz = map_index(z0 + b * dz, depth, boundary)
                for i in range(rows):
                    iy = map_index(oy + r0 + i, height, boundary)
                    at = (b * rows + i) * ws
                    _stage_row(stage[at : at + ws], x, iz, iy, ox, boundary)
            n = (r1 - r0 - 1) * ws + ow
            o = np.empty(n, dtype=out.dtype)
            _run(o, stage, c, 0, rows * ws, dy * ws, n, dx, 1)
            _scatter(out, p, r0, r1, o, ws)
        else:
            stage = np.empty(kd * kh * ws, dtype=x.dtype)
            for r in range(r0, r1):
                for b in range(kd):
                    iz = map_index(z0 + b * dz, depth, boundary)
                    for a in range(kh):
                        iy = map_index(oy + r * sy + a * dy, height, boundary)
                        at = (b * kh + a) * ws
                        _stage_row(stage[at : at + ws], x, iz, iy, ox, boundary)
                _run(out[p, r], stage, c, 0, kh * ws, ws, ow, dx, sx)
    return out


@njit(cache=True)
def _scatter(out, p, r0, r1, o, pitch):
    """Copy the rows of a flat run (``pitch`` apart) into ``out[p, r0:r1]``."""
    ow = out.shape[2]
    for r in range(r0, r1):
        orow = out[p, r]
        src = o[(r - r0) * pitch : (r - r0) * pitch + ow]
        for q in range(ow):
            orow[q] = src[q]
