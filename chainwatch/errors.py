"""The base of every error a user can cause or fix: the CLI prints these as one line.

One meaning per exit code across every command (README, "exit codes"): 1 a bad input, file or
configuration; 4 something requested could not be read (an endpoint down or on the wrong chain,
a market whose read failed). An error class says which through `exit_code`.
"""

EXIT_BAD_INPUT = 1
EXIT_UNREADABLE = 4


class ChainwatchError(Exception):
    """A bad input or a user-facing failure; its message is one complete line."""

    exit_code: int = EXIT_BAD_INPUT


class UnreadableError(ChainwatchError):
    """Something the user asked for could not be read (no endpoint answers, a read reverted)."""

    exit_code = EXIT_UNREADABLE
