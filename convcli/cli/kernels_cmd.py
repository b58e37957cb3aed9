"""``convcli kernels``: list the built-in kernels, show one, save one."""

from __future__ import annotations

from typing import Annotated, Optional  # noqa: UP035

import typer

from convcli.cli import options as opt
from convcli.cli.app import app
from convcli.cli.output import print_json

EXAMPLES = """
Examples:

  convcli kernels

  convcli kernels gaussian:sigma=1.5

  convcli kernels sobel-x --save sobel.npy

  convcli kernels "3x3:1,2,1,2,4,2,1,2,1" --json
"""


@app.command("kernels", epilog=EXAMPLES)
def kernels_command(
    spec: Annotated[Optional[str], typer.Argument(  # noqa: UP045
        help="A kernel SPEC to show (name[:params], WxH:values, @file.txt, file.npy).")] = None,
    save: Annotated[Optional[str], typer.Option(  # noqa: UP045
        "--save", help="Write the kernel to K.npy, K.txt, K.csv or K.png.")] = None,
    force: opt.Force = False,
    json_out: opt.Json = False,
) -> None:
    """List the built-in kernels, or show one kernel's values, sum and separability."""
    from convcli.io.atomic import check_target
    from convcli.kernel_info import describe_kernel, list_builtins, save_kernel
    from convcli.kernelspec import parse_kernel

    if spec is None:
        if save:
            from convcli.errors import UsageError

            raise UsageError("--save needs a kernel SPEC to save")
        entries = list_builtins()
        if json_out:
            print_json({"kernels": entries})
            return
        _print_list(entries)
        return
    kernel = parse_kernel(spec)
    if save:
        check_target(save, force=force)
        save_kernel(save, kernel)
    info = describe_kernel(kernel, spec)
    if json_out:
        print_json(info)
        return
    _print_kernel(info, kernel)


def _print_list(entries: list[dict]) -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table(title="built-in kernels (use as --kernel NAME:param=value,...)", title_justify="left")
    table.add_column("name", style="bold")
    table.add_column("parameters")
    table.add_column("what it is")
    for e in entries:
        params = ", ".join(f"{p['name']}={p['default'] if p['default'] is not None else 'auto'}"
                           for p in e["params"])
        table.add_row(e["name"], params or "-", e["summary"])
    Console(highlight=False).print(table)


def _print_kernel(info: dict, kernel) -> None:
    from rich.console import Console
    from rich.table import Table

    console = Console(highlight=False)
    shape = "x".join(str(s) for s in info["shape"][::-1])
    rows = kernel.reshape(1, -1) if kernel.ndim == 1 else kernel
    if rows.ndim == 2 and rows.shape[0] <= 25 and rows.shape[1] <= 25:
        table = Table(title=f"{info['spec']}  ({shape}, width x height)", show_header=False, title_justify="left")
        for _ in range(rows.shape[1]):
            table.add_column(justify="right")
        for row in rows:
            table.add_row(*(f"{v:.6g}" for v in row))
        console.print(table)
    else:
        console.print(f"{info['spec']}  shape {tuple(info['shape'])} (too large to print)")
    extra = f", rank {info['rank']}" if "rank" in info else ""
    console.print(f"sum {info['sum']:.6g}, min {info['min']:.6g}, max {info['max']:.6g}{extra}, "
                  f"separable: {'yes' if info['separable'] else 'no'}")
