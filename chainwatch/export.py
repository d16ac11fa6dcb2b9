"""Snapshots as the stable JSON schema and as CSV (documented in README.md).

Numbers leave as full-precision decimal strings: JSON numbers would turn them into floats in
most readers. Fractions stay fractions (0.33 is 33%). Only the human table rounds.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from chainwatch.context import iso_time
from chainwatch.model import ChainReading, Holding, Position, Snapshot, Unreadable

# Cells a spreadsheet would run as a formula: a token symbol read on chain can be anything.
if TYPE_CHECKING:  # pandas takes half a second to import: only the CSV path loads it
    import pandas as pd

_FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def decimal_text(value: Decimal | None) -> str | None:
    """A Decimal in plain notation (never 1E+2), None kept as None."""
    return None if value is None else format(value, "f")


def _holding_json(holding: Holding, kind: str) -> dict[str, Any]:
    row: dict[str, Any] = {
        "symbol": holding.asset.symbol,
        "address": holding.asset.address,
        "amount": decimal_text(holding.amount),
        "price_usd": decimal_text(holding.price_usd),
        "value_usd": decimal_text(holding.value_usd),
        "is_btc": holding.asset.is_btc,
    }
    if kind == "collateral":
        row["max_ltv"] = decimal_text(holding.max_ltv)
        row["liquidation_threshold"] = decimal_text(holding.liquidation_threshold)
    else:
        row["borrow_apr"] = decimal_text(holding.borrow_apr)
    return row


def _position_figures(position: Position) -> dict[str, str | None]:
    return {
        "collateral_usd": decimal_text(position.collateral_usd),
        "debt_usd": decimal_text(position.debt_usd),
        "ltv": decimal_text(position.ltv),
        "max_ltv": decimal_text(position.max_ltv),
        "liquidation_ltv": decimal_text(position.liquidation_ltv),
        "health_factor": decimal_text(position.health_factor),
        "liquidation_price_btc": decimal_text(position.liquidation_price_btc),
        "headroom_usd": decimal_text(position.headroom_usd),
        "headroom_fraction": decimal_text(position.headroom_fraction),
    }


def position_json(position: Position) -> dict[str, Any]:
    return {
        "protocol": position.protocol,
        "market": position.market,
        "account": position.account,
        "collateral": [_holding_json(h, "collateral") for h in position.collateral],
        "debt": [_holding_json(h, "debt") for h in position.debt],
        "btc_assets": list(position.btc_assets),
        **_position_figures(position),
    }


def snapshot_json(snapshot: Snapshot) -> dict[str, Any]:
    return {
        "chain": snapshot.chain,
        "chain_id": snapshot.chain_id,
        "block": snapshot.block_number,
        "timestamp": iso_time(snapshot.timestamp),
        "positions": [position_json(p) for p in snapshot.positions],
        "warnings": list(snapshot.warnings),
        "errors": [unreadable_json(u) for u in snapshot.unreadable],
    }


def unreadable_json(unreadable: Unreadable) -> dict[str, Any]:
    """A position a failed read kept out of `positions`: where, whose, and which call."""
    return {
        "protocol": unreadable.protocol,
        "market": unreadable.market,
        "account": unreadable.account,
        "call": unreadable.call,
        "message": str(unreadable),
    }


def _reading_context(reading: ChainReading) -> dict[str, Any]:
    snapshot = reading.snapshot
    return {
        "chain": reading.chain,
        "chain_id": reading.chain_id,
        "block": snapshot.block_number if snapshot else None,
        "timestamp": iso_time(snapshot.timestamp) if snapshot else None,
    }


def readings_json(readings: Sequence[ChainReading]) -> dict[str, Any]:
    """A run over one or several chains (README, "JSON output").

    `positions` holds every chain's positions, each with its chain, chain id, block and time;
    `chains` says of each chain read at which block, its price warnings, and its `error` when
    it could not be read (null otherwise); `errors` lists the positions a failed read kept out,
    each with its chain. With exactly one chain, the document also opens with
    that chain's `chain`, `chain_id`, `block` and `timestamp` and ends with its `warnings`, as
    the one-chain document always did, so existing scripts keep working.
    """
    positions = [
        {**_reading_context(reading), **position_json(position)}
        for reading in readings
        if reading.snapshot
        for position in reading.snapshot.positions
    ]
    chains = [
        {
            **_reading_context(reading),
            "warnings": list(reading.snapshot.warnings) if reading.snapshot else [],
            "error": reading.error,
        }
        for reading in readings
    ]
    errors = [
        {"chain": reading.chain, "chain_id": reading.chain_id, **unreadable_json(unreadable)}
        for reading in readings
        if reading.snapshot
        for unreadable in reading.snapshot.unreadable
    ]
    if len(readings) != 1:
        return {"positions": positions, "chains": chains, "errors": errors}
    (only,) = chains
    return {
        **_reading_context(readings[0]),
        "positions": positions,
        "chains": chains,
        "warnings": only["warnings"],
        "errors": errors,
    }


POSITION_COLUMNS = [
    "chain", "chain_id", "block", "timestamp", "protocol", "market", "account",
    "collateral_assets", "debt_assets", "collateral_usd", "debt_usd", "ltv", "max_ltv",
    "liquidation_ltv", "health_factor", "liquidation_price_btc", "headroom_usd",
    "headroom_fraction",
]  # fmt: skip
DETAIL_COLUMNS = [
    "row_type", "symbol", "address", "amount", "price_usd", "value_usd", "max_ltv",
    "liquidation_threshold", "borrow_apr",
]  # fmt: skip


def snapshot_frame(snapshot: Snapshot, detail: bool = False) -> pd.DataFrame:
    """One row per position; with `detail`, each followed by one row per holding."""
    return _frame(_rows(snapshot, detail), detail)


def _rows(snapshot: Snapshot, detail: bool) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    for position in snapshot.positions:
        base = {
            "chain": snapshot.chain,
            "chain_id": snapshot.chain_id,
            "block": snapshot.block_number,
            "timestamp": iso_time(snapshot.timestamp),
            "protocol": position.protocol,
            "market": position.market,
            "account": position.account,
        }
        rows.append(
            {
                **base,
                "row_type": "position",
                "collateral_assets": ";".join(h.asset.symbol for h in position.collateral),
                "debt_assets": ";".join(h.asset.symbol for h in position.debt),
                **_position_figures(position),
            }
        )
        if detail:
            for kind, holdings in (("collateral", position.collateral), ("debt", position.debt)):
                rows.extend({**base, "row_type": kind, **_holding_json(h, kind)} for h in holdings)
    return rows


def _frame(rows: list[dict[str, Any]], detail: bool) -> pd.DataFrame:
    columns = (["row_type"] if detail else []) + POSITION_COLUMNS
    if detail:
        columns += [c for c in DETAIL_COLUMNS if c not in columns]
    import pandas as pd

    frame = pd.DataFrame(rows, columns=columns, dtype=object)
    return frame.map(neutralise_formula)


def neutralise_formula(cell: Any) -> Any:
    """Prefix text a spreadsheet would evaluate with a quote; numbers stay untouched."""
    if isinstance(cell, str) and cell.startswith(_FORMULA_PREFIXES):
        try:
            Decimal(cell)
            return cell  # a negative number, not a formula
        except ArithmeticError:
            return "'" + cell
    return cell


def snapshot_csv(snapshot: Snapshot, detail: bool = False) -> str:
    buffer = io.StringIO()
    snapshot_frame(snapshot, detail).to_csv(buffer, index=False)
    return buffer.getvalue()


def readings_csv(readings: Sequence[ChainReading], detail: bool = False) -> str:
    """Every chain's rows, chain by chain; each row carries its chain, chain id and block. A
    chain that could not be read has no row: its error is on stderr and in the exit code."""
    rows = [row for reading in readings if reading.snapshot for row in _rows(reading.snapshot, detail)]
    buffer = io.StringIO()
    _frame(rows, detail).to_csv(buffer, index=False)
    return buffer.getvalue()
