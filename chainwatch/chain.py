"""What a chain and a lending market are, as the address book describes them.

A leaf module: the address book (chainwatch.chains) builds these from its TOML files and the
adapters read them, so neither has to import the other's package to know the shape.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class MarketConfig:
    """One lending market: its adapter family, its label, and the adapter's own settings."""

    protocol: str
    name: str
    settings: Mapping[str, Any]


@dataclass(frozen=True)
class Chain:
    name: str
    chain_id: int
    rpc: tuple[str, ...]
    multicall3: str
    wbtc: str
    markets: tuple[MarketConfig, ...]
    btc_usd_feed: str | None = None
    eth_usd_feed: str | None = None
    wbtc_btc_feed: str | None = None
    # The ENS registry, where names such as `vitalik.eth` are looked up; None: no ENS here.
    ens_registry: str | None = None
    # Tokens worth $1 as loan or base tokens (Morpho values a USDC loan in USDC); any loan or
    # base token neither listed here nor priced by a feed of the book (weth, wbtc) is refused.
    stablecoins: tuple[str, ...] = ()
    weth: str | None = None
    # Read by `track` when no --chain is given (the built-in mainnets; never a local chain).
    default: bool = False
