"""Options shared by several commands (Typer ``Annotated`` aliases), so every command spells them
the same way."""

from __future__ import annotations

from typing import Annotated, Literal, Optional  # noqa: UP035  (Typer reads Optional)

import typer

from convcli.conventions import BOUNDARIES, MODES, PADDINGS

Inputs = Annotated[list[str], typer.Argument(
    help="Input files, quoted globs ('*.png'), folders, or - for standard input.", show_default=False)]
Output = Annotated[Optional[str], typer.Option(  # noqa: UP045
    "-o", "--output", help="Output file for one input; - writes to standard output (PNG unless --format).")]
OutDir = Annotated[Optional[str], typer.Option(  # noqa: UP045
    "--out-dir", help="Output folder for many inputs (named after each input).")]
Suffix = Annotated[str, typer.Option("--suffix", help="Added to each output name in --out-dir.")]
Format = Annotated[Optional[str], typer.Option(  # noqa: UP045
    "--format", help="Output format (png, tif, jpg, npy, ...); needed for - when not PNG.")]
Force = Annotated[bool, typer.Option("--force", help="Overwrite existing outputs.")]
Json = Annotated[bool, typer.Option("--json", help="Machine-readable report on stdout.")]
Quiet = Annotated[bool, typer.Option("-q", "--quiet", help="Print nothing but errors.")]
Jobs = Annotated[int, typer.Option("--jobs", "-j", min=1, help="Worker processes for many inputs.")]
Recursive = Annotated[bool, typer.Option("--recursive", "-r", help="Descend into sub-folders of folder inputs.")]
FailFast = Annotated[bool, typer.Option("--fail-fast", help="Stop at the first failed input.")]
MaxPixels = Annotated[int, typer.Option(
    "--max-pixels", min=1, help="Refuse images with more pixels (decompression-bomb guard).")]
AllowTruncated = Annotated[bool, typer.Option(
    "--allow-truncated", help="Decode what there is of truncated images instead of failing.")]

Mode = Annotated[Literal[MODES], typer.Option(
    "--mode",
    help="conv: true convolution (kernel flipped); corr: cross-correlation (deep-learning 'convolution').")]
Padding = Annotated[Literal[PADDINGS], typer.Option(
    "--padding", help="Output size: same as input, valid, or full.")]
Boundary = Annotated[Literal[BOUNDARIES], typer.Option(
    "--boundary",
    help="Edge rule for same/full: reflect cba|abcd|dcb, mirror dcb|abcd|cba, nearest, wrap, zero.")]
Stride = Annotated[str, typer.Option("--stride", help="Keep every S-th output sample: S or SY,SX.")]
Dilation = Annotated[str, typer.Option("--dilation", help="Spacing between kernel taps: D or DY,DX.")]
OutputRange = Annotated[Literal["clip", "abs", "rescale", "offset"], typer.Option(
    "--output-range",
    help="Integer outputs: clip to range, abs (magnitude), rescale min..max, offset (+mid-grey).")]
Depth = Annotated[Literal["8", "16", "float"], typer.Option(
    "--depth",
    help="Output sample depth: 8-bit, 16-bit (PNG/TIFF), float (TIFF/.npy, raw values).")]
Nan = Annotated[Literal["error", "zero"], typer.Option(
    "--nan", help="NaN/Inf in the input: an error, or replace by 0.")]
Normalize = Annotated[bool, typer.Option(
    "--normalize", help="Work in 0..1 instead of the input's units (0-255, 0-65535).")]
Double = Annotated[bool, typer.Option("--double", help="Compute in float64 instead of float32.")]
