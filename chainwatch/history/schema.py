"""The history database's tables, as they are at SCHEMA_VERSION (SQLAlchemy Core).

One row per snapshot (chain, block), one per position read in it, one per holding of each
position, one per line each position is past (the alert state), one per notification (the
outbox). Positions carry their derived figures (LTV, health factor, liquidation price ...)
beside the holdings they come from: the holdings rebuild the exact `Position`, the figures let
anyone query the history with plain SQL.

Money and fractions are exact: NUMERIC on PostgreSQL, decimal text on SQLite (whose NUMERIC
goes through float). Times are Unix seconds, which every backend stores alike.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Dialect,
    ForeignKey,
    Integer,
    MetaData,
    Numeric,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.sql.expression import false
from sqlalchemy.types import TypeDecorator, TypeEngine

from chainwatch.export import decimal_text

SCHEMA_VERSION = 4  # 2: the alert outbox; 3: holdings.is_btc; 4: positions.compounding, threshold_step


class ExactDecimal(TypeDecorator[Decimal]):
    """A Decimal stored without rounding: unbounded NUMERIC where it exists, text elsewhere."""

    impl = String
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        if dialect.name == "postgresql":
            return dialect.type_descriptor(Numeric(asdecimal=True))
        return dialect.type_descriptor(String(80))

    def process_bind_param(self, value: Decimal | None, dialect: Dialect) -> Any:
        if value is None or dialect.name == "postgresql":
            return value
        return decimal_text(value)

    def process_result_value(self, value: Any, dialect: Dialect) -> Decimal | None:
        return None if value is None else Decimal(value)


metadata = MetaData()

schema_version = Table(
    "chainwatch_schema",
    metadata,
    Column("version", Integer, nullable=False),
)

snapshots = Table(
    "snapshots",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("chain", String(64), nullable=False),
    Column("chain_id", BigInteger, nullable=False),
    Column("block_number", BigInteger, nullable=False),
    Column("block_timestamp", BigInteger, nullable=False),
    Column("recorded_at", BigInteger, nullable=False),
    Column("source", Text, nullable=False),  # endpoints by scheme and host only (rpc.redact)
    UniqueConstraint("chain_id", "block_number", name="uq_snapshots_block"),
)

positions = Table(
    "positions",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("snapshot_id", ForeignKey("snapshots.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("account", String(42), nullable=False, index=True),
    Column("protocol", String(64), nullable=False),
    Column("market", String(128), nullable=False),
    Column("collateral_usd", ExactDecimal, nullable=False),
    Column("debt_usd", ExactDecimal, nullable=False),
    Column("ltv", ExactDecimal),
    Column("max_ltv", ExactDecimal),
    Column("liquidation_ltv", ExactDecimal),
    Column("health_factor", ExactDecimal),
    Column("btc_price_usd", ExactDecimal),
    Column("liquidation_price_btc", ExactDecimal),
    # How the debt compounds (model.Compounding) and who said so ("protocol" or "loan"), as the
    # reader set them (v4); null in rows stored before: unknown, and risk then says so.
    Column("compounding", String(20)),
    Column("compounding_source", String(20)),
    # The step the protocol rounds the average liquidation threshold down to (Position.threshold_step,
    # v4); null: none, or a row stored before, which was valued without it.
    Column("threshold_step", ExactDecimal),
    Column("ltv_step", ExactDecimal),
    UniqueConstraint("snapshot_id", "account", "protocol", "market", name="uq_positions_reading"),
)

holdings = Table(
    "holdings",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("position_id", ForeignKey("positions.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("side", String(10), nullable=False),  # collateral | debt
    Column("seq", Integer, nullable=False),  # order within the side, as the adapter gave it
    Column("symbol", String(64), nullable=False),
    Column("address", String(42), nullable=False),
    Column("decimals", Integer, nullable=False),
    # Whether the asset moved with BTC: the address book's word when it was read (v2).
    Column("is_btc", Boolean, nullable=False, server_default=false()),
    Column("amount", ExactDecimal, nullable=False),
    Column("price_usd", ExactDecimal, nullable=False),
    Column("max_ltv", ExactDecimal),
    Column("liquidation_threshold", ExactDecimal),
    Column("borrow_apr", ExactDecimal),
    Column("earns_interest", Boolean, nullable=False),
)

alert_state = Table(
    "alert_state",
    metadata,
    # Which alert lines each position is past now (chainwatch.alerts.lines keys such as
    # "share:0.9", "ltv:0.45", "liquidation:1"); the watch's own state (blind, open oracle
    # warnings) sits under protocol "watch" with an empty account and market.
    Column("chain", String(64), primary_key=True),
    Column("account", String(128), primary_key=True),  # a wallet, a CeFi loan's label, or empty
    Column("protocol", String(64), primary_key=True),
    Column("market", String(128), primary_key=True),
    Column("line", String(300), primary_key=True),
    Column("since", BigInteger, nullable=False),  # unix seconds
)

outbox = Table(
    "outbox",
    metadata,
    # Every notification, written in the same transaction as the reading that caused it and
    # marked delivered once every target accepted it.
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("created_at", BigInteger, nullable=False),  # unix seconds
    Column("chain", String(64), nullable=False),
    Column("account", String(128), nullable=False, index=True),  # empty for a watch event
    Column("protocol", String(64), nullable=False),
    Column("market", String(128), nullable=False),
    Column("block_number", BigInteger),  # the reading's block; null for a watch event
    Column("event", String(20), nullable=False),  # chainwatch.alerts.EventKind
    Column("notify_type", String(10), nullable=False),  # info | success | warning | failure
    Column("line", String(300)),  # the line crossed or cleared
    Column("ltv", ExactDecimal),
    Column("health_factor", ExactDecimal),
    Column("title", Text, nullable=False),
    Column("body", Text, nullable=False),
    Column("attempts", Integer, nullable=False, default=0),
    Column("next_attempt_at", BigInteger, nullable=False),  # unix seconds
    Column("delivered_at", BigInteger, index=True),  # null while pending
    Column("last_error", Text),
)

outbox_deliveries = Table(
    "outbox_deliveries",
    metadata,
    # The targets that accepted a pending message, so a retry skips them. A target is kept as
    # a hash of its URL: the database holds no token or password.
    Column("outbox_id", ForeignKey("outbox.id", ondelete="CASCADE"), primary_key=True),
    Column("target", String(64), primary_key=True),
    Column("delivered_at", BigInteger, nullable=False),
)
