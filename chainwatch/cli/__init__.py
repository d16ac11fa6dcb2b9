"""The `chainwatch` command line: parse, call the library, render. Nothing else lives here.

Each command family has its own module that registers on `app`. Data goes to stdout,
diagnostics to stderr. Every failure is one line on stderr and an exit code: 0 ok, 1 a bad
input or configuration, 2 a usage error (a bad option or argument), 3 where `check` finds a
position past its threshold, 4 something requested could not be read, 130 interrupted.
"""

from __future__ import annotations

import os
import sys
from typing import NoReturn

import typer
from rich.markup import escape

# Importing a command module registers its commands on `app`.
from chainwatch.cli import compare, devnet, risk, rpc, scan, serve, track, watch  # noqa: F401
from chainwatch.cli.app import app, stderr
from chainwatch.errors import ChainwatchError

try:  # typer vendors click as typer._click from 0.2x on; before, it used click itself
    from typer._click import exceptions as click_exceptions
except ImportError:  # pragma: no cover - older typer
    from click import exceptions as click_exceptions  # type: ignore[no-redef]

EXIT_USAGE = 2
EXIT_INTERRUPTED = 130


def main(argv: list[str] | None = None) -> None:
    """Console entry point: every failure becomes one line on stderr and its exit code."""
    try:
        code = app(args=argv, prog_name="chainwatch", standalone_mode=False)
    except ChainwatchError as exc:
        _error(str(exc))
        sys.exit(exc.exit_code)
    except click_exceptions.ClickException as exc:
        if type(exc).__name__ == "NoArgsIsHelpError":  # `chainwatch` alone: typer printed the help
            sys.exit(0)
        context = getattr(exc, "ctx", None)
        command = context.command_path if context else "chainwatch"
        _error(f"{exc.format_message()} (see `{command} --help`)")
        sys.exit(EXIT_USAGE)
    except (KeyboardInterrupt, typer.Abort):
        _interrupted()
    if code == EXIT_INTERRUPTED:  # typer turns a Ctrl-C inside a command into this exit code
        _interrupted()
    sys.exit(code if isinstance(code, int) else 0)


def _interrupted() -> NoReturn:
    """Exit at once on Ctrl-C. A read in a worker thread may be waiting on a silent endpoint, and
    a normal exit would join that thread until its timeout; every file chainwatch writes is
    written atomically and every database change is a committed transaction, so nothing is lost."""
    stderr.print("interrupted")
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(EXIT_INTERRUPTED)


def _error(message: str) -> None:
    stderr.print(f"[red]error:[/] {escape(message)}", highlight=False, soft_wrap=True)


__all__ = ["app", "main"]
