"""Total cost against loan size for every option (`compare --plot FILE.png|.svg`).

Each option's cost is a straight line (`slope · loan + fixed`), so the chart shows at a glance
what the break-even table says: DeFi lines start higher (gas) and rise slower (rate). A line
stops at the largest loan its offer or market allows against the collateral given (`--btc`),
since beyond it the option does not exist. Options whose lines lie on top of each other (the
same code at the same rate, such as Aave and Spark) are told apart by marker and by their
labels at the line ends, which are spread so none hides another.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from chainwatch.charts import dollars, label_at, new_figure, save, spread_labels
from chainwatch.costs.compare import Comparison
from chainwatch.costs.options import DEFI
from chainwatch.render import whole_money

SPAN = 3  # the x axis runs to SPAN times the loan asked about, or past the last break-even
MARKERS = ("o", "s", "^", "D", "v", "P", "X", "*", "<", ">")
LABEL_GAP = 0.045  # the least vertical distance between two end labels, as a share of the axis


def write_plot(comparison: Comparison, path: Path) -> None:
    """Draw the comparison into `path`, atomically, in the format its suffix names."""
    loan = comparison.loan
    crossings = [b.loan_usd for b in comparison.break_evens if b.loan_usd]
    right = max([loan.usd * SPAN, *(c * Decimal("1.25") for c in crossings)])
    figure, axes = new_figure(9, 5.5)
    ends: list[tuple[float, float, str, str]] = []
    for index, quote in enumerate(comparison.quotes):
        option = quote.option
        stop = min(right, quote.max_loan_usd) if quote.max_loan_usd is not None else right
        xs = [float(stop * step / 20) for step in range(21)]
        ys = [float(option.total_usd(Decimal(x))) for x in xs]
        (line,) = axes.plot(
            xs,
            ys,
            linestyle="-" if option.kind == DEFI else "--",
            marker=MARKERS[index % len(MARKERS)],
            markevery=(index % 4, 4),  # markers staggered, so lines on top of each other show both
            markersize=5,
            label=f"{option.name} ({option.kind})",
        )
        if stop < right:
            axes.plot([xs[-1]], [ys[-1]], marker="|", markersize=14, color=line.get_color())
        suffix = f", max {whole_money(stop)}" if stop < right else ""
        ends.append((xs[-1], ys[-1], f"{option.name}{suffix}", line.get_color()))
    axes.set_xlim(0, float(right) * 1.32)  # room on the right for the end labels
    axes.set_ylim(bottom=0)
    top = axes.get_ylim()[1]
    for x, y, text, colour in spread_labels(ends, top * LABEL_GAP):
        label_at(axes, x, y, text, colour, offset=(6, -3))
    axes.axvline(float(loan.usd), color="grey", linewidth=0.8)
    label_at(axes, float(loan.usd), 0, f"your loan {whole_money(loan.usd)}", "dimgrey", offset=(4, 6))
    axes.set_title(f"Total cost of a loan over {loan.days} days (dashed: CeFi, solid: DeFi)")
    axes.set_xlabel("loan")
    axes.set_ylabel("total cost: interest, fees and gas")
    dollars(axes.xaxis)
    dollars(axes.yaxis)
    axes.grid(alpha=0.3)
    axes.legend(fontsize="small", loc="upper left")
    save(figure, path)
