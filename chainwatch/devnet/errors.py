"""The one exception the devnet raises, so the CLI can print a one-line message and exit 1."""

from __future__ import annotations

from chainwatch.errors import ChainwatchError


class DevnetError(ChainwatchError):
    """A devnet failure a user can act on; the message is one line (e.g. "npm not found: ...")."""
