"""The alert state machine: one alert per threshold crossing, one recovery when it falls back.

The tracker remembers the level each position was last alerted at. A reading that puts a
position at a higher level gives one warning (naming the highest level reached, however many it
jumped); a reading under the hysteresis band gives one recovery. A position that disappears
from a snapshot (repaid, withdrawn, liquidated) while at a level gives a recovery too, so a
warning never stays open forever. The levels can be seeded from the alert log, so a restarted
watch does not repeat the alerts it already sent.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from enum import Enum

from chainwatch.alerts.thresholds import Thresholds
from chainwatch.model import Position

# (chain, account, protocol, market): what identifies one loan across snapshots.
PositionKey = tuple[str, str, str, str]


def position_key(position: Position) -> PositionKey:
    return (position.chain, position.account.lower(), position.protocol, position.market.lower())


class AlertKind(str, Enum):
    warning = "warning"
    recovery = "recovery"


@dataclass(frozen=True)
class Alert:
    """A level change worth telling the borrower about.

    `position` is the reading that caused it; for a position that disappeared it is the last
    reading seen, and `closed` is True.
    """

    kind: AlertKind
    position: Position
    level: int
    previous: int
    thresholds: Thresholds
    closed: bool = False

    @property
    def key(self) -> PositionKey:
        return position_key(self.position)


class AlertTracker:
    """Feeds snapshots through the thresholds and returns the alerts to send."""

    def __init__(self, thresholds: Thresholds, levels: Mapping[PositionKey, int] | None = None) -> None:
        self.thresholds = thresholds
        self.levels: dict[PositionKey, int] = {k: v for k, v in (levels or {}).items() if v}
        self._last: dict[PositionKey, Position] = {}

    def level_of(self, position: Position) -> int:
        return self.levels.get(position_key(position), 0)

    def update(self, positions: Sequence[Position], unreadable: Iterable[PositionKey] = ()) -> list[Alert]:
        """The alerts one snapshot of the watched accounts gives, in position order. A position
        in `unreadable` (a failed read kept it out) keeps its level: it is not closed."""
        alerts = []
        seen = set(unreadable)
        for position in positions:
            key = position_key(position)
            seen.add(key)
            self._last[key] = position
            previous = self.levels.get(key, 0)
            level = self.thresholds.level(self.thresholds.measure(position), previous)
            if level != previous:
                kind = AlertKind.warning if level > previous else AlertKind.recovery
                alerts.append(Alert(kind, position, level, previous, self.thresholds))
                self._set(key, level)
        for key in [k for k in self.levels if k not in seen and k in self._last]:
            alerts.append(Alert(AlertKind.recovery, self._last[key], 0, self.levels[key], self.thresholds, closed=True))
            self._set(key, 0)
        return alerts

    def _set(self, key: PositionKey, level: int) -> None:
        if level:
            self.levels[key] = level
        else:
            self.levels.pop(key, None)
