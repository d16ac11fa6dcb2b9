"""`chainwatch ARGS...` run in-process as a user runs it: exit code, stdout, stderr."""

from __future__ import annotations

from typing import NamedTuple

import pytest

from chainwatch.cli import main


class CliResult(NamedTuple):
    """Unpacks as `code, out, err = cli(...)`."""

    code: int
    out: str
    err: str


def run_cli(capsys: pytest.CaptureFixture[str], *args: object) -> CliResult:
    """Run the CLI and capture only its own output (whatever was printed before is dropped).

    The exit code is the process's would-be code: SystemExit(None) is 0, a message is 1.
    """
    capsys.readouterr()
    try:
        main([str(a) for a in args])
        code = 0
    except SystemExit as exit_:
        code = 0 if exit_.code is None else exit_.code if isinstance(exit_.code, int) else 1
    out, err = capsys.readouterr()
    return CliResult(code, out, err)
