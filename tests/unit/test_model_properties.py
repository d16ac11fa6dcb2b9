"""Properties of the shared model that must hold for every position, checked with hypothesis.

Amounts and prices are drawn as the raw integers contracts return (8-decimal WBTC and feeds,
6-decimal USDC, basis-point thresholds), so the properties are those of real inputs.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from decimal import Decimal
from fractions import Fraction

from hypothesis import given
from hypothesis import strategies as st

from chainwatch.model import Asset, Holding, Position, from_raw

WBTC = Asset("ethereum", "0x2260FAC5E5542a773Aa44fBCfeDf7C193bc2C599", "WBTC", 8, is_btc=True)
USDC = Asset("ethereum", "0xA0b86991c6218b36c1d19D4a2e9Eb0cE3606eB48", "USDC", 6)
WETH = Asset("ethereum", "0xC02aaA39b223FE8D0A0e5C4F27eAD9083C756Cc2", "WETH", 18)

btc_raw = st.integers(1, 10_000 * 10**8)  # up to 10,000 WBTC
price_raw = st.integers(1_000 * 10**8, 500_000 * 10**8)  # $1k..$500k, 8 decimals
threshold_bps = st.integers(1, 9_500)
usdc_raw = st.integers(1, 10**9 * 10**6)


def _loan(btc: int, price: int, bps: int, debt: int, eth: int = 0) -> Position:
    collateral = [Holding(WBTC, from_raw(btc, 8), from_raw(price, 8), liquidation_threshold=from_raw(bps, 4))]
    if eth:
        collateral.append(Holding(WETH, from_raw(eth, 18), Decimal(3000), liquidation_threshold=Decimal("0.8")))
    return Position(
        "aave-v3", "0xpool", "0xacct", "ethereum", 1, datetime(2026, 1, 1, tzinfo=UTC),
        collateral=tuple(collateral), debt=(Holding(USDC, from_raw(debt, 6), Decimal(1)),),
    )  # fmt: skip


def _at_btc_price(position: Position, price: Decimal) -> Position:
    return replace(
        position,
        collateral=tuple(replace(h, price_usd=price) if h.tracks_btc else h for h in position.collateral),
    )


@given(st.integers(0, 2**256 - 1), st.integers(0, 36))
def test_raw_to_decimal_is_exact_for_any_uint256(raw, decimals):
    value = from_raw(raw, decimals)
    assert Fraction(value) == Fraction(raw, 10**decimals)
    assert Decimal(format(value, "f")) == value  # and survives the JSON string round trip


@given(btc_raw, price_raw, price_raw, threshold_bps, usdc_raw)
def test_ltv_rises_as_the_btc_price_falls(btc, price_a, price_b, bps, debt):
    low, high = sorted((from_raw(price_a, 8), from_raw(price_b, 8)))
    loan = _loan(btc, price_a, bps, debt)
    at_low, at_high = _at_btc_price(loan, low), _at_btc_price(loan, high)
    if low < high:
        assert at_low.ltv > at_high.ltv
        assert at_low.health_factor < at_high.health_factor
    else:
        assert at_low.ltv == at_high.ltv


@given(btc_raw, price_raw, threshold_bps, usdc_raw, st.integers(0, 100 * 10**18))
def test_the_liquidation_price_puts_the_health_factor_at_one(btc, price, bps, debt, eth):
    """Exactly 1 in exact arithmetic; the model's Decimal figure is that price to 28 digits."""
    loan = _loan(btc, price, bps, debt, eth)
    liquidation = loan.liquidation_price_btc
    weth_weighted = Fraction(eth, 10**18) * 3000 * Fraction(8, 10)
    wbtc_weighted_per_usd = Fraction(btc, 10**8) * Fraction(bps, 10**4)
    exact = (Fraction(debt, 10**6) - weth_weighted) / wbtc_weighted_per_usd
    if exact <= 0:  # the other collateral alone carries the debt: no BTC price liquidates
        assert liquidation is None
        return
    health_at_exact = (wbtc_weighted_per_usd * exact + weth_weighted) / Fraction(debt, 10**6)
    assert health_at_exact == 1
    assert abs(Fraction(liquidation) - exact) <= exact * Fraction(1, 10**26)
    assert abs(_at_btc_price(loan, liquidation).health_factor - 1) < Decimal("1e-25")
