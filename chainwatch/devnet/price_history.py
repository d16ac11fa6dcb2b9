"""Seeded price histories for the devnet's feeds, so history and volatility code has real rounds.

BTC/USD and ETH/USD follow a geometric random walk with hourly rounds (≈50%/yr volatility, like
BTC), anchored so the last round is exactly the devnet's reference price; stable feeds get one
round a day, as their 24 h heartbeat would. The seed is fixed, so every build is identical.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass
from decimal import Decimal

HOUR = 3600
DAY = 86400
ANNUAL_VOLATILITY = 0.5
SEED = 20260101


@dataclass(frozen=True)
class Round:
    updated_at: int
    answer: int  # raw feed units (8 decimals)


def random_walk(end_price: Decimal, start: int, end: int, step: int, salt: int, decimals: int = 8) -> list[Round]:
    """Rounds every `step` seconds from `start` to `end` inclusive, the last one at `end_price`."""
    count = (end - start) // step + 1
    rng = random.Random(SEED * 1000 + salt)
    sigma = ANNUAL_VOLATILITY * math.sqrt(step / (365 * DAY))
    log_prices = [0.0]
    for _ in range(count - 1):
        log_prices.append(log_prices[-1] + rng.gauss(-sigma * sigma / 2, sigma))
    shift = math.log(float(end_price)) - log_prices[-1]
    scale = 10**decimals
    return [
        Round(updated_at=end - (count - 1 - i) * step, answer=round(math.exp(lp + shift) * scale))
        for i, lp in enumerate(log_prices)
    ]


def constant(price: Decimal, start: int, end: int, step: int, decimals: int = 8) -> list[Round]:
    """Rounds every `step` seconds from `start` to `end` inclusive, all at `price`."""
    answer = int(price * 10**decimals)
    return [Round(updated_at=t, answer=answer) for t in range(end - ((end - start) // step) * step, end + 1, step)]
