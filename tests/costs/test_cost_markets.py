"""Pairing WBTC collateral with the loan asset inside one group of a market's rates."""

from decimal import Decimal

from chainwatch.adapters.base import MarketRate
from chainwatch.costs.markets import wbtc_loan_pair
from chainwatch.model import Asset

WBTC = Asset("t", "0x" + "11" * 20, "WBTC", 8, is_btc=True)
USDC = Asset("t", "0x" + "22" * 20, "USDC", 6)
WETH = Asset("t", "0x" + "33" * 20, "WETH", 18)
D = Decimal


def collateral(lltv: str, group: str) -> MarketRate:
    return MarketRate(WBTC, D(60000), D(lltv), D(lltv), group=group)


def loan(asset: Asset, apr: str, group: str) -> MarketRate:
    return MarketRate(asset, D(1), borrow_apr=D(apr), group=group)


def test_isolated_markets_pair_collateral_and_loan_of_the_same_market():
    rates = [
        collateral("0.86", "usdc-market"), loan(USDC, "0.05", "usdc-market"),
        collateral("0.915", "weth-market"), loan(WETH, "0.02", "weth-market"),
    ]  # fmt: skip
    wbtc, weth = wbtc_loan_pair(rates, WBTC.address, "WETH")
    assert wbtc.liquidation_threshold == D("0.915") and weth.borrow_apr == D("0.02")


def test_a_pool_shares_one_group():
    rates = [collateral("0.78", ""), loan(USDC, "0.04", ""), loan(WETH, "0.02", "")]
    wbtc, usdc = wbtc_loan_pair(rates, WBTC.address, "usdc")
    assert wbtc.liquidation_threshold == D("0.78") and usdc.asset is USDC


def test_why_no_pair():
    assert wbtc_loan_pair([loan(USDC, "0.04", "")], WBTC.address, "USDC") == "does not take WBTC as collateral"
    assert (
        wbtc_loan_pair([collateral("0.86", "a"), loan(USDC, "0.05", "b")], WBTC.address, "USDC")
        == "does not lend USDC against WBTC"
    )
