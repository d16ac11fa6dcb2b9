"""Several loans together: totals, the worst one, and the bracket of liquidation prices."""

from dataclasses import replace
from decimal import Decimal

import pytest

from chainwatch.risk.errors import RiskInputError
from chainwatch.risk.manual import manual_position
from chainwatch.risk.portfolio import portfolio_risk

D = Decimal
# Liquidation at 7,000 / (0.15 × 0.75) = 62,222.22 (HF 1.607) and 20,000 / (0.5 × 0.75) =
# 53,333.33 (HF 1.875); the third loan has no debt.
TIGHT = replace(manual_position(D("0.15"), D(100000), D(7000), D(0), D("0.75")), account="tight")
LOOSE = replace(manual_position(D("0.5"), D(100000), D(20000), D(0), D("0.75")), account="loose")
UNUSED = replace(manual_position(D(1), D(100000), D(0), D(0), D("0.75")), account="unused")


def test_totals_are_sums_and_ltv_is_their_ratio():
    risk = portfolio_risk([TIGHT, LOOSE, UNUSED])
    assert risk.collateral_usd == D(165000)
    assert risk.debt_usd == D(27000)
    assert risk.ltv == D(27000) / D(165000)


def test_worst_is_the_lowest_health_factor():
    assert portfolio_risk([UNUSED, LOOSE, TIGHT]).worst.account == "tight"
    assert portfolio_risk([UNUSED]).worst.account == "unused"


def test_first_and_last_liquidation_prices():
    risk = portfolio_risk([LOOSE, UNUSED, TIGHT])
    assert round(risk.first_liquidation_price_btc, 2) == D("62222.22")
    assert round(risk.last_liquidation_price_btc, 2) == D("53333.33")


def test_no_liquidation_prices_without_debt():
    risk = portfolio_risk([UNUSED])
    assert risk.first_liquidation_price_btc is None and risk.last_liquidation_price_btc is None


def test_no_positions_is_an_error():
    with pytest.raises(RiskInputError, match="no position"):
        portfolio_risk([])
