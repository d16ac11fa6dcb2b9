"""The history store: snapshots, positions and alerts in SQLite (default) or any SQLAlchemy URL.

Each snapshot is written in one transaction with all its positions and holdings, so a process
killed at any moment leaves either the whole snapshot or none of it. SQLite runs in WAL mode
with synchronous=FULL: a `history` command can read while a `watch` writes, and a committed
snapshot survives the process being killed. A snapshot is identified by (chain id, block):
storing the same block again (a watch that polls faster than blocks arrive, a backfill over a
range already watched) adds only the readings not stored yet.

Nothing secret is stored: endpoints are kept by scheme and host only (chainwatch.rpc.redact),
and a database URL is only ever shown with its password masked.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import platformdirs
from sqlalchemy import Connection, CursorResult, Engine, and_, create_engine, event, func, select
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError, DatabaseError, NoSuchModuleError, OperationalError, SQLAlchemyError

from chainwatch.alerts.tracker import PositionKey
from chainwatch.errors import ChainwatchError
from chainwatch.history.migrations import SchemaError, migrate
from chainwatch.history.queue import Notice, enqueue, read_state, write_state
from chainwatch.history.schema import holdings, positions, snapshots
from chainwatch.model import Asset, Compounding, Holding, Position, Snapshot
from chainwatch.rpc import redact

DB_ENV = "CHAINWATCH_DB"


def _reason(exc: DatabaseError) -> str:
    """The driver's own first line (e.g. "file is not a database"), without SQLAlchemy's notes."""
    return str(exc.orig).strip().splitlines()[0] if exc.orig else type(exc).__name__


def _inserted_id(result: CursorResult[Any]) -> int:
    """The primary key the database gave the row just inserted."""
    key = result.inserted_primary_key
    if key is None:
        raise HistoryStoreError("the database returned no id for an inserted row")
    return int(key[0])


class HistoryStoreError(ChainwatchError):
    """The history database cannot be opened, read or written."""


def default_database() -> Path:
    """SQLite file in the user's data directory (~/.local/share/chainwatch on Linux)."""
    return Path(platformdirs.user_data_dir("chainwatch", appauthor=False)) / "history.sqlite3"


def database_url(given: str | None = None) -> URL:
    """The database to use: `given`, else $CHAINWATCH_DB, else the default SQLite file.

    A plain path means a SQLite file; `postgresql://` without a driver means psycopg (3), the
    driver chainwatch installs, rather than SQLAlchemy's default psycopg2.
    """
    text = given or os.environ.get(DB_ENV) or str(default_database())
    if "://" not in text:
        return URL.create("sqlite", database=str(Path(text).expanduser()))
    try:
        url = make_url(text)
    except ArgumentError:
        raise HistoryStoreError(f"--db {text.partition('://')[0]}://… is not a database URL") from None
    if url.drivername == "postgresql":
        url = url.set(drivername="postgresql+psycopg")
    return url


def existing_database(given: str | URL | None = None) -> URL | None:
    """The history database to read, or None when it is a SQLite file that does not exist yet:
    a command that only reads (history, the dashboard) must not leave an empty one behind."""
    url = given if isinstance(given, URL) else database_url(given)
    database = url.database
    if url.get_backend_name() == "sqlite" and database and database != ":memory:" and not Path(database).exists():
        return None
    return url


def _sqlite_connect(dbapi_connection: Any, _record: Any) -> None:
    """WAL, full sync, enforced foreign keys, and transactions that really are transactions.

    Python's sqlite3 module (before 3.12) commits implicitly before DDL and starts
    transactions lazily; taking transaction control away from it and issuing BEGIN ourselves
    (SQLAlchemy's documented recipe) makes a migration step or a snapshot all-or-nothing.
    """
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=FULL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


def _sqlite_begin(connection: Connection) -> None:
    # IMMEDIATE: take the write lock up front, so two writers (a watch and a backfill) queue
    # on busy_timeout instead of one failing when its read turns into a write.
    connection.exec_driver_sql("BEGIN IMMEDIATE")


def open_engine(url: URL) -> Engine:
    """An engine for `url`, with chainwatch's SQLite settings where it is SQLite."""
    shown = url.render_as_string(hide_password=True)
    if url.get_backend_name() == "sqlite" and url.database not in (None, "", ":memory:"):
        Path(str(url.database)).parent.mkdir(parents=True, exist_ok=True)
    try:
        engine = create_engine(url)
    except (NoSuchModuleError, ModuleNotFoundError) as exc:
        raise HistoryStoreError(f"no database driver for {shown}: {exc}") from None
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_connect)
        event.listen(engine, "begin", _sqlite_begin)
    return engine


@dataclass(frozen=True)
class HistoryRow:
    """One stored reading of one position: the figures `history` shows and plots."""

    chain: str
    block_number: int
    timestamp: datetime
    account: str
    protocol: str
    market: str
    collateral_usd: Decimal
    debt_usd: Decimal
    ltv: Decimal | None
    max_ltv: Decimal | None
    liquidation_ltv: Decimal | None
    health_factor: Decimal | None
    btc_price_usd: Decimal | None
    liquidation_price_btc: Decimal | None


@dataclass(frozen=True)
class StoredSnapshot:
    """A stored snapshot and when it was stored (the watch's clock, not the block's)."""

    snapshot: Snapshot
    recorded_at: datetime


@dataclass(frozen=True)
class Recorded:
    new_readings: int
    outbox_ids: list[int]


class HistoryStore:
    """A migrated history database. Use as a context manager or call close()."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    @classmethod
    def open(cls, url: str | URL | None = None) -> HistoryStore:
        """Open (creating or upgrading the schema as needed) the database at `url`."""
        resolved = url if isinstance(url, URL) else database_url(url)
        engine = open_engine(resolved)
        try:
            migrate(engine)
        except OperationalError as exc:
            engine.dispose()
            raise HistoryStoreError(
                f"cannot open {resolved.render_as_string(hide_password=True)}: {_reason(exc)}"
            ) from None
        except SchemaError as exc:  # a database, but not (or not yet) one this chainwatch can use
            engine.dispose()
            raise SchemaError(f"{resolved.render_as_string(hide_password=True)}: {exc}") from None
        except DatabaseError as exc:  # a file that is not SQLite, or a foreign or corrupt database
            engine.dispose()
            raise HistoryStoreError(
                f"{resolved.render_as_string(hide_password=True)} is not a usable history database ({_reason(exc)}): "
                "move it aside, or give another --db"
            ) from None
        except BaseException:
            engine.dispose()
            raise
        return cls(engine)

    @property
    def location(self) -> str:
        return self.engine.url.render_as_string(hide_password=True)

    def close(self) -> None:
        self.engine.dispose()

    def __enter__(self) -> HistoryStore:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    # --- writing -----------------------------------------------------------------------

    def save_snapshot(self, snapshot: Snapshot, endpoints: Sequence[str] = ()) -> int:
        """Store a snapshot atomically; returns how many position readings were new."""
        with self._transaction() as connection:
            return self._save(connection, snapshot, endpoints)

    def _save(self, connection: Connection, snapshot: Snapshot, endpoints: Sequence[str]) -> int:
        snapshot_id = self._snapshot_id(connection, snapshot, endpoints)
        stored = {
            (row.account, row.protocol, row.market)
            for row in connection.execute(
                select(positions.c.account, positions.c.protocol, positions.c.market).where(
                    positions.c.snapshot_id == snapshot_id
                )
            )
        }
        new = [p for p in snapshot.positions if (p.account, p.protocol, p.market) not in stored]
        for position in new:
            self._insert_position(connection, snapshot_id, position)
        return len(new)

    def record(
        self,
        snapshot: Snapshot | None,
        notices: Sequence[Notice] = (),
        state: Mapping[PositionKey, frozenset[str]] | None = None,
        *,
        endpoints: Sequence[str] = (),
        now: int | None = None,
    ) -> Recorded:
        """In one transaction: the reading (if any), the alert state that changed with it, and
        the notifications it caused, queued in the outbox. Delivery comes after the commit, so
        no notification refers to data a crash could lose, and none is lost to a crash."""
        moment = int(time.time()) if now is None else now
        with self._transaction() as connection:
            new = self._save(connection, snapshot, endpoints) if snapshot is not None else 0
            for key, lines in (state or {}).items():
                write_state(connection, key, lines, moment)
            ids = [enqueue(connection, notice, moment) for notice in notices]
        return Recorded(new_readings=new, outbox_ids=ids)

    # --- reading -----------------------------------------------------------------------

    def alert_state(self, chain: str) -> dict[PositionKey, frozenset[str]]:
        """The lines each position on `chain` is past (a wallet's, or a CeFi loan's, which has no
        wallet), and the watch's own state (under chainwatch.history.queue.watch_key)."""
        with self._read() as connection:
            return read_state(connection, chain)

    def stored_blocks(self, chain_id: int) -> list[int]:
        with self._read() as connection:
            return list(
                connection.execute(
                    select(snapshots.c.block_number)
                    .where(snapshots.c.chain_id == chain_id)
                    .order_by(snapshots.c.block_number)
                ).scalars()
            )

    def latest_snapshot(self, chain: str) -> StoredSnapshot | None:
        """The newest stored snapshot of `chain` (by block), rebuilt exactly, with the time it
        was stored: how a reader of a running watch's database sees its last reading, and when."""
        newest = (
            select(snapshots.c.chain_id, snapshots.c.block_number, snapshots.c.recorded_at)
            .where(snapshots.c.chain == chain)
            .order_by(snapshots.c.block_number.desc())
            .limit(1)
        )
        with self._read() as connection:
            row = connection.execute(newest).first()
        stored = None if row is None else self.snapshot_at(row.chain_id, row.block_number)
        if row is None or stored is None:
            return None
        return StoredSnapshot(stored, datetime.fromtimestamp(row.recorded_at, tz=UTC))

    def latest_positions(self, chain: str, accounts: Iterable[str]) -> list[Position]:
        """The last stored reading of each position of `accounts` on `chain`, rebuilt exactly: a
        restarted watch knows a loan that closed while it was down, to say so."""
        wanted = {account.lower() for account in accounts}
        latest = (
            select(snapshots.c.chain_id, func.max(snapshots.c.block_number).label("block"))
            .join(positions, positions.c.snapshot_id == snapshots.c.id)
            .where(snapshots.c.chain == chain, func.lower(positions.c.account).in_(wanted))
            .group_by(snapshots.c.chain_id, positions.c.account, positions.c.protocol, positions.c.market)
        )
        with self._read() as connection:
            blocks = sorted({(row.chain_id, row.block) for row in connection.execute(latest)})
        found: dict[tuple[str, str, str], Position] = {}
        for chain_id, block in blocks:  # ascending: a later reading of a position replaces an earlier one
            stored = self.snapshot_at(chain_id, block)
            for position in stored.positions if stored else ():
                if position.account.lower() in wanted:
                    found[(position.account, position.protocol, position.market)] = position
        return list(found.values())

    def snapshot_at(self, chain_id: int, block_number: int) -> Snapshot | None:
        """The stored snapshot of a block, rebuilt exactly (holdings and all), or None."""
        with self._read() as connection:
            head = (
                connection.execute(
                    select(snapshots).where(snapshots.c.chain_id == chain_id, snapshots.c.block_number == block_number)
                )
                .mappings()
                .first()
            )
            if head is None:
                return None
            timestamp = datetime.fromtimestamp(head["block_timestamp"], tz=UTC)
            rows = (
                connection.execute(
                    select(positions).where(positions.c.snapshot_id == head["id"]).order_by(positions.c.id)
                )
                .mappings()
                .all()
            )
            position_ids = [row["id"] for row in rows]
            held = (
                connection.execute(
                    select(holdings)
                    .where(holdings.c.position_id.in_(position_ids))
                    .order_by(holdings.c.position_id, holdings.c.side, holdings.c.seq)
                )
                .mappings()
                .all()
            )
        by_position: dict[int, dict[str, list[Holding]]] = {i: {"collateral": [], "debt": []} for i in position_ids}
        for h in held:
            by_position[h["position_id"]][h["side"]].append(_holding(h, head["chain"]))
        return Snapshot(
            chain=head["chain"],
            chain_id=head["chain_id"],
            block_number=head["block_number"],
            timestamp=timestamp,
            positions=tuple(
                Position(
                    protocol=row["protocol"],
                    market=row["market"],
                    account=row["account"],
                    chain=head["chain"],
                    block_number=head["block_number"],
                    timestamp=timestamp,
                    collateral=tuple(by_position[row["id"]]["collateral"]),
                    debt=tuple(by_position[row["id"]]["debt"]),
                    **_compounding(row),
                    threshold_step=row["threshold_step"],
                    ltv_step=row["ltv_step"],
                )
                for row in rows
            ),
        )

    def history(
        self,
        account: str,
        *,
        chain: str | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
    ) -> list[HistoryRow]:
        """Every stored reading of `account`'s positions, oldest first."""
        conditions = [positions.c.account == account]
        if chain:
            conditions.append(snapshots.c.chain == chain)
        if since:
            conditions.append(snapshots.c.block_timestamp >= int(since.timestamp()))
        if until:
            conditions.append(snapshots.c.block_timestamp <= int(until.timestamp()))
        query = (
            select(positions, snapshots.c.chain, snapshots.c.block_number, snapshots.c.block_timestamp)
            .join(snapshots, positions.c.snapshot_id == snapshots.c.id)
            .where(and_(*conditions))
            .order_by(snapshots.c.block_timestamp, snapshots.c.block_number, positions.c.protocol, positions.c.market)
        )
        with self._read() as connection:
            return [
                HistoryRow(
                    chain=row["chain"],
                    block_number=row["block_number"],
                    timestamp=datetime.fromtimestamp(row["block_timestamp"], tz=UTC),
                    account=row["account"],
                    protocol=row["protocol"],
                    market=row["market"],
                    collateral_usd=row["collateral_usd"],
                    debt_usd=row["debt_usd"],
                    ltv=row["ltv"],
                    max_ltv=row["max_ltv"],
                    liquidation_ltv=row["liquidation_ltv"],
                    health_factor=row["health_factor"],
                    btc_price_usd=row["btc_price_usd"],
                    liquidation_price_btc=row["liquidation_price_btc"],
                )
                for row in connection.execute(query).mappings()
            ]

    # --- internals ---------------------------------------------------------------------

    @contextmanager
    def _connection(self, write: bool) -> Iterator[Connection]:
        """A connection (in one transaction when writing); database errors become one line."""
        try:
            with self.engine.begin() if write else self.engine.connect() as connection:
                yield connection
        except SQLAlchemyError as exc:
            raise _store_error(self, exc) from None

    def _transaction(self) -> AbstractContextManager[Connection]:
        return self._connection(write=True)

    def _read(self) -> AbstractContextManager[Connection]:
        return self._connection(write=False)

    def _snapshot_id(self, connection: Connection, snapshot: Snapshot, endpoints: Sequence[str]) -> int:
        found = connection.execute(
            select(snapshots.c.id).where(
                snapshots.c.chain_id == snapshot.chain_id, snapshots.c.block_number == snapshot.block_number
            )
        ).scalar()
        if found is not None:
            return int(found)
        result = connection.execute(
            snapshots.insert().values(
                chain=snapshot.chain,
                chain_id=snapshot.chain_id,
                block_number=snapshot.block_number,
                block_timestamp=int(snapshot.timestamp.timestamp()),
                recorded_at=int(time.time()),
                source=" ".join(sorted({redact(url) for url in endpoints})),
            )
        )
        return _inserted_id(result)

    def _insert_position(self, connection: Connection, snapshot_id: int, position: Position) -> None:
        result = connection.execute(
            positions.insert().values(
                snapshot_id=snapshot_id,
                account=position.account,
                protocol=position.protocol,
                market=position.market,
                collateral_usd=position.collateral_usd,
                debt_usd=position.debt_usd,
                ltv=position.ltv,
                max_ltv=position.max_ltv,
                liquidation_ltv=position.liquidation_ltv,
                health_factor=position.health_factor,
                btc_price_usd=position.btc_price_usd,
                liquidation_price_btc=position.liquidation_price_btc,
                compounding=None if position.compounding is None else position.compounding.value,
                compounding_source=None if position.compounding is None else position.compounding_source,
                threshold_step=position.threshold_step,
                ltv_step=position.ltv_step,
            )
        )
        position_id = _inserted_id(result)
        rows = [
            {
                "position_id": position_id,
                "side": side,
                "seq": seq,
                "symbol": h.asset.symbol,
                "address": h.asset.address,
                "decimals": h.asset.decimals,
                "is_btc": h.asset.is_btc,
                "amount": h.amount,
                "price_usd": h.price_usd,
                "max_ltv": h.max_ltv,
                "liquidation_threshold": h.liquidation_threshold,
                "borrow_apr": h.borrow_apr,
                "earns_interest": h.earns_interest,
            }
            for side, group in (("collateral", position.collateral), ("debt", position.debt))
            for seq, h in enumerate(group)
        ]
        if rows:
            connection.execute(holdings.insert(), rows)


def _compounding(row: Any) -> dict[str, Any]:
    """A stored position's compounding rule and its source; none for a row stored before
    schema 4 (the rule is unknown, and risk says so), as for a position whose reader set none."""
    if row["compounding"] is None:
        return {}
    return {"compounding": Compounding(row["compounding"]), "compounding_source": row["compounding_source"]}


def _holding(row: Any, chain: str) -> Holding:
    return Holding(
        asset=Asset(chain, row["address"], row["symbol"], row["decimals"], is_btc=row["is_btc"]),
        amount=row["amount"],
        price_usd=row["price_usd"],
        max_ltv=row["max_ltv"],
        liquidation_threshold=row["liquidation_threshold"],
        borrow_apr=row["borrow_apr"],
        earns_interest=bool(row["earns_interest"]),
    )


def _store_error(store: HistoryStore, exc: SQLAlchemyError) -> HistoryStoreError:
    original = getattr(exc, "orig", None) or exc
    reason = str(original).strip().splitlines()[0] if str(original).strip() else type(original).__name__
    return HistoryStoreError(f"history database {store.location}: {reason}")
