"""Hypothetical versions of a position: BTC at another price, part of the debt repaid, BTC added.

Every what-if figure is read off such a derived `Position`, so scenarios reuse the model's one
definition of LTV, health factor and liquidation price instead of restating the formulas.
"""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

from chainwatch.model import Holding, Position
from chainwatch.risk.errors import RiskInputError


def _repriced(holding: Holding, factor: Decimal) -> Holding:
    return replace(holding, price_usd=holding.price_usd * factor) if holding.tracks_btc else holding


def at_btc_change(position: Position, change: Decimal) -> Position:
    """The position with BTC moved by `change` (−0.30 for a 30% fall), other prices held.

    Every BTC-tracking holding moves, collateral and debt alike, as the model's liquidation
    price assumes.
    """
    factor = 1 + change
    if factor <= 0:
        raise RiskInputError(f"a BTC change of {change} would take the price to zero or below")
    return replace(
        position,
        collateral=tuple(_repriced(h, factor) for h in position.collateral),
        debt=tuple(_repriced(h, factor) for h in position.debt),
    )


def with_debt_repaid(position: Position, repay_usd: Decimal) -> Position:
    """The position after repaying `repay_usd` of debt, spread over the debts pro rata."""
    debt_usd = position.debt_usd
    if repay_usd > debt_usd:
        raise RiskInputError(f"cannot repay ${repay_usd} of a ${debt_usd} debt")
    factor = 1 - repay_usd / debt_usd if debt_usd else Decimal(1)
    return replace(position, debt=tuple(replace(h, amount=h.amount * factor) for h in position.debt))


def with_btc_added(position: Position, btc: Decimal) -> Position:
    """The position with `btc` more of its first BTC-tracking collateral."""
    for i, holding in enumerate(position.collateral):
        if holding.tracks_btc:
            grown = replace(holding, amount=holding.amount + btc)
            return replace(
                position,
                collateral=(*position.collateral[:i], grown, *position.collateral[i + 1 :]),
            )
    raise RiskInputError("the position has no BTC collateral to add to")
