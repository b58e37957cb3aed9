"""Writing results with any number of channels: 1-4 as an image, more as ``.npy``/``.npz`` or one image
file per channel (``STEM_c00.png``, ``STEM_c01.png``, ...)."""

from __future__ import annotations

import os
from dataclasses import dataclass

import numpy as np

from convcli.errors import OutputError
from convcli.io.atomic import STDIO, check_target
from convcli.io.images import output_format, write_image


@dataclass(frozen=True)
class WriteOptions:
    """How a result is written (picklable, for worker processes)."""

    depth: str = "8"
    output_range: str = "clip"
    fmt: str | None = None
    force: bool = False
    split_channels: bool = False


def channel_paths(dst: str, channels: int) -> list[str]:
    """``out/x.png`` -> ``out/x_c00.png``, ``out/x_c01.png``, ... (at least two digits)."""
    stem, ext = os.path.splitext(dst)
    digits = max(2, len(str(channels - 1)))
    return [f"{stem}_c{i:0{digits}d}{ext}" for i in range(channels)]


def write_result(src: str, dst: str, y: np.ndarray, opts: WriteOptions, *, alpha: np.ndarray | None = None,
                 full_scale: float | None = None, alpha_scale: float | None = None) -> list[str]:
    """Write ``y`` to ``dst`` (or to one file per channel); returns the paths written.

    More than 4 channels to an image format: one file per channel when ``opts.split_channels``
    (``--out-dir``), else an :class:`OutputError` that says what to do.
    """
    fmt = output_format(dst, opts.fmt)
    channels = y.shape[2] if y.ndim == 3 else 1
    extra = 0 if alpha is None else 1
    if y.ndim == 3 and channels + extra > 4 and fmt not in ("npy", "npz"):
        if not opts.split_channels or dst == STDIO:
            raise OutputError(f"the result has {channels} channels and an image file holds 1 to 4: write .npy or "
                              ".npz, or use --out-dir for one image file per channel", dst)
        paths = channel_paths(dst, channels)
        for path in paths:
            check_target(path, force=opts.force, inputs=(src,))
        for i, path in enumerate(paths):
            write_image(path, y[:, :, i], depth=opts.depth, output_range=opts.output_range,
                        full_scale=full_scale, fmt=opts.fmt)
        return paths
    check_target(dst, force=opts.force, inputs=(src,))
    write_image(dst, y, alpha=alpha, alpha_scale=alpha_scale, depth=opts.depth, output_range=opts.output_range,
                full_scale=full_scale, fmt=opts.fmt)
    return [dst]
