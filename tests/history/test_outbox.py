"""The outbox on SQLite and on a real PostgreSQL: retries with growing pauses until delivered,
every pending row retried at start, overdue rows found, and `history --alerts` listing
notifications sent and pending."""

from __future__ import annotations

import csv
import io
import json
from dataclasses import replace
from datetime import UTC, datetime
from decimal import Decimal

from jsonschema import Draft202012Validator
from referencing import Registry, Resource

from chainwatch.alerts import Event, EventKind, Notifier, Thresholds
from chainwatch.devnet.anvil import free_port
from chainwatch.history import HistoryStore
from chainwatch.history.outbox import Notice, Outbox, alert_log, backoff
from chainwatch.risk.manual import manual_position
from chainwatch.schemas import COMMANDS, load_schema

D = Decimal
WALLET = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8"
LOAN = replace(
    manual_position(D(1), D(50000), D(34500), D("0.05"), D("0.75")),
    account=WALLET, protocol="aave-v3", market="0xPool", chain="devnet", timestamp=datetime(2026, 1, 5, tzinfo=UTC),
)  # fmt: skip
CROSSED = Notice.of(Event(EventKind.crossed, "devnet", LOAN, line=Thresholds().lines[1]))
BLIND = Notice.of(Event(EventKind.unreadable, "devnet", details=("3 readings in a row failed",)))


def schema_errors(document: dict) -> list:
    """What the shipped history-alerts schema finds wrong with `document`."""
    schemas = [load_schema(name) for name in ("common", *COMMANDS)]
    registry = Registry().with_resources((s["$id"], Resource.from_contents(s)) for s in schemas)
    return list(Draft202012Validator(load_schema("history-alerts"), registry=registry).iter_errors(document))


def test_backoff_doubles_up_to_the_cap():
    assert [backoff(n, 30, 3600) for n in (1, 2, 3, 4, 8, 20)] == [30, 60, 120, 240, 3600, 3600]


def test_a_failed_delivery_is_retried_with_growing_pauses_until_it_goes_through(db_url):
    dead = Notifier([f"json://127.0.0.1:{free_port()}/hook"])
    with HistoryStore.open(db_url) as store:
        (row_id,) = store.record(None, [CROSSED], now=1000).outbox_ids
        outbox = Outbox(store, dead, retry_first=30, retry_max=3600)
        (first,) = outbox.deliver(now=1000)
        assert (first.outbox_id, first.delivered) == (row_id, False) and first.error
        assert outbox.deliver(now=1029) == []  # not due before its pause is over
        assert [d.delivered for d in outbox.deliver(now=1030)] == [False]  # then 60 s
        assert outbox.deliver(now=1089) == []
        assert [d.outbox_id for d in outbox.deliver(now=1040, every_pending=True)] == [row_id]  # as at a restart
        assert [row["id"] for row in outbox.overdue(900, now=1899)] == []
        assert [row["id"] for row in outbox.overdue(900, now=1900)] == [row_id]
        (row,) = alert_log(store)
        assert (row["status"], row["attempts"]) == ("pending", 3) and row["last_error"] == first.error
        # A watch with a target that works (here: the terminal only) delivers it.
        (done,) = Outbox(store, Notifier([])).deliver(now=2000, every_pending=True)
        assert done.delivered and alert_log(store)[0]["status"] == "sent"
        assert Outbox(store, Notifier([])).deliver(now=3000, every_pending=True) == []


def test_history_alerts_lists_sent_and_pending(db_url, cli):
    with HistoryStore.open(db_url) as store:
        store.record(None, [CROSSED, BLIND], now=int(datetime(2026, 1, 5, 12, tzinfo=UTC).timestamp()))
        Outbox(store, Notifier([])).deliver()  # delivers both ...
        store.record(None, [CROSSED])  # ... and this one stays pending
    code, out, err = cli("history", "--alerts", "--db", db_url, "--format", "json")
    assert code == 0, err
    document = json.loads(out)
    assert not schema_errors(document)
    assert schema_errors({**document, "pending": "1"})  # the schema does refuse a wrong document
    assert (document["chain"], document["chain_id"], document["block"]) == ("devnet", None, 0)  # the latest's
    assert document["pending"] == 1
    assert [(a["id"], a["event"], a["status"], a["notify_type"]) for a in document["alerts"]] == [
        (1, "crossed", "sent", "warning"), (2, "unreadable", "sent", "failure"), (3, "crossed", "pending", "warning"),
    ]  # fmt: skip
    assert document["alerts"][0]["created_at"] == "2026-01-05T12:00:00Z"
    assert document["alerts"][0]["account"] == WALLET and document["alerts"][1]["account"] is None
    code, out, err = cli("history", WALLET, "--alerts", "--db", db_url, "--format", "csv")
    assert code == 0 and out.startswith("id,created_at,status,delivered_at")
    rows = list(csv.DictReader(io.StringIO(out)))
    assert [(r["id"], r["status"]) for r in rows] == [
        ("1", "sent"),
        ("2", "sent"),
        ("3", "pending"),
    ]  # the watch's own too
    code, out, _ = cli("history", "--alerts", "--db", db_url)
    assert code == 0 and "pending" in out and "sent" in out
    code, out, err = cli("history", "--db", db_url)
    assert code == 1 and "--alerts" in err and len(err.strip().splitlines()) == 1
