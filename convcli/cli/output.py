"""Printing results: JSON reports, rich tables and the batch summary (CLI layer only)."""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence

import typer

from convcli.batch import BatchResult
from convcli.cli.app import error_line


def print_json(document: dict) -> None:
    """A stable JSON document on stdout (sorted keys, two-space indent)."""
    typer.echo(json.dumps(document, indent=2, sort_keys=True, default=_default))


def _default(value):
    import numpy as np

    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist()
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


def batch_document(result: BatchResult) -> dict:
    return {
        "files": result.reports,
        "failures": [{"input": f.src, "error": f.message, "exit_code": f.exit_code} for f in result.failures],
        "ok": len(result.reports),
        "failed": len(result.failures),
        "seconds": round(result.seconds, 6),
    }


def finish_batch(result: BatchResult, *, total: int, json_out: bool, quiet: bool) -> None:
    """Name each failure on stderr, print the JSON document if asked, and exit with the batch's code."""
    for failure in result.failures:
        error_line(failure.message)
    if json_out:
        print_json(batch_document(result))
    if result.failures and total > 1:
        not_run = total - len(result.failures) - len(result.reports)
        rest = f"; {not_run} not run (--fail-fast)" if not_run > 0 else ""
        typer.echo(f"convcli: {len(result.failures)} of {total} inputs failed{rest}", err=True)
    elif total > 1 and not quiet and not json_out and sys.stderr.isatty():
        typer.echo(f"convcli: {len(result.reports)} files in {result.seconds:.2f} s", err=True)
    if result.exit_code:
        raise typer.Exit(result.exit_code)


def print_table(title: str, rows: Sequence[tuple[str, str]], *, err: bool = False) -> None:
    """A two-column rich table (stdout, or stderr when stdout carries data)."""
    from rich.console import Console
    from rich.table import Table

    table = Table(title=title, show_header=False, title_justify="left")
    table.add_column(style="bold")
    table.add_column()
    for key, value in rows:
        table.add_row(key, value)
    Console(stderr=err, highlight=False).print(table)
