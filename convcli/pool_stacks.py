"""Pooling stacks: multi-page TIFF, animated GIF/APNG, ``.npy`` volumes and folders of slices.

A 1- or 2-value size pools each frame alone (exactly the 2-D pooling of every frame); a 3-value
size, or ``--volume``, pools across frames too (depth or time). Alpha is pooled with the same
windows (max for ``max``, the mean otherwise). Each output frame keeps the duration of the input
frame at its depth window's centre, times the depth stride (as ``filter`` does).
"""

from __future__ import annotations

import time

import numpy as np

from convcli.errors import DataError, UsageError
from convcli.io.stacks import check_stack_target, read_stack
from convcli.pooling import pool, pool_axes
from convcli.stack_filtering import frame_durations, write_stack_like


def _values(value) -> tuple[int, ...] | None:
    if value is None:
        return None
    return tuple(int(v) for v in value) if isinstance(value, tuple) else (int(value),)


def is_3d(opts) -> bool:
    """Does ``opts`` (:class:`convcli.pool_files.PoolOptions`) pool across frames?"""
    return opts.volume or len(_values(opts.size) or ()) == 3


def stack_geometry(opts) -> tuple[tuple[int, int, int] | None, tuple[int, int, int] | None]:
    """``(size, stride)`` as 3 values (depth first) for :func:`convcli.pooling.pool` with ``volume=True``;
    a per-frame pooling has depth window and stride 1."""
    size, stride = _values(opts.size), _values(opts.stride)
    if size is None:
        return None, None
    n = 3 if is_3d(opts) else 2
    size = size * n if len(size) == 1 else size
    stride = size if stride is None else (stride * n if len(stride) == 1 else stride)
    if len(size) != n or len(stride) != n:
        if n == 3:
            raise UsageError("3-D pooling (--volume or a 3-value --size) takes --size/--stride K or KZ,KY,KX")
        raise UsageError("2-D pooling takes --size/--stride K or KY,KX (3 values pool stacks across frames)")
    if n == 2:
        size, stride = (1, *size), (1, *stride)
    return size, stride


def pool_stack_file(job, opts) -> dict:
    """Read a stack, pool it per frame or in 3-D, write it in the output's format; return a report."""
    check_stack_target(job.dst, force=opts.write.force, inputs=(job.src,))
    t0 = time.perf_counter()
    data = read_stack(job.src, volume=opts.stack or is_3d(opts), max_pixels=opts.max_pixels,
                      allow_truncated=opts.allow_truncated)
    t1 = time.perf_counter()
    x = data.frames
    if opts.across_channels is not None and x.ndim == 3 and data.format not in ("NPY", "NPZ"):
        raise DataError(f"--across-channels needs several channels; these are one-channel frames "
                        f"{x.shape[2]}x{x.shape[1]}")
    size, stride = stack_geometry(opts)
    common = dict(size=size, stride=stride, padding=opts.padding, boundary=opts.boundary, volume=True)
    if size is None:  # only across channels: every sample alone
        y = pool(x, op=opts.op, across_channels=opts.across_channels, nan=opts.nan)
    else:
        y = pool(x, op=opts.op, across_channels=opts.across_channels, nan=opts.nan, **common)
    alpha, durations = data.alpha, data.durations
    if size is not None:
        if alpha is not None:
            alpha = pool(alpha, op="max" if opts.op == "max" else "avg", **common)
        az = pool_axes(x.shape[:1], size[:1], stride[:1], opts.padding)[0]
        centers = np.clip(az.offset + az.stride * np.arange(az.length) + (az.size - 1) // 2, 0, az.n - 1)
        durations = frame_durations(durations, centers, az.stride)
    t2 = time.perf_counter()
    written = write_stack_like(job.dst, y, data, alpha=alpha, durations=durations, depth=opts.write.depth,
                               output_range=opts.write.output_range, full_scale=data.full_scale,
                               fmt=opts.write.fmt)
    t3 = time.perf_counter()
    return {
        "input": job.src,
        "output": job.dst,
        "input_format": data.format,
        "output_format": written,
        "input_shape": list(x.shape),
        "output_shape": list(y.shape),
        "frames": int(x.shape[0]),
        "output_frames": int(y.shape[0]),
        "pooled_across_frames": size is not None and is_3d(opts),
        "durations_ms": durations,
        "op": opts.op,
        "size": None if size is None else list(size),
        "stride": None if stride is None else list(stride),
        "padding": opts.padding,
        "boundary": opts.boundary,
        "across_channels": opts.across_channels,
        "seconds": {"read": round(t1 - t0, 6), "pool": round(t2 - t1, 6), "write": round(t3 - t2, 6)},
    }
