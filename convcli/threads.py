"""How work is split across threads (the split never changes results, only speed)."""

from __future__ import annotations


def block_count(n_items: int, per_thread: int = 4) -> int:
    """Number of parallel blocks for ``n_items`` rows: a few per thread, never more than the rows."""
    import numba

    # the configured maximum, not get_num_threads(): a plain attribute (the call costs ~20 us right after
    # a large kernel, issue 7), and blocks only split the work, they never change a result
    return max(1, min(n_items, numba.config.NUMBA_NUM_THREADS * per_thread))


def direct_blocks(oh: int, ow: int) -> tuple[int, int]:
    """How the direct kernel splits an ``oh`` x ``ow`` output: blocks of rows, or columns of a few rows."""
    if oh >= 8:
        return block_count(oh), 1
    return oh, max(1, min(block_count(ow // 2048 + 1), ow))
