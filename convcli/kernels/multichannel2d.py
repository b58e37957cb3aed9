"""Direct multi-channel 2-D correlation with a 4-D kernel, as sums of shifted slices of a padded input.

The input is the boundary-extended planar input flattened to one vector ``xf`` (channel, row, column;
row length ``wp``). Every kernel tap ``k`` (input channel, kernel row, kernel column) is an offset
``offs[k]`` into ``xf``, so that output sample ``j`` of a run starting at ``base`` is
``sum_k w[i, k] * xf[base + offs[k] + j * sx]``. With unit strides one run covers several whole output
rows (output rows are ``wp`` long; the columns past the true output width are junk the caller drops),
which keeps the per-call overhead small; otherwise a run is one output row. Taps are added five at a
time over unit-stride views starting at index 0, which vectorises. Work is split into blocks of output
rows; within a block, every output channel in turn reads the same input rows (which stay in cache).
Each output sample is computed by one thread in a fixed order: results do not depend on the number
of threads, and a strided output is bit for bit the unit-stride output subsampled.
"""

import numpy as np
from numba import njit, prange

from convcli.kernels.boundary import map_index
from convcli.kernels.spread import new_team, settle


@njit(cache=True)
def _acc5(o, x0, x1, x2, x3, x4, w0, w1, w2, w3, w4):
    # arrays as arguments and the loop bound from o.shape: the form LLVM vectorises (a loop over
    # slices made in the same function, bounded by another variable, stayed scalar; so did six or
    # more input arrays, or two outputs: too many run-time aliasing checks)
    for j in range(o.shape[0]):
        o[j] += w0 * x0[j] + w1 * x1[j] + w2 * x2[j] + w3 * x3[j] + w4 * x4[j]


@njit(cache=True)
def _acc4(o, x0, x1, x2, x3, w0, w1, w2, w3):
    for j in range(o.shape[0]):
        o[j] += w0 * x0[j] + w1 * x1[j] + w2 * x2[j] + w3 * x3[j]


@njit(cache=True)
def _acc1(o, x0, w0):
    for j in range(o.shape[0]):
        o[j] += w0 * x0[j]


@njit(cache=True)
def _taps_unit(o, xf, w, offs, base):
    n = o.shape[0]
    nt = offs.shape[0]
    k = 0
    while k + 5 <= nt:
        b0 = base + offs[k]
        b1 = base + offs[k + 1]
        b2 = base + offs[k + 2]
        b3 = base + offs[k + 3]
        b4 = base + offs[k + 4]
        _acc5(o, xf[b0: b0 + n], xf[b1: b1 + n], xf[b2: b2 + n], xf[b3: b3 + n], xf[b4: b4 + n],
              w[k], w[k + 1], w[k + 2], w[k + 3], w[k + 4])
        k += 5
    while k + 4 <= nt:
        b0 = base + offs[k]
        b1 = base + offs[k + 1]
        b2 = base + offs[k + 2]
        b3 = base + offs[k + 3]
        _acc4(o, xf[b0: b0 + n], xf[b1: b1 + n], xf[b2: b2 + n], xf[b3: b3 + n], w[k], w[k + 1], w[k + 2], w[k + 3])
        k += 4
    while k < nt:
        b0 = base + offs[k]
        _acc1(o, xf[b0: b0 + n], w[k])
        k += 1


@njit(cache=True)
def _taps_strided(o, xf, w, offs, base, sx):
    # the same taps in the same groups and order as _taps_unit
    n = o.shape[0]
    nt = offs.shape[0]
    k = 0
    while k + 5 <= nt:
        w0 = w[k]
        w1 = w[k + 1]
        w2 = w[k + 2]
        w3 = w[k + 3]
        w4 = w[k + 4]
        b0 = base + offs[k]
        b1 = base + offs[k + 1]
        b2 = base + offs[k + 2]
        b3 = base + offs[k + 3]
        b4 = base + offs[k + 4]
        for j in range(n):
            p = j * sx
            o[j] += w0 * xf[b0 + p] + w1 * xf[b1 + p] + w2 * xf[b2 + p] + w3 * xf[b3 + p] + w4 * xf[b4 + p]
        k += 5
    while k + 4 <= nt:
        w0 = w[k]
        w1 = w[k + 1]
        w2 = w[k + 2]
        w3 = w[k + 3]
        b0 = base + offs[k]
        b1 = base + offs[k + 1]
        b2 = base + offs[k + 2]
        b3 = base + offs[k + 3]
        for j in range(n):
            p = j * sx
            o[j] += w0 * xf[b0 + p] + w1 * xf[b1 + p] + w2 * xf[b2 + p] + w3 * xf[b3 + p]
        k += 4
    while k < nt:
        w0 = w[k]
        b0 = base + offs[k]
        for j in range(n):
            o[j] += w0 * xf[b0 + j * sx]
        k += 1


@njit(cache=True)
def _gather_row(x, xf, r, y0, x0, hp, wp, boundary):
    height, width, cin = x.shape
    plane = hp * wp
    iy = map_index(y0 + r, height, boundary)
    for q in range(wp):
        ix = map_index(x0 + q, width, boundary)
        base = r * wp + q
        if iy < 0 or ix < 0:
            for lc in range(cin):
                xf[lc * plane + base] = 0
        else:
            px = x[iy, ix]
            for lc in range(cin):
                xf[lc * plane + base] = px[lc]


@njit(cache=True, parallel=True)
def gather_planes(x, xf, y0, x0, hp, wp, boundary):
    """``xf[l*hp*wp + r*wp + q] = X[y0 + r, x0 + q, l]``: channels-last ``x`` to flat extended planes."""
    team = new_team()  # threads kept apart (kernels/spread.py)
    for r in prange(hp):
        settle(team)
        _gather_row(x, xf, r, y0, x0, hp, wp, boundary)


@njit(cache=True)
def gather_planes_serial(x, xf, y0, x0, hp, wp, boundary):
    """``gather_planes`` on one thread."""
    for r in range(hp):
        _gather_row(x, xf, r, y0, x0, hp, wp, boundary)


@njit(cache=True)
def _taps_block(xf, w, offs, chan_base, out, wp, sy, sx, rb, row_blocks):
    oh, ow, cout = out.shape
    flat = sx == 1 and sy == 1
    r0 = rb * oh // row_blocks
    r1 = (rb + 1) * oh // row_blocks
    buf = np.empty((r1 - r0) * wp if flat else ow, dtype=out.dtype)
    for i in range(cout):
        wi = w[i]
        if flat:
            o = buf[: (r1 - r0) * wp]
            for j in range(o.shape[0]):
                o[j] = 0
            _taps_unit(o, xf, wi, offs, chan_base[i] + r0 * wp)
            for r in range(r0, r1):
                orow = out[r]
                b = (r - r0) * wp
                for q in range(ow):
                    orow[q, i] = o[b + q]
        else:
            for r in range(r0, r1):
                o = buf[:ow]
                for j in range(ow):
                    o[j] = 0
                if sx == 1:
                    _taps_unit(o, xf, wi, offs, chan_base[i] + r * sy * wp)
                else:
                    _taps_strided(o, xf, wi, offs, chan_base[i] + r * sy * wp, sx)
                orow = out[r]
                for q in range(ow):
                    orow[q, i] = o[q]


@njit(cache=True, parallel=True)
def correlate_taps(xf, w, offs, chan_base, out, wp, sy, sx, row_blocks):
    """Fill channels-last ``out`` ``(OH, OW, C_out)``.

    ``w`` is ``(C_out, taps)``, ``offs`` the taps' offsets within one channel group, ``chan_base[i]``
    the offset of output channel ``i``'s group of input channels in ``xf``. Each block computes one
    output channel at a time into a small planar buffer, then interleaves it into ``out``.
    """
    team = new_team()  # threads kept apart (kernels/spread.py)
    for rb in prange(row_blocks):
        settle(team)
        _taps_block(xf, w, offs, chan_base, out, wp, sy, sx, rb, row_blocks)
    return out


@njit(cache=True)
def correlate_taps_serial(xf, w, offs, chan_base, out, wp, sy, sx, row_blocks):
    """``correlate_taps`` on one thread (small problems, where waking the thread pool costs more)."""
    for rb in range(row_blocks):
        _taps_block(xf, w, offs, chan_base, out, wp, sy, sx, rb, row_blocks)
    return out
