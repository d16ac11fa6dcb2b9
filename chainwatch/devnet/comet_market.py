"""Deploying the Comet STAND-IN (contracts/CometStandIn.sol) onto the devnet.

Compound v3's contracts are on no registry the build can reach, so the devnet's "compound-v3"
market is a stand-in with Comet's ABI and storage math for what chainwatch reads. It is
configured like mainnet's cUSDCv3: USDC base priced by USDC/USD, WBTC collateral priced by the
WBTC/BTC × BTC/USD product feed (mainnet's WBTCPriceFeed does the same), WETH by ETH/USD.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from web3 import Web3

from chainwatch.devnet.actions import token_decimals
from chainwatch.devnet.node import deploy

WAD = 10**18


def _wad(fraction: str) -> int:
    return int(Decimal(fraction) * WAD)


# (symbol, price feed pair, borrowCollateralFactor, liquidateCollateralFactor, liquidationFactor,
# supply cap in token units): WBTC as cUSDCv3 since Feb 2024 (Compound's deployments/mainnet/usdc/configuration.json), WETH as cUSDCv3.
COLLATERAL = (
    ("WBTC", "WBTC/BTC/USD", "0.80", "0.85", "0.95", 1_000),
    ("WETH", "ETH/USD", "0.83", "0.90", "0.95", 100_000),
)
# Kinked rate model, per year (the contract divides by seconds per year as Comet's constructor does).
SUPPLY_KINK, SUPPLY_BASE, SUPPLY_LOW, SUPPLY_HIGH = "0.90", "0", "0.045", "3.0"
BORROW_KINK, BORROW_BASE, BORROW_LOW, BORROW_HIGH = "0.90", "0.05", "0.05", "3.4"
BASE_BORROW_MIN = 100  # USDC


def deploy_comet(
    w3: Web3,
    deployer: str,
    compiled: dict[str, dict[str, Any]],
    tokens: dict[str, str],
    feeds: dict[str, str],
) -> str:
    """The stand-in Comet, configured and ready for supply; returns its address."""
    collateral = [
        (tokens[symbol], feeds[pair], borrow_cf, liquidate_cf, factor, cap)
        for symbol, pair, borrow_cf, liquidate_cf, factor, cap in COLLATERAL
    ]
    return deploy_stand_in(w3, deployer, compiled["CometStandIn"], tokens["USDC"], feeds["USDC/USD"], collateral)


def deploy_stand_in(
    w3: Web3,
    deployer: str,
    stand_in: dict[str, Any],
    base: str,
    base_feed: str,
    collateral: list[tuple[str, str, str, str, str, int]],
) -> str:
    """A stand-in Comet lending `base` against `collateral`, each (token, price feed,
    borrowCollateralFactor, liquidateCollateralFactor, liquidationFactor, supply cap in whole
    tokens) at the offset of its place in the list (up to 24, the extended asset list's limit)."""
    assets = []
    for token, feed, borrow_cf, liquidate_cf, factor, cap in collateral:
        decimals = token_decimals(w3, token)
        assets.append((token, feed, decimals, _wad(borrow_cf), _wad(liquidate_cf), _wad(factor), cap * 10**decimals))
    config = (
        base, base_feed,
        _wad(SUPPLY_KINK), _wad(SUPPLY_LOW), _wad(SUPPLY_HIGH), _wad(SUPPLY_BASE),
        _wad(BORROW_KINK), _wad(BORROW_LOW), _wad(BORROW_HIGH), _wad(BORROW_BASE),
        BASE_BORROW_MIN * 10 ** token_decimals(w3, base), assets,
    )  # fmt: skip
    return deploy(w3, deployer, stand_in["abi"], stand_in["bytecode"], config)
