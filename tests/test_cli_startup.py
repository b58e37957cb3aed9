"""Start-up: ``main()`` registers only the command being run; ``convcli.cli.app`` has them all."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
import typer

from convcli.cli import COMMANDS
from tests.clihelp import ROOT, run, run_process

PROBE = """
import json, sys
from convcli.cli import main
sys.argv = ["convcli", *sys.argv[1:]]
try:
    main()
except SystemExit:
    pass
loaded = sorted(m.rsplit(".", 1)[1] for m in sys.modules if m.startswith("convcli.cli.") and m.endswith("_cmd"))
print("LOADED=" + json.dumps(loaded))
"""


def _loaded(*args: str) -> list[str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = ROOT + os.pathsep + env.get("PYTHONPATH", "")
    proc = subprocess.run([sys.executable, "-c", PROBE, *args], capture_output=True, text=True, env=env,
                          timeout=300)
    line = [x for x in proc.stdout.splitlines() if x.startswith("LOADED=")][-1]
    return json.loads(line[len("LOADED="):])


@pytest.mark.parametrize("args", [("filter", "-h"), ("--debug", "kernels", "-h"), ("local", "-h")])
def test_main_loads_only_the_command_module(args):
    name = next(a for a in args if not a.startswith("-"))
    assert _loaded(*args) == [COMMANDS[name]]


@pytest.mark.parametrize("args", [("--help",), ("nosuchcommand",)])
def test_main_loads_every_module_without_a_known_command(args):
    assert _loaded(*args) == sorted(set(COMMANDS.values()))


def test_app_has_every_command():
    from convcli.cli import app

    group = typer.main.get_command(app)
    assert set(group.commands) == set(COMMANDS)
    out = run("--help").stdout
    for name in COMMANDS:
        assert name in out


def test_one_command_runs_in_a_process():
    proc = run_process("kernels", "--json")
    assert proc.returncode == 0, proc.stderr
    assert isinstance(json.loads(proc.stdout), (list, dict))
