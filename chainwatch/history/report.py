"""Stored history as the `history` command shows it: JSON, CSV and a rich table.

Same conventions as chainwatch.export: decimals as full-precision strings, fractions as
fractions, timestamps in UTC ISO 8601, CSV cells a spreadsheet could run neutralised.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from typing import Any

from rich.console import RenderableType

from chainwatch.context import iso_time
from chainwatch.export import decimal_text, neutralise_formula
from chainwatch.history.store import HistoryRow
from chainwatch.render import health, market_label, money, percent, short_address, whole_money
from chainwatch.tablefit import Column, fitted_table

HISTORY_COLUMNS = [
    "timestamp", "chain", "block", "account", "protocol", "market", "ltv", "liquidation_ltv",
    "max_ltv", "health_factor", "btc_price_usd", "liquidation_price_btc", "debt_usd",
    "collateral_usd",
]  # fmt: skip


def row_json(row: HistoryRow) -> dict[str, Any]:
    return {
        "timestamp": iso_time(row.timestamp),
        "chain": row.chain,
        "block": row.block_number,
        "account": row.account,
        "protocol": row.protocol,
        "market": row.market,
        "ltv": decimal_text(row.ltv),
        "liquidation_ltv": decimal_text(row.liquidation_ltv),
        "max_ltv": decimal_text(row.max_ltv),
        "health_factor": decimal_text(row.health_factor),
        "btc_price_usd": decimal_text(row.btc_price_usd),
        "liquidation_price_btc": decimal_text(row.liquidation_price_btc),
        "debt_usd": decimal_text(row.debt_usd),
        "collateral_usd": decimal_text(row.collateral_usd),
    }


def history_json(rows: Sequence[HistoryRow]) -> list[dict[str, Any]]:
    return [row_json(row) for row in rows]


def history_document(account: str | None, chain: str | None, rows: Sequence[HistoryRow]) -> dict[str, Any]:
    """`history --format json`: the readings, opened by the context every command's JSON has;
    its block and time are the latest reading's (null when there is none). `account` is null
    for the config file's wallets and loans together."""
    latest = max(rows, key=lambda row: row.timestamp, default=None)
    return {
        "chain": chain
        if chain is not None
        else (latest.chain if latest and len({r.chain for r in rows}) == 1 else None),
        "chain_id": None,  # the database keeps chain names; `track` gives the id
        "block": latest.block_number if latest else None,
        "timestamp": iso_time(latest.timestamp) if latest else None,
        "account": account,
        "readings": history_json(rows),
    }


def history_csv(rows: Sequence[HistoryRow]) -> str:
    import pandas as pd  # half a second to import: only the CSV path loads it

    frame = pd.DataFrame(history_json(rows), columns=HISTORY_COLUMNS, dtype=object)
    buffer = io.StringIO()
    frame.map(neutralise_formula).to_csv(buffer, index=False)
    return buffer.getvalue()


def history_table(rows: Sequence[HistoryRow], width: int = 80) -> RenderableType:
    """The readings within `width` columns; on a narrow terminal the account (the command's own
    argument) and block go first, the time, market and LTV last."""
    columns: list[Column[HistoryRow]] = [
        Column("time (UTC)", lambda row: f"{row.timestamp:%Y-%m-%d %H:%M:%S}", keep=11, justify="left"),
        Column("block", lambda row: str(row.block_number), keep=2),
        Column("account", lambda row: short_address(row.account), keep=1, justify="left"),
        Column("market", lambda row: market_label(row.protocol, row.market), keep=9, justify="left"),
        Column("LTV", lambda row: percent(row.ltv), keep=10),
        Column("liq. LTV", lambda row: percent(row.liquidation_ltv), keep=6),
        Column("health", lambda row: health(row.health_factor), keep=8),
        Column("BTC price", lambda row: whole_money(row.btc_price_usd), keep=7),
        Column("liq. BTC", lambda row: whole_money(row.liquidation_price_btc), keep=5),
        Column("debt", lambda row: money(row.debt_usd), keep=4),
        Column("collateral", lambda row: money(row.collateral_usd), keep=0),
    ]
    return fitted_table("history", columns, rows, width)
