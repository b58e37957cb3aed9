"""The direct method in NumPy, for small problems: no JIT kernel to load.

Loading a compiled Numba kernel (importing Numba, then the cached parallel function) costs more
than half a second in a new process, while a 512x512 image with a 3x3 kernel takes a few
milliseconds with NumPy (~0.5 ns per multiply-add here). Problems of at most ``SMALL_WORK``
multiply-adds per plane (a 1024x1024 3x3, a 512x512 7x7 or separable Gaussian up to sigma 5) are
done here until the process has the Numba kernel loaded (``convcli.convolve._direct_plane``), band
by band of output rows: the input rows a band reads are extended by the boundary rule (and, at a column
stride above 1, split into that many column phases), then each tap adds its weighted view.

Every output sample gets the products and sums of the Numba kernel (``convcli.kernels.direct2d``) in
its order, so the two paths agree bit for bit and a result never depends on which one ran: the taps
are summed in the kernel's blocks (``tap_blocks``; each block's products left to right, the first
block stored, each later block's sum then added), row-major in the interior columns and column-major
in the border columns, which the kernel computes transposed. A strided output is therefore exactly
the unit-stride output subsampled.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from convcli.conventions import Axis
from convcli.extend import boundary_indices, extend_axis

BAND = 65536  # output samples per band of rows (256 KiB of float32: out, scratch and input rows stay in L2)
SMALL_WORK = 1 << 24  # output samples x taps (~8 ms of NumPy work; loading Numba costs 0.3-0.7 s)
# the Numba kernel's summation blocks (convcli.kernels.direct2d: FAST_ROWS x FAST_TAPS at column
# dilation 1, else ROWS x TAPS); tests/test_direct_paths.py checks they are the kernel's
BLOCK_UNIT = (7, 7)
BLOCK_DILATED = (3, 5)


def is_small(out_shape: Sequence[int], kshape: Sequence[int]) -> bool:
    """True when the NumPy path is the faster one for a single call in a fresh process."""
    return math.prod(out_shape) * math.prod(kshape) <= SMALL_WORK


def _groups(k: int, most: int) -> list[int]:
    """``k`` items cut into ``ceil(k/most)`` near-equal groups, the larger ones first (direct2d.group)."""
    n = -(-k // most)
    return [k // n + (1 if g < k % n else 0) for g in range(n)]


def tap_blocks(kh: int, kw: int, unit_dilation: bool, transposed: bool) -> list[list[tuple[int, int]]]:
    """The taps ``(a, t)`` of a ``kh`` x ``kw`` kernel in the Numba kernel's summation order.

    Blocks of at most 7 x 7 taps when the kernel's column dilation (or, ``transposed``, its row
    dilation) is 1, else 3 rows x 5 taps; each block row-major. ``transposed``: the order of the
    border columns, which the kernel computes on the transposed input with the transposed kernel (so
    the blocks and the order within them are over ``c.T``: column-major over ``c``).
    """
    most_rows, most_taps = BLOCK_UNIT if unit_dilation else BLOCK_DILATED
    rows, taps = (kw, kh) if transposed else (kh, kw)
    blocks = []
    i0 = 0
    for nr in _groups(rows, most_rows):
        k0 = 0
        for nt in _groups(taps, most_taps):
            block = [(i, k) for i in range(i0, i0 + nr) for k in range(k0, k0 + nt)]
            blocks.append([(k, i) for i, k in block] if transposed else block)
            k0 += nt
        i0 += nr
    return blocks


def border_columns(ax: Axis, width: int, kw: int) -> tuple[int, int]:
    """``(lb, rb)``: output columns below ``lb`` and from ``rb`` on read outside the input (some tap
    does), those in between only inside; the kernel's split (``direct2d.correlate2d``)."""
    ow, ox, sx, dx = ax.length, ax.offset, ax.stride, ax.dilation
    q_lo = (-ox + sx - 1) // sx if ox < 0 else 0
    last = width - 1 - (kw - 1) * dx - ox
    q_hi = min(-1 if last < 0 else last // sx, ow - 1)
    lb = min(q_lo, ow)
    return lb, max(q_hi + 1, lb)


def correlate2d(x: np.ndarray, c: np.ndarray, out: np.ndarray, axes: Sequence[Axis], boundary: str) -> None:
    """Fill ``out`` with the correlation of the plane ``x`` with ``c`` (geometry ``axes``), bit for bit
    the Numba kernel's result (see the module doc).

    Band by band of output rows (rows longer than ``BAND`` samples, such as a 1-D signal's, chunk by
    chunk of columns): the input rows a band reads are extended by the boundary rule along both axes
    into a small array (``extend_axis``), then each tap adds its weighted view; then the border
    columns again, summed in their own order (``_edges``), when that differs. Whole-plane
    temporaries (the extended input, each tap's product) streamed through memory and, being fresh
    allocations of several MiB, page-faulted on every call: a 2048x2048 3x3 at stride 2 took 19-20 ms
    that way, 7 ms in bands; a 1024x1024 3x3 7 -> 4.3 ms (2026-11-28, issue 7).
    """
    ay, ax = axes
    oh, ow = out.shape
    kh, kw = c.shape
    height = x.shape[0]
    sx = ax.stride
    inner = tap_blocks(kh, kw, ax.dilation == 1, False)
    rows = max(1, BAND // max(ow, 1))
    cols = max(1, min(ow, BAND))  # output columns per chunk: long rows (1-D signals) in pieces too
    shape = (min(rows, oh), min(cols, ow))
    tmp = np.empty(shape, dtype=out.dtype)
    part = np.empty(shape, dtype=out.dtype) if len(inner) > 1 else tmp
    for r0 in range(0, oh, rows):
        r1 = min(oh, r0 + rows)
        y0 = ay.offset + r0 * ay.stride
        need = (r1 - r0 - 1) * ay.stride + (kh - 1) * ay.dilation + 1
        inside = 0 <= y0 and y0 + need <= height
        band = x[y0 : y0 + need] if inside else extend_axis(x, y0, need, 0, boundary)
        for q0 in range(0, ow, cols):
            q1 = min(ow, q0 + cols)
            _chunk(band, c, out[r0:r1, q0:q1], tmp[: r1 - r0, : q1 - q0], part[: r1 - r0, : q1 - q0], inner, ay,
                   ax.offset + q0 * sx, sx, ax.dilation, boundary)
    # the border columns again, in their order, for the whole plane at once (per band, the NumPy calls
    # on a few columns cost more than the band's interior)
    border = tap_blocks(kh, kw, ay.dilation == 1, True)
    lb, rb = border_columns(ax, x.shape[1], kw)
    if border != inner and (lb > 0 or rb < ow):
        edges = _edges(x, c, out.shape, lb, ow - rb, border, axes, boundary)
        out[:, :lb] = edges[0, :lb].T
        out[:, rb:] = edges[1, edges.shape[1] - (ow - rb) :].T


def _chunk(band, c, o, t_, part, blocks, ay, x0, sx, dx, boundary) -> None:
    """Output rows ``o`` from the input rows ``band``, columns from ``x0`` on, the taps summed in
    ``blocks`` (see ``correlate2d``)."""
    kw = c.shape[1]
    rows, n = o.shape
    span = (n - 1) * sx + (kw - 1) * dx + 1
    # the band's columns extended by the boundary rule, in sx phases (column stride > 1): tap t reads
    # phase (t*dx) % sx from column (t*dx) // sx on, so every view has unit column stride (NumPy's
    # loops over views with a column step are slower)
    phases = [extend_axis(band, x0 + p, -(-(span - p) // sx), 1, boundary, sx).astype(o.dtype, copy=False)
              for p in range(min(sx, span))]

    def view(a: int, t: int) -> np.ndarray:
        start, phase = divmod(t * dx, sx)
        return phases[phase][a * ay.dilation : a * ay.dilation + (rows - 1) * ay.stride + 1 : ay.stride,
                             start : start + n]

    _sum_blocks(c, blocks, view, o, t_, part)


def _edges(x, c, shape, left, right, blocks, axes, boundary) -> np.ndarray:
    """The first ``left`` and last ``right`` output columns (``shape`` the output's), the taps summed
    in ``blocks``: like the kernel, on the transposed extended input, so that each product is a few
    long rows rather than many rows of a few samples.

    Returns ``(2, n, rows)``: the first ``n = max(left, right)`` output columns transposed, then the last ``n``.
    """
    ay, ax = axes
    oh, ow = shape
    kh, kw = c.shape
    n = max(left, right)
    span = (n - 1) * ax.stride + (kw - 1) * ax.dilation + 1
    need = (oh - 1) * ay.stride + (kh - 1) * ay.dilation + 1
    # the input samples both sides read, extended by the boundary rule, in one gather (-1: a zero)
    starts = ax.offset + np.array([[0], [(ow - n) * ax.stride]])
    cols = boundary_indices((starts + np.arange(span)).ravel(), x.shape[1], boundary)
    rows = boundary_indices(ay.offset + np.arange(need), x.shape[0], boundary)
    patch = x[np.maximum(rows, 0)[:, None], np.maximum(cols, 0)].astype(c.dtype, copy=False)
    if boundary == "zero":
        patch[rows < 0] = 0
        patch[:, cols < 0] = 0
    patch = np.ascontiguousarray(patch.T).reshape(2, span, need)
    o, t_, part = np.empty((3, 2, n, oh), dtype=c.dtype)

    def view(a: int, t: int) -> np.ndarray:
        return patch[:, t * ax.dilation : t * ax.dilation + (n - 1) * ax.stride + 1 : ax.stride,
                     a * ay.dilation : a * ay.dilation + (oh - 1) * ay.stride + 1 : ay.stride]

    _sum_blocks(c, blocks, view, o, t_, part)
    return o


def _sum_blocks(c, blocks, view, o, t_, part) -> None:
    """``o`` = the products ``c[a, t] * view(a, t)`` summed in ``blocks``, in the kernel's order: each
    block's products left to right, the first block in ``o``, each later one in ``part``, then added."""
    for b, block in enumerate(blocks):
        acc = o if b == 0 else part
        for i, (a, t) in enumerate(block):
            if i == 0:
                np.multiply(view(a, t), c[a, t], out=acc)
            else:
                np.multiply(view(a, t), c[a, t], out=t_)
                acc += t_
        if b > 0:
            o += part
