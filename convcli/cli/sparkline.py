"""A one-line terminal chart of a series (e.g. a loss curve), on a log scale when it spans decades."""

from __future__ import annotations

import math
from collections.abc import Sequence

BARS = "▁▂▃▄▅▆▇█"


def sparkline(values: Sequence[float], width: int = 60, *, log: bool | None = None) -> str:
    """``values`` resampled to at most ``width`` columns (each the mean of its bucket), drawn with
    eight bar heights. ``log`` (default: when every value is positive and they span more than a
    factor 100) plots ``log10`` of the values."""
    vals = [float(v) for v in values if math.isfinite(v)]
    if not vals:
        return ""
    if log is None:
        log = min(vals) > 0 and max(vals) > 100 * min(vals)
    if log:
        vals = [math.log10(v) if v > 0 else math.log10(min(x for x in vals if x > 0)) for v in vals]
    n = len(vals)
    cols = min(width, n)
    buckets = [vals[i * n // cols : max((i + 1) * n // cols, i * n // cols + 1)] for i in range(cols)]
    means = [sum(b) / len(b) for b in buckets]
    lo, hi = min(means), max(means)
    if hi == lo:
        return BARS[0] * cols
    return "".join(BARS[min(len(BARS) - 1, int((m - lo) / (hi - lo) * len(BARS)))] for m in means)
