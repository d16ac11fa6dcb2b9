"""`risk --plot`: LTV against the BTC price, so the danger zone is visible at a glance."""

from __future__ import annotations

import io
from collections.abc import Sequence
from decimal import Decimal
from pathlib import Path

from chainwatch.files import write_atomic
from chainwatch.model import Position
from chainwatch.render import short_address
from chainwatch.risk.hypothetical import at_btc_change

# BTC from a 90% fall to a 60% rise, in 1% steps: wide enough to show every liquidation price
# that matters, fine enough for a smooth curve.
CHANGES = [Decimal(step) / 100 for step in range(-90, 61)]


def plot_ltv_curves(positions: Sequence[Position], path: Path) -> None:
    """Write a PNG: each position's LTV as BTC moves, its liquidation LTV, and today's point."""
    import matplotlib

    matplotlib.use("Agg")  # files only, never a window
    import matplotlib.pyplot as plt

    figure, axes = plt.subplots(figsize=(9, 5.5))
    for position in positions:
        spot = position.btc_price_usd
        if spot is None or position.ltv is None:
            continue
        label = f"{short_address(position.account)} {position.protocol}".strip()
        prices = [float(spot * (1 + c)) for c in CHANGES]
        ltvs = [float(at_btc_change(position, c).ltv or 0) for c in CHANGES]
        (line,) = axes.plot(prices, ltvs, label=label)
        colour = line.get_color()
        if position.liquidation_ltv is not None:
            axes.axhline(float(position.liquidation_ltv), color=colour, linestyle="--", linewidth=1)
        if position.liquidation_price_btc is not None:
            axes.axvline(float(position.liquidation_price_btc), color=colour, linestyle=":", linewidth=1)
        axes.plot([float(spot)], [float(position.ltv)], marker="o", color=colour)
    axes.set_xlabel("BTC price (USD)")
    axes.set_ylabel("LTV")
    axes.set_ylim(0, 1.2)
    axes.set_title("LTV as BTC moves (dashed: liquidation LTV, dotted: liquidation price, dot: now)")
    axes.grid(alpha=0.3)
    axes.legend(loc="upper right", fontsize="small")
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=110, bbox_inches="tight")
    plt.close(figure)
    write_atomic(path, buffer.getvalue())
