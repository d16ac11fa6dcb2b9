"""Charts drawn on the server as inline SVG: no script and nothing fetched, so a page works
offline and a screenshot shows exactly what a person sees.

Coordinates are floats (drawing only); every figure a chart shows is computed elsewhere in
Decimal. Colours come from CSS classes in static/style.css.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from html import escape

from chainwatch.model import Position
from chainwatch.risk.hypothetical import at_btc_change

Number = float | Decimal
# LTV against BTC price is drawn from this fraction of today's price to that one.
CURVE_FROM, CURVE_TO, CURVE_STEPS = 0.25, 1.6, 60


def nice_ticks(low: float, high: float, count: int = 5) -> list[float]:
    """Round tick values covering [low, high] (1, 2 or 5 times a power of ten apart)."""
    if high <= low:
        return [low]
    raw = (high - low) / count
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 5, 10) if m * magnitude >= raw)
    first = -(-low // step) * step
    ticks = []
    value = first
    while value <= high + step * 1e-9:
        ticks.append(round(value, 10) + 0.0)  # no "-0%"
        value += step
    return ticks


@dataclass
class Plot:
    """A plot area with linear axes; elements are appended as SVG text."""

    x_range: tuple[float, float]
    y_range: tuple[float, float]
    width: int = 460
    height: int = 250
    margin: tuple[int, int, int, int] = (12, 10, 30, 50)  # top, right, bottom, left
    parts: list[str] = field(default_factory=list)

    def x(self, value: Number) -> float:
        low, high = self.x_range
        left, right = self.margin[3], self.width - self.margin[1]
        return left + (float(value) - low) / (high - low or 1) * (right - left)

    def y(self, value: Number) -> float:
        low, high = self.y_range
        top, bottom = self.margin[0], self.height - self.margin[2]
        clamped = min(max(float(value), low), high)
        return bottom - (clamped - low) / (high - low or 1) * (bottom - top)

    def axes(self, x_ticks: Sequence[tuple[float, str]], y_ticks: Sequence[tuple[float, str]]) -> None:
        top, bottom = self.margin[0], self.height - self.margin[2]
        left, right = self.margin[3], self.width - self.margin[1]
        for value, label in y_ticks:
            y = self.y(value)
            self.parts.append(f'<line class="grid" x1="{left}" x2="{right}" y1="{y:.1f}" y2="{y:.1f}"/>')
            self.parts.append(
                f'<text class="tick" x="{left - 6}" y="{y + 4:.1f}" text-anchor="end">{escape(label)}</text>'
            )
        for value, label in x_ticks:
            x = self.x(value)
            anchor = "start" if x - left < 30 else "end" if right - x < 30 else "middle"  # kept inside
            self.parts.append(f'<line class="grid" x1="{x:.1f}" x2="{x:.1f}" y1="{top}" y2="{bottom}"/>')
            self.parts.append(
                f'<text class="tick" x="{x:.1f}" y="{bottom + 16}" text-anchor="{anchor}">{escape(label)}</text>'
            )

    def line(self, points: Sequence[tuple[Number, Number]], css: str) -> None:
        if points:
            path = " ".join(f"{self.x(px):.1f},{self.y(py):.1f}" for px, py in points)
            self.parts.append(f'<polyline class="{css}" points="{path}"/>')

    def hline(self, value: Number, css: str, label: str, below: bool = False) -> None:
        """A horizontal line labelled at its right end, above it (or below, for a neighbour)."""
        y = self.y(value)
        left, right = self.margin[3], self.width - self.margin[1]
        self.parts.append(f'<line class="{css}" x1="{left}" x2="{right}" y1="{y:.1f}" y2="{y:.1f}"/>')
        label_y = y + 13 if below else y - 5
        self.parts.append(
            f'<text class="label {css}-label" x="{right - 4}" y="{label_y:.1f}" text-anchor="end">{escape(label)}</text>'
        )

    def vline(self, value: Number, css: str, label: str) -> None:
        x = self.x(value)
        top, bottom = self.margin[0], self.height - self.margin[2]
        self.parts.append(f'<line class="{css}" x1="{x:.1f}" x2="{x:.1f}" y1="{top}" y2="{bottom}"/>')
        self.parts.append(f'<text class="label {css}-label" x="{x + 4:.1f}" y="{top + 12}">{escape(label)}</text>')

    def point(self, px: Number, py: Number, css: str, label: str) -> None:
        x, y = self.x(px), self.y(py)
        self.parts.append(f'<circle class="{css}" cx="{x:.1f}" cy="{y:.1f}" r="5"/>')
        self.parts.append(f'<text class="label {css}-label" x="{x + 8:.1f}" y="{y + 16:.1f}">{escape(label)}</text>')

    def svg(self, title: str, css: str = "chart", stretch: bool = False) -> str:
        body = "".join(self.parts)
        aspect = ' preserveAspectRatio="none"' if stretch else ""
        return (
            f'<svg class="{css}" viewBox="0 0 {self.width} {self.height}"{aspect} role="img" '
            f'aria-label="{escape(title)}"><title>{escape(title)}</title>{body}</svg>'
        )


def percent(value: float) -> str:
    return f"{value * 100:.0f}%"


def dollars(value: float) -> str:
    return f"${value / 1000:,.0f}k" if abs(value) >= 10_000 else f"${value:,.0f}"


def ltv_bar(
    ltv: Decimal, warning_ltv: Decimal | None, margin_call_ltv: Decimal | None, liquidation_ltv: Decimal
) -> str:
    """LTV as a bar over its zones (safe, warning, margin call, liquidation): read in a second.
    The page writes the zones' LTVs beside it, in text a phone can read."""
    top = max(float(liquidation_ltv) * 1.2, float(ltv) * 1.05, 0.1)
    plot = Plot((0, top), (0, 1), width=400, height=24, margin=(0, 2, 0, 2))
    edges = [(0.0, "zone-safe")]
    edges += [(float(v), css) for v, css in ((warning_ltv, "zone-warning"), (margin_call_ltv, "zone-call")) if v]
    edges.append((float(liquidation_ltv), "zone-liquidation"))
    zones = [(low, high, css) for (low, css), (high, _) in zip(edges, [*edges[1:], (top, "")], strict=True)]
    for low, high, css in zones:
        width = plot.x(high) - plot.x(low)
        plot.parts.append(f'<rect class="{css}" x="{plot.x(low):.1f}" y="4" width="{width:.1f}" height="16"/>')
    plot.parts.append(
        f'<rect class="ltv-fill" x="{plot.x(0):.1f}" y="8" width="{plot.x(ltv) - plot.x(0):.1f}" height="8"/>'
    )
    for value in (margin_call_ltv, liquidation_ltv):
        if value is not None:
            x = plot.x(value)
            plot.parts.append(f'<line class="mark" x1="{x:.1f}" x2="{x:.1f}" y1="1" y2="23"/>')
    return plot.svg(f"LTV {percent(float(ltv))}; liquidated at {percent(float(liquidation_ltv))}", "ltv-bar", True)


def ltv_curve(position: Position, margin_call_ltv: Decimal | None) -> str | None:
    """LTV against the BTC price (the risk engine's own repricing), today's point, the margin
    call and liquidation LTV as lines and the liquidation price as a vertical."""
    spot, liquidation_ltv = position.btc_price_usd, position.liquidation_ltv
    if spot is None or position.ltv is None or liquidation_ltv is None:
        return None
    changes = [CURVE_FROM + (CURVE_TO - CURVE_FROM) * i / CURVE_STEPS - 1 for i in range(CURVE_STEPS + 1)]
    points = [
        (spot * (1 + Decimal(str(c))), moved.ltv)
        for c in changes
        if (moved := at_btc_change(position, Decimal(str(c)))).ltv is not None
    ]
    top = max(float(liquidation_ltv) * 1.35, float(position.ltv) * 1.2)
    x_low, x_high = float(spot) * CURVE_FROM, float(spot) * CURVE_TO
    plot = Plot((x_low, x_high), (0, top))
    plot.axes(
        [(t, dollars(t)) for t in nice_ticks(x_low, x_high)],
        [(t, percent(t)) for t in nice_ticks(0, top, 4)],
    )
    plot.hline(liquidation_ltv, "liquidation", f"liquidation LTV {percent(float(liquidation_ltv))}")
    if margin_call_ltv is not None:
        plot.hline(margin_call_ltv, "margin-call", f"margin call {percent(float(margin_call_ltv))}", below=True)
    liquidation_price = position.liquidation_price_btc
    if liquidation_price is not None and x_low <= liquidation_price <= x_high:
        plot.vline(liquidation_price, "liquidation", f"liquidated at {dollars(float(liquidation_price))}")
    plot.line([(x, y) for x, y in points if y <= top], "curve")  # off the chart above the top
    plot.point(spot, position.ltv, "today", f"today {percent(float(position.ltv))} at {dollars(float(spot))}")
    return plot.svg("LTV against the BTC price")


def time_chart(
    points: Sequence[tuple[datetime, Decimal]], label: Callable[[float], str], title: str, css: str = "history"
) -> str | None:
    """One stored series over time (LTV, or the BTC price), None with fewer than two readings."""
    if len(points) < 2:
        return None
    times = [t.timestamp() for t, _ in points]
    values = [float(v) for _, v in points]
    low, high = min(values), max(values)
    pad = (high - low) * 0.1 or abs(high) * 0.05 or 1
    plot = Plot((times[0], times[-1]), (low - pad, high + pad), height=190)
    spread = times[-1] - times[0]
    fmt = "%H:%M:%S" if spread < 3600 else "%H:%M" if spread < 2 * 86_400 else "%d %b"
    plot.axes(
        [(t, datetime.fromtimestamp(t, UTC).strftime(fmt)) for t in (times[0] + spread * i / 3 for i in range(4))],
        [(t, label(t)) for t in nice_ticks(low - pad, high + pad, 4)],
    )
    plot.line(list(zip(times, values, strict=True)), css)
    return plot.svg(title)
