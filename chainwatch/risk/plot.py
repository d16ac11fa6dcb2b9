"""`risk --plot`: LTV against the BTC price, so the danger zone is visible at a glance.

For each position (labelled by its chain too when they come from several): its LTV as BTC
moves (solid), the LTVs at which it reaches the warning and margin-call health factors and
liquidation (thin, dashed, thick dashed: each the liquidation LTV over that health factor,
recomputed at every price, so mixed collateral bends them exactly as it bends the health
factor), today's point, and the liquidation price, each labelled where it is drawn. Floats
appear only here, at the drawing stage.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from pathlib import Path

from chainwatch.charts import PlotError, dollars, label_at, new_figure, percents, save, spread_labels
from chainwatch.model import Position
from chainwatch.render import short_address, whole_money
from chainwatch.risk.hypothetical import at_btc_change
from chainwatch.risk.scenarios import StatusBands

# BTC from a 90% fall to a 60% rise, in 1% steps: wide enough to show every liquidation price
# that matters, fine enough for a smooth curve.
CHANGES = [Decimal(step) / 100 for step in range(-90, 61)]
TOP_LTV = 1.2  # the y axis stops here: past 100% LTV the collateral no longer covers the debt


def plot_ltv_curves(positions: Sequence[Position], path: Path, bands: StatusBands | None = None) -> None:
    """Write `path` (PNG or SVG): each position's LTV as BTC moves, with its warning, margin-call
    and liquidation lines, today's point and its liquidation price, labelled."""
    bands = bands or StatusBands()
    drawn = [p for p in positions if p.btc_price_usd is not None and p.ltv is not None]
    if not drawn:
        raise PlotError("nothing to plot: no position has BTC in it and a debt to measure")
    several_chains = len({p.chain for p in drawn}) > 1
    figure, axes = new_figure(9, 5.5)
    labels: list[tuple[float, float, str, str]] = []  # line ends, spread apart once all are known
    for index, position in enumerate(drawn):
        spot = position.btc_price_usd
        assert spot is not None and position.ltv is not None  # filtered above
        moved = [at_btc_change(position, change) for change in CHANGES]
        prices = [float(spot * (1 + change)) for change in CHANGES]
        label = _label(position, several_chains)
        (line,) = axes.plot(prices, [_float(m.ltv) for m in moved], label=label, linewidth=2)
        colour = line.get_color()
        for health_factor, style, width, name in (
            (Decimal(1), "--", 1.4, "liquidation"),
            (bands.margin_call, "--", 0.8, "margin call"),
            (bands.warning, ":", 0.8, "warning"),
        ):
            lines = [_float(m.liquidation_ltv / health_factor if m.liquidation_ltv else None) for m in moved]
            axes.plot(prices, lines, color=colour, linestyle=style, linewidth=width)
            if lines[-1] == lines[-1] and lines[-1] < TOP_LTV:  # not NaN, and on the chart
                labels.append((prices[-1], lines[-1], f"{name} {lines[-1]:.0%}", colour))
        ltv = float(position.ltv)
        axes.plot([float(spot)], [ltv], marker="o", markersize=7, color=colour)
        label_at(axes, float(spot), ltv, f"now {whole_money(spot)}, {ltv:.0%}", colour, offset=(6, -12))
        liquidation = position.liquidation_price_btc
        if liquidation is not None and prices[0] <= float(liquidation) <= prices[-1]:
            axes.axvline(float(liquidation), color=colour, linestyle=":", linewidth=1)
            height = TOP_LTV * (0.95 - 0.06 * index)  # one row per position, so none hides another
            label_at(axes, float(liquidation), height, f"liquidates at {whole_money(liquidation)}", colour)
    for x, y, text, colour in spread_labels(labels, TOP_LTV * 0.045):
        label_at(axes, x, y, text, colour, offset=(4, -4))
    axes.set_xlim(right=axes.get_xlim()[1] * 1.18)  # room on the right for the line labels
    axes.set_xlabel("BTC price")
    axes.set_ylabel("LTV")
    axes.set_ylim(0, TOP_LTV)
    dollars(axes.xaxis)
    percents(axes.yaxis)
    axes.set_title("LTV as BTC moves")
    axes.grid(alpha=0.3)
    if len(drawn) > 1:
        axes.legend(loc="lower left", fontsize="small")  # high LTVs sit at low prices: this corner is empty
    save(figure, path)


def _label(position: Position, several_chains: bool) -> str:
    """The line's name in the legend: its account and market, after its chain when the chart
    holds positions of several (one wallet borrows in the same market on each)."""
    name = "" if position.market.startswith("0x") else position.market  # a CeFi loan's name
    market = " ".join(part for part in (position.protocol, name) if part)
    label = f"{short_address(position.account)} {market}".strip()
    return f"{position.chain} · {label}" if several_chains else label


def _float(value: Decimal | None) -> float:
    return float("nan") if value is None else float(value)
