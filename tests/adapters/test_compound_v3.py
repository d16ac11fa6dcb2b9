"""The Compound v3 adapter against a Comet STAND-IN on the devnet.

Comet's contracts are on no registry the build can reach, so these tests run against
chainwatch/devnet/contracts/CometStandIn.sol: a stand-in with Comet's ABI and Comet's storage
math (principal and indices at BASE_INDEX_SCALE 1e15, factors at 1e18, 8-decimal price feeds),
not Compound's bytecode. The stand-in's own view functions are the referee: isLiquidatable on
both sides of the adapter's liquidation price (the shared suite), its balances and factors here.
"""

from __future__ import annotations

from decimal import Decimal

from chainwatch.devnet import controls
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
