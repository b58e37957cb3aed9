"""``convcli layer``: one complex layer (convolution -> detector -> pooling), or a stack of them."""

from __future__ import annotations

import functools
from typing import Annotated, Literal, Optional  # noqa: UP035  (Typer reads Optional)

import typer

from convcli.cli import options as opt
from convcli.cli.app import app
from convcli.cli.output import finish_batch, print_table

EXAMPLES = """
Examples:

  convcli layer samples/camera.png --kernel sobel-x --detector abs --pool max -o edges_pooled.png

  convcli layer samples/camera.png --kernel gaussian:sigma=1 --repeat 3 --report -o small.png

  convcli layer rgb.png --kernel bank.npy --detector relu --pool max --pool-size 2 -o features.npy

  convcli layer samples/camera.png --layers stack.toml --report --json -o out.npy
"""


@app.command("layer", epilog=EXAMPLES)
def layer_command(
    inputs: opt.Inputs,
    kernel: Annotated[Optional[str], typer.Option(  # noqa: UP045
        "--kernel", "-k", help="The convolution stage's kernel SPEC (2-D, or a 4-D K[out, in, kh, kw] .npy).",
        show_default=False)] = None,
    layers: Annotated[Optional[str], typer.Option(  # noqa: UP045
        "--layers", help="A JSON or TOML file describing a stack of layers (instead of --kernel).",
        show_default=False)] = None,
    detector: Annotated[Literal["relu", "abs", "tanh", "none"], typer.Option(
        "--detector", help="The detector stage's nonlinearity.")] = "relu",
    pool: Annotated[Literal["max", "avg", "l2", "none"], typer.Option(
        "--pool", help="The pooling stage.")] = "max",
    pool_size: Annotated[str, typer.Option("--pool-size", help="Pooling window: K or KY,KX.")] = "2",
    pool_stride: Annotated[Optional[str], typer.Option(  # noqa: UP045
        "--pool-stride", help="Pooling step: S or SY,SX (default: the window size).", show_default=False)] = None,
    repeat: Annotated[int, typer.Option("--repeat", min=1, help="Apply the layer (or the stack) N times.")] = 1,
    output: opt.Output = None,
    out_dir: opt.OutDir = None,
    mode: opt.Mode = "conv",
    padding: opt.Padding = "same",
    boundary: opt.Boundary = "reflect",
    stride: opt.Stride = "1",
    dilation: opt.Dilation = "1",
    groups: Annotated[int, typer.Option("--groups", min=1, help="Channel groups of a 4-D kernel.")] = 1,
    normalize: opt.Normalize = False,
    report: Annotated[bool, typer.Option(
        "--report", help="Print the shape after each stage (a table; in the JSON with --json).")] = False,
    double: opt.Double = False,
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
) -> None:
    """One complex layer: convolution stage -> detector stage -> pooling stage (or a stack, --repeat / --layers)."""
    from convcli.batch import plan_jobs, prepare_out_dir, run_jobs
    from convcli.errors import UsageError
    from convcli.io.channels import WriteOptions
    from convcli.io.images import output_format
    from convcli.kernelspec import parse_kernel
    from convcli.layer import LayerSpec, load_layers
    from convcli.layer_files import LayerOptions, layer_file

    if (kernel is None) == (layers is None):
        raise UsageError("give either --kernel SPEC (one layer) or --layers FILE (a stack)")
    if layers is not None:
        stack = load_layers(layers)
    else:
        spec = LayerSpec(kernel=parse_kernel(kernel), kernel_spec=kernel, mode=mode, padding=padding,
                         boundary=boundary, stride=stride, dilation=dilation, groups=groups, detector=detector,
                         pool=pool, pool_size=pool_size, pool_stride=pool_stride)
        stack = [spec.validated()]
    options = LayerOptions(
        layers=tuple(stack) * repeat, normalize=normalize, nan=nan, dtype="float64" if double else "float32",
        write=WriteOptions(depth=depth, output_range=output_range, fmt=fmt, force=force,
                           split_channels=out_dir is not None),
        max_pixels=max_pixels, allow_truncated=allow_truncated,
    )
    job_list = plan_jobs(inputs, output=output, out_dir=out_dir, suffix=suffix, fmt=fmt, recursive=recursive)
    for job in job_list:
        output_format(job.dst, fmt)
    to_stdout = any(job.dst == "-" for job in job_list)
    if to_stdout and json_out:
        raise UsageError("--json prints to stdout, which already carries the image (-o -)")
    prepare_out_dir(out_dir, job_list)
    result = run_jobs(job_list, functools.partial(layer_file, opts=options), n_jobs=jobs, fail_fast=fail_fast,
                      progress=not quiet, label="layers")
    if report and not json_out:
        for rep in result.reports:
            rows = [(f"{s['layer']} {s['stage']}" if s["layer"] else s["stage"],
                     f"{'x'.join(map(str, s['shape']))}   [{s['min']:.4g}, {s['max']:.4g}]") for s in rep["stages"]]
            print_table(f"convcli layer {rep['input']}", rows, err=to_stdout)
    finish_batch(result, total=len(job_list), json_out=json_out, quiet=quiet)
