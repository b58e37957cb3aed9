"""``convcli gabor``: a Gabor bank's responses, quadrature energy, montages and texture features."""

from __future__ import annotations

import functools
from typing import Annotated, Literal, Optional  # noqa: UP035  (Typer reads Optional)

import typer

from convcli.cli import options as opt
from convcli.cli.app import app
from convcli.cli.output import finish_batch

EXAMPLES = """
Examples:

  convcli gabor samples/brick.png --orientations 8 --frequencies 0.05,0.1,0.2,0.4 --montage bank.png

  convcli gabor samples/brick.png --frequencies 0.1 --out-dir responses --response all --max-orientation

  convcli gabor 'samples/*.png' --gray --zero-mean --features textures.csv

  convcli gabor samples/camera.png --frequencies 0.1,0.2 --gamma 0.5 --kernels-montage kernels.png --json
"""

Response = Literal["energy", "even", "odd", "all"]


def _floats(name: str, text: str) -> list[float]:
    from convcli.errors import UsageError

    try:
        values = [float(t) for t in text.split(",") if t.strip()]
    except ValueError:
        raise UsageError(f"{name} must be comma-separated numbers; got {text!r}") from None
    if not values:
        raise UsageError(f"{name} needs at least one value")
    return values


@app.command("gabor", epilog=EXAMPLES)
def gabor_command(
    inputs: opt.Inputs,
    orientations: Annotated[int, typer.Option(
        "--orientations", "-n", min=1, help="Orientations per frequency, evenly spaced over [0, 180) degrees.")] = 8,
    frequencies: Annotated[str, typer.Option(
        "--frequencies", "-f", help="Frequencies in cycles per pixel, comma-separated.")] = "0.05,0.1,0.2,0.4",
    sigma: Annotated[Optional[str], typer.Option(  # noqa: UP045
        "--sigma", help="Envelope sigma in pixels: one, or one per frequency [default: 0.5622/frequency, "
        "a one-octave bandwidth].", show_default=False)] = None,
    gamma: Annotated[float, typer.Option(
        "--gamma", help="Envelope aspect ratio (sigma along the stripes = sigma/gamma); 1 is fastest.")] = 1.0,
    phase: Annotated[float, typer.Option(
        "--phase", help="Phase of the even kernel in degrees (the odd one is phase + 90).")] = 0.0,
    size: Annotated[Optional[int], typer.Option(  # noqa: UP045
        "--size", min=1, help="Kernel size for every filter [default: odd, +-3 sigma of the wider axis].",
        show_default=False)] = None,
    out_dir: opt.OutDir = None,
    response: Annotated[Response, typer.Option(
        "--response", help="What --out-dir gets per filter: energy sqrt(even^2+odd^2), even, odd, or all.")
    ] = "energy",
    max_orientation: Annotated[bool, typer.Option(
        "--max-orientation", help="Also write, per frequency, the largest energy over orientations and the "
        "argmax orientation map (0..180 degrees -> black..white; raw degrees with --depth float).")] = False,
    montage: Annotated[Optional[str], typer.Option(  # noqa: UP045
        "--montage", help="A labelled grid (PNG) of the energy responses: a row per frequency. With many "
        "inputs NAME_STEM.png per input.")] = None,
    kernels_montage: Annotated[Optional[str], typer.Option(  # noqa: UP045
        "--kernels-montage", help="A labelled grid (PNG) of the even and odd kernels.")] = None,
    save_kernels: Annotated[Optional[str], typer.Option(  # noqa: UP045
        "--save-kernels", help="The kernels as K.npy (filters x [even, odd] x K x K) or K.png (the grid).")] = None,
    features: Annotated[Optional[str], typer.Option(  # noqa: UP045
        "--features", help="Texture features F.csv or F.json: per image, per filter, mean and std of energy.")
    ] = None,
    tile: Annotated[int, typer.Option("--tile", min=16, max=1024, help="Montage tile size in pixels.")] = 160,
    gray: Annotated[bool, typer.Option(
        "--gray", help="Convert colour to ITU-R 601 luma first (else each channel is filtered alone).")] = False,
    zero_mean: Annotated[bool, typer.Option(
        "--zero-mean", help="Remove each kernel's mean so flat regions respond 0.")] = False,
    boundary: opt.Boundary = "reflect",
    output_range: Annotated[Literal["clip", "abs", "rescale", "offset"], typer.Option(
        "--output-range", help="Integer outputs: rescale each response's min..max (default), clip, abs, offset.")
    ] = "rescale",
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
) -> None:
    """Filter images with a Gabor bank: even/odd (quadrature) responses, energy, texture features.

    Responses are correlations s(I) = sum w(x,y) I(x,y) (x right, y down), same size as the input.
    """
    from convcli.batch import plan_jobs, prepare_out_dir, run_jobs
    from convcli.errors import UsageError
    from convcli.gabor import gabor_bank
    from convcli.gabor_files import GaborFileOptions, features_format, gabor_file, write_features
    from convcli.gabor_files import kernels_montage as draw_kernels
    from convcli.gabor_files import save_kernels as write_kernels
    from convcli.io.atomic import check_target
    from convcli.io.images import output_format
    from convcli.montage import write_png

    bank = gabor_bank(orientations, _floats("--frequencies", frequencies),
                      sigma=None if sigma is None else _floats("--sigma", sigma), gamma=gamma, phase=phase, size=size)
    if not any((out_dir, montage, kernels_montage, save_kernels, features, json_out)):
        raise UsageError("say what to write: --out-dir, --montage, --kernels-montage, --save-kernels, "
                         "--features or --json")
    if (max_orientation or response != "energy") and not out_dir:
        raise UsageError("--max-orientation and --response choose what --out-dir gets; give --out-dir")
    if features:
        features_format(features)
    for path in (montage, kernels_montage):
        if path and output_format(path) != "png":
            raise UsageError(f"montages are PNG files; got {path!r}")
    if save_kernels and not save_kernels.lower().endswith((".npy", ".png")):
        raise UsageError(f"--save-kernels writes .npy or .png; got {save_kernels!r}")
    job_list = plan_jobs(inputs, output=None, out_dir=out_dir, suffix=suffix, fmt=fmt, recursive=recursive,
                         keep_ext=(), need_output=False)
    for job in job_list:
        if job.dst:
            output_format(job.dst, fmt)
    for path in (kernels_montage, save_kernels, features):
        if path:
            check_target(path, force=force, inputs=tuple(j.src for j in job_list))
    prepare_out_dir(out_dir, job_list)
    if kernels_montage:
        write_png(kernels_montage, draw_kernels(bank))
    if save_kernels:
        write_kernels(save_kernels, bank)
    options = GaborFileOptions(
        bank=bank, boundary=boundary, gray=gray, zero_mean=zero_mean, response=response,
        max_orientation=max_orientation, montage=montage, tile=tile, output_range=output_range, depth=depth,
        fmt=fmt, force=force, normalize=normalize, nan=nan, dtype="float64" if double else "float32",
        max_pixels=max_pixels, allow_truncated=allow_truncated,
    )
    work = functools.partial(gabor_file, opts=options, many=len(job_list) > 1)
    result = run_jobs(job_list, work, n_jobs=jobs, fail_fast=fail_fast, progress=not quiet, label="gabor")
    order = {job.src: i for i, job in enumerate(job_list)}
    result.reports.sort(key=lambda r: order.get(r["input"], 0))
    if features and result.reports:
        write_features(features, result.reports, bank)
    finish_batch(result, total=len(job_list), json_out=json_out, quiet=quiet)
