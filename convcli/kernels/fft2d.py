"""Tiled 2-D FFT correlation (overlap-save) in Numba: complex FFTs of power-of-two tiles.

Each work item is a pair of consecutive (row-major) ``T x T`` tiles of the boundary-extended
input, packed as ``a + i*b`` (the kernel is real, so the real and imaginary parts of the inverse
transform are the two tiles' correlations). A tile is gathered from the input through row/column
index maps (the boundary rule, so no extended copy of the image is made), transformed along axis
0, transposed, transformed along axis 0 again (the spectrum is kept transposed), multiplied by the
conjugate kernel spectrum (computed once by the caller, same layout), transformed back the same
way, and its valid ``B x B`` corner (``B = T - ke + 1``) is written to the output, subsampled by
the stride.

The 1-D transforms are Stockham radix-4 passes (one radix-2 pass for odd powers of two) along
axis 0, vectorised over the columns (a whole tile, up to 256 x 256, stays in the L2 cache;
blocks of columns were slower); the radix-2 pass of the first axis is fused with the transpose.
Indices are unsigned so that Numba adds no negative-index checks, which stop vectorisation.
Each output sample is computed by one thread in a fixed order: results do not depend on the
thread count.
"""

import numpy as np
from numba import njit, prange

from convcli.kernels.spread import new_team, settle

TRANSPOSE_BLOCK = 16


@njit(cache=True)
def _stages(re, im, wre, wim, twr, twi, g, j0, j1, defer2):
    """FFT along axis 0 of columns ``j0:j1`` of ``re``/``im`` (length ``n`` = rows, a power of 2).

    ``twr + i*twi`` holds ``exp(-2*pi*i*k/n)`` (conjugated for the inverse), ``g`` is +1 for the
    forward and -1 for the inverse transform. The result is left in ``re``/``im``. Indices are
    unsigned so that Numba adds no negative-index checks (which stop vectorisation).

    With ``defer2``, a final radix-2 pass (odd powers of two) is left to the caller (see
    :func:`_transpose2`) and the data stay where the radix-4 passes left them: returns True when
    that is ``wre``/``wim``.
    """
    u = np.uint64
    n = u(re.shape[0])
    j0 = u(j0)
    j1 = u(j1)
    sr, si, dr, di = re, im, wre, wim
    s = u(1)
    ln = n
    swapped = False
    while ln >= u(4):
        q4 = ln // u(4)
        for p in range(q4):
            c1r = twr[p * s]
            c1i = twi[p * s]
            c2r = twr[u(2) * p * s]
            c2i = twi[u(2) * p * s]
            c3r = twr[u(3) * p * s]
            c3i = twi[u(3) * p * s]
            for q in range(s):
                a = q + s * p
                b = a + s * q4
                c = b + s * q4
                d = c + s * q4
                y0 = q + s * u(4) * p
                y1 = y0 + s
                y2 = y1 + s
                y3 = y2 + s
                for j in range(j0, j1):
                    apcr = sr[a, j] + sr[c, j]
                    apci = si[a, j] + si[c, j]
                    amcr = sr[a, j] - sr[c, j]
                    amci = si[a, j] - si[c, j]
                    bpdr = sr[b, j] + sr[d, j]
                    bpdi = si[b, j] + si[d, j]
                    # j*(b - d) for the forward transform, -j*(b - d) for the inverse
                    jr = g * (si[d, j] - si[b, j])
                    ji = g * (sr[b, j] - sr[d, j])
                    dr[y0, j] = apcr + bpdr
                    di[y0, j] = apci + bpdi
                    xr = amcr - jr
                    xi = amci - ji
                    dr[y1, j] = xr * c1r - xi * c1i
                    di[y1, j] = xr * c1i + xi * c1r
                    xr = apcr - bpdr
                    xi = apci - bpdi
                    dr[y2, j] = xr * c2r - xi * c2i
                    di[y2, j] = xr * c2i + xi * c2r
                    xr = amcr + jr
                    xi = amci + ji
                    dr[y3, j] = xr * c3r - xi * c3i
                    di[y3, j] = xr * c3i + xi * c3r
        sr, si, dr, di = dr, di, sr, si
        swapped = not swapped
        ln = q4
        s *= u(4)
    if defer2 and ln == u(2):
        return swapped
    if ln == u(2):  # last radix-2 pass (twiddles are 1)
        for q in range(s):
            for j in range(j0, j1):
                ar = sr[q, j]
                ai = si[q, j]
                br = sr[q + s, j]
                bi = si[q + s, j]
                dr[q, j] = ar + br
                di[q, j] = ai + bi
                dr[q + s, j] = ar - br
                di[q + s, j] = ai - bi
        swapped = not swapped
    if swapped:
        for i in range(n):
            for j in range(j0, j1):
                re[i, j] = wre[i, j]
                im[i, j] = wim[i, j]
    return False


@njit(cache=True)
def _transpose(a, b, rows):
    """``b[:, :rows] = a[:rows].T`` for square planes; ``rows`` and the side are multiples of
    TRANSPOSE_BLOCK."""
    u = np.uint64
    nb = u(a.shape[0] // TRANSPOSE_BLOCK)
    rb = u(rows // TRANSPOSE_BLOCK)
    tb = u(TRANSPOSE_BLOCK)
    for bi in range(rb):
        for bj in range(nb):
            for j in range(bj * tb, bj * tb + tb):  # contiguous stores are faster than contiguous loads
                for i in range(bi * tb, bi * tb + tb):
                    b[j, i] = a[i, j]


@njit(cache=True)
def _transpose2(a, b, rows):
    """The deferred last radix-2 pass of an axis-0 FFT fused with the transpose: ``b[:, :rows]``
    gets rows ``:rows`` of ``[a[:h] + a[h:], a[:h] - a[h:]]`` (``h`` = half the side), transposed.
    The radix-2 pass has no twiddles, so real and imaginary planes are done separately."""
    u = np.uint64
    n = a.shape[0]
    h = u(n // 2)
    nb = u(n // TRANSPOSE_BLOCK)
    rb = u(rows // TRANSPOSE_BLOCK)
    tb = u(TRANSPOSE_BLOCK)
    for bi in range(rb):
        i0 = bi * tb
        for bj in range(nb):
            for j in range(bj * tb, bj * tb + tb):
                if i0 < h:  # h is a multiple of the block: a block is all sums or all differences
                    for i in range(i0, i0 + tb):
                        b[j, i] = a[i, j] + a[i + h, j]
                else:
                    for i in range(i0, i0 + tb):
                        b[j, i] = a[i - h, j] - a[i, j]


@njit(cache=True)
def _fft2(re, im, wre, wim, twr, twi, g, keep):
    """2-D FFT of the square tile ``re + i*im``, the result transposed; returns True when the result
    is in ``wre``/``wim``, False when it is in ``re``/``im`` (the other pair is overwritten).

    Only the first ``keep`` columns of the result are computed (a multiple of TRANSPOSE_BLOCK, or
    the side; the others are left undefined).
    """
    t = re.shape[0]
    half_steps = 0
    m = t
    while m > 1:
        m //= 2
        half_steps += 1
    odd = half_steps % 2 == 1  # log2(t) odd: the last pass is radix-2, fused into the transpose
    in_work = _stages(re, im, wre, wim, twr, twi, g, 0, t, odd)
    sr, si, dr, di = (wre, wim, re, im) if in_work else (re, im, wre, wim)
    if odd:
        _transpose2(sr, dr, keep)
        _transpose2(si, di, keep)
    else:
        _transpose(sr, dr, keep)
        _transpose(si, di, keep)
    _stages(dr, di, sr, si, twr, twi, g, 0, keep, False)
    return not in_work


@njit(cache=True)
def _gather(x, rows, cols, r0, c0, contiguous, dst, zero):
    """``dst[i, j] = x[rows[r0 + i], cols[c0 + j]]`` (0 where an index is -1); zeros if ``zero``.

    ``contiguous``: the tile's column indices are ``cols[c0] + j`` (a plain copy of each row).
    """
    n = dst.shape[0]
    if zero:
        dst[:, :] = 0.0
        return
    first = cols[c0]
    for i in range(n):
        r = rows[r0 + i]
        d = dst[i]
        if r < 0:
            d[:] = 0.0
        elif contiguous:
            d[:] = x[r, first : first + n]
        else:
            xr = x[r]
            for j in range(n):
                c = cols[c0 + j]
                d[j] = xr[c] if c >= 0 else 0.0


@njit(cache=True)
def _scatter(res, out, band, tile, b, sy, sx, oy0, oy1, ox0, ox1):
    """Write tile (band, tile)'s valid corner of ``res`` (B x B, unit step) into output rows
    ``oy0:oy1`` and columns ``ox0:ox1`` (the outputs whose full-resolution positions fall in it)."""
    rbase = band * b
    cbase = tile * b
    for i in range(oy0, oy1):
        src = res[i * sy - rbase]
        if sx == 1:
            out[i, ox0:ox1] = src[ox0 - cbase : ox1 - cbase]
        else:
            out[i, ox0:ox1] = src[ox0 * sx - cbase : (ox1 - 1) * sx - cbase + 1 : sx]


@njit(cache=True, parallel=True)
def correlate_tiles(x, rows, cols, contiguous, kre, kim, twr, twi, itwr, itwi, out, sy, sx, b, nbands, ntiles,
                    scratch):
    """Overlap-save correlation of ``x`` with the kernel whose conjugate spectrum is ``kre + i*kim``.

    ``rows``/``cols`` map the extended input's rows/columns to ``x``'s (``-1`` = zero), padded so
    that every tile is whole; ``contiguous[t]``: tile column ``t`` reads a plain run of columns;
    ``scratch`` is ``(blocks, 4, T, T)`` float32, one set per parallel block; ``b`` = T - ke + 1
    valid outputs per tile and axis (before the stride).
    """
    blocks = scratch.shape[0]
    t = scratch.shape[2]
    tiles_all = nbands * ntiles
    items = (tiles_all + 1) // 2
    oh, ow = out.shape
    keep = min(t, (b + TRANSPOSE_BLOCK - 1) // TRANSPOSE_BLOCK * TRANSPOSE_BLOCK)
    scale = np.float32(1.0 / (t * t))
    team = new_team()  # threads kept apart (kernels/spread.py)
    for blk in prange(blocks):
        settle(team)
        re = scratch[blk, 0]
        im = scratch[blk, 1]
        wre = scratch[blk, 2]
        wim = scratch[blk, 3]
        for item in range(blk * items // blocks, (blk + 1) * items // blocks):
            # tiles 2*item and 2*item + 1 in row-major (band, tile) order
            f0 = 2 * item
            f1 = min(f0 + 1, tiles_all - 1)
            _gather(x, rows, cols, (f0 // ntiles) * b, (f0 % ntiles) * b, contiguous[f0 % ntiles], re, False)
            _gather(x, rows, cols, (f1 // ntiles) * b, (f1 % ntiles) * b, contiguous[f1 % ntiles], im,
                    f0 + 1 >= tiles_all)
            in_w = _fft2(re, im, wre, wim, twr, twi, np.float32(1.0), t)
            sre, sim, ore, oim = (wre, wim, re, im) if in_w else (re, im, wre, wim)
            for i in range(t):
                ar = sre[i]
                ai = sim[i]
                br = kre[i]
                bi = kim[i]
                for j in range(t):
                    pr = ar[j] * br[j] - ai[j] * bi[j]
                    pi = ar[j] * bi[j] + ai[j] * br[j]
                    ar[j] = pr * scale
                    ai[j] = pi * scale
            # the spectrum is transposed: transforming axis 0 first undoes the column pass; only
            # the first `keep` columns (the valid outputs, rounded up) are transformed back
            in_w = _fft2(sre, sim, ore, oim, itwr, itwi, np.float32(-1.0), keep)
            rre, rim = (ore, oim) if in_w else (sre, sim)
            for k in range(2):
                f = f0 + k
                if f >= tiles_all:
                    break
                band = f // ntiles
                tile = f % ntiles
                oy0 = (band * b + sy - 1) // sy
                oy1 = min(oh, (band * b + b + sy - 1) // sy)
                ox0 = (tile * b + sx - 1) // sx
                ox1 = min(ow, (tile * b + b + sx - 1) // sx)
                _scatter(rre if k == 0 else rim, out, band, tile, b, sy, sx, oy0, oy1, ox0, ox1)
