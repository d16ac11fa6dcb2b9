"""How far BTC can move before a position is liquidated, and in which direction.

A loan of stablecoins against BTC is liquidated by a fall; a loan of BTC against other
collateral by a rise. The direction is read from the position itself (does a higher BTC price
raise its health factor?), never from which protocol it came from.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from chainwatch.model import Position
from chainwatch.risk.hypothetical import at_btc_change


def liquidated_by_fall(position: Position) -> bool:
    """True when a BTC fall brings the position closer to liquidation (BTC collateral)."""
    now = position.health_factor
    doubled = at_btc_change(position, Decimal(1)).health_factor
    return now is not None and doubled is not None and doubled > now


@dataclass(frozen=True)
class MarginOfSafety:
    """The BTC price move to liquidation: in USD per BTC and as a fraction of today's price.

    Negative when the position is already past its liquidation price.
    """

    usd: Decimal
    fraction: Decimal


def margin_of_safety(position: Position) -> MarginOfSafety | None:
    """None when no BTC price liquidates the position (no debt, or no BTC exposure)."""
    price = position.btc_price_usd
    liquidation = position.liquidation_price_btc
    if price is None or liquidation is None:
        return None
    distance = price - liquidation if liquidated_by_fall(position) else liquidation - price
    return MarginOfSafety(usd=distance, fraction=distance / price)
