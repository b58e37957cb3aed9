"""Timing helpers: medians of interleaved runs in one process."""

from __future__ import annotations

import platform
import time
from collections.abc import Callable

import numpy as np


def interleaved_medians(funcs: dict[str, Callable[[], object]], repeats: int = 9, warmup: int = 1) -> dict:
    """Run every function ``repeats`` times, interleaved, and return the median seconds of each.

    Each round runs every function once, in a random order (seeded, so runs are repeatable): with a
    fixed order each function always ran right after the same other one, and what runs right after
    OpenCV shares the two cores with OpenCV's worker threads, which spin for a while after each call
    (a 3x3 at 2048x2048 right after ``filter2D`` took 60-170 us more than right after another convcli
    call, 2026-11-28), while OpenCV always ran after convcli, whose idle threads sleep.
    """
    for f in funcs.values():
        for _ in range(warmup):
            f()
    times: dict[str, list[float]] = {name: [] for name in funcs}
    names = list(funcs)
    order = np.random.default_rng(0)
    for _ in range(repeats):
        for i in order.permutation(len(names)):
            name, f = names[i], funcs[names[i]]
            t = time.perf_counter()
            f()
            times[name].append(time.perf_counter() - t)
    return {name: float(np.median(ts)) for name, ts in times.items()}


def machine() -> str:
    import os

    return f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"
