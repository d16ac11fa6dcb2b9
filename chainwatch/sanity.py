"""Sanity checks on the prices a snapshot was valued at, read from Chainlink at the same block.

A protocol's own oracle decides liquidations, so positions are valued with it; these checks
only warn when that picture may be wrong: a Chainlink answer older than its feed's heartbeat
(AaveOracle and Comet check no staleness themselves), a protocol price for a BTC asset that
strays from Chainlink BTC/USD, and a BTC asset (WBTC, LBTC ...) trading away from BTC on its
ratio feed, for every BTC asset of the chain's book that has one. Staleness is judged at the
pinned block's time, not the wall clock, so a read of an old block is judged as of then.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal

from chainwatch.abi import function
from chainwatch.chain import BtcAsset, Chain
from chainwatch.errors import ChainwatchError
from chainwatch.feeds import FeedError, latest_answer, latest_calls
from chainwatch.model import Position
from chainwatch.rpc import BlockReader, Call

# Chainlink heartbeats (Chainlink's feed directory, data.chain.link): BTC/USD and ETH/USD 3600 s. The
# heartbeats of the BTC-ratio feeds (WBTC/BTC, LBTC/BTC ...) are UNVERIFIED; 86400 s is the longest
# Chainlink uses, so this never warns early.
USD_FEEDS = {  # address-book key -> (pair, heartbeat in seconds)
    "btc_usd_feed": ("BTC/USD", 3600),
    "eth_usd_feed": ("ETH/USD", 3600),
}
RATIO_HEARTBEAT = 86400
ORACLE_TOLERANCE = Decimal("0.02")  # protocol BTC-asset price vs Chainlink BTC/USD
PEG_TOLERANCE = Decimal("0.02")  # a BTC asset's BTC ratio vs 1

_token_decimals = function("ERC20", "decimals")


class BtcAssetError(ChainwatchError):
    """A BTC asset of the address book that is no token here (no contract, or no decimals())."""


@dataclass(frozen=True)
class PairAnswer:
    """A feed's latest answer with what the checks judge it by: its pair and heartbeat."""

    pair: str
    heartbeat: int
    price: Decimal
    updated_at: int  # unix seconds


@dataclass(frozen=True)
class Feed:
    """One Chainlink feed the checks read; `asset` is the BTC asset a ratio feed prices."""

    address: str
    pair: str
    heartbeat: int
    asset: str | None = None


def chain_feeds(chain: Chain) -> list[Feed]:
    """The USD feeds the book names, then the BTC-ratio feed of each BTC asset that has one."""
    feeds = [Feed(getattr(chain, key), pair, beat) for key, (pair, beat) in USD_FEEDS.items() if getattr(chain, key)]
    feeds += [Feed(a.btc_feed, f"{a.symbol}/BTC", RATIO_HEARTBEAT, a.symbol) for a in chain.btc_assets if a.btc_feed]
    return feeds


def snapshot_warnings(reader: BlockReader, chain: Chain, positions: Sequence[Position]) -> tuple[str, ...]:
    """Every warning about the prices of a snapshot read through `reader`; in the same batch,
    each BTC asset of the book must answer decimals(), or the book is wrong (BtcAssetError)."""
    feeds = chain_feeds(chain)
    answers, warnings = read_feeds(reader, feeds, check_tokens=chain.btc_assets)
    now = int(reader.block.timestamp.timestamp())
    warnings += staleness_warnings([answer for answer in answers.values()], now)
    for feed in feeds:
        if feed.asset is not None and feed.pair in answers:
            warnings += peg_warnings(answers[feed.pair], feed.asset)
    if "BTC/USD" in answers:
        warnings += disagreement_warnings(answers["BTC/USD"], positions)
    return tuple(warnings)


def read_feeds(
    reader: BlockReader, feeds: Sequence[Feed], check_tokens: Sequence[BtcAsset] = ()
) -> tuple[dict[str, PairAnswer], list[str]]:
    """`feeds`' answers at the pinned block by pair (one batch), and a warning for each that
    gave no price (chainwatch.feeds says why). `check_tokens` are asked for decimals() in the
    same batch: one that does not answer (not a contract, or not a token) is an error naming it."""
    rows = reader.read(
        [call for feed in feeds for call in latest_calls(feed.address)]
        + [Call(asset.address, _token_decimals) for asset in check_tokens]
    )
    for asset, row in zip(check_tokens, rows[2 * len(feeds) :], strict=True):
        if row is None:
            raise BtcAssetError(
                f"BTC asset {asset.symbol} {asset.address} answers no decimals() at block {reader.block.number}: "
                "not a token contract on this chain (check btc_assets in the address book)"
            )
    answers, warnings = {}, []
    for i, feed in enumerate(feeds):
        try:
            answer = latest_answer(feed.address, rows[2 * i : 2 * i + 2], reader.block.number)
        except FeedError as exc:
            warnings.append(f"Chainlink {feed.pair}: {exc}")
            continue
        answers[feed.pair] = PairAnswer(feed.pair, feed.heartbeat, answer.price, answer.updated_at)
    return answers, warnings


def staleness_warnings(feeds: Iterable[PairAnswer], now: int) -> list[str]:
    return [
        f"Chainlink {feed.pair} answer is {_age(now - feed.updated_at)} old "
        f"(heartbeat {_age(feed.heartbeat)}): it may be stale"
        for feed in feeds
        if now - feed.updated_at > feed.heartbeat
    ]


def peg_warnings(ratio: PairAnswer, symbol: str, tolerance: Decimal = PEG_TOLERANCE) -> list[str]:
    """A warning when the BTC asset `symbol` trades more than `tolerance` away from BTC."""
    if abs(ratio.price - 1) <= tolerance:
        return []
    return [f"{ratio.pair} is {ratio.price:.4f}, more than {tolerance:.0%} away from 1: {symbol} is off its peg"]


def disagreement_warnings(
    btc_usd: PairAnswer, positions: Sequence[Position], tolerance: Decimal = ORACLE_TOLERANCE
) -> list[str]:
    """One warning per (market, BTC asset) whose protocol price strays from BTC/USD."""
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
