"""The shared LTV model on the classic figures every borrower checks by hand."""

from dataclasses import replace
from datetime import UTC, datetime
from decimal import Decimal

import pytest

from chainwatch.model import Asset, Holding, Position, from_raw, portfolio_totals

WBTC = Asset("test", "0x" + "11" * 20, "WBTC", 8, is_btc=True)
WETH = Asset("test", "0x" + "22" * 20, "WETH", 18)
USDC = Asset("test", "0x" + "33" * 20, "USDC", 6)
D = Decimal


def position(collateral=(), debt=()) -> Position:
    return Position(
        protocol="test",
        market="0x" + "44" * 20,
        account="0x" + "55" * 20,
        chain="test",
        block_number=1,
        timestamp=datetime(2026, 1, 1, tzinfo=UTC),
        collateral=tuple(collateral),
        debt=tuple(debt),
    )


def btc(amount: str, price: str, lt: str = "0.75", max_ltv: str = "0.70") -> Holding:
    return Holding(WBTC, D(amount), D(price), max_ltv=D(max_ltv), liquidation_threshold=D(lt))


def usdc(amount: str) -> Holding:
    return Holding(USDC, D(amount), D(1), borrow_apr=D("0.05"))


def test_ltv_is_debt_over_collateral():
    assert position([btc("1", "10000")], [usdc("2000")]).ltv == D("0.2")


def test_ltv_falls_as_btc_rises_and_rises_as_it_falls():
    assert round(position([btc("1", "12000")], [usdc("2000")]).ltv, 4) == D("0.1667")
    assert position([btc("1", "8000")], [usdc("2000")]).ltv == D("0.25")


def test_liquidation_price_of_the_classic_loan():
    loan = position([btc("0.15", "100000")], [usdc("7000")])
    assert round(loan.liquidation_price_btc, 2) == D("62222.22")


def test_health_factor_is_one_at_the_liquidation_price():
    loan = position([btc("0.15", "100000")], [usdc("7000")])
    at_liquidation = position([btc("0.15", str(loan.liquidation_price_btc))], [usdc("7000")])
    assert abs(at_liquidation.health_factor - 1) < D("1e-24")


def test_headroom_is_the_fall_collateral_can_take():
    loan = position([btc("1", "60000", lt="0.78")], [usdc("20000")])
    assert loan.headroom_usd == D(60000) - D(20000) / D("0.78")
    assert loan.headroom_fraction == loan.headroom_usd / D(60000)
    # A fall of exactly the headroom puts the position at its liquidation LTV.
    fallen = position([btc("1", str(D(60000) - loan.headroom_usd), lt="0.78")], [usdc("20000")])
    assert abs(fallen.ltv - D("0.78")) < D("1e-24")


def test_liquidation_ltv_is_value_weighted():
    loan = position(
        [btc("1", "60000", lt="0.78"), Holding(WETH, D(10), D(3000), D("0.80"), D("0.825"))],
        [usdc("30000")],
    )
    expected = (D(60000) * D("0.78") + D(30000) * D("0.825")) / D(90000)
    assert loan.liquidation_ltv == expected
    assert loan.health_factor == expected * D(90000) / D(30000)


def test_liquidation_price_holds_other_collateral_fixed():
    loan = position(
        [btc("1", "60000", lt="0.80"), Holding(WETH, D(10), D(3000), D("0.80"), D("0.80"))],
        [usdc("40000")],
    )
    # 1 BTC × p × 0.8 + 30,000 × 0.8 = 40,000  →  p = 20,000
    assert loan.liquidation_price_btc == D(20000)


def test_no_debt_means_no_health_factor_or_liquidation_price():
    loan = position([btc("1", "60000")])
    assert loan.health_factor is None
    assert loan.liquidation_price_btc is None
    assert loan.ltv == 0


def test_debt_in_btc_liquidates_when_btc_rises():
    # Borrowing WBTC against WETH: 24,000 of weighted collateral carries 0.2 BTC up to $120,000.
    loan = position(
        [Holding(WETH, D(10), D(3000), D("0.8"), D("0.8"))],
        [Holding(WBTC, D("0.2"), D(60000), borrow_apr=D("0.01"))],
    )
    assert loan.liquidation_price_btc == D(120000)


def test_no_btc_price_liquidates_a_loan_backed_by_other_collateral():
    loan = position(
        [btc("1", "60000"), Holding(WETH, D(100), D(3000), D("0.8"), D("0.8"))],
        [usdc("1000")],
    )
    assert loan.liquidation_price_btc is None


def test_portfolio_figures_are_sums():
    a = position([btc("1", "10000")], [usdc("2000")])
    b = position([btc("1", "10000")], [usdc("6000")])
    assert portfolio_totals([a, b]) == (D(20000), D(8000))


@pytest.mark.parametrize(
    ("raw", "decimals", "text"),
    [(100000000, 8, "1.00000000"), (1, 18, "1E-18"), (123456789, 6, "123.456789"), (0, 8, "0E-8")],
)
def test_raw_integers_scale_exactly(raw, decimals, text):
    assert str(from_raw(raw, decimals)) == text


CBBTC = Asset("test", "0x" + "66" * 20, "cbBTC", 8, is_btc=True)
FAKE = Asset("test", "0x" + "77" * 20, "FAKEBTC", 8)  # "BTC" in the name, not a BTC asset of the book


def test_a_loan_backed_by_two_btc_assets_has_one_liquidation_price():
    """1 WBTC at $60,000 (LT 0.78) + 0.5 cbBTC at $59,900 (LT 0.73), $40,000 USDC debt.
    By hand: both move by k, 0.78·60,000k + 0.73·29,950k = 40,000 → k = 40,000 / 68,663.5
    = 0.58255...; the price is stated in the first BTC asset's terms, 60,000k = $34,953.50..."""
    loan = position(
        [
            Holding(WBTC, D(1), D(60000), max_ltv=D("0.73"), liquidation_threshold=D("0.78")),
            Holding(CBBTC, D("0.5"), D(59900), max_ltv=D("0.68"), liquidation_threshold=D("0.73")),
        ],
        [usdc("40000")],
    )
    price = loan.liquidation_price_btc
    assert price == D(60000) * D(40000) / (D("0.78") * 60000 + D("0.73") * D("29950"))
    assert loan.btc_assets == ("WBTC", "cbBTC")
    k = price / 60000
    moved = position(
        [Holding(h.asset, h.amount, h.price_usd * k, h.max_ltv, h.liquidation_threshold) for h in loan.collateral],
        loan.debt,
    )
    assert abs(moved.health_factor - 1) < D("1e-20")


def test_only_the_books_btc_assets_move_with_btc():
    """A token named like bitcoin that the book does not list is other collateral, held fixed."""
    loan = position(
        [btc("1", "60000", lt="0.75"), Holding(FAKE, D(1), D(10000), liquidation_threshold=D("0.5"))], [usdc("30000")]
    )
    # 0.75·60,000k + 0.5·10,000 = 30,000 → k = 25,000 / 45,000
    assert abs(loan.liquidation_price_btc - D(60000) * 25000 / 45000) < D("1e-20")  # $33,333.33...
    assert loan.btc_assets == ("WBTC",)


BASIS_POINT = D("0.0001")


def test_a_truncated_average_of_one_threshold_is_that_threshold_even_at_full_precision():
    """One collateral at 78%: a Pool dividing in integers averages it to exactly 7800 bps. A
    value filling all 28 digits must not make it 7799 through a rounded last digit."""
    held = btc("0.50000040", "60000.12345678901234567890123", lt="0.78")
    assert len(held.value_usd.as_tuple().digits) == 28  # the value fills the context's precision
    stepped = replace(position([held], [usdc("20000")]), threshold_step=BASIS_POINT)
    assert stepped.liquidation_ltv == D("0.78")
    # BTC alone: the liquidation price is debt / (BTC amount × 78%), worked by hand
    assert stepped.liquidation_price_btc == pytest.approx(D("20000") / (D("0.50000040") * D("0.78")), rel=D("1e-20"))


def test_a_truncated_average_of_two_thresholds_worked_by_hand():
    """0.3 BTC at 75% and 0.4 BTC at 78%, $60,000: 32,220 / 42,000 = 76.714…% counts as 76.71%,
    and BTC alone backs the loan, so the liquidation price is 60,000 × debt / (42,000 × 0.7671)."""
    loan = replace(
        position([btc("0.3", "60000", lt="0.75"), btc("0.4", "60000", lt="0.78")], [usdc("20000")]),
        threshold_step=BASIS_POINT,
    )
    assert loan.liquidation_ltv == D("0.7671")
    assert loan.health_factor == D(42_000) * D("0.7671") / D(20_000)
    assert loan.liquidation_price_btc == pytest.approx(D(60_000) * 20_000 / (42_000 * D("0.7671")), rel=D("1e-20"))
