"""Filtering stacks: volumes, multi-page TIFF, animations and folders of slices.

A 2-D kernel filters each frame alone (exactly the per-frame loop); a 3-D kernel ``(D, H, W)``
filters across frames too (time or depth). Alpha is carried through (the sample at each output
position's kernel centre) or filtered like the colour channels. Frame durations follow the
frames: each output frame keeps the duration of the input frame at its centre, times the depth
stride.
"""

from __future__ import annotations

import os
import time

import numpy as np

from convcli.batch import IMAGE_EXTENSIONS, Job, expand_inputs
from convcli.conventions import Axis, axes_for, per_axis
from convcli.convolve import convolve
from convcli.errors import UsageError
from convcli.io.atomic import STDIO
from convcli.io.stacks import FOLDER, StackData, check_stack_target, read_stack, stack_output_format, write_stack
from convcli.volume import chosen_method, convolve_frames


def stack_kernel(kernel: np.ndarray) -> np.ndarray:
    """2-D (per frame; a 1-D kernel filters along rows) or 3-D (across frames) kernels for stacks."""
    if kernel.ndim == 1:
        return kernel.reshape(1, -1)
    if kernel.ndim not in (2, 3):
        raise UsageError(f"a {kernel.ndim}-D kernel {kernel.shape} cannot filter a stack "
                         "(2-D kernels filter each frame, 3-D kernels across frames)")
    return kernel


def frame_axes(shape: tuple[int, ...], kernel_shape: tuple[int, ...], stride, dilation,
               padding: str) -> tuple[Axis, ...]:
    """The geometry of a stack's axes (depth included) for a 2-D or 3-D kernel.

    A 2-D kernel leaves the depth axis as it is; ``stride``/``dilation`` have 1 value, or one per
    kernel axis.
    """
    nk = len(kernel_shape)
    axes = axes_for(shape[3 - nk:3], kernel_shape, per_axis("stride", stride, nk),
                    per_axis("dilation", dilation, nk), padding)
    return axes if nk == 3 else (Axis(shape[0], 1),) + axes


def carry_alpha(alpha: np.ndarray, axes: tuple[Axis, ...]) -> np.ndarray:
    """The alpha sample at each output position's kernel centre (unfiltered)."""
    az, ay, ax = axes
    return alpha[np.ix_(az.centers(), ay.centers(), ax.centers())]


def filter_stack(data: StackData, opts) -> tuple[np.ndarray, np.ndarray | None, list[float] | None, dict]:
    """Filter a decoded stack with ``opts`` (:class:`convcli.filtering.FilterOptions`).

    Returns the result ``(D', H', W'[, C])``, the alpha, the output frame durations and facts.
    """
    kernel = stack_kernel(opts.kernel)
    x = data.frames
    if opts.normalize and data.full_scale:
        x = x.astype(np.float64) / data.full_scale
    common = dict(mode=opts.mode, padding=opts.padding, boundary=opts.boundary, stride=opts.stride,
                  dilation=opts.dilation, method=opts.method, dtype=np.dtype(opts.dtype))
    run = convolve if kernel.ndim == 3 else convolve_frames
    y = run(x, kernel, nan=opts.nan, **common)
    axes = frame_axes(x.shape, kernel.shape, opts.stride, opts.dilation, opts.padding)
    alpha = data.alpha
    if alpha is not None:
        alpha = run(alpha, kernel, nan="error", **common) if opts.alpha == "filter" else carry_alpha(alpha, axes)
    durations = frame_durations(data.durations, axes[0].centers(), axes[0].stride)
    channels = 1 if y.ndim == 3 else y.shape[3]
    method = chosen_method(kernel, opts.method)
    taps = sum(kernel.shape) if method == "separable" else kernel.size
    facts = {
        "kernel_shape": list(kernel.shape),
        "frames": int(x.shape[0]),
        "output_frames": int(y.shape[0]),
        "method": method,
        "multiply_adds": int(np.prod(y.shape[:3], dtype=np.int64) * channels * taps),
        "filtered_across_frames": kernel.ndim == 3,
    }
    return y, alpha, durations, facts


def filter_stack_file(job: Job, opts) -> dict:
    """Read a stack, filter it, write it in the output's format; return a report (JSON-ready)."""
    check_stack_target(job.dst, force=opts.force, inputs=(job.src,))
    t0 = time.perf_counter()
    data = read_stack(job.src, volume=opts.volume or opts.kernel.ndim == 3, max_pixels=opts.max_pixels,
                      allow_truncated=opts.allow_truncated)
    t1 = time.perf_counter()
    y, alpha, durations, facts = filter_stack(data, opts)
    t2 = time.perf_counter()
    full_scale = 1.0 if (opts.normalize and data.full_scale) else data.full_scale
    written = write_stack_like(job.dst, y, data, alpha=alpha, durations=durations, depth=opts.depth,
                               output_range=opts.output_range, full_scale=full_scale, fmt=opts.fmt)
    t3 = time.perf_counter()
    return {
        "input": job.src,
        "output": job.dst,
        "input_format": data.format,
        "output_format": written,
        "input_shape": list(data.frames.shape),
        "output_shape": list(y.shape),
        "alpha": data.alpha is not None,
        "durations_ms": durations,
        "kernel": opts.kernel_spec,
        **facts,
        "mode": opts.mode,
        "padding": opts.padding,
        "boundary": opts.boundary,
        "stride": list(opts.stride),
        "dilation": list(opts.dilation),
        "seconds": {"read": round(t1 - t0, 6), "filter": round(t2 - t1, 6), "write": round(t3 - t2, 6)},
    }


def is_stack_input(path: str) -> bool:
    """Multi-page TIFF and animated GIF/APNG are stacks whatever the flags (cheap: headers only)."""
    if not path.lower().endswith((".tif", ".tiff", ".gif", ".png", ".apng")):
        return False
    from convcli.io.stacks import is_stack_file

    return is_stack_file(path)


def frame_durations(durations, centers, stride: int) -> list[float] | None:
    """Output frame durations: the input frame's at each output's window centre, times the depth stride."""
    if durations is None:
        return None
    return [float(durations[int(i)]) * stride for i in centers]


def write_stack_like(dst: str, y: np.ndarray, data: StackData, *, alpha, durations, depth: str,
                     output_range: str, full_scale, fmt: str | None) -> str:
    """Write a command's result stack with the input's alpha scale and loop count; the format written."""
    return write_stack(dst, y, alpha=alpha, alpha_scale=data.full_scale, depth=depth, output_range=output_range,
                       full_scale=full_scale, fmt=fmt, durations=durations, loop=data.info.get("loop", 0))


def plan_stack_jobs(inputs, *, output: str | None, out_dir: str | None, suffix: str = "",
                    fmt: str | None = None, recursive: bool = False) -> list[Job]:
    """Pair each stack input with its output: like :func:`convcli.batch.plan_jobs`, except that a
    folder is one stack of slices (not many images). In ``--out-dir`` a folder's result is a folder
    of slices named after it (or a file with ``--format``), a file's result keeps its extension."""
    if output is not None and out_dir is not None:
        raise UsageError("give either -o/--output or --out-dir, not both")
    pairs: list[tuple[str, str, bool]] = []
    for item in inputs:
        if item != STDIO and os.path.isdir(item):
            pairs.append((item, os.path.basename(os.path.normpath(item)), True))
        else:
            pairs.extend((src, rel, False) for src, rel in expand_inputs([item], recursive=recursive))
    if output is not None:
        if len(pairs) > 1:
            raise UsageError(f"{len(pairs)} inputs but one -o/--output; use --out-dir for many inputs")
        jobs = [Job(pairs[0][0], output)]
    elif out_dir is None:
        raise UsageError("say where the result goes: -o FILE (- for stdout) or --out-dir DIR")
    else:
        jobs, seen = [], {}
        for src, rel, is_folder in pairs:
            stem, ext = (rel, "") if is_folder else os.path.splitext(rel)
            if fmt:
                ext = "." + fmt.lower().lstrip(".")
            elif not is_folder and ext.lower() not in IMAGE_EXTENSIONS:
                ext = ".tif"
            dst = os.path.join(out_dir, stem + suffix + ext)
            if dst in seen:
                raise UsageError(f"{seen[dst]} and {src} would both be written to {dst}; use --suffix or --format")
            seen[dst] = src
            jobs.append(Job(src, dst))
    for job in jobs:
        if stack_output_format(job.dst, fmt) == FOLDER and job.dst != STDIO and os.path.isfile(job.dst):
            raise UsageError(f"cannot write a folder of slices over the file {job.dst}")
    return jobs
