"""The Typer application and the one place where errors become messages and exit codes."""

from __future__ import annotations

import os
import sys

import typer
from typer.core import TyperGroup

from convcli.errors import ConvcliError

try:  # Typer >= 0.2x vendors its own copy of Click (and no longer depends on Click)
    from typer._click.exceptions import UsageError as _UsageError
except ImportError:  # pragma: no cover - older Typer uses Click itself
    from click.exceptions import UsageError as _UsageError

PROG = "convcli"


def error_line(message: str) -> None:
    """Print ``convcli: error: MESSAGE`` on stderr (one line)."""
    text = " ".join(str(message).split())
    typer.echo(f"{PROG}: error: {text}", err=True)


class ConvcliGroup(TyperGroup):
    """Turns every error into one line on stderr and the contract's exit code.

    ``--debug`` (anywhere on the command line) or ``CONVCLI_DEBUG=1`` shows tracebacks instead.
    """

    def main(self, args=None, prog_name=None, complete_var=None, standalone_mode=True, **extra):
        args = list(sys.argv[1:] if args is None else args)
        debug = "--debug" in args or bool(os.environ.get("CONVCLI_DEBUG"))
        args = [a for a in args if a != "--debug"]
        if debug:  # batch workers read it too (they collect errors instead of raising them)
            os.environ["CONVCLI_DEBUG"] = "1"
        code = 0
        try:
            rv = super().main(args=args, prog_name=prog_name or PROG, complete_var=complete_var,
                              standalone_mode=False, **extra)
            code = rv if isinstance(rv, int) else 0
        except _UsageError as exc:
            hint = f" (see {PROG} {exc.ctx.info_name} --help)" if exc.ctx and exc.ctx.parent else ""
            error_line(exc.format_message() + hint)
            code = 2
        except typer.Abort:
            code = 130
        except KeyboardInterrupt:
            code = 130
        except ConvcliError as exc:
            if debug:
                raise
            error_line(str(exc))
            code = exc.exit_code
        except MemoryError:
            error_line("out of memory")
            code = 1
        except Exception as exc:  # a bug: say so in one line, keep the traceback for --debug
            if debug:
                raise
            error_line(f"internal error: {type(exc).__name__}: {exc} (run with --debug for details)")
            code = 1
        if standalone_mode:
            sys.exit(code)
        return code


app = typer.Typer(
    cls=ConvcliGroup,
    name=PROG,
    help="Fast convolution filters and features for images, volumes and audio, on Numba kernels.",
    add_completion=False,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100},
)


@app.callback(invoke_without_command=True)
def _root(
    ctx: typer.Context,
    version: bool = typer.Option(False, "--version", help="Show the version and exit."),
) -> None:
    """convcli: convolution from the shell. Every command takes -h for help with an example."""
    if version:
        from convcli import __version__

        typer.echo(f"convcli {__version__}")
        raise typer.Exit(0)
    if ctx.invoked_subcommand is None:
        typer.echo(ctx.get_help())
        raise typer.Exit(0)
