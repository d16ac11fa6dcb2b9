"""One suite of position checks that every protocol adapter must pass (as web3.py runs one
shared suite against every provider).

A protocol's test module subclasses `PositionInvariants` as `Test...`, says which market it
covers, how to open a real USDC loan against WBTC there and how the protocol itself judges a
position liquidatable (its own contract: Aave's getUserAccountData, Comet's isLiquidatable,
a real Morpho `liquidate`). The tests below then hold the adapter's reads, on real (or, for
Comet, stand-in) bytecode on the devnet, to the amounts the loan was opened with and to the
protocol's own liquidation rule, never to the shared model's definitions.
"""

from __future__ import annotations

from decimal import Decimal

import pytest

from chainwatch.devnet import controls
from chainwatch.model import Position
from tests.helpers.accounts import fresh_account
from tests.helpers.reads import read_one, read_positions

D = Decimal
WBTC = D("1.5")
USDC = D(40000)
# How far either side of the adapter's liquidation price the BTC feed is moved: far above the
# feeds' 1e-8 resolution and the interest of the few seconds between read and judgement
# (~1e-8 of the debt), close enough that a liquidation price off by more than 0.001% fails.
HAIR = D("0.00001")


class PositionInvariants:
    """Subclasses set `market` and `collateral_earns_interest` and implement `open_loan` and
    `protocol_liquidates`."""

    market: str
    collateral_earns_interest: bool

    def open_loan(self, chain, account: str, wbtc: Decimal, usdc: Decimal) -> None:
        raise NotImplementedError

    def protocol_liquidates(self, chain, account: str) -> bool:
        """Whether the protocol's own contract would liquidate `account` now."""
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
        assert D(0) < loan.max_ltv <= loan.liquidation_ltv < 1

    @pytest.mark.parametrize("side", ["above", "below"])
    def test_the_protocol_liquidates_below_the_liquidation_price_and_not_above(self, chain, loan, side):
        """The protocol's own rule, a hair either side of the price the adapter names."""
        price = loan.liquidation_price_btc
        assert price is not None and price < loan.btc_price_usd
        moved = price * (1 + HAIR if side == "above" else 1 - HAIR)
        controls.set_btc_price(chain.w3, chain.deployment, moved.quantize(D("0.00000001")))
        position = read_one(chain, loan.account, self.market)
        assert (position.health_factor < 1) is (side == "below")
        assert self.protocol_liquidates(chain, loan.account) is (side == "below")

    def test_every_position_is_read_at_the_readers_block(self, chain, loan):
        demo = list(chain.deployment.demo_wallets.values())
        block, positions = read_positions(chain, [*demo, loan.account], self.market, block=loan.block_number)
        assert positions and {p.block_number for p in positions} == {block} == {loan.block_number}
        assert {p.timestamp for p in positions} == {loan.timestamp}
