"""How work is split across threads (the split never changes results, only speed)."""

from __future__ import annotations


def block_count(n_items: int, per_thread: int = 4) -> int:
    """Number of parallel blocks for ``n_items`` rows: a few per thread, never more than the rows."""
    import numba

    return max(1, min(n_items, numba.get_num_threads() * per_thread))
