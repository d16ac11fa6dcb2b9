"""Each DeFi market's terms for a new loan, and the prices that turn gas and BTC into USD,
read from the chain at one pinned block.

Every market goes through its adapter's `market_rates`, so nothing here knows a protocol: a
market is a collateral (the chain's main BTC asset, WBTC on Ethereum) with its LTVs and price, a
loan asset with its borrow rate, and the compounding its adapter declares.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from chainwatch.adapters import adapter_class
from chainwatch.adapters.base import MarketRate
from chainwatch.chain import Chain
from chainwatch.costs.gas import GasPrice, read_gas_price
from chainwatch.errors import ChainwatchError
from chainwatch.feeds import read_latest
from chainwatch.rpc import Block, BlockReader, EndpointPool
from chainwatch.rpc.urls import rpc_urls


class MarketTermsError(ChainwatchError):
    """The chain lacks something a comparison needs (a feed, a market that lends the asset)."""


@dataclass(frozen=True)
class DefiMarket:
    """What borrowing `loan` against `collateral` in one market costs and allows, now."""

    name: str
    protocol: str
    collateral: MarketRate
    loan: MarketRate
    compounding: str

    @property
    def borrow_apr(self) -> Decimal:
        assert self.loan.borrow_apr is not None  # read_markets keeps only borrowable loans
        return self.loan.borrow_apr


@dataclass(frozen=True)
class ChainTerms:
    """Everything a comparison reads from one chain, all at `block`."""

    block: Block
    markets: tuple[DefiMarket, ...]
    skipped: tuple[str, ...]  # one line per market that cannot make this loan, and why
    btc_usd: Decimal | None  # None where the chain has no BTC/USD feed
    eth_usd: Decimal | None  # None when gas is not priced here (--gas-usd)
    gas_price: GasPrice | None


def wbtc_loan_pair(
    rates: Sequence[MarketRate], wbtc: str, loan_symbol: str, wbtc_symbol: str = "WBTC"
) -> tuple[MarketRate, MarketRate] | str:
    """The collateral terms of the BTC asset `wbtc` and the loan terms of one group that can be
    combined, or why there are none (a Morpho entry holds several isolated markets: only one
    may lend the asset against it)."""
    collaterals = {
        r.group: r for r in rates if r.asset.address.lower() == wbtc.lower() and r.liquidation_threshold is not None
    }
    if not collaterals:
        return f"does not take {wbtc_symbol} as collateral"
    for r in rates:
        if r.group in collaterals and r.asset.symbol.upper() == loan_symbol.upper() and r.borrow_apr is not None:
            return collaterals[r.group], r
    return f"does not lend {loan_symbol} against {wbtc_symbol}"


def read_chain_terms(
    chain: Chain,
    loan_symbol: str,
    *,
    rpc: Sequence[str] = (),
    block: int | None = None,
    price_gas: bool = True,
    eth_usd: Decimal | None = None,
    gas_price: GasPrice | None = None,
    alongside_book: bool = False,
) -> ChainTerms:
    """Markets that lend `loan_symbol` against the chain's main BTC asset (the first of its
    book's `btc_assets`: WBTC on Ethereum), with the BTC/USD feed and,
    when `price_gas`, ETH/USD and the gas price unless given (then they are not read).
    `alongside_book`: see rpc_urls (a comparison over several chains)."""
    pool = EndpointPool(rpc_urls(chain, rpc, alongside_book=alongside_book), expected_chain_id=chain.chain_id)
    reader = BlockReader.at(pool, block, multicall3=chain.multicall3)
    markets, skipped = [], []
    for config in chain.markets:
        adapter = adapter_class(config.protocol)(chain, config)
        btc = chain.main_btc_asset
        pair = wbtc_loan_pair(adapter.market_rates(reader), btc.address, loan_symbol, btc.symbol)
        if isinstance(pair, str):
            skipped.append(f"{config.name}: {pair}")
        else:
            markets.append(DefiMarket(config.name, config.protocol, *pair, adapter.interest_compounding.value))
    btc_usd = read_latest(reader, chain.btc_usd_feed).price if chain.btc_usd_feed else None
    if price_gas and eth_usd is None:
        if chain.eth_usd_feed is None:
            raise MarketTermsError(f"{chain.name} has no eth_usd_feed in its address book: give --eth-price")
        eth_usd = read_latest(reader, chain.eth_usd_feed).price
    if price_gas and gas_price is None:
        gas_price = read_gas_price(pool, reader.block.number)
    return ChainTerms(reader.block, tuple(markets), tuple(skipped), btc_usd, eth_usd, gas_price)
