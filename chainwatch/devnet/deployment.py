"""The devnet's deployed addresses as a typed record, saved as JSON beside the state snapshot."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass(frozen=True)
class AaveMarket:
    """One Aave v3 deployment (the devnet has two: "aave-v3" and "spark", same bytecode)."""

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
class Deployment:
    """Every address of a devnet build, plus the accounts the demo and tests act as."""

    chain_id: int
    multicall3: str
    deployer: str
    supplier: str
    tokens: dict[str, str]  # symbol (WBTC, USDC, WETH) -> MintableERC20
    feeds: dict[str, str]  # pair (BTC/USD, WBTC/BTC, ETH/USD, USDC/USD, WBTC/BTC/USD) -> feed
    markets: dict[str, AaveMarket]  # market name -> addresses
    demo_wallets: dict[str, str]  # label (A, B, C, D) -> account
    snapshot_block: int
    snapshot_timestamp: int

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
        return self.feeds["WBTC/BTC"]

    def to_json(self) -> str:
        return json.dumps(asdict(self), indent=2, sort_keys=True) + "\n"

    @classmethod
    def from_json(cls, text: str) -> Deployment:
        data: dict[str, Any] = json.loads(text)
        data["markets"] = {name: AaveMarket(**market) for name, market in data["markets"].items()}
        return cls(**data)
