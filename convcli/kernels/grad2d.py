"""Valid, strided multi-channel correlation and its two gradients, on planar (channel-first) arrays.

Shapes (0-based, the seed's formulas): input ``X[ci, y, x]`` (Cin, H, W), kernel ``K[i, ci, a, b]``
(Cout, Cin, kh, kw), output ``Z[i, r, q]`` (Cout, OH, OW) with stride ``(sy, sx)``::

    Z[i, r, q]    = sum_{ci,a,b} X[ci, r*sy + a, q*sx + b] * K[i, ci, a, b]        (forward)
    gK[i, ci, a, b] = sum_{r,q} G[i, r, q] * X[ci, r*sy + a, q*sx + b]             (g(G, V, s))
    gX[ci, y, x]   = sum over (r, a) with r*sy + a = y and (q, b) with q*sx + b = x
                    of sum_i G[i, r, q] * K[i, ci, a, b]                          (h(K, G, s))

A 1-D problem is the 2-D one with ``H = kh = 1``. Each output element is owned by one parallel
task (a row of ``Z`` or ``gX``, one element of ``gK``) and summed in a fixed order, so results do
not depend on the number of threads. Inner loops run over contiguous row slices from index 0
(unit stride), which vectorises.
"""

import numpy as np
from numba import njit, prange

from convcli.kernels.spread import new_team, settle


@njit(cache=True, parallel=True)
def corr_valid(x, k, out, sy, sx):
    """Fill ``out`` (Cout, OH, OW) with the forward correlation (see the module doc)."""
    cout, oh, ow = out.shape
    cin = x.shape[0]
    kh = k.shape[2]
    kw = k.shape[3]
    span = sx * (ow - 1) + 1
    team = new_team()  # threads kept apart (kernels/spread.py)
    for task in prange(cout * oh):
        settle(team)
        i = task // oh
        r = task % oh
        row = np.zeros(ow)
        for ci in range(cin):
            for a in range(kh):
                xrow = x[ci, r * sy + a]
                for b in range(kw):
                    w = k[i, ci, a, b]
                    if sx == 1:
                        xs = xrow[b : b + ow]
                        for q in range(ow):
                            row[q] += w * xs[q]
                    else:
                        xs = xrow[b : b + span]
                        for q in range(ow):
                            row[q] += w * xs[q * sx]
        orow = out[i, r]
        for q in range(ow):
            orow[q] = row[q]
    return out


@njit(cache=True, parallel=True)
def grad_kernel(x, g, out, sy, sx):
    """Fill ``out`` (Cout, Cin, kh, kw) with ``g(G, X, s)``: the gradient with respect to the kernel."""
    cout, cin, kh, kw = out.shape
    oh = g.shape[1]
    ow = g.shape[2]
    span = sx * (ow - 1) + 1
    team = new_team()  # threads kept apart (kernels/spread.py)
    for task in prange(cout * cin * kh * kw):
        settle(team)
        b = task % kw
        a = (task // kw) % kh
        ci = (task // (kw * kh)) % cin
        i = task // (kw * kh * cin)
        # accumulate column-wise partial sums over the rows (vectorises), then add them up in order
        part = np.zeros(ow)
        for r in range(oh):
            grow = g[i, r]
            xrow = x[ci, r * sy + a]
            if sx == 1:
                xs = xrow[b : b + ow]
                for q in range(ow):
                    part[q] += grow[q] * xs[q]
            else:
                xs = xrow[b : b + span]
                for q in range(ow):
                    part[q] += grow[q] * xs[q * sx]
        acc = 0.0
        for q in range(ow):
            acc += part[q]
        out[i, ci, a, b] = acc
    return out


@njit(cache=True, parallel=True)
def grad_input(k, g, out, sy, sx):
    """Fill ``out`` (Cin, H, W) with ``h(K, G, s)``: the gradient with respect to the input."""
    cin, height, width = out.shape
    cout = k.shape[0]
    kh = k.shape[2]
    kw = k.shape[3]
    oh = g.shape[1]
    ow = g.shape[2]
    span = sx * (ow - 1) + 1
    team = new_team()  # threads kept apart (kernels/spread.py)
    for task in prange(cin * height):
        settle(team)
        ci = task // height
        y = task % height
        row = np.zeros(width)
        for a in range(kh):
            d = y - a
            if d < 0 or d % sy != 0:
                continue
            r = d // sy
            if r >= oh:
                continue
            for i in range(cout):
                grow = g[i, r]
                for b in range(kw):
                    w = k[i, ci, a, b]
                    if sx == 1:
                        dst = row[b : b + ow]
                        for q in range(ow):
                            dst[q] += w * grow[q]
                    else:
                        dst = row[b : b + span]
                        for q in range(ow):
                            dst[q * sx] += w * grow[q]
        orow = out[ci, y]
        for c in range(width):
            orow[c] = row[c]
    return out
