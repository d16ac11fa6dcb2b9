"""`chainwatch track` over the two local chains: the devnet (WBTC) and devnet-l2 (cbBTC, and WBTC).

Referees: each chain's own eth_blockNumber, read directly; the Aave Pool's getUserAccountData on
each chain (its debt, and its health factor on both sides of the liquidation price chainwatch
computes); Morpho's own `liquidate` on both sides of a cbBTC loan's liquidation price; a direct
single-chain read for the chain that stays readable when the other is down.
"""

from __future__ import annotations

import csv
import io
import json
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal

import pytest

from chainwatch.devnet import controls
from chainwatch.devnet.node import contract, rpc
from tests.helpers.referees import morpho_liquidate_half
from tests.helpers.two_chains import address_book, both_chains, closed_port

from .test_json_schemas import assert_valid

pytestmark = pytest.mark.chain

D = Decimal
USD = 10**8  # Aave's base currency unit
WAD = 10**18


def account_data(chain, account: str) -> tuple[int, ...]:
    pool = contract(chain.w3, "Pool", chain.deployment.markets["aave-v3"].pool)
    return tuple(pool.functions.getUserAccountData(account).call())


def test_one_track_reads_the_loans_of_both_chains_each_at_its_own_block(chain, chain_l2, cli, tmp_path):
    controls.mine(chain_l2.w3, 25)  # the chains' heads now differ: each must be read at its own
    wallet = chain.deployment.demo_wallets["A"]  # A borrows on both chains
    assert chain_l2.deployment.demo_wallets["A"] == wallet
    code, out, err = cli(
        "track", wallet, *both_chains(address_book(tmp_path, chain.rpc_url, chain_l2.rpc_url)), "--format", "json"
    )
    assert code == 0, err
    document = json.loads(out)
    heads = {"devnet": chain.w3.eth.block_number, "devnet-l2": chain_l2.w3.eth.block_number}
    assert heads["devnet"] != heads["devnet-l2"]
    assert [(c["chain"], c["chain_id"], c["block"], c["error"]) for c in document["chains"]] == [
        ("devnet", 31337, heads["devnet"], None),
        ("devnet-l2", 31338, heads["devnet-l2"], None),
    ]
    assert "chain" not in document and "block" not in document  # two chains: no one block at the top
    assert_valid("track", document)
    positions = {p["chain"]: p for p in document["positions"]}
    assert sorted(positions) == ["devnet", "devnet-l2"]
    for name, devnet, btc in (("devnet", chain, "WBTC"), ("devnet-l2", chain_l2, "cbBTC")):
        position = positions[name]
        assert position["block"] == heads[name] and position["chain_id"] == devnet.deployment.chain_id
        assert position["account"] == wallet and position["collateral"][0]["symbol"] == btc
        assert position["collateral"][0]["address"] == devnet.deployment.btc
        _, debt_base, *_, health = account_data(devnet, wallet)
        assert D(position["debt_usd"]) == pytest.approx(D(debt_base) / USD, abs=D("0.00000002"))
        assert D(position["health_factor"]) == pytest.approx(D(health) / WAD, rel=D("1e-8"))


def test_csv_and_table_carry_each_chain_and_its_block(chain, chain_l2, cli, tmp_path):
    path = address_book(tmp_path, chain.rpc_url, chain_l2.rpc_url)
    wallet = chain.deployment.demo_wallets["E"]  # E borrows on Morpho on both chains, on Aave on devnet-l2
    code, out, err = cli("track", wallet, *both_chains(path), "--format", "csv")
    assert code == 0, err
    rows = list(csv.DictReader(io.StringIO(out)))
    assert {(r["chain"], r["chain_id"], r["block"], r["protocol"]) for r in rows} == {
        ("devnet", "31337", str(chain.w3.eth.block_number), "morpho-blue"),
        ("devnet-l2", "31338", str(chain_l2.w3.eth.block_number), "morpho-blue"),
        ("devnet-l2", "31338", str(chain_l2.w3.eth.block_number), "aave-v3"),
    }
    code, out, err = cli("track", wallet, *both_chains(path))
    assert code == 0, err
    assert f"devnet · block {chain.w3.eth.block_number}" in out
    assert f"devnet-l2 · block {chain_l2.w3.eth.block_number}" in out
    assert out.index("WBTC") < out.index("devnet-l2 · block") < out.index("cbBTC")  # grouped by chain


def test_a_cbbtc_loan_liquidates_at_the_price_chainwatch_gives(chain_l2, cli):
    """Aave's own health factor on devnet-l2, with BTC/USD set a cent above and a cent below."""
    dep = chain_l2.deployment
    wallet = dep.demo_wallets["A"]
    code, out, err = cli("track", wallet, "--chain", "devnet-l2", "--rpc", chain_l2.rpc_url, "--format", "json")
    assert code == 0, err
    document = json.loads(out)
    assert (document["chain"], document["chain_id"]) == ("devnet-l2", 31338)  # one chain: the old keys stay
    assert_valid("track", document)
    (position,) = document["positions"]
    assert [h["symbol"] for h in position["collateral"]] == ["cbBTC"]
    price = D(position["liquidation_price_btc"])
    assert 30_000 < price < 60_000
    cent = D("0.01")
    controls.set_btc_price(chain_l2.w3, dep, (price + cent).quantize(cent, ROUND_CEILING))
    assert account_data(chain_l2, wallet)[5] > WAD  # still safe just above
    controls.set_btc_price(chain_l2.w3, dep, (price - cent).quantize(cent, ROUND_FLOOR))
    assert account_data(chain_l2, wallet)[5] < WAD  # liquidatable just below


@pytest.mark.parametrize("side", ["above", "below"])
def test_a_cbbtc_morpho_loan_is_liquidated_by_morpho_just_below_the_price_chainwatch_gives(chain_l2, cli, side):
    """Morpho's own `liquidate` on devnet-l2: it reverts a hair above the price, succeeds below."""
    wallet = chain_l2.deployment.demo_wallets["E"]
    code, out, err = cli(
        "track",
        wallet,
        "--chain",
        "devnet-l2",
        "--rpc",
        chain_l2.rpc_url,
        "--protocol",
        "morpho-blue",
        "--format",
        "json",
    )
    assert code == 0, err
    (position,) = json.loads(out)["positions"]
    assert [h["symbol"] for h in position["collateral"]] == ["cbBTC"]
    factor = D("1.0001") if side == "above" else D("0.9999")  # a few seconds of interest move it ~1e-8
    price = (D(position["liquidation_price_btc"]) * factor).quantize(D("0.00000001"))
    controls.set_btc_price(chain_l2.w3, chain_l2.deployment, price)
    assert morpho_liquidate_half(chain_l2, wallet) is (side == "below")


def test_a_chain_that_cannot_be_read_hides_nothing_and_exits_4(chain, cli, tmp_path):
    wallet = chain.deployment.demo_wallets["A"]
    dead = f"http://127.0.0.1:{closed_port()}"
    path = address_book(tmp_path, chain.rpc_url, dead)
    code, out, err = cli("track", wallet, *both_chains(path), "--format", "json")
    assert code == 4
    assert "devnet-l2 could not be read" in err and "Traceback" not in err
    document = json.loads(out)
    (devnet, l2) = document["chains"]
    assert devnet["error"] is None and devnet["block"] == chain.w3.eth.block_number
    assert l2["chain"] == "devnet-l2" and l2["block"] is None and "127.0.0.1" in l2["error"]
    assert_valid("track", document)
    code, alone, err = cli("track", wallet, "--chain", "devnet", "--rpc", chain.rpc_url, "--format", "json")
    assert code == 0, err
    assert document["positions"] == json.loads(alone)["positions"]  # the same block, the same figures

    code, out, err = cli("track", wallet, *both_chains(path))
    assert code == 4
    assert "WBTC" in out  # the devnet's loan still shows ...
    assert out.index("aave-v3") < out.index("devnet-l2: could not be read")  # ... and the error under it


def test_an_unknown_chain_is_one_line_and_exit_1(cli):
    code, out, err = cli("track", "0x70997970C51812dc3A010C7d01b50e0d17dc79C8", "--chain", "devnet", "--chain", "moon")
    assert code == 1 and out == ""
    assert err.strip().count("\n") == 0 and "unknown chain 'moon'" in err


@pytest.mark.parametrize("command", ["track", "check", "risk"])
@pytest.mark.parametrize("option", [("--rpc", "http://127.0.0.1:1"), ("--block", "5")])
def test_rpc_and_block_take_one_chain(cli, command, option):
    """One endpoint serves one chain, and block numbers differ between chains: a usage error
    before any read, for every command that reads wallets on several chains (compare's own
    test adds its gas options)."""
    args = [command, "0x70997970C51812dc3A010C7d01b50e0d17dc79C8", "--chain", "devnet", "--chain", "devnet-l2"]
    code, _, err = cli(*args, *option)
    assert code == 2 and f"{option[0]} needs exactly one --chain" in err


def test_a_position_one_chain_could_not_read_is_named_with_its_chain(chain, chain_l2, cli, tmp_path):
    """devnet-l2's Morpho oracle made to revert (real bytecode swapped for a REVERT): wallet E's
    Morpho loan there is named in `errors` with its chain, its devnet loan and its devnet-l2 Aave
    loan (which that oracle does not price) still print, exit 4."""
    wallet = chain.deployment.demo_wallets["E"]
    oracle = chain_l2.deployment.morpho_blue.oracle
    rpc(chain_l2.w3, "anvil_setCode", [oracle, "0x60006000fd"])
    path = address_book(tmp_path, chain.rpc_url, chain_l2.rpc_url)
    code, out, err = cli("track", wallet, *both_chains(path), "--format", "json")
    assert code == 4, err
    document = json.loads(out)
    assert [(p["chain"], p["protocol"]) for p in document["positions"]] == [
        ("devnet", "morpho-blue"),
        ("devnet-l2", "aave-v3"),
    ]
    (error,) = document["errors"]
    assert (error["chain"], error["chain_id"], error["account"]) == ("devnet-l2", 31338, wallet)
    assert error["protocol"] == "morpho-blue"
    assert all(c["error"] is None for c in document["chains"])  # the chain was read, one position was not
    assert_valid("track", document)
