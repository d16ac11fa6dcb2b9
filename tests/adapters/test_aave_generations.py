"""Aave generations on the devnet's real bytecode: "aave-v3" and "spark" run v3.0 (@aave/core-v3
1.19.3), "aave-v3.6" runs aave-v3-origin 3.6.0. Each case is configured through the real
PoolConfigurator where it allows it, and the referee is the Pool's own getUserAccountData.

Collateral whose liquidation threshold is 0 (Spark's USDC): GenericLogic v3.0-v3.5 skips it
entirely, eMode or not; v3.6 counts it at threshold 0. The v3.0.2 configurator refuses a zero
threshold while anyone supplies the reserve (`_checkNoSuppliers`) and the v3.0.2 Pool never
flags LTV-0 collateral, so the state mainnet reached under earlier rules is written with the
one storage write a governance payload makes: the Pool's own `setConfiguration`, called as its
PoolConfigurator.
"""

from __future__ import annotations

from decimal import Decimal

import pytest

from chainwatch.devnet import controls, toolchain
from chainwatch.devnet.node import contract, deploy, transact
from tests.helpers.accounts import fresh_account
from tests.helpers.loans import open_aave_loan
from tests.helpers.reads import read_one
from tests.helpers.referees import aave_account_data, assert_position_matches_aave_pool

pytestmark = pytest.mark.chain

D = Decimal
ZERO = "0x" + "00" * 20
PARAMS_MASK = (1 << 48) - 1  # LTV (bits 0-15), liquidation threshold (16-31), bonus (32-47)


def zero_threshold(chain, market: str, asset: str) -> None:
    """LTV, threshold and bonus of `asset` to 0 through the Pool's setConfiguration, sent as the
    PoolConfigurator (see the module docstring for why not through the configurator itself)."""
    deployed = chain.deployment.markets[market]
    pool = contract(chain.w3, "Pool", deployed.pool).functions
    (data,) = pool.getConfiguration(asset).call()
    transact(chain.w3, pool.setConfiguration(asset, (data & ~PARAMS_MASK,)), deployed.pool_configurator)


def test_v30_does_not_count_collateral_with_a_zero_threshold_even_inside_emode(chain):
    """v3.0: WETH in the borrower's eMode category, then its threshold set to 0. The Pool counts
    WBTC alone; so does the adapter (before, it applied the category's 93% to WETH)."""
    market, borrower = chain.deployment.markets["aave-v3"], fresh_account("v30 lt0")
    configurator = contract(chain.w3, "PoolConfigurator", market.pool_configurator).functions
    admin, weth = chain.deployment.deployer, chain.deployment.weth
    transact(chain.w3, configurator.setEModeCategory(1, 9000, 9300, 10100, ZERO, "ETH correlated"), admin)
    transact(chain.w3, configurator.setAssetEModeCategory(weth, 1), admin)
    open_aave_loan(chain, "aave-v3", borrower, {"WBTC": D(1), "WETH": D(10)}, {})
    transact(chain.w3, contract(chain.w3, "Pool", market.pool).functions.setUserEMode(1), borrower)
    open_aave_loan(chain, "aave-v3", borrower, {}, {"WETH": D(5)})  # v3.0: in eMode, borrow only its assets
    zero_threshold(chain, "aave-v3", weth)

    position = read_one(chain, borrower, "aave-v3")
    (wbtc,) = position.collateral
    assert wbtc.asset.symbol == "WBTC"
    data = aave_account_data(chain, "aave-v3", borrower, position.block_number)
    assert abs(D(data[0]) / 10**8 - 60000) < D("0.01")  # the Pool's collateral: WBTC alone
    assert (data[4], data[3]) == (7300, 7800)  # its LTV and threshold: WBTC's own
    assert (position.max_ltv, position.liquidation_ltv) == (D("0.73"), D("0.78"))
    assert_position_matches_aave_pool(chain, "aave-v3", position)


def test_v30_prices_an_emode_categorys_reserves_with_its_own_price_source(chain):
    """v3.0: a category with its own price source (an AaveOracle asset fed at $2,900, while the
    oracle prices WETH at $3,000): for an account in the category every reserve of it is priced
    there, collateral and debt; the Pool values it so, and so does the adapter."""
    market, borrower = chain.deployment.markets["aave-v3"], fresh_account("v30 price source")
    admin, weth = chain.deployment.deployer, chain.deployment.weth
    aggregator = toolchain.compiled_contracts()["ChainlinkStyleAggregator"]
    feed = deploy(chain.w3, admin, aggregator["abi"], aggregator["bytecode"], 8, "ETH eMode source")
    controls.set_feed_price(chain.w3, feed, D(2900))
    source = fresh_account("emode price source asset")
    oracle = contract(chain.w3, "AaveOracle", market.oracle).functions
    transact(chain.w3, oracle.setAssetSources([source], [feed]), admin)
    configurator = contract(chain.w3, "PoolConfigurator", market.pool_configurator).functions
    transact(chain.w3, configurator.setEModeCategory(2, 9000, 9300, 10100, source, "ETH priced"), admin)
    transact(chain.w3, configurator.setAssetEModeCategory(weth, 2), admin)
    open_aave_loan(chain, "aave-v3", borrower, {"WBTC": D(1), "WETH": D(10)}, {})
    transact(chain.w3, contract(chain.w3, "Pool", market.pool).functions.setUserEMode(2), borrower)
    open_aave_loan(chain, "aave-v3", borrower, {}, {"WETH": D(2)})

    position = read_one(chain, borrower, "aave-v3")
    prices = {(h.asset.symbol, h in position.debt): h.price_usd for h in (*position.collateral, *position.debt)}
    assert prices == {("WBTC", False): 60000, ("WETH", False): 2900, ("WETH", True): 2900}
    data = aave_account_data(chain, "aave-v3", borrower, position.block_number)
    assert abs(D(data[0]) / 10**8 - (60000 + 10 * 2900)) < D("0.01")  # collateral at the source's price
    assert_position_matches_aave_pool(chain, "aave-v3", position)


def test_v36_counts_collateral_with_a_zero_threshold_at_zero(chain):
    """v3.6: collateral with threshold 0 counts in the collateral (diluting the averages) and
    carries nothing; the Pool agrees on every total."""
    borrower = fresh_account("v36 lt0")
    open_aave_loan(chain, "aave-v3.6", borrower, {"WBTC": D(1), "WETH": D(10)}, {"USDC": D(20000)})
    zero_threshold(chain, "aave-v3.6", chain.deployment.weth)

    position = read_one(chain, borrower, "aave-v3.6")
    weth = next(h for h in position.collateral if h.asset.symbol == "WETH")
    assert (weth.max_ltv, weth.liquidation_threshold) == (0, 0)
    data = aave_account_data(chain, "aave-v3.6", borrower, position.block_number)
    assert abs(D(data[0]) / 10**8 - 90000) < D("0.01")  # WBTC and WETH both count
    assert abs(data[3] - 5200) <= 1  # the Pool's threshold: 78% × 60,000 / 90,000, diluted by WETH's 0
    # 52% less a hair (WETH's supply earns interest); v3.6 judges by the exact figure
    assert position.threshold_step is None and D("0.5199") < position.liquidation_ltv < D("0.52")
    assert_position_matches_aave_pool(chain, "aave-v3.6", position)
