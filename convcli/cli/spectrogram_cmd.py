"""``convcli spectrogram``: audio -> STFT magnitude picture (16-bit PNG), array, or invertible .npz."""

from __future__ import annotations

import functools
from typing import Annotated, Literal, Optional  # noqa: UP035  (Typer reads Optional)

import typer

from convcli.cli import options as opt
from convcli.cli.app import app
from convcli.cli.output import finish_batch

EXAMPLES = """
Examples:

  convcli spectrogram samples/speech.wav -o speech.png            # 16-bit gray dB, settings in text chunks

  convcli spectrogram samples/speech.wav -o speech.npz            # complex STFT: resynth inverts it exactly

  convcli spectrogram samples/speech.wav --colormap magma --mel 128 -o look.png

  convcli spectrogram samples/bell.wav -o bell.png                # stereo: bell_ch0.png, bell_ch1.png

  convcli spectrogram 'sounds/*.wav' --out-dir specs --format npz --n-fft 2048 --hop 512
"""

Window = Annotated[Literal["hann", "hamming", "blackman", "rect"], typer.Option(
    "--window", help="Analysis window (periodic).")]
NFft = Annotated[int, typer.Option("--n-fft", min=2, help="Frame and FFT length (frequency rows: n_fft/2+1).")]
Hop = Annotated[int, typer.Option("--hop", min=1, help="Samples between frames (at most --n-fft).")]


@app.command("spectrogram", epilog=EXAMPLES)
def spectrogram_command(
    inputs: opt.Inputs,
    output: opt.Output = None,
    out_dir: opt.OutDir = None,
    n_fft: NFft = 1024,
    hop: Hop = 256,
    window: Window = "hann",
    center: Annotated[bool, typer.Option(
        "--center/--no-center", help="Centre frame t on sample t*hop (zero-pad n_fft/2 at both ends).")] = True,
    db_range: Annotated[float, typer.Option(
        "--db-range", min=1e-3, help="dB below the loudest bin mapped to black (PNG/.npy).")] = 80.0,
    mel: Annotated[int, typer.Option(
        "--mel", min=0, help="Mel bands instead of linear frequency rows (PNG/.npy; 0 = off).")] = 0,
    fmin: Annotated[float, typer.Option("--fmin", min=0.0, help="Lowest mel frequency, Hz.")] = 0.0,
    fmax: Annotated[float, typer.Option("--fmax", min=0.0, help="Highest mel frequency, Hz (0 = Nyquist).")] = 0.0,
    colormap: Annotated[Optional[Literal["viridis", "magma", "gray"]], typer.Option(  # noqa: UP045
        "--colormap", help="Write an 8-bit RGB picture for people (with axes) instead of 16-bit gray.",
        show_default=False)] = None,
    legend: Annotated[bool, typer.Option(
        "--legend/--no-legend", help="Time and frequency axes around --colormap pictures.")] = True,
    mono: Annotated[bool, typer.Option(
        "--mono", help="Average the channels first (else one spectrogram per channel: NAME_ch0.png, ...).")] = False,
    fmt: Annotated[Optional[Literal["png", "npz", "npy"]], typer.Option(  # noqa: UP045
        "--format", help="png, npz or npy (default: from the output's extension).")] = None,
    suffix: opt.Suffix = "",
    force: opt.Force = False,
    json_out: opt.Json = False,
    quiet: opt.Quiet = False,
    jobs: opt.Jobs = 1,
    recursive: opt.Recursive = False,
    fail_fast: opt.FailFast = False,
) -> None:
    """Spectrogram of audio: 16-bit dB PNG (settings in text chunks), .npy dB, or invertible .npz."""
    from convcli.batch import plan_jobs, prepare_out_dir, run_jobs
    from convcli.errors import UsageError
    from convcli.io.audio import AUDIO_EXTENSIONS
    from convcli.spectrogram import SpectrogramOptions, spectrogram_file, spectrogram_format

    options = SpectrogramOptions(n_fft=n_fft, hop=hop, window=window, center=center, db_range=db_range, mel=mel,
                                 fmin=fmin, fmax=fmax, colormap=colormap, legend=legend, mono=mono, force=force,
                                 fmt=fmt)
    options.check()
    job_list = plan_jobs(inputs, output=output, out_dir=out_dir, suffix=suffix, fmt=fmt or "png",
                         recursive=recursive, extensions=AUDIO_EXTENSIONS)
    for job in job_list:
        kind = spectrogram_format(job.dst, fmt)
        if kind == "npz" and (mel or colormap):
            raise UsageError("--mel and --colormap make pictures; the .npz holds the complex STFT itself")
        if kind == "npy" and colormap:
            raise UsageError("--colormap makes a .png picture")
    if json_out and any(job.dst == "-" for job in job_list):
        raise UsageError("--json prints to stdout, which already carries the picture (-o -)")
    prepare_out_dir(out_dir, job_list)
    result = run_jobs(job_list, functools.partial(spectrogram_file, opts=options), n_jobs=jobs,
                      fail_fast=fail_fast, progress=not quiet, label="spectrogram")
    finish_batch(result, total=len(job_list), json_out=json_out, quiet=quiet)
