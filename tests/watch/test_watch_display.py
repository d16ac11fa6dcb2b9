"""What `watch` shows on its terminal: the oracle warnings `track` shows, the events queued by
id, failed deliveries and notifications pending too long; the position's most severe line."""

from __future__ import annotations

import io
from dataclasses import replace
from datetime import UTC, datetime
from decimal import Decimal

from rich.console import Console

from chainwatch.alerts import Event, EventKind, Notifier, Thresholds
from chainwatch.chains import get_chain
from chainwatch.cli.watch import _event_lines, _log_lines, _status_table
from chainwatch.history import HistoryStore
from chainwatch.history.outbox import Delivery, Notice
from chainwatch.model import Snapshot
from chainwatch.risk.manual import manual_position
from chainwatch.watch import ChainResult, QueuedEvent, Reading, Watch

D = Decimal
T = datetime(2026, 1, 5, 12, tzinfo=UTC)
STALE = "Chainlink BTC/USD answer is 2h 00m old (heartbeat 1h 00m): it may be stale"
# HF 0.9: 1 BTC at $40,000 liquidated at LTV 0.75 against $33,333.33.
UNDER = replace(
    manual_position(D(1), D(40000), D("33333.33"), D(0), D("0.75")),
    account="0x70997970C51812dc3A010C7d01b50e0d17dc79C8", protocol="aave-v3", market="0xPool", chain="devnet",
    timestamp=T, block_number=7,
)  # fmt: skip
SNAPSHOT = Snapshot(chain="devnet", chain_id=31337, block_number=7, timestamp=T, positions=(UNDER,), warnings=(STALE,))


def text(*renderables) -> str:
    console = Console(width=200, record=True, file=io.StringIO())
    for renderable in renderables:
        console.print(renderable)
    return console.export_text()


def test_the_log_lines_show_the_oracle_warnings_events_failures_and_overdue(tmp_path):
    event = Event(EventKind.liquidatable, "devnet", UNDER)
    notice = Notice.of(event)
    overdue = {"id": 3, "title": "chainwatch STOPPED watching devnet", "created_at": 1767614400, "attempts": 4,
               "last_error": "connection refused"}  # fmt: skip
    reading = Reading(
        (ChainResult("devnet", SNAPSHOT, new_readings=1),),
        events=[QueuedEvent(event, notice, 5)],
        deliveries=[Delivery(5, "liquidatable", notice.message.title, False, "connection refused")],
        overdue=[overdue],
    )
    shown = text(*_log_lines(reading), *_event_lines(reading))
    assert f"⚠ {STALE}" in shown
    assert f"liquidatable #5 {notice.message.title}" in shown
    assert "(delivery of #5 failed: connection refused; it will be retried)" in shown
    assert (
        "UNDELIVERED #3 chainwatch STOPPED watching devnet: pending since 2026-01-05 12:00:00 UTC after 4 attempt(s) "
        "(last error: connection refused)" in shown
    )


def test_the_live_table_shows_the_warnings_and_liquidatable_and_fits_the_terminal(tmp_path):
    with HistoryStore.open(str(tmp_path / "h.sqlite3")) as store:
        watching = Watch([get_chain("devnet", None)], [UNDER.account], store=store, thresholds=Thresholds(),
                         notifier=Notifier([]), rpc={"devnet": ["http://127.0.0.1:9"]})  # fmt: skip
        watching.chains[0].tracker.update(SNAPSHOT.positions)
        reading = Reading((ChainResult("devnet", SNAPSHOT),))
        shown = text(_status_table(reading, watching, 200))
        narrow = text(_status_table(reading, watching, 50))
    assert "LIQUIDATABLE" in shown and f"⚠ {STALE}" in shown and "too narrow" not in shown
    # At 50 columns whole columns go, named; the alert, account and market stay, no figure is cut.
    assert "LIQUIDATABLE" in narrow and "0x7099…79C8" in narrow and "…" not in narrow.replace("0x7099…79C8", "")
    assert "(too narrow for: liq. LTV, BTC price, liq. BTC; widen the terminal)" in narrow
