"""The `chainwatch` command line: parse, call the library, render. Nothing else lives here.

Each command family has its own module that registers on `app`. Data goes to stdout,
diagnostics to stderr. Exit codes: 0 ok, 1 a user-facing failure with a one-line message,
2 a usage error (typer's own), 3 where `check` finds a position past its threshold.
"""

from __future__ import annotations

import sys

from rich.markup import escape

# Importing a command module registers its commands on `app`.
from chainwatch.cli import compare, devnet, risk, rpc, scan, track, watch  # noqa: F401
from chainwatch.cli.app import app, stderr
from chainwatch.errors import ChainwatchError


def main(argv: list[str] | None = None) -> None:
    """Console entry point: user-facing errors become one line on stderr and exit code 1."""
    try:
        app(args=argv, prog_name="chainwatch")
    except ChainwatchError as exc:
        stderr.print(f"[red]error:[/] {escape(str(exc))}", highlight=False, soft_wrap=True)
        sys.exit(1)
    except KeyboardInterrupt:
        stderr.print("interrupted")
        sys.exit(130)


__all__ = ["app", "main"]
