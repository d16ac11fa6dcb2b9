"""The watch's own health: readings that fail, and price oracles that cannot be trusted.

A watch that cannot read is blind exactly when public endpoints fail, on the bad days: after
`unreadable_after` failed readings in a row it says so (naming the chain and the error), and
says "reading again" once a reading succeeds. Oracle warnings (chainwatch.sanity: a stale
Chainlink answer, a protocol price away from Chainlink BTC/USD, WBTC off its peg) alert when
they appear and when they are gone. The state (blind or not, which warnings are open) is kept
as line-like keys, so it is stored and resumed like position alerts.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

from chainwatch.alerts.events import Event, EventKind

UNREADABLE = "unreadable"
DEFAULT_UNREADABLE_AFTER = 3
_FIGURES = re.compile(r"[-+]?[$]?\d[\d,.:]*(%|h|m|s)?")


def warning_key(warning: str) -> str:
    """An oracle warning without its figures, so "answer is 1h 05m old" and "answer is 1h 10m
    old" are the same open warning."""
    return "oracle:" + _FIGURES.sub("#", warning)


class ReadMonitor:
    """Consecutive failed readings and open oracle warnings of one chain's watch."""

    def __init__(
        self,
        chain: str,
        unreadable_after: int = DEFAULT_UNREADABLE_AFTER,
        state: Iterable[str] = (),
        *,
        also_blind_to: str | None = None,
    ) -> None:
        """`also_blind_to`: what else goes unjudged while the chain cannot be read (the CeFi
        loans valued at its feed), said in the "cannot read" notification."""
        if unreadable_after < 1:
            raise ValueError("unreadable_after must be 1 or more")
        self.chain = chain
        self.also_blind_to = also_blind_to
        self.unreadable_after = unreadable_after
        self.state = frozenset(state)
        self.failures = 0
        self.changed = False

    @property
    def blind(self) -> bool:
        return UNREADABLE in self.state

    def failed(self, error: str) -> list[Event]:
        """A reading failed with `error`: an event once `unreadable_after` have failed in a row."""
        self.failures += 1
        if self.failures < self.unreadable_after or self.blind:
            return []
        self._set(self.state | {UNREADABLE})
        detail = f"{self.failures} readings in a row failed; the last error: {error}"
        also = (self.also_blind_to,) if self.also_blind_to else ()
        return [Event(EventKind.unreadable, self.chain, details=(detail, *also))]

    def read(self, warnings: Sequence[str], partial: str | None = None) -> list[Event]:
        """A reading succeeded, with these oracle warnings; `partial` names the positions it
        could not read, and then it also counts as a failed reading."""
        events = []
        if partial is None and self.blind:
            again = Event(EventKind.reading_again, self.chain, details=(f"after {self.failures} failed readings",))
            events.append(again)
        open_now = {warning_key(w): w for w in warnings}
        before = {key for key in self.state if key.startswith("oracle:")}
        new = [text for key, text in open_now.items() if key not in before]
        if new:
            events.append(Event(EventKind.oracle, self.chain, details=tuple(new)))
        if before and not open_now:
            events.append(Event(EventKind.oracle_cleared, self.chain))
        blind = self.state & {UNREADABLE} if partial is not None else frozenset()
        self._set(frozenset(open_now) | blind)
        if partial is not None:
            return events + self.failed(partial)
        self.failures = 0
        return events

    def _set(self, state: frozenset[str]) -> None:
        if state != self.state:
            self.state, self.changed = state, True

    def take_change(self) -> frozenset[str] | None:
        """The new state when it changed since the last call, else None."""
        if not self.changed:
            return None
        self.changed = False
        return self.state
