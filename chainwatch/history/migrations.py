"""Bringing a history database to the schema this chainwatch expects.

The database records its version in `chainwatch_schema`. A new database gets the current
tables from schema.py in one go and is stamped SCHEMA_VERSION. An older one runs the upgrade
steps from its version up, each step in the same transaction as the version bump, so a failed
or interrupted upgrade leaves the database at the version it had (SQLite and PostgreSQL both
roll DDL back). A database newer than this program is refused rather than written wrongly.

When the schema changes: edit schema.py, raise SCHEMA_VERSION, and add the step from the old
version to UPGRADES (ALTER TABLE ... through `connection.execute(text(...))` or SQLAlchemy
DDL), so that old databases end up where new ones start.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from sqlalchemy import Connection, Engine, MetaData, inspect, select, text

from chainwatch.errors import ChainwatchError
from chainwatch.history.schema import SCHEMA_VERSION, alert_state, metadata, outbox, outbox_deliveries, schema_version

Upgrade = Callable[[Connection], None]


def outbox_from_alert_log(connection: Connection) -> None:
    """Version 1 to 2: the alert log becomes the outbox.

    Each logged alert is kept as an outbox row; one that was never delivered is pending again,
    so the next watch delivers it (version 1 dropped failed deliveries for good). Version 1 kept
    alert levels by their place in the threshold list, which cannot be turned into line values:
    the alert state starts empty, and the next watch judges every position afresh (a position
    past a line alerts once more).
    """
    for table in (alert_state, outbox, outbox_deliveries):
        table.create(connection)
    connection.execute(
        text(
            "INSERT INTO outbox (created_at, chain, account, protocol, market, block_number, event, notify_type, "
            "ltv, title, body, attempts, next_attempt_at, delivered_at, last_error) "
            "SELECT block_timestamp, chain, account, protocol, market, block_number, "
            "CASE WHEN kind = 'warning' THEN 'crossed' ELSE 'recovered' END, "
            "CASE WHEN kind = 'warning' THEN 'warning' ELSE 'info' END, "
            "ltv, title, body, 1, block_timestamp, "
            "CASE WHEN delivered THEN block_timestamp ELSE NULL END, "
            "CASE WHEN delivered THEN NULL ELSE 'delivery failed (chainwatch before schema 2)' END "
            "FROM alerts ORDER BY id"
        )
    )
    connection.execute(text("DROP TABLE alerts"))


def holdings_is_btc(connection: Connection) -> None:
    """Version 2 to 3: holdings say whether their asset moved with BTC. Rows written before are
    marked by the rule earlier versions valued them with ("BTC" in the symbol), so their stored
    figures still agree."""
    connection.execute(text("ALTER TABLE holdings ADD COLUMN is_btc BOOLEAN NOT NULL DEFAULT FALSE"))
    connection.execute(text("UPDATE holdings SET is_btc = TRUE WHERE UPPER(symbol) LIKE '%BTC%'"))


def positions_compounding(connection: Connection) -> None:
    """Version 3 to 4: positions keep how their debt compounds and who said so, so a position
    rebuilt from the database gets the risk figures it had when read. Rows written before stay
    null: their rule is unknown (risk then assumes daily, and says so), never guessed."""
    connection.execute(text("ALTER TABLE positions ADD COLUMN compounding VARCHAR(20)"))
    connection.execute(text("ALTER TABLE positions ADD COLUMN compounding_source VARCHAR(20)"))
    # and the protocol's rounding of the average threshold (Position.threshold_step), so the
    # rebuilt position's health factor and liquidation price are the protocol's own
    numeric = "NUMERIC" if connection.dialect.name == "postgresql" else "VARCHAR(80)"
    connection.execute(text(f"ALTER TABLE positions ADD COLUMN threshold_step {numeric}"))
    connection.execute(text(f"ALTER TABLE positions ADD COLUMN ltv_step {numeric}"))


# UPGRADES[n] takes a database from version n to n + 1.
UPGRADES: Mapping[int, Upgrade] = {1: outbox_from_alert_log, 2: holdings_is_btc, 3: positions_compounding}


class SchemaError(ChainwatchError):
    """A database this chainwatch cannot use as its history."""


def current_version(connection: Connection) -> int | None:
    """The recorded schema version; None for a database without chainwatch tables."""
    tables = set(inspect(connection).get_table_names())
    if schema_version.name not in tables:
        if tables & set(metadata.tables):
            raise SchemaError("the database has chainwatch-like tables but no schema version: not ours?")
        return None
    versions = connection.execute(select(schema_version.c.version)).scalars().all()
    if len(versions) != 1:
        raise SchemaError(f"the database records {len(versions)} schema versions instead of one")
    return int(versions[0])


def migrate(
    engine: Engine,
    *,
    target: int = SCHEMA_VERSION,
    tables: MetaData = metadata,
    upgrades: Mapping[int, Upgrade] = UPGRADES,
) -> int:
    """Create or upgrade the schema to `target`; returns the version the database was at (0: new).

    `tables` and `upgrades` are parameters so the upgrade path can be tested with a step of
    the test's own; the program always uses the defaults.
    """
    with engine.begin() as connection:
        found = current_version(connection)
        if found is None:
            tables.create_all(connection)
            connection.execute(schema_version.insert().values(version=target))
            return 0
    if found > target:
        raise SchemaError(
            f"the history database has schema version {found}, newer than this chainwatch "
            f"understands ({target}): upgrade chainwatch"
        )
    for version in range(found, target):
        step = upgrades.get(version)
        if step is None:
            raise SchemaError(f"no upgrade from schema version {version} to {version + 1}")
        with engine.begin() as connection:
            step(connection)
            connection.execute(schema_version.update().values(version=version + 1))
    return found
