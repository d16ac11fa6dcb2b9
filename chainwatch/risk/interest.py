"""Interest a debt accrues over days, under the compounding conventions lenders use.

Simple interest is what most CeFi term sheets quote; daily compounding is the usual retail
convention, monthly that of some lenders (Strike's deferred interest); Aave and Compound v3 compound every second and Morpho Blue continuously. The last
two differ by well under a cent on any realistic loan, but each is exact here, in Decimal.
"""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

from chainwatch.model import (
    DAYS_PER_YEAR,
    MONTHS_PER_YEAR,
    SECONDS_PER_DAY,
    SECONDS_PER_YEAR,
    Compounding,
    Position,
)
from chainwatch.risk.errors import RiskInputError, require_non_negative


def growth_factor(apr: Decimal, days: int | Decimal, compounding: Compounding) -> Decimal:
    """What one unit of debt grows to after `days` (whole or part) at the yearly rate `apr`.

    Periodic conventions (daily, monthly of 365/12 days, per second) compound whole periods; a
    part period at the end earns simple interest, as a lender billing at the period's end charges
    the days since the last one. A CeFi loan read at a block's time is such a part period.
    """
    require_non_negative("APR", apr)
    if days < 0:
        raise RiskInputError(f"days must be zero or more, got {days}")
    if compounding is Compounding.SIMPLE:
        return 1 + apr * days / DAYS_PER_YEAR
    if compounding is Compounding.CONTINUOUS:
        return (apr * days / DAYS_PER_YEAR).exp()
    periods_per_day, per_year = {
        Compounding.DAILY: (Decimal(1), DAYS_PER_YEAR),
        Compounding.MONTHLY: (Decimal(MONTHS_PER_YEAR) / DAYS_PER_YEAR, MONTHS_PER_YEAR),
        Compounding.PER_SECOND: (Decimal(SECONDS_PER_DAY), SECONDS_PER_YEAR),
    }[compounding]
    periods = days * periods_per_day
    whole = int(periods)
    rate = apr / per_year
    return (1 + rate) ** whole * (1 + rate * (periods - whole))


def accrued_interest(principal: Decimal, apr: Decimal, days: int | Decimal, compounding: Compounding) -> Decimal:
    return principal * (growth_factor(apr, days, compounding) - 1)


def accrue(position: Position, days: int, compounding: Compounding) -> Position:
    """The position after `days` of interest on every debt at its own APR, prices unchanged.

    Collateral is left as it is even where it earns a yield: the model carries no supply rate,
    and ignoring it errs on the borrower's safe side.
    """
    debt = tuple(
        replace(h, amount=h.amount * growth_factor(h.borrow_apr or Decimal(0), days, compounding))
        for h in position.debt
    )
    return replace(position, debt=debt)
