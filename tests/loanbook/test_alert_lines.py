"""A CeFi loan's margin call and own warning lines reach the alert engine through the position
(`Position.margin_call_ltv`, `warn_ltvs`), beside the command's thresholds, with no CeFi branch
in the engine."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from decimal import Decimal

from chainwatch.alerts import LIQUIDATION, AlertTracker, EventKind, Line, LineKind, Thresholds, compose
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


def test_the_loans_lines_join_the_thresholds():
    position = at_ltv("0.5")
    lines = Thresholds.build([D("0.9")], relative=True).lines_for(position)
    # 0.6 (its own), 0.7 (the margin call), 0.72 (90% of 0.8), then liquidation
    assert lines == [
        Line(LineKind.ltv, D("0.6")),
        Line(LineKind.margin_call, D("0.7")),
        Line(LineKind.share, D("0.9")),
        LIQUIDATION,
    ]
    plain = replace(position, margin_call_ltv=None, warn_ltvs=())
    assert Thresholds.build([D("0.9")], relative=True).lines_for(plain) == [Line(LineKind.share, D("0.9")), LIQUIDATION]


def test_the_margin_call_alerts_once_and_names_itself():
    tracker = AlertTracker(Thresholds.build([D("0.9")], relative=True))  # 0.72 for this loan
    script = ["0.5", "0.61", "0.65", "0.705", "0.71", "0.5"]
    steps = [tracker.update([at_ltv(ltv)]) for ltv in script]
    assert [[(e.kind, e.line) for e in step] for step in steps] == [
        [],
        [(EventKind.crossed, Line(LineKind.ltv, D("0.6")))],  # its own 60% line
        [],
        [(EventKind.crossed, Line(LineKind.margin_call, D("0.7")))],  # the lender's margin call
        [],
        [(EventKind.recovered, Line(LineKind.margin_call, D("0.7")))],
    ]
    message = compose(steps[3][0])
    assert "margin call at LTV 70%" in message.title and "Nexo credit line" in message.body
