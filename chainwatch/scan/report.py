"""The liquidation map as JSON (decimal strings), a rich table and a PNG chart."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from rich.console import RenderableType

from chainwatch.charts import PlotError, dollars, new_figure, save
from chainwatch.context import RunContext
from chainwatch.export import decimal_text
from chainwatch.render import money, whole_money
from chainwatch.scan.liqmap import Band, LiquidationMap
from chainwatch.tablefit import Column, fitted_table


def _band_json(band: Band, cumulative: Decimal | None = None) -> dict[str, Any]:
    row = {
        "label": band.label,
        "fall_from": decimal_text(band.low),
        "fall_to": decimal_text(band.high),
        "price_from_usd": decimal_text(band.price_high),
        "price_to_usd": decimal_text(band.price_low),
        "positions": band.positions,
        "collateral_asset": decimal_text(band.btc),
        "collateral_usd": decimal_text(band.collateral_usd),
        "debt_usd": decimal_text(band.debt_usd),
    }
    if cumulative is not None:
        row["cumulative_collateral_asset"] = decimal_text(cumulative)
    return row


def map_rows(liqmap: LiquidationMap) -> dict[str, Any]:
    """A map's rows: bands from today's price down, each with the collateral that a fall into
    it liquidates and the running total down to its floor, then the rows outside the bands."""
    cumulative = liqmap.now.btc
    bands = []
    for band in liqmap.bands:
        cumulative += band.btc
        bands.append(_band_json(band, cumulative))
    return {
        "liquidatable_now": _band_json(liqmap.now),
        "bands": bands,
        "on_btc_rise": _band_json(liqmap.on_rise),
        "no_liquidation_price": _band_json(liqmap.never),
        "total": _band_json(liqmap.total),
    }


def liqmap_json(
    total: LiquidationMap,
    per_asset: Sequence[tuple[str, LiquidationMap]],
    *,
    context: RunContext,
    markets: Sequence[str],
    accounts: int,
) -> dict[str, Any]:
    """Schema: see README "chainwatch scan". The map of every BTC asset of the chain together,
    then one map per BTC asset some scanned position holds (`per_asset`, by symbol)."""
    return {
        **context.json(),
        "markets": list(markets),
        "assets": list(total.assets),
        "btc_price_usd": decimal_text(total.price_usd),
        "accounts_scanned": accounts,
        **map_rows(total),
        "per_asset": [
            {"symbol": symbol, "asset": m.assets[0], "btc_price_usd": decimal_text(m.price_usd), **map_rows(m)}
            for symbol, m in per_asset
        ],
    }


@dataclass(frozen=True)
class _MapRow:
    """A band as the table shows it: with its price range and the running total to its floor."""

    band: Band
    price: str
    cumulative: str = ""


def liqmap_table(liqmap: LiquidationMap, symbol: str, width: int = 80) -> RenderableType:
    """The map as a table within `width` columns: one row per band from today's price down, the
    running total of collateral liquidated down to each band's floor, then the totals."""
    price = money(liqmap.price_usd)
    rows: list[_MapRow | None] = [_MapRow(liqmap.now, f"≥ {price}")]
    running = liqmap.now.btc
    for band in liqmap.bands:
        running += band.btc
        rows.append(_MapRow(band, f"{whole_money(band.price_low)}–{whole_money(band.price_high)}", f"{running:,.4f}"))
    rows += [_MapRow(liqmap.on_rise, f"> {price}"), _MapRow(liqmap.never, "-"), None, _MapRow(liqmap.total, "")]
    columns: list[Column[_MapRow]] = [
        Column("BTC fall", lambda row: row.band.label, keep=9, justify="left"),
        Column("BTC price", lambda row: row.price, keep=8),
        Column("positions", lambda row: str(row.band.positions), keep=5),
        Column(symbol, lambda row: f"{row.band.btc:,.4f}", keep=7),
        Column(f"cumulative {symbol}", lambda row: row.cumulative, keep=4),
        Column("collateral", lambda row: money(row.band.collateral_usd), keep=3),
        Column("debt", lambda row: money(row.band.debt_usd), keep=2),
    ]
    return fitted_table(f"Liquidation map: {symbol} collateral by BTC fall from {price}", columns, rows, width)


def plot_liqmap(liqmap: LiquidationMap, path: Path, symbol: str) -> None:
    """Write `path` (PNG or SVG): the collateral liquidated in each band of BTC fall (bars) and
    the running total (line), prices falling from left to right."""
    if not liqmap.total.positions:
        raise PlotError(f"nothing to plot: no position with {symbol} collateral was found")
    prices = [float(b.price_low + b.price_high) / 2 for b in liqmap.bands]  # type: ignore[operator]
    amounts = [float(b.btc) for b in liqmap.bands]
    running, total = [], float(liqmap.now.btc)
    for amount in amounts:
        total += amount
        running.append(total)
    figure, bars = new_figure(10, 5.5)
    width = float(liqmap.price_usd) * 0.05 * 0.9
    bars.bar(prices, amounts, width=width, color="tab:red", alpha=0.7, label=f"{symbol} liquidated in the band")
    bars.set_xlabel("BTC price")
    bars.set_ylabel(f"{symbol} liquidated in each 5% band")
    dollars(bars.xaxis)
    bars.invert_xaxis()  # falls read left to right
    line = bars.twinx()
    line.plot(prices, running, color="black", marker=".", label=f"{symbol} liquidated down to that price")
    line.set_ylabel(f"cumulative {symbol}")
    line.set_ylim(bottom=0)
    bars.set_title(f"{symbol} collateral liquidated as BTC falls from {whole_money(liqmap.price_usd)}")
    bars.grid(alpha=0.3)
    handles, names = bars.get_legend_handles_labels()
    more, more_names = line.get_legend_handles_labels()
    bars.legend(handles + more, names + more_names, loc="upper left", fontsize="small")
    save(figure, path)
