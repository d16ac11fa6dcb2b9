"""The report's documented keys, and its JSON form: decimals as strings, fractions as fractions."""

from decimal import Decimal

import pytest

from chainwatch.context import RunContext
from chainwatch.risk.errors import RiskInputError
from chainwatch.risk.manual import manual_position
from chainwatch.risk.report import RiskSettings, build_report, report_json

D = Decimal
CLASSIC = manual_position(D("0.15"), D(100000), D(7000), D("0.08"), D("0.75"))
CONTEXT = RunContext.unread()
SETTINGS = RiskSettings(volatility=D("0.55"), volatility_source="--volatility", paths=20_000)


def test_position_figures_under_the_documented_keys():
    data = report_json(build_report([CLASSIC], RiskSettings(**{**SETTINGS.__dict__, "target_ltv": D("0.3")}), CONTEXT))
    (p,) = data["positions"]
    assert {
        "ltv", "liquidation_price_btc", "margin_of_safety_usd", "margin_of_safety_fraction",
        "price_scenarios", "time_scenarios", "max_loan_for_drop", "what_if",
        "liquidation_probability",
    } <= set(p)  # fmt: skip
    assert D(p["liquidation_price_btc"]).quantize(D("0.01")) == D("62222.22")
    assert D(p["margin_of_safety_fraction"]).quantize(D("0.0001")) == D("0.3778")
    assert set(p["price_scenarios"][0]) == {"change", "btc_price_usd", "ltv", "health_factor", "status"}
    fall = p["price_scenarios"][1]  # BTC 70,000: HF 0.15 × 70,000 × 0.75 / 7,000 = 1.125
    assert (fall["change"], fall["status"]) == ("-0.30", "warning")
    assert (D(fall["btc_price_usd"]), D(fall["health_factor"])) == (D(70000), D("1.125"))
    assert [t["days"] for t in p["time_scenarios"]] == [30, 90, 180]
    assert set(p["time_scenarios"][0]) == {
        "days",
        "interest_simple",
        "interest_daily",
        "interest",
        "ltv",
    }
    assert (p["max_loan_for_drop"]["drop"], D(p["max_loan_for_drop"]["max_loan"])) == (
        "0.30",
        D(7875),
    )
    assert {"target_ltv", "repay", "add_btc"} <= set(p["what_if"])
    assert D(p["what_if"]["repay"]) == D(2500)  # 7,000 − 0.30 × 15,000
    odds = p["liquidation_probability"]
    assert {
        "horizon_days",
        "probability",
        "probability_closed_form",
        "volatility_annual",
        "paths",
    } <= set(odds)
    assert (odds["horizon_days"], odds["paths"], odds["volatility_annual"]) == (14, 20_000, "0.55")
    assert [s["name"] for s in p["outlook"]["scenarios"]] == ["current", "bear", "big bear"]


def test_every_number_but_counts_is_a_string():
    def leaves(value):
        if isinstance(value, dict):
            for item in value.values():
                yield from leaves(item)
        elif isinstance(value, list):
            for item in value:
                yield from leaves(item)
        else:
            yield value

    data = report_json(build_report([CLASSIC], SETTINGS, CONTEXT))
    assert not any(isinstance(leaf, float) for leaf in leaves(data))
    assert all(isinstance(leaf, (str, int, type(None))) for leaf in leaves(data))


def test_the_outlook_includes_interest_to_the_horizon():
    # HF 1.125 today, so the 14-day probability is large enough to sample well (about 0.3).
    example = manual_position(D("0.5"), D(60000), D(20000), D("0.08"), D("0.75"))
    (p,) = build_report([example], SETTINGS, CONTEXT)["positions"]
    current = p["outlook"]["scenarios"][0]
    assert current["change"] == 0 and current["ltv"] > p["ltv"]
    odds = p["liquidation_probability"]
    assert odds["liquidation_price_at_horizon"] > p["liquidation_price_btc"]
    assert abs(odds["probability"] - odds["probability_closed_form"]) < 4 * odds["standard_error"]


def test_a_loan_without_debt_has_no_liquidation_figures():
    free = manual_position(D(1), D(60000), D(0), D(0), D("0.75"))
    (p,) = report_json(build_report([free], SETTINGS, CONTEXT))["positions"]
    assert p["liquidation_price_btc"] is None and p["margin_of_safety_usd"] is None
    assert p["liquidation_probability"] is None
    assert p["health_factor"] is None and p["status"] == "healthy"


def test_portfolio_section():
    other = manual_position(D("0.5"), D(100000), D(20000), D(0), D("0.75"))
    portfolio = build_report([CLASSIC, other], SETTINGS, CONTEXT)["portfolio"]
    assert portfolio["positions"] == 2
    assert portfolio["collateral_usd"] == D(65000) and portfolio["debt_usd"] == D(27000)
    assert round(portfolio["first_liquidation_price_btc"], 2) == D("62222.22")
    assert round(portfolio["last_liquidation_price_btc"], 2) == D("53333.33")


@pytest.mark.parametrize(
    "fields",
    [{"volatility": D(0)}, {"survive": D("1.2")}, {"horizon_days": 0}],
)
def test_bad_settings_are_refused(fields):
    with pytest.raises(RiskInputError):
        RiskSettings(**{**SETTINGS.__dict__, **fields})
