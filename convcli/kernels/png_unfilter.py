"""Undo PNG row filters (RFC 2083 section 6): None, Sub, Up, Average, Paeth.

Rows depend on the row above, so the loop is sequential; it runs once per decoded image.
"""

from numba import njit


@njit(cache=True)
def unfilter_rows(raw, bpp, out):
    """Fill ``out`` (rows x row bytes, uint8) from ``raw`` (rows x (1 + row bytes)): byte 0 of each
    raw row is its filter type. Returns the index of the first row with an unknown filter type,
    or -1 when every row was decoded."""
    height = raw.shape[0]
    n = out.shape[1]
    for r in range(height):
        ft = raw[r, 0]
        line = raw[r, 1:]
        cur = out[r]
        if ft == 0:
            for i in range(n):
                cur[i] = line[i]
        elif ft == 1:
            for i in range(n):
                left = cur[i - bpp] if i >= bpp else 0
                cur[i] = (line[i] + left) & 255
        elif ft == 2:
            if r == 0:
                for i in range(n):
                    cur[i] = line[i]
            else:
                up = out[r - 1]
                for i in range(n):
                    cur[i] = (line[i] + up[i]) & 255
        elif ft == 3:
            for i in range(n):
                left = cur[i - bpp] if i >= bpp else 0
                above = out[r - 1, i] if r > 0 else 0
                cur[i] = (line[i] + ((left + above) >> 1)) & 255
        elif ft == 4:
            for i in range(n):
                a = cur[i - bpp] if i >= bpp else 0
                b = out[r - 1, i] if r > 0 else 0
                c = out[r - 1, i - bpp] if (r > 0 and i >= bpp) else 0
                p = a + b - c
                pa = abs(p - a)
                pb = abs(p - b)
                pc = abs(p - c)
                if pa <= pb and pa <= pc:
                    pred = a
                elif pb <= pc:
                    pred = b
                else:
                    pred = c
                cur[i] = (line[i] + pred) & 255
        else:
            return r
    return -1
