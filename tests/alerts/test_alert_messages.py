"""Alert text names the wallet, market, LTV, liquidation price and what to do about it."""

from dataclasses import replace
from decimal import Decimal

from chainwatch.alerts import Alert, AlertKind, Thresholds, compose
from chainwatch.risk.manual import manual_position

D = Decimal
WALLET = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8"
# 1 BTC at $50,000 against $34,500, liquidated at LTV 0.75: LTV 69%, 92% of the way.
LOAN = replace(
    manual_position(D(1), D(50000), D(34500), D("0.05"), D("0.75")),
    account=WALLET, protocol="spark", market="0xPool", chain="devnet",
)  # fmt: skip


def test_a_warning_says_where_how_bad_and_what_to_do():
    message = compose(Alert(AlertKind.warning, LOAN, 2, 0, Thresholds()))
    assert message.title == f"chainwatch WARNING: {WALLET} on spark crossed 90% of liquidation LTV (LTV 69.00%)"
    body = message.body
    assert WALLET in body and "spark" in body
    assert "LTV 69.00% (liquidation at 75.00%, health factor 1.087)" in body
    assert "liquidation price $46,000.00" in body  # 34,500 / 0.75
    # Safe LTV (0.80 - 0.02) x 0.75 = 0.585: repay 34,500 - 0.585 x 50,000 = 5,250,
    # or add (34,500 / 0.585 - 50,000) / 50,000 = 0.17948718 BTC.
    assert "To get back to a safe LTV of 58.50%: repay $5,250.00 of debt, or add 0.17948718 BTC of collateral." in body


def test_a_recovery_names_the_level_left_and_the_level_still_held():
    message = compose(Alert(AlertKind.recovery, LOAN, 1, 3, Thresholds()))
    assert "back below 95% of liquidation LTV, still past 80% of liquidation LTV" in message.title
    assert "repay $5,250.00" in message.body
    # After repaying $9,500: $25,000 against $50,000 is LTV 50%, 67% of the way: below every level.
    repaid = replace(
        manual_position(D(1), D(50000), D(25000), D("0.05"), D("0.75")),
        account=WALLET, protocol="spark", market="0xPool", chain="devnet",
    )  # fmt: skip
    cleared = compose(Alert(AlertKind.recovery, repaid, 0, 1, Thresholds()))
    assert cleared.title.endswith("is back below 80% of liquidation LTV")  # no level still held
    assert "liquidation price $33,333.33" in cleared.body  # 25,000 / 0.75: the repaid loan's
    assert "repay" not in cleared.body


def test_no_advice_when_an_absolute_threshold_is_above_the_liquidation_ltv():
    thresholds = Thresholds.build([D("0.9")], relative=False)
    message = compose(Alert(AlertKind.warning, LOAN, 1, 0, thresholds))
    assert "repay" not in message.body and "LTV 90%" in message.title
