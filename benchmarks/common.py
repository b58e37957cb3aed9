"""Timing helpers: medians of interleaved runs in one process."""

from __future__ import annotations

import platform
import time
from collections.abc import Callable

import numpy as np


def interleaved_medians(funcs: dict[str, Callable[[], object]], repeats: int = 9, warmup: int = 1) -> dict:
    """Run every function ``repeats`` times, round-robin, and return the median seconds of each."""
    for f in funcs.values():
        for _ in range(warmup):
            f()
    times: dict[str, list[float]] = {name: [] for name in funcs}
    for _ in range(repeats):
        for name, f in funcs.items():
            t = time.perf_counter()
            f()
            times[name].append(time.perf_counter() - t)
    return {name: float(np.median(ts)) for name, ts in times.items()}


def machine() -> str:
    import os

    return f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"
