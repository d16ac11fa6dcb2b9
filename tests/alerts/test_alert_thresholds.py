"""Lines and hysteresis on scripted sequences: one change per crossing, none while hovering."""

from decimal import Decimal

import pytest

from chainwatch.alerts import LIQUIDATION, Line, LineKind, Thresholds
from chainwatch.risk.errors import RiskInputError
from chainwatch.risk.manual import manual_position

D = Decimal
BAND = D("0.02")


def loan_at(measure: str, liquidation_ltv: str = "0.75"):
    """1 BTC at $100,000 whose LTV is `measure` of a liquidation LTV of `liquidation_ltv`."""
    debt = D(100000) * D(measure) * D(liquidation_ltv)
    return manual_position(D(1), D(100000), debt, D(0), D(liquidation_ltv))


def walk(line: Line, measures: list[str]) -> list[bool]:
    """Whether the line is crossed after each reading of a scripted sequence."""
    crossed, seen = False, []
    for measure in measures:
        crossed = line.is_crossed(loan_at(measure), crossed, BAND)
        seen.append(crossed)
    return seen


def test_a_line_is_crossed_at_once_and_clears_only_under_the_band():
    line = Line(LineKind.share, D("0.80"))
    measures = ["0.50", "0.7999", "0.80", "0.81", "0.79", "0.7801", "0.78", "0.7799", "0.80"]
    assert walk(line, measures) == [False, False, True, True, True, True, False, False, True]


def test_hovering_on_a_line_changes_it_once():
    seen = walk(Line(LineKind.share, D("0.80")), ["0.80", "0.799", "0.801", "0.795", "0.80", "0.79", "0.81"] * 5)
    assert [b for a, b in zip([False, *seen], seen) if a != b] == [True]


def test_liquidation_is_a_health_factor_below_one_not_equal_to_it():
    assert not LIQUIDATION.is_crossed(loan_at("1"))  # health factor exactly 1: not liquidatable
    assert LIQUIDATION.is_crossed(loan_at("1.0001"))
    assert LIQUIDATION.describe() == "liquidation (health factor below 1)"


def test_lines_are_keyed_by_kind_and_value_as_typed():
    assert Line(LineKind.share, D("0.80")).key == "share:0.8"
    assert Line(LineKind.ltv, D("0.450")).key == "ltv:0.45"
    assert Line(LineKind.margin_call, D("0.714")).describe() == "the margin call at LTV 71.4%"
    assert LIQUIDATION.key == "liquidation:1"


def test_every_position_is_judged_against_the_users_lines_its_own_and_liquidation():
    # LTV 0.60 against a liquidation LTV of 0.75: 80% of the way.
    loan = loan_at("0.8")
    margin_call = Line(LineKind.margin_call, D("0.55"))
    lines = Thresholds().lines_for(loan, [margin_call])
    assert [line.key for line in lines] == ["margin_call:0.55", "share:0.8", "share:0.9", "share:0.95", "liquidation:1"]
    assert [line.key for line in Thresholds().crossed(loan, [margin_call])] == ["margin_call:0.55", "share:0.8"]
    # The safe LTV sits under the lowest line by the band: 0.55 - 0.02.
    assert Thresholds().safe_ltv(loan, [margin_call]) == D("0.53")
    assert Thresholds().safe_ltv(loan) == D("0.585")  # (0.80 - 0.02) x 0.75


def test_absolute_ltv_thresholds_are_sorted_and_measured_on_the_ltv():
    thresholds = Thresholds.build([D("0.70"), D("0.60"), D("0.65")], relative=False, hysteresis=D("0.01"))
    assert [line.key for line in thresholds.lines] == ["ltv:0.6", "ltv:0.65", "ltv:0.7"]
    assert thresholds.lines[1].describe() == "LTV 65%"
    assert thresholds.lines[0].measure(loan_at("0.8")) == D("0.6")


def test_no_debt_is_never_at_risk():
    loan = manual_position(D(1), D(60000), D(0), D(0), D("0.75"))
    assert Thresholds().crossed(loan) == []


@pytest.mark.parametrize(
    ("levels", "hysteresis", "message"),
    [
        (["80"], "0.02", "fraction between 0 and 1"),
        (["0.9", "0.9"], "0.02", "repeat"),
        ([], "0.02", "at least one"),
        (["0.5"], "0.5", "below the lowest threshold"),
        (["0.5"], "-0.1", "zero or more"),
    ],
)
def test_bad_thresholds_are_one_line_errors(levels, hysteresis, message):
    with pytest.raises(RiskInputError, match=message):
        Thresholds.build([D(x) for x in levels], relative=True, hysteresis=D(hysteresis))
