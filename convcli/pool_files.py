"""Pooling image files: read, pool the pixels (alpha pooled alongside), write, report."""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np

from convcli.errors import DataError
from convcli.io.atomic import check_target
from convcli.io.channels import WriteOptions, write_result
from convcli.io.images import DEFAULT_MAX_PIXELS, read_image
from convcli.pooling import pool


@dataclass(frozen=True)
class PoolOptions:
    """Everything ``convcli pool`` passes down for one file (picklable for worker processes)."""

    op: str = "max"
    size: int | tuple[int, ...] | None = 2
    stride: int | tuple[int, ...] | None = None
    padding: str = "valid"
    boundary: str = "ignore"
    across_channels: int | None = None
    nan: str = "error"
    write: WriteOptions = field(default_factory=WriteOptions)
    max_pixels: int | None = DEFAULT_MAX_PIXELS
    allow_truncated: bool = False
    stack: bool = False  # volumes (issue 9): 3-D .npy = (D, H, W), a folder = slices; pooled per frame
    volume: bool = False  # volumes (issue 9): as stack, and an int size pools across frames too (K x K x K)


def pool_file(job, opts: PoolOptions) -> dict:
    """Read ``job.src``, pool it, write ``job.dst`` atomically; return a report (JSON-ready).

    Alpha is pooled with the same windows (max for ``max``, the mean otherwise) and never across channels.
    Stacks (multi-page TIFF, animated GIF/APNG, ``stack``/``volume``, a 3-value size) go to
    :func:`convcli.pool_stacks.pool_stack_file`.
    """
    from convcli.pool_stacks import is_3d, pool_stack_file
    from convcli.stack_filtering import is_stack_input

    if opts.stack or is_3d(opts) or is_stack_input(job.src):  # volumes (issue 9)
        return pool_stack_file(job, opts)
    if not opts.write.split_channels:
        check_target(job.dst, force=opts.write.force, inputs=(job.src,))
    t0 = time.perf_counter()
    data = read_image(job.src, max_pixels=opts.max_pixels, allow_truncated=opts.allow_truncated)
    t1 = time.perf_counter()
    if opts.across_channels is not None and data.pixels.ndim == 2 and data.format not in ("NPY", "NPZ"):
        raise DataError(f"--across-channels needs several channels; this is a one-channel image "
                        f"{data.pixels.shape[1]}x{data.pixels.shape[0]}")
    common = dict(size=opts.size, stride=opts.stride, padding=opts.padding, boundary=opts.boundary)
    y = pool(data.pixels, op=opts.op, across_channels=opts.across_channels, nan=opts.nan, **common)
    alpha = data.alpha
    if alpha is not None and opts.size is not None:
        alpha = pool(alpha, op="max" if opts.op == "max" else "avg", **common)
    t2 = time.perf_counter()
    written = write_result(job.src, job.dst, y, opts.write, alpha=alpha, full_scale=data.full_scale,
                           alpha_scale=data.full_scale)
    t3 = time.perf_counter()
    return {
        "input": job.src,
        "output": written[0] if len(written) == 1 else written,
        "input_shape": list(data.pixels.shape),
        "output_shape": list(np.shape(y)),
        "op": opts.op,
        "size": _listed(opts.size),
        "stride": _listed(opts.stride if opts.stride is not None else opts.size),
        "padding": opts.padding,
        "boundary": opts.boundary,
        "across_channels": opts.across_channels,
        "seconds": {"read": round(t1 - t0, 6), "pool": round(t2 - t1, 6), "write": round(t3 - t2, 6)},
    }


def _listed(value):
    if value is None:
        return None
    return [int(v) for v in value] if isinstance(value, tuple) else [int(value)]
