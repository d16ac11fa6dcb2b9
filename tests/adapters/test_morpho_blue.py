"""The Morpho Blue adapter against the REAL Morpho Blue bytecode on the devnet (compiled from
@morpho-org/morpho-blue 1.0.0 with solc 0.8.19, Morpho's own settings).

Only the market's IRM is a stand-in (SettableRateIrm, a flat rate); the oracle is the devnet's
ChainlinkMorphoOracle over its BTC/USD, WBTC/BTC and USDC/USD feeds. Morpho itself is the
referee: a real repay of every share costs, to the wei, the debt the adapter reads, and a real
`liquidate` is refused with Morpho's own reason ("position is healthy") just above the adapter's
liquidation price and taken just below it (the shared suite, tests/adapters/invariants.py).
"""

from __future__ import annotations

from decimal import Decimal

from chainwatch.devnet import actions, controls
from chainwatch.devnet.node import contract, rpc
from tests.helpers.accounts import fresh_account
from tests.helpers.loans import open_morpho_loan
from tests.helpers.reads import read_one
from tests.helpers.referees import morpho_liquidate_half

from .invariants import PositionInvariants

D = Decimal
DAY = 86_400
MARKET = "morpho-blue"


class TestMorphoBlueInvariants(PositionInvariants):
    market = MARKET
    collateral_earns_interest = False

    def open_loan(self, chain, account, wbtc, usdc):
        open_morpho_loan(chain, account, wbtc, usdc)

    def protocol_liquidates(self, chain, account):
        """A real liquidate: refused with Morpho's own "position is healthy" above the
        liquidation price, taken below it, leaving less debt and less collateral."""
        before = read_one(chain, account, MARKET)
        if not morpho_liquidate_half(chain, account):
            return False
        after = read_one(chain, account, MARKET)
        assert after.debt[0].amount < before.debt[0].amount
        assert after.collateral[0].amount < before.collateral[0].amount
        return True


def usdc_balance(chain, account: str) -> int:
    return contract(chain.w3, "MintableERC20", chain.deployment.usdc).functions.balanceOf(account).call()


def test_the_demo_loan_is_read_with_the_markets_terms(chain):
    position = read_one(chain, chain.deployment.demo_wallets["E"], MARKET)
    (wbtc,) = position.collateral
    (usdc,) = position.debt
    assert position.market == chain.deployment.morpho_blue.market_id
    assert wbtc.amount == 1 and wbtc.price_usd == 60000 and usdc.price_usd == 1
    assert wbtc.max_ltv == wbtc.liquidation_threshold == D("0.86")  # Morpho lends up to the LLTV
    assert usdc.amount > 30000  # three days of interest since the demo loan opened
    # the stand-in IRM's flat rate, per second (rounded down to the wei) × 365 days
    assert usdc.borrow_apr == D(int(D("0.05") * 10**18) // (365 * DAY) * 365 * DAY) / 10**18


def test_debt_equals_what_repaying_every_share_costs_to_the_wei(chain):
    """Read at time T, then repay all shares in a block at the same T from the same state."""
    w3, market = chain.w3, chain.deployment.morpho_blue
    borrower = fresh_account("morpho repay")
    open_morpho_loan(chain, borrower, D(2), D(70000))
    controls.advance_time(w3, 45 * DAY)  # interest accrues, Morpho's lastUpdate stays behind
    controls.mint(w3, market.loan_token, borrower, D(5000))
    actions.approve(w3, market.loan_token, borrower, market.morpho)
    target = w3.eth.get_block("latest")["timestamp"] + 10

    before_read = rpc(w3, "evm_snapshot")
    rpc(w3, "evm_setNextBlockTimestamp", [target])
    controls.mine(w3)
    position = read_one(chain, borrower, MARKET)
    assert int(position.timestamp.timestamp()) == target
    rpc(w3, "evm_revert", [before_read])

    rpc(w3, "evm_setNextBlockTimestamp", [target])
    paid_before = usdc_balance(chain, borrower)
    receipt = actions.morpho_repay_shares(w3, market, None, borrower)
    assert w3.eth.get_block(receipt["blockNumber"])["timestamp"] == target
    paid = paid_before - usdc_balance(chain, borrower)
    assert position.debt[0].amount == D(paid).scaleb(-6)
    assert paid > 70000 * 10**6  # 45 days of interest were included
    assert contract(w3, "Morpho", market.morpho).functions.position(market.market_id, borrower).call()[1] == 0


def test_a_btc_move_moves_morpho_through_its_oracle(chain):
    controls.set_btc_price(chain.w3, chain.deployment, D(45000))
    position = read_one(chain, chain.deployment.demo_wallets["E"], MARKET)
    assert position.collateral[0].price_usd == 45000
