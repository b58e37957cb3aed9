"""Running locally connected and tiled layers on image files (for ``convcli local`` / ``convcli tiled``)."""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np

from convcli.conventions import Axis
from convcli.errors import DataError, UsageError
from convcli.io.atomic import check_target
from convcli.io.images import DEFAULT_MAX_PIXELS, read_image, write_image
from convcli.unshared import (
    local_weights_from_kernel,
    locally_connected,
    random_local_weights,
    random_tiled_kernels,
    tiled_convolve,
    tiled_kernels_from_kernel,
)

OPS = ("local", "tiled")
INITS = ("random", "from-kernel")


@dataclass(frozen=True)
class UnsharedOptions:
    """Everything one file needs (picklable for worker processes).

    ``weights`` are given, or made for each input by ``init``: ``random`` (normal, scale
    ``1/sqrt(fan_in)``, ``seed``) with ``size``, ``out_channels`` (None: the input's) and, for
    ``tiled``, ``tile``; or ``from-kernel`` repeating ``kernel`` as ``filter`` applies it in ``mode``.
    """

    op: str
    weights: np.ndarray | None = None
    init: str | None = None
    kernel: np.ndarray | None = None
    size: tuple[int, int] = (3, 3)
    out_channels: int | None = None
    tile: tuple[int, int] = (2, 2)
    seed: int = 0
    mode: str = "conv"
    stride: tuple[int, int] = (1, 1)
    save_weights: str | None = None
    output_range: str = "clip"
    depth: str = "8"
    fmt: str | None = None
    force: bool = False
    max_pixels: int | None = DEFAULT_MAX_PIXELS
    allow_truncated: bool = False
    dtype: str = "float32"


def make_weights(opts: UnsharedOptions, in_shape: tuple[int, ...]) -> np.ndarray:
    """The weights for an input of ``in_shape`` (given, or made by ``opts.init``), as float32."""
    if opts.weights is not None:
        return opts.weights
    channels = in_shape[2] if len(in_shape) == 3 else 1
    if opts.op == "local":
        if opts.init == "from-kernel":
            w = local_weights_from_kernel(in_shape, opts.kernel, stride=opts.stride, mode=opts.mode)
        else:
            w = random_local_weights(in_shape, opts.size, out_channels=opts.out_channels or channels,
                                     stride=opts.stride, seed=opts.seed)
    elif opts.init == "from-kernel":
        w = tiled_kernels_from_kernel(channels, opts.kernel, opts.tile, mode=opts.mode)
    else:
        w = random_tiled_kernels(channels, opts.size, opts.tile, out_channels=opts.out_channels or channels,
                                 seed=opts.seed)
    # what is saved is what is used
    return w.astype(np.float32)


def unshared_file(job, opts: UnsharedOptions) -> dict:
    """Read ``job.src``, apply the layer, write ``job.dst`` (if any) and ``opts.save_weights``; report."""
    from convcli.kernel_info import save_kernel

    inputs = (job.src,)
    if job.dst is not None:
        check_target(job.dst, force=opts.force, inputs=inputs)
    if opts.save_weights:
        check_target(opts.save_weights, force=opts.force, inputs=inputs)
    t0 = time.perf_counter()
    data = read_image(job.src, max_pixels=opts.max_pixels, allow_truncated=opts.allow_truncated)
    x = data.pixels
    try:
        weights = make_weights(opts, x.shape)
    except UsageError as exc:  # weights that do not fit this file: a data problem, not a bad option
        raise DataError(exc.message) from None
    if opts.save_weights:
        save_kernel(opts.save_weights, weights)
    t1 = time.perf_counter()
    report = {
        "input": job.src,
        "output": job.dst,
        "op": opts.op,
        "input_shape": list(x.shape),
        "weights_shape": list(weights.shape),
        "parameters": int(weights.size),
        "saved_weights": opts.save_weights,
        "stride": list(opts.stride),
    }
    if job.dst is None:
        report["seconds"] = {"layer": round(t1 - t0, 6)}
        return report
    func = locally_connected if opts.op == "local" else tiled_convolve
    try:
        y = func(x, weights, stride=opts.stride, dtype=np.dtype(opts.dtype))
    except UsageError as exc:
        raise DataError(exc.message) from None
    if y.shape[2] == 1:
        y = y[:, :, 0]
    t2 = time.perf_counter()
    alpha = data.alpha
    if alpha is not None:
        kh, kw = weights.shape[4:6] if opts.op == "local" else weights.shape[2:4]
        ay = Axis(alpha.shape[0], kh, opts.stride[0], 1, "valid")
        ax = Axis(alpha.shape[1], kw, opts.stride[1], 1, "valid")
        alpha = alpha[np.ix_(ay.centers(), ax.centers())]
    write_image(job.dst, y, alpha=alpha, alpha_scale=data.full_scale, depth=opts.depth,
                output_range=opts.output_range, full_scale=data.full_scale, fmt=opts.fmt)
    t3 = time.perf_counter()
    report["output_shape"] = list(y.shape)
    report["multiply_adds"] = int(np.prod(y.shape) * np.prod(weights.shape[3:] if opts.op == "local"
                                                              else weights.shape[1:4]))
    report["seconds"] = {"read": round(t1 - t0, 6), "layer": round(t2 - t1, 6), "write": round(t3 - t2, 6)}
    return report
