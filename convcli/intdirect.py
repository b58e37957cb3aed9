"""The direct and separable methods on uint8/uint16 planes without converting the whole image to float first.

Chunks of output rows, each computed by the float kernel itself (``direct2d.correlate2d``, or
``separable.correlate_separable`` from ``convcli.convolve``) from a
float band holding just the input rows the chunk reads, boundary rows included
(``direct2d_int.fill_band``, in parallel). The band is reused from chunk to chunk, so the memory
is one band instead of a float copy of the image; the result is bit-for-bit the float kernel's on
the converted image, whatever that kernel's internals (see ``convcli/kernels/direct2d_int.py``).
Measured with ``python -m benchmarks.bench_int_input`` (README "Integer images"): 4 MiB bands
(NumPy gives arrays of 4 MiB or more huge pages, so a band costs almost no page faults; fewer,
larger chunks also mean fewer thread wake-ups, which matter on a busy machine).
"""

from __future__ import annotations

import numpy as np

INTEGER_DTYPES = (np.dtype(np.uint8), np.dtype(np.uint16))
BAND_BYTES = 1 << 22  # the float band of one chunk of output rows (measured: see the module doc)
MAX_BAND_BYTES = 1 << 24  # a band larger than this and than a float copy of the image: convert it whole


def reads_integers(x) -> bool:
    """True for a non-empty array of a dtype the direct kernel reads as it is (uint8, uint16)."""
    return isinstance(x, np.ndarray) and x.dtype in INTEGER_DTYPES and x.size > 0


def chunk_rows(width: int, itemsize: int, row_stride: int) -> int:
    """Output rows filtered per chunk (per band)."""
    return max(1, BAND_BYTES // (width * itemsize * row_stride))


def by_bands(x: np.ndarray, out: np.ndarray, kh: int, y0: int, sy: int, dy: int, code: int, dtype, run) -> bool:
    """``run(band, out_rows)`` for chunks of output rows, each with a float band of the input rows it reads.

    ``band`` holds rows ``y0 + r0*sy ...`` of ``x`` extended by the boundary rule, as ``dtype``
    (``direct2d_int.fill_band``), so a kernel run on it with row offset 0 maps no row again.
    Returns False, running nothing, when the band would take more memory than a float copy of ``x``
    and more than ``MAX_BAND_BYTES`` (very tall or widely dilated kernels): the caller converts instead.
    """
    oh = out.shape[0]
    height, width = x.shape
    itemsize = np.dtype(dtype).itemsize
    chunk = min(chunk_rows(width, itemsize, sy), oh)
    band_rows = (chunk - 1) * sy + (kh - 1) * dy + 1
    if band_rows > height and band_rows * width * itemsize > MAX_BAND_BYTES:
        return False
    from convcli.kernels.direct2d_int import fill_band

    x = np.ascontiguousarray(x)
    band = np.empty((band_rows, width), dtype=dtype)
    for r0 in range(0, oh, chunk):
        n = min(chunk, oh - r0)
        rows = (n - 1) * sy + (kh - 1) * dy + 1
        fill_band(band, x, y0 + r0 * sy, rows, code)
        run(band[:rows], out[r0 : r0 + n])
    return True


def correlate2d_integer(x: np.ndarray, c: np.ndarray, out: np.ndarray, offsets, strides, dilations, code: int,
                        nch: int = 1) -> bool:
    """``out`` = the direct correlation of the uint8/uint16 plane ``x`` with ``c`` (float).

    Bit-for-bit ``convcli.kernels.direct2d.correlate2d`` on ``x.astype(c.dtype)``: chunks of
    output rows, each from a float band of the input rows it reads (:func:`by_bands`). Returns
    False, leaving ``out`` alone, when the band would be too large (the caller converts instead).
    """
    from convcli._numba_lean import release_loader_memory
    from convcli.kernels.direct2d import correlate2d
    from convcli.threads import direct_blocks

    counts = np.zeros(0, dtype=np.int64)

    def run(band: np.ndarray, rows_out: np.ndarray) -> None:
        row_blocks, col_blocks = direct_blocks(*rows_out.shape)
        correlate2d(band, c, rows_out, 0, offsets[1], strides[0], strides[1], dilations[0], dilations[1], code, nch,
                    row_blocks, col_blocks, counts)

    if not by_bands(x, out, c.shape[0], offsets[0], strides[0], dilations[0], code, c.dtype, run):
        return False
    release_loader_memory(correlate2d)
    return True
