"""Applying a stack of layers to image files: read, run the layers, write, report the stages."""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np

from convcli.io.atomic import check_target
from convcli.io.channels import WriteOptions, write_result
from convcli.io.images import DEFAULT_MAX_PIXELS, read_image
from convcli.layer import LayerSpec, run_layers


@dataclass(frozen=True)
class LayerOptions:
    """Everything ``convcli layer`` passes down for one file (picklable for worker processes)."""

    layers: tuple[LayerSpec, ...]
    normalize: bool = False
    nan: str = "error"
    dtype: str = "float32"
    write: WriteOptions = field(default_factory=WriteOptions)
    max_pixels: int | None = DEFAULT_MAX_PIXELS
    allow_truncated: bool = False


def layer_file(job, opts: LayerOptions) -> dict:
    """Read ``job.src``, apply the layers, write ``job.dst``; the report lists every stage's shape.

    Alpha is dropped: after a layer the channels are features, not colours.
    """
    if not opts.write.split_channels:
        check_target(job.dst, force=opts.write.force, inputs=(job.src,))
    t0 = time.perf_counter()
    data = read_image(job.src, max_pixels=opts.max_pixels, allow_truncated=opts.allow_truncated)
    x = data.pixels
    if opts.normalize and data.full_scale:
        x = x.astype(np.float64) / data.full_scale
    t1 = time.perf_counter()
    stages: list[dict] = []

    def record(number: int, stage: str, arr: np.ndarray) -> None:
        stages.append({"layer": number, "stage": stage, "shape": list(arr.shape),
                       "min": float(np.min(arr)), "max": float(np.max(arr))})

    y = run_layers(x, opts.layers, dtype=np.dtype(opts.dtype), nan=opts.nan, on_stage=record)
    t2 = time.perf_counter()
    full_scale = 1.0 if (opts.normalize and data.full_scale) else data.full_scale
    written = write_result(job.src, job.dst, y, opts.write, full_scale=full_scale)
    t3 = time.perf_counter()
    return {
        "input": job.src,
        "output": written[0] if len(written) == 1 else written,
        "input_shape": list(data.pixels.shape),
        "output_shape": list(y.shape),
        "layers": [{"kernel": s.kernel_spec, "kernel_shape": list(s.kernel.shape), "detector": s.detector,
                    "pool": s.pool} for s in opts.layers],
        "stages": stages,
        "seconds": {"read": round(t1 - t0, 6), "layers": round(t2 - t1, 6), "write": round(t3 - t2, 6)},
    }
