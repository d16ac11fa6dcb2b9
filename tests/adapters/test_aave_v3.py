"""The Aave v3 adapter against the real Aave v3 bytecode on the devnet, for Aave and Spark alike,
on both getter generations: v3.0 (aave-v3, spark) and v3.6 (aave-v3.6, what Ethereum runs).

Loans are opened through the real Pool (approve, supply, borrow); the adapter reads them back
through Multicall3 at one pinned block, and the Pool's own getUserAccountData is the referee
(tests/helpers/referees.py).
"""

from __future__ import annotations

from decimal import ROUND_FLOOR, Decimal

import pytest

from chainwatch.chains import get_chain
from chainwatch.devnet import actions, controls
from chainwatch.devnet.node import contract
from chainwatch.snapshot import read_snapshot
from tests.helpers.loans import open_aave_loan
from tests.helpers.reads import read_one
from tests.helpers.referees import aave_account_data, aave_liquidatable, assert_position_matches_aave_pool

from .invariants import PositionInvariants

D = Decimal
DAY = 86_400
WAD = D(10) ** 18


class TestAaveInvariants(PositionInvariants):
    market = "aave-v3"
    collateral_earns_interest = True  # aTokens accrue the supply rate

    def open_loan(self, chain, account, wbtc, usdc):
        open_aave_loan(chain, self.market, account, {"WBTC": wbtc}, {"USDC": usdc})

    def protocol_liquidates(self, chain, account):
        return aave_liquidatable(chain, self.market, account)

    def test_health_factor_collateral_and_debt_agree_with_the_pool(self, chain, loan):
        assert_position_matches_aave_pool(chain, self.market, loan)


class TestSparkInvariants(TestAaveInvariants):
    market = "spark"


class TestAaveV36Invariants(TestAaveInvariants):
    market = "aave-v3.6"


@pytest.fixture
def borrower(chain):
    return chain.w3.eth.accounts[5]


@pytest.mark.parametrize("market", ["aave-v3", "spark", "aave-v3.6"])
def test_a_fresh_loan_reads_back_exactly(chain, borrower, market):
    open_aave_loan(chain, market, borrower, {"WBTC": D("1.5")}, {"USDC": D(30000)})
    position = read_one(chain, borrower, market)

    assert position.protocol == market
    assert position.market == chain.deployment.markets[market].pool
    (wbtc,) = position.collateral
    (usdc,) = position.debt
    assert wbtc.asset.symbol == "WBTC" and wbtc.asset.decimals == 8
    assert usdc.asset.symbol == "USDC"
    if market == "aave-v3.6":
        # v3.5+ rounds in the protocol's favour (TokenMath): a deposit may read back one unit
        # less than supplied, a debt one unit more than borrowed.
        assert D("1.49999999") <= wbtc.amount <= D("1.50000000")
        assert D("30000.000000") <= usdc.amount <= D("30000.000001")
    else:  # v3.0 rounds half up: both read back as sent
        assert (wbtc.amount, usdc.amount) == (D("1.50000000"), D("30000.000000"))
    assert wbtc.price_usd == D(60000) and usdc.price_usd == D(1)
    assert usdc.borrow_apr > 0
    assert wbtc.max_ltv == (D("0.77") if market == "spark" else D("0.73"))
    assert wbtc.liquidation_threshold == D("0.78")
    assert position.ltv == usdc.amount / (wbtc.amount * 60000)
    # 1.5 BTC × p × 0.78 = 30,000
    assert position.liquidation_price_btc == usdc.amount / (wbtc.amount * D("0.78"))
    assert_position_matches_aave_pool(chain, market, position)


def test_a_btc_price_move_moves_ltv_and_health_factor(chain, borrower):
    open_aave_loan(chain, "aave-v3", borrower, {"WBTC": D(1)}, {"USDC": D(30000)})
    before = read_one(chain, borrower, "aave-v3")
    controls.set_btc_price(chain.w3, chain.deployment, D(45000))
    after = read_one(chain, borrower, "aave-v3")

    assert after.collateral[0].price_usd == D(45000)
    assert after.ltv > before.ltv
    assert after.health_factor < before.health_factor
    # The debt grew by the interest of one block only, so the liquidation price barely moves.
    assert abs(after.liquidation_price_btc / before.liquidation_price_btc - 1) < D("1e-6")
    assert_position_matches_aave_pool(chain, "aave-v3", after)


def test_thirty_days_of_interest_follow_the_pools_debt_index(chain, borrower):
    open_aave_loan(chain, "aave-v3", borrower, {"WBTC": D(1)}, {"USDC": D(20000)})
    usdc = chain.deployment.usdc
    pool = contract(chain.w3, "Pool", chain.deployment.markets["aave-v3"].pool)
    start_block = chain.w3.eth.block_number
    index_before = pool.functions.getReserveNormalizedVariableDebt(usdc).call(block_identifier=start_block)
    controls.advance_time(chain.w3, 30 * DAY)
    end_block = chain.w3.eth.block_number
    index_after = pool.functions.getReserveNormalizedVariableDebt(usdc).call(block_identifier=end_block)

    before = read_one(chain, borrower, "aave-v3", block=start_block)
    after = read_one(chain, borrower, "aave-v3", block=end_block)
    expected = before.debt[0].amount * D(index_after) / D(index_before)
    assert abs(after.debt[0].amount - expected) <= D("0.000001")  # one unit of USDC's last decimal
    assert after.debt[0].amount > before.debt[0].amount
    # the APR the adapter reports explains the growth: continuous accrual at ~that rate
    growth = after.debt[0].amount / before.debt[0].amount - 1
    assert abs(growth - before.debt[0].borrow_apr * 30 / 365) < D("0.0005")
    assert after.ltv > before.ltv
    assert_position_matches_aave_pool(chain, "aave-v3", after)


def test_two_collateral_assets_weight_the_liquidation_threshold(chain, borrower):
    open_aave_loan(chain, "aave-v3", borrower, {"WBTC": D(1), "WETH": D(10)}, {"USDC": D(40000)})
    position = read_one(chain, borrower, "aave-v3")

    assert [h.asset.symbol for h in position.collateral] == ["WBTC", "WETH"]
    weth = position.collateral[1]
    # WETH is borrowed by others, so the supply has earned interest since it was made:
    # the amount is the aToken's balance at the block, to the wei.
    a_weth = contract(chain.w3, "AToken", chain.deployment.markets["aave-v3"].a_tokens["WETH"])
    raw = a_weth.functions.balanceOf(borrower).call(block_identifier=position.block_number)
    assert weth.amount == D(raw).scaleb(-18) and weth.amount > D(10)
    assert weth.price_usd == D(3000)
    wbtc_usd, weth_usd = position.collateral[0].value_usd, weth.value_usd

    def pool_average(wbtc_value: Decimal) -> Decimal:
        """The Pool's averaged threshold: value-weighted, truncated to whole bps (GenericLogic)."""
        exact = (wbtc_value * D("0.78") + weth_usd * D("0.825")) / (wbtc_value + weth_usd)
        return (exact * 10_000).to_integral_value(ROUND_FLOOR) / 10_000

    assert position.liquidation_ltv == pool_average(wbtc_usd)
    # WETH held at its price; at the liquidation price p the Pool's rule gives
    # (BTC units × p + WETH value) × average(p) = debt. The average moves with p (WETH's share
    # grows as BTC falls): solve with the average at the exact-threshold answer, then check
    # that the average at the solution is the one solved with.
    btc_units = position.collateral[0].amount
    exact_price = (position.debt_usd - weth_usd * D("0.825")) / (btc_units * D("0.78"))
    average = pool_average(btc_units * exact_price)
    expected_price = (position.debt_usd - weth_usd * average) / (btc_units * average)
    assert pool_average(btc_units * expected_price) == average
    assert abs(position.liquidation_price_btc - expected_price) < D("1e-18") * expected_price
    assert_position_matches_aave_pool(chain, "aave-v3", position)


def test_collateral_switched_off_is_not_collateral(chain, borrower):
    open_aave_loan(chain, "aave-v3", borrower, {"WBTC": D(1), "WETH": D(1)}, {})
    pool = contract(chain.w3, "Pool", chain.deployment.markets["aave-v3"].pool)
    from chainwatch.devnet.node import transact

    transact(chain.w3, pool.functions.setUserUseReserveAsCollateral(chain.deployment.weth, False), borrower)
    position = read_one(chain, borrower, "aave-v3")
    assert [h.asset.symbol for h in position.collateral] == ["WBTC"]


def test_an_account_without_a_loan_has_no_position(chain):
    empty = chain.deployment.demo_wallets["D"]
    snapshot = read_snapshot(get_chain("devnet"), [empty], rpc=[chain.rpc_url])
    assert snapshot.positions == ()


def test_many_accounts_are_read_at_one_block(chain):
    wallets = [chain.deployment.demo_wallets[k] for k in "ABCD"]
    snapshot = read_snapshot(get_chain("devnet"), wallets, rpc=[chain.rpc_url])
    assert {p.block_number for p in snapshot.positions} == {snapshot.block_number}
    assert sorted((p.account, p.protocol) for p in snapshot.positions) == sorted(
        [
            (chain.deployment.demo_wallets["A"], "aave-v3"),
            (chain.deployment.demo_wallets["B"], "aave-v3"),
            (chain.deployment.demo_wallets["C"], "spark"),
        ]
    )
    for position in snapshot.positions:
        assert_position_matches_aave_pool(chain, position.protocol, position)


def test_emode_overrides_the_thresholds_of_the_assets_it_covers(chain, borrower):
    """An ETH-correlated eMode category: WETH lends at 90/93%, WBTC keeps its own 73/78%."""
    from chainwatch.devnet.node import transact

    market = chain.deployment.markets["aave-v3"]
    configurator = contract(chain.w3, "PoolConfigurator", market.pool_configurator)
    admin = chain.deployment.deployer
    zero = "0x" + "00" * 20
    transact(chain.w3, configurator.functions.setEModeCategory(1, 9000, 9300, 10100, zero, "ETH correlated"), admin)
    transact(chain.w3, configurator.functions.setAssetEModeCategory(chain.deployment.weth, 1), admin)
    open_aave_loan(chain, "aave-v3", borrower, {"WBTC": D(1), "WETH": D(10)}, {})
    pool = contract(chain.w3, "Pool", market.pool)
    transact(chain.w3, pool.functions.setUserEMode(1), borrower)
    actions.borrow(chain.w3, market.pool, chain.deployment.weth, D(15), borrower)

    position = read_one(chain, borrower, "aave-v3")
    wbtc, weth = position.collateral
    assert (wbtc.max_ltv, wbtc.liquidation_threshold) == (D("0.73"), D("0.78"))
    assert (weth.max_ltv, weth.liquidation_threshold) == (D("0.9"), D("0.93"))
    assert_position_matches_aave_pool(chain, "aave-v3", position)


def test_v36_emode_overrides_the_thresholds_of_the_assets_in_its_collateral_bitmap(chain, borrower):
    """v3.6's eMode API: a category, then per asset whether it is collateral and borrowable in it
    (bitmaps, not v3.0's one category per asset). WETH lends at 90/93% in the category, WBTC,
    outside its collateral bitmap, keeps its own 73/78%."""
    from chainwatch.devnet.node import transact

    market = chain.deployment.markets["aave-v3.6"]
    configurator = contract(chain.w3, "PoolConfiguratorInstance", market.pool_configurator)
    admin, weth = chain.deployment.deployer, chain.deployment.weth
    transact(chain.w3, configurator.functions.setEModeCategory(1, 9000, 9300, 10100, "ETH correlated"), admin)
    transact(chain.w3, configurator.functions.setAssetCollateralInEMode(weth, 1, True), admin)
    transact(chain.w3, configurator.functions.setAssetBorrowableInEMode(weth, 1, True), admin)
    open_aave_loan(chain, "aave-v3.6", borrower, {"WBTC": D(1), "WETH": D(10)}, {})
    transact(chain.w3, contract(chain.w3, "PoolInstance", market.pool).functions.setUserEMode(1), borrower)
    actions.borrow(chain.w3, market.pool, weth, D(15), borrower)

    position = read_one(chain, borrower, "aave-v3.6")
    wbtc, weth_holding = position.collateral
    assert (wbtc.max_ltv, wbtc.liquidation_threshold) == (D("0.73"), D("0.78"))
    assert (weth_holding.max_ltv, weth_holding.liquidation_threshold) == (D("0.9"), D("0.93"))
    pool_ltv_bps = aave_account_data(chain, "aave-v3.6", borrower, position.block_number)[4]
    assert abs(position.max_ltv - D(pool_ltv_bps) / 10_000) <= D("0.0001")  # the Pool truncates to bps
    assert_position_matches_aave_pool(chain, "aave-v3.6", position)


def test_v36_ltv_zero_in_emode_lends_nothing_but_still_counts_for_health(chain, borrower):
    """v3.6 lets governance zero one asset's LTV inside a category (its LTV-zero bitmap): the
    asset keeps the category's liquidation threshold but lends nothing."""
    from chainwatch.devnet.node import transact

    market = chain.deployment.markets["aave-v3.6"]
    configurator = contract(chain.w3, "PoolConfiguratorInstance", market.pool_configurator)
    admin, wbtc, usdc = chain.deployment.deployer, chain.deployment.wbtc, chain.deployment.usdc
    transact(chain.w3, configurator.functions.setEModeCategory(2, 8000, 8500, 10300, "BTC to USD"), admin)
    transact(chain.w3, configurator.functions.setAssetCollateralInEMode(wbtc, 2, True), admin)
    transact(chain.w3, configurator.functions.setAssetBorrowableInEMode(usdc, 2, True), admin)
    open_aave_loan(chain, "aave-v3.6", borrower, {"WBTC": D(1)}, {})
    transact(chain.w3, contract(chain.w3, "PoolInstance", market.pool).functions.setUserEMode(2), borrower)
    actions.borrow(chain.w3, market.pool, usdc, D(20000), borrower)
    before = read_one(chain, borrower, "aave-v3.6")
    transact(chain.w3, configurator.functions.setAssetLtvzeroInEMode(wbtc, 2, True), admin)

    after = read_one(chain, borrower, "aave-v3.6")
    assert (before.collateral[0].max_ltv, before.collateral[0].liquidation_threshold) == (D("0.8"), D("0.85"))
    assert (after.collateral[0].max_ltv, after.collateral[0].liquidation_threshold) == (D(0), D("0.85"))
    assert aave_account_data(chain, "aave-v3.6", borrower, after.block_number)[4] == 0  # the Pool's LTV
    assert_position_matches_aave_pool(chain, "aave-v3.6", after)
