"""Running the equivariance check on image files (reports only, nothing is written)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from convcli.equivariance import check_equivariance
from convcli.io.images import DEFAULT_MAX_PIXELS, read_image


@dataclass(frozen=True)
class CheckOptions:
    """Everything ``convcli check`` passes down for one file (picklable for worker processes)."""

    kernel: np.ndarray
    kernel_spec: str = ""
    shift: tuple[int, int] = (3, 5)
    boundary: str = "reflect"
    mode: str = "conv"
    pool_size: int = 3
    pool_stride: int = 1
    max_pixels: int | None = DEFAULT_MAX_PIXELS
    allow_truncated: bool = False


def check_file(job, opts: CheckOptions) -> dict:
    """Read ``job.src`` and measure; returns the JSON-ready report."""
    data = read_image(job.src, max_pixels=opts.max_pixels, allow_truncated=opts.allow_truncated)
    report = check_equivariance(data.pixels, opts.kernel, shift=opts.shift, boundary=opts.boundary,
                                mode=opts.mode, pool_size=opts.pool_size, pool_stride=opts.pool_stride)
    return {"input": job.src, "input_shape": list(data.pixels.shape), "kernel": opts.kernel_spec, **report}
