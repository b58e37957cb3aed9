"""3-D pooling, plane part: every plane ``x[d]`` of a stack pooled over rows and columns.

The work is split into (plane, block of output rows) items, each computed by one thread with the
2-D pooling loops of :mod:`convcli.kernels.pool2d` (so a plane's result is exactly the 2-D pooling
of that plane). The depth part of 3-D pooling is the 2-D kernel on the ``(D, H*W*C)`` view with a
``kd x 1`` window (see :func:`convcli.pooling.pool`).
"""

from numba import njit, prange

from convcli.kernels.pool2d import _pool2d_block, _pool_cl_block
from convcli.kernels.spread import new_team, settle


@njit(cache=True)
def _plane_item(x, out, i, row_blocks, oy, ox, sy, sx, kh, kw, op, boundary, counts):
    d = i // row_blocks
    _pool2d_block(x[d], out[d], i - d * row_blocks, row_blocks, oy, ox, sy, sx, kh, kw, op, boundary, counts)


@njit(cache=True, parallel=True)
def pool_planes(x, out, oy, ox, sy, sx, kh, kw, op, boundary, row_blocks, counts):
    """``out[d] = pool2d(x[d])`` for ``x`` ``(D, H, W)``; ``counts`` is empty (no NaN count)."""
    team = new_team()  # threads kept apart (kernels/spread.py)
    for i in prange(x.shape[0] * row_blocks):
        settle(team)
        _plane_item(x, out, i, row_blocks, oy, ox, sy, sx, kh, kw, op, boundary, counts)
    return out


@njit(cache=True)
def pool_planes_serial(x, out, oy, ox, sy, sx, kh, kw, op, boundary, row_blocks, counts):
    """``pool_planes`` on one thread (small inputs)."""
    for i in range(x.shape[0] * row_blocks):
        _plane_item(x, out, i, row_blocks, oy, ox, sy, sx, kh, kw, op, boundary, counts)
    return out


@njit(cache=True)
def _cl_item(x, out, i, row_blocks, oy, ox, sy, sx, kh, kw, op, boundary):
    d = i // row_blocks
    _pool_cl_block(x[d], out[d], i - d * row_blocks, row_blocks, oy, ox, sy, sx, kh, kw, op, boundary)


@njit(cache=True, parallel=True)
def pool_planes_channels_last(x, out, oy, ox, sy, sx, kh, kw, op, boundary, row_blocks):
    """``pool_planes`` for channels-last ``x`` ``(D, H, W, C)`` into ``out`` ``(D, OH, OW, C)``."""
    team = new_team()  # threads kept apart (kernels/spread.py)
    for i in prange(x.shape[0] * row_blocks):
        settle(team)
        _cl_item(x, out, i, row_blocks, oy, ox, sy, sx, kh, kw, op, boundary)
    return out


@njit(cache=True)
def pool_planes_channels_last_serial(x, out, oy, ox, sy, sx, kh, kw, op, boundary, row_blocks):
    """``pool_planes_channels_last`` on one thread (small inputs)."""
    for i in range(x.shape[0] * row_blocks):
        _cl_item(x, out, i, row_blocks, oy, ox, sy, sx, kh, kw, op, boundary)
    return out
