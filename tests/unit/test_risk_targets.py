"""Margin of safety, what-if to a target LTV, and the largest loan that survives a fall."""

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from chainwatch.model import Asset, Holding, Position
from chainwatch.risk.errors import RiskInputError
from chainwatch.risk.manual import manual_position
from chainwatch.risk.safety import liquidated_by_fall, margin_of_safety
from chainwatch.risk.targets import max_loan_for_drop, what_if

D = Decimal
# The classic loan: 0.15 BTC at $100,000 ($15,000) against $7,000, liquidated at 75% LTV.
CLASSIC = manual_position(D("0.15"), D(100000), D(7000), D("0.08"), D("0.75"))
# 0.5 BTC at $60,000 ($30,000) against $20,000.
EXAMPLE = manual_position(D("0.5"), D(60000), D(20000), D("0.08"), D("0.75"))


def btc_borrowed() -> Position:
    """1 WBTC at $60,000 borrowed against $100,000 of USDC with an 80% threshold."""
    usdc = Asset("test", "0x" + "33" * 20, "USDC", 6)
    wbtc = Asset("test", "0x" + "11" * 20, "WBTC", 8, is_btc=True)
    return Position(
        protocol="test", market="m", account="a", chain="test", block_number=1,
        timestamp=datetime(2026, 1, 1, tzinfo=UTC),
        collateral=(Holding(usdc, D(100000), D(1), D("0.75"), liquidation_threshold=D("0.8")),),
        debt=(Holding(wbtc, D(1), D(60000), borrow_apr=D("0.01")),),
    )  # fmt: skip


def test_margin_of_safety_of_the_classic_loan():
    # Liquidated at 7,000 / (0.15 × 0.75) = 62,222.22: BTC may fall 37,777.78, i.e. 37.78%.
    margin = margin_of_safety(CLASSIC)
    assert round(CLASSIC.liquidation_price_btc, 2) == D("62222.22")
    assert round(margin.usd, 2) == D("37777.78")
    assert round(margin.fraction, 4) == D("0.3778")
    assert liquidated_by_fall(CLASSIC)


def test_margin_of_safety_when_a_rise_liquidates():
    # HF = 80,000 / (k × 60,000) = 1 at BTC 80,000: a rise of 20,000, a third of today's price.
    loan = btc_borrowed()
    margin = margin_of_safety(loan)
    assert not liquidated_by_fall(loan)
    assert round(loan.liquidation_price_btc, 18) == D(80000)
    assert round(margin.usd, 18) == D(20000)
    assert round(margin.fraction, 6) == D("0.333333")


def test_no_margin_without_debt():
    assert margin_of_safety(manual_position(D(1), D(60000), D(0), D(0), D("0.75"))) is None


def test_what_if_to_thirty_percent():
    # Repay 20,000 − 0.30 × 30,000 = 11,000; or add (20,000 / 0.30 − 30,000) / 60,000 BTC
    # = 36,666.67 / 60,000 = 0.611111. Either way liquidation moves to 0.30 × 60,000 / 0.75.
    w = what_if(EXAMPLE, D("0.30"))
    assert w.repay == D(11000)
    assert round(w.add_btc, 6) == D("0.611111")
    assert w.liquidation_price_after_repay == D(24000)
    assert round(w.liquidation_price_after_add_btc, 2) == D("24000.00")


def test_what_if_already_below_target_needs_nothing():
    w = what_if(EXAMPLE, D("0.70"))
    assert (w.repay, w.add_btc) == (0, 0)
    assert w.liquidation_price_after_repay == EXAMPLE.liquidation_price_btc


def test_what_if_without_btc_collateral_cannot_add_btc():
    w = what_if(btc_borrowed(), D("0.50"))
    assert w.repay == D(10000)  # 60,000 − 0.50 × 100,000
    assert w.add_btc is None and w.liquidation_price_after_add_btc is None


@pytest.mark.parametrize("target", ["0.75", "0.9", "1", "0", "-0.1"])
def test_impossible_targets_are_refused(target):
    with pytest.raises(RiskInputError):
        what_if(EXAMPLE, D(target))


def test_max_loan_surviving_a_thirty_percent_fall():
    # 0.15 × 70,000 × 0.75 = 7,875; 0.5 × 42,000 × 0.75 = 15,750
    assert max_loan_for_drop(CLASSIC, D("0.30")) == D(7875)
    assert max_loan_for_drop(EXAMPLE, D("0.30")) == D(15750)


def test_the_max_loan_is_exactly_at_health_factor_one_after_the_fall():
    biggest = manual_position(D("0.15"), D(70000), D(7875), D(0), D("0.75"))
    assert biggest.health_factor == 1


@pytest.mark.parametrize("drop", ["0", "1", "30", "-0.3"])
def test_impossible_drops_are_refused(drop):
    with pytest.raises(RiskInputError):
        max_loan_for_drop(CLASSIC, D(drop))
