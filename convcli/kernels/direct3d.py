"""Direct strided, dilated 3-D correlation with boundary handling by index mapping.

``out[p, r, q] = sum_{b,a,t} X[oz + p*sz + b*dz, oy + r*sy + a*dy, ox + q*sx + t*dx] * c[b, a, t]``.
The caller extends ``x`` by the boundary rule in columns only (``numpy.pad``, a few percent) so
that the inner loops need no column tests; planes and rows are mapped here (``map_index``, free).
The kernel's taps, in ``(b, a, t)`` order, are applied four at a time
(``o[j] += w0*x0[j] + w1*x1[j] + w2*x2[j] + w3*x3[j]``, measured ~10% faster than three; taps of
planes or rows outside under the zero rule skipped) over runs of output samples: with unit row and
column stride, a block of rows whose taps are all inside is one run (rows are ``Wp`` apart in both
the input and ``out``, whose last ``Wp - ow`` columns are scratch), so the passes are long and
vectorise even for a volume's short rows; otherwise one run per output row. Every output sample is
computed by one thread with the same taps in the same groups and order whatever the stride, so a
strided output is bit for bit the unit-stride output subsampled, and the number of threads does not
matter. A separable kernel is three calls with kernels of shape ``(1, 1, kw)``, ``(1, kh, 1)`` and
``(kd, 1, 1)``."""

import numpy as np
from numba import njit, prange

from convcli.kernels.boundary import map_index


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
def _run(o, xs, c, planes, rows, col, n, dx, sx):
    """Add every tap into the run ``o`` (``n`` samples). ``xs`` is the whole input, flat;
    ``planes[b]`` / ``rows[a]`` the flat offsets of the plane / row read by kernel plane ``b`` / row
    ``a`` (-1: outside under the zero rule, skipped); ``col`` the column of tap 0."""
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
        zoff = planes[b]
        if zoff < 0:
            continue
        for a in range(kh):
            roff = rows[a]
            if roff < 0:
                continue
            for t in range(kw):
                off = zoff + roff + col + t * dx
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


@njit(cache=True, parallel=True)
def correlate3d(x, c, out, ow, oz, oy, ox, sz, sy, sx, dz, dy, dx, boundary, row_blocks):
    """Fill the first ``ow`` columns of ``out`` ``(od, oh, wo)`` from ``x``; see the module doc.

    ``x`` must hold every tap's column (extended by the caller); rows and planes are mapped here.
    With ``sy == sx == 1`` and ``wo`` equal to ``x``'s row length, blocks of rows run flat.
    """
    depth, hp, wp = x.shape
    kd, kh, _ = c.shape
    od, oh, wo = out.shape
    flat = sy == 1 and sx == 1 and wo == wp
    plane = hp * wp
    xs = x.reshape(depth * plane)
    for blk in prange(od * row_blocks):
        p = blk // row_blocks
        rb = blk % row_blocks
        r0 = rb * oh // row_blocks
        r1 = (rb + 1) * oh // row_blocks
        if r1 <= r0:
            continue
        planes = np.empty(kd, dtype=np.int64)
        for b in range(kd):
            iz = map_index(oz + p * sz + b * dz, depth, boundary)
            planes[b] = -1 if iz < 0 else iz * plane
        rows = np.empty(kh, dtype=np.int64)
        oflat = out[p].reshape(oh * wo)
        if flat and oy + r0 >= 0 and oy + r1 - 1 + (kh - 1) * dy < hp:
            # every row inside: the block's rows are one run, Wp apart in the input and the output
            for a in range(kh):
                rows[a] = (oy + r0 + a * dy) * wp
            n = (r1 - r0 - 1) * wp + ow
            _run(oflat[r0 * wo : r0 * wo + n], xs, c, planes, rows, ox, n, dx, 1)
            continue
        for r in range(r0, r1):
            for a in range(kh):
                iy = map_index(oy + r * sy + a * dy, hp, boundary)
                rows[a] = -1 if iy < 0 else iy * wp
            _run(oflat[r * wo : r * wo + ow], xs, c, planes, rows, ox, ow, dx, sx)
    return out
