"""Running a computation at one Numba thread and at the default count (results must not differ)."""

from __future__ import annotations

from collections.abc import Callable


def at_each_thread_count(compute: Callable[[], object]) -> list:
    """``[compute() with 1 thread, compute() with Numba's default count]`` (one entry if that is 1)."""
    import numba

    n = numba.get_num_threads()
    try:
        results = []
        for threads in sorted({1, n}):
            numba.set_num_threads(threads)
            results.append(compute())
    finally:
        numba.set_num_threads(n)
    return results
