"""Price and time scenarios, statuses, and the `--drops` / `--days` syntax."""

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from chainwatch.model import Compounding
from chainwatch.risk.errors import RiskInputError
from chainwatch.risk.manual import manual_position
from chainwatch.risk.scenarios import (
    Status,
    StatusBands,
    parse_changes,
    parse_days,
    price_scenario,
    price_scenarios,
    time_scenarios,
)

D = Decimal
BANDS = StatusBands()
# 0.5 BTC at $60,000 ($30,000) against $20,000 at 8%, liquidated at 75% LTV.
LOAN = manual_position(D("0.5"), D(60000), D(20000), D("0.08"), D("0.75"))


def test_a_thirty_percent_fall_on_the_example_loan():
    s = price_scenario(LOAN, D("-0.30"), BANDS)
    # BTC 42,000; collateral 21,000; LTV 20,000/21,000; HF 21,000 × 0.75 / 20,000 = 0.7875
    assert s.btc_price_usd == D(42000)
    assert round(s.ltv, 6) == D("0.952381")
    assert s.health_factor == D("0.7875")
    assert s.status is Status.LIQUIDATION


def test_a_rise_lowers_ltv():
    s = price_scenario(LOAN, D("0.30"), BANDS)
    # BTC 78,000; collateral 39,000; HF 39,000 × 0.75 / 20,000 = 1.4625
    assert s.btc_price_usd == D(78000)
    assert round(s.ltv, 6) == D("0.512821")
    assert s.health_factor == D("1.4625")
    assert s.status is Status.WARNING


def test_scenarios_keep_the_order_asked():
    changes = [D("-0.15"), D("0.15")]
    assert [s.change for s in price_scenarios(LOAN, changes, BANDS)] == changes


@pytest.mark.parametrize(
    ("health_factor", "status"),
    [
        (None, Status.HEALTHY),
        (D("1.6"), Status.HEALTHY),
        (D("1.5"), Status.HEALTHY),
        (D("1.2"), Status.WARNING),
        (D("1.05"), Status.MARGIN_CALL),
        (D("1"), Status.MARGIN_CALL),  # protocols liquidate strictly below 1
        (D("0.99"), Status.LIQUIDATION),
    ],
)
def test_default_bands(health_factor, status):
    assert BANDS.status(health_factor) is status


def test_bands_are_configurable_and_checked():
    # A CeFi margin call at 70% LTV with liquidation at 80%: HF 0.8/0.7 = 1.142857…
    cefi = StatusBands(warning=D("1.25"), margin_call=D("0.8") / D("0.7"))
    assert cefi.status(D("1.2")) is Status.WARNING
    assert cefi.status(D("1.14")) is Status.MARGIN_CALL
    with pytest.raises(RiskInputError):
        StatusBands(warning=D("1.1"), margin_call=D("1.5"))
    with pytest.raises(RiskInputError):
        StatusBands(warning=D("1.5"), margin_call=D("1"))


def test_time_scenarios_on_the_example_loan():
    (month, half_year) = time_scenarios(LOAN, [30, 180], Compounding.DAILY)
    # 20,000 × 0.08 × 30/365 = 131.506…; daily: 20,000 × ((1 + 0.08/365)^30 − 1)
    # = 20,000 × (e^(30 × 0.000219154) − 1) = 20,000 × 0.0065963 = 131.926…
    assert (round(month.interest_simple, 2), round(month.interest_daily, 2)) == (
        D("131.51"),
        D("131.93"),
    )
    assert month.interest == month.interest_daily
    # 180 days daily: 20,000 × 0.0402361 = 804.72; LTV (20,000 + 804.72) / 30,000
    assert round(half_year.interest_daily, 2) == D("804.72")
    assert round(half_year.ltv, 6) == round((D(20000) + half_year.interest_daily) / D(30000), 6)


def test_time_scenarios_report_the_loans_own_compounding():
    (s,) = time_scenarios(LOAN, [180], Compounding.PER_SECOND)
    assert round(s.interest, 2) == D("804.81")  # 20,000 × (e^0.0394521 − 1)
    assert s.interest > s.interest_daily > s.interest_simple


@given(
    btc=st.decimals(min_value=D("0.01"), max_value=D(100), places=4),
    ltv=st.decimals(min_value=D("0.05"), max_value=D("0.7"), places=3),
    first=st.decimals(min_value=D("-0.9"), max_value=D(2), places=3),
    second=st.decimals(min_value=D("-0.9"), max_value=D(2), places=3),
)
def test_ltv_rises_as_btc_falls(btc, ltv, first, second):
    loan = manual_position(btc, D(60000), btc * D(60000) * ltv, D("0.05"), D("0.8"))
    low, high = sorted([first, second])
    assert price_scenario(loan, low, BANDS).ltv >= price_scenario(loan, high, BANDS).ltv


@given(
    apr=st.decimals(min_value=D("0.001"), max_value=D("0.3"), places=4),
    days=st.lists(st.integers(min_value=0, max_value=3650), min_size=2, max_size=5, unique=True),
    compounding=st.sampled_from(list(Compounding)),
)
def test_ltv_rises_as_time_passes(apr, days, compounding):
    loan = manual_position(D(1), D(60000), D(30000), apr, D("0.8"))
    ltvs = [s.ltv for s in time_scenarios(loan, sorted(days), compounding)]
    assert ltvs == sorted(ltvs) and len(set(ltvs)) == len(ltvs)


def test_drops_syntax():
    assert parse_changes("0.15, 0.3,+0.2,-0.5") == [D("-0.15"), D("-0.3"), D("0.2"), D("-0.5")]


@pytest.mark.parametrize("text", ["", "0.1,,0.2", "15%", "abc", "1", "1.5", "0", "nan"])
def test_bad_drops_are_one_line_errors(text):
    with pytest.raises(RiskInputError) as err:
        parse_changes(text)
    assert "\n" not in str(err.value)


def test_days_syntax():
    assert parse_days("30,90, 180") == [30, 90, 180]
    for text in ("30,-1", "1.5", "x", ""):
        with pytest.raises(RiskInputError):
            parse_days(text)
