"""The alert state machine: which lines each position is past, and the events a reading gives.

State is kept per (position, line key), the line key being the line's kind and value
(chainwatch.alerts.lines), never its place in a list. Each reading is judged against the lines
watched now: a line crossed since the last reading gives one event (the most severe one when
several are crossed at once: "liquidatable" above any warning), a line cleared gives one
recovery, and a line no longer watched (the user changed the thresholds) is dropped without a
word, as nothing was crossed or cleared. So a restarted watch with new thresholds alerts once
for a position already past a new line, and never "recovers" from a line it never crossed.

A position that disappears from a snapshot (repaid, withdrawn, liquidated) while past a line
gives a recovery too, so an alert never stays open forever.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence

from chainwatch.alerts.events import Event, EventKind
from chainwatch.alerts.lines import Line, LineKind, severity
from chainwatch.alerts.thresholds import Thresholds
from chainwatch.model import Position

# (chain, account, protocol, market): what identifies one loan across snapshots.
PositionKey = tuple[str, str, str, str]
# The lines a position brings itself (a CeFi loan's margin call and warning LTVs).
LineSource = Callable[[Position], Sequence[Line]]


def position_key(position: Position) -> PositionKey:
    return (position.chain, position.account.lower(), position.protocol, position.market.lower())


def no_own_lines(position: Position) -> Sequence[Line]:
    return ()


class AlertTracker:
    """Feeds snapshots through the lines and returns the events to send.

    `state` seeds the crossed line keys per position (from the history database, so a restarted
    watch does not repeat what it sent); `changed` collects the new state of every position
    whose lines moved, for the caller to store with the reading.
    """

    def __init__(
        self,
        thresholds: Thresholds,
        state: Mapping[PositionKey, Iterable[str]] | None = None,
        own_lines: LineSource = no_own_lines,
    ) -> None:
        self.thresholds = thresholds
        self.own_lines = own_lines
        self.state: dict[PositionKey, frozenset[str]] = {k: frozenset(v) for k, v in (state or {}).items() if v}
        self.changed: dict[PositionKey, frozenset[str]] = {}
        self._last: dict[PositionKey, Position] = {}

    def remember(self, positions: Iterable[Position]) -> None:
        """Last readings from before this process (the history), so a loan that closed while no
        watch ran still gets its recovery. Only positions with open lines need them."""
        for position in positions:
            key = position_key(position)
            if key in self.state:
                self._last.setdefault(key, position)

    def lines_for(self, position: Position) -> list[Line]:
        return self.thresholds.lines_for(position, self.own_lines(position))

    def crossed(self, position: Position) -> list[Line]:
        """The watched lines the position is past, as of the last reading, least severe first."""
        keys = self.state.get(position_key(position), frozenset())
        return [line for line in self.lines_for(position) if line.key in keys]

    def update(self, positions: Sequence[Position], unreadable: Iterable[PositionKey] = ()) -> list[Event]:
        """The events one snapshot of the watched accounts gives, in position order. A position
        in `unreadable` (a failed read kept it out) keeps its lines: it is not closed."""
        events: list[Event] = []
        seen = set(unreadable)
        for position in positions:
            key = position_key(position)
            seen.add(key)
            self._last[key] = position
            events += self._judge(key, position)
        for key in [k for k in self.state if k not in seen and k in self._last]:
            position = self._last[key]
            cleared = self.crossed(position)
            if cleared:
                events.append(Event(EventKind.recovered, position.chain, position, line=cleared[-1], closed=True))
            self._set(key, frozenset())
        return events

    def _judge(self, key: PositionKey, position: Position) -> list[Event]:
        before = self.state.get(key, frozenset())
        lines = self.lines_for(position)
        band = self.thresholds.hysteresis
        now = [line for line in lines if line.is_crossed(position, line.key in before, band)]
        new = [line for line in now if line.key not in before]
        cleared = [line for line in lines if line.key in before and line not in now]
        self._set(key, frozenset(line.key for line in now))
        target = self.thresholds.safe_ltv(position, self.own_lines(position))
        rank = lambda line: severity(line, position)  # noqa: E731
        events = []
        if new:
            top = max(new, key=rank)
            kind = EventKind.liquidatable if top.kind is LineKind.liquidation else EventKind.crossed
            events.append(Event(kind, position.chain, position, line=top, target_ltv=target))
        if cleared:
            held = max(now, key=rank) if now else None
            events.append(
                Event(
                    EventKind.recovered,
                    position.chain,
                    position,
                    line=max(cleared, key=rank),
                    held=held,
                    target_ltv=target,
                )
            )
        return events

    def _set(self, key: PositionKey, lines: frozenset[str]) -> None:
        if lines == self.state.get(key, frozenset()):
            return
        if lines:
            self.state[key] = lines
        else:
            self.state.pop(key, None)
        self.changed[key] = lines

    def take_changes(self) -> dict[PositionKey, frozenset[str]]:
        """The state changed since the last call (positions mapped to their crossed line keys)."""
        changed, self.changed = self.changed, {}
        return changed
