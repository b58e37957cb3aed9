"""Helpers for CLI tests: a CliRunner call and a real subprocess call."""

from __future__ import annotations

import os
import subprocess
import sys

from typer.testing import CliRunner

from convcli.cli import app

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def run(*args: str, input: bytes | None = None):
    """Invoke the CLI in-process; returns the click Result (exit_code, stdout, stderr)."""
    return CliRunner().invoke(app, list(args), input=input)


def run_process(*args: str, input: bytes | None = None, env: dict | None = None) -> subprocess.CompletedProcess:
    """Run ``python -m convcli ARGS`` as a real process."""
    full_env = dict(os.environ)
    full_env["PYTHONPATH"] = ROOT + os.pathsep + full_env.get("PYTHONPATH", "")
    full_env.update(env or {})
    return subprocess.run([sys.executable, "-m", "convcli", *args], input=input, capture_output=True,
                          env=full_env, timeout=300)
