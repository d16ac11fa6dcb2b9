"""Pricing a protocol's numeraire in USD with the chain's Chainlink feeds, and nothing guessed.

Morpho Blue quotes collateral in units of the market's loan token, and a Comet in its own
numeraire (USD for cUSDCv3 and cUSDTv3, ETH for cWETHv3); the shared model wants USD. What a
loan or base token is worth in comes from the address book, never from its symbol: a token in
the chain's `stablecoins` list is worth $1 (what Morpho itself values a USDC loan at), its `weth`
ETH and its `wbtc` BTC, priced by the book's `eth_usd_feed` / `btc_usd_feed` read in the same
batch as the protocol's own reads, so pinned to the same block. Any other token is refused with
one line naming it and the market: a $1 guess would misstate every figure of the loan.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from enum import Enum
from typing import Any

from chainwatch.chain import Chain
from chainwatch.errors import ChainwatchError
from chainwatch.feeds import FeedError, latest_answer, latest_calls
from chainwatch.model import Asset
from chainwatch.rpc import Call


class NumeraireError(ChainwatchError):
    """A price needs a USD feed, or a token listing, the chain's address book does not have (a
    feed that answers badly is chainwatch.feeds' FeedError)."""


class Numeraire(str, Enum):
    USD = "usd"
    ETH = "eth"
    BTC = "btc"

    @classmethod
    def of_token(cls, chain: Chain, token: Asset, market: str) -> Numeraire:
        """What the address book says `token` (the loan or base token of `market`) is worth in.

        Refused (NumeraireError, one line) when the book lists it neither as a stablecoin nor
        as a token one of its feeds prices.
        """
        address = token.address.lower()
        if address in (s.lower() for s in chain.stablecoins):
            return cls.USD
        if chain.weth and address == chain.weth.lower():
            return cls.ETH
        if chain.btc_asset(address) is not None:
            return cls.BTC
        raise NumeraireError(
            f"{market}: no price for {token.symbol} ({token.address}): it is neither a stablecoin in the "
            f"{chain.name} address book nor priced by a feed there (add it to `stablecoins` if it is one)"
        )


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

    def price(self, numeraire: Numeraire) -> Decimal | None:
        """USD per unit of `numeraire`; None when its feed gave no price (the positions that
        need it are unreadable, the rest are not)."""
        if numeraire not in self._prices:
            raise NumeraireError(f"{self.chain.name}: no {numeraire.value}_usd_feed in the address book")
        price = self._prices[numeraire]
        return None if isinstance(price, FeedError) else price

    def failed_call(self, numeraire: Numeraire) -> str:
        """The read that failed when `price(numeraire)` is None, for the report."""
        return f"Chainlink {numeraire.value.upper()}/USD {self._feeds[numeraire]} latestRoundData"
