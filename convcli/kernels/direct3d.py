"""Direct strided, dilated 3-D correlation with boundary handling by index mapping.

``out[p, r, q] = sum_{b,a,t} X[oz + p*sz + b*dz, oy + r*sy + a*dy, ox + q*sx + t*dx] * c[b, a, t]``
where ``X`` is ``x`` extended by the boundary rule. Planes and rows outside the volume are mapped
(free); each output row is accumulated from whole input rows with the row passes of
:mod:`convcli.kernels.direct2d` (interior columns as unit-stride slices, which vectorise; border
columns with mapped indices). Work is split into blocks of output rows within output planes; each
output sample is computed by one thread in a fixed order, so the result does not depend on the
number of threads.

A separable kernel is three calls with kernels of shape ``(1, 1, kw)``, ``(1, kh, 1)`` and
``(kd, 1, 1)``.
"""

from numba import njit, prange

from convcli.kernels.boundary import map_index
from convcli.kernels.direct2d import _border_pass, _row_pass


@njit(cache=True, parallel=True)
def correlate3d(x, c, out, oz, oy, ox, sz, sy, sx, dz, dy, dx, boundary, row_blocks):
    """Fill ``out`` (preallocated) with the correlation of ``x`` with ``c``; see the module doc."""
    depth, height, width = x.shape
    kd, kh, kw = c.shape
    od, oh, ow = out.shape
    # interior output columns: every tap's column inside [0, width)
    q_lo = 0
    if ox < 0:
        q_lo = (-ox + sx - 1) // sx
    last = width - 1 - (kw - 1) * dx - ox
    q_hi = -1 if last < 0 else last // sx  # inclusive
    if q_hi > ow - 1:
        q_hi = ow - 1
    i0 = q_lo
    i1 = q_hi + 1
    for blk in prange(od * row_blocks):
        p = blk // row_blocks
        rb = blk % row_blocks
        r0 = rb * oh // row_blocks
        r1 = (rb + 1) * oh // row_blocks
        for r in range(r0, r1):
            orow = out[p, r]
            for q in range(ow):
                orow[q] = 0
            for b in range(kd):
                iz = map_index(oz + p * sz + b * dz, depth, boundary)
                if iz < 0:
                    continue
                cb = c[b]
                for a in range(kh):
                    iy = map_index(oy + r * sy + a * dy, height, boundary)
                    if iy < 0:
                        continue
                    xrow = x[iz, iy]
                    if i0 < i1:
                        _row_pass(orow, xrow, cb, a, i0, i1, ox, sx, dx)
                        _border_pass(orow, xrow, cb, a, 0, i0, ox, sx, dx, width, boundary)
                        _border_pass(orow, xrow, cb, a, i1, ow, ox, sx, dx, width, boundary)
                    else:
                        _border_pass(orow, xrow, cb, a, 0, ow, ox, sx, dx, width, boundary)
    return out


@njit(cache=True, parallel=True)
def correlate3d_planes(x, c, out, ow, oz, oy, ox, sz, dz, dy, dx, boundary, row_blocks):
    """Unit row and column stride on an input already extended in rows and columns.

    ``x`` is ``(depth, Hp, Wp)`` with every tap's row and column inside; ``out`` is
    ``(od, oh, Wp)``, of which the first ``ow`` columns are the result. Each block of output rows
    of a plane is computed as one flat run of samples (the ``Wp - ow`` columns at the end of each
    row are scratch), so the vectorised passes are long instead of one short row each. Planes
    outside the input are mapped by the boundary rule.
    """
    depth, hp, wp = x.shape
    kd, kh, kw = c.shape
    od, oh, _ = out.shape
    for blk in prange(od * row_blocks):
        p = blk // row_blocks
        rb = blk % row_blocks
        r0 = rb * oh // row_blocks
        r1 = (rb + 1) * oh // row_blocks
        if r1 <= r0:
            continue
        n = (r1 - r0 - 1) * wp + ow
        oflat = out[p].reshape(oh * wp)
        o = oflat[r0 * wp : r0 * wp + n]
        for j in range(n):
            o[j] = 0
        for b in range(kd):
            iz = map_index(oz + p * sz + b * dz, depth, boundary)
            if iz < 0:
                continue
            xflat = x[iz].reshape(hp * wp)
            for a in range(kh):
                row0 = (oy + r0 + a * dy) * wp + ox
                t = 0
                while t + 3 <= kw:
                    w0 = c[b, a, t]
                    w1 = c[b, a, t + 1]
                    w2 = c[b, a, t + 2]
                    b0 = row0 + t * dx
                    x0 = xflat[b0 : b0 + n]
                    x1 = xflat[b0 + dx : b0 + dx + n]
                    x2 = xflat[b0 + 2 * dx : b0 + 2 * dx + n]
                    for j in range(n):
                        o[j] += w0 * x0[j] + w1 * x1[j] + w2 * x2[j]
                    t += 3
                if kw - t == 2:
                    w0 = c[b, a, t]
                    w1 = c[b, a, t + 1]
                    b0 = row0 + t * dx
                    x0 = xflat[b0 : b0 + n]
                    x1 = xflat[b0 + dx : b0 + dx + n]
                    for j in range(n):
                        o[j] += w0 * x0[j] + w1 * x1[j]
                elif kw - t == 1:
                    w0 = c[b, a, t]
                    b0 = row0 + t * dx
                    x0 = xflat[b0 : b0 + n]
                    for j in range(n):
                        o[j] += w0 * x0[j]
    return out
