"""Several loans at once: totals, the worst of them, and the BTC prices at which the first and
the last are liquidated.

Each loan is liquidated on its own (no protocol nets one against another), so the portfolio has
no single liquidation price: as BTC falls, positions go one by one, and the two prices bracket
that stretch. Positions that a rise liquidates (BTC borrowed) are outside that bracket.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from chainwatch.model import Position, portfolio_totals
from chainwatch.risk.errors import RiskInputError
from chainwatch.risk.safety import liquidated_by_fall


@dataclass(frozen=True)
class PortfolioRisk:
    collateral_usd: Decimal
    debt_usd: Decimal
    ltv: Decimal | None
    worst: Position
    first_liquidation_price_btc: Decimal | None
    last_liquidation_price_btc: Decimal | None


def portfolio_risk(positions: Sequence[Position]) -> PortfolioRisk:
    """The worst position is the one with the lowest health factor (any with debt beats none)."""
    if not positions:
        raise RiskInputError("no position to assess")
    collateral, debt = portfolio_totals(positions)
    worst = min(positions, key=lambda p: (p.health_factor is None, p.health_factor or 0))
    prices = [
        p.liquidation_price_btc for p in positions if p.liquidation_price_btc is not None and liquidated_by_fall(p)
    ]
    return PortfolioRisk(
        collateral_usd=collateral,
        debt_usd=debt,
        ltv=debt / collateral if collateral else None,
        worst=worst,
        first_liquidation_price_btc=max(prices, default=None),
        last_liquidation_price_btc=min(prices, default=None),
    )
