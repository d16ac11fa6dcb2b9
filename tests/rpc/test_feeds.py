"""The Chainlink feed reader (chainwatch.feeds) on the devnet's feeds: their latest answers and
round history against direct web3 calls to the same aggregators, and a bad answer refused the
same way by every reader: a warning from the sanity check, a one-line exit 4 from `risk`."""

from __future__ import annotations

from decimal import Decimal

import pytest

from chainwatch.chains import get_chain
from chainwatch.devnet import controls
from chainwatch.devnet.node import contract, transact
from chainwatch.feeds import FeedError, read_latest, read_rounds
from chainwatch.rpc import BlockReader, EndpointPool
from chainwatch.sanity import chain_feeds, read_feeds

HOURS_10_DAYS = 10 * 24


def reader_at_head(chain) -> BlockReader:
    return BlockReader.at(EndpointPool([chain.rpc_url]))


def aggregator(chain, feed: str):
    return contract(chain.w3, "ChainlinkStyleAggregator", feed).functions


def test_every_devnet_feed_reads_as_the_aggregator_answers(chain):
    reader = reader_at_head(chain)
    for pair, feed in chain.deployment.feeds.items():
        round_id, answer, _, updated_at, _ = aggregator(chain, feed).latestRoundData().call()
        decimals = aggregator(chain, feed).decimals().call()
        read = read_latest(reader, feed)
        assert (read.round_id, read.updated_at) == (round_id, updated_at), pair
        assert read.price == Decimal(answer).scaleb(-decimals), pair


def test_the_round_walk_is_the_feeds_own_history(chain):
    """The seeded hourly BTC/USD history, walked round by round with getRoundData directly."""
    feed = chain.deployment.btc_usd_feed
    reader = reader_at_head(chain)
    since = int(reader.block.timestamp.timestamp()) - 10 * 86_400
    direct, round_id = [], aggregator(chain, feed).latestRound().call()
    while round_id > 0:
        _, answer, _, updated_at, _ = aggregator(chain, feed).getRoundData(round_id).call()
        if updated_at < since:
            break
        direct.append((updated_at, answer))
        round_id -= 1
    rounds = read_rounds(reader, feed, since)
    assert [(r.updated_at, r.answer) for r in rounds] == direct
    assert len(rounds) >= HOURS_10_DAYS  # hourly rounds for ten days


def test_a_zero_answer_is_refused_by_the_reader_and_warned_of_by_the_sanity_check(chain):
    controls.set_feed_price(chain.w3, chain.deployment.eth_usd_feed, Decimal(0))
    reader = reader_at_head(chain)
    refusal = rf"answered 0 in round \d+ at block {reader.block.number}: not a price"
    with pytest.raises(FeedError, match=refusal):
        read_latest(reader, chain.deployment.eth_usd_feed)
    feeds, warnings = read_feeds(reader, chain_feeds(get_chain("devnet")))
    assert set(feeds) == {"BTC/USD", "WBTC/BTC"}  # the other two still answer
    (warning,) = warnings
    assert warning.startswith(f"Chainlink ETH/USD: price feed {chain.deployment.eth_usd_feed} answered 0")


def test_a_bad_round_in_the_history_fails_the_volatility_read(chain, cli):
    """A zero round written an hour ago, then a good one: the walk refuses it, not skips it."""
    feed = chain.deployment.btc_usd_feed
    functions = aggregator(chain, feed)
    now = chain.w3.eth.get_block("latest")["timestamp"]
    owner = functions.owner().call()
    transact(chain.w3, functions.pushRounds([0], [now]), owner)
    controls.set_btc_price(chain.w3, chain.deployment, Decimal(60000))
    reader = reader_at_head(chain)
    with pytest.raises(FeedError, match="answered 0 in round"):
        read_rounds(reader, feed, since=now - 3600)
    code, _, err = cli("risk", chain.deployment.demo_wallets["A"], "--chain", "devnet", "--rpc", chain.rpc_url)
    assert code == 4, err
    assert "answered 0 in round" in err and "give --volatility" in err and len(err.strip().splitlines()) == 1
