"""The history database's tables, as they are at SCHEMA_VERSION (SQLAlchemy Core).

One row per snapshot (chain, block), one per position read in it, one per holding of each
position, one per alert sent. Positions carry their derived figures (LTV, health factor,
liquidation price ...) beside the holdings they come from: the holdings rebuild the exact
`Position`, the figures let anyone query the history with plain SQL.

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
from sqlalchemy.types import TypeDecorator, TypeEngine

from chainwatch.export import decimal_text

SCHEMA_VERSION = 1


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
    Column("amount", ExactDecimal, nullable=False),
    Column("price_usd", ExactDecimal, nullable=False),
    Column("max_ltv", ExactDecimal),
    Column("liquidation_threshold", ExactDecimal),
    Column("borrow_apr", ExactDecimal),
    Column("earns_interest", Boolean, nullable=False),
)

alerts = Table(
    "alerts",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("chain", String(64), nullable=False),
    Column("account", String(42), nullable=False, index=True),
    Column("protocol", String(64), nullable=False),
    Column("market", String(128), nullable=False),
    Column("block_number", BigInteger, nullable=False),
    Column("block_timestamp", BigInteger, nullable=False),
    Column("kind", String(10), nullable=False),  # warning | recovery
    Column("level", Integer, nullable=False),  # level after the alert; 0 = below every threshold
    Column("previous_level", Integer, nullable=False),
    Column("ltv", ExactDecimal),
    Column("title", Text, nullable=False),
    Column("body", Text, nullable=False),
    Column("delivered", Boolean, nullable=False),
)
