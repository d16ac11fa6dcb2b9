"""The outbox as `history --alerts` shows it: every notification, sent or pending.

Same conventions as chainwatch.history.report: times in UTC ISO 8601, decimals as strings,
CSV cells a spreadsheet could run neutralised.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from typing import Any

from rich.console import RenderableType
from rich.markup import escape

from chainwatch.context import iso_time
from chainwatch.export import decimal_text, neutralise_formula
from chainwatch.render import short_address
from chainwatch.tablefit import Column, fitted_table

ALERT_COLUMNS = [
    "id", "created_at", "status", "delivered_at", "attempts", "last_error", "event", "notify_type",
    "chain", "account", "protocol", "market", "block", "line", "ltv", "health_factor", "title", "body",
]  # fmt: skip


def alert_json(row: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": row["id"],
        "created_at": iso_time(row["created_at"]),
        "status": row["status"],
        "delivered_at": iso_time(row["delivered_at"]) if row["delivered_at"] else None,
        "attempts": row["attempts"],
        "last_error": row["last_error"],
        "event": row["event"],
        "notify_type": row["notify_type"],
        "chain": row["chain"],
        "account": row["account"] or None,
        "protocol": row["protocol"],
        "market": row["market"] or None,
        "block": row["block_number"],
        "line": row["line"],
        "ltv": decimal_text(row["ltv"]),
        "health_factor": decimal_text(row["health_factor"]),
        "title": row["title"],
        "body": row["body"],
    }


def alerts_document(account: str | None, chain: str | None, rows: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """`history --alerts --format json`: opened by the context every command's JSON has (the
    latest notification's block and time), then the notifications and how many are pending."""
    latest = rows[-1] if rows else None
    chains = {row["chain"] for row in rows}
    return {
        "chain": chain if chain is not None else (chains.pop() if len(chains) == 1 else None),
        "chain_id": None,  # the database keeps chain names
        "block": latest["block_number"] if latest else None,
        "timestamp": iso_time(latest["created_at"]) if latest else None,
        "account": account,
        "pending": sum(1 for row in rows if row["status"] == "pending"),
        "alerts": [alert_json(row) for row in rows],
    }


def alerts_csv(rows: Sequence[dict[str, Any]]) -> str:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=ALERT_COLUMNS)
    writer.writeheader()
    for row in rows:
        writer.writerow({k: neutralise_formula("" if v is None else v) for k, v in alert_json(row).items()})
    return buffer.getvalue()


def _status(row: dict[str, Any]) -> str:
    if row["status"] == "sent":
        return f"[green]sent {row['delivered_at']:%m-%d %H:%M}[/]"
    return f"[red]pending ({row['attempts']} attempt(s))[/]"


def alerts_table(rows: Sequence[dict[str, Any]], width: int = 80) -> RenderableType:
    """The notifications within `width` columns; on a narrow terminal the market, account and
    last error go first, the id, status and title last."""
    columns: list[Column[dict[str, Any]]] = [
        Column("#", lambda row: str(row["id"]), keep=10),
        Column("created (UTC)", lambda row: f"{row['created_at']:%Y-%m-%d %H:%M:%S}", keep=6, justify="left"),
        Column("status", _status, keep=9, justify="left"),
        Column("event", lambda row: row["event"], keep=7, justify="left"),
        Column("account", lambda row: short_address(row["account"]) if row["account"] else "-", keep=3, justify="left"),
        Column("market", lambda row: escape(row["protocol"]), keep=2, justify="left"),
        Column("title", lambda row: escape(row["title"]), keep=8, justify="left"),
        Column("last error", lambda row: escape(row["last_error"] or ""), keep=1, justify="left"),
    ]
    return fitted_table("alerts", columns, rows, width)
