"""Durations and moments as a user types them on the command line ("6h", "2026-01-31")."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from chainwatch.errors import ChainwatchError

_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}


class TimeTextError(ChainwatchError):
    """A duration or date the user typed that is not one."""


def parse_duration(text: str) -> timedelta:
    """ "60" (seconds), "90s", "5m", "6h", "1d", "2w" (a leading "+" allowed) as a positive timedelta."""
    match = re.fullmatch(r"\s*\+?(\d+)\s*([smhdw]?)\s*", text.lower())
    if not match or int(match[1]) == 0:
        raise TimeTextError(f"not a duration: {text!r} (use e.g. 60, 90s, 5m, 6h, 1d, 1w)")
    return timedelta(seconds=int(match[1]) * _UNITS[match[2] or "s"])


def parse_time(text: str) -> datetime:
    """A date or date-time (ISO 8601); without a zone it is UTC."""
    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError:
        raise TimeTextError(f"not a date: {text!r} (use e.g. 2026-01-31 or 2026-01-31T12:00)") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
