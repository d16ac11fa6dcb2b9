"""The seeded price walk behind the devnet's feeds (pure; no chain)."""

from __future__ import annotations

import math
from decimal import Decimal

from chainwatch.devnet import price_history
from chainwatch.devnet.price_history import DAY, HOUR


def test_walk_is_reproducible_hourly_and_ends_at_the_reference_price():
    walk = price_history.random_walk(Decimal("60000"), 0, 90 * DAY, HOUR, salt=1)
    assert walk == price_history.random_walk(Decimal("60000"), 0, 90 * DAY, HOUR, salt=1)
    assert len(walk) == 90 * 24 + 1
    assert walk[-1].answer == 60_000 * 10**8 and walk[-1].updated_at == 90 * DAY
    assert all(b.updated_at - a.updated_at == HOUR for a, b in zip(walk, walk[1:]))


def test_walk_volatility_is_about_fifty_percent_a_year():
    walk = price_history.random_walk(Decimal("60000"), 0, 365 * DAY, HOUR, salt=7)
    returns = [math.log(b.answer / a.answer) for a, b in zip(walk, walk[1:])]
    mean = sum(returns) / len(returns)
    hourly = math.sqrt(sum((r - mean) ** 2 for r in returns) / (len(returns) - 1))
    assert 0.45 < hourly * math.sqrt(365 * 24) < 0.55


def test_constant_rounds_end_on_the_end_time():
    rounds = price_history.constant(Decimal("1"), 10, 3 * DAY + 10, DAY)
    assert [r.updated_at for r in rounds] == [10, DAY + 10, 2 * DAY + 10, 3 * DAY + 10]
    assert {r.answer for r in rounds} == {10**8}
