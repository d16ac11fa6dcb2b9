"""What every chart shares: money and percent axes a person reads at once, labels drawn where
their line is, and files written in the format their name says.

matplotlib is imported by the functions that draw, never at module import, so a command that
draws nothing does not pay for it. Charts are PNG or SVG (with real, selectable text); the
history chart adds a self-contained HTML page. A name with any other suffix is refused before
any work is done, instead of PNG bytes written into `chart.jpg`.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import TYPE_CHECKING, Any

from chainwatch.errors import ChainwatchError
from chainwatch.files import check_writable, write_atomic

if TYPE_CHECKING:
    from matplotlib.axis import Axis
    from matplotlib.figure import Figure

IMAGE_FORMATS = (".png", ".svg")
PAGE_FORMATS = (*IMAGE_FORMATS, ".html")  # the history chart also makes a standalone page
DPI = 110


class PlotError(ChainwatchError):
    """A chart that cannot be drawn or written as asked."""


def check_plot_path(path: Path, formats: tuple[str, ...] = IMAGE_FORMATS) -> Path:
    """`path` if a chart can be written there in a format its suffix names; else one line."""
    if path.suffix.lower() not in formats:
        names = ", ".join(formats[:-1]) + f" or {formats[-1]}" if len(formats) > 1 else formats[0]
        raise PlotError(f"--plot {path}: use a {names} file name")
    return check_writable(path)


def plot_option_path(path: Path | None) -> Path | None:
    """The `--plot FILE` option's check (a typer callback), for PNG and SVG charts."""
    return None if path is None else check_plot_path(path)


def page_option_path(path: Path | None) -> Path | None:
    """The `--plot FILE` option's check for charts that can also be an HTML page (history)."""
    return None if path is None else check_plot_path(path, PAGE_FORMATS)


def dollars(axis: Axis) -> None:
    """Ticks as $60,000 (whole dollars, thousands separated)."""
    from matplotlib.ticker import StrMethodFormatter

    axis.set_major_formatter(StrMethodFormatter("${x:,.0f}"))


def percents(axis: Axis) -> None:
    """Ticks of a fraction axis as 40% (0.4)."""
    from matplotlib.ticker import PercentFormatter

    axis.set_major_formatter(PercentFormatter(xmax=1, decimals=0))


def label_at(axes: Any, x: float, y: float, text: str, colour: str, **options: Any) -> None:
    """A small label beside a point or line, in the line's colour, on a white backing so a grid
    or another line under it does not make it unreadable."""
    axes.annotate(
        text,
        (x, y),
        xytext=options.pop("offset", (4, 4)),
        textcoords="offset points",
        fontsize="small",
        color=colour,
        bbox={"boxstyle": "round,pad=0.15", "facecolor": "white", "edgecolor": "none", "alpha": 0.8},
        **options,
    )


def spread_labels(labels: list[tuple[float, float, str, str]], gap: float) -> list[tuple[float, float, str, str]]:
    """Labels (x, y, text, colour) moved apart vertically, keeping their order, so that no two
    are closer than `gap`: lines that end on top of each other still get a readable label each."""
    placed: list[tuple[float, float, str, str]] = []
    for x, y, text, colour in sorted(labels, key=lambda label: label[1]):
        if placed and y < placed[-1][1] + gap:
            y = placed[-1][1] + gap
        placed.append((x, y, text, colour))
    return placed


def rendered(figure: Figure, fmt: str) -> bytes:
    """The figure as PNG or SVG bytes; SVG keeps text as text (searchable, selectable)."""
    import matplotlib

    buffer = io.BytesIO()
    with matplotlib.rc_context({"svg.fonttype": "none"}):
        figure.savefig(buffer, format=fmt, dpi=DPI, bbox_inches="tight", metadata={"Creator": "chainwatch"})
    return buffer.getvalue()


def save(figure: Figure, path: Path) -> None:
    """Write the figure to `path` (atomically) in the format its suffix names, then free it."""
    import matplotlib.pyplot as plt

    try:
        fmt = check_plot_path(path).suffix.lower().lstrip(".")
        data = rendered(figure, fmt)
        write_atomic(path, data.decode() if fmt == "svg" else data)
    finally:
        plt.close(figure)


def new_figure(width: float, height: float) -> tuple[Figure, Any]:
    """A figure and its axes, drawn off screen (the Agg backend: no display needed)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt.subplots(figsize=(width, height))
