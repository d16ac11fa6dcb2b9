"""Interest under each compounding convention, on figures worked by hand."""

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from chainwatch.model import Compounding
from chainwatch.risk.errors import RiskInputError
from chainwatch.risk.interest import accrue, accrued_interest, growth_factor
from chainwatch.risk.manual import manual_position

D = Decimal
LOAN = D(10000)
APR = D("0.08")


def test_simple_interest_on_ten_thousand_at_eight_percent_for_180_days():
    # 10,000 × 0.08 × 180 / 365 = 394.5205…
    assert round(accrued_interest(LOAN, APR, 180, Compounding.SIMPLE), 2) == D("394.52")


def test_daily_compounding_on_ten_thousand_at_eight_percent_for_180_days():
    # 10,000 × ((1 + 0.08/365)^180 − 1): ln(1.000219178) = 0.000219154, × 180 = 0.0394478,
    # e^0.0394478 − 1 = 0.0402361 → $402.36. (Issue 5 quotes $399.45, which no standard
    # convention gives; see the report that came with this module.)
    assert round(accrued_interest(LOAN, APR, 180, Compounding.DAILY), 2) == D("402.36")


def test_per_second_and_continuous_compounding_agree_to_a_millionth_of_a_dollar():
    # continuous: 10,000 × (e^(0.08 × 180/365) − 1) = 10,000 × (e^0.0394521 − 1) = 402.41
    per_second = accrued_interest(LOAN, APR, 180, Compounding.PER_SECOND)
    continuous = accrued_interest(LOAN, APR, 180, Compounding.CONTINUOUS)
    assert round(continuous, 2) == round(per_second, 2) == D("402.41")
    assert abs(continuous - per_second) < D("0.000001")


def test_zero_days_or_zero_rate_accrue_nothing():
    for compounding in Compounding:
        assert growth_factor(APR, 0, compounding) == 1
        assert growth_factor(D(0), 365, compounding) == 1


def test_negative_rate_or_days_is_refused():
    with pytest.raises(RiskInputError, match="APR"):
        growth_factor(D("-0.01"), 30, Compounding.DAILY)
    with pytest.raises(RiskInputError, match="days"):
        growth_factor(APR, -1, Compounding.DAILY)


def test_accrue_grows_each_debt_at_its_own_rate_and_leaves_collateral():
    loan = manual_position(D("0.5"), D(60000), D(20000), APR, D("0.75"))
    later = accrue(loan, 90, Compounding.SIMPLE)
    # 20,000 × (1 + 0.08 × 90/365) = 20,394.52…
    assert round(later.debt_usd, 2) == D("20394.52")
    assert later.collateral == loan.collateral


@given(
    apr=st.decimals(min_value=D("0.001"), max_value=D("0.5"), places=4),
    days=st.integers(min_value=1, max_value=3650),
)
def test_more_frequent_compounding_never_accrues_less(apr, days):
    simple, daily, monthly, per_second, continuous = (growth_factor(apr, days, c) for c in Compounding)
    assert simple <= monthly <= daily <= per_second <= continuous
    assert growth_factor(apr, days + 1, Compounding.DAILY) > daily


def test_a_part_period_earns_simple_interest_after_the_whole_ones():
    # 10.5 days of daily compounding at 8%: ten compounded days, then half a day's simple interest:
    # (1 + 0.08/365)^10 × (1 + 0.08/365 × 0.5)
    daily = D("0.08") / 365
    assert growth_factor(APR, D("10.5"), Compounding.DAILY) == (1 + daily) ** 10 * (1 + daily * D("0.5"))
    # Monthly months are 365/12 days: 45.625 days are 1.5 months, one compounded and half simple.
    monthly = D("0.08") / 12
    assert growth_factor(APR, D("45.625"), Compounding.MONTHLY) == (1 + monthly) * (1 + monthly * D("0.5"))
    # Whole days give what whole days always gave.
    assert growth_factor(APR, D(180), Compounding.DAILY) == growth_factor(APR, 180, Compounding.DAILY)
