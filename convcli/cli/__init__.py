"""The command-line interface: Typer only (parse, call the library, print).

Each command lives in its own module and registers itself on ``app`` when imported here.
"""

from convcli.cli.app import app
from convcli.cli import filter_cmd, kernels_cmd

# --- edges and Gabor (issue 3) ---
from convcli.cli import edges_cmd
from convcli.cli import gabor_cmd

# --- pooling, multi-channel kernels, layer, check (issue 4) ---
from convcli.cli import pool_cmd
from convcli.cli import layer_cmd
from convcli.cli import check_cmd

# --- operation counts and convolution matrices (issue 5) ---
from convcli.cli import ops_cmd
from convcli.cli import matrix_cmd

# --- audio (issue 6) ---
from convcli.cli import spectrogram_cmd
from convcli.cli import resynth_cmd
from convcli.cli import smooth_cmd

# --- performance (issue 7) ---

# --- gradients, locally connected, tiled (issue 8) ---
from convcli.cli import learn_cmd
from convcli.cli import unshared_cmd

# --- volumes (issue 9) ---
from convcli.cli import sample_cmd

# --- reliability (issue 10) ---


def main() -> None:
    """Console-script entry point."""
    app()


__all__ = ["app", "main"]
