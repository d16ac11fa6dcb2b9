"""Charts of a wallet's history: LTV against its liquidation LTV, with the BTC price beside it.

PNG for sharing, or a self-contained HTML page (the chart as inline SVG plus the figures of the
last reading) that opens anywhere without a server or a JavaScript library. Floats appear only
here, at the drawing stage; the history itself stays Decimal.
"""

from __future__ import annotations

import html
from collections import defaultdict
from collections.abc import Sequence
from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # files only: never look for a display

import matplotlib.dates as mdates  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from matplotlib.ticker import PercentFormatter  # noqa: E402

from chainwatch.charts import IMAGE_FORMATS, PAGE_FORMATS, PlotError, check_plot_path, dollars, rendered, save  # noqa: E402
from chainwatch.files import write_atomic  # noqa: E402
from chainwatch.history.report import HISTORY_COLUMNS, history_json  # noqa: E402
from chainwatch.history.store import HistoryRow  # noqa: E402
from chainwatch.render import short_address  # noqa: E402


def figure(rows: Sequence[HistoryRow]) -> Figure:
    """LTV (solid) and liquidation LTV (dashed) per position; BTC price on the right axis."""
    if not rows:
        raise PlotError("no history to plot: run `chainwatch watch` or `chainwatch backfill` first")
    series: dict[tuple[str, str], list[HistoryRow]] = defaultdict(list)
    for row in rows:
        series[(row.protocol, row.market)].append(row)
    fig, ltv_axis = plt.subplots(figsize=(10, 5), dpi=100)
    accounts = sorted({row.account for row in rows})
    fig.suptitle(f"{', '.join(short_address(a) for a in accounts)} · LTV history", x=0.01, ha="left")
    for (protocol, _market), points in series.items():
        times = mdates.date2num([p.timestamp for p in points])
        line = ltv_axis.plot(times, [_float(p.ltv) for p in points], label=f"{protocol} LTV", linewidth=1.8)
        ltv_axis.plot(
            times,
            [_float(p.liquidation_ltv) for p in points],
            linestyle="--",
            color=line[0].get_color(),
            label=f"{protocol} liquidation LTV",
            linewidth=1,
        )
    ltv_axis.set_ylabel("LTV")
    ltv_axis.yaxis.set_major_formatter(PercentFormatter(xmax=1))
    ltv_axis.set_ylim(bottom=0)
    ltv_axis.grid(alpha=0.3)
    price_axis = ltv_axis.twinx()
    priced = sorted({(r.timestamp, r.btc_price_usd) for r in rows if r.btc_price_usd is not None})
    if priced:
        price_axis.plot(
            mdates.date2num([t for t, _ in priced]),
            [float(p) for _, p in priced],
            color="grey",
            alpha=0.6,
            label="BTC price",
        )
    price_axis.set_ylabel("BTC price")
    dollars(price_axis.yaxis)
    handles = ltv_axis.get_legend_handles_labels()
    extra = price_axis.get_legend_handles_labels()
    ltv_axis.legend(
        handles[0] + extra[0],
        handles[1] + extra[1],
        loc="upper center",
        bbox_to_anchor=(0.5, -0.1),
        ncol=3,
        fontsize="small",
        frameon=False,
    )  # below the chart, where it hides no line
    ltv_axis.xaxis_date()  # the x values are matplotlib date numbers
    ltv_axis.xaxis.set_major_formatter(mdates.ConciseDateFormatter(ltv_axis.xaxis.get_major_locator()))
    fig.tight_layout()
    return fig


def _float(value: object) -> float:
    return float("nan") if value is None else float(value)  # type: ignore[arg-type]


def html_page(rows: Sequence[HistoryRow], svg: str) -> str:
    """A standalone page: the chart inline and the readings (as `history --format json`) under it."""
    head = "".join(f"<th>{html.escape(c)}</th>" for c in HISTORY_COLUMNS)
    body = "".join(
        "<tr>"
        + "".join(f"<td>{html.escape(str(row[c] if row[c] is not None else ''))}</td>" for c in HISTORY_COLUMNS)
        + "</tr>\n"
        for row in history_json(rows)
    )
    return (
        '<!doctype html>\n<html><head><meta charset="utf-8"><title>chainwatch history</title>'
        "<style>body{font-family:sans-serif;margin:2em}table{border-collapse:collapse;font-size:12px}"
        "td,th{border:1px solid #ccc;padding:2px 6px;text-align:right}</style></head><body>\n"
        f"<h1>chainwatch history</h1>\n{svg}\n<table><tr>{head}</tr>\n{body}</table>\n</body></html>\n"
    )


def write_plot(rows: Sequence[HistoryRow], path: Path) -> None:
    """Draw the history to `path`: PNG, SVG or HTML by its suffix; written atomically."""
    suffix = check_plot_path(path, PAGE_FORMATS).suffix.lower()
    fig = figure(rows)
    if suffix in IMAGE_FORMATS:
        save(fig, path)
        return
    try:
        svg = rendered(fig, "svg").decode()
        write_atomic(path, html_page(rows, svg[svg.index("<svg") :]))
    finally:
        plt.close(fig)
