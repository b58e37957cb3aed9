"""The command-line interface: Typer only (parse, call the library, print).

Each command lives in its own module and registers itself on the Typer application when imported.
``from convcli.cli import app`` imports all of them (PEP 562 ``__getattr__``); ``main()``, the
console-script entry point, imports only the module of the command being run (Typer builds the
parameters, and a pydantic adapter per option, of every registered command at start-up).
"""

from __future__ import annotations

import importlib
import sys

from convcli.cli.app import app as _app

# importing the submodule above bound ``app`` to the module; ``app`` is the Typer application
globals().pop("app", None)

# command name -> module (in convcli.cli) that registers it
COMMANDS = {"filter": "filter_cmd", "kernels": "kernels_cmd"}

# --- edges and Gabor (issue 3) ---
COMMANDS["edges"] = "edges_cmd"
COMMANDS["gabor"] = "gabor_cmd"

# --- pooling, multi-channel kernels, layer, check (issue 4) ---
COMMANDS["pool"] = "pool_cmd"
COMMANDS["layer"] = "layer_cmd"
COMMANDS["check"] = "check_cmd"

# --- operation counts and convolution matrices (issue 5) ---
COMMANDS["ops"] = "ops_cmd"
COMMANDS["matrix"] = "matrix_cmd"

# --- audio (issue 6) ---
COMMANDS["spectrogram"] = "spectrogram_cmd"
COMMANDS["resynth"] = "resynth_cmd"
COMMANDS["smooth"] = "smooth_cmd"

# --- performance (issue 7) ---

# --- gradients, locally connected, tiled (issue 8) ---
COMMANDS["learn"] = "learn_cmd"
COMMANDS["local"] = "unshared_cmd"
COMMANDS["tiled"] = "unshared_cmd"

# --- volumes (issue 9) ---
COMMANDS["sample"] = "sample_cmd"

# --- reliability (issue 10) ---


def load_commands(names: list[str] | None = None) -> None:
    """Import the modules registering the commands ``names`` (all commands when None)."""
    modules = COMMANDS.values() if names is None else [COMMANDS[n] for n in names]
    for module in dict.fromkeys(modules):
        importlib.import_module(f"convcli.cli.{module}")


def __getattr__(name: str):
    if name == "app":
        load_commands()
        return _app
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def command_name(args: list[str]) -> str | None:
    """The first argument not starting with ``-`` (the root options take no values)."""
    return next((a for a in args if not a.startswith("-")), None)


def main() -> None:
    """Console-script entry point: registers only the command being run, then runs the app."""
    name = command_name(sys.argv[1:])
    load_commands([name] if name in COMMANDS else None)
    _app()


__all__ = ["COMMANDS", "app", "load_commands", "main"]
