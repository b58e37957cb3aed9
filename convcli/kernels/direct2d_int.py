"""Rows of an integer image (uint8, uint16) as floats, for the direct kernel to read band by band.

``fill_band(band, x, y0, rows, boundary)`` writes ``band[i] = X[y0 + i]`` for ``i < rows``, ``X``
being ``x`` extended by the boundary rule (rows of zeros outside for the zero boundary), as floats
of ``band``'s dtype. ``convcli.intdirect`` then runs ``direct2d.correlate2d`` on the band with row
offset 0: every row it reads is inside the band, so none is mapped again, the columns are mapped
exactly as for the whole image, and each output sample is the same products summed in the same
order: bit-for-bit the result on the image converted to float first.
"""

from numba import njit, prange

from convcli.kernels.boundary import map_index
from convcli.kernels.spread import new_team, settle


@njit(cache=True, parallel=True)
def fill_band(band, x, y0, rows, boundary):
    """``band[i] = X[y0 + i]`` for ``i < rows`` (see the module doc); rows in parallel."""
    height, width = x.shape
    team = new_team()  # threads kept apart (kernels/spread.py)
    for i in prange(rows):
        settle(team)
        iy = map_index(y0 + i, height, boundary)
        dst = band[i]
        if iy < 0:
            for j in range(width):
                dst[j] = 0.0
        else:
            src = x[iy]
            for j in range(width):
                dst[j] = src[j]
