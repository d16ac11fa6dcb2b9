"""The Chainlink feed reader's round walk and its one rule for a bad answer, against a stand-in
reader (tests/helpers/feed_reader.py); tests/rpc/test_feeds.py reads the devnet's real feeds."""

from __future__ import annotations

from decimal import Decimal

import pytest

from chainwatch.errors import EXIT_UNREADABLE
from chainwatch.feeds import ROUNDS_PER_READ, FeedError, read_latest, read_rounds
from chainwatch.rpc import RpcError
from tests.helpers.feed_reader import FEED, PHASE, FeedReader

DAY = 86_400
NOW = 1_800_000_000


def test_reads_back_to_the_start_of_the_window_in_batches():
    reader = FeedReader(count=5000, now=NOW)
    rounds = read_rounds(reader, FEED, since=NOW - 30 * DAY)
    assert len(rounds) == 30 * 24 + 1  # one an hour, both ends included
    assert min(r.updated_at for r in rounds) == NOW - 30 * DAY
    assert reader.batches == [1, ROUNDS_PER_READ]


def test_stops_at_the_first_round_of_the_phase():
    reader = FeedReader(count=1000, now=NOW)
    rounds = read_rounds(reader, FEED, since=0)
    assert len(rounds) == 1000
    assert reader.batches == [1, ROUNDS_PER_READ, 1000 - 1 - ROUNDS_PER_READ]


def test_stops_at_a_round_the_feed_never_wrote():
    reader = FeedReader(count=100, now=NOW, gap=60)
    assert len(read_rounds(reader, FEED, since=0)) == 40  # rounds 61..100


def test_the_latest_answer_is_scaled_by_the_feeds_decimals():
    answer = read_latest(FeedReader(count=10, now=NOW), FEED)
    assert (answer.round_id, answer.price, answer.updated_at) == (PHASE + 10, Decimal("60000.00000010"), NOW)


def test_a_silent_feed_is_an_rpc_error():
    class Silent(FeedReader):
        def read(self, calls):
            return [None for _ in calls]

    with pytest.raises(RpcError, match="latestRoundData"):
        read_rounds(Silent(10, NOW), FEED, since=0)
    with pytest.raises(RpcError, match="latestRoundData"):
        read_latest(Silent(10, NOW), FEED)


@pytest.mark.parametrize(
    ("bad", "message"),
    [((0, NOW), "answered 0 in round"), ((-5, NOW), "answered -5 in round"), ((6 * 10**12, 0), "never updated")],
)
def test_a_bad_latest_answer_is_the_same_error_for_every_reader(bad, message):
    reader = FeedReader(count=10, now=NOW, bad={10: bad})
    for read in (lambda: read_latest(reader, FEED), lambda: read_rounds(reader, FEED, since=0)):
        with pytest.raises(FeedError, match=message) as caught:
            read()
        assert caught.value.exit_code == EXIT_UNREADABLE and "at block 100" in str(caught.value)


def test_a_bad_round_in_the_history_is_refused_not_skipped():
    reader = FeedReader(count=100, now=NOW, bad={70: (0, NOW - 30 * 3600)})
    with pytest.raises(FeedError, match=f"answered 0 in round {PHASE + 70} at block 100"):
        read_rounds(reader, FEED, since=0)
    assert len(read_rounds(reader, FEED, since=NOW - 20 * 3600)) == 21  # the window stops short of it
