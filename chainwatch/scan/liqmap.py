"""The liquidation map: how much collateral and debt become liquidatable as BTC falls.

Positions are sorted into bands of the BTC price, every `step` (5%) below today's: a position
falls into the band holding its liquidation price (`Position.liquidation_price_btc`, measured
against the position's own oracle price, so markets priced by different oracles line up by the
size of the fall). Positions not liquidated by any fall go to rows of their own: already
liquidatable (health factor below 1), liquidated by a BTC rise (BTC-denominated debt), or never
(no debt, or debt other collateral covers). Every position is in exactly one row, so the rows sum
to the totals. Amounts are Decimal throughout; a map is of one BTC asset or of several (a chain's
WBTC, cbBTC, tBTC ... in total): only the collateral in the mapped assets counts in its `btc`
amounts (their token units, each worth about one bitcoin), every position's whole collateral
and debt count in USD.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from chainwatch.model import ZERO, Position

STEP = Decimal("0.05")


@dataclass
class Band:
    """One row of the map. `low`/`high` are the BTC fall (fractions) that bound the band."""

    label: str
    low: Decimal | None = None
    high: Decimal | None = None
    price_high: Decimal | None = None  # BTC price at the band's top (the smaller fall)
    price_low: Decimal | None = None
    positions: int = 0
    btc: Decimal = ZERO  # the mapped BTC assets' collateral, in token units
    collateral_usd: Decimal = ZERO
    debt_usd: Decimal = ZERO

    def add(self, btc: Decimal, position: Position) -> None:
        self.positions += 1
        self.btc += btc
        self.collateral_usd += position.collateral_usd
        self.debt_usd += position.debt_usd


@dataclass
class LiquidationMap:
    assets: tuple[str, ...]  # the mapped collateral's addresses
    price_usd: Decimal  # today's BTC price: the collateral-weighted oracle price of the assets
    bands: list[Band]  # falls of 0-5%, 5-10%, ... down to 100%
    now: Band = field(default_factory=lambda: Band("liquidatable now"))
    on_rise: Band = field(default_factory=lambda: Band("on a BTC rise"))
    never: Band = field(default_factory=lambda: Band("not by BTC alone"))

    @property
    def rows(self) -> list[Band]:
        """Every row, each position in exactly one."""
        return [self.now, *self.bands, self.on_rise, self.never]

    @property
    def total(self) -> Band:
        total = Band("total")
        for row in self.rows:
            total.positions += row.positions
            total.btc += row.btc
            total.collateral_usd += row.collateral_usd
            total.debt_usd += row.debt_usd
        return total


def asset_amount(position: Position, assets: str | Sequence[str]) -> Decimal:
    """How much of `assets` (one address or several) the position holds as collateral."""
    keys = {a.lower() for a in ([assets] if isinstance(assets, str) else assets)}
    return sum((h.amount for h in position.collateral if h.asset.address.lower() in keys), ZERO)


def liquidation_map(positions: Sequence[Position], assets: str | Sequence[str], step: Decimal = STEP) -> LiquidationMap:
    """The map of the positions that hold `assets` (one address or several) as collateral
    (others are left out)."""
    mapped = (assets,) if isinstance(assets, str) else tuple(assets)
    held = [(p, asset_amount(p, mapped)) for p in positions]
    held = [(p, amount) for p, amount in held if amount > 0]
    price = _reference_price(held, mapped)
    count = int(1 / step)
    bands = [
        Band(
            label=f"{'-' if k else ''}{_pct(step * k)} to -{_pct(step * (k + 1))}",
            low=step * k,
            high=step * (k + 1),
            price_high=price * (1 - step * k),
            price_low=price * (1 - step * (k + 1)),
        )
        for k in range(count)
    ]
    result = LiquidationMap(assets=mapped, price_usd=price, bands=bands)
    for position, amount in held:
        _row(result, position, step, count).add(amount, position)
    return result


def _row(result: LiquidationMap, position: Position, step: Decimal, count: int) -> Band:
    health = position.health_factor
    if health is not None and health < 1:
        return result.now
    liquidation = position.liquidation_price_btc
    spot = position.btc_price_usd
    if liquidation is None or not spot:
        return result.never
    if liquidation >= spot:
        return result.on_rise
    fall = 1 - liquidation / spot
    return result.bands[min(count - 1, int(fall / step))]


def _reference_price(held: Sequence[tuple[Position, Decimal]], assets: Sequence[str]) -> Decimal:
    """Today's price of `assets`, weighted by how much each position holds (oracles differ a
    little between markets, and the BTC assets a little between themselves)."""
    keys = {a.lower() for a in assets}
    amount = value = ZERO
    for position, _ in held:
        for h in position.collateral:
            if h.asset.address.lower() in keys:
                amount += h.amount
                value += h.value_usd
    return value / amount if amount else ZERO


def _pct(fraction: Decimal) -> str:
    return f"{fraction * 100:.0f}%"
