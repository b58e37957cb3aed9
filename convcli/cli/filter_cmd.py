"""``convcli filter``: convolve images with one kernel."""

from __future__ import annotations

import functools
from typing import Annotated, Literal

import typer

from convcli.cli import options as opt
from convcli.cli.app import app
from convcli.cli.output import finish_batch, print_table

EXAMPLES = """
Examples:

  convcli filter samples/camera.png --kernel gaussian:sigma=2 -o blur.png

  convcli filter samples/camera.png --kernel sobel-x --output-range abs -o gx.png

  convcli filter 'photos/*.jpg' --kernel box:5 --out-dir smoothed --jobs 2

  cat in.png | convcli filter - --kernel "3x3:0,-1,0,-1,5,-1,0,-1,0" -o - > sharp.png

  convcli filter clip.gif --kernel gaussian3d:sigma=1 -o smooth.gif

  convcli filter ct.tif --kernel box3d:3 --depth 16 -o ct_box.tif

  convcli filter slices/ --stack --kernel sobel-x --output-range abs -o edges/

  convcli filter rgb.png --kernel bank.npy -o features.npy      (4-D K[out, 3, kh, kw]; --groups G)
"""


@app.command("filter", epilog=EXAMPLES)
def filter_command(
    inputs: opt.Inputs,
    kernel: Annotated[str, typer.Option(
        "--kernel", "-k", help="Kernel SPEC: a built-in (gaussian:sigma=2, sobel-x, box:5, ...; see "
        "`convcli kernels`), inline WxH:v,v,..., @file.txt or file.npy.", show_default=False)],
    output: opt.Output = None,
    out_dir: opt.OutDir = None,
    mode: opt.Mode = "conv",
    padding: opt.Padding = "same",
    boundary: opt.Boundary = "reflect",
    stride: opt.Stride = "1",
    dilation: opt.Dilation = "1",
    groups: Annotated[int, typer.Option(
        "--groups", min=1, help="With a 4-D .npy kernel K[out, in/G, kh, kw]: G groups of channels.")] = 1,
    method: Annotated[Literal["auto", "direct", "separable", "fft"], typer.Option(
        "--method", help="Algorithm (all give the same result to rounding; auto picks by kernel size "
        "and rank; --report shows the choice).")] = "auto",
    output_range: opt.OutputRange = "clip",
    depth: opt.Depth = "8",
    nan: opt.Nan = "error",
    normalize: opt.Normalize = False,
    alpha: Annotated[Literal["carry", "filter"], typer.Option(
        "--alpha", help="Alpha channel: carried through unfiltered, or filtered.")] = "carry",
    double: opt.Double = False,
    report: Annotated[bool, typer.Option(
        "--report", help="Show shapes, kernel, multiply-adds and time (a table; JSON with --json).")] = False,
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
    volume: Annotated[bool, typer.Option(
        "--volume", "--stack", help="Each input is a stack: a 3-D .npy is (D, H, W) rather than (H, W, C), a "
        "folder is one stack of numbered slices. Multi-page TIFF and animated GIF/APNG are stacks anyway; "
        "a 2-D kernel filters each frame, a 3-D kernel (gaussian3d, WxHxD:...) also across frames.")] = False,
) -> None:
    """Convolve images with one kernel (2-D; a 1-D kernel filters along rows; a 4-D .npy kernel
    K[out, in, kh, kw] maps in channels to out channels: up to 4 as an image, more to .npy/.npz or,
    with --out-dir, one image per channel), or stacks and volumes (multi-page TIFF, animated GIF/APNG,
    .npy, folders of slices) frame by frame or with a 3-D kernel."""
    from convcli.batch import plan_jobs, prepare_out_dir, run_jobs
    from convcli.conventions import per_axis
    from convcli.errors import UsageError
    from convcli.filtering import FilterOptions, filter_file, image_kernel
    from convcli.io.images import output_format
    from convcli.kernelspec import parse_kernel
    from convcli.multichannel import check_groups

    k = parse_kernel(kernel)
    k = k if k.ndim == 3 else image_kernel(k, kernel)  # volumes (issue 9): a 3-D kernel filters stacks
    check_groups(k.shape, groups)
    if k.ndim == 4 and alpha == "filter":
        raise UsageError("--alpha filter needs a 2-D kernel; a 4-D kernel carries alpha through")
    n_axes = 3 if k.ndim == 3 else 2
    options = FilterOptions(
        kernel=k, kernel_spec=kernel, mode=mode, padding=padding, boundary=boundary,
        stride=per_axis("--stride", stride, n_axes), dilation=per_axis("--dilation", dilation, n_axes),
        method=method, output_range=output_range, depth=depth, nan=nan, normalize=normalize, alpha=alpha,
        fmt=fmt, force=force, max_pixels=max_pixels, allow_truncated=allow_truncated,
        dtype="float64" if double else "float32", volume=volume, groups=groups,
        split_channels=out_dir is not None, report=report or json_out,
    )
    if volume or k.ndim == 3:  # volumes (issue 9): folders are stacks; outputs may be folders of slices
        from convcli.io.stacks import stack_output_format as output_format
        from convcli.stack_filtering import plan_stack_jobs

        job_list = plan_stack_jobs(inputs, output=output, out_dir=out_dir, suffix=suffix, fmt=fmt,
                                   recursive=recursive)
    else:
        job_list = plan_jobs(inputs, output=output, out_dir=out_dir, suffix=suffix, fmt=fmt, recursive=recursive)
    for job in job_list:
        output_format(job.dst, fmt)
    to_stdout = any(job.dst == "-" for job in job_list)
    if to_stdout and json_out:
        raise UsageError("--json prints to stdout, which already carries the image (-o -)")
    prepare_out_dir(out_dir, job_list)
    result = run_jobs(job_list, functools.partial(filter_file, opts=options), n_jobs=jobs,
                      fail_fast=fail_fast, progress=not quiet)
    if report and not json_out:
        for rep in result.reports:
            _print_report(rep, err=to_stdout)
    finish_batch(result, total=len(job_list), json_out=json_out, quiet=quiet)


def _print_report(rep: dict, *, err: bool) -> None:
    secs = rep["seconds"]
    rows = [
        ("input", f"{rep['input']}  {'x'.join(map(str, rep['input_shape']))}"),
        ("output", f"{rep['output']}  {'x'.join(map(str, rep['output_shape']))}"),
        ("kernel", f"{rep['kernel']}  ({'x'.join(map(str, rep['kernel_shape']))})"),
        ("geometry", f"mode={rep['mode']} padding={rep['padding']} boundary={rep['boundary']} "
                     f"stride={','.join(map(str, rep['stride']))} dilation={','.join(map(str, rep['dilation']))}"),
        ("method", rep["method"]),
        ("multiply-adds", f"{rep['multiply_adds']:,}"),
        ("time", f"filter {secs['filter'] * 1e3:.1f} ms, read {secs['read'] * 1e3:.1f} ms, "
                 f"write {secs['write'] * 1e3:.1f} ms"),
    ]
    rows += _direct_vs_dense_rows(rep.get("direct_vs_dense"))
    print_table("convcli filter", rows, err=err)


def _direct_vs_dense_rows(c: dict | None) -> list[tuple[str, str]]:
    """The direct convolution vs dense matrix rows of ``--report`` (issue 5)."""
    if not c:
        return []
    from convcli.convmatrix import format_bytes

    rate = c.get("direct_flops_per_second")
    dense_s = c.get("dense_seconds_at_measured_rate")
    return [
        ("direct conv", f"{c['direct_flops']:,} FLOPs, {c['parameters']:,} parameters"
                        + (f", {rate / 1e6:,.1f} MFLOP/s measured" if rate else "")),
        ("dense matrix", f"{c['dense_rows']:,} x {c['dense_cols']:,} = {c['dense_entries']:,} entries "
                         f"({format_bytes(c['dense_bytes_float32'])} float32), {c['dense_nonzeros']:,} nonzero"),
        ("dense vs direct", f"{c['dense_flops']:,} FLOPs = {c['dense_over_direct']:,.0f}x"
                            + (f", ~{dense_s:,.1f} s at this run's rate" if dense_s else "")),
    ]
