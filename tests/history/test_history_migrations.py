"""The versioned schema: new databases, upgrades step by step, refusals, rollback of a failed step."""

from decimal import Decimal

import pytest
from sqlalchemy import BigInteger, Boolean, Column, Integer, MetaData, String, Table, Text, inspect, select, text

from chainwatch.history import HistoryStore
from chainwatch.history.migrations import SchemaError, current_version, migrate
from chainwatch.history.schema import SCHEMA_VERSION, ExactDecimal, metadata, schema_version
from chainwatch.history.store import database_url, open_engine


def engine_for(db_url):
    return open_engine(database_url(db_url))


def version_one() -> MetaData:
    """A stand-in 'old' schema of this test's own: one table, recorded as version 1."""
    old = MetaData()
    schema_version.to_metadata(old)
    Table("notes", old, Column("id", Integer, primary_key=True), Column("body", String(50)))
    return old


def add_column(connection):
    connection.execute(text("ALTER TABLE notes ADD COLUMN author VARCHAR(50)"))


def test_a_new_database_gets_the_current_schema(db_url):
    engine = engine_for(db_url)
    assert migrate(engine) == 0
    with engine.connect() as connection:
        assert current_version(connection) == SCHEMA_VERSION
        assert set(metadata.tables) <= set(inspect(connection).get_table_names())
    assert migrate(engine) == SCHEMA_VERSION  # opening again changes nothing
    engine.dispose()


def test_an_old_database_is_upgraded_and_keeps_its_rows(db_url):
    engine = engine_for(db_url)
    migrate(engine, target=1, tables=version_one())
    with engine.begin() as connection:
        connection.execute(text("INSERT INTO notes (body) VALUES ('kept')"))
    assert migrate(engine, target=2, tables=version_one(), upgrades={1: add_column}) == 1
    with engine.connect() as connection:
        assert current_version(connection) == 2
        assert connection.execute(text("SELECT body, author FROM notes")).all() == [("kept", None)]
    engine.dispose()


def test_a_failed_upgrade_leaves_the_database_as_it_was(db_url):
    engine = engine_for(db_url)
    migrate(engine, target=1, tables=version_one())

    def half_done(connection):
        add_column(connection)
        raise RuntimeError("interrupted")

    with pytest.raises(RuntimeError):
        migrate(engine, target=2, tables=version_one(), upgrades={1: half_done})
    with engine.connect() as connection:
        assert current_version(connection) == 1
        assert "author" not in {c["name"] for c in inspect(connection).get_columns("notes")}
    engine.dispose()


def test_a_missing_upgrade_step_is_an_error(db_url):
    engine = engine_for(db_url)
    migrate(engine, target=1, tables=version_one())
    with pytest.raises(SchemaError, match="no upgrade from schema version 1 to 2"):
        migrate(engine, target=2, tables=version_one(), upgrades={})
    engine.dispose()


def test_a_newer_database_is_refused(db_url):
    with HistoryStore.open(db_url) as store:
        with store.engine.begin() as connection:
            connection.execute(schema_version.update().values(version=SCHEMA_VERSION + 1))
    with pytest.raises(SchemaError, match="newer than this chainwatch"):
        HistoryStore.open(db_url)


def test_a_foreign_database_is_refused(db_url):
    engine = engine_for(db_url)
    with engine.begin() as connection:
        connection.execute(text("CREATE TABLE snapshots (id INTEGER)"))
    with pytest.raises(SchemaError, match="no schema version"):
        migrate(engine)
    with engine.connect() as connection:
        assert connection.execute(select(text("count(*)")).select_from(text("snapshots"))).scalar() == 0
    engine.dispose()


def drop_compounding(connection):
    """Positions as they were before schema 4."""
    for column in ("compounding", "compounding_source", "threshold_step", "ltv_step"):
        connection.execute(text(f"ALTER TABLE positions DROP COLUMN {column}"))


v1_alerts = Table(
    "alerts",
    MetaData(),
    Column("id", Integer, primary_key=True),
    Column("chain", String(64)),
    Column("account", String(42)),
    Column("protocol", String(64)),
    Column("market", String(128)),
    Column("block_number", BigInteger),
    Column("block_timestamp", BigInteger),
    Column("kind", String(10)),
    Column("level", Integer),
    Column("previous_level", Integer),
    Column("ltv", ExactDecimal),
    Column("title", Text),
    Column("body", Text),
    Column("delivered", Boolean),
)  # fmt: skip  (schema 1's alert log, as chainwatch 0.1 created it)


def test_a_version_1_alert_log_becomes_the_outbox(db_url):
    """Schema 1 logged alerts with a delivered flag; schema 2 keeps them as outbox rows, the
    undelivered one pending again (version 1 dropped it for good: issue 13, seen 1)."""
    engine = engine_for(db_url)
    with engine.begin() as connection:
        connection.execute(text("CREATE TABLE chainwatch_schema (version INTEGER NOT NULL)"))
        connection.execute(text("INSERT INTO chainwatch_schema VALUES (1)"))
        v1_alerts.create(connection)
        for i, (kind, delivered) in enumerate((("warning", True), ("recovery", False)), start=1):
            connection.execute(
                v1_alerts.insert().values(
                    id=i, chain="devnet", account="0xA", protocol="aave-v3", market="0xPool", block_number=10,
                    block_timestamp=1000 + i, kind=kind, level=1, previous_level=0, ltv=Decimal("0.5"),
                    title=f"alert {i}", body="body", delivered=delivered,
                )
            )  # fmt: skip
    for table in ("snapshots", "positions", "holdings"):
        metadata.tables[table].create(engine)
    with engine.begin() as connection:  # schema 1 had no is_btc (schema 3 adds it) nor compounding (4)
        connection.execute(text("ALTER TABLE holdings DROP COLUMN is_btc"))
        drop_compounding(connection)
    assert migrate(engine) == 1
    with HistoryStore(engine) as store:
        from chainwatch.history.outbox import alert_log

        rows = alert_log(store)
        assert "alerts" not in inspect(store.engine).get_table_names()
    assert [(r["title"], r["event"], r["status"], r["ltv"]) for r in rows] == [
        ("alert 1", "crossed", "sent", Decimal("0.5")),
        ("alert 2", "recovered", "pending", Decimal("0.5")),
    ]


def test_version_2_holdings_learn_which_moved_with_btc(db_url):
    """Schema 3 stores is_btc; rows written before are marked by the symbol rule they were
    valued with then, so a stored liquidation price and its holdings still agree."""
    engine = engine_for(db_url)
    with engine.begin() as connection:
        connection.execute(text("CREATE TABLE chainwatch_schema (version INTEGER NOT NULL)"))
        connection.execute(text("INSERT INTO chainwatch_schema VALUES (2)"))
    metadata.create_all(engine)
    with engine.begin() as connection:
        connection.execute(text("ALTER TABLE holdings DROP COLUMN is_btc"))
        drop_compounding(connection)
        connection.execute(
            text(
                "INSERT INTO snapshots (id, chain, chain_id, block_number, block_timestamp, recorded_at, source) "
                "VALUES (1, 'devnet', 31337, 1, 1, 1, 'x')"
            )
        )
        connection.execute(
            text(
                "INSERT INTO positions (id, snapshot_id, account, protocol, market, collateral_usd, debt_usd) "
                "VALUES (1, 1, '0xA', 'aave-v3', '0xPool', '1', '1')"
            )
        )
        for seq, symbol in enumerate(("WBTC", "USDC")):
            connection.execute(
                text(
                    "INSERT INTO holdings (position_id, side, seq, symbol, address, decimals, amount, price_usd, "
                    f"earns_interest) VALUES (1, 'collateral', {seq}, '{symbol}', '0x{seq}', 8, '1', '1', FALSE)"
                )
            )
    assert migrate(engine) == 2
    with engine.begin() as connection:
        rows = connection.execute(text("SELECT symbol, is_btc FROM holdings ORDER BY seq")).all()
    assert [(symbol, bool(is_btc)) for symbol, is_btc in rows] == [("WBTC", True), ("USDC", False)]


def test_version_3_positions_read_back_with_an_unknown_compounding(db_url):
    """Schema 4 stores each position's compounding rule; a row stored before reads back with
    none (unknown: risk then assumes daily and says so), never a guessed rule."""
    engine = engine_for(db_url)
    with engine.begin() as connection:
        connection.execute(text("CREATE TABLE chainwatch_schema (version INTEGER NOT NULL)"))
        connection.execute(text("INSERT INTO chainwatch_schema VALUES (3)"))
    metadata.create_all(engine)
    with engine.begin() as connection:
        drop_compounding(connection)
        connection.execute(
            text(
                "INSERT INTO snapshots (id, chain, chain_id, block_number, block_timestamp, recorded_at, source) "
                "VALUES (1, 'devnet', 31337, 7, 1, 1, 'x')"
            )
        )
        connection.execute(
            text(
                "INSERT INTO positions (id, snapshot_id, account, protocol, market, collateral_usd, debt_usd) "
                "VALUES (1, 1, '0xA', 'aave-v3', '0xPool', '1', '1')"
            )
        )
    assert migrate(engine) == 3
    with HistoryStore(engine) as store:
        (position,) = store.snapshot_at(31337, 7).positions
    assert position.compounding is None
