"""The `chainwatch` console script: a Ctrl-C while the command line is still loading is an
"interrupted" and exit 130 like one at any later moment, never a traceback."""

from __future__ import annotations

import sys

EXIT_INTERRUPTED = 130


def main() -> None:
    try:
        from chainwatch.cli import main as run
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        sys.exit(EXIT_INTERRUPTED)
    run()
