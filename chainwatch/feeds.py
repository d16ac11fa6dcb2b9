"""The one reader of Chainlink price feeds (AggregatorV3Interface): the latest answer with its
decimals and time, and the round history walked back from it.

Sanity checks, numeraire conversion, gas pricing and volatility all read feeds through here, so
a feed that answers badly is treated the same way everywhere: an answer of zero or less, or a
latest round the feed never updated (updatedAt 0), is a `FeedError` naming the feed, the round
and the block, never a price. Callers decide what the error means for them (a sanity check turns
it into a warning, a price that is needed fails the read), but none of them sees a bad number.

Reads go through a `BlockReader`, so they are pinned to its block; `latest_calls` and
`latest_answer` let a caller put the two calls into a batch of its own and parse the rows.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from chainwatch.abi import function
from chainwatch.errors import UnreadableError
from chainwatch.model import from_raw
from chainwatch.rpc import BlockReader, Call, RpcError

LATEST_ROUND = function("ChainlinkAggregatorV3", "latestRoundData")
DECIMALS = function("ChainlinkAggregatorV3", "decimals")
GET_ROUND = function("ChainlinkAggregatorV3", "getRoundData")
# A proxy's round id is (phase id << 64) | round within the phase; rounds count up from 1.
PHASE_BITS = 64
ROUNDS_PER_READ = 800  # two Multicall3 batches of 400, one HTTP request


class FeedError(RpcError, UnreadableError):
    """A feed did not answer, or answered something that is not a price (exit code 4)."""


@dataclass(frozen=True)
class FeedAnswer:
    """A feed's latest answer: the price scaled by the feed's decimals, when it was written."""

    feed: str
    round_id: int
    price: Decimal
    updated_at: int  # unix seconds


@dataclass(frozen=True)
class Round:
    """One round of a feed's history: when it was written (unix seconds), the raw answer."""

    updated_at: int
    answer: int


def latest_calls(feed: str) -> list[Call]:
    """The two calls whose rows `latest_answer` reads, for a caller's own batch."""
    return [Call(feed, LATEST_ROUND), Call(feed, DECIMALS)]


def latest_answer(feed: str, rows: Sequence[tuple[Any, ...] | None], block: int | None = None) -> FeedAnswer:
    """The answer in the rows of `latest_calls(feed)` (read at `block`, when the caller knows
    it); a `FeedError` if it is not a price."""
    latest, decimals = rows
    if latest is None or decimals is None:
        raise _unanswered(feed, block)
    round_id, answer, _, updated_at, _ = latest
    _check(feed, round_id, answer, updated_at, block)
    return FeedAnswer(feed, round_id, from_raw(answer, decimals[0]), updated_at)


def read_latest(reader: BlockReader, feed: str) -> FeedAnswer:
    """A feed's latest answer at the reader's block."""
    return latest_answer(feed, reader.read(latest_calls(feed)), reader.block.number)


def read_rounds(reader: BlockReader, feed: str, since: int) -> list[Round]:
    """The rounds of `feed` written at or after unix time `since`, as of the reader's block,
    newest first.

    Walks back from latestRoundData through getRoundData, `ROUNDS_PER_READ` rounds per batched
    read, until a round is older than `since`, a round reverts or was never written (the start of
    the feed's history), or the current phase's first round is passed (earlier phases sit behind
    other aggregators; a month of BTC/USD is well inside one). A written round whose answer is
    not a price is a `FeedError`, as a bad latest answer is.
    """
    block = reader.block.number
    latest = reader.read([Call(feed, LATEST_ROUND)])[0]
    if latest is None:
        raise _unanswered(feed, block)
    latest_id, answer, _, updated_at, _ = latest
    _check(feed, latest_id, answer, updated_at, block)
    rounds = [Round(updated_at, answer)]
    phase_start = (latest_id >> PHASE_BITS) << PHASE_BITS
    next_id = latest_id - 1
    while updated_at >= since and next_id > phase_start:
        ids = range(next_id, max(next_id - ROUNDS_PER_READ, phase_start), -1)
        for round_id, result in zip(ids, reader.read([Call(feed, GET_ROUND, (i,)) for i in ids])):
            if result is None or result[3] == 0:  # never written: the start of the history
                return rounds
            answer, updated_at = result[1], result[3]
            if updated_at < since:
                return rounds
            _check(feed, round_id, answer, updated_at, block)
            rounds.append(Round(updated_at, answer))
        next_id = ids[-1] - 1
    return rounds


def _check(feed: str, round_id: int, answer: int, updated_at: int, block: int | None) -> None:
    """The one rule for a bad answer, wherever a feed is read."""
    if updated_at == 0:
        raise FeedError(f"price feed {feed} round {round_id} was never updated{_at(block)}")
    if answer <= 0:
        raise FeedError(f"price feed {feed} answered {answer} in round {round_id}{_at(block)}: not a price")


def _unanswered(feed: str, block: int | None) -> FeedError:
    return FeedError(f"price feed {feed} did not answer latestRoundData{_at(block)}")


def _at(block: int | None) -> str:
    return "" if block is None else f" at block {block}"
