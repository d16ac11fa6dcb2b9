"""Pricing a protocol's numeraire in USD with the chain's Chainlink feeds.

Morpho Blue quotes collateral in units of the market's loan token, and a Comet in its own
numeraire (USD for cUSDCv3 and cUSDTv3, ETH for cWETHv3, BTC for cWBTCv3); the shared model
wants USD. The conversion reads the address book's `eth_usd_feed` / `btc_usd_feed` in the same
batch as the protocol's own reads, so it is pinned to the same block.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from enum import Enum
from typing import Any

from chainwatch.chain import Chain
from chainwatch.errors import ChainwatchError
from chainwatch.feeds import FeedError, latest_answer, latest_calls
from chainwatch.rpc import Call


class NumeraireError(ChainwatchError):
    """A price needs a USD feed the chain's address book does not name (a feed that answers
    badly is chainwatch.feeds' FeedError)."""


class Numeraire(str, Enum):
    USD = "usd"
    ETH = "eth"
    BTC = "btc"

    @classmethod
    def of_symbol(cls, symbol: str) -> Numeraire:
        """What a loan token is worth in: ETH for (W)ETH, BTC for wrapped bitcoins, else USD.

        The USD case covers stablecoins, taken at $1: Morpho itself values a USDC loan in
        USDC, so that is the price at which it liquidates.
        """
        upper = symbol.upper()
        if upper in ("WETH", "ETH"):
            return cls.ETH
        return cls.BTC if "BTC" in upper else cls.USD


class UsdPrices:
    """USD per unit of each numeraire, read in the caller's batch: `calls` go into it and the
    matching rows come back to `load`."""

    def __init__(self, chain: Chain) -> None:
        self.chain = chain
        self._feeds = {
            n: feed for n, feed in ((Numeraire.ETH, chain.eth_usd_feed), (Numeraire.BTC, chain.btc_usd_feed)) if feed
        }
        self._prices: dict[Numeraire, Decimal | FeedError] = {Numeraire.USD: Decimal(1)}

    @property
    def calls(self) -> list[Call]:
        return [call for feed in self._feeds.values() for call in latest_calls(feed)]

    def load(self, rows: Sequence[tuple[Any, ...] | None]) -> None:
        """Parse the rows of `calls`; a bad answer is kept, to fail only a price that needs it."""
        for i, (numeraire, feed) in enumerate(self._feeds.items()):
            try:
                self._prices[numeraire] = latest_answer(feed, rows[2 * i : 2 * i + 2]).price
            except FeedError as exc:
                self._prices[numeraire] = exc

    def price(self, numeraire: Numeraire) -> Decimal:
        if numeraire not in self._prices:
            raise NumeraireError(f"{self.chain.name}: no {numeraire.value}_usd_feed in the address book")
        price = self._prices[numeraire]
        if isinstance(price, FeedError):
            raise FeedError(f"{self.chain.name} {numeraire.value.upper()}/USD: {price}")
        return price
