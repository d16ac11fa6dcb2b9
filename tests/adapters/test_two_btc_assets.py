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
    """BTC/USD set one cent above and one cent below chainwatch's price; both BTC assets follow
    it through their ratio feeds (left at 1), as on mainnet. The Pool truncates the loan's
    averaged liquidation threshold to whole basis points (76.71…% → 7671) before it judges
    the loan; chainwatch applies the same rule, so a cent either side decides."""
    position = read_mixed_loan(chain_l2)
    price = position.liquidation_price_btc
    assert price is not None and 30_000 < price < 45_000
    w3, dep, wallet = chain_l2.w3, chain_l2.deployment, position.account
    above = (price + CENT).quantize(CENT, ROUND_CEILING)
    below = (price - CENT).quantize(CENT, ROUND_FLOOR)

    controls.set_btc_price(w3, dep, above)
    assert pool_health_factor(chain_l2, wallet) >= 1  # still safe a cent above
    controls.set_btc_price(w3, dep, below)
    assert pool_health_factor(chain_l2, wallet) < 1  # liquidatable a cent below


def test_the_liquidation_price_worked_by_hand_from_the_contracts(chain_l2):
    """At the block chainwatch read: each BTC asset's aToken balance (8 decimals), threshold
    (the data provider's, in bps) and AaveOracle price (USD, 8 decimals); the USDC debt token's
    balance (6 decimals) and price. The Pool averages the thresholds by collateral value and
    truncates the average to whole bps (GenericLogic's integer division); every BTC price
    scales by one factor k as BTC moves, which leaves that average unchanged (both assets are
    BTC), so k · collateral × average = debt, and the liquidation price is k × the first BTC
    asset's price (WBTC's, its ratio feed at 1: BTC/USD).

    With the demo's figures: 0.3 WBTC at 75% and 0.4 cbBTC at 78%, $60,000, $20,005.87 of debt:
    the average is 32,220 / 42,000 = 76.714…% → 76.71%, and the price
    60,000 × 20,005.87 / (42,000 × 0.7671) ≈ $37,256.9.
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

    collateral = weighted = D(0)
    for symbol in ("WBTC", "cbBTC"):
        value = D(balance("AToken", market.a_tokens[symbol])) / 10**8 * usd_price(symbol)
        threshold_bps = data_provider.getReserveConfigurationData(dep.tokens[symbol]).call(block_identifier=block)[2]
        collateral += value
        weighted += value * D(threshold_bps)
    average_bps = int(weighted / collateral)  # truncated, as the Pool does
    debt = D(balance("VariableDebtToken", market.variable_debt_tokens["USDC"])) / 10**6 * usd_price("USDC")
    by_hand = usd_price("WBTC") * debt / (collateral * average_bps / 10_000)

    assert average_bps == 7671
    assert by_hand == pytest.approx(D("37256.9"), abs=D("0.50"))
    assert position.liquidation_ltv == D("0.7671")
    assert position.liquidation_price_btc is not None
    assert abs(position.liquidation_price_btc - by_hand) < D("1e-18") * by_hand

    # The Pool's own account data agrees: its averaged threshold is the truncated one.
    assert aave_account_data(chain_l2, MARKET, wallet, block)[3] == average_bps


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
