"""The watch loop: read, store, alert; every interval until stopped.

Each reading is one block-pinned snapshot. The snapshot, the alert state it changes and the
notifications it causes are committed in one transaction (HistoryStore.record); only then are
the notifications delivered, from the outbox (chainwatch.history.outbox), which retries what
failed on later readings and after a restart. Alert state is resumed from the database, so a
restarted watch neither repeats what it sent nor misses a line crossed while it was down.

A failed read (node down, rate limit) is shown and retried at the next interval: the watch
exists for the bad days, when public endpoints fail. After a few failures in a row it
notifies that it cannot read (chainwatch.alerts.readings), and again when it reads again; a
partial reading (a position whose oracle or balance read reverted) is stored and judged for
what it read, and counts as a failure for what it could not.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from chainwatch.alerts import AlertTracker, Event, EventKind, Notifier, ReadMonitor, Thresholds
from chainwatch.alerts.readings import DEFAULT_UNREADABLE_AFTER
from chainwatch.alerts.tracker import LineSource, PositionKey, no_own_lines
from chainwatch.chain import Chain
from chainwatch.errors import UnreadableError
from chainwatch.history.outbox import Delivery, Notice, Outbox, watch_key
from chainwatch.history.store import HistoryStore
from chainwatch.loanbook import CefiLoan
from chainwatch.model import Snapshot
from chainwatch.rpc import RpcError
from chainwatch.rpc.urls import rpc_urls
from chainwatch.snapshot import read_snapshot

DEFAULT_UNDELIVERED_AFTER = 900.0  # seconds a notification may stay pending before the terminal is told


@dataclass(frozen=True)
class QueuedEvent:
    event: Event
    notice: Notice
    outbox_id: int


@dataclass(frozen=True)
class Reading:
    """What one pass of the loop did: the snapshot stored (or the read error), the events it
    queued, the deliveries attempted, and notifications pending longer than allowed."""

    snapshot: Snapshot | None
    new_readings: int = 0
    events: list[QueuedEvent] = field(default_factory=list)
    deliveries: list[Delivery] = field(default_factory=list)
    overdue: list[dict[str, Any]] = field(default_factory=list)
    error: str | None = None


class Watch:
    """Watches `accounts` on `chain`: call `tick()` for one reading, `run()` for the loop."""

    def __init__(
        self,
        chain: Chain,
        accounts: Sequence[str],
        *,
        store: HistoryStore,
        thresholds: Thresholds,
        notifier: Notifier,
        rpc: Sequence[str] = (),
        protocols: Sequence[str] = (),
        own_lines: LineSource = no_own_lines,
        unreadable_after: int = DEFAULT_UNREADABLE_AFTER,
        undelivered_after: float = DEFAULT_UNDELIVERED_AFTER,
        heartbeat: float | None = None,
        loans: Sequence[CefiLoan] = (),
    ) -> None:
        self.chain = chain
        self.accounts = list(accounts)
        self.store = store
        self.notifier = notifier
        self.endpoints = rpc_urls(chain, rpc)
        self.protocols = list(protocols)
        self.loans = list(loans)
        state = store.alert_state(chain.name)
        self.monitor = ReadMonitor(chain.name, unreadable_after, state.pop(watch_key(chain.name), ()))
        self.tracker = AlertTracker(thresholds, state, own_lines)
        # A CeFi loan's account is its label (or empty): its last reading is stored under that.
        owners = [*self.accounts, *(loan.label for loan in self.loans)]
        self.tracker.remember(store.latest_positions(chain.name, owners))
        self.outbox = Outbox(store, notifier)
        self.undelivered_after = undelivered_after
        self.heartbeat = heartbeat
        self._last_beat = time.monotonic()
        self._started = False
        self._reported: set[int] = set()
        self.last_snapshot: Snapshot | None = None

    def tick(self) -> Reading:
        """One reading: read, record with its notifications, deliver what is due."""
        try:
            snapshot = read_snapshot(
                self.chain, self.accounts, rpc=self.endpoints, protocols=self.protocols, loans=self.loans
            )
        except (RpcError, UnreadableError) as exc:  # a bad input (an unknown --protocol) is not blindness
            _, queued = self._record(None, self.monitor.failed(str(exc)))
            deliveries, overdue = self._deliver()
            return Reading(None, events=queued, deliveries=deliveries, overdue=overdue, error=str(exc))
        self.last_snapshot = snapshot
        partial = "; ".join(str(u) for u in snapshot.unreadable) or None
        unreadable = [(snapshot.chain, u.account.lower(), u.protocol, u.market.lower()) for u in snapshot.unreadable]
        events = self.monitor.read(snapshot.warnings, partial) + self.tracker.update(snapshot.positions, unreadable)
        if self.heartbeat is not None and time.monotonic() - self._last_beat >= self.heartbeat:
            self._last_beat = time.monotonic()
            events.append(self._heartbeat(snapshot))
        new, queued = self._record(snapshot, events)
        deliveries, overdue = self._deliver()
        return Reading(snapshot, new_readings=new, events=queued, deliveries=deliveries, overdue=overdue, error=partial)

    def stopped(self, reason: str) -> Reading:
        """Queue and try to deliver the "watch stopped" notification."""
        # The time says when: a notification that could not go out now is delivered at the next start.
        when = f"{reason} at {datetime.now(UTC):%Y-%m-%d %H:%M:%S} UTC"
        _, queued = self._record(None, [Event(EventKind.stopped, self.chain.name, details=(when,))])
        deliveries, overdue = self._deliver()
        return Reading(self.last_snapshot, events=queued, deliveries=deliveries, overdue=overdue)

    def run(
        self,
        every: float,
        stop: threading.Event,
        on_reading: Callable[[Reading], None] = lambda reading: None,
    ) -> int:
        """Tick every `every` seconds (from the start of one reading to the next) until `stop`
        is set; returns how many readings were taken."""
        count = 0
        while not stop.is_set():
            started = time.monotonic()
            on_reading(self.tick())
            count += 1
            stop.wait(max(0.0, every - (time.monotonic() - started)))
        return count

    def _record(self, snapshot: Snapshot | None, events: list[Event]) -> tuple[int, list[QueuedEvent]]:
        """Commit the reading, the state it changed and its notifications; (new readings, queued)."""
        notices = [Notice.of(event) for event in events]
        state: dict[PositionKey, frozenset[str]] = self.tracker.take_changes()
        monitor_state = self.monitor.take_change()
        if monitor_state is not None:
            state[watch_key(self.chain.name)] = monitor_state
        recorded = self.store.record(snapshot, notices, state, endpoints=self.endpoints)
        queued = [QueuedEvent(n.event, n, i) for n, i in zip(notices, recorded.outbox_ids)]
        return recorded.new_readings, queued

    def _deliver(self) -> tuple[list[Delivery], list[dict[str, Any]]]:
        """Deliver what is due (everything pending on the first call, as after a restart) and
        find what has been pending too long (each reported once)."""
        deliveries = self.outbox.deliver(every_pending=not self._started)
        self._started = True
        overdue = [row for row in self.outbox.overdue(self.undelivered_after) if row["id"] not in self._reported]
        self._reported.update(int(row["id"]) for row in overdue)
        return deliveries, overdue

    def _heartbeat(self, snapshot: Snapshot) -> Event:
        open_lines = sum(1 for p in snapshot.positions if self.tracker.crossed(p))
        detail = (
            f"Last reading: block {snapshot.block_number} at {snapshot.timestamp:%Y-%m-%d %H:%M:%S} UTC, "
            f"{len(self.accounts)} wallet(s), {len(snapshot.positions)} position(s), {open_lines} past a line."
        )
        return Event(EventKind.heartbeat, self.chain.name, details=(detail,))
