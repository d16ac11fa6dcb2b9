"""The watch loop: read, store, alert; every interval until stopped, on one chain or several.

Each reading of a chain is one block-pinned snapshot. The snapshot, the alert state it changes
and the notifications it causes are committed in one transaction (HistoryStore.record); only
then are the notifications delivered, from the outbox (chainwatch.history.outbox), which
retries what failed on later readings and after a restart. Alert state is resumed from the
database, chain by chain, so a restarted watch neither repeats what it sent nor misses a line
crossed while it was down.

Several chains are watched side by side: each interval every chain is read in its own thread,
and each chain's reading is stored, judged and its alerts delivered as soon as it is in, so a
slow or dead chain never delays or hides another. A chain whose reading has not come back by
the end of the interval counts as a failed reading, and is not read again until it has.

A failed read (node down, rate limit) is shown and retried at the next interval: the watch
exists for the bad days, when public endpoints fail. After a few failures in a row of one chain
it notifies that it cannot read that chain (chainwatch.alerts.readings), and again when it reads
it again; a partial reading (a position whose oracle or balance read reverted) is stored and
judged for what it read, and counts as a failure for what it could not.
"""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from chainwatch.alerts import AlertTracker, Event, EventKind, Notifier, ReadMonitor, Thresholds
from chainwatch.alerts.readings import DEFAULT_UNREADABLE_AFTER
from chainwatch.alerts.tracker import LineSource, PositionKey, no_own_lines
from chainwatch.chain import Chain
from chainwatch.errors import UnreadableError
from chainwatch.history.outbox import Delivery, Notice, Outbox, chains_label, watch_key
from chainwatch.history.store import HistoryStore
from chainwatch.loanbook import CefiLoan
from chainwatch.model import Snapshot
from chainwatch.rpc.urls import rpc_urls
from chainwatch.snapshot import chain_protocols, chains_with_markets, read_snapshot

DEFAULT_UNDELIVERED_AFTER = 900.0  # seconds a notification may stay pending before the terminal is told


@dataclass(frozen=True)
class QueuedEvent:
    event: Event
    notice: Notice
    outbox_id: int


@dataclass(frozen=True)
class ChainResult:
    """One chain's part of a reading: the snapshot stored and how many of its position readings
    were new, or None with the `error` that kept it out; a stored snapshot's `error` names the
    positions it could not read."""

    chain: str
    snapshot: Snapshot | None = None
    new_readings: int = 0
    error: str | None = None


@dataclass(frozen=True)
class Reading:
    """What one pass of the loop did: each chain's result (in the watch's chain order; none
    before the first reading), the events it queued, the deliveries attempted, and
    notifications pending longer than allowed."""

    chains: tuple[ChainResult, ...] = ()
    events: list[QueuedEvent] = field(default_factory=list)
    deliveries: list[Delivery] = field(default_factory=list)
    overdue: list[dict[str, Any]] = field(default_factory=list)

    def of(self, chain: str) -> ChainResult | None:
        """The result of `chain` in this reading, if it has one."""
        return next((result for result in self.chains if result.chain == chain), None)


class ChainWatch:
    """One chain of a watch: where it reads and what, its read monitor and its alert state
    (both resumed from the history), and whether a reading of it is under way."""

    def __init__(
        self,
        chain: Chain,
        *,
        store: HistoryStore,
        endpoints: Sequence[str],
        protocols: Sequence[str],
        loans: Sequence[CefiLoan],
        owners: Sequence[str],
        thresholds: Thresholds,
        own_lines: LineSource,
        unreadable_after: int,
    ) -> None:
        self.chain = chain
        self.endpoints = list(endpoints)
        self.protocols = list(protocols)
        self.loans = list(loans)
        state = store.alert_state(chain.name)
        self.monitor = ReadMonitor(
            chain.name, unreadable_after, state.pop(watch_key(chain.name), ()), also_blind_to=_cefi_note(loans)
        )
        self.tracker = AlertTracker(thresholds, state, own_lines)
        # A CeFi loan's account is its label (or empty): its last reading is stored under that.
        self.tracker.remember(store.latest_positions(chain.name, [*owners, *(loan.label for loan in self.loans)]))
        self.reading = False
        self.last_snapshot: Snapshot | None = None

    def read(self, accounts: Sequence[str]) -> Snapshot:
        return read_snapshot(self.chain, accounts, rpc=self.endpoints, protocols=self.protocols, loans=self.loans)

    def judge(self, snapshot: Snapshot) -> tuple[list[Event], str | None]:
        """The events a snapshot gives, and the positions it could not read (None: all read)."""
        self.last_snapshot = snapshot
        partial = "; ".join(str(u) for u in snapshot.unreadable) or None
        unreadable = [(snapshot.chain, u.account.lower(), u.protocol, u.market.lower()) for u in snapshot.unreadable]
        return self.monitor.read(snapshot.warnings, partial) + self.tracker.update(
            snapshot.positions, unreadable
        ), partial

    def state_changes(self) -> dict[PositionKey, frozenset[str]]:
        """The alert state and the monitor's state that changed since the last call, to store."""
        state: dict[PositionKey, frozenset[str]] = self.tracker.take_changes()
        monitor_state = self.monitor.take_change()
        if monitor_state is not None:
            state[watch_key(self.chain.name)] = monitor_state
        return state


def _cefi_note(loans: Sequence[CefiLoan]) -> str | None:
    """What a chain that values the CeFi loans leaves unjudged while it cannot be read (their
    alert state is kept under that chain, so the watch does not move them to another)."""
    if not loans:
        return None
    names = ", ".join(repr(loan.name) for loan in loans)
    return (
        f"The CeFi loan(s) {names} are valued at this chain's BTC/USD feed: they are not judged until it reads again."
    )


# What a chain's reading thread hands back: the snapshot, or the error that kept it out.
_Outcome = tuple[ChainWatch, Snapshot | BaseException]


class Watch:
    """Watches `accounts` on `chains`: call `tick()` for one reading, `run()` for the loop.

    `rpc` gives endpoints per chain name (else the environment and the address book), as for
    chainwatch.snapshot.read_chains; so does a `protocols` filter (a chain it leaves nothing to
    read on is not watched). CeFi `loans` are valued once per reading, on the first chain.
    """

    def __init__(
        self,
        chains: Sequence[Chain],
        accounts: Sequence[str],
        *,
        store: HistoryStore,
        thresholds: Thresholds,
        notifier: Notifier,
        rpc: Mapping[str, Sequence[str]] | None = None,
        protocols: Sequence[str] = (),
        own_lines: LineSource = no_own_lines,
        unreadable_after: int = DEFAULT_UNREADABLE_AFTER,
        undelivered_after: float = DEFAULT_UNDELIVERED_AFTER,
        heartbeat: float | None = None,
        loans: Sequence[CefiLoan] = (),
    ) -> None:
        self.accounts = list(accounts)
        self.store = store
        self.notifier = notifier
        chosen = chains_with_markets(chains, protocols)
        self.chains = [
            ChainWatch(
                chain,
                store=store,
                endpoints=rpc_urls(chain, (rpc or {}).get(chain.name, ()), alongside_book=len(chosen) > 1),
                protocols=chain_protocols(chain, protocols),
                loans=loans if index == 0 else (),
                owners=self.accounts,
                thresholds=thresholds,
                own_lines=own_lines,
                unreadable_after=unreadable_after,
            )
            for index, chain in enumerate(chosen)
        ]
        self.names = chains_label(part.chain.name for part in self.chains)  # what the watch's own events name
        self.outbox = Outbox(store, notifier)
        self.undelivered_after = undelivered_after
        self.heartbeat = heartbeat
        self._last_beat = time.monotonic()
        self._started = False
        self._reported: set[int] = set()
        self._done: queue.Queue[_Outcome] = queue.Queue()

    def tick(self, wait: float | None = None) -> Reading:
        """One reading of every chain, each stored with its notifications and those delivered
        as soon as it is in; a chain not back within `wait` seconds (None: no limit) counts as
        a failed reading, and its snapshot is taken by the tick that finds it done."""
        deadline = None if wait is None else time.monotonic() + wait
        for part in self.chains:
            if not part.reading:
                self._start(part)
        results: dict[str, ChainResult] = {}
        queued: list[QueuedEvent] = []
        deliveries: list[Delivery] = []
        while any(part.reading for part in self.chains):
            try:
                part, outcome = self._done.get(
                    timeout=None if deadline is None else max(0.0, deadline - time.monotonic())
                )
            except queue.Empty:
                break
            part.reading = False
            results[part.chain.name], events = self._take(part, outcome)
            queued += events
            if events:
                deliveries += self._deliver()
        for part in self.chains:
            if part.reading:  # still under way: a failed reading, until it answers
                error = f"no answer within {wait:g} s; still reading"
                queued += self._record(None, part.monitor.failed(error), part.state_changes(), part.endpoints)[1]
                results[part.chain.name] = ChainResult(part.chain.name, error=error)
        if self.heartbeat is not None and time.monotonic() - self._last_beat >= self.heartbeat:
            self._last_beat = time.monotonic()
            queued += self._record(None, [self._heartbeat()])[1]
        deliveries += self._deliver()
        overdue = [row for row in self.outbox.overdue(self.undelivered_after) if row["id"] not in self._reported]
        self._reported.update(int(row["id"]) for row in overdue)
        ordered = tuple(results[p.chain.name] for p in self.chains if p.chain.name in results)
        return Reading(ordered, events=queued, deliveries=deliveries, overdue=overdue)

    def stopped(self, reason: str) -> Reading:
        """Queue and try to deliver the "watch stopped" notification."""
        # The time says when: a notification that could not go out now is delivered at the next start.
        when = f"{reason} at {datetime.now(UTC):%Y-%m-%d %H:%M:%S} UTC"
        _, queued = self._record(None, [Event(EventKind.stopped, self.names, details=(when,))])
        return Reading(events=queued, deliveries=self._deliver())

    def run(
        self,
        every: float,
        stop: threading.Event,
        on_reading: Callable[[Reading], None] = lambda reading: None,
    ) -> int:
        """Tick every `every` seconds (from the start of one reading to the next) until `stop`
        is set; returns how many readings were taken. A chain slower than `every` waits for
        nobody: see `tick`."""
        count = 0
        while not stop.is_set():
            started = time.monotonic()
            on_reading(self.tick(wait=every))
            count += 1
            stop.wait(max(0.0, every - (time.monotonic() - started)))
        return count

    def _start(self, part: ChainWatch) -> None:
        """Read `part` in a daemon thread (a Ctrl-C never waits on a chain's silent endpoint)."""

        def read() -> None:
            try:
                self._done.put((part, part.read(self.accounts)))
            except BaseException as exc:  # handed to the watch's thread, which decides
                self._done.put((part, exc))

        part.reading = True
        threading.Thread(target=read, daemon=True, name=f"watch {part.chain.name}").start()

    def _take(self, part: ChainWatch, outcome: Snapshot | BaseException) -> tuple[ChainResult, list[QueuedEvent]]:
        """Store one chain's reading (or its failure) with the events it gives."""
        name = part.chain.name
        if isinstance(outcome, UnreadableError):  # node down, rate limit: not bad input, which raises
            _, queued = self._record(None, part.monitor.failed(str(outcome)), part.state_changes(), part.endpoints)
            return ChainResult(name, error=str(outcome)), queued
        if isinstance(outcome, BaseException):
            raise outcome
        events, partial = part.judge(outcome)
        new, queued = self._record(outcome, events, part.state_changes(), part.endpoints)
        return ChainResult(name, outcome, new, partial), queued

    def _record(
        self,
        snapshot: Snapshot | None,
        events: list[Event],
        state: Mapping[PositionKey, frozenset[str]] | None = None,
        endpoints: Sequence[str] = (),
    ) -> tuple[int, list[QueuedEvent]]:
        """Commit the reading, the state it changed and its notifications; (new readings, queued)."""
        notices = [Notice.of(event) for event in events]
        recorded = self.store.record(snapshot, notices, state, endpoints=endpoints)
        return recorded.new_readings, [QueuedEvent(n.event, n, i) for n, i in zip(notices, recorded.outbox_ids)]

    def _deliver(self) -> list[Delivery]:
        """Deliver what is due (everything pending on the first call, as after a restart)."""
        deliveries = self.outbox.deliver(every_pending=not self._started)
        self._started = True
        return deliveries

    def _heartbeat(self) -> Event:
        lines = []
        for part in self.chains:
            snapshot = part.last_snapshot
            if snapshot is None:
                lines.append(f"{part.chain.name}: not read yet")
                continue
            open_lines = sum(1 for p in snapshot.positions if part.tracker.crossed(p))
            lines.append(
                f"{part.chain.name}: last reading block {snapshot.block_number} at "
                f"{snapshot.timestamp:%Y-%m-%d %H:%M:%S} UTC, {len(snapshot.positions)} position(s), "
                f"{open_lines} past a line."
            )
        return Event(EventKind.heartbeat, self.names, details=(f"{len(self.accounts)} wallet(s).", *lines))
