"""Price and time scenarios: what a position looks like after BTC moves or interest accrues.

Statuses come from the health factor, so one set of bands fits every loan whatever its
liquidation LTV: a CeFi margin call at 70% LTV on an 80% liquidation LTV is a health factor of
0.80 / 0.70 ≈ 1.14.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from enum import Enum

from chainwatch.model import Compounding, Position
from chainwatch.risk.errors import RiskInputError
from chainwatch.risk.hypothetical import at_btc_change
from chainwatch.risk.interest import accrue, accrued_interest

DEFAULT_CHANGES = tuple(Decimal(c) for c in ("-0.15", "-0.30", "-0.50", "0.15", "0.30"))
DEFAULT_DAYS = (30, 90, 180)
# The 14-day outlook's named scenarios.
OUTLOOK = (("current", Decimal(0)), ("bear", Decimal("-0.15")), ("big bear", Decimal("-0.30")))


class Status(str, Enum):
    HEALTHY = "healthy"
    WARNING = "warning"
    MARGIN_CALL = "margin call"
    LIQUIDATION = "liquidation"


@dataclass(frozen=True)
class StatusBands:
    """Health factors below which a position is in warning, then margin call; below 1 it is
    liquidatable (every protocol liquidates strictly below 1, so exactly 1 still stands)."""

    warning: Decimal = Decimal("1.5")
    margin_call: Decimal = Decimal("1.1")

    def __post_init__(self) -> None:
        if not 1 < self.margin_call <= self.warning:
            raise RiskInputError(
                f"bands need 1 < margin-call health factor ≤ warning health factor, "
                f"got {self.margin_call} and {self.warning}"
            )

    def status(self, health_factor: Decimal | None) -> Status:
        if health_factor is None:
            return Status.HEALTHY
        if health_factor < 1:
            return Status.LIQUIDATION
        if health_factor < self.margin_call:
            return Status.MARGIN_CALL
        if health_factor < self.warning:
            return Status.WARNING
        return Status.HEALTHY


@dataclass(frozen=True)
class PriceScenario:
    change: Decimal
    btc_price_usd: Decimal | None
    ltv: Decimal | None
    health_factor: Decimal | None
    status: Status


def price_scenario(position: Position, change: Decimal, bands: StatusBands) -> PriceScenario:
    moved = at_btc_change(position, change)
    return PriceScenario(
        change=change,
        btc_price_usd=moved.btc_price_usd,
        ltv=moved.ltv,
        health_factor=moved.health_factor,
        status=bands.status(moved.health_factor),
    )


def price_scenarios(position: Position, changes: Sequence[Decimal], bands: StatusBands) -> list[PriceScenario]:
    return [price_scenario(position, change, bands) for change in changes]


@dataclass(frozen=True)
class TimeScenario:
    """Interest after `days` three ways, and the LTV the loan's own compounding leads to."""

    days: int
    interest_simple: Decimal
    interest_daily: Decimal
    interest: Decimal
    ltv: Decimal | None


def time_scenarios(position: Position, days: Sequence[int], compounding: Compounding) -> list[TimeScenario]:
    """BTC held at today's price while every debt accrues at its own APR."""

    def total(n: int, convention: Compounding) -> Decimal:
        return sum(
            (accrued_interest(h.value_usd, h.borrow_apr or Decimal(0), n, convention) for h in position.debt),
            Decimal(0),
        )

    return [
        TimeScenario(
            days=n,
            interest_simple=total(n, Compounding.SIMPLE),
            interest_daily=total(n, Compounding.DAILY),
            interest=total(n, compounding),
            ltv=accrue(position, n, compounding).ltv,
        )
        for n in days
    ]


def parse_changes(text: str) -> list[Decimal]:
    """`--drops`: comma-separated fractions; a bare or negative one is a fall, `+0.2` a rise.

    "0.15,0.3,+0.2" is a 15% and a 30% fall and a 20% rise.
    """
    changes = []
    for item in _items(text, "--drops"):
        try:
            value = Decimal(item)
        except InvalidOperation:
            raise RiskInputError(f"--drops: {item!r} is not a fraction (write 0.15 for a 15% fall)") from None
        if not value.is_finite() or value == 0:
            raise RiskInputError(f"--drops: {item!r} is not a price move")
        change = value if item.startswith(("+", "-")) else -value
        if change <= -1:
            raise RiskInputError(f"--drops: a fall of {-change} takes BTC to zero or below (0.30 is 30%)")
        changes.append(change)
    return changes


def parse_days(text: str) -> list[int]:
    """`--days`: comma-separated whole numbers of days, "30,90,180"."""
    days = []
    for item in _items(text, "--days"):
        if not item.isdigit():
            raise RiskInputError(f"--days: {item!r} is not a whole number of days")
        days.append(int(item))
    return days


def _items(text: str, option: str) -> list[str]:
    items = [item.strip() for item in text.split(",")]
    if not all(items):
        raise RiskInputError(f"{option}: expected a comma-separated list, got {text!r}")
    return items
