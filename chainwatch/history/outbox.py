"""The durable outbox: every notification is a row in the history database before it is sent.

A row is written in the same transaction as the reading that caused it (HistoryStore.record),
and delivered after the commit; each target that accepts it is noted, and the row is marked
delivered once every target has. A failed delivery stays pending and is retried with growing
pauses on later readings, and on the next start whatever the pauses say, until it goes
through: a process killed at any moment loses no notification (at-least-once). A kill between
a target accepting a message and the note of it sends that message again; the row's id rides
along (chainwatch.alerts.delivery) so a receiver can drop the duplicate.

Queueing, and the alert state (which lines each position is past) kept in the same
transaction, are in chainwatch.history.queue.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import insert, or_, select, update

from chainwatch.alerts.delivery import Notifier
from chainwatch.alerts.messages import Message
from chainwatch.history.queue import WATCH, Notice, watch_key
from chainwatch.history.schema import outbox, outbox_deliveries
from chainwatch.history.store import HistoryStore

__all__ = ["Delivery", "Notice", "Outbox", "alert_log", "backoff", "watch_key"]

RETRY_FIRST = 30.0  # seconds before the first retry; doubled each time ...
RETRY_MAX = 3600.0  # ... up to an hour


@dataclass(frozen=True)
class Delivery:
    """One delivery attempt of one outbox row."""

    outbox_id: int
    event: str
    title: str
    delivered: bool
    error: str | None


def backoff(attempts: int, first: float = RETRY_FIRST, most: float = RETRY_MAX) -> float:
    """Seconds to wait after the `attempts`-th failed attempt: first, 2·first, 4·first ... most."""
    return float(min(most, first * 2 ** max(attempts - 1, 0)))


class Outbox:
    """The outbox of one history database, delivered through one watch's targets."""

    def __init__(
        self, store: HistoryStore, notifier: Notifier, *, retry_first: float = RETRY_FIRST, retry_max: float = RETRY_MAX
    ) -> None:
        self.store = store
        self.notifier = notifier
        self.retry_first = retry_first
        self.retry_max = retry_max

    def deliver(self, *, now: float | None = None, every_pending: bool = False) -> list[Delivery]:
        """Send the pending rows that are due (all of them with `every_pending`, as at start),
        oldest first, and note the outcome of each."""
        moment = time.time() if now is None else now
        query = select(outbox).where(outbox.c.delivered_at.is_(None)).order_by(outbox.c.id)
        if not every_pending:
            query = query.where(outbox.c.next_attempt_at <= int(moment))
        with self.store._read() as connection:
            rows = list(connection.execute(query).mappings())
        return [self._attempt(row, int(moment)) for row in rows]

    def _attempt(self, row: Any, now: int) -> Delivery:
        with self.store._read() as connection:
            done = set(
                connection.execute(
                    select(outbox_deliveries.c.target).where(outbox_deliveries.c.outbox_id == row["id"])
                ).scalars()
            )
        results = self.notifier.deliver(Message(row["title"], row["body"]), row["notify_type"], row["id"], skip=done)
        accepted = [target for target, error in results.items() if error is None]
        errors = sorted({error for error in results.values() if error is not None})
        complete = set(self.notifier.fingerprints) <= done | set(accepted)
        attempts = row["attempts"] + 1
        with self.store._transaction() as connection:
            if accepted:
                connection.execute(
                    insert(outbox_deliveries),
                    [{"outbox_id": row["id"], "target": target, "delivered_at": now} for target in accepted],
                )
            connection.execute(
                update(outbox)
                .where(outbox.c.id == row["id"])
                .values(
                    attempts=attempts,
                    delivered_at=now if complete else None,
                    next_attempt_at=now + int(backoff(attempts, self.retry_first, self.retry_max)),
                    last_error="; ".join(errors) if errors else None,
                )
            )
        return Delivery(row["id"], row["event"], row["title"], complete, "; ".join(errors) or None)

    def overdue(self, older_than: float, *, now: float | None = None) -> list[dict[str, Any]]:
        """Pending rows created `older_than` seconds ago or earlier."""
        moment = time.time() if now is None else now
        with self.store._read() as connection:
            query = (
                select(outbox)
                .where(outbox.c.delivered_at.is_(None), outbox.c.created_at <= int(moment - older_than))
                .order_by(outbox.c.id)
            )
            return [dict(row) for row in connection.execute(query).mappings()]


CHAINS_SEPARATOR = ", "


def chains_label(chains: Iterable[str]) -> str:
    """The chain a watch's own notifications (stopped, heartbeat) are filed under: every chain
    the watch reads, so each of them finds them (`alert_log(chain=…)`)."""
    return CHAINS_SEPARATOR.join(chains)


def alert_log(store: HistoryStore, account: str | None = None, chain: str | None = None) -> list[dict[str, Any]]:
    """Every notification, sent and pending (for `account` and the watch's own when given; of
    `chain`, a watch's own included when it reads that chain among others), oldest first, with
    `status` "sent" or "pending" and times as datetimes."""
    query = select(outbox).order_by(outbox.c.id)
    if account:
        query = query.where(or_(outbox.c.account == account, outbox.c.protocol == WATCH))
    with store._read() as connection:
        rows = [dict(row) for row in connection.execute(query).mappings()]
    if chain is not None:
        rows = [row for row in rows if chain in row["chain"].split(CHAINS_SEPARATOR)]
    for row in rows:
        row["status"] = "pending" if row["delivered_at"] is None else "sent"
        for column in ("created_at", "delivered_at", "next_attempt_at"):
            if row[column] is not None:
                row[column] = datetime.fromtimestamp(row[column], tz=UTC)
    return rows
