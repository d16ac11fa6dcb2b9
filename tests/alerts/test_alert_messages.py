"""Alert text names the wallet, market, LTV, liquidation price and what to do about it; each
event has its own wording and Apprise notify type."""

from dataclasses import replace
from decimal import Decimal

from chainwatch.alerts import LIQUIDATION, Event, EventKind, Line, LineKind, Thresholds, compose
from chainwatch.risk.hypothetical import with_btc_added, with_debt_repaid
from chainwatch.risk.manual import manual_position

D = Decimal
WALLET = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8"
# 1 BTC at $50,000 against $34,500, liquidated at LTV 0.75: LTV 69%, 92% of the way.
LOAN = replace(
    manual_position(D(1), D(50000), D(34500), D("0.05"), D("0.75")),
    account=WALLET, protocol="spark", market="0xPool", chain="devnet",
)  # fmt: skip
NINETY = Thresholds().lines[1]


def test_a_warning_says_where_how_bad_and_what_to_do():
    message = compose(Event(EventKind.crossed, "devnet", LOAN, line=NINETY, target_ltv=Thresholds().safe_ltv(LOAN)))
    assert (
        message.title == f"chainwatch WARNING: {WALLET} on spark (devnet) crossed 90% of liquidation LTV (LTV 69.00%)"
    )
    body = message.body
    assert "LTV 69.00% (liquidation at 75.00%, health factor 1.087)" in body
    assert "liquidation price $46,000.00" in body  # 34,500 / 0.75
    # Safe LTV (0.80 - 0.02) x 0.75 = 0.585: repay 34,500 - 0.585 x 50,000 = 5,250,
    # or add (34,500 / 0.585 - 50,000) / 50,000 = 0.17948718 BTC.
    assert "To get back to a safe LTV of 58.50%: repay $5,250.00 of debt, or add 0.17948718 BTC of collateral." in body


def test_liquidatable_names_what_restores_health_factor_one_then_the_safe_target():
    # BTC at $44,000: collateral 44,000 x 0.75 = 33,000 carries less than the 34,500 debt (HF 0.9565).
    under = replace(LOAN, collateral=(replace(LOAN.collateral[0], price_usd=D(44000)),))
    event = Event(EventKind.liquidatable, "devnet", under, line=LIQUIDATION, target_ltv=Thresholds().safe_ltv(under))
    message = compose(event)
    assert event.notify_type == "failure"
    assert message.title == f"chainwatch LIQUIDATABLE: {WALLET} on spark (devnet), health factor 0.957"
    # Repay 34,500 - 33,000 = 1,500; or add 1,500 / (44,000 x 0.75) = 0.04545455 BTC (rounded up).
    assert "To restore health factor 1.0: repay $1,500.00 of debt, or add 0.04545455 BTC of collateral." in message.body
    assert with_debt_repaid(under, D(1500)).health_factor == 1
    assert (
        with_btc_added(under, D("0.04545455")).health_factor >= 1 > with_btc_added(under, D("0.04545454")).health_factor
    )
    assert "To get back to a safe LTV of 58.50%" in message.body


def test_a_recovery_names_the_line_left_and_the_line_still_held():
    event = Event(EventKind.recovered, "devnet", LOAN, line=Thresholds().lines[2], held=NINETY, target_ltv=D("0.585"))
    message = compose(event)
    assert "back below 95% of liquidation LTV, still past 90% of liquidation LTV" in message.title
    assert event.notify_type == "info" and "repay $5,250.00" in message.body
    # After repaying $9,500: $25,000 against $50,000 is LTV 50%, 67% of the way: below every line.
    repaid = replace(LOAN, debt=(replace(LOAN.debt[0], amount=LOAN.debt[0].amount * 25000 / 34500),))
    cleared = compose(Event(EventKind.recovered, "devnet", repaid, line=Thresholds().lines[0]))
    assert cleared.title.endswith("is back below 80% of liquidation LTV")  # no line still held
    assert "liquidation price $33,333.33" in cleared.body  # 25,000 / 0.75: the repaid loan's
    assert "repay" not in cleared.body


def test_no_advice_when_the_target_is_above_the_liquidation_ltv():
    line = Line(LineKind.ltv, D("0.9"))
    message = compose(Event(EventKind.crossed, "devnet", LOAN, line=line, target_ltv=D("0.88")))
    assert "repay" not in message.body and "LTV 90%" in message.title


def test_watch_events_name_the_chain_and_what_happened():
    blind = compose(Event(EventKind.unreadable, "base", details=("3 readings in a row failed; the last error: 503",)))
    assert blind.title == "chainwatch CANNOT READ base: the watch is blind"
    assert "503" in blind.body
    kinds = {kind: Event(kind, "base").notify_type for kind in EventKind}
    assert kinds == {
        EventKind.crossed: "warning", EventKind.liquidatable: "failure", EventKind.recovered: "info",
        EventKind.unreadable: "failure", EventKind.reading_again: "info", EventKind.oracle: "warning",
        EventKind.oracle_cleared: "info", EventKind.stopped: "warning", EventKind.heartbeat: "info",
    }  # fmt: skip
    assert compose(Event(EventKind.stopped, "base", details=("stopped by SIGTERM",))).body.endswith("SIGTERM")
