"""Compounding conventions named in an offer: each is the risk engine's, monthly included."""

from decimal import Decimal

import pytest

from chainwatch.costs.interest import COMPOUNDINGS, loan_growth
from chainwatch.model import Compounding
from chainwatch.risk.errors import RiskInputError
from chainwatch.risk.interest import growth_factor


def test_monthly_whole_months_compound():
    # 365 days are exactly 12 months of 365/12 days
    assert loan_growth(Decimal("0.12"), 365, "monthly") == Decimal("1.01") ** 12


def test_monthly_part_month_is_simple():
    # 180 days = 5.9178… months: five compounded months, then the rest at simple interest
    months = Decimal(180) * 12 / 365
    expected = Decimal("1.01") ** 5 * (1 + Decimal("0.01") * (months - 5))
    assert loan_growth(Decimal("0.12"), 180, "monthly") == expected


def test_strike_example_twelve_percent_is_12_68_effective():
    assert round((loan_growth(Decimal("0.12"), 365, "monthly") - 1) * 100, 2) == Decimal("12.68")


@pytest.mark.parametrize("convention", [c.value for c in Compounding])
def test_other_conventions_are_the_risk_engines(convention):
    assert loan_growth(Decimal("0.07"), 90, convention) == growth_factor(Decimal("0.07"), 90, Compounding(convention))


def test_every_convention_listed_and_checked():
    assert set(COMPOUNDINGS) == {"simple", "daily", "monthly", "per-second", "continuous"}
    with pytest.raises(RiskInputError):
        loan_growth(Decimal("-0.01"), 30, "monthly")
    with pytest.raises(RiskInputError):
        loan_growth(Decimal("0.01"), -1, "monthly")
