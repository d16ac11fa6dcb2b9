"""Loans opened for real on the devnet, through each protocol's own contracts.

Every opener mints the tokens, approves the protocol and sends the protocol's own calls from
`account` (chainwatch.devnet.node impersonates and funds it), so what a test reads back is what
the protocol itself recorded.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from chainwatch.devnet import actions, controls


def open_aave_loan(
    chain: Any, market: str, account: str, collateral: dict[str, Decimal], borrow: dict[str, Decimal]
) -> None:
    """Supply each collateral asset and borrow each debt asset through an Aave v3 Pool (Aave or
    Spark: `market` is the devnet market's name)."""
    w3, deployment = chain.w3, chain.deployment
    pool = deployment.markets[market].pool
    for symbol, amount in collateral.items():
        token = deployment.tokens[symbol]
        controls.mint(w3, token, account, amount)
        actions.approve(w3, token, account, pool)
        actions.supply(w3, pool, token, amount, account)
    for symbol, amount in borrow.items():
        actions.borrow(w3, pool, deployment.tokens[symbol], amount, account)


def open_comet_loan(chain: Any, account: str, collateral: dict[str, Decimal], usdc: Decimal) -> None:
    """Supply each collateral to the Comet (stand-in), then borrow USDC by withdrawing base."""
    w3, deployment = chain.w3, chain.deployment
    for symbol, amount in collateral.items():
        token = deployment.tokens[symbol]
        controls.mint(w3, token, account, amount)
        actions.approve(w3, token, account, deployment.comet)
        actions.comet_supply(w3, deployment.comet, token, amount, account)
    actions.comet_withdraw(w3, deployment.comet, deployment.usdc, usdc, account)


def open_morpho_loan(chain: Any, account: str, wbtc: Decimal, usdc: Decimal) -> None:
    """Post WBTC and borrow USDC in the devnet's Morpho Blue market (the real Morpho contract)."""
    market = chain.deployment.morpho_blue
    controls.mint(chain.w3, market.collateral_token, account, wbtc)
    actions.approve(chain.w3, market.collateral_token, account, market.morpho)
    actions.morpho_supply_collateral(chain.w3, market, wbtc, account)
    actions.morpho_borrow(chain.w3, market, usdc, account)
