"""``convcli check``: is convolution equivariant to translation (yes), rotation and scaling (no)? Is max
pooling invariant to small shifts (nearly)?"""

from __future__ import annotations

import functools
from typing import Annotated

import typer

from convcli.cli import options as opt
from convcli.cli.app import app
from convcli.cli.output import finish_batch

EXAMPLES = """
Examples:

  convcli check samples/camera.png --kernel sobel-x --shift 3,5

  convcli check samples/camera.png --kernel gaussian:sigma=2 --shift 10,-4 --boundary wrap

  convcli check samples/brick.png --kernel scharr-y --pool-size 3 --json
"""


@app.command("check", epilog=EXAMPLES)
def check_command(
    inputs: opt.Inputs,
    kernel: Annotated[str, typer.Option("--kernel", "-k", help="Kernel SPEC (2-D, or a 4-D .npy).",
                                        show_default=False)],
    shift: Annotated[str, typer.Option("--shift", help="The translation DY,DX in pixels (circular).")] = "3,5",
    boundary: opt.Boundary = "reflect",
    mode: opt.Mode = "conv",
    pool_size: Annotated[int, typer.Option("--pool-size", min=1, help="Max-pooling window for the "
                                           "invariance to 1-pixel shifts.")] = 3,
    pool_stride: Annotated[int, typer.Option("--pool-stride", min=1, help="Max-pooling step.")] = 1,
    json_out: opt.Json = False,
    quiet: opt.Quiet = False,
    jobs: opt.Jobs = 1,
    recursive: opt.Recursive = False,
    fail_fast: opt.FailFast = False,
    max_pixels: opt.MaxPixels = 178_956_970,
    allow_truncated: opt.AllowTruncated = False,
) -> None:
    """Measure conv(shift(x)) vs shift(conv(x)) (about 0: equivariant), the same for a 90-degree rotation and
    a 2x scaling (not 0 unless the kernel is symmetric), and how little max pooling changes for 1-pixel shifts."""
    from convcli.batch import plan_jobs, run_jobs
    from convcli.check_files import CheckOptions, check_file
    from convcli.conventions import per_axis
    from convcli.filtering import image_kernel
    from convcli.kernelspec import parse_kernel

    k = image_kernel(parse_kernel(kernel))
    dy, dx = per_axis("--shift", shift, 2, minimum=-(1 << 30))
    options = CheckOptions(kernel=k, kernel_spec=kernel, shift=(dy, dx), boundary=boundary, mode=mode,
                           pool_size=pool_size, pool_stride=pool_stride, max_pixels=max_pixels,
                           allow_truncated=allow_truncated)
    job_list = plan_jobs(inputs, output=None, out_dir=None, recursive=recursive, need_output=False)
    result = run_jobs(job_list, functools.partial(check_file, opts=options), n_jobs=jobs, fail_fast=fail_fast,
                      progress=not quiet, label="checking")
    if not json_out and not quiet:
        for rep in result.reports:
            _print_report(rep)
    finish_batch(result, total=len(job_list), json_out=json_out, quiet=quiet)


def _print_report(rep: dict) -> None:
    from rich.console import Console
    from rich.table import Table

    dy, dx = rep["shift"]
    p = rep["pooling"]
    table = Table(title=f"convcli check {rep['input']}: kernel {rep['kernel']}, boundary {rep['boundary']}",
                  title_justify="left", caption_justify="left",
                  caption="Expected: translation ~0 (convolution is equivariant); rotation and scaling not 0 "
                          "unless the kernel has that symmetry; pooled changes smaller than unpooled.")
    for name in ("property", "rel. error", "max |diff|", "compared"):
        table.add_column(name)
    for name, key in ((f"translation ({dy}, {dx})", "translation"), ("rotation 90 degrees", "rotation90"),
                      ("scaling 2x", "scale2")):
        r = rep[key]
        table.add_row(name, f"{r['error']:.3g}", f"{r['max_abs']:.3g}", r["compared"])
    table.add_row("1-px shifts, unpooled", f"{p['unpooled_change']:.3g}",
                  f"{100 * p['unpooled_changed_fraction']:.1f}% changed", "same positions")
    table.add_row(f"1-px shifts, {p['pool'].replace(' stride ', '/')}", f"{p['pooled_change']:.3g}",
                  f"{100 * p['pooled_changed_fraction']:.1f}% changed", "same positions")
    Console(highlight=False).print(table)
