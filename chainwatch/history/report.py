"""Stored history as the `history` command shows it: JSON, CSV and a rich table.

Same conventions as chainwatch.export: decimals as full-precision strings, fractions as
fractions, timestamps in UTC ISO 8601, CSV cells a spreadsheet could run neutralised.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from typing import Any

from rich.table import Table

from chainwatch.context import iso_time
from chainwatch.export import decimal_text, neutralise_formula
from chainwatch.history.store import HistoryRow
from chainwatch.render import health, money, percent, short_address

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


def history_document(account: str, chain: str | None, rows: Sequence[HistoryRow]) -> dict[str, Any]:
    """`history --format json`: the readings, opened by the context every command's JSON has;
    its block and time are the latest reading's (null when there is none)."""
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


def history_table(rows: Sequence[HistoryRow]) -> Table:
    table = Table(title="history", title_justify="left")
    for header in ("time (UTC)", "block", "account", "market"):
        table.add_column(header)
    for header in ("LTV", "liq. LTV", "health", "BTC price", "liq. BTC price", "debt $", "collateral $"):
        table.add_column(header, justify="right")
    for row in rows:
        table.add_row(
            f"{row.timestamp:%Y-%m-%d %H:%M:%S}",
            str(row.block_number),
            short_address(row.account),
            row.protocol,
            percent(row.ltv),
            percent(row.liquidation_ltv),
            health(row.health_factor),
            money(row.btc_price_usd),
            money(row.liquidation_price_btc),
            money(row.debt_usd),
            money(row.collateral_usd),
        )
    return table
