"""The direct method on uint8/uint16 planes without converting the whole image to float first.

Measured with ``python -m benchmarks.bench_int_input`` (see README "Performance"): converting a
4096x4096 uint8 image to float32 took about as long as a 3x3 kernel on it; converting per band
of rows, inside the parallel kernel, costs a fraction of that and needs
``blocks x band`` floats instead of a full-size copy.
"""

from __future__ import annotations

import numpy as np

INTEGER_DTYPES = (np.dtype(np.uint8), np.dtype(np.uint16))
BAND_BYTES = 1 << 18  # float band per block: about what stays in a core's L2 cache next to the output rows
MAX_BAND_BYTES = 1 << 24  # all bands together, when they would also exceed a float copy of the image


def reads_integers(x) -> bool:
    """True for a non-empty array of a dtype the direct kernel reads as it is (uint8, uint16)."""
    return isinstance(x, np.ndarray) and x.dtype in INTEGER_DTYPES and x.size > 0


def chunk_rows(width: int, itemsize: int, row_stride: int) -> int:
    """Output rows converted and filtered at a time by one block."""
    return max(1, BAND_BYTES // (width * itemsize * row_stride))


def correlate2d_integer(x: np.ndarray, c: np.ndarray, out: np.ndarray, offsets, strides, dilations, code: int) -> bool:
    """``out`` = the direct correlation of the uint8/uint16 plane ``x`` with ``c`` (float).

    Bit-for-bit ``convcli.kernels.direct2d.correlate2d`` on ``x.astype(c.dtype)``. Returns False,
    leaving ``out`` alone, when the bands would take more memory than a float copy of ``x`` and
    more than ``MAX_BAND_BYTES`` (very tall or widely dilated kernels): the caller converts instead.
    """
    from convcli.threads import block_count

    oh = out.shape[0]
    height, width = x.shape
    blocks = block_count(oh)
    chunk = min(chunk_rows(width, c.itemsize, strides[0]), -(-oh // blocks))
    band_rows = (chunk - 1) * strides[0] + (c.shape[0] - 1) * dilations[0] + 1
    if blocks * band_rows > height and blocks * band_rows * width * c.itemsize > MAX_BAND_BYTES:
        return False
    from convcli.kernels.direct2d_int import correlate2d_int

    bands = np.empty((blocks, band_rows, width), dtype=c.dtype)
    correlate2d_int(np.ascontiguousarray(x), c, out, bands, offsets[0], offsets[1], strides[0], strides[1],
                    dilations[0], dilations[1], code, chunk)
    return True
