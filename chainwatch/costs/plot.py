"""Total cost against loan size for every option, as a PNG (`compare --plot FILE.png`).

Each option's cost is a straight line (`slope · loan + fixed`), so the chart shows at a glance
what the break-even table says: DeFi lines start higher (gas) and rise slower (rate).
"""

from __future__ import annotations

import io
from decimal import Decimal
from pathlib import Path

from chainwatch.costs.compare import Comparison
from chainwatch.costs.options import DEFI
from chainwatch.files import write_atomic

SPAN = 3  # the x axis runs to SPAN times the loan asked about, or past the last break-even
DPI = 120


def plot_png(comparison: Comparison) -> bytes:
    """The chart as PNG bytes; matplotlib's Agg backend, so no display is needed."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure

    loan = comparison.loan
    crossings = [b.loan_usd for b in comparison.break_evens if b.loan_usd]
    right = max([loan.usd * SPAN, *(c * Decimal("1.25") for c in crossings)])
    figure = Figure(figsize=(8, 5), dpi=DPI)
    axes = figure.subplots()
    for q in comparison.quotes:
        option = q.option
        axes.plot(
            [0, float(right)],
            [float(option.fixed_usd), float(option.total_usd(right))],
            linestyle="-" if option.kind == DEFI else "--",
            label=f"{option.name} ({option.kind})",
        )
    axes.axvline(float(loan.usd), color="grey", linewidth=0.8)
    axes.set_title(f"Total cost of a loan over {loan.days} days")
    axes.set_xlabel("loan (USD)")
    axes.set_ylabel("total cost (USD)")
    axes.set_xlim(0, float(right))
    axes.set_ylim(bottom=0)
    axes.grid(alpha=0.3)
    axes.legend(fontsize="small")
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return buffer.getvalue()


def write_plot(comparison: Comparison, path: Path) -> None:
    """The chart into `path`, atomically (chainwatch.files.write_atomic takes text only)."""
    write_atomic(Path(path), plot_png(comparison))
