"""`chainwatch risk` over the two local chains: the devnet (WBTC) and devnet-l2 (cbBTC).

Referees: each chain's own eth_blockNumber, read directly; the Aave Pool's getUserAccountData on
each chain at the block risk read (collateral, debt, health factor) and its oracle's BTC price,
from which the liquidation price is worked by hand (the price over the Pool's health factor,
for a loan backed by BTC alone); `risk --chain X` for each chain alone at the same block.
"""

from __future__ import annotations

import json
from decimal import Decimal

import pytest

from chainwatch.abi import function
from chainwatch.devnet import controls
from chainwatch.devnet.node import rpc
from chainwatch.rpc import BlockReader, Call, EndpointPool
from tests.helpers.referees import assert_matches_aave_pool
from tests.helpers.schemas import assert_valid
from tests.helpers.two_chains import address_book, both_chains, closed_port

pytestmark = pytest.mark.chain

D = Decimal
WAD = D(10) ** 18
FAST = ["--paths", "2000", "--format", "json"]
# The figures of a position that are its own: the liquidation probability also depends on the
# volatility, which a run takes from its first chain's feed.
OWN = (
    "protocol", "market", "account", "chain", "chain_id", "block", "timestamp", "collateral_usd", "debt_usd",
    "btc_price_usd", "ltv", "max_ltv", "liquidation_ltv", "health_factor", "status", "compounding",
    "liquidation_price_btc", "margin_of_safety_usd", "margin_of_safety_fraction", "price_scenarios",
    "time_scenarios", "max_loan_for_drop", "outlook",
)  # fmt: skip


def oracle_btc_price(chain, block: int) -> Decimal:
    """The Aave oracle's price of the chain's BTC asset at `block`, in USD (8 decimals)."""
    market = chain.deployment.markets["aave-v3"]
    reader = BlockReader.at(EndpointPool([chain.rpc_url]), block)
    ((price,),) = reader.read([Call(market.oracle, function("AaveOracle", "getAssetPrice"), (chain.deployment.btc,))])
    return D(price) / 10**8


def pool_health(chain, account: str, block: int) -> Decimal:
    pool = chain.deployment.markets["aave-v3"].pool
    reader = BlockReader.at(EndpointPool([chain.rpc_url]), block)
    (row,) = reader.read([Call(pool, function("AavePool", "getUserAccountData"), (account,))])
    return D(row[5]) / WAD


def test_risk_reads_both_chains_each_at_its_own_block(chain, chain_l2, cli, tmp_path):
    controls.mine(chain_l2.w3, 25)  # the chains' heads now differ: each must be read at its own
    wallet = chain.deployment.demo_wallets["A"]  # A borrows on Aave on both chains
    path = address_book(tmp_path, chain.rpc_url, chain_l2.rpc_url)
    code, out, err = cli("risk", wallet, *both_chains(path), "--protocol", "aave-v3", *FAST)
    assert code == 0, err
    document = json.loads(out)
    assert_valid("risk", document)
    heads = {"devnet": chain.w3.eth.block_number, "devnet-l2": chain_l2.w3.eth.block_number}
    assert heads["devnet"] != heads["devnet-l2"]
    assert [(c["chain"], c["chain_id"], c["block"], c["error"]) for c in document["chains"]] == [
        ("devnet", 31337, heads["devnet"], None),
        ("devnet-l2", 31338, heads["devnet-l2"], None),
    ]
    assert "chain" not in document and "block" not in document  # two chains: no one block at the top
    assert document["partial"] is False and document["errors"] == []
    # The volatility comes from the first chain's feed (at the block it was read at: below).
    assert document["volatility_source"] == "devnet BTC/USD feed, 30 days"

    positions = {p["chain"]: p for p in document["positions"]}
    assert sorted(positions) == ["devnet", "devnet-l2"] and len(document["positions"]) == 2
    for name, devnet in (("devnet", chain), ("devnet-l2", chain_l2)):
        p = positions[name]
        assert (p["block"], p["chain_id"], p["account"]) == (heads[name], devnet.deployment.chain_id, wallet)
        health = D(p["health_factor"])
        assert_matches_aave_pool(
            devnet, "aave-v3", wallet, heads[name],
            health_factor=health, collateral_usd=D(p["collateral_usd"]), debt_usd=D(p["debt_usd"]),
        )  # fmt: skip
        # BTC alone backs the loan, so the health factor scales with the BTC price: the Pool's
        # reaches 1 at the oracle's price over the Pool's health factor.
        by_hand = oracle_btc_price(devnet, heads[name]) / pool_health(devnet, wallet, heads[name])
        assert D(p["liquidation_price_btc"]) == pytest.approx(by_hand, rel=D("1e-9"))

    # The portfolio covers both chains: the debts the two Pools hold, the worst health factor
    # of the two, and the higher of the two liquidation prices is where the first loan goes.
    portfolio = document["portfolio"]
    assert portfolio["positions"] == 2
    assert D(portfolio["debt_usd"]) == sum(D(p["debt_usd"]) for p in positions.values())
    worst = min(positions.values(), key=lambda p: D(p["health_factor"]))
    assert (portfolio["worst_position"]["chain"], portfolio["worst_position"]["chain_id"]) == (
        worst["chain"],
        worst["chain_id"],
    )
    assert portfolio["first_liquidation_price_btc"] == max(
        (p["liquidation_price_btc"] for p in positions.values()), key=D
    )

    # Each position's figures are those of `risk --chain X` alone at the same block.
    for name, devnet in (("devnet", chain), ("devnet-l2", chain_l2)):
        alone_args = ["--chain", name, "--rpc", devnet.rpc_url, "--block", str(heads[name])]
        code, out, err = cli("risk", wallet, *alone_args, "--protocol", "aave-v3", *FAST)
        assert code == 0, err
        alone = json.loads(out)
        assert (alone["chain"], alone["block"]) == (name, heads[name])  # one chain: the old keys stay
        assert_valid("risk", alone)
        (single,) = alone["positions"]
        assert {k: single[k] for k in OWN} == {k: positions[name][k] for k in OWN}
        if name == "devnet":  # the same feed at the same block: the same volatility and odds
            assert alone["volatility_annual"] == document["volatility_annual"]
            assert single["liquidation_probability"] == positions[name]["liquidation_probability"]


def test_the_table_names_each_positions_chain_and_block(chain, chain_l2, cli, tmp_path):
    wallet = chain.deployment.demo_wallets["A"]
    path = address_book(tmp_path, chain.rpc_url, chain_l2.rpc_url)
    code, out, err = cli("risk", wallet, *both_chains(path), "--protocol", "aave-v3", "--paths", "2000")
    assert code == 0, err
    # each position's title names its chain; the row under it, the block it was read at
    assert out.index(f"devnet · aave-v3 · {wallet}") < out.index(f"block {chain.w3.eth.block_number} · ")
    assert out.index(f"devnet-l2 · aave-v3 · {wallet}") < out.index(f"block {chain_l2.w3.eth.block_number} · ")
    assert "all 2 positions on devnet, devnet-l2" in out and "partial" not in out


def test_a_dead_chain_leaves_a_partial_portfolio_and_exit_4(chain, cli, tmp_path):
    wallet = chain.deployment.demo_wallets["A"]
    dead = f"http://127.0.0.1:{closed_port()}"
    path = address_book(tmp_path, chain.rpc_url, dead)
    code, out, err = cli("risk", wallet, *both_chains(path), *FAST)
    assert code == 4
    assert "devnet-l2 could not be read" in err and "Traceback" not in err
    document = json.loads(out)
    assert_valid("risk", document)
    assert document["partial"] is True
    assert {p["chain"] for p in document["positions"]} == {"devnet"}
    (devnet, l2) = document["chains"]
    assert devnet["error"] is None and devnet["block"] == chain.w3.eth.block_number
    assert l2["block"] is None and "127.0.0.1" in l2["error"]
    (error,) = document["errors"]
    assert (error["chain"], error["chain_id"], error["account"]) == ("devnet-l2", 31338, None)
    assert error["message"].startswith("devnet-l2 could not be read: ")
    # The devnet's positions and totals are those it has alone.
    code, out, err = cli("risk", wallet, "--chain", "devnet", "--rpc", chain.rpc_url, *FAST)
    assert code == 0, err
    alone = json.loads(out)
    assert document["positions"] == alone["positions"] and document["portfolio"] == alone["portfolio"]

    code, out, err = cli("risk", wallet, *both_chains(path), "--paths", "2000")
    assert code == 4 and err == ""  # the table names what is missing itself
    assert "partial: only the 1 position read on devnet, not the whole portfolio" in out
    assert "left out" in out and "devnet-l2 could not be read: no healthy RPC endpoint" in out


def test_the_volatility_comes_from_the_next_chain_when_the_first_is_dead(chain_l2, cli, tmp_path):
    wallet = chain_l2.deployment.demo_wallets["A"]
    path = address_book(tmp_path, f"http://127.0.0.1:{closed_port()}", chain_l2.rpc_url)
    code, out, err = cli("risk", wallet, *both_chains(path), "--protocol", "aave-v3", *FAST)
    assert code == 4 and "devnet could not be read" in err
    document = json.loads(out)
    assert document["volatility_source"] == "devnet-l2 BTC/USD feed, 30 days"
    assert [p["chain"] for p in document["positions"]] == ["devnet-l2"]
    block = chain_l2.w3.eth.block_number
    alone_args = ["--chain", "devnet-l2", "--rpc", chain_l2.rpc_url, "--block", str(block), "--protocol", "aave-v3"]
    code, out, err = cli("risk", wallet, *alone_args, *FAST)
    assert code == 0, err
    assert json.loads(out)["volatility_annual"] == document["volatility_annual"]


def test_one_chain_asked_and_dead_is_one_line_and_exit_4(cli):
    wallet = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8"
    code, out, err = cli("risk", wallet, "--chain", "devnet", "--rpc", f"http://127.0.0.1:{closed_port()}")
    assert code == 4 and out == ""
    assert len(err.strip().splitlines()) == 1 and "127.0.0.1" in err


def test_a_position_one_chain_could_not_read_is_named_with_its_chain(chain, chain_l2, cli, tmp_path):
    """devnet-l2's Morpho oracle made to revert (real bytecode swapped for a REVERT): wallet E's
    loan there is named in `errors` with its chain, its devnet loan is assessed, exit 4."""
    wallet = chain.deployment.demo_wallets["E"]
    rpc(chain_l2.w3, "anvil_setCode", [chain_l2.deployment.morpho_blue.oracle, "0x60006000fd"])
    path = address_book(tmp_path, chain.rpc_url, chain_l2.rpc_url)
    code, out, err = cli("risk", wallet, *both_chains(path), "--protocol", "morpho-blue", *FAST)
    assert code == 4, err
    document = json.loads(out)
    assert_valid("risk", document)
    assert [(p["chain"], p["protocol"]) for p in document["positions"]] == [("devnet", "morpho-blue")]
    (error,) = document["errors"]
    assert (error["chain"], error["chain_id"], error["account"]) == ("devnet-l2", 31338, wallet)
    assert "failed" in error["message"] and document["partial"] is True
    assert all(c["error"] is None for c in document["chains"])  # the chain was read, one position was not


def test_the_configs_chains_are_read_when_no_chain_is_given(chain, chain_l2, cli, tmp_path):
    wallet = chain.deployment.demo_wallets["A"]
    config = tmp_path / "c.toml"
    config.write_text(f'chains = ["devnet", "devnet-l2"]\n\n[[wallets]]\naddress = "{wallet}"\n')
    path = address_book(tmp_path, chain.rpc_url, chain_l2.rpc_url)
    code, out, err = cli("risk", "--config", config, "--address-book", path, "--protocol", "aave-v3", *FAST)
    assert code == 0, err
    assert [p["chain"] for p in json.loads(out)["positions"]] == ["devnet", "devnet-l2"]


def test_the_plot_labels_each_line_with_its_chain(chain, chain_l2, cli, tmp_path):
    wallet = chain.deployment.demo_wallets["A"]
    target = tmp_path / "ltv.svg"
    path = address_book(tmp_path, chain.rpc_url, chain_l2.rpc_url)
    code, _, err = cli("risk", wallet, *both_chains(path), "--protocol", "aave-v3", *FAST, "--plot", target)
    assert code == 0, err
    svg = target.read_text()
    short = f"{wallet[:6]}…{wallet[-4:]}"
    assert f"devnet · {short} aave-v3" in svg and f"devnet-l2 · {short} aave-v3" in svg
