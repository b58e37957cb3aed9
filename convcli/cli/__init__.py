"""The command-line interface: Typer only (parse, call the library, print).

Each command lives in its own module and registers itself on ``app`` when imported here.
"""

from convcli.cli import (
    filter_cmd,  # noqa: F401
    kernels_cmd,  # noqa: F401
)
from convcli.cli.app import app

# commands of later issues register here, one import each:
# (edges/gabor) (pool/layer/check) (ops/matrix) (audio) (learn/local/tiled) (volumes)


def main() -> None:
    """Console-script entry point."""
    app()


__all__ = ["app", "main"]
