"""The watch loop: read, store, alert; every interval until stopped.

Each reading is one block-pinned snapshot. It is committed to the history before any alert
goes out, so an alert never refers to data that a crash could lose; each alert is logged after
it was sent, so a watch killed between the two sends it again when restarted (at least once,
never silently dropped). The alert levels resume from that log, so a restarted watch does not
repeat the warnings it already sent. A failed read (node down, rate limit) is reported and
retried at the next interval: the watch exists for the bad days, when public endpoints fail.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from chainwatch.alerts import Alert, AlertTracker, Message, Notifier, Thresholds, compose
from chainwatch.chain import Chain
from chainwatch.history.store import HistoryStore
from chainwatch.model import Snapshot
from chainwatch.rpc import RpcError
from chainwatch.rpc.urls import rpc_urls
from chainwatch.snapshot import read_snapshot


@dataclass(frozen=True)
class SentAlert:
    alert: Alert
    message: Message
    delivered: bool


@dataclass(frozen=True)
class Reading:
    """What one pass of the loop did: the snapshot stored and the alerts sent, or the error."""

    snapshot: Snapshot | None
    new_readings: int = 0
    alerts: list[SentAlert] = field(default_factory=list)
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
    ) -> None:
        self.chain = chain
        self.accounts = list(accounts)
        self.store = store
        self.notifier = notifier
        self.endpoints = rpc_urls(chain, rpc)
        self.protocols = list(protocols)
        self.tracker = AlertTracker(thresholds, store.alert_levels(chain.name, self.accounts))

    def tick(self) -> Reading:
        try:
            snapshot = read_snapshot(self.chain, self.accounts, rpc=self.endpoints, protocols=self.protocols)
        except RpcError as exc:
            return Reading(snapshot=None, error=str(exc))
        new = self.store.save_snapshot(snapshot, self.endpoints)
        sent = []
        unreadable = [(snapshot.chain, u.account.lower(), u.protocol, u.market.lower()) for u in snapshot.unreadable]
        for alert in self.tracker.update(snapshot.positions, unreadable):
            message = compose(alert)
            delivered = self.notifier.send(message, alert.kind)
            self.store.record_alert(alert, message, delivered)
            sent.append(SentAlert(alert, message, delivered))
        error = "; ".join(str(u) for u in snapshot.unreadable) or None
        return Reading(snapshot=snapshot, new_readings=new, alerts=sent, error=error)

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
