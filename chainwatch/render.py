"""Human-readable rich tables. The only place figures are rounded.

A positions table fits the terminal without cutting a number: the compact default holds the
figures a borrower acts on, `wide` holds everything, and where even those do not fit, whole
columns go, the most dispensable first; a cell is never shortened to an ellipsis. Each wallet
gets its own table titled with its full address, so the address can be copied.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal

from rich.console import Group, RenderableType
from rich.markup import escape
from rich.table import Table
from rich.text import Text

from chainwatch.model import ChainReading, Holding, Position, Snapshot
from chainwatch.tablefit import Column, column_widths, compact_table, dropped_note, fit_columns


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


def market_label(protocol: str, market: str) -> str:
    """The protocol, and under it the market when that is a name rather than a contract or id
    (a CeFi loan's name): two loans of one lender must be told apart."""
    if market.startswith("0x") or not market:
        return escape(protocol)
    return f"{escape(protocol)}\n[dim]{escape(market)}[/]"


def position_columns(wide: bool) -> list[Column[Position]]:
    """The positions table's columns: the compact default, or with `wide` every figure at full
    precision. Ranks (`keep`) say what goes first on a narrow terminal: headroom and max LTV,
    then the debt and collateral amounts, never the market or the LTV."""
    liquidation_price = money if wide else whole_money
    columns: list[Column[Position]] = [
        Column("market", lambda p: market_label(p.protocol, p.market), keep=9, justify="left"),
        Column("collateral", lambda p: _amounts(p.collateral, p.collateral_usd, wide), keep=3, justify="left"),
        Column("debt", lambda p: _amounts(p.debt, p.debt_usd, wide), keep=2, justify="left"),
        Column("LTV", lambda p: percent(p.ltv), keep=8),
    ]
    if wide:
        columns.append(Column("max LTV", lambda p: percent(p.max_ltv), keep=0))
    columns += [
        Column("liq. LTV", lambda p: percent(p.liquidation_ltv), keep=4),
        Column("health", lambda p: health(p.health_factor), keep=7),
        Column("liq. BTC", lambda p: _liquidation_btc(liquidation_price(p.liquidation_price_btc), p), keep=6),
    ]
    if wide:
        columns.append(
            Column("headroom", lambda p: f"{money(p.headroom_usd)}\n[dim]{percent(p.headroom_fraction)}[/]", keep=1)
        )
    return columns


def _liquidation_btc(price: str, position: Position) -> str:
    """The BTC price that liquidates, over the BTC assets that move with it (WBTC+cbBTC)."""
    backing = "+".join(position.btc_assets)
    return f"{price}\n[dim]{escape(backing)}[/]" if backing else price


def _heading(snapshot: Snapshot) -> Text:
    """The line a chain's tables stand under: which chain, read at which block and when."""
    return Text(
        f"{snapshot.chain} · block {snapshot.block_number} · {snapshot.timestamp:%Y-%m-%d %H:%M:%S} UTC",
        style="bold",
    )


def readings_table(
    readings: Sequence[ChainReading], *, width: int = 80, wide: bool = False, labels: Mapping[str, str] | None = None
) -> RenderableType:
    """Positions grouped by chain, each group under its chain's block and time, one table per
    wallet titled with its full address and its label from `labels` (by address); a chain with
    no position says so; under them, in red, each chain that could not be read and why.

    Every table of every chain has the same columns at the same widths: the columns that do
    not fit `width` go from all of them alike (one note says which), and a figure lines up
    with the same figure of every other wallet and chain above and below it."""
    labels = {account.lower(): label for account, label in (labels or {}).items()}

    def title(account: str) -> str:
        label = labels.get(account.lower())
        return escape(f"{account} · {label}" if label else account) or "loans without a wallet"

    snapshots = [reading.snapshot for reading in readings if reading.snapshot is not None]
    positions = [position for snapshot in snapshots for position in snapshot.positions]

    def wallet_tables(snapshot: Snapshot, chosen: Sequence[Column[Position]]) -> list[Table]:
        widths = column_widths(chosen, positions)
        by_account: dict[str, list[Position]] = {}
        for position in snapshot.positions:
            by_account.setdefault(position.account, []).append(position)
        return [compact_table(title(account), chosen, rows, widths) for account, rows in by_account.items()]

    columns = position_columns(wide)
    kept = fit_columns(columns, lambda chosen: [t for s in snapshots for t in wallet_tables(s, chosen)], width)
    parts: list[RenderableType] = []
    for snapshot in snapshots:
        if snapshot.positions:
            parts += [_heading(snapshot), *wallet_tables(snapshot, kept)]
        else:
            parts.append(Text(f"{snapshot.chain} · block {snapshot.block_number}: no positions", style="bold"))
        parts += [Text(f"⚠ {warning}", style="yellow") for warning in snapshot.warnings]
        parts += [Text(f"✗ {unreadable}", style="red") for unreadable in snapshot.unreadable]
        parts.append(Text(""))
    note = dropped_note(columns, kept) if positions else None
    if note is not None:
        parts.append(note)
    parts += [
        Text(f"✗ {reading.chain}: could not be read: {reading.error}", style="red")
        for reading in readings
        if reading.error
    ]
    return Group(*parts)
