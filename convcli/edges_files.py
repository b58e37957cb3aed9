"""Edge maps of image files: read, compute, write (alpha carried through), report."""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np

from convcli.edges import edges
from convcli.io.atomic import check_target
from convcli.io.images import DEFAULT_MAX_PIXELS, read_image, write_image


@dataclass(frozen=True)
class EdgeOptions:
    """Everything ``convcli edges`` passes down for one file (picklable for worker processes)."""

    op: str = "sobel"
    output: str = "magnitude"  # magnitude | x | y | direction | color
    boundary: str = "reflect"
    gray: bool = False
    output_range: str | None = None
    depth: str = "8"
    normalize: bool = False
    nan: str = "error"
    dtype: str = "float32"
    fmt: str | None = None
    force: bool = False
    max_pixels: int | None = DEFAULT_MAX_PIXELS
    allow_truncated: bool = False
    volume: bool = False  # volumes (issue 9): each input is a stack (3-D .npy = (D, H, W), folder = slices)


def edges_file(job, opts: EdgeOptions) -> dict:
    """Read ``job.src``, compute the edge map, write ``job.dst`` atomically; return a report.

    Stacks (multi-page TIFF, animated GIF/APNG, ``volume``) go to :func:`edges_stack_file`.
    """
    from convcli.stack_filtering import is_stack_input

    if opts.volume or is_stack_input(job.src):  # volumes (issue 9)
        return edges_stack_file(job, opts)
    check_target(job.dst, force=opts.force, inputs=(job.src,))
    t0 = time.perf_counter()
    data = read_image(job.src, max_pixels=opts.max_pixels, allow_truncated=opts.allow_truncated)
    x = data.pixels
    full_scale = data.full_scale
    if opts.normalize and data.full_scale:
        x = x.astype(np.float64) / data.full_scale
        full_scale = 1.0
    t1 = time.perf_counter()
    y = edges(x, op=opts.op, output=opts.output, boundary=opts.boundary, gray=opts.gray,
              dtype=np.dtype(opts.dtype), nan=opts.nan)
    t2 = time.perf_counter()
    y, output_range, full_scale = _output_scale(y, opts, full_scale)
    write_image(job.dst, y, alpha=data.alpha, alpha_scale=data.full_scale, depth=opts.depth,
                output_range=output_range, full_scale=full_scale, fmt=opts.fmt)
    t3 = time.perf_counter()
    return {
        "input": job.src,
        "output": job.dst,
        "input_shape": list(data.pixels.shape),
        "output_shape": list(y.shape),
        "op": opts.op,
        "map": opts.output,
        "boundary": opts.boundary,
        "gray": opts.gray,
        "range": [float(y.min()), float(y.max())],
        "seconds": {"read": round(t1 - t0, 6), "filter": round(t2 - t1, 6), "write": round(t3 - t2, 6)},
    }


def _output_scale(y: np.ndarray, opts: EdgeOptions, full_scale):
    """``(values, output_range, full_scale)`` for writing a map: x/y offset to mid-grey, direction
    0..360 degrees to black..white, colour in 0..1."""
    output_range = opts.output_range or ("offset" if opts.output in ("x", "y") else "clip")
    if opts.output == "direction":
        if opts.depth != "float":
            y = np.mod(y, 360.0)  # 0..360 degrees -> black..white
        full_scale, output_range = 360.0, opts.output_range or "clip"
    elif opts.output == "color":
        full_scale = 1.0
    return y, output_range, full_scale


def edges_stack_file(job, opts: EdgeOptions) -> dict:
    """Edge maps of every frame of a stack (the 2-D operators, frame by frame), written as a stack
    in the output's format; alpha and frame durations carried through."""
    from convcli.io.stacks import check_stack_target, read_stack
    from convcli.stack_filtering import write_stack_like
    from convcli.volume import map_frames

    check_stack_target(job.dst, force=opts.force, inputs=(job.src,))
    t0 = time.perf_counter()
    data = read_stack(job.src, volume=True, max_pixels=opts.max_pixels, allow_truncated=opts.allow_truncated)
    x = data.frames
    full_scale = data.full_scale
    if opts.normalize and data.full_scale:
        x = x.astype(np.float64) / data.full_scale
        full_scale = 1.0
    t1 = time.perf_counter()
    y = map_frames(lambda frame: edges(frame, op=opts.op, output=opts.output, boundary=opts.boundary,
                                       gray=opts.gray, dtype=np.dtype(opts.dtype), nan=opts.nan), x)
    t2 = time.perf_counter()
    y, output_range, full_scale = _output_scale(y, opts, full_scale)
    written = write_stack_like(job.dst, y, data, alpha=data.alpha, durations=data.durations, depth=opts.depth,
                               output_range=output_range, full_scale=full_scale, fmt=opts.fmt)
    t3 = time.perf_counter()
    return {
        "input": job.src,
        "output": job.dst,
        "input_format": data.format,
        "output_format": written,
        "input_shape": list(data.frames.shape),
        "output_shape": list(y.shape),
        "frames": int(x.shape[0]),
        "durations_ms": data.durations,
        "op": opts.op,
        "map": opts.output,
        "boundary": opts.boundary,
        "gray": opts.gray,
        "range": [float(y.min()), float(y.max())],
        "seconds": {"read": round(t1 - t0, 6), "filter": round(t2 - t1, 6), "write": round(t3 - t2, 6)},
    }
