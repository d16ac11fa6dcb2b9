"""The devnet's deployed addresses as a typed record, saved as JSON beside the state snapshot."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass(frozen=True)
class AaveMarket:
    """One Aave v3 deployment: "aave-v3" and "spark" run the same v3.0 bytecode, "aave-v3.6" v3.6
    (whose one interest rate strategy serves every reserve)."""

    name: str
    pool_addresses_provider: str
    pool: str
    pool_configurator: str
    acl_manager: str
    oracle: str
    data_provider: str
    a_tokens: dict[str, str] = field(default_factory=dict)  # underlying symbol -> aToken
    variable_debt_tokens: dict[str, str] = field(default_factory=dict)  # symbol -> debt token
    interest_rate_strategies: dict[str, str] = field(default_factory=dict)  # symbol -> strategy


@dataclass(frozen=True)
class MorphoMarket:
    """Morpho Blue (real bytecode) and its one devnet market, WBTC collateral lending USDC.

    The oracle derives its 1e36-scaled price from the devnet's Chainlink-style feeds; the IRM is
    a stand-in with a settable flat rate.
    """

    morpho: str
    market_id: str  # 0x-prefixed bytes32: keccak256(abi.encode(market params))
    loan_token: str
    collateral_token: str
    oracle: str
    irm: str
    lltv: int  # WAD (0.86e18)

    @property
    def params(self) -> tuple[str, str, str, str, int]:
        """Morpho's MarketParams tuple, as its functions take it."""
        return (self.loan_token, self.collateral_token, self.oracle, self.irm, self.lltv)


@dataclass(frozen=True)
class Deployment:
    """Every address of a devnet build, plus the accounts the demo and tests act as."""

    chain_id: int
    multicall3: str
    deployer: str
    supplier: str
    tokens: dict[str, str]  # symbol (WBTC, cbBTC, USDC, WETH) -> MintableERC20
    # pair (BTC/USD, ETH/USD, USDC/USD, and for each BTC asset its ratio ASSET/BTC and the
    # ASSET/BTC/USD product Aave and Comet price it by) -> feed
    feeds: dict[str, str]
    markets: dict[str, AaveMarket]  # Aave v3 market name (v3.0 and v3.6) -> addresses
    morpho_blue: MorphoMarket
    comet: str | None  # the Comet STAND-IN (USDC base; WBTC and WETH collateral); None on devnet-l2
    demo_wallets: Mapping[str, str]  # label (A..G) -> account
    snapshot_block: int
    snapshot_timestamp: int
    # The chain's BTC assets in the address book's order, the main one first: WBTC on the
    # devnet; cbBTC, then WBTC, on devnet-l2.
    btc_symbols: tuple[str, ...] = ("WBTC",)

    @property
    def btc(self) -> str:
        """The chain's main BTC asset (the first of its book's `btc_assets`)."""
        return self.tokens[self.btc_symbols[0]]

    def btc_ratio_feed(self, symbol: str) -> str:
        """The feed of a BTC asset's price in BTC (WBTC/BTC, cbBTC/BTC): its peg."""
        return self.feeds[f"{symbol}/BTC"]

    @property
    def wbtc(self) -> str:
        return self.tokens["WBTC"]

    @property
    def usdc(self) -> str:
        return self.tokens["USDC"]

    @property
    def weth(self) -> str:
        return self.tokens["WETH"]

    @property
    def btc_usd_feed(self) -> str:
        return self.feeds["BTC/USD"]

    @property
    def eth_usd_feed(self) -> str:
        return self.feeds["ETH/USD"]

    @property
    def wbtc_btc_feed(self) -> str:
        return self.btc_ratio_feed("WBTC")

    def to_json(self) -> str:
        return json.dumps(asdict(self), indent=2, sort_keys=True) + "\n"

    @classmethod
    def from_json(cls, text: str) -> Deployment:
        data: dict[str, Any] = json.loads(text)
        data["markets"] = {name: AaveMarket(**market) for name, market in data["markets"].items()}
        data["morpho_blue"] = MorphoMarket(**data["morpho_blue"])
        data["btc_symbols"] = tuple(data["btc_symbols"])  # a JSON list
        return cls(**data)
