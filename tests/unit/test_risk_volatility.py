"""Volatility from a Chainlink feed's rounds: the estimator, and its window over a stand-in
reader that answers like a pinned `BlockReader` (the walk itself: tests/unit/test_feed_rounds.py)."""

import math
from decimal import Decimal

import numpy as np
import pytest

from chainwatch.chain import BtcAsset, Chain
from chainwatch.feeds import ROUNDS_PER_READ, Round
from chainwatch.risk.errors import RiskInputError
from chainwatch.risk.volatility import annualised_volatility, chain_btc_volatility, feed_volatility
from tests.helpers.feed_reader import FEED, FeedReader

D = Decimal
DAY = 86_400


def test_volatility_of_three_rounds_by_hand():
    # ln(110/100) = 0.0953102, ln(99/110) = −0.1053605; squares 0.0090840 + 0.0111008 =
    # 0.0201849 over 2/365 of a year = 3.683739 a year; σ = √3.683739 = 1.919307.
    rounds = [Round(2 * DAY, 99), Round(0, 100), Round(DAY, 110)]
    assert round(annualised_volatility(rounds), 5) == D("1.91931")


def test_a_flat_price_has_no_volatility():
    assert annualised_volatility([Round(t * 3600, 6_000_000_000_000) for t in range(10)]) == 0


def test_irregular_deviation_triggered_rounds_recover_the_true_volatility():
    # A GBM path with σ = 0.6 sampled minute by minute; a round is written when the price has
    # moved 0.5% since the last round or an hour has passed, as Chainlink's BTC/USD feed does.
    rng = np.random.default_rng(11)
    minutes = 60 * 24 * 120
    sigma_per_minute = 0.6 / np.sqrt(365 * 24 * 60)
    prices = 60_000 * np.exp(np.cumsum(sigma_per_minute * rng.standard_normal(minutes)))
    rounds, last_price, last_time = [Round(0, 6_000_000_000_000)], 60_000.0, 0
    for minute, price in enumerate(prices, start=1):
        if abs(price / last_price - 1) >= 0.005 or minute - last_time >= 60:
            rounds.append(Round(minute * 60, int(price * 1e8)))
            last_price, last_time = price, minute
    assert len(rounds) < minutes / 10  # irregular and sparse, not every minute
    assert abs(annualised_volatility(rounds) - D("0.6")) < D("0.03")


@pytest.mark.parametrize(
    "rounds",
    [[], [Round(0, 100)], [Round(5, 100), Round(5, 101)], [Round(0, 100), Round(60, 0)]],
)
def test_unusable_rounds_are_refused(rounds):
    with pytest.raises(RiskInputError):
        annualised_volatility(rounds)


def test_feed_volatility_uses_the_window_before_the_pinned_block():
    reader = FeedReader(count=2000, now=1_800_000_000)
    # Rounds 1832..2000 (the last 7 × 24 hours, both ends), answers 6e12 + n an hour apart:
    # σ² = Σ ln((6e12 + n) / (6e12 + n − 1))² over 168 hours, in years.
    squares = sum(math.log1p(1 / (6_000_000_000_000 + n - 1)) ** 2 for n in range(1833, 2001))
    expected = math.sqrt(squares / (168 / (365 * 24)))
    assert abs(float(feed_volatility(reader, FEED, days=7)) / expected - 1) < 1e-9
    assert reader.batches == [1, ROUNDS_PER_READ]  # 7 × 24 rounds fit one batch


def test_a_zero_day_window_is_refused():
    with pytest.raises(RiskInputError):
        feed_volatility(FeedReader(10, 1_800_000_000), FEED, days=0)


def test_a_chain_without_a_btc_feed_asks_for_volatility_by_hand():
    chain = Chain("bare", 31337, ("http://127.0.0.1:1",), "0x" + "ca" * 20, (BtcAsset("0x" + "11" * 20, "WBTC"),), ())
    with pytest.raises(RiskInputError, match="--volatility"):
        chain_btc_volatility(chain, (), None, 30)
