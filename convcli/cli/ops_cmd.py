"""``convcli ops``: operation and parameter counts of one convolution, computed several ways."""

from __future__ import annotations

from typing import Annotated, Optional  # noqa: UP035  (Typer reads Optional)

import typer

from convcli.cli import options as opt
from convcli.cli.app import app
from convcli.cli.output import print_json

EXAMPLES = """
Examples:

  convcli ops --input 320x280 --kernel 2x1:1,-1 --padding valid

  convcli ops --input 512x512 --kernel gaussian:sigma=2 --stride 2

  convcli ops --input 224x224x64 --kernel 3x3 --channels-out 128 --layers 5 --json
"""


@app.command("ops", epilog=EXAMPLES)
def ops_command(
    input_size: Annotated[str, typer.Option(
        "--input", "-i", help="Input size: WxH, WxHxC (C channels), N (1-D), or WxHxD with a 3-D kernel.",
        show_default=False)],
    kernel: Annotated[str, typer.Option(
        "--kernel", "-k", help="Kernel SPEC (gaussian:sigma=2, sobel-x, WxH:v,..., @file.txt, file.npy; a 4-D "
        ".npy is a layer K[out,in,kh,kw]), or only a size such as 3x3 (values unknown).", show_default=False)],
    mode: opt.Mode = "conv",
    padding: opt.Padding = "same",
    boundary: opt.Boundary = "reflect",
    stride: opt.Stride = "1",
    dilation: opt.Dilation = "1",
    channels_in: Annotated[Optional[int], typer.Option(  # noqa: UP045
        "--channels-in", min=1, help="Input channels (default: C of --input, else 1).")] = None,
    channels_out: Annotated[Optional[int], typer.Option(  # noqa: UP045
        "--channels-out", min=1,
        help="Output channels: makes the kernel a layer of out x in/groups kernels (default: each "
        "channel filtered alone).")] = None,
    groups: Annotated[Optional[int], typer.Option(  # noqa: UP045
        "--groups", min=1, help="Channel groups (each output group sees one input group).")] = None,
    layers: Annotated[int, typer.Option(
        "--layers", min=1, help="Stacked layers for the receptive field.")] = 3,
    tile: Annotated[int, typer.Option(
        "--tile", min=1, help="t of the tiled (t x t kernels) parameter count.")] = 2,
    json_out: opt.Json = False,
) -> None:
    """Count the work and parameters of a convolution: direct vs dense matrix vs separable vs FFT vs strided,
    and convolution vs tiled vs locally connected vs dense parameters."""
    from convcli.conventions import per_axis
    from convcli.kernelspec import parse_kernel
    from convcli.opcount import is_shape_spec, op_counts, parse_shape

    if is_shape_spec(kernel):
        k = parse_shape(kernel, what="--kernel", channels=True)
        if len(k) == 3:  # WxHxD -> (D, H, W), as inline 3-D kernels
            k = (k[2],) + k[:2]
    else:
        k = parse_kernel(kernel)
    kdims = len(k) if isinstance(k, tuple) else k.ndim
    shape = parse_shape(input_size)
    if kdims == 3 and len(shape) == 3:
        shape = (shape[2],) + shape[:2]  # WxHxD is a volume (D, H, W) for a 3-D kernel
    if kdims == 1 and len(shape) >= 2:  # a 1-D kernel filters along rows, as in `filter`
        k = (1, k[0]) if isinstance(k, tuple) else k.reshape(1, -1)
        kdims = 2
    nd = 2 if kdims == 4 else kdims
    report = op_counts(shape, k, mode=mode, padding=padding, boundary=boundary,
                       stride=per_axis("--stride", stride, nd), dilation=per_axis("--dilation", dilation, nd),
                       channels_in=channels_in, channels_out=channels_out, groups=groups,
                       layers=layers, tile=tile)
    report["input"] = input_size
    report["kernel"] = kernel
    if json_out:
        print_json(report)
        return
    _print_report(report)


def _size(shape) -> str:
    """Array shape -> the CLI's WxH text (spatial axes reversed)."""
    return "x".join(str(v) for v in shape[::-1])


def _n(v) -> str:
    return f"{v:,}" if isinstance(v, int) else f"{v:,.0f}"


def _ratio(v: float) -> str:
    if v >= 100:
        return f"{v:,.0f}x"
    return f"{v:.3g}x"


def _print_report(r: dict) -> None:
    from rich.console import Console
    from rich.table import Table

    from convcli.convmatrix import format_bytes

    console = Console(highlight=False)
    if not console.is_terminal:
        console = Console(highlight=False, width=132)  # files and pipes: no wrapping of the wide table
    d, m, sep, fft, st, par, rf = (r[key] for key in
                                   ("direct", "dense", "separable", "fft", "strided", "parameters", "receptive_field"))
    spatial = len(r["kernel_shape"])
    out_sp = r["output_shape"][:spatial]
    in_sp = r["input_shape"][:spatial]
    chan = (f", channels {r['channels_in']} -> {r['channels_out']}, groups {r['groups']}"
            if r["channels_in"] > 1 or r["channels_out"] > 1 else "")
    console.print(f"[bold]convcli ops[/]: input {_size(in_sp)}, kernel {r['kernel']} ({_size(r['kernel_shape'])}), "
                  f"{r['mode']}, {r['padding']} padding, {r['boundary']} boundary, stride "
                  f"{','.join(map(str, r['stride']))}, dilation {','.join(map(str, r['dilation']))}{chan} "
                  f"-> output {_size(out_sp)}")
    taps = d["taps_per_output"]
    per = f"{taps} multiplications + {taps - 1} addition{'s' if taps != 2 else ''}"
    console.print(f"direct: {'x'.join(_n(v) for v in out_sp[::-1])}"
                  f"{'' if r['channels_out'] == 1 else ' x ' + str(r['channels_out'])} outputs x "
                  f"{2 * taps - 1} ({per}) = {_n(d['flops'])} operations")
    console.print(f"dense matrix: {_n(m['rows'])} rows (outputs) x {_n(m['cols'])} columns (inputs) = "
                  f"{_n(m['entries'])} entries, {_n(m['nonzeros'])} nonzero ({m['density']:.3g}), "
                  f"{_ratio(m['entries_per_parameter'])} the kernel's {_n(d['parameters'])} parameters")

    table = Table(title="the same output, computed (or stored) several ways", title_justify="left")
    for col, just in (("way", "left"), ("multiplies", "right"), ("additions", "right"), ("FLOPs", "right"),
                      ("vs direct", "right"), ("stored numbers", "right"), ("float32", "right")):
        table.add_column(col, justify=just)
    table.add_row("direct convolution", _n(d["multiplies"]), _n(d["adds"]), _n(d["flops"]), "1x",
                  _n(d["parameters"]), format_bytes(4 * d["parameters"]))
    table.add_row("dense matrix x vector", _n(m["multiplies"]), _n(m["adds"]), _n(m["flops"]),
                  _ratio(m["flops_over_direct"]), _n(m["entries"]), format_bytes(m["bytes_float32"]))
    table.add_row("sparse matrix (CSR)", _n(m["nonzeros"]), "", "", "", _n(m["nonzeros"]),
                  format_bytes(m["sparse_csr_bytes"]))
    if sep.get("rank") is not None:
        name = f"separable (rank {sep['rank']}{', full' if sep['full_rank'] and sep['rank'] > 1 else ''})"
        table.add_row(name, _n(sep["multiplies"]), _n(sep["adds"]), _n(sep["flops"]),
                      _ratio(sep["flops_over_direct"]), _n(sep["parameters"]), format_bytes(4 * sep["parameters"]))
    else:
        table.add_row("separable (rank unknown)", "", "", "", "", "", "")
    table.add_row(f"FFT ({_size(fft['padded_shape'])} points)", "", "", _n(fft["flops"]),
                  _ratio(fft["flops"] / d["flops"]), "", "")
    if any(s > 1 for s in st["stride"]):
        table.add_row(f"conv then keep every {','.join(map(str, st['stride']))}", "", "",
                      _n(st["flops_conv_then_downsample"]),
                      _ratio(st["flops_conv_then_downsample"] / d["flops"]), "", "")
    console.print(table)
    if sep.get("note"):
        sep_note = sep["note"]
    else:
        verdict = "pays off" if sep["pays_off"] else "does not pay off"
        sep_note = f"here {sep['terms']} term(s) = {sep['taps_per_output_separable']} taps per output, {verdict}"
    notes = [f"separable: {sep['point']}; {sep_note}"]
    precomputed = _n(fft["flops_kernel_precomputed"])
    notes.append(f"FFT: {fft['formula']}; with the kernel's transform precomputed {precomputed}")
    if any(s > 1 for s in st["stride"]):
        notes.append(f"strided: {_n(st['outputs'])} of {_n(st['unit_stride_outputs'])} unit-stride outputs computed; "
                     f"convolving then downsampling wastes {_n(st['wasted_flops'])} FLOPs "
                     f"({st['wasted_fraction']:.1%})")
    else:
        notes.append("strided: stride 1, nothing skipped (try --stride 2)")
    for note in notes:
        console.print(note)

    ptable = Table(title="parameters for this geometry", title_justify="left")
    ptable.add_column("layer")
    ptable.add_column("parameters", justify="right")
    ptable.add_column("formula")
    ptable.add_row("convolution (shared weights)", _n(par["convolution"]), par["formulas"]["convolution"])
    ptable.add_row(f"tiled ({par['tile']}x{par['tile']} kernels)", _n(par["tiled"]), par["formulas"]["tiled"])
    ptable.add_row("locally connected (unshared)", _n(par["locally_connected"]),
                   par["formulas"]["locally_connected"])
    ptable.add_row("dense (fully connected)", _n(par["dense"]), par["formulas"]["dense"])
    console.print(ptable)

    sizes = ", ".join(f"{i + 1}: {_size(s)}" for i, s in enumerate(rf["per_layer"]))
    console.print(f"receptive field after stacked layers (indirect connections): {sizes} "
                  f"-> {_n(rf['inputs_spanned'])} input samples spanned"
                  + (f" ({_n(rf['inputs_connected'])} connected)" if rf["inputs_connected"] not in
                     (None, rf["inputs_spanned"]) else "")
                  + f", {rf['input_fraction']:.3g} of the input")
    console.print("conventions:")
    for key, text in r["conventions"].items():
        console.print(f"  {key}: {text}")
