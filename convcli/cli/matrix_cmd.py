"""``convcli matrix``: the (doubly block) Toeplitz or circulant matrix of a small convolution."""

from __future__ import annotations

from typing import Annotated, Optional  # noqa: UP035  (Typer reads Optional)

import typer

from convcli.cli import options as opt
from convcli.cli.app import app
from convcli.cli.output import print_json, print_table

EXAMPLES = """
Examples:

  convcli matrix --input 8 --kernel 3:1,2,1 --boundary zero -o toeplitz.png

  convcli matrix --input 6x5 --kernel sobel-x --boundary zero -o M.png --verify

  convcli matrix --input 6x6 --kernel laplacian --boundary wrap -o circulant.npy --verify --json
"""


@app.command("matrix", epilog=EXAMPLES)
def matrix_command(
    input_size: Annotated[str, typer.Option(
        "--input", "-i", help="Input size: WxH (2-D), or N / Nx1 (1-D: a Toeplitz matrix).", show_default=False)],
    kernel: Annotated[str, typer.Option(
        "--kernel", "-k", help="Kernel SPEC (3:1,2,1, sobel-x, WxH:v,..., @file.txt, file.npy).",
        show_default=False)],
    output: opt.Output = None,
    fmt: Annotated[Optional[str], typer.Option(  # noqa: UP045
        "--format", help="npy, png or csv (default: from the extension; png for -).")] = None,
    mode: opt.Mode = "conv",
    padding: opt.Padding = "same",
    boundary: opt.Boundary = "reflect",
    stride: opt.Stride = "1",
    dilation: opt.Dilation = "1",
    verify: Annotated[bool, typer.Option(
        "--verify", help="Multiply with a random input and compare with the convolution (max error).")] = False,
    max_bytes: Annotated[str, typer.Option(
        "--max-bytes", help="Refuse matrices larger than this (bytes, or 64MiB, 1G, ...).")] = "256MiB",
    double: Annotated[bool, typer.Option("--double", help="float64 entries instead of float32.")] = False,
    force: opt.Force = False,
    json_out: opt.Json = False,
    quiet: opt.Quiet = False,
) -> None:
    """Build the matrix M of a small convolution (M @ x.ravel() = convolve(x).ravel()) and write it as a
    picture (.png: zeros white, values blue-white-red, block grid), .npy or .csv."""
    import numpy as np

    from convcli.convmatrix import (
        check_size,
        conv_matrix,
        describe_structure,
        format_bytes,
        matrix_geometry,
        matrix_shape,
        verify_matrix,
    )
    from convcli.errors import DataError, UsageError
    from convcli.io.atomic import check_target
    from convcli.kernelspec import parse_kernel
    from convcli.matrix_io import matrix_format, parse_bytes, save_matrix
    from convcli.opcount import parse_shape

    shape = parse_shape(input_size, channels=False)
    if len(shape) == 2 and shape[0] == 1:
        shape = (shape[1],)  # Nx1: one row, the 1-D Toeplitz case
    k = parse_kernel(kernel)
    if len(shape) == 2 and k.ndim == 1:
        k = k.reshape(1, -1)  # a 1-D kernel filters along rows, as in `filter`
    limit = parse_bytes(max_bytes)
    dtype = np.float64 if double else np.float32
    if output is not None:
        matrix_format(output, fmt)
        if output == "-" and json_out:
            raise UsageError("--json prints to stdout, which already carries the matrix (-o -)")
    geometry = dict(mode=mode, padding=padding, boundary=boundary, stride=stride, dilation=dilation)
    _, _, axes = matrix_geometry(shape, k, **geometry)
    rows, cols = matrix_shape(axes)
    check_size(rows, cols, np.dtype(dtype).itemsize, limit)
    if output is not None:
        check_target(output, force=force)
    m = conv_matrix(shape, k, dtype=dtype, max_bytes=limit, **geometry)
    structure = describe_structure(axes, boundary)
    blocks = structure["blocks"]
    report = {
        "input": input_size,
        "input_shape": list(shape),
        "output_shape": [ax.length for ax in axes],
        "kernel": kernel,
        "kernel_shape": list(k.shape),
        **geometry,
        "stride": [ax.stride for ax in axes],
        "dilation": [ax.dilation for ax in axes],
        "rows": rows,
        "cols": cols,
        "entries": rows * cols,
        "nonzeros": int(np.count_nonzero(m)),
        "density": int(np.count_nonzero(m)) / (rows * cols),
        "bytes": int(m.nbytes),
        "dtype": str(m.dtype),
        "kind": structure["kind"],
        "blocks": blocks,
        "output": output,
    }
    if output is not None:
        text = {"Description": f"convcli matrix: {structure['kind']}, input {input_size}, kernel {kernel}"}
        report["format"] = save_matrix(output, m, fmt=fmt, text=text,
                                       block_shape=tuple(blocks["block_shape"]) if blocks else None)
    if verify:
        report["verify"] = verify_matrix(m, shape, k, **geometry)
    if json_out:
        print_json(report)
    elif not quiet:
        rows_out = [
            ("kind", report["kind"]),
            ("matrix", f"{rows:,} x {cols:,} = {rows * cols:,} entries ({format_bytes(m.nbytes)} in {m.dtype})"),
            ("nonzeros", f"{report['nonzeros']:,} ({report['density']:.3g} of the entries)"),
            ("input -> output", f"{input_size} -> {'x'.join(str(ax.length) for ax in axes[::-1])}"),
        ]
        if blocks:
            rows_out.append(("blocks", f"{blocks['grid'][0]} x {blocks['grid'][1]} blocks of "
                                       f"{blocks['block_shape'][0]} x {blocks['block_shape'][1]}"))
        if output is not None:
            rows_out.append(("written", output))
        if verify:
            v = report["verify"]
            rows_out.append(("verify", f"{'ok' if v['ok'] else 'FAILED'}: max |M x - convolve(x)| = "
                                       f"{v['max_abs_error']:.3g} (tolerance {v['tolerance']:.3g})"))
        print_table("convcli matrix", rows_out, err=output == "-")
    if verify and not report["verify"]["ok"]:
        raise DataError(f"the matrix does not reproduce the convolution: max error "
                        f"{report['verify']['max_abs_error']:.3g} > {report['verify']['tolerance']:.3g}")
