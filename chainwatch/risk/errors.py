"""The one error type for impossible risk questions, and the checks that raise it.

Every figure a user types (amounts, prices, fractions) passes one of these checks before any
arithmetic, so a mistake surfaces as a one-line message naming the option, not as a Decimal
exception or a nonsense table.
"""

from __future__ import annotations

from decimal import Decimal

from chainwatch.errors import ChainwatchError


class RiskInputError(ChainwatchError):
    """A risk question asked with figures that cannot describe a loan."""


def require_non_negative(name: str, value: Decimal) -> Decimal:
    if not value.is_finite() or value < 0:
        raise RiskInputError(f"{name} must be zero or more, got {value}")
    return value


def require_positive(name: str, value: Decimal) -> Decimal:
    if not value.is_finite() or value <= 0:
        raise RiskInputError(f"{name} must be more than zero, got {value}")
    return value


def require_fraction(name: str, value: Decimal) -> Decimal:
    """A fraction strictly between 0 and 1 (0.30, not 30): LTVs, drops, targets."""
    if not value.is_finite() or not 0 < value < 1:
        raise RiskInputError(f"{name} must be a fraction between 0 and 1 (0.30 for 30%), got {value}")
    return value
