"""Annualised BTC volatility from a Chainlink feed's own round history.

Chainlink's BTC/USD feed writes a round when the price moves past a deviation threshold or a
heartbeat passes, so rounds are irregular in time. The estimator is realised variance per unit
of time, Σ r² / Σ Δt with r the log return between consecutive rounds: for a Brownian log price
sampled at such stopping times Wald's identity makes it unbiased, where the usual standard
deviation of returns times √(periods per year) assumes a fixed period. The drift is ignored: over
days it is orders of magnitude below the noise.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from itertools import pairwise

from chainwatch.chain import Chain
from chainwatch.feeds import FeedError, Round, read_rounds
from chainwatch.model import SECONDS_PER_DAY, SECONDS_PER_YEAR
from chainwatch.risk.errors import RiskInputError
from chainwatch.rpc import BlockReader, EndpointPool, RpcError
from chainwatch.rpc.urls import rpc_urls


def annualised_volatility(rounds: Sequence[Round]) -> Decimal:
    """σ per √year from rounds in any order: sqrt(Σ ln(pᵢ/pᵢ₋₁)² / Σ Δtᵢ in years)."""
    ordered = sorted(rounds, key=lambda r: r.updated_at)
    if len(ordered) < 2 or ordered[-1].updated_at <= ordered[0].updated_at:
        raise RiskInputError("need at least two feed rounds at different times to estimate volatility")
    if any(r.answer <= 0 for r in ordered):
        raise RiskInputError("the price feed answered zero or a negative price")
    squares = sum(
        ((Decimal(b.answer) / Decimal(a.answer)).ln() ** 2 for a, b in pairwise(ordered)),
        Decimal(0),
    )
    years = Decimal(ordered[-1].updated_at - ordered[0].updated_at) / SECONDS_PER_YEAR
    return (squares / years).sqrt()


def feed_volatility(reader: BlockReader, feed: str, days: int) -> Decimal:
    """Volatility over the `days` before the reader's block, from `feed`'s rounds."""
    if days <= 0:
        raise RiskInputError(f"volatility window must be at least one day, got {days}")
    since = int(reader.block.timestamp.timestamp()) - days * SECONDS_PER_DAY
    return annualised_volatility(read_rounds(reader, feed, since))


def chain_btc_volatility(
    chain: Chain, rpc: Sequence[str], block: int | None, days: int, *, alongside_book: bool = False
) -> Decimal:
    """Volatility from the chain's BTC/USD feed (address book `btc_usd_feed`) as of `block`.
    `alongside_book`: as the run's own reads of the chain (see rpc_urls), in a run over several."""
    if chain.btc_usd_feed is None:
        raise RiskInputError(f"{chain.name} has no btc_usd_feed in its address book; give --volatility")
    pool = EndpointPool(rpc_urls(chain, rpc, alongside_book=alongside_book), expected_chain_id=chain.chain_id)
    try:
        return feed_volatility(BlockReader.at(pool, block, multicall3=chain.multicall3), chain.btc_usd_feed, days)
    except RpcError as exc:  # a bad feed answer stays a FeedError, so its exit code says so
        kind = FeedError if isinstance(exc, FeedError) else RpcError
        raise kind(f"{exc} (give --volatility to skip reading the BTC/USD feed)") from None
