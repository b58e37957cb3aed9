"""``convcli smooth``: 1-D weighted moving average of a signal (audio channels or CSV columns)."""

from __future__ import annotations

import functools
from typing import Annotated, Literal, Optional  # noqa: UP035  (Typer reads Optional)

import typer

from convcli.cli import options as opt
from convcli.cli.app import app
from convcli.cli.output import finish_batch

EXAMPLES = """
Examples:

  convcli smooth sensor.csv --kernel exp-decay:alpha=0.3,n=16 -o smooth.csv     # causal: past samples only

  convcli smooth samples/speech.wav --kernel moving-average:8 -o dull.wav

  convcli smooth angles.csv --kernel 5:1,4,6,4,1 --centered --keep time -o out.csv

  convcli smooth 'logs/*.csv' --kernel moving-average:5 --out-dir smoothed
"""


@app.command("smooth", epilog=EXAMPLES)
def smooth_command(
    inputs: opt.Inputs,
    kernel: Annotated[str, typer.Option(
        "--kernel", "-k", help="1-D weights: exp-decay:alpha=A,n=N, moving-average:N, inline N:v,..., @file.txt, "
        "file.npy; w[0] weighs the newest sample; normalised to sum 1.", show_default=False)],
    output: opt.Output = None,
    out_dir: opt.OutDir = None,
    causal: Annotated[bool, typer.Option(
        "--causal/--centered",
        help="causal: s(t) = sum_j w[j] x(t-j), past samples only; centered: the kernel centred on t.")] = True,
    boundary: Annotated[Literal["nearest", "reflect", "mirror", "wrap", "zero"], typer.Option(
        "--boundary", help="What lies before the first sample (nearest repeats it).")] = "nearest",
    keep: Annotated[Optional[str], typer.Option(  # noqa: UP045
        "--keep", help="CSV columns copied unsmoothed (names or 0-based indices, comma-separated), e.g. time.",
        show_default=False)] = None,
    sample_rate: Annotated[Optional[int], typer.Option(  # noqa: UP045
        "--sample-rate", min=1, help="Sample rate for audio written from a CSV or .npy.", show_default=False)] = None,
    fmt: Annotated[Optional[Literal["wav", "flac", "ogg", "csv", "tsv", "npy"]], typer.Option(  # noqa: UP045
        "--format", help="Output format (default: from the output's extension; - writes the input's kind).")] = None,
    suffix: opt.Suffix = "",
    force: opt.Force = False,
    json_out: opt.Json = False,
    quiet: opt.Quiet = False,
    jobs: opt.Jobs = 1,
    recursive: opt.Recursive = False,
    fail_fast: opt.FailFast = False,
) -> None:
    """Weighted moving average of audio channels or CSV columns (causal by default: past samples only)."""
    from convcli.batch import plan_jobs, prepare_out_dir, run_jobs
    from convcli.errors import UsageError
    from convcli.io.audio import AUDIO_EXTENSIONS
    from convcli.kernelspec import parse_kernel
    from convcli.smoothing import TABLE_EXTENSIONS, SmoothOptions, smooth_file

    k = parse_kernel(kernel)
    if k.ndim == 2 and 1 in k.shape:
        k = k.ravel()
    if k.ndim != 1:
        raise UsageError(f"smooth needs a 1-D kernel; {kernel!r} has shape {k.shape}")
    if abs(float(k.sum())) < 1e-12:
        raise UsageError(f"the weights of {kernel!r} sum to 0: they cannot be normalised to an average")
    options = SmoothOptions(kernel=k, kernel_spec=kernel, causal=causal, boundary=boundary,
                            keep=tuple(s.strip() for s in keep.split(",") if s.strip()) if keep else (),
                            sample_rate=sample_rate, fmt=fmt, force=force)
    keep_ext = AUDIO_EXTENSIONS + TABLE_EXTENSIONS + (".npy",)
    job_list = plan_jobs(inputs, output=output, out_dir=out_dir, suffix=suffix, fmt=fmt, recursive=recursive,
                         default_ext=".csv", keep_ext=keep_ext, extensions=keep_ext)
    if json_out and any(job.dst == "-" for job in job_list):
        raise UsageError("--json prints to stdout, which already carries the result (-o -)")
    prepare_out_dir(out_dir, job_list)
    result = run_jobs(job_list, functools.partial(smooth_file, opts=options), n_jobs=jobs,
                      fail_fast=fail_fast, progress=not quiet, label="smoothing")
    finish_batch(result, total=len(job_list), json_out=json_out, quiet=quiet)
