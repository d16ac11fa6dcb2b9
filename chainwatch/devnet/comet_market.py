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
    decimals = {symbol: token_decimals(w3, token) for symbol, token in tokens.items()}
    assets = [
        (tokens[symbol], feeds[pair], decimals[symbol], _wad(borrow_cf), _wad(liquidate_cf), _wad(factor),
         cap * 10 ** decimals[symbol])
        for symbol, pair, borrow_cf, liquidate_cf, factor, cap in COLLATERAL
    ]  # fmt: skip
    config = (
        tokens["USDC"], feeds["USDC/USD"],
        _wad(SUPPLY_KINK), _wad(SUPPLY_LOW), _wad(SUPPLY_HIGH), _wad(SUPPLY_BASE),
        _wad(BORROW_KINK), _wad(BORROW_LOW), _wad(BORROW_HIGH), _wad(BORROW_BASE),
        BASE_BORROW_MIN * 10 ** decimals["USDC"], assets,
    )  # fmt: skip
    stand_in = compiled["CometStandIn"]
    return deploy(w3, deployer, stand_in["abi"], stand_in["bytecode"], config)
