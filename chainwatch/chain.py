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
class BtcAsset:
    """A token the address book declares to be bitcoin on its chain (WBTC, cbBTC, tBTC ...).

    Being BTC is a fact of the book, never guessed from a symbol: a token named "xBTC" may be
    anything, and a real bitcoin wrapper may be named otherwise. `btc_feed` is the Chainlink
    feed of its price in BTC (its peg), where one exists.
    """

    address: str
    symbol: str
    btc_feed: str | None = None


@dataclass(frozen=True)
class Chain:
    name: str
    chain_id: int
    rpc: tuple[str, ...]
    multicall3: str
    btc_assets: tuple[BtcAsset, ...]
    markets: tuple[MarketConfig, ...]
    btc_usd_feed: str | None = None
    eth_usd_feed: str | None = None
    # The ENS registry, where names such as `vitalik.eth` are looked up; None: no ENS here.
    ens_registry: str | None = None
    # Tokens worth $1 as loan or base tokens (Morpho values a USDC loan in USDC); any loan or
    # base token neither listed here nor priced by a feed of the book (weth, btc_assets) is refused.
    stablecoins: tuple[str, ...] = ()
    weth: str | None = None
    # Read by `track` when no --chain is given (the built-in mainnets; never a local chain).
    default: bool = False
    # A rollup (Base, Arbitrum): each transaction also pays a fee for posting its data to
    # Ethereum, which eth_feeHistory does not price, so `compare`'s gas there is execution only.
    rollup: bool = False

    @property
    def main_btc_asset(self) -> BtcAsset:
        """The first BTC asset the book lists: the one a single-asset question (what a new loan
        against BTC costs) is asked about."""
        return self.btc_assets[0]

    def btc_asset(self, address: str) -> BtcAsset | None:
        """The book's entry for `address` when it is a BTC asset of this chain."""
        key = address.lower()
        return next((a for a in self.btc_assets if a.address.lower() == key), None)
