"""``convcli sample``: write synthetic sample data (a CT-like phantom volume, a colour video)."""

from __future__ import annotations

from typing import Annotated

import typer

from convcli.cli import options as opt
from convcli.cli.app import app

sample_app = typer.Typer(
    help="Write synthetic samples: a CT-like 3-D phantom volume, a small colour video.",
    no_args_is_help=True,
)
app.add_typer(sample_app, name="sample")

PHANTOM_EXAMPLES = """
Examples:

  convcli sample phantom -o phantom.tif

  convcli sample phantom --size 64 --noise 0.05 --depth float -o noisy.tif

  convcli sample phantom --size 96 -o slices/          (a folder of slice_000.png, ...)

  convcli sample phantom -o ct.npy && convcli filter ct.npy --kernel gaussian3d:sigma=1 -o ct_smooth.npy
"""

VIDEO_EXAMPLES = """
Examples:

  convcli sample video -o clip.gif

  convcli sample video --frames 48 --size 160x120 --duration 40 -o clip.png

  convcli sample video -o clip.gif && convcli filter clip.gif --kernel gaussian3d:sigma=1 -o smooth.gif
"""

Output = Annotated[str, typer.Option(
    "-o", "--output", help="Output: .tif (multi-page), .npy, .gif/.png (animated), or a folder of slices "
    "(a path ending in / or without extension).", show_default=False)]


def _write(output: str, data, *, full_scale: float, depth: str, force: bool, durations=None) -> dict:
    from convcli.io.stacks import check_stack_target, stack_output_format, write_stack

    stack_output_format(output)
    check_stack_target(output, force=force)
    kind = write_stack(output, data, depth=depth, full_scale=full_scale, durations=durations)
    return {"output": output, "format": kind, "shape": list(data.shape), "dtype": str(data.dtype),
            "min": float(data.min()), "max": float(data.max()), "depth": depth}


def _finish(report: dict, json_out: bool, quiet: bool) -> None:
    from convcli.cli.output import print_json

    if json_out:
        print_json(report)
    elif not quiet:
        typer.echo(f"wrote {report['output']} ({'x'.join(map(str, report['shape']))}, {report['format']})",
                   err=True)


@sample_app.command("phantom", epilog=PHANTOM_EXAMPLES)
def phantom_command(
    output: Output,
    size: Annotated[int, typer.Option("--size", "-s", min=8, max=1024, help="Samples per axis.")] = 128,
    noise: Annotated[float, typer.Option("--noise", min=0.0, help="Gaussian noise sigma (values are 0..1).")] = 0.0,
    seed: Annotated[int, typer.Option("--seed", help="Seed of the noise.")] = 0,
    depth: opt.Depth = "8",
    force: opt.Force = False,
    json_out: opt.Json = False,
    quiet: opt.Quiet = False,
) -> None:
    """A CT-like volume: the modified 3-D Shepp-Logan phantom (ten ellipsoids, values 0..1), D x H x W.

    8/16-bit outputs map 0..1 to the full range; .npy and --depth float keep the raw values."""
    from convcli.phantom import shepp_logan_3d

    vol = shepp_logan_3d(size, noise=noise, seed=seed)
    _finish(_write(output, vol, full_scale=1.0, depth=depth, force=force), json_out, quiet)


@sample_app.command("video", epilog=VIDEO_EXAMPLES)
def video_command(
    output: Output,
    frames: Annotated[int, typer.Option("--frames", "-n", min=1, max=10000, help="Number of frames.")] = 24,
    size: Annotated[str, typer.Option("--size", "-s", help="Frame size WIDTHxHEIGHT.")] = "128x96",
    duration: Annotated[float, typer.Option("--duration", min=1.0, help="Milliseconds per frame.")] = 40.0,
    seed: Annotated[int, typer.Option("--seed", help="Seed of the noise.")] = 0,
    force: opt.Force = False,
    json_out: opt.Json = False,
    quiet: opt.Quiet = False,
) -> None:
    """A small synthetic colour video (T x H x W x 3, 8-bit): moving shapes over a gradient."""
    from convcli.errors import UsageError
    from convcli.phantom import synthetic_video

    try:
        width, height = (int(v) for v in size.lower().split("x"))
    except ValueError:
        raise UsageError(f"--size must be WIDTHxHEIGHT, e.g. 128x96; got {size!r}") from None
    video = synthetic_video(frames, height, width, seed=seed)
    report = _write(output, video, full_scale=255.0, depth="8", force=force, durations=[duration] * frames)
    _finish(report, json_out, quiet)
