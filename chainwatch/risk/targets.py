"""The actions that make a loan safe: repay or add BTC to reach a target LTV, and the largest
loan that survives a given BTC fall."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from chainwatch.model import Position
from chainwatch.risk.errors import RiskInputError, require_fraction
from chainwatch.risk.hypothetical import at_btc_change, with_btc_added, with_debt_repaid


@dataclass(frozen=True)
class WhatIf:
    """Either action alone brings LTV to `target_ltv`; zero when the loan is already there.

    `add_btc` is None when the position has no BTC collateral to add to.
    """

    target_ltv: Decimal
    repay: Decimal
    liquidation_price_after_repay: Decimal | None
    add_btc: Decimal | None
    liquidation_price_after_add_btc: Decimal | None


def what_if(position: Position, target_ltv: Decimal) -> WhatIf:
    """Repay (USD) or BTC to add so that debt / collateral = `target_ltv` at today's prices.

    Repay: debt − target · collateral. Add: (debt / target − collateral) / BTC price.
    """
    require_fraction("target LTV", target_ltv)
    liquidation_ltv = position.liquidation_ltv
    if not liquidation_ltv:
        raise RiskInputError("the position has no collateral to set a target LTV against")
    if target_ltv >= liquidation_ltv:
        raise RiskInputError(f"target LTV {target_ltv} is not below the liquidation LTV {liquidation_ltv:.4f}")
    collateral, debt = position.collateral_usd, position.debt_usd
    repay = max(debt - target_ltv * collateral, Decimal(0))
    btc_price = position.btc_price_usd
    add_btc = None
    if btc_price is not None and any(h.tracks_btc for h in position.collateral):
        add_btc = max((debt / target_ltv - collateral) / btc_price, Decimal(0))
    return WhatIf(
        target_ltv=target_ltv,
        repay=repay,
        liquidation_price_after_repay=with_debt_repaid(position, repay).liquidation_price_btc,
        add_btc=add_btc,
        liquidation_price_after_add_btc=(
            None if add_btc is None else with_btc_added(position, add_btc).liquidation_price_btc
        ),
    )


def max_loan_for_drop(position: Position, drop: Decimal) -> Decimal:
    """The largest debt (USD, valued after the fall) the collateral carries at health factor 1
    once BTC has fallen by `drop`: liquidation-weighted collateral at the fallen prices.

    Liquidation needs a health factor below 1, so a loan of exactly this size survives. It is
    a survival limit, not the borrow limit: protocols stop new borrowing at the lower max LTV.
    """
    require_fraction("drop", drop)
    return at_btc_change(position, -drop).liquidation_weighted_collateral_usd
