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

from chainwatch.abi import function
from chainwatch.chain import Chain
from chainwatch.errors import ChainwatchError
from chainwatch.model import from_raw
from chainwatch.rpc import Call

_latest_round = function("ChainlinkAggregatorV3", "latestRoundData")
_decimals = function("ChainlinkAggregatorV3", "decimals")


class NumeraireError(ChainwatchError):
    """A price needs a USD feed the chain's address book does not name, or the feed failed."""


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
        self._prices: dict[Numeraire, Decimal | None] = {Numeraire.USD: Decimal(1)}

    @property
    def calls(self) -> list[Call]:
        return [c for feed in self._feeds.values() for c in (Call(feed, _latest_round), Call(feed, _decimals))]

    def load(self, rows: Sequence[tuple[Any, ...] | None]) -> None:
        for i, numeraire in enumerate(self._feeds):
            answer, decimals = rows[2 * i], rows[2 * i + 1]
            ok = answer is not None and decimals is not None and answer[1] > 0
            self._prices[numeraire] = from_raw(answer[1], decimals[0]) if ok else None  # type: ignore[index]

    def price(self, numeraire: Numeraire) -> Decimal:
        if numeraire not in self._prices:
            raise NumeraireError(f"{self.chain.name}: no {numeraire.value}_usd_feed in the address book")
        price = self._prices[numeraire]
        if price is None:
            raise NumeraireError(f"{self.chain.name}: the {numeraire.value.upper()}/USD feed did not answer")
        return price
