"""``convcli local`` and ``convcli tiled``: locally connected (unshared) and tiled convolution."""

from __future__ import annotations

import functools
from typing import Annotated, Optional  # noqa: UP035  (Typer reads Optional)

import typer

from convcli.cli import options as opt
from convcli.cli.app import app
from convcli.cli.output import finish_batch

LOCAL_EXAMPLES = """
Examples:

  convcli local samples/camera.png --init random --size 5 --save-weights w.npy -o random.png

  convcli local samples/camera.png --weights w.npy --output-range rescale -o again.png

  convcli local samples/camera.png --init from-kernel:sobel-x --output-range abs -o gx.png

  convcli local samples/camera.png --init random --save-weights w.npy     # weights only
"""

TILED_EXAMPLES = """
Examples:

  convcli tiled samples/brick.png --init random --size 3 --tile 2 --save-weights k.npy -o tiled.png

  convcli tiled samples/brick.png --kernels k.npy --output-range rescale -o again.png

  convcli tiled 'samples/*.png' --init from-kernel:box:3 --tile 1 --out-dir boxed
"""

Init = Annotated[Optional[str], typer.Option(  # noqa: UP045
    "--init", help="Make the weights for each input instead of --weights: 'random' (normal, scale "
    "1/sqrt(fan-in), --seed) or 'from-kernel:SPEC' (one kernel everywhere, applied as `filter` does in --mode).",
    show_default=False)]
SaveWeights = Annotated[Optional[str], typer.Option(  # noqa: UP045
    "--save-weights", help="Write the weights made by --init to this .npy (one input); -o becomes optional.",
    show_default=False)]
Size = Annotated[str, typer.Option("--size", help="Kernel size K or KH,KW for --init random.")]
OutChannels = Annotated[Optional[int], typer.Option(  # noqa: UP045
    "--out-channels", min=1, help="Output channels for --init random [default: the input's].",
    show_default=False)]
Seed = Annotated[int, typer.Option("--seed", help="Random seed for --init random.")]


@app.command("local", epilog=LOCAL_EXAMPLES)
def local_command(
    inputs: opt.Inputs,
    weights: Annotated[Optional[str], typer.Option(  # noqa: UP045
        "--weights", "-w", help="Weights w[i, j, k, l, m, n] (out channel, out row, out col, in channel, "
        "row offset, col offset) as .npy.", show_default=False)] = None,
    init: Init = None,
    size: Size = "3",
    out_channels: OutChannels = None,
    seed: Seed = 0,
    save_weights: SaveWeights = None,
    mode: opt.Mode = "conv",
    stride: opt.Stride = "1",
    output: opt.Output = None,
    out_dir: opt.OutDir = None,
    output_range: opt.OutputRange = "clip",
    depth: opt.Depth = "8",
    double: opt.Double = False,
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
    """Locally connected layer: a valid correlation with its own kernel at every output position."""
    _run("local", inputs, weights, init, size, out_channels, "1", seed, save_weights, mode, stride, output,
         out_dir, output_range, depth, double, fmt, suffix, force, json_out, quiet, jobs, recursive, fail_fast,
         max_pixels, allow_truncated)


@app.command("tiled", epilog=TILED_EXAMPLES)
def tiled_command(
    inputs: opt.Inputs,
    kernels: Annotated[Optional[str], typer.Option(  # noqa: UP045
        "--kernels", help="Kernels k[i, l, m, n, a, b] (out channel, in channel, row offset, col offset, "
        "tile row, tile col) as .npy; output (j, k) uses k[..., j % ty, k % tx].", show_default=False)] = None,
    init: Init = None,
    size: Size = "3",
    tile: Annotated[str, typer.Option("--tile", help="Tile T or TY,TX (kernels cycled) for --init.")] = "2",
    out_channels: OutChannels = None,
    seed: Seed = 0,
    save_weights: SaveWeights = None,
    mode: opt.Mode = "conv",
    stride: opt.Stride = "1",
    output: opt.Output = None,
    out_dir: opt.OutDir = None,
    output_range: opt.OutputRange = "clip",
    depth: opt.Depth = "8",
    double: opt.Double = False,
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
    """Tiled convolution: TYxTX kernels used in turn over the output positions (valid correlation)."""
    _run("tiled", inputs, kernels, init, size, out_channels, tile, seed, save_weights, mode, stride, output,
         out_dir, output_range, depth, double, fmt, suffix, force, json_out, quiet, jobs, recursive, fail_fast,
         max_pixels, allow_truncated)


def _run(op, inputs, weights_path, init, size, out_channels, tile, seed, save_weights, mode, stride, output,
         out_dir, output_range, depth, double, fmt, suffix, force, json_out, quiet, jobs, recursive, fail_fast,
         max_pixels, allow_truncated) -> None:
    from convcli.batch import plan_jobs, prepare_out_dir, run_jobs
    from convcli.conventions import per_axis
    from convcli.errors import UsageError
    from convcli.io.images import output_format
    from convcli.io.weights import load_weights
    from convcli.kernelspec import parse_kernel
    from convcli.unshared_files import UnsharedOptions, unshared_file

    flag = "--weights" if op == "local" else "--kernels"
    if (weights_path is None) == (init is None):
        raise UsageError(f"give either {flag} FILE.npy or --init random|from-kernel:SPEC")
    kernel = None
    init_kind = None
    if init is not None:
        init_kind, _, spec = init.partition(":")
        if init_kind == "random" and not spec:
            pass
        elif init_kind == "from-kernel" and spec.strip():
            kernel = parse_kernel(spec)
            if kernel.ndim == 3:
                raise UsageError(f"a 3-D kernel cannot make 2-D {op} weights (use 1-D, 2-D or 4-D K[out, in, kh, kw])")
        else:
            raise UsageError(f"--init must be 'random' or 'from-kernel:SPEC' (e.g. from-kernel:sobel-x); got {init!r}")
    if save_weights is not None:
        if init is None:
            raise UsageError(f"--save-weights saves the weights made by --init; {flag} are already in a file")
        if not save_weights.lower().endswith(".npy"):
            raise UsageError(f"--save-weights writes .npy; got {save_weights!r}")
    job_list = plan_jobs(inputs, output=output, out_dir=out_dir, suffix=suffix, fmt=fmt, recursive=recursive,
                         need_output=save_weights is None)
    if save_weights is not None and len(job_list) > 1:
        raise UsageError("--save-weights takes one input (the weights' shape depends on it)")
    for job in job_list:
        if job.dst is not None:
            output_format(job.dst, fmt)
    if json_out and any(job.dst == "-" for job in job_list):
        raise UsageError("--json prints to stdout, which already carries the image (-o -)")
    options = UnsharedOptions(
        op=op, init=init_kind, kernel=kernel, size=per_axis("--size", size, 2), out_channels=out_channels,
        tile=per_axis("--tile", tile, 2), seed=seed, mode=mode, stride=per_axis("--stride", stride, 2),
        save_weights=save_weights, output_range=output_range, depth=depth, fmt=fmt, force=force,
        max_pixels=max_pixels, allow_truncated=allow_truncated, dtype="float64" if double else "float32",
    )
    if weights_path is not None:
        what = "locally connected weights" if op == "local" else "tiled kernels"
        options = UnsharedOptions(**{**options.__dict__, "weights": load_weights(weights_path, ndim=6, what=what)})
    prepare_out_dir(out_dir, job_list)
    result = run_jobs(job_list, functools.partial(unshared_file, opts=options), n_jobs=jobs, fail_fast=fail_fast,
                      progress=not quiet, label=op)
    finish_batch(result, total=len(job_list), json_out=json_out, quiet=quiet)
