"""The Compound v3 adapter against a Comet STAND-IN on the devnet.

Comet's contracts are on no registry the build can reach, so these tests run against
chainwatch/devnet/contracts/CometStandIn.sol: a stand-in with Comet's ABI and Comet's storage
math (principal and indices at BASE_INDEX_SCALE 1e15, factors at 1e18, 8-decimal price feeds),
not Compound's bytecode. The stand-in's own view functions are the referee: isLiquidatable on
both sides of the adapter's liquidation price (the shared suite), its balances and factors here.
"""

from __future__ import annotations

from decimal import Decimal

from chainwatch.devnet import actions, controls
from chainwatch.devnet.node import contract
from tests.helpers.accounts import fresh_account
from tests.helpers.loans import open_comet_loan
from tests.helpers.reads import read_one
from tests.helpers.referees import comet_liquidatable

from .invariants import PositionInvariants

D = Decimal
YEAR = 365 * 86_400
MARKET = "compound-v3"


def stand_in(chain):
    return contract(chain.w3, "CometStandIn", chain.deployment.comet).functions


class TestCometStandInInvariants(PositionInvariants):
    market = MARKET
    collateral_earns_interest = False

    def open_loan(self, chain, account, wbtc, usdc):
        open_comet_loan(chain, account, {"WBTC": wbtc}, usdc)

    def protocol_liquidates(self, chain, account):
        return comet_liquidatable(chain, account)


def test_amounts_prices_and_factors_read_back_exactly(chain):
    borrower = fresh_account("comet exact")
    open_comet_loan(chain, borrower, {"WBTC": D("0.75"), "WETH": D(4)}, D(30000))
    controls.advance_time(chain.w3, 20 * 86_400)
    position = read_one(chain, borrower, MARKET)
    comet, block = stand_in(chain), position.block_number
    wbtc, weth = position.collateral
    (usdc,) = position.debt
    assert position.market == chain.deployment.comet
    assert (wbtc.asset.symbol, wbtc.amount, wbtc.price_usd) == ("WBTC", D("0.75"), 60000)
    assert (weth.asset.symbol, weth.amount, weth.price_usd) == ("WETH", 4, 3000)
    assert (wbtc.max_ltv, wbtc.liquidation_threshold) == (D("0.80"), D("0.85"))
    assert (weth.max_ltv, weth.liquidation_threshold) == (D("0.83"), D("0.90"))
    for info, holding in zip((comet.getAssetInfo(0).call(), comet.getAssetInfo(1).call()), (wbtc, weth)):
        assert holding.max_ltv == D(info[4]) / 10**18 and holding.liquidation_threshold == D(info[5]) / 10**18
    # debt with interest accrued to the block, as borrowBalanceOf has it
    assert usdc.amount == D(comet.borrowBalanceOf(borrower).call(block_identifier=block)).scaleb(-6)
    assert usdc.amount > 30000
    rate = comet.getBorrowRate(comet.getUtilization().call(block_identifier=block)).call(block_identifier=block)
    assert usdc.borrow_apr == D(rate * YEAR) / 10**18


def test_the_demo_loan_has_two_collaterals(chain):
    position = read_one(chain, chain.deployment.demo_wallets["F"], MARKET)
    assert [(h.asset.symbol, h.amount) for h in position.collateral] == [("WBTC", 1), ("WETH", 5)]
    weighted = (60000 * D("0.85") + 15000 * D("0.90")) / 75000
    assert position.liquidation_ltv == weighted


def test_collateral_at_offset_17_of_an_extended_asset_list_is_read(chain):
    """Mainnet's USDC, USDT, USDS, WETH and wstETH Comets run CometWithExtendedAssetList: an
    account's collateral at asset offsets 16-23 is flagged in userBasic._reserved, not in
    assetsIn. A stand-in with 18 assets, WBTC at offset 17: the adapter reads the WBTC that the
    stand-in's own userBasic flags only in _reserved, and Comet's liquidation condition flips on
    either side of the price the adapter calls the liquidation price."""
    from chainwatch.adapters.compound_v3 import CompoundV3Adapter
    from chainwatch.chain import MarketConfig
    from chainwatch.chains import get_chain
    from chainwatch.devnet import toolchain
    from chainwatch.devnet.aave_market import deploy_artifact
    from chainwatch.devnet.comet_market import deploy_stand_in
    from chainwatch.rpc import BlockReader, EndpointPool

    w3, deployment = chain.w3, chain.deployment
    deployer, usdc_feed = deployment.deployer, deployment.feeds["USDC/USD"]
    fillers = [deploy_artifact(w3, deployer, "MintableERC20", f"Filler {i}", f"FILL{i}", 18) for i in range(17)]
    collateral = [(token, usdc_feed, "0.5", "0.6", "0.9", 1_000) for token in fillers]
    collateral.append((deployment.wbtc, deployment.feeds["WBTC/BTC/USD"], "0.80", "0.85", "0.95", 1_000))
    comet = deploy_stand_in(
        w3, deployer, toolchain.compiled_contracts()["CometStandIn"], deployment.usdc, usdc_feed, collateral
    )
    supplier, borrower = fresh_account("extended supplier"), fresh_account("extended borrower")
    controls.mint(w3, deployment.usdc, supplier, D(100000))
    actions.approve(w3, deployment.usdc, supplier, comet)
    actions.comet_supply(w3, comet, deployment.usdc, D(100000), supplier)
    controls.mint(w3, deployment.wbtc, borrower, D(1))
    actions.approve(w3, deployment.wbtc, borrower, comet)
    actions.comet_supply(w3, comet, deployment.wbtc, D(1), borrower)
    actions.comet_withdraw(w3, comet, deployment.usdc, D(30000), borrower)
    standin = contract(w3, "CometStandIn", comet).functions
    _, _, _, assets_in, reserved = standin.userBasic(borrower).call()
    assert (assets_in, reserved) == (0, 1 << (17 - 16))  # flagged only in _reserved

    adapter = CompoundV3Adapter(get_chain("devnet"), MarketConfig("compound-v3", "comet-24", {"comet": comet}))
    reading = adapter.read_positions(BlockReader.at(EndpointPool([chain.rpc_url])), [borrower])
    assert reading.unreadable == []
    (position,) = reading.positions
    (wbtc,) = position.collateral
    assert (wbtc.asset.address, wbtc.amount, wbtc.price_usd) == (deployment.wbtc, 1, 60000)
    assert (wbtc.max_ltv, wbtc.liquidation_threshold) == (D("0.8"), D("0.85"))
    assert position.debt[0].amount == D(30000)
    price = position.liquidation_price_btc  # 30,000 / 0.85
    controls.set_btc_price(w3, deployment, round(price * D("1.001"), 2))
    assert not standin.isLiquidatable(borrower).call()
    controls.set_btc_price(w3, deployment, round(price * D("0.999"), 2))
    assert standin.isLiquidatable(borrower).call()
