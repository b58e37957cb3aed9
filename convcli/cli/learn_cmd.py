"""``convcli learn``: learn the kernel that maps an image to a target by gradient descent."""

from __future__ import annotations

import sys
import time
from typing import Annotated, Literal, Optional  # noqa: UP035  (Typer reads Optional)

import typer

from convcli.cli import options as opt
from convcli.cli.app import app
from convcli.cli.output import print_json, print_table

EXAMPLES = """
Examples:

  convcli filter samples/camera.png -k sobel-x --depth float -o gx.npy

  convcli learn samples/camera.png gx.npy --size 3 -o learned.npy

  convcli learn samples/camera.png gx.npy --size 3 --solver lstsq --json

  convcli filter samples/camera.png -k learned.npy --padding valid --depth float -o again.npy
"""


@app.command("learn", epilog=EXAMPLES)
def learn_command(
    input_path: Annotated[str, typer.Argument(metavar="IN", help="Input image (or .npy), or - for stdin.",
                                              show_default=False)],
    target_path: Annotated[str, typer.Argument(
        metavar="TARGET", help="What the kernel should turn IN into: same size as IN (e.g. from `filter`, "
        "the border is ignored) or the valid size; raw .npy/float TIFF for exact values.", show_default=False)],
    size: Annotated[str, typer.Option("--size", help="Kernel size K or KH,KW.", show_default=False)],
    output: opt.Output = None,
    channels: Annotated[bool, typer.Option(
        "--channels", help="Learn a multi-channel kernel K[out, in, kh, kw] (every target channel from every "
        "input channel) instead of one 2-D kernel applied to each channel.")] = False,
    solver: Annotated[Literal["momentum", "gd", "cg", "lstsq"], typer.Option(
        "--solver", help="momentum: gradient descent with Nesterov momentum; gd: plain gradient descent; "
        "cg: conjugate gradients; lstsq: exact least squares (for comparison).")] = "momentum",
    steps: Annotated[int, typer.Option("--steps", min=1, help="Gradient steps (iterative solvers).")] = 500,
    lr: Annotated[Optional[float], typer.Option(  # noqa: UP045
        "--lr", help="Step size on the problem scaled to unit RMS [default: 1/L, L the loss's largest "
        "curvature].", show_default=False)] = None,
    momentum: Annotated[float, typer.Option("--momentum", min=0.0, max=0.999,
                                            help="Nesterov momentum (--solver momentum).")] = 0.95,
    seed: Annotated[Optional[int], typer.Option(  # noqa: UP045
        "--seed", help="Start from small random values with this seed (default: zeros).")] = None,
    compare: Annotated[bool, typer.Option(
        "--compare", help="Also solve exactly (least squares) and report how far the result is from it.")] = False,
    mode: opt.Mode = "conv",
    force: opt.Force = False,
    json_out: opt.Json = False,
    quiet: opt.Quiet = False,
    max_pixels: opt.MaxPixels = 178_956_970,
) -> None:
    """Learn the kernel that maps IN to TARGET by gradient descent on the convolution's gradients.

    Least squares over the valid output. The kernel is saved for `filter` with the same --mode, so
    `filter IN -k K.npy --padding valid` reproduces TARGET (its interior with the default padding).
    """
    from convcli.conventions import per_axis
    from convcli.errors import UsageError
    from convcli.io.atomic import check_target
    from convcli.io.images import read_image
    from convcli.kernel_info import save_kernel
    from convcli.learning import learn_kernel

    kh, kw = per_axis("--size", size, 2)
    if output is not None:
        lower = output.lower()
        if not lower.endswith((".npy", ".txt", ".csv")):
            raise UsageError(f"the learned kernel is written as .npy (or .txt/.csv for 2-D kernels); got {output!r}")
        if channels and not lower.endswith(".npy"):
            raise UsageError("a multi-channel (4-D) kernel is written as .npy")
        if output == "-":
            raise UsageError("write the kernel to a file (.npy); the report goes to stdout")
        check_target(output, force=force, inputs=(input_path, target_path))
    t0 = time.perf_counter()
    x = read_image(input_path, max_pixels=max_pixels).pixels
    target = read_image(target_path, max_pixels=max_pixels).pixels
    with _Progress(steps if solver != "lstsq" else 0, enabled=not quiet and not json_out) as bar:
        result = learn_kernel(x, target, (kh, kw), channels=channels, solver=solver, steps=steps, lr=lr,
                              momentum=momentum, seed=seed, callback=bar.update)
    seconds = time.perf_counter() - t0
    exact = None
    if compare and solver != "lstsq":
        best = learn_kernel(x, target, (kh, kw), channels=channels, solver="lstsq")
        exact = {"rms_error": best.rms_error, "relative_error": best.relative_error,
                 "kernel_max_difference": float(abs(best.kernel - result.kernel).max())}
    # learned as a correlation; `filter`'s conv mode flips the kernel, so save it flipped for conv
    kernel = result.kernel[..., ::-1, ::-1].copy() if mode == "conv" else result.kernel
    if output is not None:
        save_kernel(output, kernel)
    _report(input_path, target_path, output, result, kernel, mode, seconds, exact, json_out=json_out, quiet=quiet)


def _report(input_path, target_path, output, result, kernel, mode, seconds, exact, *, json_out, quiet) -> None:
    import numpy as np

    from convcli.cli.sparkline import sparkline

    line = sparkline(result.losses)
    if json_out:
        extra = {"lstsq": exact} if exact is not None else {}
        print_json({**extra,
            "input": input_path, "target": target_path, "output": output, "solver": result.solver,
            "steps": result.steps, "lr": result.lr, "mode": mode, "kernel_shape": list(kernel.shape),
            "kernel": kernel, "losses": result.losses, "loss_sparkline": line,
            "rms_error": result.rms_error, "max_error": result.max_error,
            "relative_error": result.relative_error, "seconds": round(seconds, 6),
        })
        return
    if quiet:
        return
    rows = [
        ("solver", "lstsq (exact least squares)" if result.solver == "lstsq" else
         f"{result.solver}, {result.steps} steps" + (f", lr {result.lr:.4g}" if result.lr else "")),
        ("kernel", f"{'x'.join(map(str, kernel.shape))} for --mode {mode}" + (f" -> {output}" if output else "")),
    ]
    if kernel.ndim == 2 and kernel.size <= 49:
        with np.printoptions(precision=4, suppress=True, linewidth=100):
            rows.append(("values", str(kernel)))
    if line:
        rows.append(("loss", f"{line}  {result.losses[0]:.4g} -> {result.losses[-1]:.4g}"))
    rows.append(("final error", f"RMS {result.rms_error:.4g}, max {result.max_error:.4g}, "
                                f"relative {result.relative_error:.3g}"))
    if exact is not None:
        rows.append(("least squares", f"RMS {exact['rms_error']:.4g}, relative {exact['relative_error']:.3g}; "
                                      f"kernels differ by at most {exact['kernel_max_difference']:.3g}"))
    rows.append(("time", f"{seconds:.2f} s"))
    print_table("convcli learn", rows)


class _Progress:
    """A rich progress bar with the current loss, on stderr and only when it is a terminal."""

    def __init__(self, total: int, *, enabled: bool) -> None:
        self._progress = None
        self._total = total
        self._enabled = enabled and total > 0 and sys.stderr.isatty()

    def __enter__(self):
        if self._enabled:
            from rich.console import Console
            from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

            self._progress = Progress("learning", BarColumn(), MofNCompleteColumn(),
                                      TextColumn("loss {task.fields[loss]}"), TimeRemainingColumn(),
                                      console=Console(stderr=True), transient=True)
            self._progress.start()
            self._task = self._progress.add_task("learning", total=self._total, loss="-")
        return self

    def update(self, step: int, loss: float) -> None:
        if self._progress is not None:
            self._progress.update(self._task, completed=step, loss=f"{loss:.4g}")

    def __exit__(self, *exc) -> None:
        if self._progress is not None:
            self._progress.stop()
