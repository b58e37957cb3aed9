"""``convcli resynth``: spectrogram -> audio (exact inverse STFT from .npz, Griffin-Lim from PNG)."""

from __future__ import annotations

import functools
from typing import Annotated, Literal, Optional  # noqa: UP035  (Typer reads Optional)

import typer

from convcli.cli import options as opt
from convcli.cli.app import app
from convcli.cli.output import finish_batch

EXAMPLES = """
Examples:

  convcli spectrogram samples/speech.wav -o speech.npz && convcli resynth speech.npz -o same.wav

  convcli filter speech.npz --kernel box:9 -o smeared.npz && convcli resynth smeared.npz -o smeared.wav

  convcli spectrogram samples/speech.wav -o speech.png && convcli resynth speech.png --iterations 64 -o gl.wav

  convcli resynth edited.png --n-fft 1024 --hop 256 --sample-rate 22050 --db-range 80 -o out.wav
"""

Subtype = Annotated[Optional[Literal["PCM_16", "PCM_24", "PCM_32", "PCM_U8", "FLOAT"]], typer.Option(  # noqa: UP045
    "--subtype", help="WAV sample format (default PCM_16).", show_default=False)]


@app.command("resynth", epilog=EXAMPLES)
def resynth_command(
    inputs: opt.Inputs,
    output: opt.Output = None,
    out_dir: opt.OutDir = None,
    iterations: Annotated[int, typer.Option(
        "--iterations", min=0, help="Griffin-Lim iterations (PNG input, which has no phase).")] = 32,
    momentum: Annotated[float, typer.Option(
        "--momentum", min=0.0, max=0.999, help="Fast Griffin-Lim momentum (0 = classic Griffin-Lim).")] = 0.99,
    seed: Annotated[int, typer.Option("--seed", help="Seed of the (deterministic) random initial phase.")] = 0,
    subtype: Subtype = None,
    n_fft: Annotated[Optional[int], typer.Option(  # noqa: UP045
        "--n-fft", min=2, help="Override/supply the picture's n_fft.", show_default=False)] = None,
    hop: Annotated[Optional[int], typer.Option(  # noqa: UP045
        "--hop", min=1, help="Override/supply the hop.", show_default=False)] = None,
    window: Annotated[Optional[Literal["hann", "hamming", "blackman", "rect"]], typer.Option(  # noqa: UP045
        "--window", help="Override/supply the window.", show_default=False)] = None,
    sample_rate: Annotated[Optional[int], typer.Option(  # noqa: UP045
        "--sample-rate", min=1, help="Override/supply the sample rate.", show_default=False)] = None,
    db_range: Annotated[Optional[float], typer.Option(  # noqa: UP045
        "--db-range", min=1e-3, help="Override/supply the picture's dB range.", show_default=False)] = None,
    suffix: opt.Suffix = "",
    force: opt.Force = False,
    json_out: opt.Json = False,
    quiet: opt.Quiet = False,
    jobs: opt.Jobs = 1,
    recursive: opt.Recursive = False,
    fail_fast: opt.FailFast = False,
) -> None:
    """Spectrogram back to audio: exact inverse STFT of a .npz, Griffin-Lim from a 16-bit PNG."""
    from convcli.batch import plan_jobs, prepare_out_dir, run_jobs
    from convcli.errors import UsageError
    from convcli.spectrogram import ResynthOptions, resynth_file

    overrides = {"n_fft": n_fft, "hop": hop, "window": window, "sample_rate": sample_rate, "db_range": db_range}
    options = ResynthOptions(iterations=iterations, momentum=momentum, seed=seed, subtype=subtype, force=force,
                             overrides={k: v for k, v in overrides.items() if v is not None})
    job_list = plan_jobs(inputs, output=output, out_dir=out_dir, suffix=suffix, fmt="wav", recursive=recursive,
                         extensions=(".npz", ".png"))
    if json_out and any(job.dst == "-" for job in job_list):
        raise UsageError("--json prints to stdout, which already carries the audio (-o -)")
    prepare_out_dir(out_dir, job_list)
    result = run_jobs(job_list, functools.partial(resynth_file, opts=options), n_jobs=jobs,
                      fail_fast=fail_fast, progress=not quiet, label="resynth")
    finish_batch(result, total=len(job_list), json_out=json_out, quiet=quiet)
