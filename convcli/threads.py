"""How work is split across threads (the split never changes results, only speed)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

# Below this many multiply-adds a direct kernel call runs on the calling thread alone: waking Numba's
# sleeping worker costs more than it saves. convcli.kernels.direct2d.correlate2d, 2 threads against 1,
# medians (2026-11-28): 16x16 3x3 50 against 20 us, 128x128 7x7 77 against 65, 256x256 3x3 75 against
# 60, 384x384 3x3 93 against 92, 256x256 7x7 116 against 139, 512x512 3x3 114 against 132.
ONE_THREAD_WORK = 1 << 20


def block_count(n_items: int, per_thread: int = 4) -> int:
    """Number of parallel blocks for ``n_items`` rows: a few per thread, never more than the rows."""
    import numba

    # the configured maximum, not get_num_threads(): a plain attribute (the call costs ~20 us right after
    # a large kernel, issue 7), and blocks only split the work, they never change a result
    return max(1, min(n_items, numba.config.NUMBA_NUM_THREADS * per_thread))


def direct_blocks(oh: int, ow: int, work: int | None = None) -> tuple[int, int]:
    """How the direct kernel splits an ``oh`` x ``ow`` output: blocks of rows, or columns of a few rows.

    One block when ``work`` (multiply-adds) is below ``ONE_THREAD_WORK`` (the call runs on one thread,
    see ``threads_for``; every block gathers its own border columns: a 16x16 3x3 took 15.9 us in 8
    blocks, 6.3 in one, a 256x256 3x3 54 against 45, one thread, 2026-11-28).
    """
    if work is not None and work < ONE_THREAD_WORK:
        return 1, 1
    if oh >= 8:
        return block_count(oh), 1
    return oh, max(1, min(block_count(ow // 2048 + 1), ow))


@contextmanager
def threads_for(work: int) -> Iterator[None]:
    """Numba kernel calls inside run on the calling thread alone when ``work`` (multiply-adds) is below
    ``ONE_THREAD_WORK``; the number of threads never changes a result."""
    if work >= ONE_THREAD_WORK:
        yield
        return
    import numba

    n = numba.get_num_threads()
    if n == 1:
        yield
        return
    numba.set_num_threads(1)
    try:
        yield
    finally:
        numba.set_num_threads(n)
