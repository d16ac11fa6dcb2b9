"""The base of every error a user can cause or fix: the CLI prints these as one line, exit 1."""


class ChainwatchError(Exception):
    """A bad input or a user-facing failure; its message is one complete line."""
