"""FFT correlation of one large 2-D plane: overlap-save over power-of-two tiles (Numba), or NumPy.

Large planes (at least ``TILED_MIN_OUTPUTS`` output samples, dilated kernel at most
``TILED_MAX_KERNEL`` taps a side) use :func:`convcli.kernels.fft2d.correlate_tiles`: ``T x T``
tiles (``T`` a power of two chosen by :func:`tile_size`) read straight from the input through
boundary index maps (no extended copy), two tiles per complex FFT, the kernel spectrum computed
once per call, tiles spread over the Numba threads. Each output sample comes from one tile,
computed in a fixed order, so results do not depend on the thread count.

Smaller planes (where loading Numba would cost more than the transform) and very large kernels
use NumPy's pocketfft (:func:`convcli.fftconv.fft_correlate`), the output rows cut into two
fixed halves transformed on two threads (NumPy's FFT releases the GIL).

Measured on the project machine (2 cores, float32 2048x2048, 31x31, reflect; README
"Performance"): NumPy's FFT computes about 5 ns per point and transform (no SIMD across rows),
OpenCV's about 0.7; the Numba tiles need about 2.6 ns per ``T^2 log2 T`` per complex tile pair.
"""

from __future__ import annotations

from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor

import numpy as np

from convcli.conventions import Axis
from convcli.extend import boundary_indices, extend_axis
from convcli.fftconv import _dilate, fft_correlate

SPLIT_MIN_ROWS = 256
PARTS = 2
TILED_MIN_OUTPUTS = 1 << 17  # below (~362x362): NumPy, as fast there and no Numba import
# above: NumPy (tiles of 512 fall out of the L2 cache); tiled/NumPy time at 2048x2048, 2026-11-27
# 22:07: 0.19 at 61x61, 0.41 at 101x101, 0.60 at 151x151, 1.14 at 181x181
TILED_MAX_KERNEL = 160
TILE_SIZES = (32, 64, 128, 256)
# measured time of one complex tile pair per T^2*log2(T), ns (one thread, 2048x2048, 2026-11-27)
TILE_COST = {32: 3.9, 64: 3.5, 128: 2.9, 256: 3.2}


def extended_region(x: np.ndarray, axes: Sequence[Axis], kshape: Sequence[int], boundary: str) -> np.ndarray:
    """The boundary-extended input that the output reads (correlation form)."""
    region = x
    for axis, (ax, k) in enumerate(zip(axes, kshape, strict=True)):
        span = (ax.length - 1) * ax.stride + (k - 1) * ax.dilation + 1
        if ax.offset != 0 or span != region.shape[axis]:
            region = extend_axis(region, ax.offset, span, axis, boundary)
    return region


def tile_size(valid: Sequence[int], ke: int) -> int:
    """The tile side ``T`` with the least estimated time for ``valid`` unit-stride outputs per axis
    and a dilated kernel of at most ``ke`` taps a side (0 when no tile fits the kernel)."""
    best, best_cost = 0, float("inf")
    for t in TILE_SIZES:
        b = t - ke + 1
        if b < 1:
            continue
        pairs = (-(-valid[0] // b) * -(-valid[1] // b) + 1) // 2
        cost = pairs * TILE_COST[t] * t * t * np.log2(t)
        if cost < best_cost:
            best, best_cost = t, cost
    return best


def _twiddles(t: int, dtype, inverse: bool) -> tuple[np.ndarray, np.ndarray]:
    ang = 2 * np.pi * np.arange(t) / t
    return np.cos(ang).astype(dtype), ((1 if inverse else -1) * np.sin(ang)).astype(dtype)


def _index_map(ax: Axis, n: int, span: int, length: int, boundary: str) -> np.ndarray:
    """Input index of each of ``length`` extended positions (-1: zero, also past the ``span`` read)."""
    idx = boundary_indices(np.arange(ax.offset, ax.offset + length), n, boundary)
    idx[span:] = -1
    return idx


def fft_correlate_tiled(x: np.ndarray, c: np.ndarray, axes: Sequence[Axis], boundary: str,
                        out: np.ndarray | None = None, t: int | None = None) -> np.ndarray:
    """Correlate the plane ``x`` with ``c`` (correlation form) by FFTs of ``t x t`` tiles."""
    from convcli.kernels.fft2d import correlate_tiles
    from convcli.threads import block_count

    ay, ax = axes
    dtype = np.result_type(c.dtype, np.float32)
    cd = np.ascontiguousarray(_dilate(c.astype(dtype, copy=False), (ay.dilation, ax.dilation)))
    x = np.ascontiguousarray(x, dtype=dtype)
    valid = ((ay.length - 1) * ay.stride + 1, (ax.length - 1) * ax.stride + 1)
    if t is None:
        t = tile_size(valid, max(cd.shape))
    b = t - max(cd.shape) + 1
    bands, tiles = -(-valid[0] // b), -(-valid[1] // b)
    rows = _index_map(ay, x.shape[0], valid[0] + cd.shape[0] - 1, bands * b + t - b, boundary)
    cols = _index_map(ax, x.shape[1], valid[1] + cd.shape[1] - 1, tiles * b + t - b, boundary)
    runs = np.array([cols[i * b] >= 0 and bool(np.all(np.diff(cols[i * b : i * b + t]) == 1))
                     for i in range(tiles)])
    twr, twi = _twiddles(t, dtype, False)
    itwr, itwi = _twiddles(t, dtype, True)
    # conjugate kernel spectrum in the tiles' transposed layout (float64 NumPy FFT, small)
    spec = np.fft.fft2(cd.astype(np.float64), s=(t, t)).T
    kre = np.ascontiguousarray(spec.real, dtype=dtype)
    kim = np.ascontiguousarray(-spec.imag, dtype=dtype)
    if out is None:
        out = np.empty((ay.length, ax.length), dtype)
    scratch = np.empty((block_count((bands * tiles + 1) // 2, per_thread=1), 4, t, t), dtype)
    correlate_tiles(x, rows, cols, runs, kre, kim, twr, twi, itwr, itwi, out, ay.stride, ax.stride, b,
                    bands, tiles, scratch)
    return out


def fft_correlate_split(x: np.ndarray, c: np.ndarray, axes: Sequence[Axis], boundary: str,
                        *, workers: int = 2, out: np.ndarray | None = None) -> np.ndarray:
    """Same as :func:`convcli.fftconv.fft_correlate`, faster for large planes (see the module doc).

    Fills and returns ``out`` when given (shape ``(oh, ow)``, the plane's dtype).
    """
    ay, ax = axes
    ke = max((k - 1) * a.dilation + 1 for k, a in zip(c.shape, axes, strict=True))
    if ay.length * ax.length >= TILED_MIN_OUTPUTS and ke <= TILED_MAX_KERNEL:
        return fft_correlate_tiled(x, c, axes, boundary, out=out)
    if out is None:
        out = np.empty((ay.length, ax.length), dtype=x.dtype)
    if ay.length < SPLIT_MIN_ROWS:
        out[...] = fft_correlate(x, c, axes, boundary)
        return out
    region = extended_region(x, axes, c.shape, boundary)
    kh, kw = c.shape
    ke = (kh - 1) * ay.dilation + 1
    col_axis = Axis(region.shape[1], kw, ax.stride, ax.dilation, "valid")
    cuts = [p * ay.length // PARTS for p in range(PARTS + 1)]

    def part(i: int) -> None:
        r0, r1 = cuts[i], cuts[i + 1]
        sub = region[r0 * ay.stride : (r1 - 1) * ay.stride + ke]
        row_axis = Axis(sub.shape[0], kh, ay.stride, ay.dilation, "valid")
        out[r0:r1] = fft_correlate(sub, c, (row_axis, col_axis), "zero")

    if workers > 1:
        with ThreadPoolExecutor(min(workers, PARTS)) as pool:
            list(pool.map(part, range(PARTS)))
    else:
        for i in range(PARTS):
            part(i)
    return out
