"""Filtering image files: read, convolve every channel (alpha carried through), write, report."""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np

from convcli.conventions import axes_for, per_axis
from convcli.convolve import convolve
from convcli.errors import UsageError
from convcli.io.atomic import check_target
from convcli.io.channels import WriteOptions, write_result
from convcli.io.images import DEFAULT_MAX_PIXELS, ImageData, read_image
from convcli.methods import select_method
from convcli.opcount import direct_vs_dense


@dataclass(frozen=True)
class FilterOptions:
    """Everything ``convcli filter`` passes down for one file (picklable for worker processes)."""

    kernel: np.ndarray
    kernel_spec: str = ""
    mode: str = "conv"
    padding: str = "same"
    boundary: str = "reflect"
    stride: tuple[int, ...] = (1,)
    dilation: tuple[int, ...] = (1,)
    method: str = "auto"
    output_range: str = "clip"
    depth: str = "8"
    nan: str = "error"
    normalize: bool = False
    alpha: str = "carry"
    fmt: str | None = None
    force: bool = False
    max_pixels: int | None = DEFAULT_MAX_PIXELS
    allow_truncated: bool = False
    dtype: str = "float32"
    volume: bool = False  # volumes (issue 9): each input is a stack (3-D .npy = (D, H, W), folder = slices)
    groups: int = 1
    split_channels: bool = False
    report: bool = True  # add the direct-vs-dense comparison to the report (--report/--json only)


def image_kernel(kernel: np.ndarray, spec: str | None = None) -> np.ndarray:
    """Kernels for images are 2-D (a 1-D kernel filters along rows, a 1xN kernel) or 4-D ``K[out, in, kh, kw]``.

    ``spec``, when it names a kernel file (``@k.txt``, ``k.npy``), is named in the error.
    """
    if kernel.ndim == 4:
        return kernel
    if kernel.ndim == 1:
        return kernel.reshape(1, -1)
    if kernel.ndim != 2:
        source = None
        if spec and (spec.strip().startswith("@") or spec.strip().lower().endswith(".npy")):
            source = spec.strip().lstrip("@")
        raise UsageError(f"a {kernel.ndim}-D kernel {kernel.shape} cannot filter a 2-D image "
                         "(3-D kernels are for volumes, 4-D for multi-channel layers)", source)
    return kernel


def filter_array(data: ImageData, opts: FilterOptions) -> tuple[np.ndarray, np.ndarray | None, dict]:
    """Filter one decoded image; returns the result, the carried (or filtered) alpha and facts."""
    kernel = image_kernel(opts.kernel)
    x = data.pixels
    if opts.normalize and data.full_scale:
        x = x.astype(np.float64) / data.full_scale
    common = dict(mode=opts.mode, padding=opts.padding, boundary=opts.boundary, stride=opts.stride,
                  dilation=opts.dilation, method=opts.method, dtype=np.dtype(opts.dtype))
    # integer samples cannot be NaN or Inf: skip the check (it costs a full-size temporary)
    nan = "propagate" if x.dtype.kind in "biu" else opts.nan
    y = convolve(x, kernel, nan=nan, groups=opts.groups, **common)
    alpha = data.alpha
    if alpha is not None:
        if opts.alpha == "filter" and kernel.ndim == 2:
            alpha = convolve(alpha, kernel, nan="error", **common)
        else:
            ay, ax = axes_for(alpha.shape, kernel.shape[-2:], per_axis("stride", opts.stride, 2),
                              per_axis("dilation", opts.dilation, 2), opts.padding)
            alpha = alpha[np.ix_(ay.centers(), ax.centers())]
    channels = 1 if y.ndim == 2 else y.shape[2]
    facts = {
        "kernel_shape": list(kernel.shape),
        "method": "direct" if kernel.ndim == 4 else select_method(kernel, mode=opts.mode, method=opts.method,
                                                                   dtype=np.dtype(opts.dtype)),
        "multiply_adds": int(y.shape[0] * y.shape[1] * (kernel.size if kernel.ndim == 4 else channels * kernel.size)),
    }
    return y, alpha, facts


def filter_file(job, opts: FilterOptions) -> dict:
    """Read ``job.src``, filter it, write ``job.dst`` atomically; return a report (JSON-ready)."""
    from convcli.io.spectrogram_files import is_spectrogram_npz

    if is_spectrogram_npz(job.src):  # a spectrogram .npz: filter the magnitude, keep the phase (issue 6)
        from convcli.spectrogram import filter_spectrogram_file

        return filter_spectrogram_file(job, opts)
    if opts.volume or opts.kernel.ndim == 3 or _is_stack(job.src):  # volumes (issue 9)
        from convcli.stack_filtering import filter_stack_file

        return filter_stack_file(job, opts)
    check_target(job.dst, force=opts.force, inputs=(job.src,))
    t0 = time.perf_counter()
    data = read_image(job.src, max_pixels=opts.max_pixels, allow_truncated=opts.allow_truncated)
    t1 = time.perf_counter()
    y, alpha, facts = filter_array(data, opts)
    t2 = time.perf_counter()
    if opts.report:
        facts["direct_vs_dense"] = direct_vs_dense(
            data.pixels.shape, image_kernel(opts.kernel), seconds=t2 - t1, mode=opts.mode, padding=opts.padding,
            boundary=opts.boundary, stride=opts.stride, dilation=opts.dilation)
    full_scale = 1.0 if (opts.normalize and data.full_scale) else data.full_scale
    written = write_result(job.src, job.dst, y, WriteOptions(opts.depth, opts.output_range, opts.fmt, opts.force,
                                                             opts.split_channels),
                           alpha=alpha, full_scale=full_scale, alpha_scale=data.full_scale)
    t3 = time.perf_counter()
    return {
        "input": job.src,
        "output": written[0] if len(written) == 1 else written,
        "input_shape": list(data.pixels.shape),
        "output_shape": list(y.shape),
        "alpha": data.alpha is not None,
        "kernel": opts.kernel_spec,
        **facts,
        "mode": opts.mode,
        "padding": opts.padding,
        "boundary": opts.boundary,
        "stride": list(opts.stride),
        "dilation": list(opts.dilation),
        "seconds": {"read": round(t1 - t0, 6), "filter": round(t2 - t1, 6), "write": round(t3 - t2, 6)},
    }


def _is_stack(path: str) -> bool:
    """Multi-page TIFF and animated GIF/APNG are stacks (volumes, issue 9)."""
    from convcli.stack_filtering import is_stack_input

    return is_stack_input(path)
