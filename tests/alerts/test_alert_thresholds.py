"""Thresholds and hysteresis on scripted sequences: one level change per crossing, none while hovering."""

from decimal import Decimal

import pytest

from chainwatch.alerts import Thresholds
from chainwatch.risk.errors import RiskInputError
from chainwatch.risk.manual import manual_position

D = Decimal


def walk(thresholds: Thresholds, measures: list[str]) -> list[int]:
    """The level after each reading of a scripted sequence of measures."""
    level, levels = 0, []
    for measure in measures:
        level = thresholds.level(D(measure), level)
        levels.append(level)
    return levels


def test_default_levels_rise_at_once_and_fall_only_under_the_band():
    # Defaults: 80%, 90%, 95% of the liquidation LTV, band 0.02.
    measures = ["0.50", "0.7999", "0.80", "0.81", "0.79", "0.7801", "0.78", "0.7799", "0.92", "0.96", "0.931", "0.93", "0.9299", "0.50"]  # fmt: skip
    assert walk(Thresholds(), measures) == [0, 0, 1, 1, 1, 1, 0, 0, 2, 3, 3, 2, 2, 0]


def test_hovering_on_a_threshold_changes_level_once():
    levels = walk(Thresholds(), ["0.80", "0.799", "0.801", "0.795", "0.80", "0.79", "0.81"] * 5)
    changes = [b for a, b in zip([0, *levels], levels) if a != b]
    assert changes == [1]


def test_a_jump_over_several_levels_lands_on_the_highest():
    assert walk(Thresholds(), ["0.1", "0.99", "0.1"]) == [0, 3, 0]


def test_a_partial_fall_keeps_the_levels_still_held():
    # From level 3: 0.89 is under 0.95 - 0.02, but not under 0.90 - 0.02, so level 2 holds.
    assert walk(Thresholds(), ["0.96", "0.89", "0.87", "0.79"]) == [3, 2, 1, 1]


def test_absolute_ltv_thresholds():
    thresholds = Thresholds.build([D("0.70"), D("0.60"), D("0.65")], relative=False, hysteresis=D("0.01"))
    assert thresholds.levels == (D("0.60"), D("0.65"), D("0.70"))
    assert walk(thresholds, ["0.59", "0.61", "0.595", "0.589", "0.66", "0.71", "0.5"]) == [0, 1, 1, 0, 2, 3, 0]
    assert thresholds.describe(2) == "LTV 65%"


def test_the_measure_is_the_share_of_the_liquidation_ltv_or_the_ltv_itself():
    # 1 BTC at $60,000 against $36,000: LTV 0.60, liquidation LTV 0.75, so 80% of the way.
    loan = manual_position(D(1), D(60000), D(36000), D(0), D("0.75"))
    assert Thresholds().measure(loan) == D("0.8")
    assert Thresholds(relative=False).measure(loan) == D("0.6")
    assert Thresholds().absolute(2, loan) == D("0.675")
    assert Thresholds().safe_ltv(loan) == D("0.585")  # (0.80 - 0.02) x 0.75
    assert Thresholds().describe(1) == "80% of liquidation LTV"


def test_no_debt_is_never_at_risk():
    loan = manual_position(D(1), D(60000), D(0), D(0), D("0.75"))
    assert Thresholds().measure(loan) is None
    assert Thresholds().level(None, 3) == 0


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
