"""Complex separable correlation for isotropic Gabor pairs: a complex row pass, then a complex column
pass that also applies the complex scale and writes the even and odd responses.

Row pass:    ``A + iB = sum_t X[r, q + ox + t] (vr[t] + i vi[t])``
Column pass: ``R = sum_a (A + iB)[r + oy + a] (ur[a] + i ui[a])``; ``even = Re(s R)``, ``odd = -Im(s R)``.
``X`` is extended by the boundary rule (indices mapped). Each output row is computed by one thread in a
fixed order, so results do not depend on the number of threads.
"""

import numpy as np
from numba import njit, prange

from convcli.kernels.boundary import map_index
from convcli.kernels.spread import new_team, settle


@njit(cache=True)
def _row_interior(arow, brow, xrow, vr, vi, q0, n, ox):
    # four taps per pass over the row (views from index 0, so the loops vectorise)
    a = arow[q0 : q0 + n]
    b = brow[q0 : q0 + n]
    k = vr.shape[0]
    t = 0
    while t + 4 <= k:
        r0, r1, r2, r3 = vr[t], vr[t + 1], vr[t + 2], vr[t + 3]
        i0, i1, i2, i3 = vi[t], vi[t + 1], vi[t + 2], vi[t + 3]
        start = ox + q0 + t
        x0 = xrow[start : start + n]
        x1 = xrow[start + 1 : start + 1 + n]
        x2 = xrow[start + 2 : start + 2 + n]
        x3 = xrow[start + 3 : start + 3 + n]
        # two loops with one output each vectorise; one loop with both outputs did not
        for j in range(n):
            a[j] += r0 * x0[j] + r1 * x1[j] + r2 * x2[j] + r3 * x3[j]
        for j in range(n):
            b[j] += i0 * x0[j] + i1 * x1[j] + i2 * x2[j] + i3 * x3[j]
        t += 4
    while t < k:
        w0 = vr[t]
        w1 = vi[t]
        start = ox + q0 + t
        xs = xrow[start : start + n]
        for j in range(n):
            a[j] += w0 * xs[j]
            b[j] += w1 * xs[j]
        t += 1


@njit(cache=True, parallel=True)
def complex_row_pass(x, vr, vi, a_out, b_out, ox, boundary, row_blocks):
    """``a_out + i b_out`` = each row of ``x`` correlated with ``vr + i vi`` (same size, offset ``ox``).

    Each row is first copied into a buffer extended by the boundary rule (indices mapped once per
    call), so every output column takes the vectorised interior loop.
    """
    height, width = x.shape
    k = vr.shape[0]
    span = width + k - 1
    src = np.empty(span, dtype=np.int64)
    for q in range(span):
        src[q] = map_index(ox + q, width, boundary)
    team = new_team()  # threads kept apart (kernels/spread.py)
    for blk in prange(row_blocks):
        settle(team)
        r0 = blk * height // row_blocks
        r1 = (blk + 1) * height // row_blocks
        padded = np.empty(span, dtype=x.dtype)
        for r in range(r0, r1):
            xrow = x[r]
            for q in range(span):
                i = src[q]
                padded[q] = xrow[i] if i >= 0 else 0
            arow = a_out[r]
            brow = b_out[r]
            for q in range(width):
                arow[q] = 0
                brow[q] = 0
            _row_interior(arow, brow, padded, vr, vi, 0, width, 0)


@njit(cache=True)
def _col_taps2(rr, ri, a0, b0, a1, b1, wr0, wi0, wr1, wi1, n):
    for j in range(n):
        rr[j] += wr0 * a0[j] - wi0 * b0[j] + wr1 * a1[j] - wi1 * b1[j]
        ri[j] += wi0 * a0[j] + wr0 * b0[j] + wi1 * a1[j] + wr1 * b1[j]


@njit(cache=True)
def _col_taps(rr, ri, a0, b0, wr0, wi0, n):
    for j in range(n):
        rr[j] += wr0 * a0[j] - wi0 * b0[j]
        ri[j] += wi0 * a0[j] + wr0 * b0[j]


@njit(cache=True, parallel=True)
def complex_col_pass(a_in, b_in, ur, ui, sr, si, even, odd, energy, oy, boundary, row_blocks):
    """Columns of ``a_in + i b_in`` correlated with ``ur + i ui``, times ``sr + i si``:
    ``even`` = real part, ``odd`` = minus the imaginary part, ``energy`` = the modulus."""
    height, width = a_in.shape
    k = ur.shape[0]
    team = new_team()  # threads kept apart (kernels/spread.py)
    for blk in prange(row_blocks):
        settle(team)
        r0 = blk * height // row_blocks
        r1 = (blk + 1) * height // row_blocks
        rr = np.empty(width, dtype=even.dtype)
        ri = np.empty(width, dtype=even.dtype)
        rows = np.empty(k, dtype=np.int64)
        wr = np.empty(k, dtype=ur.dtype)
        wi = np.empty(k, dtype=ui.dtype)
        for r in range(r0, r1):
            for t in range(k):
                iy = map_index(oy + r + t, height, boundary)
                # a row outside the image (zero boundary) contributes nothing: weight 0 on row 0
                rows[t] = iy if iy >= 0 else 0
                wr[t] = ur[t] if iy >= 0 else 0
                wi[t] = ui[t] if iy >= 0 else 0
            for j in range(width):
                rr[j] = 0
                ri[j] = 0
            t = 0
            while t + 2 <= k:
                _col_taps2(rr, ri, a_in[rows[t]], b_in[rows[t]], a_in[rows[t + 1]], b_in[rows[t + 1]],
                           wr[t], wi[t], wr[t + 1], wi[t + 1], width)
                t += 2
            if t < k:
                _col_taps(rr, ri, a_in[rows[t]], b_in[rows[t]], wr[t], wi[t], width)
            erow = even[r]
            orow = odd[r]
            mrow = energy[r]
            for j in range(width):
                ev = sr * rr[j] - si * ri[j]
                od = -(sr * ri[j] + si * rr[j])
                erow[j] = ev
                orow[j] = od
                mrow[j] = np.sqrt(ev * ev + od * od)


@njit(cache=True)
def _col_parts4(p1, p2, p3, p4, a0, b0, a1, b1, a2, b2, a3, b3, wr, wi, t, n):
    r0, r1, r2, r3 = wr[t], wr[t + 1], wr[t + 2], wr[t + 3]
    i0, i1, i2, i3 = wi[t], wi[t + 1], wi[t + 2], wi[t + 3]
    for j in range(n):
        p1[j] += r0 * a0[j] + r1 * a1[j] + r2 * a2[j] + r3 * a3[j]
    for j in range(n):
        p2[j] += i0 * b0[j] + i1 * b1[j] + i2 * b2[j] + i3 * b3[j]
    for j in range(n):
        p3[j] += i0 * a0[j] + i1 * a1[j] + i2 * a2[j] + i3 * a3[j]
    for j in range(n):
        p4[j] += r0 * b0[j] + r1 * b1[j] + r2 * b2[j] + r3 * b3[j]


@njit(cache=True)
def _finish(erow, orow, mrow, re, im, sr, si, n):
    for j in range(n):
        ev = sr * re[j] - si * im[j]
        od = -(sr * im[j] + si * re[j])
        erow[j] = ev
        orow[j] = od
        mrow[j] = np.sqrt(ev * ev + od * od)


@njit(cache=True, parallel=True)
def complex_col_pass_mirror(a_in, b_in, ur, ui, sr, si, even1, odd1, energy1, even2, odd2, energy2,
                            oy, boundary, row_blocks):
    """:func:`complex_col_pass` for ``a + ib`` (outputs 1) and ``a - ib`` (outputs 2) at once.

    Orientations ``theta`` and ``180 - theta`` share the row factor up to conjugation, so their row
    passes are ``A + iB`` and ``A - iB``; the four real column sums give both results.
    """
    height, width = a_in.shape
    k = ur.shape[0]
    team = new_team()  # threads kept apart (kernels/spread.py)
    for blk in prange(row_blocks):
        settle(team)
        r0 = blk * height // row_blocks
        r1 = (blk + 1) * height // row_blocks
        p1 = np.empty(width, dtype=even1.dtype)
        p2 = np.empty(width, dtype=even1.dtype)
        p3 = np.empty(width, dtype=even1.dtype)
        p4 = np.empty(width, dtype=even1.dtype)
        re = np.empty(width, dtype=even1.dtype)
        im = np.empty(width, dtype=even1.dtype)
        rows = np.zeros(k + 3, dtype=np.int64)
        wr = np.zeros(k + 3, dtype=ur.dtype)
        wi = np.zeros(k + 3, dtype=ui.dtype)
        for r in range(r0, r1):
            for t in range(k):
                iy = map_index(oy + r + t, height, boundary)
                rows[t] = iy if iy >= 0 else 0
                wr[t] = ur[t] if iy >= 0 else 0
                wi[t] = ui[t] if iy >= 0 else 0
            # zero-weight taps on row 0 pad the count to a multiple of 4
            for j in range(width):
                p1[j] = 0
                p2[j] = 0
                p3[j] = 0
                p4[j] = 0
            for t in range(0, k, 4):
                _col_parts4(p1, p2, p3, p4, a_in[rows[t]], b_in[rows[t]], a_in[rows[t + 1]], b_in[rows[t + 1]],
                            a_in[rows[t + 2]], b_in[rows[t + 2]], a_in[rows[t + 3]], b_in[rows[t + 3]], wr, wi, t,
                            width)
            for j in range(width):
                re[j] = p1[j] - p2[j]
                im[j] = p3[j] + p4[j]
            _finish(even1[r], odd1[r], energy1[r], re, im, sr, si, width)
            for j in range(width):
                re[j] = p1[j] + p2[j]
                im[j] = p3[j] - p4[j]
            _finish(even2[r], odd2[r], energy2[r], re, im, sr, si, width)
