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
from dataclasses import dataclass
from decimal import Decimal
from itertools import pairwise

from chainwatch.abi import function
from chainwatch.chain import Chain
from chainwatch.model import SECONDS_PER_DAY, SECONDS_PER_YEAR
from chainwatch.risk.errors import RiskInputError
from chainwatch.rpc import BlockReader, Call, EndpointPool, RpcError
from chainwatch.rpc.urls import rpc_urls

# A feed's round id is (phase id << 64) | round within the phase; rounds count up from 1.
PHASE_BITS = 64
ROUNDS_PER_READ = 800  # two Multicall3 batches of 400, one HTTP request


@dataclass(frozen=True)
class Round:
    """One feed answer: when it was written (unix seconds) and the raw integer answer."""

    updated_at: int
    answer: int


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


def read_feed_rounds(reader: BlockReader, feed: str, since: int) -> list[Round]:
    """The rounds of `feed` written at or after unix time `since`, as of the reader's block.

    Walks back from `latestRoundData` through `getRoundData`, `ROUNDS_PER_READ` rounds per
    batched read, until a round is older than `since` or the current phase's first round is
    passed (earlier phases sit behind other aggregators; a month of BTC/USD is well inside one).
    """
    latest = reader.read([Call(feed, function("ChainlinkAggregatorV3", "latestRoundData"))])[0]
    if latest is None:
        raise RpcError(f"price feed {feed} did not answer latestRoundData")
    latest_id, answer, _, updated_at, _ = latest
    rounds = [Round(updated_at, answer)]
    phase_start = (latest_id >> PHASE_BITS) << PHASE_BITS
    get_round = function("ChainlinkAggregatorV3", "getRoundData")
    next_id = latest_id - 1
    while updated_at >= since and next_id > phase_start:
        ids = range(next_id, max(next_id - ROUNDS_PER_READ, phase_start), -1)
        for result in reader.read([Call(feed, get_round, (i,)) for i in ids]):
            if result is None or result[3] == 0:  # a round the feed never wrote: start of history
                return rounds
            updated_at = result[3]
            if updated_at < since:
                return rounds
            rounds.append(Round(updated_at, result[1]))
        next_id = ids[-1] - 1
    return rounds


def feed_volatility(reader: BlockReader, feed: str, days: int) -> Decimal:
    """Volatility over the `days` before the reader's block, from `feed`'s rounds."""
    if days <= 0:
        raise RiskInputError(f"volatility window must be at least one day, got {days}")
    since = int(reader.block.timestamp.timestamp()) - days * SECONDS_PER_DAY
    return annualised_volatility(read_feed_rounds(reader, feed, since))


def chain_btc_volatility(chain: Chain, rpc: Sequence[str], block: int | None, days: int) -> Decimal:
    """Volatility from the chain's BTC/USD feed (address book `btc_usd_feed`) as of `block`."""
    if chain.btc_usd_feed is None:
        raise RiskInputError(f"{chain.name} has no btc_usd_feed in its address book; give --volatility")
    pool = EndpointPool(rpc_urls(chain, rpc), expected_chain_id=chain.chain_id)
    try:
        return feed_volatility(BlockReader.at(pool, block, multicall3=chain.multicall3), chain.btc_usd_feed, days)
    except RpcError as exc:
        raise RpcError(f"{exc} (give --volatility to skip reading the BTC/USD feed)") from None
