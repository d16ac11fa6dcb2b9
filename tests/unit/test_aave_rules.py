"""Each Aave generation's collateral rule, worked by hand from its GenericLogic (see
chainwatch/adapters/aave_rules.py for the lines). v3.0 and v3.6 also run on the devnet's real
bytecode (tests/adapters/test_aave_generations.py); v3.2-v3.5 and v3.7 have no bytecode here,
so these hand-worked cases are their referee."""

from __future__ import annotations

from decimal import Decimal

import pytest

from chainwatch.adapters.aave_rules import CollateralTerms, EMode, Generation, collateral_terms

D = Decimal
WBTC, USDC = 1, 2
CATEGORY = EMode(D("0.9"), D("0.93"), covers=frozenset({WBTC, USDC}), ltv_zero=frozenset({USDC}))


def test_generation_from_the_getters_the_pool_answers():
    assert Generation.detect(False, False, False) is Generation.V3_0
    assert Generation.detect(True, False, False) is Generation.V3_2
    assert Generation.detect(True, True, False) is Generation.V3_6
    assert Generation.detect(True, True, True) is Generation.V3_7


@pytest.mark.parametrize("generation", [Generation.V3_0, Generation.V3_2])
def test_before_v36_zero_threshold_collateral_does_not_count_even_in_emode(generation):
    """Spark's USDC: LTV/LT 0 with an eMode category on top: not collateral at all."""
    assert collateral_terms(generation, USDC, D(0), D(0), CATEGORY) is None
    assert collateral_terms(generation, USDC, D(0), D(0), None) is None


@pytest.mark.parametrize("generation", [Generation.V3_0, Generation.V3_2])
def test_before_v36_emode_ltv_applies_only_where_the_reserve_ltv_is_not_zero(generation):
    assert collateral_terms(generation, WBTC, D("0.73"), D("0.78"), CATEGORY) == CollateralTerms(D("0.9"), D("0.93"))
    assert collateral_terms(generation, WBTC, D(0), D("0.78"), CATEGORY) == CollateralTerms(D(0), D("0.93"))


def test_v36_counts_zero_threshold_collateral_and_follows_the_ltv_zero_bitmap():
    assert collateral_terms(Generation.V3_6, USDC, D(0), D(0), None) == CollateralTerms(D(0), D(0))
    # covered: the category's LTV unless on its LTV-zero bitmap, whatever the reserve's own LTV
    assert collateral_terms(Generation.V3_6, WBTC, D(0), D("0.78"), CATEGORY) == CollateralTerms(D("0.9"), D("0.93"))
    assert collateral_terms(Generation.V3_6, USDC, D("0.75"), D("0.78"), CATEGORY) == CollateralTerms(D(0), D("0.93"))


def test_v37_isolated_category_lends_nothing_on_reserves_it_does_not_cover():
    isolated = EMode(D("0.9"), D("0.93"), covers=frozenset({WBTC}), isolated=True)
    other = 3
    assert collateral_terms(Generation.V3_7, other, D("0.75"), D("0.8"), isolated) == CollateralTerms(D(0), D("0.8"))
    assert collateral_terms(Generation.V3_6, other, D("0.75"), D("0.8"), isolated) == CollateralTerms(
        D("0.75"), D("0.8")
    )
    assert collateral_terms(Generation.V3_7, WBTC, D("0.73"), D("0.78"), isolated) == CollateralTerms(
        D("0.9"), D("0.93")
    )
