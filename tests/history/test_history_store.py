"""The history store on SQLite and on a real PostgreSQL server: exact round trips, idempotent
saves, history queries, alert state and the outbox, and secrets kept out of what is stored and shown."""

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select, text

from chainwatch.alerts import Event, EventKind, Message, Thresholds, compose, position_key
from chainwatch.history import HistoryStore, HistoryStoreError, database_url
from chainwatch.history.outbox import Notice, alert_log, watch_key
from chainwatch.history.schema import holdings, positions, snapshots
from chainwatch.model import Asset, Compounding, Holding, Position, Snapshot
from chainwatch.rpc import redact

D = Decimal
T0 = datetime(2026, 1, 5, 12, 0, tzinfo=UTC)
A = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8"
B = "0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC"
WBTC = Asset("devnet", "0x" + "11" * 20, "WBTC", 8, is_btc=True)
WETH = Asset("devnet", "0x" + "22" * 20, "WETH", 18)
USDC = Asset("devnet", "0x" + "33" * 20, "USDC", 6)


def position(account: str, block: int, when: datetime, btc_price: str = "60000", market: str = "0xPool") -> Position:
    return Position(
        protocol="aave-v3", market=market, account=account, chain="devnet", block_number=block, timestamp=when,
        collateral=(
            Holding(WBTC, D("0.50000001"), D(btc_price), D("0.73"), D("0.78"), earns_interest=True),
            Holding(WETH, D("1.123456789012345678"), D("3000.12345678"), D("0.80"), D("0.825"), earns_interest=True),
        ),
        debt=(Holding(USDC, D("12345.678901"), D("1.00010000"), borrow_apr=D("0.0512345678901234567890123")),),
    )  # fmt: skip


def snapshot(block: int = 200, when: datetime = T0, accounts=(A,), btc_price: str = "60000") -> Snapshot:
    return Snapshot(
        chain="devnet", chain_id=31337, block_number=block, timestamp=when,
        positions=tuple(position(a, block, when, btc_price) for a in accounts),
    )  # fmt: skip


def test_a_snapshot_comes_back_exactly(db_url):
    original = snapshot(accounts=(A, B))
    with HistoryStore.open(db_url) as store:
        assert store.save_snapshot(original, ["http://127.0.0.1:8545"]) == 2
        again = store.snapshot_at(31337, 200)
    assert again == original
    for stored, source in zip(again.positions, original.positions):
        for h, g in zip(stored.debt, source.debt):
            assert str(h.borrow_apr) == str(g.borrow_apr)  # every digit, not a float's worth
    assert again.positions[0].ltv == original.positions[0].ltv


def test_a_positions_compounding_rule_comes_back_with_it(db_url):
    """Per second (an adapter's rule), monthly by the loan's own terms, and unknown: each as read,
    and the newest stored snapshot of the chain is the one read back with when it was stored."""
    rules = (
        replace(
            position(A, 200, T0),
            compounding=Compounding.PER_SECOND,
            threshold_step=Decimal("0.0001"),
            ltv_step=Decimal("0.0001"),
        ),
        replace(position(B, 200, T0), market="Ledn", compounding=Compounding.MONTHLY, compounding_source="loan"),
        position(A, 200, T0, market="0xOther"),
    )
    original = replace(snapshot(), positions=rules)
    with HistoryStore.open(db_url) as store:
        store.save_snapshot(snapshot(block=150))
        before = datetime.now(UTC).replace(microsecond=0)
        store.save_snapshot(original)
        latest = store.latest_snapshot("devnet")
        assert store.latest_snapshot("devnet-l2") is None
    assert latest.snapshot == original
    assert [(p.compounding, p.compounding_source) for p in latest.snapshot.positions] == [
        (Compounding.PER_SECOND, "protocol"),
        (Compounding.MONTHLY, "loan"),
        (None, "protocol"),
    ]
    assert [p.threshold_step for p in latest.snapshot.positions] == [Decimal("0.0001"), None, None]
    assert [p.ltv_step for p in latest.snapshot.positions] == [Decimal("0.0001"), None, None]
    assert before <= latest.recorded_at <= datetime.now(UTC)


def test_a_position_without_debt_keeps_its_empty_figures(db_url):
    empty = replace(snapshot(), positions=(replace(position(A, 200, T0), debt=()),))
    with HistoryStore.open(db_url) as store:
        store.save_snapshot(empty)
        (row,) = store.history(A)
        assert store.snapshot_at(31337, 200) == empty
    assert row.health_factor is None and row.liquidation_price_btc is None and row.ltv == 0


def test_saving_a_block_twice_adds_only_new_readings(db_url):
    with HistoryStore.open(db_url) as store:
        assert store.save_snapshot(snapshot(accounts=(A,))) == 1
        assert store.save_snapshot(snapshot(accounts=(A,))) == 0
        assert store.save_snapshot(snapshot(accounts=(A, B))) == 1
        assert len(store.snapshot_at(31337, 200).positions) == 2
        assert store.stored_blocks(31337) == [200]
        assert store.snapshot_at(31337, 999) is None


def test_history_rows_hold_the_derived_figures_in_time_order(db_url):
    with HistoryStore.open(db_url) as store:
        for i, price in enumerate(["60000", "50000", "40000"]):
            store.save_snapshot(snapshot(300 - i * 10, T0 - timedelta(days=i), btc_price=price))
        rows = store.history(A)
        assert [r.block_number for r in rows] == [280, 290, 300]
        source = position(A, 280, T0, "40000")
        first = rows[0]
        assert (first.ltv, first.liquidation_ltv, first.health_factor, first.liquidation_price_btc) == (
            source.ltv, source.liquidation_ltv, source.health_factor, source.liquidation_price_btc,
        )  # fmt: skip
        assert first.btc_price_usd == D(40000) and first.debt_usd == source.debt_usd
        assert [r.block_number for r in store.history(A, since=T0 - timedelta(days=1))] == [290, 300]
        assert [r.block_number for r in store.history(A, until=T0 - timedelta(hours=1))] == [280, 290]
        assert store.history(A, chain="ethereum") == []
        assert store.history(B) == []


def test_a_reading_its_alert_state_and_its_notifications_commit_together(db_url):
    risky = position(A, 200, T0, "22000")
    crossed = Event(EventKind.crossed, "devnet", risky, line=Thresholds().lines[0])
    key = position_key(risky)
    with HistoryStore.open(db_url) as store:
        recorded = store.record(
            snapshot(), [Notice.of(crossed)], {key: frozenset({"share:0.8", "share:0.9"})}, now=1000
        )
        assert recorded.new_readings == 1 and recorded.outbox_ids == [1]
        assert store.alert_state("devnet") == {key: {"share:0.8", "share:0.9"}}
        store.record(None, [], {key: frozenset({"share:0.8"}), watch_key("devnet"): frozenset({"unreadable"})})
        assert store.alert_state("devnet") == {key: {"share:0.8"}, watch_key("devnet"): {"unreadable"}}
        assert store.alert_state("base") == {}
        (row,) = alert_log(store, A)
    assert (row["status"], row["event"], row["notify_type"], row["line"], row["attempts"]) == (
        "pending", "crossed", "warning", "share:0.8", 0,
    )  # fmt: skip
    assert row["title"] == compose(crossed).title and row["ltv"] == risky.ltv


def test_the_latest_stored_reading_of_each_position(db_url):
    with HistoryStore.open(db_url) as store:
        store.save_snapshot(snapshot(block=100, accounts=(A, B), btc_price="50000"))
        store.save_snapshot(snapshot(block=110, accounts=(A,), btc_price="40000"))
        latest = {p.account: p for p in store.latest_positions("devnet", [A.lower(), B])}
        assert store.latest_positions("base", [A]) == []
    assert (latest[A].block_number, latest[A].btc_price_usd) == (110, D(40000))
    assert (latest[B].block_number, latest[B].btc_price_usd) == (100, D(50000))
    assert latest[A] == position(A, 110, T0, "40000")  # rebuilt exactly


def test_a_failed_reading_write_leaves_no_notification_behind(db_url):
    # The snapshot and its notifications are one transaction: a failure in between keeps neither.
    risky = position(A, 200, T0, "22000")
    crossed = Event(EventKind.crossed, "devnet", risky, line=Thresholds().lines[0])
    with HistoryStore.open(db_url) as store:
        with pytest.raises(HistoryStoreError):
            broken = Notice(crossed, Message(None, "no title: NOT NULL fails"))  # type: ignore[arg-type]
            store.record(snapshot(), [Notice.of(crossed), broken], {position_key(risky): frozenset({"share:0.8"})})
        assert alert_log(store) == [] and store.stored_blocks(31337) == []
        assert store.alert_state("devnet") == {}


def test_endpoints_are_stored_without_their_keys(db_url):
    with HistoryStore.open(db_url) as store:
        store.save_snapshot(snapshot(), ["https://eth-mainnet.example.com/v2/SECRETKEY?x=1", "http://127.0.0.1:8545"])
        with store.engine.connect() as connection:
            (source,) = connection.execute(select(snapshots.c.source)).scalars()
    assert "SECRETKEY" not in source and "x=1" not in source
    assert source.split() == sorted(
        redact(u) for u in ["https://eth-mainnet.example.com/v2/SECRETKEY?x=1", "http://127.0.0.1:8545"]
    )


def test_a_failing_write_leaves_nothing_behind(db_url):
    broken = replace(
        snapshot(accounts=(A, B)), positions=(position(A, 200, T0), replace(position(B, 200, T0), market=None))
    )
    with HistoryStore.open(db_url) as store:
        with pytest.raises(HistoryStoreError):
            store.save_snapshot(broken)
        with store.engine.connect() as connection:
            counts = [
                connection.execute(select(func.count()).select_from(t)).scalar()
                for t in (snapshots, positions, holdings)
            ]
    assert counts == [0, 0, 0]


def test_sqlite_runs_in_wal_mode(tmp_path):
    with HistoryStore.open(str(tmp_path / "h.sqlite3")) as store:
        with store.engine.connect() as connection:
            assert connection.execute(text("PRAGMA journal_mode")).scalar() == "wal"
            assert connection.execute(text("PRAGMA foreign_keys")).scalar() == 1


def test_the_default_database_lives_in_the_user_data_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path))
    monkeypatch.delenv("CHAINWATCH_DB", raising=False)
    with HistoryStore.open() as store:
        store.save_snapshot(snapshot())
    assert (tmp_path / "chainwatch" / "history.sqlite3").is_file()


def test_database_urls():
    assert database_url("/tmp/x.sqlite3").render_as_string() == "sqlite:////tmp/x.sqlite3"
    assert database_url("postgresql://u:pw@db/h").drivername == "postgresql+psycopg"
    assert database_url("postgresql+psycopg2://u@db/h").drivername == "postgresql+psycopg2"


def test_an_unreachable_server_is_one_line_with_the_password_masked():
    from chainwatch.devnet.anvil import free_port

    with pytest.raises(HistoryStoreError) as caught:
        HistoryStore.open(f"postgresql://watcher:hunter2@127.0.0.1:{free_port()}/history")
    message = str(caught.value)
    assert "hunter2" not in message and "***" in message and "\n" not in message


def test_a_missing_driver_is_one_line():
    with pytest.raises(HistoryStoreError, match="no database driver"):
        HistoryStore.open("mysql+nosuchdriver://u:pw@127.0.0.1/h")
