"""A loan backed by two BTC assets at once, WBTC and cbBTC, on devnet-l2's real Aave v3.0 Pool
(demo wallet E's loan there), and the depeg warning of devnet-l2's other BTC asset, cbBTC.

Referees: the Pool's own getUserAccountData (its figures, and its health factor on both sides of
the one BTC liquidation price chainwatch gives); that price worked by hand from the raw balances,
thresholds and prices read straight from the contracts, never from chainwatch's model.
"""

from __future__ import annotations

import json
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal

import pytest

from chainwatch.chains import get_chain
from chainwatch.devnet import controls
from chainwatch.devnet.node import contract
from chainwatch.model import Position
from chainwatch.snapshot import read_snapshot
from tests.helpers.referees import aave_account_data, assert_position_matches_aave_pool

D = Decimal
MARKET = "aave-v3"
CENT = D("0.01")
WAD = D(10) ** 18


def read_mixed_loan(chain_l2) -> Position:
    """Wallet E's Aave loan on devnet-l2, as chainwatch reads it (E also borrows on Morpho)."""
    wallet = chain_l2.deployment.demo_wallets["E"]
    snapshot = read_snapshot(get_chain("devnet-l2"), [wallet], rpc=[chain_l2.rpc_url], protocols=[MARKET])
    (position,) = snapshot.positions
    return position


def pool_health_factor(chain_l2, account: str) -> Decimal:
    return D(aave_account_data(chain_l2, MARKET, account, chain_l2.w3.eth.block_number)[5]) / WAD


def test_the_loan_is_read_as_one_position_backed_by_wbtc_and_cbbtc(chain_l2):
    position = read_mixed_loan(chain_l2)
    assert [h.asset.symbol for h in position.collateral] == ["WBTC", "cbBTC"]  # the Pool's reserve order
    assert position.btc_assets == ("WBTC", "cbBTC")
    assert [h.asset.symbol for h in position.debt] == ["USDC"]
    assert_position_matches_aave_pool(chain_l2, MARKET, position)


def test_the_pool_liquidates_just_below_the_one_btc_price_and_not_above(chain_l2):
    """BTC/USD set a hair above and a hair below chainwatch's price; both BTC assets follow it
    through their ratio feeds (left at 1), as on mainnet.

    The hair above is the Pool's own rounding: it truncates the loan's averaged liquidation
    threshold to whole basis points (76.71…% → 7671), so its health factor sits up to 1/7671
    below the exact one and it liquidates up to that fraction above chainwatch's price
    (test_the_liquidation_price_worked_by_hand_from_the_contracts measures the gap). Below,
    the rounding only lowers the Pool's health factor further: one cent suffices.
    """
    position = read_mixed_loan(chain_l2)
    price = position.liquidation_price_btc
    assert price is not None and 30_000 < price < 45_000
    w3, dep, wallet = chain_l2.w3, chain_l2.deployment, position.account
    threshold_bps = aave_account_data(chain_l2, MARKET, wallet, position.block_number)[3]
    above = (price * (1 + D(1) / threshold_bps) + CENT).quantize(CENT, ROUND_CEILING)
    below = (price - CENT).quantize(CENT, ROUND_FLOOR)
    assert above - price < 5  # a hair: a few dollars at most on a $37,000 price

    controls.set_btc_price(w3, dep, above)
    assert pool_health_factor(chain_l2, wallet) >= 1  # still safe just above
    controls.set_btc_price(w3, dep, below)
    assert pool_health_factor(chain_l2, wallet) < 1  # liquidatable just below


def test_the_liquidation_price_worked_by_hand_from_the_contracts(chain_l2):
    """At the block chainwatch read: each BTC asset's aToken balance (8 decimals), threshold
    (the data provider's, in bps) and AaveOracle price (USD, 8 decimals); the USDC debt token's
    balance (6 decimals) and price. Every BTC price scales by one factor k as BTC moves, so
    k · Σ amount × price × threshold = debt, and the liquidation price is k × the first BTC
    asset's price (WBTC's, its ratio feed at 1: BTC/USD).

    With the demo's figures: 0.3 WBTC at 75% and 0.4 cbBTC at 78%, $60,000, $20,005.87 of debt:
    60,000 × 20,005.87 / (18,000 × 0.75 + 24,000 × 0.78) = 60,000 × 20,005.87 / 32,220 ≈ $37,254.
    """
    position = read_mixed_loan(chain_l2)
    w3, dep, block = chain_l2.w3, chain_l2.deployment, position.block_number
    market, wallet = dep.markets[MARKET], position.account
    oracle = contract(w3, "AaveOracle", market.oracle).functions
    data_provider = contract(w3, "AaveProtocolDataProvider", market.data_provider).functions

    def balance(token_contract: str, token: str) -> int:
        return int(contract(w3, token_contract, token).functions.balanceOf(wallet).call(block_identifier=block))

    def usd_price(symbol: str) -> Decimal:
        return D(oracle.getAssetPrice(dep.tokens[symbol]).call(block_identifier=block)) / 10**8

    weighted = D(0)
    for symbol in ("WBTC", "cbBTC"):
        amount = D(balance("AToken", market.a_tokens[symbol])) / 10**8
        threshold_bps = data_provider.getReserveConfigurationData(dep.tokens[symbol]).call(block_identifier=block)[2]
        weighted += amount * usd_price(symbol) * D(threshold_bps) / 10_000
    debt = D(balance("VariableDebtToken", market.variable_debt_tokens["USDC"])) / 10**6 * usd_price("USDC")
    by_hand = usd_price("WBTC") * debt / weighted

    assert by_hand == pytest.approx(D("37254.85"), abs=D("0.50"))
    assert position.liquidation_price_btc is not None
    assert abs(position.liquidation_price_btc - by_hand) < D("1e-18") * by_hand

    # The Pool's own liquidation price, from its own figures: its collateral and debt in USD and
    # its averaged threshold truncated to whole bps. It lies at most 1/threshold above chainwatch's
    # exact figure (the gap the hair above covers), never below it.
    collateral_base, debt_base, _, pool_threshold_bps, _, _ = aave_account_data(chain_l2, MARKET, wallet, block)
    pool_price = usd_price("WBTC") * D(debt_base) / (D(collateral_base) * D(pool_threshold_bps) / 10_000)
    gap = pool_price - position.liquidation_price_btc
    assert D(0) <= gap <= position.liquidation_price_btc / pool_threshold_bps


def test_a_cbbtc_depeg_on_devnet_l2_is_named_cbbtc(chain_l2, cli):
    """cbBTC/BTC moved to 0.9 on devnet-l2: the warning names cbBTC (not WBTC, whose ratio
    stays at 1), and the Aave oracle, which prices cbBTC by that ratio, is flagged too."""
    dep = chain_l2.deployment
    controls.set_feed_price(chain_l2.w3, dep.feeds["cbBTC/BTC"], D("0.9"))
    wallets = [dep.demo_wallets["A"], dep.demo_wallets["E"]]
    code, out, err = cli("track", *wallets, "--chain", "devnet-l2", "--rpc", chain_l2.rpc_url, "--format", "json")
    assert code == 0, err
    warnings = json.loads(out)["warnings"]
    assert "cbBTC/BTC is 0.9000, more than 2% away from 1: cbBTC is off its peg" in warnings
    assert not [w for w in warnings if "WBTC/BTC" in w or "WBTC is off" in w]
    assert any("prices cbBTC at $54,000.00" in w for w in warnings)
    code, table, err = cli("track", *wallets, "--chain", "devnet-l2", "--rpc", chain_l2.rpc_url)
    assert code == 0 and "⚠ cbBTC/BTC is 0.9000" in table
