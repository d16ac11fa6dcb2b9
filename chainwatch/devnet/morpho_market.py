"""Deploying Morpho Blue (real bytecode, compiled from @morpho-org/morpho-blue) and its BTC/USDC
market onto a local chain (WBTC collateral on the devnet, cbBTC on devnet-l2).

Morpho itself is the real contract; the market's oracle is our ChainlinkMorphoOracle over the
devnet's WBTC/BTC, BTC/USD and USDC/USD feeds (so moving BTC/USD moves Morpho as it moves Aave),
and its IRM is SettableRateIrm, a stand-in with a flat rate tests can set, because Morpho's
AdaptiveCurveIrm is not in the npm package.
"""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal
from typing import Any

from eth_abi import encode
from eth_utils import keccak
from web3 import Web3

from chainwatch.devnet.actions import token_decimals
from chainwatch.devnet.deployment import MorphoMarket
from chainwatch.devnet.node import contract, deploy, transact
from chainwatch.model import SECONDS_PER_YEAR

WAD = 10**18
LLTV = Decimal("0.86")  # mainnet's USDC/WBTC market (its MarketParams on the Morpho Blue singleton)
BORROW_APR = Decimal("0.05")  # the stand-in IRM's flat rate, as a yearly fraction


def rate_per_second(apr: Decimal) -> int:
    """A yearly rate as the per-second WAD rate Morpho's IIrm returns (rounded down)."""
    return int(apr * WAD) // SECONDS_PER_YEAR


def market_id(params: tuple[str, str, str, str, int]) -> str:
    """Morpho's MarketParamsLib.id: keccak256 over the five abi-encoded market parameters."""
    return "0x" + keccak(encode(["address", "address", "address", "address", "uint256"], list(params))).hex()


def deploy_morpho_market(
    w3: Web3,
    deployer: str,
    compiled: dict[str, dict[str, Any]],
    tokens: dict[str, str],
    feeds: dict[str, str],
    collateral: str = "WBTC",
) -> MorphoMarket:
    """Morpho owned by `deployer`, the oracle and IRM, the enabled IRM and LLTV, the market
    lending USDC against `collateral` (the chain's BTC asset, priced by its asset/BTC feed)."""

    def build(name: str, *args: Any) -> str:
        return deploy(w3, deployer, compiled[name]["abi"], compiled[name]["bytecode"], *args)

    morpho = build("Morpho", deployer)
    irm = build("SettableRateIrm", rate_per_second(BORROW_APR))
    oracle = build(
        "ChainlinkMorphoOracle", feeds[f"{collateral}/BTC"], feeds["BTC/USD"], feeds["USDC/USD"],
        token_decimals(w3, tokens[collateral]), token_decimals(w3, tokens["USDC"]),
    )  # fmt: skip
    lltv = int(LLTV * WAD)
    market = MorphoMarket(
        morpho=morpho, market_id="", loan_token=tokens["USDC"], collateral_token=tokens[collateral],
        oracle=oracle, irm=irm, lltv=lltv,
    )  # fmt: skip
    handle = contract(w3, "Morpho", morpho)
    transact(w3, handle.functions.enableIrm(irm), deployer)
    transact(w3, handle.functions.enableLltv(lltv), deployer)
    transact(w3, handle.functions.createMarket(market.params), deployer)
    return replace(market, market_id=market_id(market.params))
