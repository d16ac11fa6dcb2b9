"""`chainwatch --help` loads only what printing help needs: every heavy library is imported by
the command that uses it, when it runs. Checked on `sys.modules`, not by timing."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

HEAVY = (
    "pandas", "matplotlib", "numpy", "sqlalchemy", "web3", "eth_account", "apprise",
    "starlette", "uvicorn", "jinja2",
)  # fmt: skip
COMMANDS = (
    "track", "risk", "compare", "scan", "watch", "check", "history", "backfill", "demo", "devnet", "rpc", "serve",
)  # fmt: skip

_PROBE = """
import json, sys
from chainwatch.cli import main
try:
    main({argv!r})
except SystemExit:
    pass
print(json.dumps(sorted(m for m in {heavy!r} if m in sys.modules)), file=sys.stderr)
"""


def loaded_after(argv: list[str]) -> list[str]:
    """The heavy libraries a fresh interpreter has loaded after running `chainwatch ARGV`."""
    done = subprocess.run(
        [sys.executable, "-c", _PROBE.format(argv=argv, heavy=HEAVY)],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return json.loads(done.stderr.strip().splitlines()[-1])


def test_help_loads_no_heavy_library():
    assert loaded_after(["--help"]) == []


@pytest.mark.parametrize("command", COMMANDS)
def test_command_help_loads_no_heavy_library(command):
    assert loaded_after([command, "--help"]) == []


def test_the_probe_sees_a_heavy_import():
    """A command that needs pandas does load it, so an empty list above means something."""
    assert "pandas" in loaded_after(["history", "--format", "csv", "--db", "sqlite:///:memory:", "0x" + "1" * 40])
