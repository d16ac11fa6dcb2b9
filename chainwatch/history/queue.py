"""Queueing notifications and keeping alert state, inside a caller's transaction.

The connection-level half of the outbox (chainwatch.history.outbox delivers): HistoryStore.record
calls these in the transaction that stores a reading, so a reading, the alert state it changed
and the notifications it caused are committed together or not at all.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Connection, and_, delete, insert, select

from chainwatch.alerts.events import Event
from chainwatch.alerts.messages import Message, compose
from chainwatch.alerts.tracker import PositionKey
from chainwatch.history.schema import alert_state, outbox

WATCH = "watch"  # the protocol under which a watch keeps its own state (blind, oracle warnings)


def watch_key(chain: str) -> PositionKey:
    """The state key of the watch of `chain` itself."""
    return (chain, "", WATCH, "")


@dataclass(frozen=True)
class Notice:
    """An event and its text, ready to be queued."""

    event: Event
    message: Message

    @classmethod
    def of(cls, event: Event) -> Notice:
        return cls(event, compose(event))


def enqueue(connection: Connection, notice: Notice, now: int) -> int:
    """Queue `notice`, due at once; returns its outbox id."""
    event, position = notice.event, notice.event.position
    result = connection.execute(
        insert(outbox).values(
            created_at=now,
            chain=event.chain,
            account=position.account if position else "",
            protocol=position.protocol if position else WATCH,
            market=position.market if position else "",
            block_number=position.block_number if position else None,
            event=event.kind.value,
            notify_type=event.notify_type,
            line=event.line.key if event.line else None,
            ltv=position.ltv if position else None,
            health_factor=position.health_factor if position else None,
            title=notice.message.title,
            body=notice.message.body,
            attempts=0,
            next_attempt_at=now,
        )
    )
    key = result.inserted_primary_key
    assert key is not None  # an autoincrement insert always returns its id
    return int(key[0])


def write_state(connection: Connection, key: PositionKey, lines: frozenset[str], now: int) -> None:
    """Set the crossed lines of one position (or a watch) to exactly `lines`."""
    chain, account, protocol, market = key
    where = and_(
        alert_state.c.chain == chain,
        alert_state.c.account == account,
        alert_state.c.protocol == protocol,
        alert_state.c.market == market,
    )
    kept = set(connection.execute(select(alert_state.c.line).where(where)).scalars())
    gone = kept - lines
    if gone:
        connection.execute(delete(alert_state).where(where, alert_state.c.line.in_(gone)))
    rows = [
        {"chain": chain, "account": account, "protocol": protocol, "market": market, "line": line, "since": now}
        for line in sorted(lines - kept)
    ]
    if rows:
        connection.execute(insert(alert_state), rows)


def read_state(connection: Connection, chain: str) -> dict[PositionKey, frozenset[str]]:
    """Every crossed line on `chain`. State of positions a watch does not see is harmless: only
    a position in a reading is judged (and only one seen by this process counts as closed)."""
    rows = connection.execute(select(alert_state).where(alert_state.c.chain == chain)).mappings()
    state: dict[PositionKey, set[str]] = {}
    for row in rows:
        state.setdefault((row["chain"], row["account"], row["protocol"], row["market"]), set()).add(row["line"])
    return {key: frozenset(lines) for key, lines in state.items()}
