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
    method: Annotated[Literal["auto", "direct", "separable", "fft"], typer.Option(
        "--method", help="Algorithm (all give the same result to rounding; auto picks by kernel size "
        "and rank; --report shows the choice).")] = "auto",
    output_range: opt.OutputRange = "clip",
    depth: opt.Depth = "8",
    nan: opt.Nan = "error",
    normalize: Annotated[bool, typer.Option(
        "--normalize", help="Work in 0..1 instead of the input's units (0-255, 0-65535).")] = False,
    alpha: Annotated[Literal["carry", "filter"], typer.Option(
        "--alpha", help="Alpha channel: carried through unfiltered, or filtered.")] = "carry",
    double: Annotated[bool, typer.Option("--double", help="Compute in float64 instead of float32.")] = False,
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
) -> None:
    """Convolve images with one kernel (2-D; a 1-D kernel filters along rows)."""
    from convcli.batch import plan_jobs, prepare_out_dir, run_jobs
    from convcli.conventions import per_axis
    from convcli.errors import UsageError
    from convcli.filtering import FilterOptions, filter_file, image_kernel
    from convcli.io.images import output_format
    from convcli.kernelspec import parse_kernel

    k = image_kernel(parse_kernel(kernel))
    options = FilterOptions(
        kernel=k, kernel_spec=kernel, mode=mode, padding=padding, boundary=boundary,
        stride=per_axis("--stride", stride, 2), dilation=per_axis("--dilation", dilation, 2),
        method=method, output_range=output_range, depth=depth, nan=nan, normalize=normalize, alpha=alpha,
        fmt=fmt, force=force, max_pixels=max_pixels, allow_truncated=allow_truncated,
        dtype="float64" if double else "float32",
    )
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
    print_table("convcli filter", rows, err=err)
