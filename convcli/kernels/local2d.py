"""Locally connected (unshared) and tiled correlation on planar (channel-first) arrays.

Input ``X[ci, y, x]`` (Cin, H, W); output ``Z[i, r, q]`` (Cout, OH, OW), valid, stride ``(sy, sx)``::

    local:  Z[i, r, q] = sum_{ci,a,b} X[ci, r*sy + a, q*sx + b] * w[i, r, q, ci, a, b]
    tiled:  Z[i, r, q] = sum_{ci,a,b} X[ci, r*sy + a, q*sx + b] * k[i, ci, a, b, r % ty, q % tx]

(the tiled kernel takes one output channel at a time, its kernels expanded along the columns).

Each output row is owned by one parallel task and summed in a fixed order (float64 accumulators),
so results do not depend on the number of threads.
"""

import numpy as np
from numba import njit, prange

from convcli.kernels.spread import new_team, settle


@njit(cache=True, parallel=True)
def local_corr(x, w, out, sy, sx):
    """Fill ``out`` with the locally connected layer (see the module doc)."""
    cout, oh, ow = out.shape
    cin = x.shape[0]
    kh = w.shape[4]
    kw = w.shape[5]
    team = new_team()  # threads kept apart (kernels/spread.py)
    for task in prange(cout * oh):
        settle(team)
        i = task // oh
        r = task % oh
        for q in range(ow):
            acc = 0.0
            for ci in range(cin):
                for a in range(kh):
                    xrow = x[ci, r * sy + a]
                    wrow = w[i, r, q, ci, a]
                    base = q * sx
                    for b in range(kw):
                        acc += xrow[base + b] * wrow[b]
            out[i, r, q] = acc
    return out


@njit(cache=True, parallel=True)
def tiled_corr(x, e, out, sy, sx):
    """Fill ``out`` (OH, OW) with output channel ``i`` of the tiled convolution, given that channel's
    kernels expanded along the output columns: ``e[u, ci, a, b, q] = k[i, ci, a, b, u, q % tx]``
    (so the inner loop runs over contiguous memory and vectorises)."""
    oh, ow = out.shape
    cin = x.shape[0]
    ty = e.shape[0]
    kh = e.shape[2]
    kw = e.shape[3]
    span = sx * (ow - 1) + 1
    team = new_team()  # threads kept apart (kernels/spread.py)
    for r in prange(oh):
        settle(team)
        u = r % ty
        row = np.zeros(ow)
        for ci in range(cin):
            for a in range(kh):
                xrow = x[ci, r * sy + a]
                for b in range(kw):
                    wv = e[u, ci, a, b]
                    if sx == 1:
                        xs = xrow[b : b + ow]
                        for q in range(ow):
                            row[q] += wv[q] * xs[q]
                    else:
                        xs = xrow[b : b + span]
                        for q in range(ow):
                            row[q] += wv[q] * xs[q * sx]
        orow = out[r]
        for q in range(ow):
            orow[q] = row[q]
    return out
