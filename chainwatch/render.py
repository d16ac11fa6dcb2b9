"""Human-readable rich tables. The only place figures are rounded.

A positions table fits the terminal without cutting a number: the compact default holds the
figures a borrower acts on, `wide` holds everything, and where even those do not fit, whole
columns go, the most dispensable first; a cell is never shortened to an ellipsis. Each wallet
gets its own table titled with its full address, so the address can be copied.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal

from rich import box
from rich.console import Console, Group, JustifyMethod, RenderableType
from rich.markup import escape
from rich.table import Table
from rich.text import Text

from chainwatch.model import Holding, Position, Snapshot


def money(value: Decimal | None) -> str:
    return "-" if value is None else f"${value:,.2f}"


def whole_money(value: Decimal | None) -> str:
    """Dollars without cents from $1,000 up: a liquidation price of $25,648.56 reads $25,649."""
    if value is None:
        return "-"
    return f"${value:,.0f}" if abs(value) >= 1000 else money(value)


def percent(value: Decimal | None) -> str:
    return "-" if value is None else f"{value * 100:.2f}%"


def _amount(holding: Holding, wide: bool) -> str:
    digits = 4 if wide or holding.amount < 1000 else 2
    return f"{holding.amount:,.{digits}f} {escape(holding.asset.symbol)}"


def _amounts(holdings: tuple[Holding, ...], total: Decimal | None, wide: bool) -> str:
    lines = [_amount(h, wide) for h in holdings] or ["-"]
    return "\n".join(lines) + f"\n[dim]{money(total)}[/]"


def health(value: Decimal | None) -> str:
    if value is None:
        return "[green]∞[/]"
    colour = "red" if value < Decimal("1.1") else "yellow" if value < Decimal("1.5") else "green"
    return f"[{colour}]{value:.3f}[/]"


def short_address(address: str) -> str:
    """0x1234…abcd for addresses; any other label (a hand-typed loan's) unchanged."""
    if len(address) != 42 or not address.startswith("0x"):
        return address
    return f"{address[:6]}…{address[-4:]}"


@dataclass(frozen=True)
class Column:
    """One column of the positions table; `keep` ranks it: the lowest goes first when the
    table is too wide for the terminal."""

    header: str
    cell: Callable[[Position, bool], str]
    keep: int
    justify: JustifyMethod = "right"
    wide_only: bool = False


COLUMNS = (
    Column("market", lambda p, wide: escape(p.protocol), keep=9, justify="left"),
    Column("collateral", lambda p, wide: _amounts(p.collateral, p.collateral_usd, wide), keep=3, justify="left"),
    Column("debt", lambda p, wide: _amounts(p.debt, p.debt_usd, wide), keep=2, justify="left"),
    Column("LTV", lambda p, wide: percent(p.ltv), keep=8),
    Column("max LTV", lambda p, wide: percent(p.max_ltv), keep=0, wide_only=True),
    Column("liq. LTV", lambda p, wide: percent(p.liquidation_ltv), keep=4),
    Column("health", lambda p, wide: health(p.health_factor), keep=7),
    Column(
        "liq. BTC",
        lambda p, wide: money(p.liquidation_price_btc) if wide else whole_money(p.liquidation_price_btc),
        keep=6,
    ),
    Column(
        "headroom",
        lambda p, wide: f"{money(p.headroom_usd)}\n[dim]{percent(p.headroom_fraction)}[/]",
        keep=1,
        wide_only=True,
    ),
)


def _table(positions: Sequence[Position], columns: Sequence[Column], title: str, wide: bool) -> Table:
    table = Table(
        title=title, title_justify="left", box=box.SIMPLE_HEAD, pad_edge=False, show_edge=False, collapse_padding=True
    )
    for column in columns:
        table.add_column(column.header, justify=column.justify, no_wrap=True)
    for position in positions:
        table.add_row(*(column.cell(position, wide) for column in columns))
    return table


def _width(renderable: RenderableType) -> int:
    console = Console(width=10_000, file=io.StringIO())
    return console.measure(renderable).maximum


def positions_table(snapshot: Snapshot, *, width: int = 80, wide: bool = False) -> RenderableType:
    """The snapshot's positions, one table per wallet, within `width` columns (see module doc)."""
    columns = [c for c in COLUMNS if wide or not c.wide_only]
    by_account: dict[str, list[Position]] = {}
    for position in snapshot.positions:
        by_account.setdefault(position.account, []).append(position)

    def tables(chosen: Sequence[Column]) -> list[Table]:
        return [_table(rows, chosen, escape(account), wide) for account, rows in by_account.items()]

    while len(columns) > 1 and max((_width(t) for t in tables(columns)), default=0) > width:
        columns.remove(min(columns, key=lambda c: c.keep))
    heading = Text(f"{snapshot.chain} · block {snapshot.block_number} · {snapshot.timestamp:%Y-%m-%d %H:%M:%S} UTC")
    parts: list[RenderableType] = [heading, *tables(columns)]
    dropped = [c.header for c in COLUMNS if (wide or not c.wide_only) and c not in columns]
    if dropped:
        parts.append(Text(f"(too narrow for: {', '.join(dropped)}; widen the terminal)", style="dim"))
    parts += [Text(f"⚠ {warning}", style="yellow") for warning in snapshot.warnings]
    return Group(*parts)
