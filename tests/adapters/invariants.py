"""One suite of position invariants that every protocol adapter must pass (as web3.py runs one
shared suite against every provider).

A protocol's test module subclasses `PositionInvariants` as `Test...`, says which market it
covers and how to open a real USDC loan against WBTC there; the tests below then hold it to the
shared model's definitions on its real (or, for Comet, stand-in) bytecode on the devnet.
"""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

import pytest

from chainwatch.model import Position
from tests.helpers.accounts import fresh_account
from tests.helpers.reads import read_one, read_positions

D = Decimal
WBTC = D("1.5")
USDC = D(40000)


def at_btc_price(position: Position, price: Decimal) -> Position:
    """The same position with every BTC-tracking holding repriced to `price`."""

    def move(holdings):
        return tuple(replace(h, price_usd=price) if h.tracks_btc else h for h in holdings)

    return replace(position, collateral=move(position.collateral), debt=move(position.debt))


class PositionInvariants:
    """Subclasses set `market` and `collateral_earns_interest` and implement `open_loan`."""

    market: str
    collateral_earns_interest: bool

    def open_loan(self, chain, account: str, wbtc: Decimal, usdc: Decimal) -> None:
        raise NotImplementedError

    @pytest.fixture
    def loan(self, chain, request) -> Position:
        account = fresh_account(f"{self.market}:{request.node.name}")
        self.open_loan(chain, account, WBTC, USDC)
        return read_one(chain, account, self.market)

    def test_an_empty_account_has_no_position(self, chain):
        _, positions = read_positions(chain, [fresh_account("never used")], self.market)
        assert positions == []

    def test_amounts_read_back_from_a_real_open(self, loan):
        (wbtc,) = loan.collateral
        (usdc,) = loan.debt
        assert (wbtc.asset.symbol, usdc.asset.symbol) == ("WBTC", "USDC")
        # Read in the block of the borrow: the collateral is the amount supplied, or one unit less
        # where the protocol rounds deposits down (Aave v3.5+, as ERC-4626 vaults do); the debt
        # is the amount borrowed, or one unit more where the protocol rounds the debt up
        # (Comet's principal, Morpho's shares, Aave v3.5+).
        assert WBTC - D("0.00000001") <= wbtc.amount <= WBTC
        assert USDC <= usdc.amount <= USDC + D("0.000001")
        assert wbtc.earns_interest is self.collateral_earns_interest
        assert usdc.borrow_apr is not None and usdc.borrow_apr > 0

    def test_ltv_is_debt_over_collateral(self, loan):
        assert loan.ltv == loan.debt_usd / loan.collateral_usd
        assert D(0) < loan.max_ltv <= loan.liquidation_ltv < 1

    @pytest.mark.parametrize("btc_price", [D(30000), D(45000), D(60000), D(90000)])
    def test_health_factor_above_one_exactly_when_ltv_is_below_the_liquidation_ltv(self, loan, btc_price):
        moved = at_btc_price(loan, btc_price)
        assert (moved.health_factor > 1) == (moved.ltv < moved.liquidation_ltv)

    def test_the_liquidation_price_puts_the_health_factor_at_one(self, loan):
        price = loan.liquidation_price_btc
        assert price is not None and price < loan.btc_price_usd
        assert abs(at_btc_price(loan, price).health_factor - 1) < D("1e-20")

    def test_every_position_is_read_at_the_readers_block(self, chain, loan):
        demo = list(chain.deployment.demo_wallets.values())
        block, positions = read_positions(chain, [*demo, loan.account], self.market, block=loan.block_number)
        assert positions and {p.block_number for p in positions} == {block} == {loan.block_number}
        assert {p.timestamp for p in positions} == {loan.timestamp}
