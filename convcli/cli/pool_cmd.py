"""``convcli pool``: max, average or L2 pooling of images, over windows and/or groups of channels."""

from __future__ import annotations

import functools
from typing import Annotated, Literal, Optional  # noqa: UP035  (Typer reads Optional)

import typer

from convcli.cli import options as opt
from convcli.cli.app import app
from convcli.cli.output import finish_batch

EXAMPLES = """
Examples:

  convcli pool samples/camera.png --op max --size 2 -o half.png

  convcli pool samples/camera.png --op avg --size 3 --stride 1 --padding same -o smooth.png

  convcli pool features.npy --across-channels 4 -o maxed.npy

  convcli pool 'photos/*.png' --op l2 --size 4 --out-dir pooled --jobs 2

  convcli pool clip.gif --size 2 -o half.gif                 (each frame; durations kept)

  convcli pool ct.tif --size 2,2,2 --depth 16 -o ct_half.tif  (3-D: depth, rows, columns)

  convcli pool volume.npy --volume --op avg --size 3 --stride 1 --padding same -o smooth.npy

  convcli pool slices/ --stack --size 2 -o small/            (a folder of slices, frame by frame)
"""


def parse_ints(name: str, value: str | None, *, allow_pair: bool = True, allow_triple: bool = False):
    """``"3"`` -> 3, ``"2,3"`` -> (2, 3), with ``allow_triple`` ``"1,2,2"`` -> (1, 2, 2) (validated;
    a UsageError names the option)."""
    from convcli.conventions import per_axis
    from convcli.errors import UsageError

    if value is None:
        return None
    parts = [p for p in str(value).split(",")]
    if len(parts) > (3 if allow_triple else 2 if allow_pair else 1):
        what = "N, NY,NX or NZ,NY,NX" if allow_triple else "N or NY,NX" if allow_pair else "one integer"
        raise UsageError(f"{name} takes {what}; got {value!r}")
    values = per_axis(name, value, len(parts))
    return values[0] if len(values) == 1 else values


@app.command("pool", epilog=EXAMPLES)
def pool_command(
    inputs: opt.Inputs,
    output: opt.Output = None,
    out_dir: opt.OutDir = None,
    op: Annotated[Literal["max", "avg", "l2"], typer.Option(
        "--op", help="max, avg (mean) or l2 (square root of the sum of squares).")] = "max",
    size: Annotated[Optional[str], typer.Option(  # noqa: UP045
        "--size", help="Window: K or KY,KX, or KZ,KY,KX to pool stacks across frames too (default 2; none "
        "when only --across-channels is given).", show_default=False)] = None,
    stride: Annotated[Optional[str], typer.Option(  # noqa: UP045
        "--stride", help="Step between windows: S, SY,SX or SZ,SY,SX (default: the window size).",
        show_default=False)] = None,
    padding: Annotated[Literal["valid", "same"], typer.Option(
        "--padding", help="valid: whole windows only; same: ceil(n/stride) outputs, windows padded evenly.",
    )] = "valid",
    boundary: Annotated[Literal["ignore", "zero", "reflect", "mirror", "nearest", "wrap"], typer.Option(
        "--boundary", help="With same: ignore samples outside (as torch/TensorFlow), or extend like filter.")
    ] = "ignore",
    across_channels: Annotated[Optional[int], typer.Option(  # noqa: UP045
        "--across-channels", min=1, help="Also pool groups of N consecutive channels into one.")] = None,
    output_range: opt.OutputRange = "clip",
    depth: opt.Depth = "8",
    nan: opt.Nan = "error",
    fmt: opt.Format = None,
    suffix: opt.Suffix = "",
    force: opt.Force = False,
    json_out: opt.Json = False,
    quiet: opt.Quiet = False,
    jobs: opt.Jobs = 1,
    recursive: opt.Recursive = False,
    fail_fast: opt.FailFast = False,
    max_pixels: opt.MaxPixels = 178_956_970,
    allow_truncated: opt.AllowTruncated = False,
    stack: Annotated[bool, typer.Option(
        "--stack", help="Each input is a stack pooled frame by frame: a 3-D .npy is (D, H, W) rather than "
        "(H, W, C), a folder is one stack of numbered slices. Multi-page TIFF and animated GIF/APNG are "
        "stacks anyway.")] = False,
    volume: Annotated[bool, typer.Option(
        "--volume", help="As --stack, and pool across frames too (depth/time): --size K means KxKxK "
        "(a 3-value --size does this without the flag).")] = False,
) -> None:
    """Pool images: max, average or L2 over windows (downsampling with the stride), or over groups of channels;
    stacks (multi-page TIFF, animated GIF/APNG, .npy volumes, folders of slices) frame by frame or in 3-D."""
    from convcli.batch import plan_jobs, prepare_out_dir, run_jobs
    from convcli.errors import UsageError
    from convcli.io.channels import WriteOptions
    from convcli.io.images import output_format
    from convcli.pool_files import PoolOptions, pool_file
    from convcli.pool_stacks import is_3d, stack_geometry

    sizes = parse_ints("--size", size, allow_triple=True)
    if sizes is None and across_channels is None:
        sizes = 2
    strides = parse_ints("--stride", stride, allow_triple=True)
    if strides is not None and sizes is None:
        raise UsageError("--stride needs --size")
    options = PoolOptions(
        op=op, size=sizes, stride=strides, padding=padding, boundary=boundary, across_channels=across_channels,
        nan=nan, write=WriteOptions(depth=depth, output_range=output_range, fmt=fmt, force=force,
                                    split_channels=out_dir is not None),
        max_pixels=max_pixels, allow_truncated=allow_truncated, stack=stack, volume=volume,
    )
    if stack or is_3d(options):  # volumes (issue 9): folders are stacks; outputs may be folders of slices
        from convcli.io.stacks import stack_output_format as output_format
        from convcli.stack_filtering import plan_stack_jobs as plan_jobs
    stack_geometry(options)  # 3-D sizes and strides checked before any file is opened
    job_list = plan_jobs(inputs, output=output, out_dir=out_dir, suffix=suffix, fmt=fmt, recursive=recursive)
    for job in job_list:
        output_format(job.dst, fmt)
    if json_out and any(job.dst == "-" for job in job_list):
        raise UsageError("--json prints to stdout, which already carries the image (-o -)")
    prepare_out_dir(out_dir, job_list)
    result = run_jobs(job_list, functools.partial(pool_file, opts=options), n_jobs=jobs, fail_fast=fail_fast,
                      progress=not quiet, label="pooling")
    finish_batch(result, total=len(job_list), json_out=json_out, quiet=quiet)
