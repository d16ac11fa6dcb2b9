"""The liquidation map as JSON (decimal strings), a rich table and a PNG chart."""

from __future__ import annotations

import io
from collections.abc import Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any

from rich.table import Table

from chainwatch.context import RunContext
from chainwatch.export import decimal_text
from chainwatch.files import write_atomic
from chainwatch.render import money
from chainwatch.scan.liqmap import Band, LiquidationMap


def _band_json(band: Band, cumulative: Decimal | None = None) -> dict[str, Any]:
    row = {
        "label": band.label,
        "fall_from": decimal_text(band.low),
        "fall_to": decimal_text(band.high),
        "price_from_usd": decimal_text(band.price_high),
        "price_to_usd": decimal_text(band.price_low),
        "positions": band.positions,
        "collateral_asset": decimal_text(band.wbtc),
        "collateral_usd": decimal_text(band.collateral_usd),
        "debt_usd": decimal_text(band.debt_usd),
    }
    if cumulative is not None:
        row["cumulative_collateral_asset"] = decimal_text(cumulative)
    return row


def liqmap_json(
    liqmap: LiquidationMap,
    *,
    context: RunContext,
    markets: Sequence[str],
    accounts: int,
) -> dict[str, Any]:
    """Schema: see README "chainwatch scan". Bands run from today's price down, each with the
    collateral that a fall into it liquidates and the running total down to its floor."""
    cumulative = liqmap.now.wbtc
    bands = []
    for band in liqmap.bands:
        cumulative += band.wbtc
        bands.append(_band_json(band, cumulative))
    return {
        **context.json(),
        "markets": list(markets),
        "asset": liqmap.asset,
        "btc_price_usd": decimal_text(liqmap.price_usd),
        "accounts_scanned": accounts,
        "liquidatable_now": _band_json(liqmap.now),
        "bands": bands,
        "on_btc_rise": _band_json(liqmap.on_rise),
        "no_liquidation_price": _band_json(liqmap.never),
        "total": _band_json(liqmap.total),
    }


def liqmap_table(liqmap: LiquidationMap, symbol: str = "WBTC") -> Table:
    table = Table(title=f"Liquidation map: {symbol} collateral by BTC fall from {money(liqmap.price_usd)}")
    for name in ("BTC fall", "BTC price", "positions", symbol, f"cumulative {symbol}", "collateral", "debt"):
        table.add_column(name, justify="left" if name == "BTC fall" else "right")

    def add(band: Band, price: str, cumulative: str = "") -> None:
        table.add_row(
            band.label,
            price,
            str(band.positions),
            f"{band.wbtc:,.4f}",
            cumulative,
            money(band.collateral_usd),
            money(band.debt_usd),
        )

    add(liqmap.now, f"≥ {money(liqmap.price_usd)}")
    cumulative = liqmap.now.wbtc
    for band in liqmap.bands:
        cumulative += band.wbtc
        add(band, f"{money(band.price_low)}–{money(band.price_high)}", f"{cumulative:,.4f}")
    add(liqmap.on_rise, f"> {money(liqmap.price_usd)}")
    add(liqmap.never, "-")
    table.add_section()
    add(liqmap.total, "")
    return table


def plot_liqmap(liqmap: LiquidationMap, path: Path, symbol: str = "WBTC") -> None:
    """Write a PNG: collateral liquidated in each band (bars) and the running total (line)."""
    import matplotlib

    matplotlib.use("Agg")  # files only, never a window
    import matplotlib.pyplot as plt

    prices = [float(b.price_low + b.price_high) / 2 for b in liqmap.bands]  # type: ignore[operator]
    amounts = [float(b.wbtc) for b in liqmap.bands]
    running, total = [], float(liqmap.now.wbtc)
    for amount in amounts:
        total += amount
        running.append(total)
    width = float(liqmap.price_usd) * 0.05 * 0.9
    figure, bars = plt.subplots(figsize=(10, 5.5))
    bars.bar(prices, amounts, width=width, color="tab:red", alpha=0.7, label=f"{symbol} liquidated in band")
    bars.set_xlabel("BTC price (USD)")
    bars.set_ylabel(f"{symbol} collateral")
    bars.invert_xaxis()  # falls read left to right
    line = bars.twinx()
    line.plot(prices, running, color="black", marker=".", label=f"cumulative {symbol}")
    line.set_ylabel(f"cumulative {symbol}")
    bars.set_title(f"{symbol} collateral liquidatable as BTC falls from ${float(liqmap.price_usd):,.0f}")
    bars.grid(alpha=0.3)
    figure.legend(loc="upper left", fontsize="small")
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=110, bbox_inches="tight")
    plt.close(figure)
    write_atomic(path, buffer.getvalue())
