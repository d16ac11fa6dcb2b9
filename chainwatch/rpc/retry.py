"""When to try an endpoint again: exponential backoff with jitter, honouring Retry-After.

Jitter spreads the retries of many clients that a rate limiter refused at the same moment;
a server's Retry-After overrides our guess, but never beyond `max_delay`: an endpoint that asks
for a longer pause is given up in favour of the next one.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from time import sleep


@dataclass(frozen=True)
class RetryPolicy:
    """`attempts` tries per endpoint; the n-th pause is base·2ⁿ, scaled by a random 50–100%."""

    attempts: int = 3
    base_delay: float = 0.5
    max_delay: float = 8.0
    random: Callable[[], float] = field(default=random.random, compare=False, repr=False)

    def delay(self, retry: int, retry_after: float | None = None) -> float | None:
        """Seconds to wait before retry number `retry` (0-based); None: do not retry here."""
        if retry + 1 >= self.attempts:
            return None
        if retry_after is not None:
            return retry_after if retry_after <= self.max_delay else None
        backoff = min(self.max_delay, self.base_delay * 2**retry)
        return backoff * (0.5 + self.random() / 2)

    @staticmethod
    def wait(seconds: float) -> None:
        sleep(seconds)  # looked up at call time, so a test can stand in for the clock


def parse_retry_after(value: str | None, now: datetime | None = None) -> float | None:
    """Retry-After as seconds: either a number of seconds or an HTTP date (RFC 9110 §10.2.3)."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())
