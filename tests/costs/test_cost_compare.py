"""Costs of each option, the cheapest, and break-even loan sizes: pure arithmetic, by hand."""

from datetime import UTC, datetime
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from chainwatch.adapters.base import MarketRate
from chainwatch.costs.compare import CompareInputError, Loan, break_even, compare, comparison_json, quote
from chainwatch.costs.gas import GasCostUsd
from chainwatch.costs.markets import DefiMarket
from chainwatch.costs.offers import Offer
from chainwatch.costs.options import given_defi_option, market_option, months_started, offer_option
from chainwatch.model import Asset, Holding, Position

D = Decimal
LENDER_A = Offer(name="Lender A", apr=D("0.08"), max_ltv=D("0.50"), liquidation_ltv=D("0.75"))


def cents(value: Decimal) -> Decimal:
    return round(value, 2)


def test_the_issues_worked_example():
    loan = Loan(D(10_000), 180)
    cefi = offer_option(LENDER_A, 180, None)
    defi = given_defi_option(D("0.05"), "simple", D(200), 180)
    result = compare(loan, [cefi, defi])
    a, d = result.quotes
    assert cents(a.interest_usd) == D("394.52") and a.fees_usd == 0 and a.gas_usd == 0
    assert cents(a.total_usd) == D("394.52")
    assert cents(d.interest_usd) == D("246.58") and d.gas_usd == 200
    assert cents(d.total_usd) == D("446.58")
    assert result.cheapest == "Lender A"
    (b,) = result.break_evens
    assert (b.defi, b.cefi, b.defi_cheaper) == ("defi", "Lender A", "above")
    # gas 200 = loan · (0.08 − 0.05) · 180/365
    assert cents(b.loan_usd) == cents(D(200) / (D("0.03") * 180 / 365))


def test_fees_per_offer():
    offer = Offer(
        name="F", apr=D("0.10"), max_ltv=D("0.5"), liquidation_ltv=D("0.8"),
        origination_fee=D("0.02"), monthly_fee_usd=D(10), withdrawal_fee_usd=D(25),
    )  # fmt: skip
    q = quote(offer_option(offer, 180, None), Loan(D(10_000), 180))
    assert months_started(180) == 6  # 5.92 months: six monthly fees
    assert q.fees_usd == 200 + 6 * 10 + 25
    assert q.total_usd == q.interest_usd + q.fees_usd
    assert q.effective_apr == q.total_usd / 10_000 * 365 / 180


@pytest.mark.parametrize(
    "days, months", [(1, 1), (30, 1), (31, 2), (365, 12), (366, 13)]
)  # a month is 365/12 = 30.42 days
def test_months_started(days, months):
    assert months_started(days) == months


def test_compounding_per_offer():
    loan = Loan(D(10_000), 365)
    simple, daily, monthly = (
        quote(offer_option(Offer("x", D("0.12"), D("0.5"), D("0.8"), compounding=c), 365, None), loan)
        for c in ("simple", "daily", "monthly")
    )
    assert simple.interest_usd == 1200
    assert daily.interest_usd == 10_000 * ((1 + D("0.12") / 365) ** 365 - 1)
    assert cents(monthly.interest_usd) == D("1268.25")
    assert simple.interest_usd < monthly.interest_usd < daily.interest_usd


def _market(apr: str, max_ltv: str = "0.73", lt: str = "0.78", price: str = "60000") -> DefiMarket:
    wbtc = Asset("devnet", "0x01", "WBTC", 8, is_btc=True)
    usdc = Asset("devnet", "0x02", "USDC", 6)
    return DefiMarket(
        name="aave-v3",
        protocol="aave-v3",
        collateral=MarketRate(wbtc, D(price), D(max_ltv), D(lt)),
        loan=MarketRate(usdc, D(1), borrow_apr=D(apr)),
        compounding="per-second",
    )


def test_market_option_compounds_as_its_protocol_and_prices_collateral_at_its_oracle():
    option = market_option(_market("0.05"), 365, GasCostUsd(D(10), D(20), D(40)), "measured")
    assert option.interest_rate == (1 + D("0.05") / 31_536_000) ** 31_536_000 - 1
    q = quote(option, Loan(D(20_000), 365, btc=D("0.5")))
    assert q.gas_usd == 20  # the median level
    assert q.max_loan_usd == D("0.5") * 60_000 * D("0.73")
    # the model's own liquidation price for the same loan
    position = Position(
        protocol="aave-v3", market="", account="", chain="devnet", block_number=0,
        timestamp=datetime.now(UTC),
        collateral=(Holding(Asset("devnet", "0x01", "WBTC", 8, is_btc=True), D("0.5"), D(60_000), D("0.73"), D("0.78")),),
        debt=(Holding(Asset("devnet", "0x02", "USDC", 6), D(20_000), D(1)),),
    )  # fmt: skip
    assert q.liquidation_price_btc == position.liquidation_price_btc
    overridden = market_option(
        _market("0.05"), 365, GasCostUsd.flat(D(0)), "given", apr=D("0.02"), compounding="simple"
    )
    assert (overridden.apr, overridden.interest_rate) == (D("0.02"), D("0.02"))


def test_cheapest_skips_loans_the_collateral_does_not_allow():
    loan = Loan(D(20_000), 365, btc=D("0.5"))  # CeFi allows 0.5 · 60,000 · 0.5 = 15,000
    cefi = offer_option(Offer("cheap", D("0.01"), D("0.5"), D("0.8")), 365, D(60_000))
    defi = market_option(_market("0.05"), 365, GasCostUsd.flat(D(50)), "measured")
    result = compare(loan, [cefi, defi])
    assert [q.fits for q in result.quotes] == [False, True]
    assert result.cheapest == "aave-v3"


def test_without_collateral_max_loan_and_liquidation_price_are_unknown():
    q = quote(offer_option(LENDER_A, 30, D(60_000)), Loan(D(1_000), 30))
    assert q.max_loan_usd is None and q.liquidation_price_btc is None and q.fits


linear = st.decimals(min_value=0, max_value=D("0.5"), places=4)
fixed = st.decimals(min_value=0, max_value=1000, places=2)


@given(linear, fixed, linear, st.decimals(min_value=0, max_value=D("0.05"), places=4), fixed)
def test_break_even_plugged_back_costs_the_same(defi_apr, gas, cefi_apr, origination, monthly_fee):
    days = 200
    defi = given_defi_option(defi_apr, "simple", gas, days)
    offer = Offer("c", cefi_apr, D("0.5"), D("0.8"), origination_fee=origination, monthly_fee_usd=monthly_fee)
    cefi = offer_option(offer, days, None)
    b = break_even(defi, cefi)
    if b.defi_cheaper in ("above", "below"):
        assert b.loan_usd > 0
        assert defi.total_usd(b.loan_usd) == pytest.approx(cefi.total_usd(b.loan_usd), abs=D("1e-18"))
        above, below = b.loan_usd * 2, b.loan_usd / 2
        cheaper_above = defi.total_usd(above) < cefi.total_usd(above)
        assert cheaper_above == (b.defi_cheaper == "above")
        assert (defi.total_usd(below) < cefi.total_usd(below)) == (b.defi_cheaper == "below")
    elif b.defi_cheaper == "always":
        assert b.loan_usd == 0
        for size in (D(1), D(10_000), D(10**9)):
            assert defi.total_usd(size) <= cefi.total_usd(size)
    else:
        assert b.loan_usd is None
        for size in (D(1), D(10_000), D(10**9)):
            assert defi.total_usd(size) >= cefi.total_usd(size)


def test_json_has_the_issues_keys_as_strings():
    result = compare(
        Loan(D(10_000), 180, D("0.5")),
        [offer_option(LENDER_A, 180, D(60_000)), given_defi_option(D("0.05"), "simple", D(200), 180)],
    )
    report = comparison_json(result, {"chain": None})
    assert {"options", "cheapest", "break_even"} <= set(report)
    for option in report["options"]:
        assert {
            "name",
            "kind",
            "apr",
            "interest_usd",
            "fees_usd",
            "gas_usd",
            "total_usd",
            "liquidation_price_btc",
        } <= set(option)
        assert option["kind"] in ("cefi", "defi")
        assert all(isinstance(option[k], str) for k in ("apr", "interest_usd", "fees_usd", "gas_usd", "total_usd"))
    cefi, defi = report["options"]
    assert cefi["liquidation_price_btc"] == "26666.66666666666666666666667"  # 10,000 / (0.5 · 0.75)
    assert defi["liquidation_price_btc"] is None  # a rate typed in by hand has no liquidation LTV
    assert report["cheapest"] == "Lender A"
    assert report["break_even"][0].keys() >= {"defi", "cefi", "loan_usd"}


@pytest.mark.parametrize(
    "usd, days, btc, message",
    [(D(0), 30, None, "--loan"), (D(100), 0, None, "--days"), (D(100), 30, D(-1), "--btc")],
)
def test_impossible_loans(usd, days, btc, message):
    with pytest.raises(CompareInputError, match=message):
        Loan(usd, days, btc)
