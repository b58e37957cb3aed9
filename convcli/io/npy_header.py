"""Checking a ``.npy`` header before NumPy allocates the array it describes.

``np.load`` allocates the whole array that the header promises and only then finds the data
missing: a 100-byte file claiming 20000x20000 float64 costs 3 GB. Here the shape is checked
against the pixel limit and the bytes that are really there, first.
"""

from __future__ import annotations

import math
from collections.abc import Callable

from convcli.errors import InputError


def check_npy_header(fh, name: str, available: int | None,
                     on_shape: Callable[[tuple[int, ...]], None] | None = None) -> None:
    """Read the header at ``fh``'s position; ``available`` is the number of bytes from there to the
    end (None: unknown). Calls ``on_shape(shape)``; raises InputError for a header whose data
    cannot be all there. Leaves anything it cannot judge (pickles, format 3.0) to ``np.load``."""
    from numpy.lib import format as npformat

    start = fh.tell()
    try:
        version = npformat.read_magic(fh)
        readers = {(1, 0): npformat.read_array_header_1_0, (2, 0): npformat.read_array_header_2_0}
        reader = readers.get(version)
        if reader is None:
            return
        shape, _, dtype = reader(fh)
    except (ValueError, OSError, EOFError, SyntaxError, TypeError) as exc:
        raise InputError(f"not a valid .npy file: {' '.join(str(exc).split())}", name) from None
    if dtype.hasobject:
        return
    if on_shape is not None:
        on_shape(tuple(shape))
    needed = math.prod(shape) * dtype.itemsize
    if available is not None:
        have = available - (fh.tell() - start)
        if have < needed:
            raise InputError(f"truncated .npy file: its header promises {needed:,} bytes of data, "
                             f"the file holds {max(have, 0):,}", name)
