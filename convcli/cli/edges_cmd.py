"""``convcli edges``: gradient magnitude, components, direction (or hue-coded direction), Laplacian."""

from __future__ import annotations

import functools
from typing import Annotated, Literal, Optional  # noqa: UP035  (Typer reads Optional)

import typer

from convcli.cli import options as opt
from convcli.cli.app import app
from convcli.cli.output import finish_batch

EXAMPLES = """
Examples:

  convcli edges samples/camera.png -o edges.png

  convcli edges samples/camera.png --op scharr --output x -o gx.png

  convcli edges samples/camera.png --output direction --depth float -o angle.npy

  convcli edges samples/astronaut.png --color -o hue.png

  convcli edges 'samples/*.png' --op diff --gray --out-dir edges

  convcli edges clip.gif --gray -o clip_edges.gif          (each frame; durations kept)

  convcli edges ct.tif --op scharr --depth 16 -o ct_edges.tif

  convcli edges volume.npy --volume --output x --depth float -o gx.npy
"""

MAPS = ("magnitude", "x", "y", "direction")


@app.command("edges", epilog=EXAMPLES)
def edges_command(
    inputs: opt.Inputs,
    op: Annotated[Literal["sobel", "prewitt", "scharr", "diff", "laplacian"], typer.Option(
        "--op", help="sobel, prewitt, scharr (3x3 gradients), diff (pixel minus its right/lower neighbour), "
        "laplacian (|4-neighbour Laplacian|).")] = "sobel",
    output: Annotated[Optional[str], typer.Option(  # noqa: UP045
        "--output", help="The map: magnitude, x, y or direction (degrees; 0 = rightward, 90 = downward). "
        "Any other value is taken as the output file (as -o).", show_default=False)] = None,
    out_file: Annotated[Optional[str], typer.Option(  # noqa: UP045
        "-o", help="Output file for one input; - writes to standard output.", show_default=False)] = None,
    map_: Annotated[Optional[Literal[MAPS]], typer.Option(  # noqa: UP045
        "--map", help="Same as --output MAP [default: magnitude].", show_default=False)] = None,
    color: Annotated[bool, typer.Option(
        "--color", help="RGB: hue = direction, brightness = magnitude (computed on luma).")] = False,
    out_dir: opt.OutDir = None,
    gray: Annotated[bool, typer.Option(
        "--gray", help="Convert colour to ITU-R 601 luma first (else each channel alone).")] = False,
    boundary: opt.Boundary = "reflect",
    output_range: Annotated[Optional[Literal["clip", "abs", "rescale", "offset"]], typer.Option(  # noqa: UP045
        "--output-range", help="Integer outputs [default: clip for magnitude, offset (+mid-grey) for x and y]; "
        "direction maps 0..360 degrees to black..white.", show_default=False)] = None,
    depth: opt.Depth = "8",
    normalize: opt.Normalize = False,
    double: opt.Double = False,
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
    volume: Annotated[bool, typer.Option(
        "--volume", "--stack", help="Each input is a stack: a 3-D .npy is (D, H, W) rather than (H, W, C), a "
        "folder is one stack of numbered slices. Multi-page TIFF and animated GIF/APNG are stacks anyway; "
        "each frame gets the 2-D edge map.")] = False,
) -> None:
    """Edge maps: gradient magnitude, x/y derivatives, direction, hue-coded direction, Laplacian; of every
    frame of stacks (multi-page TIFF, animated GIF/APNG, .npy volumes, folders of slices)."""
    from convcli.batch import plan_jobs, prepare_out_dir, run_jobs
    from convcli.edges_files import EdgeOptions, edges_file
    from convcli.errors import UsageError
    from convcli.io.images import output_format

    kind = map_
    if output is not None:
        if output in MAPS:
            if map_ is not None and map_ != output:
                raise UsageError(f"--output {output} and --map {map_} disagree")
            kind = output
        elif out_file is not None:
            raise UsageError(f"--output must be one of {', '.join(MAPS)} when -o names the file; got {output!r}")
        else:
            out_file = output
    kind = kind or "magnitude"
    if color:
        if kind not in ("magnitude", "direction") or op == "laplacian":
            raise UsageError("--color shows direction and magnitude together; it needs a gradient --op "
                             "(not laplacian) and no --output x/y")
        kind = "color"
    if op == "laplacian" and kind != "magnitude":
        raise UsageError("laplacian has only the magnitude output (use `filter --kernel laplacian` for signed values)")
    options = EdgeOptions(
        op=op, output=kind, boundary=boundary, gray=gray, output_range=output_range, depth=depth,
        normalize=normalize, nan=nan, dtype="float64" if double else "float32", fmt=fmt, force=force,
        max_pixels=max_pixels, allow_truncated=allow_truncated, volume=volume,
    )
    if volume:  # volumes (issue 9): folders are stacks; outputs may be folders of slices
        from convcli.io.stacks import stack_output_format as output_format
        from convcli.stack_filtering import plan_stack_jobs as plan_jobs
    job_list = plan_jobs(inputs, output=out_file, out_dir=out_dir, suffix=suffix, fmt=fmt, recursive=recursive)
    for job in job_list:
        output_format(job.dst, fmt)
    if json_out and any(job.dst == "-" for job in job_list):
        raise UsageError("--json prints to stdout, which already carries the image (-o -)")
    prepare_out_dir(out_dir, job_list)
    result = run_jobs(job_list, functools.partial(edges_file, opts=options), n_jobs=jobs, fail_fast=fail_fast,
                      progress=not quiet, label="edges")
    finish_batch(result, total=len(job_list), json_out=json_out, quiet=quiet)
