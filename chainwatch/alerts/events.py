"""What a watch tells a borrower about: distinct events, in escalating severity.

Each kind has its own Apprise notify type, so a phone, a chat or an on-call tool can ring
differently for "liquidatable now" than for "crossed 80%".
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from enum import Enum

from chainwatch.alerts.lines import Line
from chainwatch.model import Position


class EventKind(str, Enum):
    crossed = "crossed"  # a warning line crossed
    liquidatable = "liquidatable"  # health factor below 1: the position can be liquidated now
    recovered = "recovered"  # back under a line (or the loan closed)
    unreadable = "unreadable"  # several readings in a row failed: the watch is blind
    reading_again = "reading_again"  # readings succeed again after `unreadable`
    oracle = "oracle"  # a stale, unusable or disagreeing price oracle, or WBTC off its peg
    oracle_cleared = "oracle_cleared"  # those oracle warnings are gone
    stopped = "stopped"  # the watch was stopped: no more alerts until it runs again
    heartbeat = "heartbeat"  # still watching (--heartbeat)


# Apprise's NotifyType values ("info", "success", "warning", "failure") per kind.
NOTIFY_TYPES = {
    EventKind.crossed: "warning",
    EventKind.liquidatable: "failure",
    EventKind.recovered: "info",
    EventKind.unreadable: "failure",
    EventKind.reading_again: "info",
    EventKind.oracle: "warning",
    EventKind.oracle_cleared: "info",
    EventKind.stopped: "warning",
    EventKind.heartbeat: "info",
}


@dataclass(frozen=True)
class Event:
    """One thing worth telling the borrower.

    For a position event, `position` is the reading that caused it (for a closed loan the last
    reading seen, with `closed` True), `line` the line crossed or cleared (the most severe one
    when several moved at once) and `held` the most severe line still crossed after it. A watch
    event names its `chain` and carries its `details` (the read error, the oracle warnings).
    """

    kind: EventKind
    chain: str
    position: Position | None = None
    line: Line | None = None
    held: Line | None = None
    target_ltv: Decimal | None = None  # the safe LTV the advice aims at
    closed: bool = False
    details: tuple[str, ...] = ()

    @property
    def notify_type(self) -> str:
        return NOTIFY_TYPES[self.kind]
