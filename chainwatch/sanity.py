"""Sanity checks on the prices a snapshot was valued at, read from Chainlink at the same block.

A protocol's own oracle decides liquidations, so positions are valued with it; these checks
only warn when that picture may be wrong: a Chainlink answer older than its feed's heartbeat
(AaveOracle and Comet check no staleness themselves), a protocol price for a BTC-tracking asset
that strays from Chainlink BTC/USD, and WBTC trading away from its peg. Staleness is judged at
the pinned block's time, not the wall clock, so a read of an old block is judged as of then.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal

from chainwatch.chain import Chain
from chainwatch.feeds import FeedError, latest_answer, latest_calls
from chainwatch.model import Position
from chainwatch.rpc import BlockReader

# Chainlink heartbeats (Chainlink's feed directory, data.chain.link): BTC/USD and ETH/USD 3600 s. The WBTC/BTC
# heartbeat is UNVERIFIED; 86400 s is the longest Chainlink uses, so this never warns early.
FEEDS = {  # address-book key -> (pair, heartbeat in seconds)
    "btc_usd_feed": ("BTC/USD", 3600),
    "eth_usd_feed": ("ETH/USD", 3600),
    "wbtc_btc_feed": ("WBTC/BTC", 86400),
}
ORACLE_TOLERANCE = Decimal("0.02")  # protocol BTC-asset price vs Chainlink BTC/USD
PEG_TOLERANCE = Decimal("0.02")  # WBTC/BTC vs 1


@dataclass(frozen=True)
class PairAnswer:
    """A feed's latest answer with what the checks judge it by: its pair and heartbeat."""

    pair: str
    heartbeat: int
    price: Decimal
    updated_at: int  # unix seconds


def snapshot_warnings(reader: BlockReader, chain: Chain, positions: Sequence[Position]) -> tuple[str, ...]:
    """Every warning about the prices of a snapshot read through `reader`."""
    feeds, warnings = read_feeds(reader, chain)
    now = int(reader.block.timestamp.timestamp())
    warnings += staleness_warnings(feeds.values(), now)
    if "wbtc_btc_feed" in feeds:
        warnings += peg_warnings(feeds["wbtc_btc_feed"])
    if "btc_usd_feed" in feeds:
        warnings += disagreement_warnings(feeds["btc_usd_feed"], positions)
    return tuple(warnings)


def read_feeds(reader: BlockReader, chain: Chain) -> tuple[dict[str, PairAnswer], list[str]]:
    """The chain's configured Chainlink feeds at the pinned block (one batch), and a warning
    for each that gave no price (chainwatch.feeds says why)."""
    configured = {key: getattr(chain, key) for key in FEEDS if getattr(chain, key)}
    rows = reader.read([call for address in configured.values() for call in latest_calls(address)])
    feeds, warnings = {}, []
    for i, (key, address) in enumerate(configured.items()):
        pair, heartbeat = FEEDS[key]
        try:
            answer = latest_answer(address, rows[2 * i : 2 * i + 2], reader.block.number)
        except FeedError as exc:
            warnings.append(f"Chainlink {pair}: {exc}")
            continue
        feeds[key] = PairAnswer(pair, heartbeat, answer.price, answer.updated_at)
    return feeds, warnings


def staleness_warnings(feeds: Iterable[PairAnswer], now: int) -> list[str]:
    return [
        f"Chainlink {feed.pair} answer is {_age(now - feed.updated_at)} old "
        f"(heartbeat {_age(feed.heartbeat)}): it may be stale"
        for feed in feeds
        if now - feed.updated_at > feed.heartbeat
    ]


def peg_warnings(wbtc_btc: PairAnswer, tolerance: Decimal = PEG_TOLERANCE) -> list[str]:
    if abs(wbtc_btc.price - 1) <= tolerance:
        return []
    return [f"WBTC/BTC is {wbtc_btc.price:.4f}, more than {tolerance:.0%} away from 1: WBTC is off its peg"]


def disagreement_warnings(
    btc_usd: PairAnswer, positions: Sequence[Position], tolerance: Decimal = ORACLE_TOLERANCE
) -> list[str]:
    """One warning per (market, BTC-tracking asset) whose protocol price strays from BTC/USD."""
    seen: dict[tuple[str, str, str], Decimal] = {}
    for position in positions:
        for holding in (*position.collateral, *position.debt):
            if holding.tracks_btc:
                seen[(position.protocol, position.market, holding.asset.symbol)] = holding.price_usd
    warnings = []
    for (protocol, _, symbol), price in seen.items():
        gap = price / btc_usd.price - 1
        if abs(gap) > tolerance:
            warnings.append(
                f"{protocol} prices {symbol} at ${price:,.2f}, {abs(gap):.1%} "
                f"{'above' if gap > 0 else 'below'} Chainlink BTC/USD ${btc_usd.price:,.2f}"
            )
    return warnings


def _age(seconds: int) -> str:
    hours, rest = divmod(max(seconds, 0), 3600)
    return f"{hours}h {rest // 60:02d}m" if hours else f"{rest // 60}m {rest % 60:02d}s"
