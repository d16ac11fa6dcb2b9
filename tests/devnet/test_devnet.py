"""The devnet itself: real Aave v3 bytecode, our feeds and Multicall3, snapshot reuse, controls."""

from __future__ import annotations

import tomllib
from decimal import Decimal

import pytest

from chainwatch.devnet import actions, anvil, controls, snapshot
from chainwatch.devnet.addressbook import book_file
from chainwatch.devnet.deploy import ACCRUAL_SECONDS, HISTORY_DAYS
from chainwatch.devnet.localchains import DEVNET, DEVNET_L2
from chainwatch.devnet.node import contract
from chainwatch.devnet.service import start

USD = 10**8  # AaveOracle base unit
WAD = 10**18


def test_multicall3_at_canonical_address_runs_aggregate3(devnet):
    w3, dep = devnet.w3, devnet.deployment
    multicall = contract(w3, "Multicall3", dep.multicall3)
    wbtc = contract(w3, "MintableERC20", dep.wbtc)
    feed = contract(w3, "ChainlinkStyleAggregator", dep.btc_usd_feed)
    calls = [
        (dep.wbtc, False, wbtc.encode_abi("decimals")),
        (dep.multicall3, False, multicall.encode_abi("getBlockNumber")),
        (dep.btc_usd_feed, True, feed.encode_abi("getRoundData", [0])),  # reverts: no round 0
    ]
    results = multicall.functions.aggregate3(calls).call()
    assert results[0] == (True, (8).to_bytes(32, "big"))
    assert int.from_bytes(results[1][1], "big") == w3.eth.block_number
    assert results[2][0] is False
    assert multicall.functions.getChainId().call() == 31337


def test_demo_wallet_a_has_a_sane_aave_position(devnet):
    dep = devnet.deployment
    pool = contract(devnet.w3, "Pool", dep.markets["aave-v3"].pool)
    collateral, debt, available, lt, ltv, health = pool.functions.getUserAccountData(dep.demo_wallets["A"]).call()
    assert 60_000 * USD <= collateral < 60_010 * USD  # 1 WBTC at $60,000, plus supply interest
    assert 20_000 * USD < debt < 20_010 * USD  # 20,000 USDC plus three days of interest
    assert (lt, ltv) == (7800, 7300)
    assert available == collateral * ltv // 10_000 - debt
    assert Decimal(health) / WAD == pytest.approx(Decimal("2.34"), rel=Decimal("0.001"))


def test_spark_market_carries_spark_wbtc_parameters(devnet):
    dep = devnet.deployment
    pool = contract(devnet.w3, "Pool", dep.markets["spark"].pool)
    _, debt, _, lt, ltv, _ = pool.functions.getUserAccountData(dep.demo_wallets["C"]).call()
    assert (lt, ltv) == (7800, 7700)
    assert debt > 12_000 * USD


def test_aave_v36_market_runs_the_v36_code_with_aave_v3s_parameters(devnet):
    dep = devnet.deployment
    market = dep.markets["aave-v3.6"]
    pool = contract(devnet.w3, "PoolInstance", market.pool)
    assert pool.functions.POOL_REVISION().call() == 10  # aave-v3-origin 3.6.0
    # one global rate strategy, no stable debt token
    assert set(market.interest_rate_strategies.values()) == {pool.functions.RESERVE_INTEREST_RATE_STRATEGY().call()}
    assert pool.functions.getReserveData(dep.usdc).call()[9] == "0x" + "00" * 20
    collateral, debt, _, lt, ltv, _ = pool.functions.getUserAccountData(dep.demo_wallets["G"]).call()
    assert 72_000 * USD <= collateral < 72_010 * USD  # 1.2 WBTC at $60,000, plus supply interest
    assert 30_000 * USD < debt < 30_010 * USD  # 30,000 USDC plus three days of interest
    assert (lt, ltv) == (7800, 7300)


def test_btc_usd_round_history_is_readable(devnet):
    dep = devnet.deployment
    feed = contract(devnet.w3, "ChainlinkStyleAggregator", dep.btc_usd_feed)
    latest = feed.functions.latestRound().call()
    assert latest == (HISTORY_DAYS * 86400 + ACCRUAL_SECONDS) // 3600 + 1
    round_id, answer, _, updated_at, answered_in = feed.functions.latestRoundData().call()
    assert (round_id, answer, answered_in) == (latest, 60_000 * USD, latest)
    previous = feed.functions.getRoundData(latest - 1).call()
    assert previous[3] == updated_at - 3600
    first = feed.functions.getRoundData(1).call()
    assert updated_at - first[3] == HISTORY_DAYS * 86400 + ACCRUAL_SECONDS
    assert 10_000 * USD < first[1] < 300_000 * USD
    assert feed.functions.getAnswer(1).call() == first[1]
    assert feed.functions.getTimestamp(latest + 1).call() == 0


def test_address_book_matches_deployment(devnet):
    book = tomllib.loads(book_file(DEVNET).read_text())["chains"]["devnet"]
    dep = devnet.deployment
    assert book["btc_usd_feed"] == dep.btc_usd_feed and "wbtc" not in book  # no one-asset shorthand
    assert book["btc_assets"] == [{"symbol": "WBTC", "address": dep.wbtc, "btc_feed": dep.feeds["WBTC/BTC"]}]
    providers = {m["name"]: m["pool_addresses_provider"] for m in book["markets"] if m["protocol"] == "aave-v3"}
    assert providers == {name: m.pool_addresses_provider for name, m in dep.markets.items()}
    (morpho,) = [m for m in book["markets"] if m["protocol"] == "morpho-blue"]
    assert (morpho["morpho"], morpho["market_ids"]) == (dep.morpho_blue.morpho, [dep.morpho_blue.market_id])
    (comet,) = [m for m in book["markets"] if m["protocol"] == "compound-v3"]
    assert comet["comet"] == dep.comet


def test_devnet_l2_is_its_own_chain_with_cbbtc_on_real_aave_and_morpho(devnet, devnet_l2):
    w3, dep = devnet_l2.w3, devnet_l2.deployment
    assert w3.eth.chain_id == dep.chain_id == 31338 and devnet.w3.eth.chain_id == 31337
    assert contract(w3, "Multicall3", dep.multicall3).functions.getChainId().call() == 31338
    cbbtc = contract(w3, "MintableERC20", dep.btc)
    assert (cbbtc.functions.symbol().call(), cbbtc.functions.decimals().call()) == ("cbBTC", 8)
    # No contract shares an address with one on the devnet (Multicall3 aside, canonical on both).
    assert not set(dep.tokens.values()) & set(devnet.deployment.tokens.values())
    assert dep.markets["aave-v3"].pool != devnet.deployment.markets["aave-v3"].pool
    # Wallet A borrows here too: 0.5 cbBTC at $60,000 against 15,000 USDC, through the real Pool.
    pool = contract(w3, "Pool", dep.markets["aave-v3"].pool)
    collateral, debt, _, lt, ltv, _ = pool.functions.getUserAccountData(dep.demo_wallets["A"]).call()
    assert dep.demo_wallets["A"] == devnet.deployment.demo_wallets["A"]
    assert 30_000 * USD <= collateral < 30_010 * USD and 15_000 * USD < debt < 15_010 * USD
    assert (lt, ltv) == (7800, 7300)
    # Wallet E on the real Morpho Blue: 1 cbBTC of collateral.
    morpho = contract(w3, "Morpho", dep.morpho_blue.morpho)
    position = morpho.functions.position(dep.morpho_blue.market_id, dep.demo_wallets["E"]).call()
    assert position[2] == 10**8
    book = tomllib.loads(book_file(DEVNET_L2).read_text())["chains"]["devnet-l2"]
    assert (book["chain_id"], book["rpc"]) == (31338, ["http://127.0.0.1:8546"])
    # Its BTC assets under their own symbols, cbBTC (the main one) first, each with its ratio feed.
    assert [(a["symbol"], a["address"], a["btc_feed"]) for a in book["btc_assets"]] == [
        ("cbBTC", dep.btc, dep.feeds["cbBTC/BTC"]),
        ("WBTC", dep.wbtc, dep.feeds["WBTC/BTC"]),
    ]


def test_devnet_l2_lists_wbtc_beside_cbbtc_priced_as_on_mainnet(chain_l2):
    """WBTC on devnet-l2's Aave: an 8-decimal token whose Aave price is BTC/USD × its own
    WBTC/BTC ratio (the product feed the AaveOracle reads), apart from cbBTC's ratio."""
    w3, dep = chain_l2.w3, chain_l2.deployment
    wbtc = contract(w3, "MintableERC20", dep.wbtc)
    assert (wbtc.functions.symbol().call(), wbtc.functions.decimals().call()) == ("WBTC", 8)
    market = dep.markets["aave-v3"]
    oracle = contract(w3, "AaveOracle", market.oracle)
    assert oracle.functions.getSourceOfAsset(dep.wbtc).call() == dep.feeds["WBTC/BTC/USD"]
    assert oracle.functions.getSourceOfAsset(dep.btc).call() == dep.feeds["cbBTC/BTC/USD"]
    controls.set_feed_price(w3, dep.feeds["WBTC/BTC"], Decimal("0.98"))
    assert oracle.functions.getAssetPrice(dep.wbtc).call() == 58_800 * USD  # 60,000 × 0.98
    assert oracle.functions.getAssetPrice(dep.btc).call() == 60_000 * USD  # cbBTC keeps its own ratio, 1


def test_wallet_e_holds_one_aave_loan_backed_by_wbtc_and_cbbtc_on_devnet_l2(devnet_l2):
    """The Pool's own books: E's aTokens of both BTC assets, its USDC debt, and the averaged
    threshold the Pool gives the pair (0.3 WBTC at 75% and 0.4 cbBTC at 78%: 76.71% truncated)."""
    w3, dep = devnet_l2.w3, devnet_l2.deployment
    market, wallet = dep.markets["aave-v3"], dep.demo_wallets["E"]
    a_tokens = {s: contract(w3, "MintableERC20", market.a_tokens[s]) for s in ("WBTC", "cbBTC")}
    assert 30_000_000 <= a_tokens["WBTC"].functions.balanceOf(wallet).call() < 30_001_000
    assert 40_000_000 <= a_tokens["cbBTC"].functions.balanceOf(wallet).call() < 40_001_000
    pool = contract(w3, "Pool", market.pool)
    collateral, debt, _, lt, ltv, _ = pool.functions.getUserAccountData(wallet).call()
    assert 42_000 * USD <= collateral < 42_010 * USD and 20_000 * USD < debt < 20_010 * USD
    assert (lt, ltv) == (7671, 7171)  # (18,000 × 7500 + 24,000 × 7800) / 42,000, and likewise 7000/7300


def test_clock_is_pinned_to_the_snapshot_not_the_wall_clock(chain):
    w3 = chain.w3
    before = w3.eth.get_block("latest")
    controls.mine(w3)
    assert w3.eth.get_block("latest")["timestamp"] == before["timestamp"] + 1


def test_historical_state_survives_the_snapshot(devnet):
    dep = devnet.deployment
    pool = contract(devnet.w3, "Pool", dep.markets["aave-v3"].pool)
    # Blocks before the three days of accrual are still there to read: then wallet A owed what
    # it borrowed to within a cent; now it owes dollars more.
    early = pool.functions.getUserAccountData(dep.demo_wallets["A"]).call(block_identifier=dep.snapshot_block - 10)
    now = pool.functions.getUserAccountData(dep.demo_wallets["A"]).call()
    assert 20_000 * USD <= early[1] < 20_000 * USD + USD // 100
    assert now[1] > early[1] + USD


def test_btc_price_moves_wbtc_in_the_aave_oracle(chain):
    w3, dep = chain.w3, chain.deployment
    market = dep.markets["aave-v3"]
    controls.set_btc_price(w3, dep, Decimal("45000"))
    oracle = contract(w3, "AaveOracle", market.oracle)
    assert oracle.functions.getAssetPrice(dep.wbtc).call() == 45_000 * USD
    health = contract(w3, "Pool", market.pool).functions.getUserAccountData(dep.demo_wallets["A"]).call()[5]
    assert Decimal(health) / WAD == pytest.approx(Decimal("1.755"), rel=Decimal("0.001"))


def test_time_advance_accrues_interest_and_is_rolled_back(chain):
    w3, dep = chain.w3, chain.deployment
    pool = contract(w3, "Pool", dep.markets["aave-v3"].pool)
    debt_before = pool.functions.getUserAccountData(dep.demo_wallets["A"]).call()[1]
    start_time = w3.eth.get_block("latest")["timestamp"]
    assert controls.advance_time(w3, 30 * 86400) == start_time + 30 * 86400
    debt_after = pool.functions.getUserAccountData(dep.demo_wallets["A"]).call()[1]
    assert 20_000 * USD * 0.002 < debt_after - debt_before < 20_000 * USD * 0.01  # ≈3.6% APR


def test_time_advance_of_previous_test_was_reverted(chain):
    w3, dep = chain.w3, chain.deployment
    assert w3.eth.block_number == dep.snapshot_block
    controls.mine(w3)
    assert w3.eth.get_block("latest")["timestamp"] == dep.snapshot_timestamp + 1


def test_actions_open_and_close_a_position_with_real_receipts(chain):
    w3, dep = chain.w3, chain.deployment
    pool, wallet = dep.markets["aave-v3"].pool, chain.w3.eth.accounts[5]
    controls.mint(w3, dep.wbtc, wallet, Decimal("0.5"))
    controls.mint(w3, dep.usdc, wallet, Decimal("100"))  # covers interest on repay
    gas = {
        "approve": actions.approve(w3, dep.wbtc, wallet, pool)["gasUsed"],
        "supply": actions.supply(w3, pool, dep.wbtc, Decimal("0.5"), wallet)["gasUsed"],
        "borrow": actions.borrow(w3, pool, dep.usdc, Decimal("10000"), wallet)["gasUsed"],
    }
    actions.approve(w3, dep.usdc, wallet, pool)
    gas["repay"] = actions.repay(w3, pool, dep.usdc, None, wallet)["gasUsed"]
    gas["withdraw"] = actions.withdraw(w3, pool, dep.wbtc, None, wallet)["gasUsed"]
    assert all(30_000 < used < 400_000 for used in gas.values()), gas
    assert contract(w3, "MintableERC20", dep.wbtc).functions.balanceOf(wallet).call() == 50_000_000


def test_a_second_start_loads_the_snapshot_without_rebuilding(devnet, monkeypatch):
    def no_rebuild(folder):
        raise AssertionError(f"snapshot rebuilt into {folder}")

    monkeypatch.setattr(snapshot, "_build", no_rebuild)
    with start() as second:
        assert second.rpc_url != devnet.rpc_url
        assert second.block == devnet.deployment.snapshot_block
        assert second.deployment == devnet.deployment
        assert anvil.port_in_use(int(second.rpc_url.rsplit(":", 1)[1]))
    with start(chain=DEVNET_L2) as l2:  # the second chain comes from the same cached snapshot
        assert l2.block == l2.deployment.snapshot_block and l2.deployment.chain_id == 31338


def test_an_impersonated_sender_is_funded_again_after_a_revert(devnet):
    """evm_revert takes the ether back but not the impersonation; the next send must still work."""
    from chainwatch.devnet.node import ensure_sender, rpc

    stranger = "0x000000000000000000000000000000000000dEaD"
    snapshot_id = rpc(devnet.w3, "evm_snapshot")
    ensure_sender(devnet.w3, stranger)
    assert devnet.w3.eth.get_balance(stranger) > 0
    rpc(devnet.w3, "evm_revert", [snapshot_id])
    assert devnet.w3.eth.get_balance(stranger) == 0
    ensure_sender(devnet.w3, stranger)
    assert devnet.w3.eth.get_balance(stranger) > 0
