"""A CeFi loan's margin call and own warning lines reach the alert engine through the position
(`Position.alert_ltvs`), beside the command's thresholds, with no CeFi branch in the engine."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from decimal import Decimal

from chainwatch.alerts import AlertKind, AlertTracker, Thresholds, compose
from chainwatch.loanbook import CefiLoan
from chainwatch.model import Compounding

D = Decimal
SINCE = datetime(2026, 6, 1, tzinfo=UTC)
LOAN = CefiLoan(
    name="Nexo credit line",
    btc=D(1),
    debt_usd=D(50_000),
    apr=D(0),  # no interest, so the LTV is 50,000 / price exactly
    compounding=Compounding.DAILY,
    since=SINCE,
    liquidation_ltv=D("0.8"),
    margin_call_ltv=D("0.7"),
    warn_ltv=(D("0.6"),),
)


def at_ltv(ltv: str):
    return LOAN.position("devnet", 1, SINCE, D(50_000) / D(ltv))


def test_the_lines_join_the_thresholds_as_ltvs_of_this_position():
    position = at_ltv("0.5")
    assert position.alert_ltvs == (D("0.6"), D("0.7"))
    own = Thresholds().for_position(position)
    # 80%, 90%, 95% of the 0.8 liquidation LTV are LTVs 0.64, 0.72, 0.76; the band 0.02 × 0.8.
    assert own == Thresholds(
        levels=(D("0.6"), D("0.64"), D("0.7"), D("0.72"), D("0.76")), relative=False, hysteresis=D("0.016")
    )
    assert Thresholds.build([D("0.7"), D("0.6")], relative=False).for_position(position).levels == (D("0.6"), D("0.7"))
    # A position without lines of its own keeps the thresholds as they are.
    assert Thresholds().for_position(replace(position, margin_call_ltv=None, warn_ltvs=())) == Thresholds()


def test_the_margin_call_alerts_once_and_names_itself():
    tracker = AlertTracker(Thresholds.build([D("0.9")], relative=True))  # 0.72 for this loan
    script = ["0.5", "0.61", "0.65", "0.705", "0.71", "0.5"]
    steps = [tracker.update([at_ltv(ltv)]) for ltv in script]
    assert [[(a.kind, a.previous, a.level) for a in step] for step in steps] == [
        [],
        [(AlertKind.warning, 0, 1)],  # its own 60% line
        [],
        [(AlertKind.warning, 1, 2)],  # the lender's 70% margin call
        [],
        [(AlertKind.recovery, 2, 0)],
    ]
    margin_call = steps[3][0]
    message = compose(margin_call)
    assert "crossed LTV 70%" in message.title and "on cefi" in message.title
    assert "Nexo credit line" in message.body
    # What to repay brings it under the lowest line by the band, 0.02 of the liquidation LTV
    # turned into LTV: 0.6 − 0.02 × 0.8 = 0.584.
    assert "safe LTV of 58.40%" in message.body
