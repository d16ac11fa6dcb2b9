"""Human-readable rich tables. The only place figures are rounded."""

from __future__ import annotations

from decimal import Decimal

from rich.markup import escape
from rich.table import Table

from chainwatch.model import Holding, Snapshot


def money(value: Decimal | None) -> str:
    return "-" if value is None else f"${value:,.2f}"


def percent(value: Decimal | None) -> str:
    return "-" if value is None else f"{value * 100:.2f}%"


def _amounts(holdings: tuple[Holding, ...]) -> str:
    return "\n".join(f"{h.amount:,.4f} {h.asset.symbol}" for h in holdings) or "-"


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


def positions_table(snapshot: Snapshot) -> Table:
    table = Table(
        title=f"{snapshot.chain} · block {snapshot.block_number} · {snapshot.timestamp:%Y-%m-%d %H:%M:%S} UTC",
        title_justify="left",
        caption="\n".join(f"[yellow]⚠ {escape(w)}[/]" for w in snapshot.warnings) or None,
        caption_justify="left",
    )
    for header in ("account", "market", "collateral", "debt"):
        table.add_column(header, no_wrap=True)
    for header in ("LTV", "max LTV", "liq. LTV", "health", "liq. BTC price", "headroom"):
        table.add_column(header, justify="right", no_wrap=True)
    for p in snapshot.positions:
        table.add_row(
            short_address(p.account),
            p.protocol,
            f"{_amounts(p.collateral)}\n[dim]{money(p.collateral_usd)}[/]",
            f"{_amounts(p.debt)}\n[dim]{money(p.debt_usd)}[/]",
            percent(p.ltv),
            percent(p.max_ltv),
            percent(p.liquidation_ltv),
            health(p.health_factor),
            money(p.liquidation_price_btc),
            f"{money(p.headroom_usd)}\n[dim]{percent(p.headroom_fraction)}[/]",
        )
    return table
